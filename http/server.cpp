#include "http/server.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <caf/actor_system.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/system_messages.hpp>
#include <caf/scoped_actor.hpp>
#include <http_parser.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"

namespace larder::http {

namespace {

using clock = std::chrono::steady_clock;

/// What the broker knows about one connection.
struct connection {
  caf::io::connection_handle handle;
  /// CAF reuses a handle (the socket number) once its connection is
  /// closed: answers check the serial so none reaches a newer client.
  std::uint64_t serial = 0;
  std::string remote_addr;
  /// The socket, while answers are sent on it directly (`send_out`); -1
  /// once CAF's buffers took over.
  int direct_fd = -1;
  http_parser parser{};
  const server_options* options = nullptr;

  // The request being read.
  bool in_request = false;
  bool headers_done = false;
  clock::time_point started;
  /// What the request's declared body adds to `request_timeout`.
  std::chrono::milliseconds body_allowance{0};
  std::size_t header_bytes = 0;
  std::size_t body_limit = 0;
  request current;
  std::string field;
  bool last_was_value = false;

  /// Set by a callback that refuses the request: the status to answer with
  /// before closing.
  int refuse_status = 0;
  std::string refuse_message;

  /// Requests parsed from the last read, waiting to be dispatched.
  std::vector<std::pair<request, bool>> complete;
  bool wants_continue = false;

  // Answers in request order.
  std::uint64_t next_seq = 0;
  std::uint64_t next_to_write = 0;
  struct pending_answer {
    std::optional<response> answer;
    bool keep_alive = false;
    /// When the handler was asked; an answer still missing
    /// `handler_timeout` later is a 504 (checked on the broker's tick).
    clock::time_point asked;
  };
  std::map<std::uint64_t, pending_answer> pending;
  std::map<std::uint64_t, bool> is_head;

  /// Refused (its last answers may still be due) or closed.
  bool closing = false;
  bool reading = true;
  /// A request that ends the connection (`Connection: close`, HTTP/1.0)
  /// was read: nothing the client sends after it is parsed or answered.
  bool last_request_read = false;
  clock::time_point last_activity;

