#include "tests/support/http_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <http_parser.h>

namespace larder::testing {

namespace {

struct parse_state {
  http_answer answer;
  std::string field;
  bool done = false;
};

int on_field(http_parser* p, const char* at, std::size_t n) {
  auto s = static_cast<parse_state*>(p->data);
  if (!s->answer.headers.empty() && s->answer.headers.back().second.empty()
      && !s->field.empty()) {
    s->field.append(at, n);
    return 0;
  }
  s->field.assign(at, n);
  std::transform(s->field.begin(), s->field.end(), s->field.begin(),
                 [](unsigned char c) {
                   return std::tolower(c);
                 });
  s->answer.headers.emplace_back(s->field, "");
  return 0;
}

int on_value(http_parser* p, const char* at, std::size_t n) {
  auto s = static_cast<parse_state*>(p->data);
  s->answer.headers.back().second.append(at, n);
  s->field.clear();
  return 0;
}

int on_body(http_parser* p, const char* at, std::size_t n) {
  static_cast<parse_state*>(p->data)->answer.body.append(at, n);
  return 0;
}

int on_complete(http_parser* p) {
  auto s = static_cast<parse_state*>(p->data);
  s->answer.status = static_cast<int>(p->status_code);
  s->done = true;
  http_parser_pause(p, 1);
  return 0;
}

/// A Server-Sent Events stream never completes: its answer is the head,
/// and the events are read after it with `read_some`.
int on_head(http_parser* p) {
  auto s = static_cast<parse_state*>(p->data);
  for (const auto& [k, v] : s->answer.headers)
    if (k == "content-type" && v.starts_with("text/event-stream")) {
      s->answer.status = static_cast<int>(p->status_code);
      s->done = true;
      http_parser_pause(p, 1);
    }
  return 0;
}

} // namespace

std::string http_answer::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name)
      return v;
  return {};
}

std::optional<std::string> http_answer::cookie(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k != "set-cookie" || !v.starts_with(name) || v.size() <= name.size()
        || v[name.size()] != '=')
      continue;
    auto start = name.size() + 1;
    return v.substr(start, v.find(';') - start);
  }
  return std::nullopt;
}

http_connection::http_connection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
  int one = 1;
  if (fd_ >= 0)
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

http_connection::~http_connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool http_connection::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<http_answer>
http_connection::read_answer(std::chrono::milliseconds timeout) {
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parse_state state;
  parser.data = &state;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_header_field = on_field;
  settings.on_header_value = on_value;
  settings.on_body = on_body;
  settings.on_message_complete = on_complete;
  settings.on_headers_complete = on_head;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string pending = std::move(buffer_);
  buffer_.clear();
  bool eof = false;
  while (true) {
    if (!pending.empty() || eof) {
      auto used =
        http_parser_execute(&parser, &settings, pending.data(), pending.size());
      if (state.done) {
        buffer_ = pending.substr(used);
        return std::move(state.answer);
      }
      if (HTTP_PARSER_ERRNO(&parser) != HPE_OK || eof)
        return std::nullopt;
      pending.clear();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      return std::nullopt;
    char buf[65536];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      eof = true;
    else
      pending.append(buf, static_cast<std::size_t>(n));
  }
}

std::string http_connection::read_some(std::chrono::milliseconds timeout) {
  std::string out = std::move(buffer_);
  buffer_.clear();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd_, POLLIN, 0};
    if (left.count() <= 0
        || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      return out;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

bool http_connection::closed_by_peer(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      return false;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return true;
  }
}

http_answer http_call(std::uint16_t port, const http_request& req) {
  http_connection conn{port};
  std::string raw = req.method + " " + req.target + " HTTP/1.1\r\nHost: "
                    + "127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : req.headers)
    raw += k + ": " + v + "\r\n";
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT"
      || req.method == "PATCH")
    raw += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  raw += "\r\n" + req.body;
  conn.send_raw(raw);
  auto answer = conn.read_answer();
  return answer.value_or(http_answer{});
}

} // namespace larder::testing
