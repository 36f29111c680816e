#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "events/error.hpp"
#include "http/message.hpp"

/// The HTTP/1.1 broker: accepts connections on one address, parses requests
/// with http-parser (keep-alive, pipelining, chunked bodies), enforces the
/// limits that hold under abuse, and hands each complete request to the
/// handler actor as `(http::request)`; the handler answers `http::response`.
/// Responses go back in request order on each connection.
///
/// All broker work runs on CAF's multiplexer thread, so the broker only
/// parses and writes; routing, JSON and authentication run in the handler
/// on the scheduler's threads.
///
/// Messages: `(stop_atom)` stops accepting, finishes in-flight requests
/// (at most `drain_timeout`), closes every connection and quits. The
/// broker also answers `(caf::get_atom)` with its counters as
/// `server_stats`.
namespace larder::http {

struct server_options {
  std::string host = "127.0.0.1";
  /// 0 picks a free port (tests).
  std::uint16_t port = 8080;
  std::size_t max_connections = 1024;
  /// Request line plus headers.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_json_body = 1024 * 1024;
  /// For `POST /api/upload` and the inbound webhooks: one 20 MiB document
  /// and its multipart framing.
  std::size_t max_upload_body = 21 * 1024 * 1024;
  /// For `POST /api/upload/batch`: up to ten documents, 64 MiB in all.
  std::size_t max_batch_body = 64 * 1024 * 1024;
  /// Requests read but not yet answered on one connection; past this the
  /// broker stops reading from it until answers go out.
  std::size_t max_pipelined = 32;
  /// From the first byte of a request to the end of its headers.
  std::chrono::milliseconds header_timeout{10000};
  /// From the first byte of a request to the end of its body, plus the
  /// time its declared body takes at `min_body_rate`: a 20 MiB upload over
  /// a slow restaurant line (a few Mbit/s) must not be cut off at a
  /// minute, while a client that trickles still is.
  std::chrono::milliseconds request_timeout{60000};
  /// Bytes per second a body is allowed to arrive as slowly as (64 KiB/s,
  /// about 0.5 Mbit/s); see `request_timeout`.
  std::size_t min_body_rate = 64 * 1024;
  /// A keep-alive connection with nothing to do is closed after this.
  std::chrono::milliseconds idle_timeout{60000};
  /// How long the handler may take before the client gets 504 (checked on
  /// the broker's one-second tick, so up to a second later).
  std::chrono::milliseconds handler_timeout{30000};
  std::chrono::milliseconds drain_timeout{10000};
  /// Extra header lines (each "Name: value\r\n") on every response: the
  /// security headers.
  std::string common_headers;
};

/// Counters for /metrics.
struct server_stats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t requests = 0;
  std::uint64_t parse_errors = 0;
  std::uint64_t timeouts = 0;
  /// `GET /health` probes the broker answered itself (all 200).
  std::uint64_t health_answered = 0;
};

/// The security headers larder sends with every response; HSTS when the
/// public URL is https.
std::string security_headers(bool https);

/// Whether `path` takes the upload body limit.
bool is_upload_path(std::string_view path) noexcept;

/// The body limit of a request for `path`.
std::size_t body_limit_for(const server_options& options,
                           std::string_view path) noexcept;

/// Spawns the broker and binds it. Returns the broker and the bound port, or
/// `unavailable` when the address cannot be bound.
expected<std::pair<caf::actor, std::uint16_t>>
spawn_server(caf::actor_system& sys, server_options options,
             caf::actor handler);

} // namespace larder::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::http::server_stats)