  /// Set once a stream response went out: the owner writes the rest.
  caf::actor stream_owner;
  std::uint64_t stream_token = 0;
  /// A download (chunked transfer coding): bytes written but not yet sent,
  /// as the last write acknowledgement said, and the owner's writes that
  /// wait for them to drain.
  bool chunked = false;
  std::uint64_t unsent = 0;
  std::vector<caf::response_promise> write_waiters;
};

/// A download's writer waits while more than this is unsent, and goes on
/// once the socket took all but `download_low_water`.
constexpr std::uint64_t download_high_water = 512 * 1024;
constexpr std::uint64_t download_low_water = 128 * 1024;

connection* conn_of(http_parser* p) {
  return static_cast<connection*>(p->data);
}

bool add_header_bytes(connection* c, std::size_t n) {
  c->header_bytes += n;
  if (c->header_bytes > c->options->max_header_bytes) {
    c->refuse_status = 431;
    c->refuse_message = "the request headers are too large";
    return false;
  }
  return true;
}

void finish_header(connection* c) {
  if (c->field.empty())
    return;
  std::transform(c->field.begin(), c->field.end(), c->field.begin(),
                 [](unsigned char ch) {
                   return std::tolower(ch);
                 });
  c->current.headers.back().first = std::move(c->field);
  c->field.clear();
}

int on_message_begin(http_parser* p) {
  auto c = conn_of(p);
  c->in_request = true;
  c->headers_done = false;
  c->started = clock::now();
  c->body_allowance = std::chrono::milliseconds{0};
  c->header_bytes = 0;
  c->current = request{};
  c->current.remote_addr = c->remote_addr;
  c->field.clear();
  c->last_was_value = false;
  return 0;
}

int on_url(http_parser* p, const char* at, std::size_t n) {
  auto c = conn_of(p);
  if (!add_header_bytes(c, n))
    return 1;
  c->current.target.append(at, n);
  return 0;
}

int on_header_field(http_parser* p, const char* at, std::size_t n) {
  auto c = conn_of(p);
  if (!add_header_bytes(c, n))
    return 1;
  if (c->last_was_value || c->current.headers.empty()) {
    if (!c->current.headers.empty())
      finish_header(c);
    if (c->current.headers.size() >= 100) {
      c->refuse_status = 431;
      c->refuse_message = "the request has too many headers";
      return 1;
    }
    c->current.headers.emplace_back();
    c->field.clear();
  }
  c->field.append(at, n);
  c->last_was_value = false;
  return 0;
}

int on_header_value(http_parser* p, const char* at, std::size_t n) {
  auto c = conn_of(p);
  if (!add_header_bytes(c, n))
    return 1;
  if (!c->last_was_value && !c->field.empty())
    finish_header(c);
  c->current.headers.back().second.append(at, n);
  c->last_was_value = true;
  return 0;
}

int on_headers_complete(http_parser* p) {
  auto c = conn_of(p);
  finish_header(c);
  c->headers_done = true;
  auto& req = c->current;
  req.method = http_method_str(static_cast<http_method>(p->method));
  http_parser_url url;
  http_parser_url_init(&url);
  if (req.target.empty() || req.target[0] != '/'
      || http_parser_parse_url(req.target.data(), req.target.size(), 0, &url)
           != 0) {
    c->refuse_status = 400;
    c->refuse_message = "the request target must be an absolute path";
    return -1;
  }
  auto field = [&](int f) -> std::string {
    if (!(url.field_set & (1 << f)))
      return {};
    return req.target.substr(url.field_data[f].off, url.field_data[f].len);
  };
  req.path = field(UF_PATH);
  req.query = field(UF_QUERY);
  c->body_limit = body_limit_for(*c->options, req.path);
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > c->body_limit) {
    c->refuse_status = 413;
    c->refuse_message = "the request body is too large";
    return -1;
  }
  if ((p->flags & F_CONTENTLENGTH) && c->options->min_body_rate > 0)
    c->body_allowance = std::chrono::milliseconds{static_cast<std::int64_t>(
      p->content_length * 1000 / c->options->min_body_rate)};
  c->wants_continue = false;
  for (const auto& [k, v] : req.headers)
    if (k == "expect") {
      if (strcasecmp(v.c_str(), "100-continue") != 0) {
        c->refuse_status = 417;
        c->refuse_message = "only Expect: 100-continue is supported";
        return -1;
      }
      c->wants_continue = true;
    }
  return 0;
}

int on_body(http_parser* p, const char* at, std::size_t n) {
  auto c = conn_of(p);
  if (c->current.body.size() + n > c->body_limit) {
    c->refuse_status = 413;
    c->refuse_message = "the request body is too large";
    return 1;
  }
  if (c->current.body.empty() && (p->flags & F_CONTENTLENGTH)
      && p->content_length > 0)
    c->current.body.reserve(static_cast<std::size_t>(p->content_length) + n);
  c->current.body.append(at, n);
  return 0;
}

int on_message_complete(http_parser* p) {
  auto c = conn_of(p);
  c->current.received_at = clock::now();
  c->complete.emplace_back(std::move(c->current), http_should_keep_alive(p));
  c->current = request{};
  c->in_request = false;
  c->wants_continue = false;
  return 0;
}

const http_parser_settings parser_settings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_begin = on_message_begin;
  s.on_url = on_url;
  s.on_header_field = on_header_field;
  s.on_header_value = on_header_value;
  s.on_headers_complete = on_headers_complete;
  s.on_body = on_body;
  s.on_message_complete = on_message_complete;
  return s;
}();

/// The IMF-fixdate of now, refreshed once a second by the broker's tick.
std::string http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

struct server_state {
  static inline const char* name = "larder.http";

  server_options options;
  caf::actor handler;
  caf::io::accept_handle acceptor;
  std::map<caf::io::connection_handle, std::unique_ptr<connection>> conns;
  server_stats stats;
  std::string date = http_date();
  bool draining = false;
  clock::time_point drain_deadline;
  std::uint64_t next_serial = 1;
};

using broker_ptr = caf::io::stateful_broker<server_state>*;

