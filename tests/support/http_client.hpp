#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// A deliberately plain HTTP/1.1 client over a loopback socket for the HTTP
/// tests: it sends exactly the bytes a test gives (so tests can send broken
/// requests too) and parses answers with http-parser.
namespace larder::testing {

struct http_answer {
  int status = 0;
  /// Field names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(std::string_view name) const;
  /// The value of a cookie set by a Set-Cookie header, if any.
  std::optional<std::string> cookie(std::string_view name) const;
};

class http_connection {
 public:
  explicit http_connection(std::uint16_t port);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  bool send_raw(std::string_view bytes);
  /// Reads one answer; empty optional when the server closed the connection
  /// first or nothing arrived within `timeout`. For an event stream
  /// (`text/event-stream`) the answer is its head and what came with it.
  std::optional<http_answer>
  read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Every byte that arrives within `timeout` (after an answer's head: a
  /// stream's events), until then or until the server closes.
  std::string read_some(std::chrono::milliseconds timeout);
  /// Whether the server closed the connection within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string buffer_;
};

/// One request on a fresh connection.
struct http_request {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

http_answer http_call(std::uint16_t port, const http_request& req);

} // namespace larder::testing
