#include <pqxx/pqxx>

#include "actors/values/values.hpp"
#include "http/api.hpp"
#include "http/auth_store.hpp"
#include "projections/suppliers.hpp"

/// Onboarding and the tenant's settings, people and WhatsApp senders.
namespace larder::http {

namespace {

using domain::tenant_entity;

const events::uuid& tenant_of(const call_ptr& c) {
  return *c->who->tenant_id;
}

std::string tenant_stream(const call_ptr& c) {
  return domain::stream_id("tenant", tenant_of(c));
}

void write_settings(events::json_writer& w, const domain::tenant_settings& s) {
  w.key("settings").begin_object();
  w.field("price_alert_threshold_percent",
          s.price_alert_threshold_percent.to_string(2));
  w.field("rejected_retention_days", s.rejected_retention_days);
  w.field("sales_tax_percent", s.sales_tax_percent.to_string(3));
  w.key("export_accounts").begin_object();
  for (const auto& [purpose, account] : s.export_accounts) {
    w.key(domain::to_string(purpose)).begin_object();
    w.field("name", account.name).field("code", account.code).end_object();
  }
  w.end_object().end_object();
}

void write_people(events::json_writer& w, const domain::tenant_state& t) {
  w.key("members").begin_array();
  for (const auto& [id, m] : t.members) {
    w.begin_object().field("user_id", id.to_string()).field("email", m.email);
    w.field("role", domain::to_string(m.role)).end_object();
  }
  w.end_array().key("invitations").begin_array();
  for (const auto& [email, inv] : t.invitations) {
    w.begin_object().field("email", email);
    w.field("role", domain::to_string(inv.role));
    w.field("invited_by", inv.invited_by.to_string()).end_object();
  }
  w.end_array();
}

void write_senders(events::json_writer& w, const domain::tenant_state& t) {
  w.key("whatsapp_senders").begin_array();
  for (const auto& [number, s] : t.whatsapp_senders) {
    w.begin_object().field("number", number).field("label", s.label);
    w.field("enabled", s.enabled).end_object();
  }
  w.end_array();
}

void write_steps(events::json_writer& w, const domain::tenant_state& t) {
  using step = domain::onboarding_step;
  w.key("steps").begin_array();
  for (auto s : {step::business_created, step::inbound_address_copied,
                 step::whatsapp_added, step::member_invited,
                 step::first_invoice_uploaded}) {
    w.begin_object().field("step", domain::to_string(s));
    w.field("done", t.onboarding_done.contains(s)).end_object();
  }
  w.end_array();
}

std::string tenant_json(const call_ptr& c, const tenant_reply& r) {
  const auto& t = *r.state;
  events::json_writer w;
  w.begin_object().field("id", t.tenant_id.to_string());
  w.field("name", t.name).field("brand", t.brand).field("region", t.region);
  w.field("currency", t.currency.code);
  w.field("inbound_alias", t.inbound_alias);
  w.field("inbound_address",
          t.inbound_alias + "@" + c->self->state.options.mail_domain);
  w.key("taxes").begin_array();
  for (const auto& tax : t.taxes.taxes) {
    w.begin_object().field("kind", values::to_string(tax.kind));
    w.field("rate_percent", tax.rate_percent.to_string(3)).end_object();
  }
  w.end_array();
  write_settings(w, t.settings);
  write_people(w, t);
  write_senders(w, t);
  write_steps(w, t);
  w.field("deactivated", t.deactivated);
  w.field("version", r.version).field("position", r.last_position);
  w.end_object();
  return w.take();
}

/// Sends a tenant command for the caller's tenant and answers the tenant.
void tenant_command(const call_ptr& c, domain::tenant_command cmd,
                    int status = 200) {
  send_command<tenant_entity>(
    c, c->self->state.services.tenants, tenant_stream(c), std::move(cmd),
    tenant_of(c), [c, status](tenant_reply& r) {
      c->reply(json_response(tenant_json(c, r), status));
    });
}

template <class T>
bool take(const call_ptr& c, expected<T>& v) {
  if (v)
    return true;
  c->fail(v.error());
  return false;
}

} // namespace

namespace handlers {

void onboarding_status(const call_ptr& c) {
  if (!c->who->tenant_id || !c->who->role) {
    c->reply(json_response(R"({"has_tenant":false,"tenant":null})"));
    return;
  }
  get_entity<tenant_entity>(
    c, c->self->state.services.tenants, tenant_stream(c), tenant_of(c),
    [c](tenant_reply& r) {
      events::json_writer w;
      w.begin_object().field("has_tenant", true);
      w.key("tenant").raw(tenant_json(c, r)).end_object();
      c->reply(json_response(w.take()));
    });
}

void onboarding_complete(const call_ptr& c) {
  if (!c->body_has_only(
        {"name", "brand", "region", "currency", "inbound_alias"}))
    return;
  auto name = string_member(c->body, "name");
  auto brand = string_member(c->body, "brand", false);
  auto region = string_member(c->body, "region");
  auto currency = optional_string(c->body, "currency");
  auto alias = string_member(c->body, "inbound_alias");
  if (!take(c, name) || !take(c, brand) || !take(c, region)
      || !take(c, currency) || !take(c, alias))
    return;
  // An inbound address is case-insensitive: "LUNE" asks for "lune".
  auto key = *alias;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) {
    return std::tolower(ch);
  });
  auto tenant = events::uuid::make_v7();
  domain::create_tenant cmd{*name, *brand,          *region,      *currency,
                            key,   c->who->user_id, c->who->email};
  // The domain's own rules first (pure: no actor, no append), so that a
  // refused business never holds its alias.
  if (auto checked = domain::tenant_entity::decide(
        domain::tenant_entity::state{}, domain::tenant_command{cmd},
        c->context(tenant));
      !checked) {
    c->fail(checked.error());
    return;
  }
  // The alias names one inbox across all tenants: reserve it before the
  // tenant exists. Only a failure between the two (the database or the
  // actor unavailable) leaves it reserved for an unused id.
  auto mine = std::make_shared<bool>(false);
  with_db(
    c,
    [mine, key, tenant](pqxx::connection& conn) {
      *mine = auth_store::reserve_key(conn, "inbound_alias", key, tenant);
    },
    [c, mine, cmd, tenant] {
      if (!*mine) {
        c->fail(409, "conflict",
                "this inbound address is taken; choose another");
        return;
      }
      send_command<tenant_entity>(
        c, c->self->state.services.tenants, domain::stream_id("tenant", tenant),
        cmd, tenant, [c, tenant](tenant_reply& r) {
          auto sid = c->who->session_id;
          auto body = std::make_shared<std::string>(tenant_json(c, r));
          with_db(
            c,
            [sid, tenant](pqxx::connection& conn) {
              auth_store::set_session_tenant(conn, sid, tenant);
            },
            [c, sid, tenant, body] {
              auto& cache = c->self->state.sessions;
              if (auto i = cache.find(sid.to_string()); i != cache.end())
                i->second.tenant_id = tenant;
              c->reply(json_response(std::move(*body), 201));
            });
        });
    });
}