/// The socket behind `hdl`: CAF's multiplexer numbers a connection by its
/// socket (`caf::io::network::conn_hdl_from_socket`). -1 unless that socket
/// is connected to the port CAF reports for the client.
int socket_of(broker_ptr self, caf::io::connection_handle hdl) {
  if (hdl.id() < 0 || hdl.id() > INT32_MAX)
    return -1;
  auto fd = static_cast<int>(hdl.id());
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0)
    return -1;
  std::uint16_t port = 0;
  if (peer.ss_family == AF_INET)
    port = ntohs(reinterpret_cast<const sockaddr_in&>(peer).sin_port);
  else if (peer.ss_family == AF_INET6)
    port = ntohs(reinterpret_cast<const sockaddr_in6&>(peer).sin6_port);
  return port != 0 && port == self->remote_port(hdl) ? fd : -1;
}

/// Sends what was written to the connection's buffer. Directly, while
/// nothing was ever left to CAF: the socket takes a small answer whole, and
/// CAF's way (watch the socket for room, write on the next turn of its
/// loop, stop watching) costs two `epoll_ctl` calls and a turn per answer.
/// What the socket does not take goes the CAF way from where the send
/// stopped, and so does every later write on the connection, so bytes never
/// overtake each other.
void send_out(broker_ptr self, connection& c) {
  auto& out = self->wr_buf(c.handle);
  if (c.direct_fd >= 0 && !out.empty()) {
    auto sent =
      ::send(c.direct_fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == static_cast<ssize_t>(out.size())) {
      out.clear();
      return;
    }
    if (sent > 0)
      out.erase(out.begin(), out.begin() + sent);
    // The socket is full, or failed: CAF sends the rest, or finds the
    // error and reports the connection closed.
    c.direct_fd = -1;
  }
  self->flush(c.handle);
}

