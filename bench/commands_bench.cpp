// ./dev bench commands: invoice commands through the registry and entity
// actors (receive, start extraction, record extraction, approve) against the
// raw append rate of the store writer, in one run on one cluster; latency at
// a paced 5,000 commands/s; resident memory as touched invoices grow.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/errors.hpp"
#include "actors/reader_pool.hpp"
#include "actors/registries.hpp"
#include "actors/system_config.hpp"
#include "bench/support/append_load.hpp"
#include "bench/support/bench_database.hpp"
#include "bench/support/invoice_load.hpp"

using namespace larder;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// A paced driver's own wake-up.
using pace_atom = caf::atom_constant<caf::atom("pace")>;

constexpr int drivers = 200;
constexpr int total_invoices = 100000;
constexpr int chunk = 25000;
constexpr int warmup_invoices = 1250; // 1 s at the paced rate
constexpr int paced_invoices = 7500;  // 6 s at the paced rate
constexpr double paced_rate = 5000;   // commands per second, all drivers

/// The commands of one invoice's lifecycle, in order (bench::
/// invoice_lifecycle).
constexpr int lifecycle_steps = 4;
constexpr const char* step_names[lifecycle_steps] = {
  "receive (new stream)", "start extraction", "record extraction", "approve"};

struct driver_report {
  std::vector<double> latencies_ms;
  std::vector<double> step_ms[lifecycle_steps];
  int failures = 0;
  std::string first_failure;
};

struct driver_state {
  caf::actor registry;
  events::uuid tenant;
  std::shared_ptr<std::atomic<int>> next_invoice;
  int last_invoice = 0;
  clock_type::duration pace{};
  /// Paced drivers start spread over one pace interval, not all at once.
  clock_type::duration start_offset{};
  std::shared_ptr<driver_report> report;
  caf::actor done;
  std::vector<domain::invoice_command> commands;
  std::string stream;
  std::size_t step = 0;
  clock_type::time_point next_send;
};

void drive(caf::event_based_actor* self, std::shared_ptr<driver_state> st);

void send_next(caf::event_based_actor* self, std::shared_ptr<driver_state> st) {
  domain::command_context ctx;
  ctx.meta.actor = events::actor_kind::user;
  ctx.meta.actor_id = "user-bench";
  ctx.meta.source = "web";
  ctx.now = events::now_timestamp();
  ctx.tenant_id = st->tenant;
  auto sent_at = clock_type::now();
  // No timeout, as larder's own callers: CAF 0.17 keeps a request's
  // timeout in its clock until it fires, answered or not, and 30 s of those
  // at 16,000 commands/s grew the bench's memory, not larder's.
  self
    ->request(st->registry, caf::infinite, command_atom_v, st->stream,
              st->commands[st->step], ctx)
    .then(
      [self, st, sent_at](const invoice_reply&) {
        std::chrono::duration<double, std::milli> took =
          clock_type::now() - sent_at;
        st->report->latencies_ms.push_back(took.count());
        if (st->step < lifecycle_steps)
          st->report->step_ms[st->step].push_back(took.count());
        ++st->step;
        drive(self, st);
      },
      [self, st](const caf::error& e) {
        if (st->report->failures++ == 0)
          st->report->first_failure = from_caf_error(e).message;
        ++st->step;
        drive(self, st);
      });
}

/// Sends the next command of the current invoice, or starts the next
/// invoice; paced drivers wait for their next slot first.
void drive(caf::event_based_actor* self, std::shared_ptr<driver_state> st) {
  if (st->step == st->commands.size()) {
    int i = st->next_invoice->fetch_add(1);
    if (i >= st->last_invoice) {
      self->send(st->done, true);
      self->quit();
      return;
    }
    auto id = events::uuid::make_v7();
    st->stream = domain::stream_id("invoice", id);
    st->commands = bench::invoice_lifecycle(id, i);
    st->step = 0;
  }
  if (st->pace == clock_type::duration{}) {
    send_next(self, st);
    return;
  }
  auto now = clock_type::now();
  st->next_send = std::max(st->next_send + st->pace, now);
  auto wait =
    std::chrono::duration_cast<std::chrono::microseconds>(st->next_send - now);
  if (wait.count() <= 0)
    send_next(self, st);
  else
    self->delayed_send(self, wait, pace_atom::value);
}

caf::behavior driver(caf::event_based_actor* self,
                     std::shared_ptr<driver_state> st) {
  // drive() waits one pace from here before the first command.
  st->next_send = clock_type::now() + st->start_offset - st->pace;
  drive(self, st);
  return {[self, st](pace_atom) {
    send_next(self, st);
  }};
}

struct run_result {
  double commands_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int failures = 0;
  std::string first_failure;
  std::vector<double> step_ms[lifecycle_steps];
};

run_result run_invoices(caf::actor_system& sys, caf::actor registry,
                        const events::uuid& tenant, int first, int last,
                        clock_type::duration pace) {
  caf::scoped_actor self{sys};
  auto next = std::make_shared<std::atomic<int>>(first);
  std::vector<std::shared_ptr<driver_report>> reports;
  auto start = clock_type::now();
  for (int d = 0; d < drivers; ++d) {
    auto st = std::make_shared<driver_state>();
    st->registry = registry;
    st->tenant = tenant;
    st->next_invoice = next;
    st->last_invoice = last;
    st->pace = pace;
    st->start_offset = pace * d / drivers;
    st->report = std::make_shared<driver_report>();
    st->done = caf::actor{self};
    reports.push_back(st->report);
    sys.spawn(driver, st);
  }
  int finished = 0;
  self->receive_for(finished, drivers)([](bool) {});
  std::chrono::duration<double> took = clock_type::now() - start;
  run_result out;
  std::vector<double> all;
  for (auto& r : reports) {
    all.insert(all.end(), r->latencies_ms.begin(), r->latencies_ms.end());
    for (int k = 0; k < lifecycle_steps; ++k)
      out.step_ms[k].insert(out.step_ms[k].end(), r->step_ms[k].begin(),
                            r->step_ms[k].end());
    out.failures += r->failures;
    if (out.first_failure.empty())
      out.first_failure = r->first_failure;
  }
  out.commands_per_s = static_cast<double>(all.size()) / took.count();
  out.p50_ms = bench::percentile(all, 50);
  out.p99_ms = bench::percentile(all, 99);
  return out;
}

} // namespace

