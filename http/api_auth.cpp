#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "actors/values/values.hpp"
#include "events/crypto.hpp"
#include "http/api.hpp"
#include "http/auth_store.hpp"
#include "http/mailer.hpp"
#include "http/url.hpp"
#include "projections/directory.hpp"

/// Sign-in by magic link, sessions and the current person (DESIGN.md §8).
namespace larder::http {

namespace {

namespace dir = projections;

/// The same answer for every address, known or not, allowed or not.
response accepted_answer() {
  return json_response(
    R"({"status":"sent","message":"If this address may sign in, a link is on its way. It works once, for 15 minutes."})",
    202);
}

std::string mail_text(const std::string& link, std::chrono::seconds ttl) {
  return "Hello,\r\n\r\nUse this link to sign in to larder:\r\n\r\n" + link
         + "\r\n\r\nIt works once, for " + std::to_string(ttl.count() / 60)
         + " minutes. If you did not ask for it, ignore this mail: nobody "
           "can sign in without the link.\r\n";
}

/// Reads the tenants a user belongs to, for `me` and for choosing where a
/// fresh session starts.
void write_memberships(events::json_writer& w,
                       const std::vector<dir::tenant_access>& ms) {
  w.key("tenants").begin_array();
  for (const auto& m : ms) {
    w.begin_object().field("id", m.tenant_id.to_string());
    w.field("name", m.tenant_name);
    w.field("role", domain::to_string(m.role)).end_object();
  }
  w.end_array();
}

void write_me(const call_ptr& c, const std::vector<dir::tenant_access>& ms) {
  const auto& who = *c->who;
  events::json_writer w;
  w.begin_object().key("user").begin_object();
  w.field("id", who.user_id.to_string()).field("email", who.email);
  w.field("global_admin", who.global_admin).end_object();
  w.key("tenant");
  if (who.tenant_id && who.role) {
    w.begin_object().field("id", who.tenant_id->to_string());
    w.field("name", who.tenant_name).end_object();
    w.field("role", domain::to_string(*who.role));
  } else {
    w.null().key("role").null();
  }
  write_memberships(w, ms);
  w.field("csrf_token", session_csrf(c->self->state.options, who.session_id));
  w.field("session_expires_at", who.session_expires);
  w.end_object();
  c->reply(json_response(w.take()));
}

/// Starts a session for `user_id` in `tenant` and answers the sign-in.
void start_session(const call_ptr& c, const domain::user_state& user,
                   std::optional<events::uuid> tenant) {
  auto sid = events::uuid::make_v7();
  auto ttl = c->self->state.options.session_ttl;
  auto agent = std::string{c->req.header("user-agent")};
  auto expires = std::make_shared<std::int64_t>(0);
  auto user_id = user.user_id;
  with_db(
    c,
    [=](pqxx::connection& conn) {
      *expires =
        auth_store::create_session(conn, sid, user_id, tenant, ttl, agent);
    },
    [c, sid, user_id, expires, email = user.email] {
      auto& opts = c->self->state.options;
      session_claims claims{sid, user_id, epoch_seconds(), *expires};
      c->extra_headers.emplace_back("Set-Cookie",
                                    session_cookie_header(opts, claims));
      spdlog::info("signed in: user {}", user_id.to_string());
      auto accept = c->req.header("accept");
      if (accept.find("application/json") != std::string_view::npos) {
        events::json_writer w;
        w.begin_object().field("user_id", user_id.to_string());
        w.field("email", email);
        w.field("csrf_token", session_csrf(opts, sid)).end_object();
        c->reply(json_response(w.take()));
        return;
      }
      response res;
      res.status = 303;
      res.set("Location", "/");
      res.set("Cache-Control", "no-store");
      c->reply(std::move(res));
    });
}

/// Accepts every pending invitation of the user, then starts the session in
/// the tenant just joined, or the first one the user belongs to.
void join_and_start(const call_ptr& c, const domain::user_state& user) {
  auto invites = std::make_shared<std::vector<dir::tenant_access>>();
  auto ms = std::make_shared<std::vector<dir::tenant_access>>();
  with_db(
    c,
    [invites, ms, email = user.email,
     id = user.user_id](pqxx::connection& conn) {
      pqxx::read_transaction txn{conn};
      *invites = dir::invitations_for(txn, email);
      *ms = dir::memberships_of(txn, id);
    },
    [c, invites, ms, user] {
      auto joined = std::make_shared<std::optional<events::uuid>>();
      auto remaining = std::make_shared<std::size_t>(invites->size());
      auto finish = [c, ms, user, joined] {
        auto tenant = *joined;
        if (!tenant && !ms->empty())
          tenant = ms->front().tenant_id;
        start_session(c, user, tenant);
      };
      if (invites->empty()) {
        finish();
        return;
      }
      for (const auto& inv : *invites) {
        domain::join_tenant cmd{user.user_id, user.email};
        auto ctx = c->context(inv.tenant_id);
        ctx.meta.actor = events::actor_kind::user;
        ctx.meta.actor_id = user.user_id.to_string();
        c->self
          ->request(c->self->state.services.tenants, caf::infinite,
                    command_atom_v, domain::stream_id("tenant", inv.tenant_id),
                    domain::tenant_command{cmd}, ctx)
          .then(
            [joined, remaining, finish, id = inv.tenant_id](tenant_reply&) {
              if (!*joined)
                *joined = id;
              if (--*remaining == 0)
                finish();
            },
            [remaining, finish](const caf::error& e) {
              spdlog::warn("could not accept an invitation: {}",
                           from_caf_error(e).message);
              if (--*remaining == 0)
                finish();
            });
      }
    });
}

void sign_in_user(const call_ptr& c, const domain::user_state& user) {
  send_command<domain::user_entity>(
    c, c->self->state.services.users, domain::stream_id("user", user.user_id),
    domain::sign_in{}, domain::platform_tenant_id, [c](user_reply& r) {
      join_and_start(c, *r.state);
    });
}

} // namespace

void send_magic_link(const call_ptr& c, const std::string& email,
                     std::function<void(const std::string&)> done) {
  auto& opts = c->self->state.options;
  std::array<std::uint8_t, 32> raw{};
  events::random_bytes(raw);
  auto token = base64url_encode(
    std::string_view{reinterpret_cast<const char*>(raw.data()), raw.size()});
  auto hash = events::sha256({token});
  auto hash_hex = events::to_hex(hash);
  auto issued = std::make_shared<bool>(false);
  auto from = c->req.remote_addr;
  with_db(
    c,
    [=, ttl = opts.magic_link_ttl, max = opts.magic_links_per_window,
     window = opts.magic_link_window](pqxx::connection& conn) {
      *issued = auth_store::issue_magic_link(conn, email, hash_hex, ttl, max,
                                             window, from);
    },
    [c, issued, token, email, done] {
      auto& st = c->self->state;
      if (!*issued) {
        spdlog::info("magic link refused: address over its hourly limit");
        done("");
        return;
      }
      auto link = st.options.public_url + "/api/auth/verify?token=" + token;
      mail_message msg{st.options.mail_from, email, "Your larder sign-in link",
                       mail_text(link, st.options.magic_link_ttl)};
      c->self->send(st.services.mail, std::move(msg));
      if (!st.options.production)
        spdlog::info("sign-in link for {}: {}", email, link);
      done(link);
    });
}

namespace handlers {

void magic_request(const call_ptr& c) {
  if (!c->body_has_only({"email"}))
    return;
  auto raw = string_member(c->body, "email");
  if (!raw) {
    c->fail(raw.error());
    return;
  }
  auto email = values::normalize_email(*raw);
  if (!email) {
    c->fail(make_error(errc::invalid_argument,
                       "'email' is not a valid email address"));
    return;
  }
  // Answer at once, the same way for every address: whether it may sign in
  // is decided after the answer, so neither body nor timing tells.
  c->reply(accepted_answer());
  auto& st = c->self->state;
  auto mail = *email;
  auto send = [c, mail] {
    send_magic_link(c, mail, [](const std::string&) {});
  };
  if (mail == st.options.admin_email) {
    send();
    return;
  }
  auto user_id = domain::user_id_for_email(mail);
  auto quietly = [](const caf::error& e) {
    spdlog::warn("magic link check failed: {}", from_caf_error(e).message);
  };
  domain::command_context ctx;
  ctx.tenant_id = domain::platform_tenant_id;
  c->self
    ->request(st.services.users, caf::infinite, caf::get_atom_v,
              domain::stream_id("user", user_id), ctx)
    .then(
      [c, mail, send, ctx, quietly](user_reply& u) {
        if (u.state->exists) {
          if (!u.state->disabled)
            send();
          return;
        }
        auto& st = c->self->state;
        c->self
          ->request(st.services.platform, caf::infinite, caf::get_atom_v,
                    std::string{domain::platform_stream_id}, ctx)
          .then(
            [c, mail, send](platform_reply& p) {
              if (domain::is_allowed(*p.state, mail)) {
                send();
                return;
              }
              auto invited = std::make_shared<bool>(false);
              auto& st = c->self->state;
              c->self
                ->request(st.services.db, st.options.job_timeout,
                          db_job{[invited, mail](pqxx::connection& conn) {
                            pqxx::read_transaction txn{conn};
                            *invited = !dir::invitations_for(txn, mail).empty();
                          }})
                .then(
                  [invited, send](caf::ok_atom) {
                    if (*invited)
                      send();
                  },
                  [](const caf::error&) {});
            },
            quietly);
      },
      quietly);
}

void verify(const call_ptr& c) {
  // A HEAD (link checkers, mail scanners looking before they follow) must
  // not spend the link: it learns that the page is there, no more.
  if (c->req.method == "HEAD") {
    response res;
    res.set("Content-Type", "text/html; charset=utf-8");
    res.set("Cache-Control", "no-store");
    c->reply(std::move(res));
    return;
  }
  auto query = parse_query(c->req.query);
  std::string token;
  if (query)
    for (auto& [k, v] : *query)
      if (k == "token")
        token = v;
  auto invalid = [c] {
    auto accept = c->req.header("accept");
    if (accept.find("application/json") != std::string_view::npos) {
      c->fail(401, "invalid_link",
              "this sign-in link is invalid, used or expired; ask for a "
              "new one");
      return;
    }
    response res;
    res.status = 303;
    res.set("Location", "/signin?error=invalid_link");
    res.set("Cache-Control", "no-store");
    c->reply(std::move(res));
  };
  if (token.size() != 43) {
    invalid();
    return;
  }
  auto hash_hex = events::to_hex(events::sha256({token}));
  auto email = std::make_shared<std::optional<std::string>>();
  with_db(
    c,
    [email, hash_hex](pqxx::connection& conn) {
      *email = auth_store::consume_magic_link(conn, hash_hex);
    },
    [c, email, invalid] {
      if (!*email) {
        invalid();
        return;
      }
      auto& st = c->self->state;
      auto mail = **email;
      auto user_id = domain::user_id_for_email(mail);
      auto stream = domain::stream_id("user", user_id);
      get_entity<domain::user_entity>(
        c, st.services.users, stream, domain::platform_tenant_id,
        [c, mail, user_id, stream](user_reply& u) {
          if (u.state->exists) {
            if (u.state->disabled) {
              c->fail(403, "forbidden", "this account is disabled");
              return;
            }
            sign_in_user(c, *u.state);
            return;
          }
          bool founding = mail == c->self->state.options.admin_email;
          domain::register_user cmd{user_id, mail, std::nullopt, founding,
                                    founding};
          send_command<domain::user_entity>(
            c, c->self->state.services.users, stream, cmd,
            domain::platform_tenant_id, [c](user_reply& r) {
              sign_in_user(c, *r.state);
            });
        });
    });
}

void me(const call_ptr& c) {
  auto ms = std::make_shared<std::vector<dir::tenant_access>>();
  with_db(
    c,
    [ms, id = c->who->user_id](pqxx::connection& conn) {
      pqxx::read_transaction txn{conn};
      *ms = dir::memberships_of(txn, id);
    },
    [c, ms] {
      write_me(c, *ms);
    });
}

void logout(const call_ptr& c) {
  auto sid = c->who->session_id;
  with_db(
    c,
    [sid](pqxx::connection& conn) {
      auth_store::revoke_session(conn, sid);
    },
    [c, sid] {
      c->self->state.sessions.erase(sid.to_string());
      response res;
      res.status = 204;
      res.set("Set-Cookie", clear_session_cookie());
      c->reply(std::move(res));
    });
}

void logout_all(const call_ptr& c) {
  auto user_id = c->who->user_id;
  send_command<domain::user_entity>(
    c, c->self->state.services.users, domain::stream_id("user", user_id),
    domain::revoke_sessions{"signed out everywhere"},
    domain::platform_tenant_id, [c, user_id](user_reply&) {
      with_db(
        c,
        [user_id](pqxx::connection& conn) {
          auth_store::revoke_user_sessions(conn, user_id);
        },
        [c, user_id] {
          std::erase_if(c->self->state.sessions, [&](const auto& kv) {
            return kv.second.user_id == user_id;
          });
          response res;
          res.status = 204;
          res.set("Set-Cookie", clear_session_cookie());
          c->reply(std::move(res));
        });
    });
}

void switch_tenant(const call_ptr& c) {
  if (!c->body_has_only({"tenant_id"}))
    return;
  auto text = string_member(c->body, "tenant_id");
  if (!text) {
    c->fail(text.error());
    return;
  }
  auto id = parse_id(*text, "'tenant_id'");
  if (!id) {
    c->fail(id.error());
    return;
  }
  auto tenant = *id;
  get_entity<domain::tenant_entity>(
    c, c->self->state.services.tenants, domain::stream_id("tenant", tenant),
    tenant, [c, tenant](tenant_reply& t) {
      auto m = t.state->members.find(c->who->user_id);
      if (!t.state->exists || t.state->deactivated
          || m == t.state->members.end()) {
        c->fail(404, "not_found", "no such business");
        return;
      }
      auto sid = c->who->session_id;
      c->who->tenant_id = tenant;
      c->who->role = m->second.role;
      c->who->tenant_name = t.state->name;
      with_db(
        c,
        [sid, tenant](pqxx::connection& conn) {
          auth_store::set_session_tenant(conn, sid, tenant);
        },
        [c, sid, tenant] {
          auto& cache = c->self->state.sessions;
          if (auto i = cache.find(sid.to_string()); i != cache.end())
            i->second.tenant_id = tenant;
          me(c);
        });
    });
}

void join_waitlist(const call_ptr& c) {
  if (!c->body_has_only({"email", "note"}))
    return;
  auto email = string_member(c->body, "email");
  auto note = string_member(c->body, "note", false);
  if (!email || !note) {
    c->fail(!email ? email.error() : note.error());
    return;
  }
  auto& st = c->self->state;
  auto done = [c] {
    c->reply(json_response(
      R"({"status":"waitlisted","message":"Thanks! We will write when your place is ready."})",
      202));
  };
  // Already waitlisted or already allowed gets the same answer as a new
  // entry: the endpoint must not tell who is known.
  c->self
    ->request(st.services.platform, caf::infinite, command_atom_v,
              std::string{domain::platform_stream_id},
              domain::platform_command{domain::join_waitlist{*email, *note}},
              c->context(domain::platform_tenant_id))
    .then(
      [done](platform_reply&) {
        done();
      },
      [c, done](const caf::error& e) {
        auto err = from_caf_error(e);
        if (err.code == errc::rejected || err.code == errc::conflict)
          done();
        else
          c->fail(err);
      });
}

} // namespace handlers

} // namespace larder::http
