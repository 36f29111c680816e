#include <algorithm>
#include <functional>

#include <pqxx/pqxx>

#include "actors/extraction_manager.hpp"
#include "http/api.hpp"
#include "http/live_feed.hpp"
#include "http/server.hpp"

/// /health, /ready and /metrics.
namespace larder::http {

namespace {

/// The HELP and TYPE lines that open a metric family.
void family_header(std::string& out, std::string_view name,
                   std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void counter(std::string& out, std::string_view name, std::string_view help,
             std::uint64_t value, std::string_view type = "counter") {
  family_header(out, name, help, type);
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

/// Requests by route and their latency. `health_answered` counts the
/// probes the broker answered itself (in well under a millisecond) as
/// `GET /health` answers, so the route reads as one. Route patterns hold
/// only letters, digits, '/', '{', '}', '_', '-' and a space: nothing to
/// escape in a label value.
void route_metrics_text(std::string& out, const edge_state& st,
                        std::uint64_t health_answered) {
  const auto* all = &st.metrics;
  auto merged = decltype(st.metrics){};
  if (health_answered > 0) {
    merged = st.metrics;
    auto& m = merged["GET /health"];
    m.by_status[200] += health_answered;
    m.latency_buckets.resize(std::size(latency_bounds_ms));
    for (auto& at_most : m.latency_buckets)
      at_most += health_answered;
    m.count += health_answered;
    all = &merged;
  }
  out += "# HELP larder_http_requests_total HTTP requests answered, by route "
         "and status.\n# TYPE larder_http_requests_total counter\n";
  for (const auto& [route, m] : *all)
    for (const auto& [status, n] : m.by_status)
      out += "larder_http_requests_total{route=\"" + route + "\",status=\""
             + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP larder_http_request_duration_seconds Time from the request's "
         "last byte to its answer.\n"
         "# TYPE larder_http_request_duration_seconds histogram\n";
  for (const auto& [route, m] : *all) {
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

/// Asks every projection actor for its status, then calls `done` with the
/// answers and how many did not answer in time.
void collect_projections(
  const call_ptr& c,
  std::function<void(std::vector<projection_status>, std::size_t)> done) {
  const auto& actors = c->self->state.services.projections;
  struct gathered {
    std::vector<projection_status> statuses;
    std::size_t silent = 0;
    std::size_t remaining = 0;
  };
  auto g = std::make_shared<gathered>();
  g->remaining = actors.size();
  if (actors.empty()) {
    done({}, 0);
    return;
  }
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  auto one_more = [g, shared_done] {
    if (--g->remaining == 0)
      (*shared_done)(std::move(g->statuses), g->silent);
  };
  for (const auto& p : actors)
    c->self->request(p, std::chrono::seconds(2), caf::get_atom_v)
      .then(
        [g, one_more](const projection_status& s) {
          g->statuses.push_back(s);
          one_more();
        },
        [g, one_more](const caf::error&) {
          ++g->silent;
          one_more();
        });
}

void projection_metrics_text(std::string& out,
                             const std::vector<projection_status>& all) {
  auto family = [&](std::string_view name, std::string_view help,
                    std::string_view type, auto value_of) {
    family_header(out, name, help, type);
    for (const auto& s : all) {
      out += name;
      // Model names are our own identifiers: nothing to escape.
      out += "{projection=\"" + s.name + "\"} ";
      out += std::to_string(value_of(s));
      out += '\n';
    }
  };
  family("larder_projection_position",
         "Global position of the last event the projection consumed.", "gauge",
         [](const projection_status& s) {
           return s.last_position;
         });
  family("larder_projection_lag_events",
         "Events in the log the projection has not consumed yet (capped).",
         "gauge", [](const projection_status& s) {
           return s.backlog;
         });
  family("larder_projection_caught_up",
         "1 when the projection's last batch found nothing left.", "gauge",
         [](const projection_status& s) {
           return s.caught_up ? 1 : 0;
         });
  family("larder_projection_events_total",
         "Events consumed (applied or skipped) since start.", "counter",
         [](const projection_status& s) {
           return s.consumed;
         });
  family("larder_projection_batches_read_alone_total",
         "Batches the projection read from the log by itself (catching up) "
         "rather than took from the shared read.",
         "counter", [](const projection_status& s) {
           return s.read_alone;
         });
  family("larder_projection_failures_total",
         "Batches that failed and were retried since start.", "counter",
         [](const projection_status& s) {
           return s.failures;
         });
  family("larder_projection_failing",
         "1 while the projection's last batch failed.", "gauge",
         [](const projection_status& s) {
           return s.last_error.empty() ? 0 : 1;
         });
}

} // namespace

namespace handlers {

void health(const call_ptr& c) {
  c->reply(health_response());
}

void client_config(const call_ptr& c) {
  const auto& o = c->self->state.options;
  events::json_writer w;
  w.begin_object()
    .field("environment", o.production ? "production" : "development")
    .field("mail_domain", o.mail_domain);
  if (o.dev_outbox.empty())
    w.key("dev_outbox").null();
  else
    w.field("dev_outbox", o.dev_outbox);
  w.end_object();
  response res = json_response(w.take());
  res.set("Cache-Control", "no-store");
  c->reply(std::move(res));
}

void ready(const call_ptr& c) {
  auto& st = c->self->state;
  auto no_store = [](response res) {
    res.set("Cache-Control", "no-store");
    return res;
  };
  // Ready means: the database answers, and every read model has caught up
  // with the log and is not failing, so what the app shows is current.
  auto check_projections = [c, no_store] {
    collect_projections(c, [c, no_store](std::vector<projection_status> all,
                                         std::size_t silent) {
      events::json_writer w;
      w.begin_object().key("projections").begin_object();
      std::string behind;
      for (const auto& s : all) {
        bool ok = s.caught_up && s.last_error.empty();
        w.key(s.name)
          .begin_object()
          .field("caught_up", ok)
          .field("position", s.last_position)
          .field("lag_events", s.backlog)
          .field("failing", !s.last_error.empty())
          .end_object();
        if (!ok)
          behind += (behind.empty() ? "" : ", ") + s.name;
      }
      w.end_object();
      if (silent > 0 || !behind.empty()) {
        auto why = !behind.empty() ? "projections not caught up: " + behind
                                   : std::string{"a projection did not answer"};
        c->reply(no_store(error_response(503, "unavailable", why)));
        return;
      }
      w.field("status", "ready").field("database", "ok").end_object();
      c->reply(no_store(json_response(w.take())));
    });
  };
  c->self
    ->request(st.services.db, std::chrono::seconds(2),
              db_job{[](pqxx::connection& conn) {
                pqxx::read_transaction txn{conn};
                txn.exec("SELECT 1");
              }})
    .then(
      [check_projections](caf::ok_atom) {
        check_projections();
      },
      [c, no_store](const caf::error&) {
        c->reply(no_store(error_response(503, "unavailable",
                                         "the database cannot be reached")));
      });
}

void event_stream(const call_ptr& c) {
  auto feed = c->self->state.services.feed;
  if (!feed) {
    c->fail(make_error(errc::unavailable, "live updates are not available"));
    return;
  }
  stream_subscriber who;
  who.tenant = *c->who->tenant_id;
  who.user = c->who->user_id;
  who.cookie = std::string{c->req.header("cookie")};
  who.remote_addr = c->req.remote_addr;
  // Weak: the edge holds the feed, and a cycle would outlive shutdown.
  who.edge = caf::actor_cast<caf::actor_addr>(c->self);
  c->self
    ->request(feed, std::chrono::seconds(5), caf::subscribe_atom_v,
              std::move(who))
    .then(
      [c, feed](std::uint64_t token) {
        response res;
        res.set("Content-Type", "text/event-stream; charset=utf-8");
        res.set("Cache-Control", "no-store");
        res.body = stream_preamble;
        res.stream_owner = feed;
        res.stream_token = token;
        c->reply(std::move(res));
      },
      [c](const caf::error& e) {
        c->fail(from_caf_error(e));
      });
}

void metrics(const call_ptr& c) {
  auto& st = c->self->state;
  auto out = std::make_shared<std::string>();
  if (auto w = st.services.writer_stats) {
    counter(*out, "larder_store_appends_total", "Appends committed.",
            w->appends.load());
    counter(*out, "larder_store_events_total", "Events committed.",
            w->events.load());
    counter(*out, "larder_store_batches_total", "Group commits.",
            w->batches.load());
    family_header(*out, "larder_store_commit_seconds_total",
                  "Time the committers spent in their transactions.",
                  "counter");
    *out += "larder_store_commit_seconds_total ";
    *out += std::to_string(static_cast<double>(w->commit_micros.load()) / 1e6);
    *out += '\n';
    counter(*out, "larder_store_conflicts_total",
            "Appends refused for a stale stream version.", w->conflicts.load());
    counter(*out, "larder_store_failures_total",
            "Appends failed for an unavailable database.", w->failures.load());
  }
  // The rest comes from other actors, answering in any order: each part
  // has its own buffer so every metric family stays in one piece.
  struct parts {
    std::string entities;
    std::string broker;
    std::string projections;
    std::string extraction;
    std::uint64_t health_answered = 0;
    std::size_t remaining = 0;
  };
  auto p = std::make_shared<parts>();
  struct source {
    const char* name;
    caf::actor actor;
  };
  const std::vector<source> sources{{"tenant", st.services.tenants},
                                    {"user", st.services.users},
                                    {"invoice", st.services.invoices}};
  p->remaining = sources.size() + 3;
  auto one_more = [c, out, p] {
    if (--p->remaining > 0)
      return;
    // Route metrics last of all: the broker's answer adds its probes.
    std::string routes;
    route_metrics_text(routes, c->self->state, p->health_answered);
    out->insert(0, routes);
    *out += "# HELP larder_entity_actors Entity actors alive, by type.\n"
            "# TYPE larder_entity_actors gauge\n";
    *out += p->entities;
    *out += p->broker;
    *out += p->projections;
    *out += p->extraction;
    response res;
    res.body = std::move(*out);
    res.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    res.set("Cache-Control", "no-store");
    c->reply(std::move(res));
  };
  collect_projections(
    c, [p, one_more](std::vector<projection_status> all, std::size_t) {
      std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return a.name < b.name;
      });
      projection_metrics_text(p->projections, all);
      one_more();
    });
  for (const auto& s : sources)
    c->self->request(s.actor, std::chrono::seconds(2), caf::get_atom_v)
      .then(
        [p, one_more, name = s.name](std::uint64_t alive, std::uint64_t) {
          p->entities += "larder_entity_actors{type=\"" + std::string{name}
                         + "\"} " + std::to_string(alive) + "\n";
          one_more();
        },
        [one_more](const caf::error&) {
          one_more();
        });
  if (st.services.extraction) {
    c->self
      ->request(st.services.extraction, std::chrono::seconds(2),
                caf::get_atom_v)
      .then(
        [p, one_more](const extraction_stats& x) {
          auto& e = p->extraction;
          family_header(e, "larder_extractions_total",
                        "Documents read, by outcome.", "counter");
          for (auto [outcome, n] :
               {std::pair{"succeeded", x.succeeded},
                std::pair{"not_an_invoice", x.not_invoices},
                std::pair{"failed", x.failed}, std::pair{"retried", x.retried}})
            e += "larder_extractions_total{outcome=\"" + std::string{outcome}
                 + "\"} " + std::to_string(n) + "\n";
          counter(e, "larder_extractions_rejected_low_confidence_total",
                  "Extractions rejected for low confidence.",
                  x.rejected_low_confidence);
          counter(e, "larder_extractions_duplicates_total",
                  "Invoices flagged as likely duplicates.", x.duplicates);
          counter(e, "larder_extractions_running", "Documents being read now.",
                  x.running, "gauge");
          family_header(e, "larder_extraction_seconds_total",
                        "Time spent reading documents.", "counter");
          e += "larder_extraction_seconds_total "
               + std::to_string(x.seconds_total) + "\n";
          one_more();
        },
        [one_more](const caf::error&) {
          one_more();
        });
  } else {
    one_more();
  }
  if (!st.broker) {
    one_more();
    return;
  }
  c->self->request(st.broker, std::chrono::seconds(2), caf::get_atom_v)
    .then(
      [p, one_more](const server_stats& s) {
        auto& b = p->broker;
        counter(b, "larder_http_connections_open", "Open connections.",
                s.connections_open, "gauge");
        counter(b, "larder_http_connections_total", "Connections accepted.",
                s.connections_total);
        counter(b, "larder_http_connections_refused_total",
                "Connections refused over the limit.", s.connections_refused);
        counter(b, "larder_http_parse_errors_total",
                "Requests that were not valid HTTP.", s.parse_errors);
        counter(b, "larder_http_timeouts_total",
                "Requests cut off for slowness or answered 504.", s.timeouts);
        p->health_answered = s.health_answered;
        one_more();
      },
      [one_more](const caf::error&) {
        one_more();
      });
}

} // namespace handlers

} // namespace larder::http
