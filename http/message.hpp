#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "events/error.hpp"

/// One HTTP request and its response as they travel between the broker
/// (http/server) and the edge actor (http/edge). Plain values: the broker
/// parses, the edge decides, the broker writes.
namespace larder::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method;
  /// As sent: path and query, still percent-encoded.
  std::string target;
  std::string path;
  std::string query;
  /// Field names in lower case, in arrival order.
  header_list headers;
  std::string body;
  /// The peer's IP address.
  std::string remote_addr;
  /// When the broker finished reading it, for latency metrics.
  std::chrono::steady_clock::time_point received_at;

  /// The first value of header `name` (lower case), or "".
  std::string_view header(std::string_view name) const noexcept;
};

struct response {
  int status = 200;
  /// Besides Content-Length, Date, Connection and the security headers,
  /// which the broker adds to every response.
  header_list headers;
  std::string body;

  /// A stream (Server-Sent Events): the broker writes the head and `body`
  /// without a Content-Length, keeps the connection open and hands it to
  /// `stream_owner`, sending it `(caf::join_atom, stream_token, serial)`.
  /// The owner then writes with `(caf::forward_atom, serial, chunk)` and
  /// ends it with `(caf::close_atom, serial)`; when the connection ends
  /// for any other reason the owner gets `(caf::leave_atom, stream_token)`.
  caf::actor stream_owner;
  std::uint64_t stream_token = 0;
  /// A download rather than an event stream: the body goes out with
  /// chunked transfer coding. The owner writes each chunk with the request
  /// `(caf::put_atom, serial, chunk)`, answered `ok` once the socket has
  /// room for more (or an `unavailable` error when the client went away),
  /// ends with `(caf::close_atom, serial)`, which sends the last chunk, or
  /// gives up with `(caf::delete_atom, serial)`, which closes the
  /// connection without it so the client knows the file is incomplete.
  bool chunked = false;

  response& set(std::string name, std::string value);
};

/// The reason phrase of `status` ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status) noexcept;

/// The one table from the error kinds to statuses (issue: invalid → 400/422,
/// not found → 404, conflict → 409, forbidden → 403, unavailable → 503).
int status_for(errc code) noexcept;

/// The stable API code of a status (`"not_found"`, `"rate_limited"`…).
std::string_view code_for_status(int status) noexcept;

/// `{"error":{"code":…,"message":…}}` with a JSON content type and the
/// given status.
response error_response(int status, std::string_view code,
                        std::string_view message);

/// The response for a larder error: its status from `status_for`, its code
/// from `to_string(errc)`, its message (already free of internal detail).
response error_response(const larder::error& err);

/// A JSON body with status 200 (or `status`).
response json_response(std::string body, int status = 200);

/// The answer to `GET /health`: the process is alive. The broker answers
/// most probes itself; the edge's route answers the rest the same way.
response health_response();

} // namespace larder::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::http::request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::http::response)