void write_response(broker_ptr self, connection& c, const response& res,
                    bool head, bool close) {
  auto& out = self->wr_buf(c.handle);
  auto append = [&out](std::string_view s) {
    out.insert(out.end(), s.begin(), s.end());
  };
  append("HTTP/1.1 ");
  append(std::to_string(res.status));
  append(" ");
  append(reason_phrase(res.status));
  append("\r\nDate: ");
  append(self->state.date);
  append("\r\n");
  for (const auto& [k, v] : res.headers) {
    append(k);
    append(": ");
    append(v);
    append("\r\n");
  }
  append(self->state.options.common_headers);
  if (res.stream_owner && res.chunked) {
    // A download: chunked, so a client can tell a cut-off file from a
    // whole one (the last chunk comes only when the export finished).
    append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  } else if (res.stream_owner) {
    // Delimited by the end of the connection; no proxy may buffer it.
    append("X-Accel-Buffering: no\r\nConnection: close\r\n\r\n");
  } else {
    append("Content-Length: ");
    append(std::to_string(res.body.size()));
    append(close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n");
  }
  if (!head)
    append(res.body);
  send_out(self, c);
}

/// Tells a stream's owner that its connection is gone (once), and a
/// download's waiting writer.
void end_stream(connection& c) {
  for (auto& rp : c.write_waiters)
    rp.deliver(
      to_caf_error(larder::error{errc::unavailable, "the client went away"}));
  c.write_waiters.clear();
  if (c.stream_owner) {
    caf::anon_send(c.stream_owner, caf::leave_atom_v, c.stream_token);
    c.stream_owner = nullptr;
  }
}

void close_connection(broker_ptr self, connection& c) {
  c.closing = true;
  // CAF closes the socket, and its number may soon belong to another
  // connection, a database session or a file. An answer that comes late
  // finds no slot (`pending_slot`): written, it would go to a buffer CAF
  // keeps for handles it no longer has, and never frees; and a slot left
  // here would keep the connection in `conns` for good.
  c.direct_fd = -1;
  c.pending.clear();
  c.is_head.clear();
  end_stream(c);
  self->close(c.handle);
}

connection* by_serial(broker_ptr self, std::uint64_t serial) {
  for (auto& [hdl, c] : self->state.conns)
    if (c->serial == serial && !c->closing)
      return c.get();
  return nullptr;
}

/// Writes every answer that is ready, in order; closes after the last one
/// when the client or the broker asked to.
void write_ready(broker_ptr self, connection& c) {
  while (!c.pending.empty()) {
    auto i = c.pending.begin();
    if (i->first != c.next_to_write || !i->second.answer)
      break;
    bool keep = i->second.keep_alive && !self->state.draining;
    bool head = c.is_head[i->first];
    if (auto& res = *i->second.answer;
        res.stream_owner && (head || c.closing)) {
      // HEAD of a stream, or a stream on a connection refused behind it
      // (its 400 or 408 came first): its head, said to end the connection,
      // and the owner told at once that no one will read it. Started, the
      // stream would belong to a connection no message reaches.
      caf::anon_send(res.stream_owner, caf::leave_atom_v, res.stream_token);
      res.stream_owner = nullptr;
      keep = false;
    } else if (res.stream_owner) {
      // The connection now belongs to the stream: what the client sends is
      // ignored (requests pipelined behind it are dropped), though still
      // read so that its closing is noticed, and it never idles out.
      write_response(self, c, res, false, true);
      // The owner's chunks go through CAF's buffers, where a download's
      // write acknowledgements count them.
      c.direct_fd = -1;
      c.stream_owner = res.stream_owner;
      c.stream_token = res.stream_token;
      c.chunked = res.chunked;
      if (c.chunked)
        self->ack_writes(c.handle, true);
      c.pending.clear();
      c.is_head.clear();
      // What arrived behind the stream's request is ignored, a request
      // begun there included: it must not time out into an answer.
      c.in_request = false;
      if (!c.reading) {
        c.reading = true;
        self->trigger(c.handle);
      }
      self->send(c.stream_owner, caf::join_atom_v, c.stream_token, c.serial);
      return;
    }
    write_response(self, c, *i->second.answer, head, !keep);
    c.is_head.erase(i->first);
    c.pending.erase(i);
    ++c.next_to_write;
    c.last_activity = clock::now();
    if (!keep) {
      close_connection(self, c);
      return;
    }
  }
  if (!c.reading && !c.closing && !c.last_request_read
      && c.pending.size() < self->state.options.max_pipelined) {
    c.reading = true;
    self->trigger(c.handle);
  }
}

/// Answers a request the broker refuses itself, then closes.
void refuse(broker_ptr self, connection& c, int status,
            std::string_view message) {
  auto seq = c.next_seq++;
  c.is_head[seq] = false;
  c.pending[seq] = {error_response(status, code_for_status(status), message),
                    false, clock::now()};
  c.in_request = false;
  write_ready(self, c);
  // A stream took the connection over from a request ahead of this one:
  // requests behind a stream are dropped, this refusal with them.
  if (c.stream_owner)
    return;
  // Nothing more is read from a connection that is being refused.
  c.closing = true;
}

/// The unanswered slot of request `seq` on the connection `hdl` had when
/// it was asked (`serial`); null when that connection is gone or the
/// request was already answered (by a 504 that went out, say).
connection::pending_answer* pending_slot(broker_ptr self,
                                         caf::io::connection_handle hdl,
                                         std::uint64_t serial,
                                         std::uint64_t seq) {
  auto i = self->state.conns.find(hdl);
  if (i == self->state.conns.end() || i->second->serial != serial)
    return nullptr;
  auto slot = i->second->pending.find(seq);
  if (slot == i->second->pending.end() || slot->second.answer)
    return nullptr;
  return &slot->second;
}

/// `GET /health` (or HEAD) from a same-origin or non-browser client: the
/// liveness probe, which needs nothing but a running broker. No identity,
/// rate limit or lookup applies (its route says `anyone`, no limit), and a
/// request with an Origin still goes to the edge for its CORS headers.
bool is_liveness_probe(const request& req) {
  return req.path == "/health" && (req.method == "GET" || req.method == "HEAD")
         && req.header("origin").empty();
}

void dispatch(broker_ptr self, connection& c, request req, bool keep_alive) {
  ++self->state.stats.requests;
  auto seq = c.next_seq++;
  c.is_head[seq] = req.method == "HEAD";
  if (is_liveness_probe(req)) {
    // Answered here: the round trip to the edge actor and back (two
    // messages across threads) was most of what a probe cost. The edge's
    // /metrics counts these from `server_stats::health_answered`.
    ++self->state.stats.health_answered;
    c.pending[seq] = {health_response(), keep_alive, clock::now()};
    write_ready(self, c);
    return;
  }
  c.pending[seq] = {std::nullopt, keep_alive, clock::now()};
  auto hdl = c.handle;
  auto serial = c.serial;
  // No CAF timeout: at tens of thousands of requests per second, a clock
  // entry per request (kept for the whole timeout even once answered) cost
  // the broker more than the request itself. `check_timeouts` answers 504
  // for an answer still missing after `handler_timeout`.
  self->request(self->state.handler, caf::infinite, std::move(req))
    .then(
      [self, hdl, seq, serial](response& res) {
        if (auto* slot = pending_slot(self, hdl, serial, seq)) {
          slot->answer = std::move(res);
          write_ready(self, *self->state.conns[hdl]);
        }
      },
      [self, hdl, seq, serial](const caf::error& err) {
        if (auto* slot = pending_slot(self, hdl, serial, seq)) {
          spdlog::error("http handler failed: {}", caf::to_string(err));
          slot->answer = error_response(503, "unavailable",
                                        "the server cannot answer right now");
          write_ready(self, *self->state.conns[hdl]);
        }
      });
  if (c.pending.size() >= self->state.options.max_pipelined && c.reading) {
    c.reading = false;
    self->halt(c.handle);
  }
}

void on_data(broker_ptr self, connection& c, const std::vector<char>& buf) {
  if (c.closing || c.stream_owner || c.last_request_read)
    return;
  c.last_activity = clock::now();
  auto parsed =
    http_parser_execute(&c.parser, &parser_settings, buf.data(), buf.size());
  auto err = HTTP_PARSER_ERRNO(&c.parser);
  // Dispatch what completed before any error: pipelined requests ahead of
  // a bad one still get their answers, in order.
  auto complete = std::move(c.complete);
  c.complete.clear();
  for (auto& [req, keep] : complete) {
    dispatch(self, c, std::move(req), keep);
    if (!keep) {
      // The connection ends with this answer: what follows is not read
      // (http-parser, lenient, parses on past it), nor answered.
      c.last_request_read = true;
      if (c.reading) {
        c.reading = false;
        self->halt(c.handle);
      }
      return;
    }
  }
  if (err != HPE_OK || parsed != buf.size()) {
    ++self->state.stats.parse_errors;
    if (c.refuse_status != 0)
      refuse(self, c, c.refuse_status, c.refuse_message);
    else if (err == HPE_INVALID_VERSION)
      refuse(self, c, 505, "only HTTP/1.x is supported");
    else
      refuse(self, c, 400, "the request is not valid HTTP/1.1");
    return;
  }
  if (c.in_request && c.headers_done && c.wants_continue) {
    c.wants_continue = false;
    constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    auto& out = self->wr_buf(c.handle);
    out.insert(out.end(), cont.begin(), cont.end());
    send_out(self, c);
  }
}

void check_timeouts(broker_ptr self) {
  auto now = clock::now();
  const auto& o = self->state.options;
  for (auto& [hdl, c] : self->state.conns) {
    bool overdue = false;
    for (auto& [seq, slot] : c->pending)
      if (!slot.answer && now - slot.asked > o.handler_timeout) {
        ++self->state.stats.timeouts;
        slot.answer = error_response(504, "timeout",
                                     "the server took too long to answer; "
                                     "the outcome is unknown, check before "
                                     "retrying");
        overdue = true;
      }
    if (overdue)
      write_ready(self, *c);
    if (c->closing || c->stream_owner)
      continue;
    if (c->in_request) {
      auto limit = c->headers_done ? o.request_timeout + c->body_allowance
                                   : o.header_timeout;
      if (now - c->started > limit) {
        ++self->state.stats.timeouts;
        refuse(self, *c, 408, "the request took too long to arrive");
      }
    } else if (c->pending.empty() && !c->stream_owner
               && now - c->last_activity > o.idle_timeout) {
      close_connection(self, *c);
    }
  }
}

/// Forgets the connections the broker closed itself (no
/// connection_closed_msg follows those) or refused and answered: on its
/// tick, and before a new connection is counted against the limit, since
/// CAF may hand out a closed one's handle again.
void sweep_closed(broker_ptr self) {
  std::erase_if(self->state.conns, [self](const auto& kv) {
    bool gone = kv.second->closing && kv.second->pending.empty();
    if (gone)
      --self->state.stats.connections_open;
    return gone;
  });
}

bool drained(broker_ptr self) {
  for (auto& [hdl, c] : self->state.conns)
    if (!c->pending.empty())
      return false;
  return true;
}

void finish_drain(broker_ptr self) {
  for (auto& [hdl, c] : self->state.conns)
    if (!c->closing)
      close_connection(self, *c);
  self->quit();
}

caf::behavior server(broker_ptr self, server_options options,
                     caf::actor handler) {
  self->state.options = std::move(options);
  self->state.handler = std::move(handler);
  return {
    [self](caf::open_atom) -> caf::result<std::uint16_t> {
      auto& o = self->state.options;
      auto bound = self->add_tcp_doorman(o.port, o.host.c_str(), true);
      if (!bound)
        return std::move(bound.error());
      self->state.acceptor = bound->first;
      // Ticks start once the broker listens. A broker that could not is
      // shut down at once, and must leave no tick in the actor clock
      // (see close_atom).
      self->delayed_send(self, std::chrono::seconds(1), caf::tick_atom_v);
      return bound->second;
    },
    [self](const caf::io::new_connection_msg& msg) {
      auto& st = self->state;
      ++st.stats.connections_total;
      // Connections closed here are swept before they are counted, the
      // one whose handle CAF hands out again among them.
      sweep_closed(self);
      if (st.conns.erase(msg.handle) > 0) // not expected after the sweep
        --st.stats.connections_open;
      if (st.draining || st.conns.size() >= st.options.max_connections) {
        ++st.stats.connections_refused;
        auto res = error_response(503, "unavailable",
                                  "the server is busy; try again shortly");
        res.set("Retry-After", "1");
        connection tmp;
        tmp.handle = msg.handle;
        write_response(self, tmp, res, false, true);
        self->close(msg.handle);
        return;
      }
      auto c = std::make_unique<connection>();
      c->handle = msg.handle;
      c->serial = st.next_serial++;
      c->remote_addr = self->remote_addr(msg.handle);
      c->direct_fd = socket_of(self, msg.handle);
      c->options = &st.options;
      http_parser_init(&c->parser, HTTP_REQUEST);
      c->parser.data = c.get();
      c->last_activity = clock::now();
      st.conns.emplace(msg.handle, std::move(c));
      ++st.stats.connections_open;
      // CAF grows the read buffer back to this size, zero-filled, after
      // every read: at 64 KiB, memset was 8% of the samples on the I/O and
      // scheduler threads under small requests. An upload just takes more
      // reads.
      self->configure_read(msg.handle,
                           caf::io::receive_policy::at_most(8 * 1024));
    },
    [self](const caf::io::new_data_msg& msg) {
      auto i = self->state.conns.find(msg.handle);
      if (i != self->state.conns.end())
        on_data(self, *i->second, msg.buf);
    },
    [self](const caf::io::connection_closed_msg& msg) {
      auto i = self->state.conns.find(msg.handle);
      if (i != self->state.conns.end()) {
        end_stream(*i->second);
        self->state.conns.erase(i);
        --self->state.stats.connections_open;
      }
      // A drained broker quits on its next tick (see close_atom).
    },
    [](const caf::io::acceptor_closed_msg&) {},
    [self](caf::tick_atom) {
      self->state.date = http_date();
      if (self->state.draining) {
        if (drained(self) || clock::now() > self->state.drain_deadline) {
          finish_drain(self);
          return;
        }
      } else {
        check_timeouts(self);
      }
      sweep_closed(self);
      self->delayed_send(self, std::chrono::seconds(1), caf::tick_atom_v);
    },
    [self](caf::close_atom) {
      auto& st = self->state;
      if (st.draining)
        return;
      st.draining = true;
      st.drain_deadline = clock::now() + st.options.drain_timeout;
      self->close(st.acceptor);
      // Idle connections go now; busy ones after their last answer
      // (write_ready closes them, since draining turns keep-alive off).
      for (auto& [hdl, c] : st.conns)
        if (c->pending.empty() && !c->closing)
          close_connection(self, *c);
      // The broker quits on its tick, at most a second from now, and not
      // before: a tick still waiting in the actor clock when the actor
      // system goes down was never freed, and with it the broker, its
      // handle maps and the tick itself (LeakSanitizer, in 15 of 40 runs of
      // a `larder serve` stopped right after it was ready).
    },
    [self](caf::get_atom) {
      return self->state.stats;
    },
    [self](caf::forward_atom, std::uint64_t serial, const std::string& chunk) {
      auto* c = by_serial(self, serial);
      if (!c || !c->stream_owner)
        return;
      auto& out = self->wr_buf(c->handle);
      out.insert(out.end(), chunk.begin(), chunk.end());
      self->flush(c->handle);
    },
    [self](caf::close_atom, std::uint64_t serial) {
      if (auto* c = by_serial(self, serial); c && c->stream_owner) {
        c->stream_owner = nullptr; // the owner knows
        if (c->chunked) {
          constexpr std::string_view last = "0\r\n\r\n";
          auto& out = self->wr_buf(c->handle);
          out.insert(out.end(), last.begin(), last.end());
          self->flush(c->handle);
        }
        close_connection(self, *c);
      }
    },
    // A download's writer gave up: the connection ends without the last
    // chunk, so the client sees the file is incomplete.
    [self](caf::delete_atom, std::uint64_t serial) {
      if (auto* c = by_serial(self, serial); c && c->stream_owner) {
        c->stream_owner = nullptr;
        close_connection(self, *c);
      }
    },
    // One chunk of a download; answered once the socket has room for more.
    [self](caf::put_atom, std::uint64_t serial,
           const std::string& chunk) -> caf::result<caf::ok_atom> {
      auto* c = by_serial(self, serial);
      if (!c || !c->stream_owner || !c->chunked)
        return to_caf_error(
          larder::error{errc::unavailable, "the client went away"});
      if (chunk.empty())
        return caf::ok_atom_v;
      char size[20];
      auto n = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      auto& out = self->wr_buf(c->handle);
      out.insert(out.end(), size, size + n);
      out.insert(out.end(), chunk.begin(), chunk.end());
      out.push_back('\r');
      out.push_back('\n');
      c->unsent += static_cast<std::uint64_t>(n) + chunk.size() + 2;
      self->flush(c->handle);
      if (c->unsent <= download_high_water)
        return caf::ok_atom_v;
      auto rp = self->make_response_promise<caf::ok_atom>();
      c->write_waiters.push_back(rp);
      return rp;
    },
    [self](const caf::io::data_transferred_msg& msg) {
      auto i = self->state.conns.find(msg.handle);
      if (i == self->state.conns.end())
        return;
      auto& c = *i->second;
      c.unsent = msg.remaining;
      if (c.unsent > download_low_water)
        return;
      for (auto& rp : c.write_waiters)
        rp.deliver(caf::ok_atom_v);
      c.write_waiters.clear();
    },
  };
}

} // namespace

