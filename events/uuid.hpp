#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace larder::events {

/// A 128-bit RFC 9562 UUID held by value.
struct uuid {
  std::array<std::uint8_t, 16> bytes{};

  /// A version-7 UUID: 48 bits of Unix milliseconds, then random bits, so ids
  /// minted in order land next to each other in B-tree indexes.
  static uuid make_v7();

  /// A version-8 UUID from the SHA-256 of `name`: the same name always
  /// gives the same id (a user's id from their email).
  static uuid make_v8(std::string_view name);

  /// Parses the canonical 8-4-4-4-12 hexadecimal form (either case).
  static std::optional<uuid> parse(std::string_view text);

  bool is_nil() const noexcept;

  /// The canonical lower-case 8-4-4-4-12 form.
  std::string to_string() const;

  friend auto operator<=>(const uuid&, const uuid&) = default;
};

} // namespace larder::events
