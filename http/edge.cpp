#include "http/edge.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <caf/actor_system.hpp>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "actors/user/user.hpp"
#include "events/crypto.hpp"
#include "events/envelope.hpp"
#include "http/api.hpp"
#include "http/auth_store.hpp"
#include "http/mailer.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "http/token.hpp"
#include "http/url.hpp"

namespace larder::http {

// -- call
// -----------------------------------------------------------------------

void call::reply(response res) {
  if (answered)
    return;
  answered = true;
  for (auto& h : extra_headers)
    res.headers.push_back(std::move(h));
  extra_headers.clear();
  auto& st = self->state;
  auto& m = st.metrics[route];
  ++m.by_status[res.status];
  ++m.count;
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                               - req.received_at)
                   .count();
  m.latency_sum_seconds += elapsed;
  if (m.latency_buckets.empty())
    m.latency_buckets.resize(std::size(latency_bounds_ms));
  for (std::size_t i = 0; i < std::size(latency_bounds_ms); ++i)
    if (elapsed * 1000 <= latency_bounds_ms[i])
      ++m.latency_buckets[i];
  rp.deliver(std::move(res));
}

void call::fail(const larder::error& err) {
  if (err.code == errc::unavailable || err.code == errc::timeout)
    spdlog::warn("{} {}: {}", req.method, route, err.message);
  reply(error_response(err));
}

void call::fail(int status, std::string_view code, std::string_view message) {
  reply(error_response(status, code, message));
}

std::string request_digest(std::initializer_list<std::string_view> parts) {
  auto digest = events::sha256(parts);
  return events::to_hex(std::span{digest}.first(16));
}

domain::command_context call::context(const events::uuid& tenant) const {
  domain::command_context ctx;
  ctx.tenant_id = tenant;
  ctx.now = events::now_timestamp();
  auto& m = ctx.meta;
  if (who) {
    m.actor = events::actor_kind::user;
    m.actor_id = who->user_id.to_string();
  } else {
    m.actor = events::actor_kind::system;
  }
  auto rid = req.header("x-request-id");
  m.request_id = (!rid.empty() && rid.size() <= 100)
                   ? std::string{rid}
                   : events::uuid::make_v7().to_string();
  m.correlation_id = m.request_id;
  m.source = req.header("cookie").empty() ? "api" : "web";
  auto key = req.header("idempotency-key");
  if (!key.empty() && who) {
    m.idempotency_key = who->user_id.to_string() + ":" + std::string{key};
    // An upload's commands make new invoices, which no key can find again:
    // its body (up to 64 MiB, on the edge's thread) is not hashed, only
    // its size.
    if (request_hash.empty())
      request_hash =
        is_upload_path(req.path)
          ? request_digest({req.method, " ", req.target, "\n",
                            std::to_string(req.body.size())})
          : request_digest({req.method, " ", req.target, "\n", req.body});
    m.request_hash = request_hash;
  }
  return ctx;
}

bool call::body_has_only(std::initializer_list<std::string_view> allowed) {
  if (body_parser == nullptr)
    return true;
  if (auto bad = check_members(body, allowed)) {
    fail(*bad);
    return false;
  }
  return true;
}

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string_view call::param(std::string_view name) const {
  auto i = params.find(name);
  return i == params.end() ? std::string_view{} : std::string_view{i->second};
}

std::string_view to_string(access a) noexcept {
  switch (a) {
    case access::anyone: return "anyone";
    case access::signed_in: return "signed_in";
    case access::tenant_reader: return "tenant_reader";
    case access::tenant_member: return "tenant_member";
    case access::tenant_admin: return "tenant_admin";
    case access::global_admin: return "global_admin";
    case access::tenant_books: return "tenant_books";
  }
  return "?";
}

std::string command_result(std::string_view id, std::int64_t version,
                           std::int64_t position) {
  events::json_writer w;
  w.begin_object().field("id", id).field("version", version);
  w.field("position", position).end_object();
  return w.take();
}

// -- JSON input
// -------------------------------------------------------------------

