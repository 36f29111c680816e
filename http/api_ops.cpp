#include <pqxx/pqxx>

#include "http/api.hpp"
#include "http/server.hpp"

/// /health, /ready and /metrics.
namespace larder::http {

namespace {

void counter(std::string& out, std::string_view name, std::string_view help,
             std::uint64_t value, std::string_view type = "counter") {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

/// Route patterns hold only letters, digits, '/', '{', '}', '_', '-' and a
/// space: nothing to escape in a label value.
void route_metrics_text(std::string& out, const edge_state& st) {
  out += "# HELP larder_http_requests_total HTTP requests answered, by route "
         "and status.\n# TYPE larder_http_requests_total counter\n";
  for (const auto& [route, m] : st.metrics)
    for (const auto& [status, n] : m.by_status)
      out += "larder_http_requests_total{route=\"" + route + "\",status=\""
             + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP larder_http_request_duration_seconds Time from the request's "
         "last byte to its answer.\n"
         "# TYPE larder_http_request_duration_seconds histogram\n";
  for (const auto& [route, m] : st.metrics) {
    auto prefix = "larder_http_request_duration_seconds_bucket{route=\"" + route
                  + "\",le=\"";
    for (std::size_t i = 0; i < m.latency_buckets.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", latency_bounds_ms[i] / 1000);
      out += prefix + le + "\"} " + std::to_string(m.latency_buckets[i]) + "\n";
    }
    out += prefix + "+Inf\"} " + std::to_string(m.count) + "\n";
    out += "larder_http_request_duration_seconds_sum{route=\"" + route + "\"} "
           + std::to_string(m.latency_sum_seconds) + "\n";
    out += "larder_http_request_duration_seconds_count{route=\"" + route
           + "\"} " + std::to_string(m.count) + "\n";
  }
}

} // namespace

namespace handlers {

void health(const call_ptr& c) {
  response res = json_response(R"({"status":"ok"})");
  res.set("Cache-Control", "no-store");
  c->reply(std::move(res));
}

void ready(const call_ptr& c) {
  auto& st = c->self->state;
  c->self
    ->request(st.services.db, std::chrono::seconds(2),
              db_job{[](pqxx::connection& conn) {
                pqxx::read_transaction txn{conn};
                txn.exec("SELECT 1");
              }})
    .then(
      [c](caf::ok_atom) {
        auto res = json_response(R"({"status":"ready","database":"ok"})");
        res.set("Cache-Control", "no-store");
        c->reply(std::move(res));
      },
      [c](const caf::error&) {
        auto res =
          error_response(503, "unavailable", "the database cannot be reached");
        res.set("Cache-Control", "no-store");
        c->reply(std::move(res));
      });
}

void metrics(const call_ptr& c) {
  auto& st = c->self->state;
  auto out = std::make_shared<std::string>();
  route_metrics_text(*out, st);
  if (auto w = st.services.writer_stats) {
    counter(*out, "larder_store_appends_total", "Appends committed.",
            w->appends.load());
    counter(*out, "larder_store_events_total", "Events committed.",
            w->events.load());
    counter(*out, "larder_store_batches_total", "Group commits.",
            w->batches.load());
    counter(*out, "larder_store_conflicts_total",
            "Appends refused for a stale stream version.", w->conflicts.load());
    counter(*out, "larder_store_failures_total",
            "Appends failed for an unavailable database.", w->failures.load());
  }
  // Live entity actors per registry, then the broker's counters.
  struct source {
    const char* name;
    caf::actor actor;
  };
  auto sources = std::make_shared<std::vector<source>>(
    std::vector<source>{{"tenant", st.services.tenants},
                        {"user", st.services.users},
                        {"invoice", st.services.invoices}});
  auto remaining = std::make_shared<std::size_t>(sources->size() + 1);
  auto finish = [c, out] {
    response res;
    res.body = std::move(*out);
    res.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    res.set("Cache-Control", "no-store");
    c->reply(std::move(res));
  };
  *out += "# HELP larder_entity_actors Entity actors alive, by type.\n"
          "# TYPE larder_entity_actors gauge\n";
  for (const auto& s : *sources) {
    c->self->request(s.actor, std::chrono::seconds(2), caf::get_atom_v)
      .then(
        [out, remaining, finish, name = s.name](std::uint64_t alive,
                                                std::uint64_t) {
          *out += "larder_entity_actors{type=\"" + std::string{name} + "\"} "
                  + std::to_string(alive) + "\n";
          if (--*remaining == 0)
            finish();
        },
        [remaining, finish](const caf::error&) {
          if (--*remaining == 0)
            finish();
        });
  }
  if (!st.broker) {
    if (--*remaining == 0)
      finish();
    return;
  }
  c->self->request(st.broker, std::chrono::seconds(2), caf::get_atom_v)
    .then(
      [out, remaining, finish](const server_stats& s) {
        counter(*out, "larder_http_connections_open", "Open connections.",
                s.connections_open, "gauge");
        counter(*out, "larder_http_connections_total", "Connections accepted.",
                s.connections_total);
        counter(*out, "larder_http_connections_refused_total",
                "Connections refused over the limit.", s.connections_refused);
        counter(*out, "larder_http_parse_errors_total",
                "Requests that were not valid HTTP.", s.parse_errors);
        counter(*out, "larder_http_timeouts_total",
                "Requests cut off for slowness or answered 504.", s.timeouts);
        if (--*remaining == 0)
          finish();
      },
      [remaining, finish](const caf::error&) {
        if (--*remaining == 0)
          finish();
      });
}

} // namespace handlers

} // namespace larder::http
