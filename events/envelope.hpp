#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events/error.hpp"
#include "events/uuid.hpp"

/// The event envelope: what every event in `es.events` carries besides its
/// payload, and the shapes in which events enter and leave the store.
namespace larder::events {

using hash_bytes = std::array<std::uint8_t, 32>;

/// The `prev_hash` of a stream's first event.
inline constexpr hash_bytes genesis_hash{};

/// Who caused an event (DESIGN.md §4.5).
enum class actor_kind : std::uint8_t { system, user, webhook, worker };

std::string_view to_string(actor_kind kind) noexcept;
std::optional<actor_kind> parse_actor_kind(std::string_view text) noexcept;

/// Envelope metadata shared by the events of one command.
struct event_metadata {
  actor_kind actor = actor_kind::system;
  std::string actor_id;
  std::string correlation_id;
  std::string causation_id;
  std::string request_id;
  /// web, email, whatsapp, api, worker, cli.
  std::string source;
  /// Set only when the client sent an Idempotency-Key.
  std::string idempotency_key;
  /// With an idempotency key: what the request asked (a digest of its
  /// method, target and body), so that the key reused for another request
  /// is refused rather than answered as the first one. Stored only with
  /// the key. Empty in events written before session 21: such a key
  /// answers any request, as then.
  std::string request_hash;

  friend bool operator==(const event_metadata&,
                         const event_metadata&) = default;
};

/// The metadata as the JSON object stored in `es.events.metadata`; empty
/// optional fields are left out.
std::string encode_metadata(const event_metadata& meta);

/// Parses a stored metadata object; unknown members are ignored so that
/// older readers survive newer writers.
expected<event_metadata> decode_metadata(std::string_view json);

/// An event about to be appended: the caller's part of the envelope.
struct new_event {
  uuid event_id;
  std::string event_type;
  std::int32_t schema_version = 1;
  /// A JSON object. Amounts inside are decimal strings, never numbers.
  std::string payload;
};

/// Every field the hash covers (DESIGN.md §4.4): known before commit.
struct envelope {
  uuid event_id;
  uuid tenant_id;
  std::string stream_id;
  std::int64_t stream_version = 0;
  std::string event_type;
  std::int32_t schema_version = 1;
  std::string payload;
  std::string metadata;
  /// RFC 3339 UTC with microseconds, e.g. 2026-11-22T06:01:02.123456Z.
  std::string recorded_at;
};

/// An event as read back from the store.
struct recorded_event {
  envelope env;
  std::int64_t global_position = 0;
  std::uint64_t transaction_id = 0;
  hash_bytes prev_hash{};
  hash_bytes hash{};
};

/// A place in the global log in fence order (DESIGN.md §4.3).
struct log_position {
  std::uint64_t transaction_id = 0;
  std::int64_t global_position = 0;

  friend auto operator<=>(const log_position&, const log_position&) = default;
};

/// Formats `t` as RFC 3339 UTC with exactly six fractional digits, the form
/// PostgreSQL stores and `recorded_at` is hashed in.
std::string
format_timestamp(std::chrono::sys_time<std::chrono::microseconds> t);

/// The current time in `format_timestamp` form.
std::string now_timestamp();

} // namespace larder::events
