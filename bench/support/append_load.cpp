#include "bench/support/append_load.hpp"

#include <chrono>
#include <cstdio>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "bench/support/bench_database.hpp"

namespace larder::bench {

using namespace larder::events;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// An extracted-invoice-shaped payload of about 500 bytes.
std::string invoice_payload(int i) {
  char buf[640];
  std::snprintf(
    buf, sizeof(buf),
    R"({"supplier":"Fromagerie du Village Ltée","invoice_number":"F-2026-%06d",)"
    R"("currency":"CAD","issue_date":"2026-11-02","due_date":"2026-12-02",)"
    R"("lines":[{"description":"Beurre doux 454 g","quantity":"12",)"
    R"("unit":"ea","unit_price":"6.4900","total":"77.88"},)"
    R"({"description":"Crème 35%% 2 L","quantity":"6","unit":"ea",)"
    R"("unit_price":"11.2500","total":"67.50"},)"
    R"({"description":"Gruyère AOP","quantity":"2.5","unit":"kg",)"
    R"("unit_price":"38.%04d","total":"96.%02d"}],)"
    R"("subtotal":"241.38","taxes":[{"kind":"GST","rate":"5","amount":"12.07"},)"
    R"({"kind":"QST","rate":"9.975","amount":"24.08"}],"total":"277.53"})",
    i, i % 10000, i % 100);
  return buf;
}

append_request request_for(const std::string& stream, const uuid& tenant,
                           const stream_state& st, int i) {
  append_request req;
  req.stream_id = stream;
  req.tenant_id = tenant;
  req.stream_type = "invoice";
  req.expected_version = st.version;
  req.expected_head = st.head;
  req.metadata.actor = actor_kind::user;
  req.metadata.actor_id = "user-0193aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
  req.metadata.source = "web";
  req.metadata.request_id = "bench";
  req.events.push_back(
    {uuid::make_v7(), "ExtractionSucceeded", 1, invoice_payload(i)});
  return req;
}

namespace {

struct caller_report {
  std::vector<double> latencies_ms;
  int failures = 0;
};

/// One caller's progress; held only by its pending request's handlers.
struct caller_state {
  store_writer_actor writer;
  uuid tenant;
  int first_stream = 0;
  int n = 0;
  std::shared_ptr<caller_report> report;
  caf::actor done;
  /// Every stream's head, shared by all callers across runs; a caller only
  /// touches its own streams (first_stream, first_stream + callers, ...).
  std::shared_ptr<std::vector<stream_state>> heads;
  int callers = 0;
  int streams = 0;
  int sent = 0;
};

void next_append(caf::event_based_actor* self,
                 std::shared_ptr<caller_state> st) {
  if (st->sent == st->n) {
    self->send(st->done, true);
    self->quit();
    return;
  }
  int streams_per_caller = st->streams / st->callers;
  auto slot = static_cast<std::size_t>(
    st->first_stream + (st->sent % streams_per_caller) * st->callers);
  auto req =
    request_for("invoice-" + std::to_string(slot), st->tenant,
                (*st->heads)[slot], st->sent * st->callers + st->first_stream);
  ++st->sent;
  auto sent_at = clock_type::now();
  // As entity actors ask: no timeout of their own (see entity_actor.hpp).
  self->request(st->writer, caf::infinite, append_atom_v, std::move(req))
    .then(
      [self, st, slot, sent_at](const append_result& res) {
        std::chrono::duration<double, std::milli> took =
          clock_type::now() - sent_at;
        st->report->latencies_ms.push_back(took.count());
        (*st->heads)[slot] = {res.version, res.head};
        next_append(self, st);
      },
      [self, st](const caf::error&) {
        ++st->report->failures;
        next_append(self, st);
      });
}

/// Appends `n` events round-robin over its own streams, one at a time.
caf::behavior caller(caf::event_based_actor* self, store_writer_actor writer,
                     std::shared_ptr<std::vector<stream_state>> heads,
                     int callers, uuid tenant, int first_stream, int n,
                     std::shared_ptr<caller_report> report, caf::actor done) {
  auto st = std::make_shared<caller_state>();
  st->writer = std::move(writer);
  st->tenant = tenant;
  st->first_stream = first_stream;
  st->n = n;
  st->report = std::move(report);
  st->done = std::move(done);
  st->heads = std::move(heads);
  st->callers = callers;
  st->streams = static_cast<int>(st->heads->size());
  next_append(self, std::move(st));
  return {[](caf::unit_t) {}};
}

} // namespace

append_load::append_load(caf::actor_system& sys, store_writer_actor writer,
                         std::shared_ptr<store_writer_stats> stats,
                         events::uuid tenant, int streams, int callers)
  : sys_(sys), writer_(std::move(writer)), stats_(std::move(stats)),
    tenant_(tenant),
    heads_(std::make_shared<std::vector<stream_state>>(streams)),
    callers_(callers) {}

store_run append_load::run(int appends_per_caller) {
  auto& sys = sys_;
  auto& writer = writer_;
  auto& stats = stats_;
  auto& heads = heads_;
  auto& tenant = tenant_;
  auto callers = callers_;
  caf::scoped_actor self{sys};
  std::vector<std::shared_ptr<caller_report>> reports;
  auto batches_before = stats->batches.load();
  auto events_before = stats->events.load();
  auto start = clock_type::now();
  for (int c = 0; c < callers; ++c) {
    reports.push_back(std::make_shared<caller_report>());
    sys.spawn(caller, writer, heads, callers, tenant, c, appends_per_caller,
              reports.back(), caf::actor{self});
  }
  int finished = 0;
  self->receive_for(finished, callers)([](bool) {});
  std::chrono::duration<double> took = clock_type::now() - start;
  store_run run;
  std::vector<double> all;
  for (auto& r : reports) {
    all.insert(all.end(), r->latencies_ms.begin(), r->latencies_ms.end());
    run.failures += r->failures;
  }
  auto events = stats->events.load() - events_before;
  run.events_per_s = static_cast<double>(events) / took.count();
  run.p50_ms = bench::percentile(all, 50);
  run.p99_ms = bench::percentile(all, 99);
  run.avg_batch = static_cast<double>(events)
                  / static_cast<double>(stats->batches.load() - batches_before);
  return run;
}

} // namespace larder::bench
