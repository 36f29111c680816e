#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "events/envelope.hpp"
#include "events/error.hpp"

namespace pqxx {
class transaction_base;
} // namespace pqxx

namespace larder::events {

/// Appends to one stream: all of `events` or none of them, and only if the
/// stream is still at `expected_version` with head hash `expected_head`
/// (0 and the genesis hash for a stream that does not exist yet).
struct append_request {
  std::string stream_id;
  uuid tenant_id;
  std::string stream_type;
  std::int64_t expected_version = 0;
  hash_bytes expected_head = genesis_hash;
  event_metadata metadata;
  std::vector<new_event> events;
};

/// The stream after a successful append.
struct append_result {
  std::int64_t version = 0;
  hash_bytes head{};
  /// Global positions of the first and last appended event; a read model
  /// that has passed `last_position` reflects this append.
  std::int64_t first_position = 0;
  std::int64_t last_position = 0;
};

struct stream_head {
  uuid tenant_id;
  std::string stream_type;
  std::int64_t version = 0;
  hash_bytes head{};
};

/// A batch of the global log in fence order, and where the next read starts.
struct log_batch {
  std::vector<recorded_event> events;
  log_position next;
};

struct verify_failure {
  std::string stream_id;
  std::int64_t stream_version = 0;
  std::string reason;
};

struct verify_report {
  std::int64_t streams = 0;
  std::int64_t events = 0;
  /// The first broken event in (stream_id, stream_version) order, if any.
  std::optional<verify_failure> failure;
};

/// Limits that keep one append small enough to commit quickly.
inline constexpr std::size_t max_events_per_append = 1000;
inline constexpr std::size_t max_payload_bytes = 256 * 1024;

/// The PostgreSQL event store (DESIGN.md §4) over one libpq connection.
/// Blocking: it runs inside the store writer and other detached workers,
/// never on a scheduler thread. Errors come back as values; a lost
/// connection answers `unavailable` and is re-established on the next call.
class event_store {
 public:
  /// Does not connect yet; see `connect`.
  explicit event_store(std::string url);
  ~event_store();

  event_store(const event_store&) = delete;
  event_store& operator=(const event_store&) = delete;

  /// Connects (or checks the connection): `unavailable` with a message a
  /// person can act on when the server cannot be reached.
  expected<bool> connect();

  /// Appends many requests in one transaction (group commit). Each request
  /// gets its own answer: a stale version is that request's `conflict` and
  /// does not fail the others. All `unavailable` when the database is.
  /// Wakes no reader: whoever batches calls `notify_appended` after (the
  /// store writer does, coalesced over its committers).
  std::vector<expected<append_result>>
  append_batch(std::span<const append_request> requests);

  /// One request, committed, then `notify_appended` (for tools and tests).
  expected<append_result> append(const append_request& request);

  /// Sends the wake-up hint on `notify_channel` in a transaction of its own.
  /// Not inside the append: PostgreSQL serializes the commits of all
  /// notifying transactions (each holds a database-wide lock from queuing
  /// its notification until its commit is flushed), which made parallel
  /// committers wait on one another.
  expected<bool> notify_appended();

  /// The events of `stream_id` from `from_version` on, at most `limit`.
  expected<std::vector<recorded_event>>
  read_stream(std::string_view stream_id, std::int64_t from_version = 1,
              std::size_t limit = 100000);

  /// `read_stream` inside a caller's transaction (the audit history reads
  /// through the edge's database pool). Throws libpqxx exceptions.
  static std::vector<recorded_event>
  read_stream_in(pqxx::transaction_base& txn, std::string_view stream_id,
                 std::int64_t from_version = 1, std::size_t limit = 100000);

  /// The stream's current version and head hash; empty if it has none.
  expected<std::optional<stream_head>> head(std::string_view stream_id);

  /// Up to `limit` events after `after` in (transaction_id, global_position)
  /// order, only from transactions older than every running writer, so an
  /// event that commits late is never skipped. Optionally one tenant's.
  expected<log_batch> read_log(log_position after, std::size_t limit,
                               std::optional<uuid> tenant = std::nullopt);

  /// `read_log` inside a caller's transaction, for a reader that applies
  /// only the event types in `types` (a PostgreSQL text array, as
  /// `events::pg_array` writes it): an event of another type comes with its
  /// position, transaction and type only, as the reader only steps past it;
  /// no event comes with its hashes. A projection reads its batch this way,
  /// applies it and moves its checkpoint in one transaction: most models
  /// apply a few of the log's types, and reading, sending and parsing whole
  /// rows they skip was most of what the smaller models cost the database
  /// under a stream of commands. Throws libpqxx exceptions on database
  /// errors.
  static log_batch read_log_of_types_in(pqxx::transaction_base& txn,
                                        log_position after, std::size_t limit,
                                        const std::string& types);

  /// Streams the log after `after` in fence order, as `read_log` would
  /// return it batch by batch, through one binary COPY on a connection of
  /// its own: PostgreSQL sends while `visit` works, so a whole-log reader
  /// (a rebuild, an audit) runs at the speed of the slower side instead of
  /// the sum of both. Stops after `limit` events (0: all the fence lets
  /// through now). Returns where the next read starts. `visit` may move
  /// from the event; an exception it throws ends the scan and propagates.
  expected<log_position>
  scan_log(log_position after, std::int64_t limit,
           const std::function<void(recorded_event&)>& visit);

  /// Recomputes every hash chain (or one tenant's) and names the first event
  /// whose chain, hash or version sequence is wrong.
  expected<verify_report> verify(std::optional<uuid> tenant = std::nullopt);

  /// The append itself inside a caller's transaction; used by
  /// `append_batch` and by tests that must hold a writer open. Throws
  /// libpqxx exceptions on database errors.
  static std::vector<expected<append_result>>
  append_in(pqxx::transaction_base& txn,
            std::span<const append_request> requests);

  /// The NOTIFY channel that wakes log readers after commits.
  static constexpr const char* notify_channel = "larder_events";

 private:
  struct connection_holder;

  /// The open connection, opened (again) if there is none.
  connection_holder& conn();

  std::string url_;
  std::unique_ptr<connection_holder> conn_;
};

} // namespace larder::events
