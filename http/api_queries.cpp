#include <algorithm>
#include <charconv>
#include <thread>

#include <pqxx/pqxx>

#include "actors/registries.hpp"
#include "http/api.hpp"
#include "http/url.hpp"
#include "projections/audit.hpp"
#include "projections/exports/exports.hpp"
#include "projections/invoices.hpp"
#include "projections/suppliers.hpp"

/// Queries over the read models and the log: the shared plumbing
/// (parameters, read-your-writes, read-only transactions) and the invoice
/// history.
namespace larder::http {

namespace {

/// Whether the event at $1 has been applied by read model $2 (or there is
/// no such event, so nothing to wait for).
constexpr auto reached_sql =
  "SELECT NOT EXISTS (SELECT 1 FROM es.events WHERE global_position = $1)"
  "    OR EXISTS (SELECT 1 FROM es.events e JOIN es.checkpoints c"
  "                 ON c.name = $2"
  "               WHERE e.global_position = $1"
  "                 AND (e.transaction_id, e.global_position)"
  "                     <= (c.last_xid, c.last_position))";

const events::catalog& domain_catalog() {
  static const auto catalog = make_domain_catalog();
  return *catalog;
}

} // namespace

std::optional<query_params> read_query_params(const call_ptr& c) {
  auto parsed = parse_query(c->req.query);
  if (!parsed) {
    c->fail(400, "invalid_argument", "the query string is not valid");
    return std::nullopt;
  }
  query_params out;
  for (auto& [name, value] : *parsed) {
    if (name != "after") {
      out.rest.emplace_back(std::move(name), std::move(value));
      continue;
    }
    auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), out.after);
    if (ec != std::errc{} || end != value.data() + value.size()
        || out.after < 0) {
      c->fail(400, "invalid_argument",
              "'after' must be a position from a command's answer");
      return std::nullopt;
    }
  }
  return out;
}

