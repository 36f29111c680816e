#pragma once

#include <string>
#include <vector>

#include "events/envelope.hpp"
#include "events/error.hpp"
#include "events/uuid.hpp"

/// Conventions shared by the pure entity modules (tenant, user, platform,
/// invoice). Each module `actors/<entity>/<entity>.hpp` defines, with no
/// CAF and no I/O:
///
/// - `<entity>_state`: what the entity knows, built only by `evolve`; it
///   has `bool exists` and `events::uuid tenant_id`;
/// - `<entity>_event`: a `std::variant` of event structs, each with
///   `static constexpr const char* type` (past tense, e.g. "InvoiceApproved")
///   and `static constexpr int schema_version`;
/// - `<entity>_command`: a `std::variant` of command structs;
/// - a traits struct `<entity>_entity` with `state`, `event`, `command`,
///   `static constexpr const char* stream_type`, and the static functions
///   `evolve(state, const event&) -> state`,
///   `decide(const state&, const command&, const command_context&)
///      -> expected<std::vector<event>>`,
///   `encode(const event&) -> events::new_event` (fresh v7 event id, payload
///   JSON with amounts as decimal strings) and
///   `decode(const events::envelope&) -> expected<event>` (simdjson
///   error-code API; after catalogue upcasting), plus
///   `register_events(events::catalog&)`.
///
/// `decide` errors tell the caller what to do (events/error.hpp):
/// `not_found` for a command to an entity that does not exist,
/// `invalid_argument` for malformed input (the message names the field),
/// `rejected` when the current state forbids the command (the message names
/// the state, e.g. "the invoice is still being extracted; it can be approved
/// once extraction finishes"), `conflict` for a uniqueness clash, and
/// `forbidden` for rules about roles (e.g. removing the last admin).
/// A command that would change nothing returns an empty event list.
namespace larder::domain {

/// What every command carries besides its own fields.
struct command_context {
  /// Who and why: actor, request, correlation, source, idempotency key.
  events::event_metadata meta;
  /// The injected clock: RFC 3339 UTC with microseconds (events/envelope.hpp
  /// `format_timestamp`). Pure code never reads the system clock.
  std::string now;
  /// The tenant the caller acts in. The actor shell answers `not_found` when
  /// an existing stream belongs to another tenant (DESIGN.md invariant 8),
  /// before `decide` sees the command.
  events::uuid tenant_id;
};

/// The stream id of an entity: "<type>-<uuid>".
inline std::string stream_id(const char* type, const events::uuid& id) {
  return std::string{type} + "-" + id.to_string();
}

} // namespace larder::domain
