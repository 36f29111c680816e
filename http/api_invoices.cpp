#include "actors/values/values.hpp"
#include "http/api.hpp"
#include "http/url.hpp"

/// Commands on invoices: review, payment, corrections, bulk actions.
namespace larder::http {

namespace {

using domain::invoice_entity;

constexpr std::size_t max_bulk_ids = 100;

void write_invoice(events::json_writer& w, const invoice_reply& r) {
  const auto& s = *r.state;
  w.begin_object().field("id", s.invoice_id.to_string());
  w.field("status", domain::to_string(s.status)).field("paid", s.paid);
  w.key("paid_on");
  if (s.paid_on)
    w.value(s.paid_on->to_string());
  else
    w.null();
  w.field("version", r.version).field("position", r.last_position);
  w.end_object();
}

std::string invoice_json(const invoice_reply& r) {
  events::json_writer w;
  write_invoice(w, r);
  return w.take();
}

/// The invoice id of the path, or an answered error.
std::optional<events::uuid> path_id(const call_ptr& c) {
  auto id = parse_id(c->param("id"), "the invoice id");
  if (!id) {
    c->fail(id.error());
    return std::nullopt;
  }
  return *id;
}

void invoice_command(const call_ptr& c, domain::invoice_command cmd) {
  auto id = path_id(c);
  if (!id)
    return;
  send_command<invoice_entity>(
    c, c->self->state.services.invoices, domain::stream_id("invoice", *id),
    std::move(cmd), *c->who->tenant_id, [c](invoice_reply& r) {
      if (!r.state->exists) {
        c->fail(404, "not_found", "no such invoice");
        return;
      }
      c->reply(json_response(invoice_json(r)));
    });
}

/// `reason` from an optional body.
expected<std::string> reason_of(const call_ptr& c, bool required) {
  if (c->body_parser == nullptr)
    return required ? expected<std::string>{make_error(errc::invalid_argument,
                                                       "'reason' is required")}
                    : expected<std::string>{std::string{}};
  return string_member(c->body, "reason", required);
}

expected<domain::mark_paid> paid_command(const simdjson::dom::element& body) {
  auto on = string_member(body, "paid_on");
  if (!on)
    return on.error();
  auto date = values::date::parse(*on);
  if (!date)
    return make_error(errc::invalid_argument,
                      "'paid_on' must be a date (YYYY-MM-DD)");
  domain::mark_paid cmd;
  cmd.paid_on = *date;
  auto method = string_member(body, "method", false);
  if (!method)
    return method.error();
  if (!method->empty()) {
    auto m = domain::parse_payment_method(*method);
    if (!m)
      return make_error(errc::invalid_argument,
                        "'method' is not a known payment method");
    cmd.method = *m;
  }
  auto reference = string_member(body, "reference", false);
  if (!reference)
    return reference.error();
  cmd.reference = *reference;
  return cmd;
}

/// The body's "ids": 1 to `max_bulk_ids` invoice UUIDs; answers the error
/// and returns nothing otherwise.
std::optional<std::vector<events::uuid>> read_ids(const call_ptr& c) {
  simdjson::dom::array ids;
  if (c->body.at_key("ids").get(ids) != simdjson::SUCCESS || ids.size() == 0
      || ids.size() > max_bulk_ids) {
    c->fail(make_error(errc::invalid_argument,
                       "'ids' must be an array of 1 to 100 invoice ids"));
    return std::nullopt;
  }
  std::vector<events::uuid> parsed;
  for (auto v : ids) {
    std::string_view text;
    auto id = v.get(text) == simdjson::SUCCESS ? events::uuid::parse(text)
                                               : std::nullopt;
    if (!id) {
      c->fail(
        make_error(errc::invalid_argument, "every id in 'ids' must be a UUID"));
      return std::nullopt;
    }
    parsed.push_back(*id);
  }
  return parsed;
}

} // namespace

namespace handlers {

void invoice_state(const call_ptr& c) {
  auto id = path_id(c);
  if (!id)
    return;
  get_entity<invoice_entity>(c, c->self->state.services.invoices,
                             domain::stream_id("invoice", *id),
                             *c->who->tenant_id, [c](invoice_reply& r) {
                               if (!r.state->exists) {
                                 c->fail(404, "not_found", "no such invoice");
                                 return;
                               }
                               c->reply(json_response(invoice_json(r)));
                             });
}

void approve(const call_ptr& c) {
  invoice_command(c, domain::approve{});
}

void reject(const call_ptr& c) {
  if (!c->body_has_only({"reason"}))
    return;
  auto reason = reason_of(c, true);
  if (!reason) {
    c->fail(reason.error());
    return;
  }
  invoice_command(c, domain::reject{*reason});
}

void mark_paid(const call_ptr& c) {
  if (!c->body_has_only({"paid_on", "method", "reference"}))
    return;
  auto cmd = paid_command(c->body);
  if (!cmd) {
    c->fail(cmd.error());
    return;
  }
  invoice_command(c, *cmd);
}

void mark_unpaid(const call_ptr& c) {
  invoice_command(c, domain::mark_unpaid{});
}

void correct_fields(const call_ptr& c) {
  if (!c->body_has_only({"fields"}))
    return;
  simdjson::dom::object fields;
  if (c->body.at_key("fields").get(fields) != simdjson::SUCCESS) {
    c->fail(make_error(errc::invalid_argument,
                       "'fields' must be an object of field names to new "
                       "values"));
    return;
  }
  domain::correct_fields cmd;
  for (auto field : fields) {
    std::string_view value;
    if (field.value.is_null()) {
      value = "";
    } else if (field.value.get(value) != simdjson::SUCCESS) {
      c->fail(
        make_error(errc::invalid_argument, "fields." + std::string{field.key}
                                             + " must be a string or null"));
      return;
    }
    cmd.corrections.push_back({std::string{field.key}, std::string{value}});
  }
  invoice_command(c, std::move(cmd));
}

void replace_lines(const call_ptr& c) {
  if (!c->body_has_only({"lines"}))
    return;
  simdjson::dom::element array;
  if (c->body.at_key("lines").get(array) != simdjson::SUCCESS) {
    c->fail(make_error(errc::invalid_argument, "'lines' is required"));
    return;
  }
  auto lines = values::decode_lines(array);
  if (!lines) {
    c->fail(lines.error());
    return;
  }
  invoice_command(c, domain::replace_lines{std::move(*lines)});
}

void reprocess(const call_ptr& c) {
  if (!c->body_has_only({"reason"}))
    return;
  auto reason = reason_of(c, false);
  if (!reason) {
    c->fail(reason.error());
    return;
  }
  invoice_command(c, domain::request_reprocess{*reason});
}

void delete_invoice(const call_ptr& c) {
  // DELETE carries no body; a reason may come as ?reason=…
  std::string reason;
  auto query = parse_query(c->req.query);
  if (!query) {
    c->fail(make_error(errc::invalid_argument, "the query is not valid"));
    return;
  }
  for (auto& [k, v] : *query)
    if (k == "reason")
      reason = v;
  invoice_command(c, domain::delete_invoice{reason});
}

void bulk(const call_ptr& c) {
  if (!c->body_has_only(
        {"action", "ids", "reason", "paid_on", "method", "reference"}))
    return;
  auto action = string_member(c->body, "action");
  if (!action) {
    c->fail(action.error());
    return;
  }
  domain::invoice_command cmd;
  if (*action == "approve") {
    cmd = domain::approve{};
  } else if (*action == "reject") {
    auto reason = string_member(c->body, "reason");
    if (!reason) {
      c->fail(reason.error());
      return;
    }
    cmd = domain::reject{*reason};
  } else if (*action == "mark_paid") {
    auto paid = paid_command(c->body);
    if (!paid) {
      c->fail(paid.error());
      return;
    }
    cmd = *paid;
  } else {
    c->fail(make_error(errc::invalid_argument,
                       "'action' must be approve, reject or mark_paid"));
    return;
  }
  auto ids = read_ids(c);
  if (!ids)
    return;
  const auto& parsed = *ids;
  // Each invoice is its own command with its own answer; one failure does
  // not stop the others.
  struct result {
    std::string id;
    std::optional<invoice_reply> ok;
    larder::error err;
  };
  auto results = std::make_shared<std::vector<result>>(parsed.size());
  auto remaining = std::make_shared<std::size_t>(parsed.size());
  auto finish = [c, results] {
    events::json_writer w;
    w.begin_object().key("results").begin_array();
    std::size_t ok = 0;
    for (const auto& r : *results) {
      if (r.ok) {
        ++ok;
        w.begin_object().field("id", r.id).field("ok", true);
        w.field("status", domain::to_string(r.ok->state->status));
        w.field("position", r.ok->last_position).end_object();
      } else {
        w.begin_object().field("id", r.id).field("ok", false);
        w.key("error").begin_object();
        w.field("code", to_string(r.err.code));
        w.field("message", r.err.message).end_object().end_object();
      }
    }
    w.end_array().field("succeeded", static_cast<std::int64_t>(ok));
    w.field("failed", static_cast<std::int64_t>(results->size() - ok));
    w.end_object();
    c->reply(json_response(w.take()));
  };
  // With an Idempotency-Key, each invoice's command has a key of its own,
  // the key and the invoice's id, and asks what the request asks of every
  // invoice (all but `ids`): a retry with the ids in another order, or
  // with only those that failed, answers each as the first time.
  std::string asked;
  for (const char* name :
       {"action", "reason", "paid_on", "method", "reference"}) {
    simdjson::dom::element value;
    if (!c->body[name].get(value))
      asked += std::string{name} + "=" + simdjson::minify(value) + "\n";
  }
  auto asked_hash =
    request_digest({c->req.method, " ", c->req.path, "\n", asked});
  auto& st = c->self->state;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    (*results)[i].id = parsed[i].to_string();
    auto ctx = c->context(*c->who->tenant_id);
    if (!ctx.meta.idempotency_key.empty()) {
      ctx.meta.idempotency_key += ":" + (*results)[i].id;
      ctx.meta.request_hash = asked_hash;
    }
    c->self
      ->request(st.services.invoices, caf::infinite, command_atom_v,
                domain::stream_id("invoice", parsed[i]), cmd, std::move(ctx))
      .then(
        [results, remaining, finish, i](invoice_reply& r) {
          if (r.state->exists)
            (*results)[i].ok = std::move(r);
          else
            (*results)[i].err = {errc::not_found, "no such invoice"};
          if (--*remaining == 0)
            finish();
        },
        [results, remaining, finish, i](const caf::error& e) {
          (*results)[i].err = from_caf_error(e);
          if (--*remaining == 0)
            finish();
        });
  }
}

void poll_status(const call_ptr& c) {
  if (!c->body_has_only({"ids"}))
    return;
  auto ids = read_ids(c);
  if (!ids)
    return;
  const auto& parsed = *ids;
  auto found =
    std::make_shared<std::vector<std::optional<invoice_reply>>>(parsed.size());
  auto remaining = std::make_shared<std::size_t>(parsed.size());
  auto finish = [c, found] {
    events::json_writer w;
    w.begin_object().key("invoices").begin_array();
    for (const auto& r : *found)
      if (r && r->state->exists)
        write_invoice(w, *r);
    w.end_array().end_object();
    c->reply(json_response(w.take()));
  };
  auto& st = c->self->state;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    domain::command_context ctx;
    ctx.tenant_id = *c->who->tenant_id;
    c->self
      ->request(st.services.invoices, caf::infinite, caf::get_atom_v,
                domain::stream_id("invoice", parsed[i]), std::move(ctx))
      .then(
        [found, remaining, finish, i](invoice_reply& r) {
          (*found)[i] = std::move(r);
          if (--*remaining == 0)
            finish();
        },
        // Another tenant's invoice is simply not in the answer.
        [remaining, finish](const caf::error&) {
          if (--*remaining == 0)
            finish();
        });
  }
}

} // namespace handlers

} // namespace larder::http
