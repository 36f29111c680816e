#pragma once

#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include <string>
#include <vector>

#include "actors/domain.hpp"
#include "events/event_store.hpp"

/// The project's single CAF type-id block: every type and atom that crosses
/// an actor boundary is listed here, once, with its `inspect` overload.
/// Atom texts are at most 10 characters (a CAF 0.17 limit).

namespace larder::events {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, uuid& x) {
  return f(caf::meta::type_name("uuid"), x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_metadata& x) {
  return f(caf::meta::type_name("event_metadata"), x.actor, x.actor_id,
           x.correlation_id, x.causation_id, x.request_id, x.source,
           x.idempotency_key, x.request_hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_event& x) {
  return f(caf::meta::type_name("new_event"), x.event_id, x.event_type,
           x.schema_version, x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, envelope& x) {
  return f(caf::meta::type_name("envelope"), x.event_id, x.tenant_id,
           x.stream_id, x.stream_version, x.event_type, x.schema_version,
           x.payload, x.metadata, x.recorded_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recorded_event& x) {
  return f(caf::meta::type_name("recorded_event"), x.env, x.global_position,
           x.transaction_id, x.prev_hash, x.hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_request& x) {
  return f(caf::meta::type_name("append_request"), x.stream_id, x.tenant_id,
           x.stream_type, x.expected_version, x.expected_head, x.metadata,
           x.events);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_result& x) {
  return f(caf::meta::type_name("append_result"), x.version, x.head,
           x.first_position, x.last_position);
}

} // namespace larder::events

namespace larder {

/// One append's outcome as a store committer reports it to the writer:
/// `code` 0 and `result` on success, else an `errc` and a message.
struct append_outcome {
  std::uint8_t code = 0;
  std::string message;
  events::append_result result;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_outcome& x) {
  return f(caf::meta::type_name("append_outcome"), x.code, x.message, x.result);
}

/// A projection's progress as its actor reports it to `(caf::get_atom)`,
/// for /metrics and /ready (actors/projection_actor.hpp).
struct projection_status {
  std::string name;
  /// The checkpoint: where the next batch starts in fence order.
  std::uint64_t last_xid = 0;
  std::int64_t last_position = 0;
  /// Events in the log after the checkpoint, counted up to a cap.
  std::int64_t backlog = 0;
  /// The last batch found nothing more behind the fence.
  bool caught_up = false;
  /// Events consumed (applied or skipped) since the actor started.
  std::uint64_t consumed = 0;
  /// Batches it read by itself since the actor started, not handed to it
  /// by the tail: catching up after a start, a failure or a gap.
  std::uint64_t read_alone = 0;
  /// Batches that failed since the actor started (each retried).
  std::uint64_t failures = 0;
  /// Why the last batch failed; empty while healthy.
  std::string last_error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, projection_status& x) {
  return f(caf::meta::type_name("projection_status"), x.name, x.last_xid,
           x.last_position, x.backlog, x.caught_up, x.consumed, x.read_alone,
           x.failures, x.last_error);
}

} // namespace larder

namespace larder::domain {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_context& x) {
  return f(caf::meta::type_name("command_context"), x.meta, x.now, x.tenant_id);
}

} // namespace larder::domain

CAF_BEGIN_TYPE_ID_BLOCK(larder, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(larder, (larder::events::append_request))
CAF_ADD_TYPE_ID(larder, (larder::events::append_result))
CAF_ADD_TYPE_ID(larder, (std::vector<larder::events::append_request>))
CAF_ADD_TYPE_ID(larder, (std::vector<larder::append_outcome>))
CAF_ADD_TYPE_ID(larder, (std::vector<larder::events::recorded_event>))
CAF_ADD_TYPE_ID(larder, (larder::domain::command_context))
CAF_ADD_TYPE_ID(larder, (larder::projection_status))

CAF_ADD_ATOM(larder, larder, append_atom, "append")
CAF_ADD_ATOM(larder, larder, flush_atom, "flush")
CAF_ADD_ATOM(larder, larder, commit_atom, "commit")
CAF_ADD_ATOM(larder, larder, notify_atom, "notify")
CAF_ADD_ATOM(larder, larder, read_atom, "read")
CAF_ADD_ATOM(larder, larder, command_atom, "command")
CAF_ADD_ATOM(larder, larder, passivate_atom, "passivate")
CAF_ADD_ATOM(larder, larder, sweep_atom, "sweep")
CAF_ADD_ATOM(larder, larder, tick_atom, "tick")
CAF_ADD_ATOM(larder, larder, poll_atom, "poll")

CAF_END_TYPE_ID_BLOCK(larder)