bool wait_for_read_model(pqxx::connection& conn, const std::string& model,
                         std::int64_t after) {
  auto deadline = std::chrono::steady_clock::now() + read_your_writes_wait;
  for (;;) {
    {
      pqxx::read_transaction txn{conn};
      if (txn.exec_params1(reached_sql, after, model)[0].as<bool>())
        return true;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void run_query(const call_ptr& c, std::string model, std::int64_t after,
               query_fn query) {
  struct outcome {
    std::optional<std::string> json;
    bool stale = false;
  };
  auto out = std::make_shared<outcome>();
  with_db(
    c,
    [out, model = std::move(model), after,
     query = std::move(query)](pqxx::connection& conn) {
      if (!model.empty() && after > 0)
        out->stale = !wait_for_read_model(conn, model, after);
      pqxx::read_transaction txn{conn};
      out->json = query(txn);
    },
    [c, out] {
      if (!out->json) {
        c->fail(404, "not_found", "no such resource in this business");
        return;
      }
      auto res = json_response(std::move(*out->json));
      res.set("Cache-Control", "no-store");
      if (out->stale)
        res.set("X-Larder-Stale", "true");
      c->reply(std::move(res));
    });
}

/// A query of the suppliers model: parses the parameters with `parse`,
/// then answers `query(txn, tenant, parsed)` written as JSON (nothing →
/// 404).
template <class Parse, class Query>
void suppliers_query(const call_ptr& c, Parse parse, Query query) {
  auto params = read_query_params(c);
  if (!params)
    return;
  auto parsed = parse(params->rest);
  if (!parsed) {
    c->fail(parsed.error());
    return;
  }
  auto tenant = *c->who->tenant_id;
  run_query(c, "suppliers", params->after,
            [tenant, q = std::move(*parsed),
             query](pqxx::transaction_base& txn) -> std::optional<std::string> {
              auto found = query(txn, tenant, q);
              if (!found)
                return std::nullopt;
              events::json_writer w;
              projections::write_json(w, *found);
              return w.take();
            });
}

struct no_params {};

/// For queries that take no parameters but `after`.
expected<no_params>
parse_no_params_query(const projections::query_pairs& params) {
  if (auto refused = projections::parse_no_params(params))
    return *refused;
  return no_params{};
}

/// The path's `{id}` as a uuid, or the 400 answered.
std::optional<events::uuid> path_id(const call_ptr& c, std::string_view what) {
  auto id = parse_id(c->param("id"), what);
  if (!id) {
    c->fail(id.error());
    return std::nullopt;
  }
  return *id;
}

namespace handlers {

namespace {

/// The exports that included the invoice, as entries of its history (the
/// record lives in the exports' own streams, read through their model).
void add_exports(pqxx::transaction_base& txn, const events::uuid& tenant,
                 const events::uuid& invoice,
                 std::vector<projections::audit_entry>& history) {
  namespace ex = projections::exports;
  for (const auto& e : ex::exports_of_invoice(txn, tenant, invoice)) {
    projections::audit_entry entry;
    entry.at = e.exported_at;
    entry.type = std::string{ex::invoices_exported_type};
    entry.actor_kind = e.exported_by.empty() ? "system" : "user";
    entry.actor_email = e.exported_by;
    entry.source = "web";
    entry.summary = "Exported (" + e.format + ") in " + e.file_name + " with "
                    + std::to_string(e.invoices)
                    + (e.invoices == 1 ? " invoice" : " invoices");
    history.push_back(std::move(entry));
  }
  std::stable_sort(history.begin(), history.end(),
                   [](const auto& a, const auto& b) {
                     return a.at < b.at;
                   });
}

} // namespace

void invoice_history(const call_ptr& c) {
  auto id = parse_id(c->param("id"), "invoice id");
  if (!id) {
    c->fail(id.error());
    return;
  }
  auto params = read_query_params(c);
  if (!params)
    return;
  if (!params->rest.empty()) {
    c->fail(400, "invalid_argument",
            "unknown parameter '" + params->rest.front().first + "'");
    return;
  }
  auto tenant = *c->who->tenant_id;
  run_query(c, "", 0,
            [tenant, id = *id](
              pqxx::transaction_base& txn) -> std::optional<std::string> {
              auto history =
                projections::invoice_history(txn, domain_catalog(), tenant, id);
              if (!history)
                return std::nullopt;
              add_exports(txn, tenant, id, *history);
              events::json_writer w;
              projections::write_json(w, *history);
              return w.take();
            });
}

void invoice_list(const call_ptr& c) {
  auto params = read_query_params(c);
  if (!params)
    return;
  auto q = projections::parse_invoice_list_query(params->rest);
  if (!q) {
    c->fail(q.error());
    return;
  }
  auto tenant = *c->who->tenant_id;
  run_query(c, "invoices", params->after,
            [tenant, q = *q](pqxx::transaction_base& txn) {
              return std::optional<std::string>{
                projections::invoice_list_json(txn, tenant, q)};
            });
}

void invoice_detail(const call_ptr& c) {
  auto id = parse_id(c->param("id"), "invoice id");
  if (!id) {
    c->fail(id.error());
    return;
  }
  auto params = read_query_params(c);
  if (!params)
    return;
  if (!params->rest.empty()) {
    c->fail(400, "invalid_argument",
            "unknown parameter '" + params->rest.front().first + "'");
    return;
  }
  auto tenant = *c->who->tenant_id;
  run_query(c, "invoices", params->after,
            [tenant, id = *id](pqxx::transaction_base& txn) {
              return projections::invoice_detail_json(txn, tenant, id);
            });
}

void overview(const call_ptr& c) {
  auto params = read_query_params(c);
  if (!params)
    return;
  // Today in UTC unless the client says which day it is where it is.
  auto today = values::date::parse(events::now_timestamp().substr(0, 10));
  for (const auto& [name, value] : params->rest) {
    if (name != "today") {
      c->fail(400, "invalid_argument",
              "unknown parameter '" + name + "'; only 'today' and 'after'");
      return;
    }
    today = values::date::parse(value);
    if (!today) {
      c->fail(400, "invalid_argument", "'today' must be a date (YYYY-MM-DD)");
      return;
    }
  }
  auto tenant = *c->who->tenant_id;
  run_query(c, "invoices", params->after,
            [tenant, today = *today](pqxx::transaction_base& txn) {
              return std::optional<std::string>{
                projections::overview_json(txn, tenant, today)};
            });
}

void supplier_list(const call_ptr& c) {
  suppliers_query(c, projections::parse_supplier_list_query,
                  [](auto& txn, const auto& tenant, const auto& q) {
                    return std::optional{
                      projections::list_suppliers(txn, tenant, q)};
                  });
}

void supplier_detail(const call_ptr& c) {
  auto id = path_id(c, "supplier id");
  if (!id)
    return;
  suppliers_query(c, parse_no_params_query,
                  [id = *id](auto& txn, const auto& tenant, const auto&) {
                    return projections::find_supplier(txn, tenant, id);
                  });
}

void supplier_invoices(const call_ptr& c) {
  auto id = path_id(c, "supplier id");
  if (!id)
    return;
  suppliers_query(c, projections::parse_page_query,
                  [id = *id](auto& txn, const auto& tenant, const auto& q) {
                    return projections::supplier_invoices(txn, tenant, id, q);
                  });
}

void supplier_items(const call_ptr& c) {
  auto id = path_id(c, "supplier id");
  if (!id)
    return;
  suppliers_query(c, projections::parse_item_list_query,
                  [id = *id](auto& txn, const auto& tenant, const auto& q) {
                    return projections::supplier_items(txn, tenant, id, q);
                  });
}

void item_prices(const call_ptr& c) {
  auto id = path_id(c, "item id");
  if (!id)
    return;
  suppliers_query(c, projections::parse_price_history_query,
                  [id = *id](auto& txn, const auto& tenant, const auto& q) {
                    return projections::item_price_history(txn, tenant, id, q);
                  });
}

void alert_list(const call_ptr& c) {
  suppliers_query(c, projections::parse_alert_list_query,
                  [](auto& txn, const auto& tenant, const auto& q) {
                    return std::optional{
                      projections::list_price_alerts(txn, tenant, q)};
                  });
}

void alert_count(const call_ptr& c) {
  suppliers_query(c, parse_no_params_query,
                  [](auto& txn, const auto& tenant, const auto&) {
                    return std::optional{
                      projections::count_unacknowledged_alerts(txn, tenant)};
                  });
}

} // namespace handlers

} // namespace larder::http