std::optional<larder::error>
check_members(const simdjson::dom::element& obj,
              std::initializer_list<std::string_view> allowed) {
  simdjson::dom::object o;
  if (obj.get(o) != simdjson::SUCCESS)
    return make_error(errc::invalid_argument,
                      "the request body must be a JSON object");
  // A member named twice is refused: readers take the first, and a client
  // (or a proxy) that meant the last would see its value ignored.
  std::vector<bool> seen(allowed.size());
  for (auto field : o) {
    auto at = std::find(allowed.begin(), allowed.end(), field.key);
    if (at == allowed.end())
      return make_error(errc::invalid_argument,
                        "unknown field '" + std::string{field.key} + "'");
    auto index = static_cast<std::size_t>(at - allowed.begin());
    if (seen[index])
      return make_error(errc::invalid_argument, "field '"
                                                  + std::string{field.key}
                                                  + "' is given twice");
    seen[index] = true;
  }
  return std::nullopt;
}

expected<std::optional<std::string>>
optional_string(const simdjson::dom::element& obj, std::string_view name) {
  simdjson::dom::element v;
  if (obj.at_key(name).get(v) != simdjson::SUCCESS)
    return std::optional<std::string>{};
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS)
    return make_error(errc::invalid_argument,
                      "'" + std::string{name} + "' must be a string");
  return std::optional<std::string>{std::string{s}};
}

expected<std::string> string_member(const simdjson::dom::element& obj,
                                    std::string_view name, bool required) {
  auto v = optional_string(obj, name);
  if (!v)
    return v.error();
  if (!*v) {
    if (required)
      return make_error(errc::invalid_argument,
                        "'" + std::string{name} + "' is required");
    return std::string{};
  }
  return std::move(**v);
}

expected<std::optional<bool>> optional_bool(const simdjson::dom::element& obj,
                                            std::string_view name) {
  simdjson::dom::element v;
  if (obj.at_key(name).get(v) != simdjson::SUCCESS)
    return std::optional<bool>{};
  bool b = false;
  if (v.get(b) != simdjson::SUCCESS)
    return make_error(errc::invalid_argument,
                      "'" + std::string{name} + "' must be true or false");
  return std::optional<bool>{b};
}

expected<std::optional<std::int64_t>>
optional_int(const simdjson::dom::element& obj, std::string_view name) {
  simdjson::dom::element v;
  if (obj.at_key(name).get(v) != simdjson::SUCCESS)
    return std::optional<std::int64_t>{};
  std::int64_t n = 0;
  if (v.get(n) != simdjson::SUCCESS)
    return make_error(errc::invalid_argument,
                      "'" + std::string{name} + "' must be an integer");
  return std::optional<std::int64_t>{n};
}

expected<events::uuid> parse_id(std::string_view text, std::string_view what) {
  auto id = events::uuid::parse(text);
  if (!id || id->is_nil())
    return make_error(errc::invalid_argument,
                      std::string{what} + " must be a UUID");
  return *id;
}