std::string security_headers(bool https) {
  std::string h =
    "Content-Security-Policy: default-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n"
    "X-Frame-Options: DENY\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Permissions-Policy: camera=(self), microphone=(), geolocation=(), "
    "payment=()\r\n";
  if (https)
    h += "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n";
  return h;
}

bool is_upload_path(std::string_view path) noexcept {
  return path.starts_with("/api/upload") || path.starts_with("/webhooks/");
}

std::size_t body_limit_for(const server_options& options,
                           std::string_view path) noexcept {
  if (path == "/api/upload/batch")
    return options.max_batch_body;
  return is_upload_path(path) ? options.max_upload_body : options.max_json_body;
}

expected<std::pair<caf::actor, std::uint16_t>>
spawn_server(caf::actor_system& sys, server_options options,
             caf::actor handler) {
  auto srv = sys.middleman().spawn_broker(server, std::move(options),
                                          std::move(handler));
  caf::scoped_actor self{sys};
  std::optional<std::uint16_t> port;
  std::string why;
  self->request(srv, std::chrono::seconds(10), caf::open_atom_v)
    .receive(
      [&](std::uint16_t p) {
        port = p;
      },
      [&](const caf::error& err) {
        why = caf::to_string(err);
      });
  if (!port) {
    self->send_exit(srv, caf::exit_reason::user_shutdown);
    return make_error(errc::unavailable,
                      "cannot listen on the HTTP address (" + why
                        + "); is another server using the port?");
  }
  return std::make_pair(srv, *port);
}

} // namespace larder::http