void checklist(const call_ptr& c) {
  get_entity<tenant_entity>(c, c->self->state.services.tenants,
                            tenant_stream(c), tenant_of(c),
                            [c](tenant_reply& r) {
                              events::json_writer w;
                              w.begin_object();
                              write_steps(w, *r.state);
                              w.end_object();
                              c->reply(json_response(w.take()));
                            });
}

void checklist_step(const call_ptr& c) {
  tenant_command(
    c, domain::complete_onboarding_step{std::string{c->param("step")}});
}

void tenant_view(const call_ptr& c) {
  get_entity<tenant_entity>(c, c->self->state.services.tenants,
                            tenant_stream(c), tenant_of(c),
                            [c](tenant_reply& r) {
                              c->reply(json_response(tenant_json(c, r)));
                            });
}

void change_settings(const call_ptr& c) {
  if (!c->body_has_only({"price_alert_threshold_percent",
                         "rejected_retention_days", "export_accounts",
                         "sales_tax_percent"}))
    return;
  domain::change_tenant_settings cmd;
  auto decimal_member = [&](std::string_view name,
                            std::optional<values::decimal>& out) -> bool {
    auto text = optional_string(c->body, name);
    if (!take(c, text))
      return false;
    if (!*text)
      return true;
    auto d = values::decimal::parse(**text);
    if (!d) {
      c->fail(make_error(errc::invalid_argument,
                         "'" + std::string{name}
                           + "' must be a decimal number in a string"));
      return false;
    }
    out = *d;
    return true;
  };
  if (!decimal_member("price_alert_threshold_percent",
                      cmd.price_alert_threshold_percent)
      || !decimal_member("sales_tax_percent", cmd.sales_tax_percent))
    return;
  auto days = optional_int(c->body, "rejected_retention_days");
  if (!take(c, days))
    return;
  if (*days) {
    if (**days < 0 || **days > 100000) {
      c->fail(make_error(errc::invalid_argument,
                         "'rejected_retention_days' is out of range"));
      return;
    }
    cmd.rejected_retention_days = static_cast<int>(**days);
  }
  simdjson::dom::element accounts;
  if (c->body.at_key("export_accounts").get(accounts) == simdjson::SUCCESS) {
    simdjson::dom::object obj;
    if (accounts.get(obj) != simdjson::SUCCESS) {
      c->fail(make_error(errc::invalid_argument,
                         "'export_accounts' must be an object"));
      return;
    }
    std::map<std::string, domain::export_account> map;
    for (auto field : obj) {
      if (auto bad = check_members(field.value, {"name", "code"})) {
        c->fail(make_error(errc::invalid_argument, "export_accounts."
                                                     + std::string{field.key}
                                                     + ": " + bad->message));
        return;
      }
      auto name = string_member(field.value, "name");
      auto code = string_member(field.value, "code", false);
      if (!take(c, name) || !take(c, code))
        return;
      if (!map
             .try_emplace(std::string{field.key},
                          domain::export_account{*name, *code})
             .second) {
        c->fail(make_error(errc::invalid_argument, "export_accounts."
                                                     + std::string{field.key}
                                                     + " is given twice"));
        return;
      }
    }
    cmd.export_accounts = std::move(map);
  }
  tenant_command(c, std::move(cmd));
}