namespace {

using clock = std::chrono::steady_clock;

constexpr std::string_view session_cookie = "larder_session";

/// The scheme://host[:port] of a URL.
std::string origin_of(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return std::string{url};
  auto path = url.find('/', scheme_end + 3);
  return std::string{url.substr(0, path)};
}

bool state_changing(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

/// Matches `path` against a route pattern, filling `params`.
bool match(std::string_view pattern, std::string_view path,
           std::map<std::string, std::string, std::less<>>& params) {
  params.clear();
  while (true) {
    if (pattern.empty() || path.empty())
      return pattern.empty() && path.empty();
    if (pattern[0] != '/' || path[0] != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pe = pattern.find('/');
    auto se = path.find('/');
    auto pseg = pattern.substr(0, pe);
    auto sseg = path.substr(0, se);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      auto value = percent_decode(sseg);
      if (!value || value->empty())
        return false;
      params.emplace(std::string{pseg.substr(1, pseg.size() - 2)},
                     std::move(*value));
    } else if (pseg != sseg) {
      return false;
    }
    pattern =
      pe == std::string_view::npos ? std::string_view{} : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view{} : path.substr(se);
  }
}

rate_limiter& limiter_for(edge_state& st, limit_class lc) {
  switch (lc) {
    case limit_class::signin: return st.signin_limiter;
    case limit_class::webhook: return st.webhook_limiter;
    default: return st.api_address_limiter;
  }
}

response too_many(std::chrono::seconds wait) {
  auto res = error_response(429, "rate_limited",
                            "too many requests; try again in "
                              + std::to_string(wait.count()) + " seconds");
  res.set("Retry-After", std::to_string(wait.count()));
  return res;
}

/// CORS: the allowed origin for this request, or "".
std::string allowed_origin(const edge_state& st, std::string_view origin) {
  if (origin.empty())
    return {};
  if (origin == origin_of(st.options.public_url))
    return std::string{origin};
  for (const auto& o : st.options.cors_origins)
    if (o == origin)
      return o;
  return {};
}

/// The cross-site request check of state-changing requests: the Origin
/// must be ours (or a configured CORS origin), a browser's Sec-Fetch-Site
/// must not say cross-site; a request with a session cookie must also echo
/// the session's CSRF token in X-CSRF-Token (checked after authentication).
std::optional<response> check_origin(const edge_state& st, const request& req) {
  auto origin = req.header("origin");
  if (!origin.empty() && allowed_origin(st, origin).empty())
    return error_response(403, "forbidden",
                          "cross-site requests are not allowed");
  auto site = req.header("sec-fetch-site");
  if (origin.empty() && (site == "cross-site" || site == "same-site"))
    return error_response(403, "forbidden",
                          "cross-site requests are not allowed");
  return std::nullopt;
}

void serve_static(const call_ptr& c) {
  auto& st = c->self->state;
  auto& req = c->req;
  if (st.options.web_root.empty()) {
    c->fail(404, "not_found", "no such page");
    return;
  }
  auto decoded = percent_decode(req.path);
  if (!decoded) {
    c->fail(400, "invalid_argument", "the path is not valid");
    return;
  }
  auto file = resolve_static(st.options.web_root, *decoded);
  // Client routes (no extension in the last segment) get the app shell.
  if (!file) {
    auto last = decoded->substr(decoded->rfind('/') + 1);
    if (last.find('.') == std::string::npos
        && decoded->find("/..") == std::string::npos
        && decoded->find('\\') == std::string::npos)
      file = resolve_static(st.options.web_root, "/index.html");
    else {
      c->fail(404, "not_found", "no such file");
      return;
    }
  }
  if (!file) {
    c->fail(404, "not_found", "no such file");
    return;
  }
  std::ifstream in(file->path, std::ios::binary);
  if (!in) {
    c->fail(404, "not_found", "no such file");
    return;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  response res;
  res.body = std::move(buf).str();
  res.set("Content-Type", file->media_type);
  res.set("Cache-Control", file->cache_control);
  c->reply(std::move(res));
}

/// The last step: the role check and the handler.
void authorize_and_run(const call_ptr& c, const route& r) {
  auto& who = c->who;
  auto forbid = [&](std::string_view message) {
    c->fail(403, "forbidden", message);
  };
  switch (r.needs) {
    case access::anyone:
    case access::signed_in: break;
    case access::tenant_reader:
    case access::tenant_member:
    case access::tenant_admin:
    case access::tenant_books:
      if (!who->tenant_id || !who->role) {
        forbid("create or choose a business first");
        return;
      }
      if (r.needs == access::tenant_member
          && *who->role == domain::tenant_role::auditor) {
        forbid("auditors can read but not change anything");
        return;
      }
      if (r.needs == access::tenant_books
          && *who->role == domain::tenant_role::member) {
        forbid("only admins and auditors of this business can export");
        return;
      }
      if (r.needs == access::tenant_admin
          && *who->role != domain::tenant_role::admin) {
        forbid("only an admin of this business can do this");
        return;
      }
      break;
    case access::global_admin:
      if (!who->global_admin) {
        forbid("only a platform administrator can do this");
        return;
      }
      break;
  }
  if (who && r.limit == limit_class::api) {
    auto wait = c->self->state.api_user_limiter.take(who->user_id.to_string(),
                                                     clock::now());
    if (wait.count() > 0) {
      c->reply(too_many(wait));
      return;
    }
  }
  if (r.json_body) {
    auto type = c->req.header("content-type");
    if (!type.starts_with("application/json")) {
      c->fail(415, "unsupported_media_type",
              "send the request body as application/json");
      return;
    }
    // Each call owns its parser: the body outlives this function.
    c->body_parser = std::make_shared<simdjson::dom::parser>();
    if (c->body_parser->parse(c->req.body).get(c->body) != simdjson::SUCCESS
        || !c->body.is_object()) {
      c->fail(400, "invalid_json", "the request body is not a JSON object");
      return;
    }
  }
  r.handler(c);
}

/// Loads what the session says about the person (their user stream, their
/// role in the session's tenant), then runs the route.
void resolve_identity(const call_ptr& c, const route& r, cached_session s,
                      events::uuid sid, bool has_csrf) {
  auto& state = c->self->state;
  auto identity_key =
    sid.to_string() + (s.tenant_id ? s.tenant_id->to_string() : "-");
  if (auto i = state.identities.find(identity_key);
      i != state.identities.end()
      && clock::now() - i->second.fetched < state.options.identity_cache_ttl) {
    c->who = i->second.who;
    c->who->session_expires = s.expires_at;
    if (state_changing(c->req.method) && !has_csrf) {
      c->fail(403, "csrf", "the X-CSRF-Token header is missing or wrong");
      return;
    }
    authorize_and_run(c, r);
    return;
  }
  auto remember = [c, identity_key] {
    c->self->state.identities[identity_key] = {*c->who, clock::now()};
  };
  auto user_stream = domain::stream_id("user", s.user_id);
  get_entity<domain::user_entity>(
    c, c->self->state.services.users, user_stream, domain::platform_tenant_id,
    [c, &r, s, sid, has_csrf, remember](user_reply& u) {
      auto& st = c->self->state;
      const auto& user = *u.state;
      auto revoked_at = user.sessions_revoked_at;
      // A session created before "sign out everywhere" is void. The
      // timestamps compare as text (same RFC 3339 form), at second
      // resolution of the session row.
      bool revoked = false;
      if (!revoked_at.empty()) {
        auto created = events::format_timestamp(
          std::chrono::sys_time<std::chrono::microseconds>(
            std::chrono::seconds(s.created_at + 1)));
        revoked = created <= revoked_at;
      }
      if (!user.exists || user.disabled || revoked) {
        st.sessions.erase(sid.to_string());
        c->extra_headers.emplace_back("Set-Cookie", clear_session_cookie());
        c->fail(401, "unauthenticated", "sign in again");
        return;
      }
      identity who;
      who.session_id = sid;
      who.user_id = s.user_id;
      who.email = user.email;
      who.global_admin = user.global_admin;
      who.session_expires = s.expires_at;
      c->who = who;
      if (state_changing(c->req.method) && !has_csrf) {
        c->fail(403, "csrf", "the X-CSRF-Token header is missing or wrong");
        return;
      }
      if (!s.tenant_id) {
        remember();
        authorize_and_run(c, r);
        return;
      }
      auto tenant = *s.tenant_id;
      domain::command_context ctx;
      ctx.tenant_id = tenant;
      c->self
        ->request(st.services.tenants, caf::infinite, caf::get_atom_v,
                  domain::stream_id("tenant", tenant), std::move(ctx))
        .then(
          [c, &r, remember](tenant_reply& t) {
            const auto& ts = *t.state;
            if (ts.exists && !ts.deactivated) {
              if (auto m = ts.members.find(c->who->user_id);
                  m != ts.members.end()) {
                c->who->tenant_id = ts.tenant_id;
                c->who->role = m->second.role;
                c->who->tenant_name = ts.name;
              }
            }
            remember();
            authorize_and_run(c, r);
          },
          [c](const caf::error& e) {
            c->fail(from_caf_error(e));
          });
    });
}

void authenticate(const call_ptr& c, const route& r) {
  auto& st = c->self->state;
  auto unauthenticated = [&] {
    c->fail(401, "unauthenticated", "sign in to continue");
  };
  auto cookie = cookie_value(c->req.header("cookie"), session_cookie);
  if (!cookie) {
    unauthenticated();
    return;
  }
  auto now = epoch_seconds();
  auto claims = verify_session(*cookie, st.options.secret_key, now);
  if (!claims) {
    unauthenticated();
    return;
  }
  auto sid = claims->session_id;
  auto has_csrf =
    [sent = c->req.header("x-csrf-token")](const std::string& expected) {
      return sent.size() == expected.size()
             && CRYPTO_memcmp(sent.data(), expected.data(), sent.size()) == 0;
    };
  auto key = sid.to_string();
  auto fresh = [&](const cached_session& s) {
    return clock::now() - s.fetched < st.options.session_cache_ttl
           && s.expires_at > now;
  };
  if (auto i = st.sessions.find(key);
      i != st.sessions.end() && fresh(i->second)) {
    if (i->second.user_id != claims->user_id) {
      unauthenticated();
      return;
    }
    resolve_identity(c, r, i->second, sid, has_csrf(i->second.csrf));
    return;
  }
  auto row = std::make_shared<std::optional<auth_store::session_row>>();
  auto renewed = std::make_shared<std::optional<std::int64_t>>();
  auto ttl = st.options.session_ttl;
  with_db(
    c,
    [row, renewed, sid, ttl, now](pqxx::connection& conn) {
      *row = auth_store::find_session(conn, sid);
      // Sessions renew while in use: past half their life, the expiry
      // moves to a full lifetime from now.
      if (*row && !(*row)->revoked && (*row)->expires_at > now
          && (*row)->expires_at - now < ttl.count() / 2)
        *renewed = auth_store::renew_session(conn, sid, ttl);
    },
    [c, &r, row, renewed, claims, sid, has_csrf, now] {
      auto& st = c->self->state;
      const auto& s = *row;
      if (!s || s->revoked || s->expires_at <= now
          || s->user_id != claims->user_id) {
        st.sessions.erase(sid.to_string());
        c->fail(401, "unauthenticated", "sign in to continue");
        return;
      }
      cached_session cs;
      cs.user_id = s->user_id;
      cs.tenant_id = s->tenant_id;
      cs.created_at = s->created_at;
      cs.expires_at = renewed->value_or(s->expires_at);
      cs.fetched = clock::now();
      cs.csrf = session_csrf(st.options, sid);
      if (*renewed) {
        session_claims fresh_claims{sid, s->user_id, now, **renewed};
        c->extra_headers.emplace_back(
          "Set-Cookie", session_cookie_header(st.options, fresh_claims));
      }
      st.sessions[sid.to_string()] = cs;
      resolve_identity(c, r, cs, sid, has_csrf(cs.csrf));
    });
}

void handle(edge_actor self, request req, caf::response_promise rp) {
  auto& st = self->state;
  ++st.requests_total;
  auto c = std::make_shared<call>();
  c->self = self;
  c->rp = std::move(rp);
  c->req = std::move(req);
  auto& r = c->req;
  // CORS preflight for configured origins only.
  if (r.method == "OPTIONS") {
    c->route = "preflight";
    auto origin = allowed_origin(st, r.header("origin"));
    if (origin.empty()) {
      c->fail(403, "forbidden", "this origin may not call the API");
      return;
    }
    response res;
    res.status = 204;
    res.set("Access-Control-Allow-Origin", origin);
    res.set("Access-Control-Allow-Credentials", "true");
    res.set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    res.set("Access-Control-Allow-Headers",
            "Content-Type, X-CSRF-Token, Idempotency-Key, X-Request-Id");
    res.set("Access-Control-Max-Age", "600");
    res.set("Vary", "Origin");
    c->reply(std::move(res));
    return;
  }
  if (auto origin = allowed_origin(st, r.header("origin"));
      !origin.empty() && origin != origin_of(st.options.public_url)) {
    c->extra_headers.emplace_back("Access-Control-Allow-Origin", origin);
    c->extra_headers.emplace_back("Access-Control-Allow-Credentials", "true");
    c->extra_headers.emplace_back("Vary", "Origin");
  }
  const route* found = nullptr;
  bool path_matched = false;
  for (const auto& candidate : routes()) {
    if (!match(candidate.pattern, r.path, c->params))
      continue;
    path_matched = true;
    if (candidate.method == r.method
        || (r.method == "HEAD" && candidate.method == "GET")) {
      found = &candidate;
      break;
    }
  }
  if (!found) {
    c->params.clear();
    // Decoded, as the static files see it: /%61pi/x is an API path too,
    // and gets the API's 404, not the app's index.html.
    auto decoded = percent_decode(r.path).value_or(r.path);
    bool api = decoded.starts_with("/api/") || decoded == "/api"
               || decoded.starts_with("/webhooks/");
    if (path_matched) {
      c->route = "unmatched";
      auto res = error_response(405, "method_not_allowed",
                                "this method is not allowed here");
      c->reply(std::move(res));
      return;
    }
    if (api || (r.method != "GET" && r.method != "HEAD")) {
      c->route = "unmatched";
      c->fail(404, "not_found", "no such endpoint");
      return;
    }
    c->route = "static";
    serve_static(c);
    return;
  }
  c->route = std::string{found->method} + " " + std::string{found->pattern};
  if (found->limit != limit_class::none) {
    auto wait = limiter_for(st, found->limit)
                  .take(address_key(r.remote_addr), clock::now());
    if (wait.count() > 0) {
      c->reply(too_many(wait));
      return;
    }
  }
  if (state_changing(r.method)) {
    if (auto refused = check_origin(st, r)) {
      c->reply(std::move(*refused));
      return;
    }
  }
  if (found->needs == access::anyone) {
    authorize_and_run(c, *found);
    return;
  }
  authenticate(c, *found);
}

caf::behavior edge(edge_actor self, edge_options options,
                   edge_services services) {
  auto& st = self->state;
  st.signin_limiter = rate_limiter{options.signin_limit};
  st.webhook_limiter = rate_limiter{options.webhook_limit};
  st.api_address_limiter = rate_limiter{options.api_address_limit};
  st.api_user_limiter = rate_limiter{options.api_user_limit};
  st.options = std::move(options);
  st.services = std::move(services);
  self->delayed_send(self, std::chrono::seconds(30), caf::tick_atom_v);
  return {
    [self](request& req) {
      auto rp = self->make_response_promise();
      handle(self, std::move(req), rp);
      return rp;
    },
    [self](caf::put_atom, caf::actor broker) {
      self->state.broker = std::move(broker);
    },
    [self](caf::tick_atom) {
      auto& st = self->state;
      auto now = clock::now();
      for (auto* l : {&st.signin_limiter, &st.webhook_limiter,
                      &st.api_address_limiter, &st.api_user_limiter})
        l->prune(now);
      std::erase_if(st.sessions, [&](const auto& kv) {
        return now - kv.second.fetched > st.options.session_cache_ttl;
      });
      std::erase_if(st.identities, [&](const auto& kv) {
        return now - kv.second.fetched > st.options.identity_cache_ttl;
      });
      self->delayed_send(self, std::chrono::seconds(30), caf::tick_atom_v);
    },
  };
}

} // namespace

std::string session_cookie_header(const edge_options& options,
                                  const session_claims& claims) {
  // Secure unless the public URL is plain http on this machine: its host
  // exactly, so that http://localhost.example.com is not taken for it.
  std::string_view url = options.public_url;
  bool local_http = false;
  if (url.starts_with("http://")) {
    auto authority = url.substr(7, url.find_first_of("/?#", 7) - 7);
    auto host = authority;
    if (host.starts_with("["))
      host = host.substr(0, host.find(']') + 1);
    else
      host = host.substr(0, host.find(':'));
    local_http = host == "localhost" || host == "127.0.0.1" || host == "[::1]";
  }
  bool secure = !local_http;
  auto token = sign_session(claims, options.secret_key);
  std::string h = std::string{session_cookie} + "=" + token
                  + "; Path=/; HttpOnly; SameSite=Lax; Max-Age="
                  + std::to_string(claims.expires_at - claims.issued_at);
  if (secure)
    h += "; Secure";
  return h;
}

std::string clear_session_cookie() {
  return std::string{session_cookie}
         + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax";
}

std::string session_csrf(const edge_options& options,
                         const events::uuid& session_id) {
  return base64url_encode(
    options.secret_key.sign("csrf:" + session_id.to_string()));
}

caf::actor spawn_edge(caf::actor_system& sys, edge_options options,
                      edge_services services) {
  return sys.spawn(edge, std::move(options), std::move(services));
}

} // namespace larder::http
