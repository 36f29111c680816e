#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

/// Thin wrappers over OpenSSL for the primitives the event store needs.
namespace larder::events {

using sha256_digest = std::array<std::uint8_t, 32>;

/// SHA-256 over the concatenation of `parts`, in order.
sha256_digest sha256(std::initializer_list<std::string_view> parts);

/// Fills `out` with bytes from OpenSSL's CSPRNG; aborts if it cannot (a
/// process without randomness must not mint tokens or ids).
void random_bytes(std::span<std::uint8_t> out);

/// Lower-case hexadecimal of `bytes`.
std::string to_hex(std::span<const std::uint8_t> bytes);

/// Decodes hexadecimal (either case) into exactly `N` bytes.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> from_hex(std::string_view hex);

extern template std::optional<std::array<std::uint8_t, 32>>
  from_hex<32>(std::string_view);
extern template std::optional<std::array<std::uint8_t, 16>>
  from_hex<16>(std::string_view);

} // namespace larder::events