void members(const call_ptr& c) {
  get_entity<tenant_entity>(c, c->self->state.services.tenants,
                            tenant_stream(c), tenant_of(c),
                            [c](tenant_reply& r) {
                              events::json_writer w;
                              w.begin_object();
                              write_people(w, *r.state);
                              w.end_object();
                              c->reply(json_response(w.take()));
                            });
}

void invite(const call_ptr& c) {
  if (!c->body_has_only({"email", "role"}))
    return;
  auto email = string_member(c->body, "email");
  auto role = string_member(c->body, "role");
  if (!take(c, email) || !take(c, role))
    return;
  send_command<tenant_entity>(
    c, c->self->state.services.tenants, tenant_stream(c),
    domain::invite_member{*email, *role, c->who->user_id}, tenant_of(c),
    [c, raw = *email](tenant_reply& r) {
      auto body = std::make_shared<std::string>(tenant_json(c, r));
      auto email = values::normalize_email(raw);
      // The invitee signs in with a link like everyone else; mailing it
      // now saves them asking. A link over its limit is not an error here.
      send_magic_link(c, email ? *email : raw, [c, body](const std::string&) {
        c->reply(json_response(std::move(*body), 201));
      });
    });
}

void revoke_invitation(const call_ptr& c) {
  tenant_command(c, domain::revoke_invitation{std::string{c->param("email")}});
}

void change_role(const call_ptr& c) {
  if (!c->body_has_only({"role"}))
    return;
  auto id = parse_id(c->param("user_id"), "the user id");
  auto role = string_member(c->body, "role");
  if (!take(c, id) || !take(c, role))
    return;
  tenant_command(c, domain::change_member_role{*id, *role});
}

void remove_member(const call_ptr& c) {
  auto id = parse_id(c->param("user_id"), "the user id");
  if (!take(c, id))
    return;
  tenant_command(c, domain::remove_member{*id});
}

void whatsapp_list(const call_ptr& c) {
  get_entity<tenant_entity>(c, c->self->state.services.tenants,
                            tenant_stream(c), tenant_of(c),
                            [c](tenant_reply& r) {
                              events::json_writer w;
                              w.begin_object();
                              write_senders(w, *r.state);
                              w.end_object();
                              c->reply(json_response(w.take()));
                            });
}

void whatsapp_add(const call_ptr& c) {
  if (!c->body_has_only({"number", "label"}))
    return;
  auto number = string_member(c->body, "number");
  auto label = string_member(c->body, "label", false);
  if (!take(c, number) || !take(c, label))
    return;
  tenant_command(c, domain::add_whatsapp_sender{*number, *label}, 201);
}

void whatsapp_update(const call_ptr& c) {
  if (!c->body_has_only({"label", "enabled"}))
    return;
  auto label = optional_string(c->body, "label");
  auto enabled = optional_bool(c->body, "enabled");
  if (!take(c, label) || !take(c, enabled))
    return;
  tenant_command(c, domain::update_whatsapp_sender{
                      std::string{c->param("number")}, *label, *enabled});
}

void whatsapp_remove(const call_ptr& c) {
  tenant_command(
    c, domain::remove_whatsapp_sender{std::string{c->param("number")}});
}

void acknowledge_alert(const call_ptr& c) {
  auto id = parse_id(c->param("alert_id"), "the alert id");
  if (!take(c, id))
    return;
  // Only an alert the business has (as its list shows it): another
  // business's, or none at all, is not found, and adds nothing to the
  // business's state.
  auto found = std::make_shared<bool>(false);
  with_db(
    c,
    [found, tenant = *c->who->tenant_id, alert = *id](pqxx::connection& conn) {
      pqxx::read_transaction txn{conn};
      *found = projections::has_price_alert(txn, tenant, alert);
    },
    [c, found, alert = *id] {
      if (!*found) {
        c->fail(make_error(errc::not_found, "no such price alert"));
        return;
      }
      tenant_command(c,
                     domain::acknowledge_price_alert{alert, c->who->user_id});
    });
}

} // namespace handlers

} // namespace larder::http
