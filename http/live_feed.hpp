#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "events/uuid.hpp"
#include "projections/runner.hpp"

/// Live updates for the single-page app: `GET /api/events/stream`, a
/// Server-Sent Events stream per signed-in tab, scoped to the tab's tenant.
///
/// A table-less read model, `live`, follows the log like every projection
/// and, after each committed batch, hands the invoice events it saw to the
/// feed actor, which writes them to the streams of that tenant:
///
///     id: 1042
///     event: invoice
///     data: {"id":"…","type":"InvoiceApproved","position":1042}
///
/// A client re-reads what changed with `?after=<position>`, which waits
/// until the read model it asks has applied that event. A comment line goes
/// out every `heartbeat` so that proxies keep the stream open and a client
/// that vanished is noticed. At the same pace each stream's session is
/// checked again, through the edge as any request is: a stream whose person
/// signed out (here or everywhere), was disabled or left the business, or
/// whose business was deactivated or session ran out, is closed. Without
/// that, a tab kept hearing of the business's invoices for as long as its
/// connection lasted.
namespace larder::http {

/// One event as the feed announces it.
struct feed_item {
  events::uuid tenant_id;
  /// "invoice".
  std::string kind;
  /// The entity's id (the stream id without its type prefix).
  std::string id;
  /// The event type, e.g. "InvoiceApproved".
  std::string type;
  std::int64_t position = 0;
};

struct live_feed_options {
  /// Streams one person may hold open at once (tabs, devices).
  std::size_t max_streams_per_user = 8;
  std::chrono::milliseconds heartbeat{15000};
};

/// Who opened a stream, so that the feed can check them again.
struct stream_subscriber {
  events::uuid tenant;
  events::uuid user;
  /// The Cookie header the stream was opened with.
  std::string cookie;
  std::string remote_addr;
  /// The edge, asked `GET /api/tenant` with that cookie on every heartbeat.
  caf::actor_addr edge;
};

/// The feed actor. Messages:
/// - `(caf::subscribe_atom, stream_subscriber)` → a token for the stream
///   response (`response::stream_owner` = the feed), or `rejected` past
///   the per-user limit;
/// - `(caf::join_atom, token, serial)` from the broker once the stream's
///   head went out, `(caf::leave_atom, token)` when its connection ended;
/// - `(caf::forward_atom, std::vector<feed_item>)` from the live model;
/// - `(caf::get_atom)` → open streams (std::size_t).
caf::actor spawn_live_feed(caf::actor_system& sys, live_feed_options options);

/// The `live` read model: no tables; `publish` receives each committed
/// batch's invoice events (called on the projection actor's thread).
projections::read_model
live_model(std::function<void(std::vector<feed_item>)> publish);

/// The first bytes of every stream: the reconnect delay.
inline constexpr const char* stream_preamble = "retry: 3000\n\n";

} // namespace larder::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<larder::http::feed_item>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::http::stream_subscriber)