int main() {
  bench::bench_database db{"larder_bench_commands"};
  auto tenant = events::uuid::make_v7();
  system_config cfg;
  caf::actor_system sys{cfg};
  store_writer_options wopts;
  wopts.database_url = db.app_url();
  auto stats = wopts.stats;
  auto writer = spawn_store_writer(sys, wopts);
  auto readers = spawn_reader_pool(sys, db.app_url(), 4);
  auto catalog = make_domain_catalog();
  registry_options ropts;
  ropts.idle_after = 2s;
  ropts.max_alive = 2000;
  auto registry = spawn_invoice_registry(
    sys, entity_services{writer, readers, catalog}, ropts);

  std::printf("commands: %d concurrent drivers, invoices receive -> extract "
              "-> approve (4 commands, 1 event each), registry cap %zu\n",
              drivers, ropts.max_alive);
  bench::append_load load{sys, writer, stats, tenant, 10000, drivers};
  load.run(10000 / drivers); // create the baseline's streams
  auto raw = load.run(250);
  std::printf("  raw store-writer appends, %d callers   : %10s events/s\n",
              drivers, bench::grouped(raw.events_per_s).c_str());

  std::vector<double> rates;
  run_result last;
  for (int done = 0; done < total_invoices; done += chunk) {
    last = run_invoices(sys, registry, tenant, done, done + chunk, {});
    rates.push_back(last.commands_per_s);
    std::printf("  invoices %6d..%6d: %8s commands/s, p50 %5.1f ms, p99 "
                "%5.1f ms, RSS %6.1f MiB, %d failed%s%s\n",
                done, done + chunk, bench::grouped(last.commands_per_s).c_str(),
                last.p50_ms, last.p99_ms, bench::current_rss_mib(),
                last.failures, last.failures ? ": " : "",
                last.first_failure.c_str());
  }
  auto commands = bench::percentile(rates, 50);
  std::printf("  commands through the actors (median)   : %10s commands/s\n",
              bench::grouped(commands).c_str());
  std::printf("  ratio commands / raw appends           : %10.2f  (target >= "
              "0.60)\n",
              commands / raw.events_per_s);
  std::printf("  settled (VACUUM ANALYZE, CHECKPOINT) in  : %10.1f s\n",
              db.settle());
  auto pace = std::chrono::duration_cast<clock_type::duration>(
    std::chrono::duration<double>(drivers / paced_rate));
  // The checkpoint just made every page's next write a full-page image;
  // a second at the paced rate first, unmeasured, so the numbers are those
  // of the steady state.
  run_invoices(sys, registry, tenant, total_invoices,
               total_invoices + warmup_invoices, pace);
  auto batches_before = stats->batches.load();
  auto appends_before = stats->appends.load();
  auto micros_before = stats->commit_micros.load();
  auto wal_before = db.wal_position();
  auto paced =
    run_invoices(sys, registry, tenant, total_invoices + warmup_invoices,
                 total_invoices + warmup_invoices + paced_invoices, pace);
  auto paced_batches = stats->batches.load() - batches_before;
  auto paced_appends = stats->appends.load() - appends_before;
  auto paced_micros = stats->commit_micros.load() - micros_before;
  auto paced_wal = db.wal_position() - wal_before;
  std::printf("  paced at %.0f commands/s (after 1 s unmeasured): achieved "
              "%s/s, p50 %.1f ms, p99 %.1f ms  (target p99 < 20 ms)\n",
              paced_rate, bench::grouped(paced.commands_per_s).c_str(),
              paced.p50_ms, paced.p99_ms);
  auto per_batch = [&](std::uint64_t x) {
    return paced_batches
             ? static_cast<double>(x) / static_cast<double>(paced_batches)
             : 0.0;
  };
  std::printf("    %llu transactions, %.1f appends, %.2f ms and %.0f KiB of "
              "WAL each\n",
              static_cast<unsigned long long>(paced_batches),
              per_batch(paced_appends), per_batch(paced_micros) / 1000,
              per_batch(paced_wal) / 1024);
  for (int k = 0; k < lifecycle_steps; ++k)
    std::printf("    %-38s p50 %5.1f ms, p99 %5.1f ms\n", step_names[k],
                bench::percentile(paced.step_ms[k], 50),
                bench::percentile(paced.step_ms[k], 99));
  std::printf("  resident memory after %d invoices touched: %.1f MiB (peak "
              "%.1f MiB)\n",
              total_invoices + warmup_invoices + paced_invoices,
              bench::current_rss_mib(), bench::peak_rss_mib());
  caf::scoped_actor self{sys};
  for (const caf::actor& a :
       {registry, caf::actor_cast<caf::actor>(writer), readers}) {
    self->send_exit(a, caf::exit_reason::user_shutdown);
    self->wait_for(a);
  }
  return last.failures + paced.failures == 0 ? 0 : 1;
}
