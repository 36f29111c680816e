#include <pqxx/pqxx>

#include "http/api.hpp"
#include "http/url.hpp"
#include "projections/directory.hpp"

/// Platform administration: allowlist, waitlist, tenants and users.
namespace larder::http {

namespace {

using domain::platform_entity;

std::string platform_stream() {
  return std::string{domain::platform_stream_id};
}

std::string platform_json(const platform_reply& r) {
  events::json_writer w;
  w.begin_object().key("allowlist").begin_array();
  for (const auto& e : r.state->allowlist)
    w.value(e);
  w.end_array().key("waitlist").begin_array();
  for (const auto& [email, e] : r.state->waitlist) {
    w.begin_object().field("email", email).field("note", e.note);
    w.field("approved", e.approved).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

void platform_command(const call_ptr& c, domain::platform_command cmd,
                      int status = 200) {
  send_command<platform_entity>(
    c, c->self->state.services.platform, platform_stream(), std::move(cmd),
    domain::platform_tenant_id, [c, status](platform_reply& r) {
      c->reply(json_response(platform_json(r), status));
    });
}

void platform_view(const call_ptr& c) {
  get_entity<platform_entity>(c, c->self->state.services.platform,
                              platform_stream(), domain::platform_tenant_id,
                              [c](platform_reply& r) {
                                c->reply(json_response(platform_json(r)));
                              });
}

/// `search`, `limit` (1..500, default 50) and `offset` from the query.
struct list_query {
  std::string search;
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

std::optional<list_query> read_list_query(const call_ptr& c) {
  list_query q;
  auto pairs = parse_query(c->req.query);
  auto bad = [&](std::string_view what) {
    c->fail(make_error(errc::invalid_argument, std::string{what}));
    return std::nullopt;
  };
  if (!pairs)
    return bad("the query is not valid");
  for (auto& [k, v] : *pairs) {
    auto number = [&](std::int64_t& out, std::int64_t lo, std::int64_t hi) {
      try {
        std::size_t used = 0;
        auto n = std::stoll(v, &used);
        if (used != v.size() || n < lo || n > hi)
          return false;
        out = n;
        return true;
      } catch (const std::exception&) {
        return false;
      }
    };
    if (k == "search")
      q.search = v;
    else if (k == "limit") {
      if (!number(q.limit, 1, projections::max_page_rows))
        return bad("'limit' must be between 1 and 500");
    } else if (k == "offset") {
      if (!number(q.offset, 0, 1'000'000'000))
        return bad("'offset' must be a non-negative integer");
    } else {
      return bad("unknown query parameter '" + k + "'");
    }
  }
  return q;
}

} // namespace

namespace handlers {

void allowlist(const call_ptr& c) {
  platform_view(c);
}

void allowlist_add(const call_ptr& c) {
  if (!c->body_has_only({"entry"}))
    return;
  auto entry = string_member(c->body, "entry");
  if (!entry) {
    c->fail(entry.error());
    return;
  }
  platform_command(c, domain::add_allowlist_entry{*entry}, 201);
}

void allowlist_remove(const call_ptr& c) {
  platform_command(
    c, domain::remove_allowlist_entry{std::string{c->param("entry")}});
}

void waitlist(const call_ptr& c) {
  platform_view(c);
}

void waitlist_approve(const call_ptr& c) {
  platform_command(c, domain::approve_waitlist_entry{
                        std::string{c->param("email")}, c->who->user_id});
}

void admin_tenants(const call_ptr& c) {
  auto q = read_list_query(c);
  if (!q)
    return;
  auto result = std::make_shared<projections::page<projections::tenant_row>>();
  with_db(
    c,
    [result, q = *q](pqxx::connection& conn) {
      pqxx::read_transaction txn{conn};
      *result = projections::list_tenants(txn, q.search, q.limit, q.offset);
    },
    [c, result] {
      events::json_writer w;
      w.begin_object().key("tenants").begin_array();
      for (const auto& t : result->rows) {
        w.begin_object().field("id", t.tenant_id.to_string());
        w.field("name", t.name).field("brand", t.brand);
        w.field("region", t.region).field("currency", t.currency);
        w.field("inbound_alias", t.inbound_alias);
        w.field("created_at", t.created_at);
        w.field("deactivated", t.deactivated);
        w.field("members", t.members).end_object();
      }
      w.end_array().field("total", result->total).end_object();
      c->reply(json_response(w.take()));
    });
}

void deactivate_tenant(const call_ptr& c) {
  if (!c->body_has_only({"reason"}))
    return;
  auto id = parse_id(c->param("id"), "the tenant id");
  auto reason = string_member(c->body, "reason");
  if (!id || !reason) {
    c->fail(!id ? id.error() : reason.error());
    return;
  }
  send_command<domain::tenant_entity>(
    c, c->self->state.services.tenants, domain::stream_id("tenant", *id),
    domain::deactivate_tenant{*reason}, *id, [c](tenant_reply& r) {
      if (!r.state->exists) {
        c->fail(404, "not_found", "no such tenant");
        return;
      }
      c->reply(json_response(command_result(r.state->tenant_id.to_string(),
                                            r.version, r.last_position)));
    });
}

void admin_users(const call_ptr& c) {
  auto q = read_list_query(c);
  if (!q)
    return;
  auto result = std::make_shared<projections::page<projections::user_row>>();
  with_db(
    c,
    [result, q = *q](pqxx::connection& conn) {
      pqxx::read_transaction txn{conn};
      *result = projections::list_users(txn, q.search, q.limit, q.offset);
    },
    [c, result] {
      events::json_writer w;
      w.begin_object().key("users").begin_array();
      for (const auto& u : result->rows) {
        w.begin_object().field("id", u.user_id.to_string());
        w.field("email", u.email).field("global_admin", u.global_admin);
        w.field("founding_admin", u.founding_admin);
        w.field("disabled", u.disabled);
        w.field("registered_at", u.registered_at);
        w.field("last_signed_in_at", u.last_signed_in_at).end_object();
      }
      w.end_array().field("total", result->total).end_object();
      c->reply(json_response(w.take()));
    });
}

void admin_change_user(const call_ptr& c) {
  if (!c->body_has_only({"global_admin"}))
    return;
  auto id = parse_id(c->param("id"), "the user id");
  auto flag = optional_bool(c->body, "global_admin");
  if (!id || !flag) {
    c->fail(!id ? id.error() : flag.error());
    return;
  }
  if (!*flag) {
    c->fail(make_error(errc::invalid_argument, "'global_admin' is required"));
    return;
  }
  domain::user_command cmd =
    **flag ? domain::user_command{domain::grant_global_admin{}}
           : domain::user_command{domain::revoke_global_admin{}};
  send_command<domain::user_entity>(
    c, c->self->state.services.users, domain::stream_id("user", *id), cmd,
    domain::platform_tenant_id, [c](user_reply& r) {
      if (!r.state->exists) {
        c->fail(404, "not_found", "no such user");
        return;
      }
      c->reply(json_response(command_result(r.state->user_id.to_string(),
                                            r.version, r.last_position)));
    });
}

void disable_user(const call_ptr& c) {
  if (!c->body_has_only({"reason"}))
    return;
  auto id = parse_id(c->param("id"), "the user id");
  auto reason = string_member(c->body, "reason");
  if (!id || !reason) {
    c->fail(!id ? id.error() : reason.error());
    return;
  }
  auto user_id = *id;
  send_command<domain::user_entity>(
    c, c->self->state.services.users, domain::stream_id("user", user_id),
    domain::disable_user{*reason}, domain::platform_tenant_id,
    [c, user_id](user_reply& r) {
      if (!r.state->exists) {
        c->fail(404, "not_found", "no such user");
        return;
      }
      std::erase_if(c->self->state.sessions, [&](const auto& kv) {
        return kv.second.user_id == user_id;
      });
      c->reply(json_response(command_result(r.state->user_id.to_string(),
                                            r.version, r.last_position)));
    });
}

} // namespace handlers

} // namespace larder::http
