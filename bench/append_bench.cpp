// ./dev bench append: the event store's append rate through the store
// writer against raw PostgreSQL multi-row INSERTs of the same rows, on the
// same cluster, in one run (issue: "The event store, the build, and the two
// commands").
#include <chrono>
#include <cstdio>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <pqxx/pqxx>

#include "actors/store_writer.hpp"
#include "actors/system_config.hpp"
#include "bench/support/append_load.hpp"
#include "bench/support/bench_database.hpp"
#include "events/crypto.hpp"
#include "events/uuid.hpp"

using namespace larder;
using namespace larder::events;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int stream_count = 10000;
constexpr int raw_rows = 100000;
constexpr int raw_rows_per_txn = 100;
constexpr int store_appends = 100000;
constexpr int callers = 400;
constexpr int single_appends = 2000;
/// Raw and store runs alternate this many times; medians are reported, so
/// one noisy moment on a shared machine does not decide the ratio. The
/// ratio is the median of each round's own ratio: a round's raw and store
/// runs are seconds apart, so a slow spell of the machine slows both.
constexpr int rounds = 5;

double median(std::vector<double> xs) {
  return bench::percentile(xs, 50);
}

// -- 1. raw baseline
// ------------------------------------------------------------

constexpr auto raw_table_sql = R"sql(
CREATE TABLE public.raw_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_id uuid NOT NULL, tenant_id uuid NOT NULL, stream_id text NOT NULL,
  stream_version bigint NOT NULL, event_type text NOT NULL,
  schema_version int NOT NULL, payload jsonb NOT NULL, metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL, prev_hash bytea NOT NULL,
  hash bytea NOT NULL);
GRANT SELECT, INSERT ON public.raw_events TO larder_app)sql";

void create_raw_table(const bench::bench_database& db) {
  pqxx::connection owner{db.owner_url()};
  pqxx::work txn{owner};
  txn.exec(raw_table_sql);
  txn.commit();
}

double run_raw(const bench::bench_database& db, const uuid& tenant) {
  std::string sql =
    "INSERT INTO public.raw_events (event_id, tenant_id, stream_id, "
    "stream_version, event_type, schema_version, payload, metadata, "
    "recorded_at, prev_hash, hash) VALUES ";
  for (int r = 0; r < raw_rows_per_txn; ++r) {
    int b = r * 11;
    char row[256];
    std::snprintf(row, sizeof(row),
                  "%s($%d,$%d,$%d,$%d,$%d,$%d,$%d::jsonb,$%d::jsonb,$%d,"
                  "decode($%d,'hex'),decode($%d,'hex'))",
                  r ? "," : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7,
                  b + 8, b + 9, b + 10, b + 11);
    sql += row;
  }
  pqxx::connection conn{db.app_url()};
  conn.prepare("raw_insert", sql);
  auto tenant_text = tenant.to_string();
  auto metadata =
    encode_metadata(bench::request_for("x", tenant, {}, 0).metadata);
  auto hash = to_hex(sha256({"x"}));
  auto start = clock_type::now();
  std::vector<std::string> params;
  for (int done = 0; done < raw_rows; done += raw_rows_per_txn) {
    params.clear();
    auto now = now_timestamp();
    for (int r = 0; r < raw_rows_per_txn; ++r) {
      int i = done + r;
      params.push_back(uuid::make_v7().to_string());
      params.push_back(tenant_text);
      params.push_back("invoice-" + std::to_string(i % stream_count));
      params.push_back(std::to_string(i / stream_count + 1));
      params.push_back("ExtractionSucceeded");
      params.push_back("1");
      params.push_back(bench::invoice_payload(i));
      params.push_back(metadata);
      params.push_back(now);
      params.push_back(hash);
      params.push_back(hash);
    }
    pqxx::work txn{conn};
    txn.exec_prepared("raw_insert", pqxx::prepare::make_dynamic_params(params));
    txn.commit();
  }
  std::chrono::duration<double> took = clock_type::now() - start;
  return raw_rows / took.count();
}

// -- 2. the store writer with many callers
// ----------------------------------------

double run_single(caf::actor_system& sys, store_writer_actor writer,
                  const uuid& tenant) {
  caf::scoped_actor self{sys};
  bench::stream_state st;
  auto start = clock_type::now();
  int ok = 0;
  for (int i = 0; i < single_appends; ++i)
    self
      ->request(writer, 30s, append_atom_v,
                bench::request_for("invoice-single", tenant, st, i))
      .receive(
        [&](const append_result& res) {
          st.version = res.version;
          st.head = res.head;
          ++ok;
        },
        [](const caf::error&) {});
  std::chrono::duration<double> took = clock_type::now() - start;
  return ok / took.count();
}

} // namespace

int main() {
  bench::bench_database db{"larder_bench_append"};
  auto tenant = uuid::make_v7();
  std::printf("append: ~%zu-byte jsonb payloads, %d streams, %d cores, "
              "%d store committers\n",
              bench::invoice_payload(0).size(), stream_count,
              static_cast<int>(std::thread::hardware_concurrency()),
              static_cast<int>(store_writer_options{}.committers));

  create_raw_table(db);
  system_config cfg;
  caf::actor_system sys{cfg};
  store_writer_options opts;
  opts.database_url = db.app_url();
  auto stats = opts.stats;
  auto writer = spawn_store_writer(sys, opts);
  bench::append_load load{sys, writer, stats, tenant, stream_count, callers};
  // Warm-up: create the 10k streams (one event each), not measured.
  load.run(stream_count / callers);

  std::vector<double> raw_rates, store_rates, ratios, p50s, p99s, batches;
  // CPU per event, larder's process and PostgreSQL's: steadier than rates
  // on a shared machine, and where the time goes when the ratio moves.
  std::vector<double> raw_pg_us, raw_client_us, store_pg_us, store_client_us;
  // WAL per event: every commit waits for its WAL to reach the disk, so
  // the bytes written bound both rates on a machine whose disk is slow.
  std::vector<double> raw_wal, store_wal;
  auto wal_per = [&db](std::uint64_t since, int events) {
    return static_cast<double>(db.wal_position() - since) / events;
  };
  auto us_per = [](double seconds, int events) {
    return seconds * 1e6 / events;
  };
  int failures = 0;
  for (int r = 0; r < rounds; ++r) {
    double pg = bench::postgres_cpu_seconds(), self = bench::self_cpu_seconds();
    auto wal = db.wal_position();
    raw_rates.push_back(run_raw(db, tenant));
    raw_wal.push_back(wal_per(wal, raw_rows));
    raw_pg_us.push_back(us_per(bench::postgres_cpu_seconds() - pg, raw_rows));
    raw_client_us.push_back(us_per(bench::self_cpu_seconds() - self, raw_rows));
    pg = bench::postgres_cpu_seconds(), self = bench::self_cpu_seconds();
    wal = db.wal_position();
    auto run = load.run(store_appends / callers);
    store_wal.push_back(wal_per(wal, store_appends));
    store_pg_us.push_back(
      us_per(bench::postgres_cpu_seconds() - pg, store_appends));
    store_client_us.push_back(
      us_per(bench::self_cpu_seconds() - self, store_appends));
    store_rates.push_back(run.events_per_s);
    p50s.push_back(run.p50_ms);
    p99s.push_back(run.p99_ms);
    batches.push_back(run.avg_batch);
    failures += run.failures;
    ratios.push_back(store_rates.back() / raw_rates.back());
    std::printf("  round %d: raw %s, store %s events/s, ratio %.2f\n", r + 1,
                bench::grouped(raw_rates.back()).c_str(),
                bench::grouped(store_rates.back()).c_str(), ratios.back());
  }
  auto raw = median(raw_rates);
  auto store = median(store_rates);
  std::printf("  1. raw libpqxx multi-row INSERT, %d rows/txn, 1 client : "
              "%10s events/s (median of %d)\n",
              raw_rows_per_txn, bench::grouped(raw).c_str(), rounds);
  std::printf("  2. store writer, %d concurrent callers           : "
              "%10s events/s  (avg %.0f events/txn, p50 %.1f ms, p99 %.1f "
              "ms, %d failed)\n",
              callers, bench::grouped(store).c_str(), median(batches),
              median(p50s), median(p99s), failures);
  std::printf("  CPU per event, PostgreSQL + client (medians)      : raw "
              "%.1f + %.1f us, store %.1f + %.1f us\n",
              median(raw_pg_us), median(raw_client_us), median(store_pg_us),
              median(store_client_us));
  std::printf("  WAL per event (medians)                            : raw "
              "%.0f bytes, store %.0f bytes\n",
              median(raw_wal), median(store_wal));
  std::printf("  ratio 2/1 (median of the rounds' ratios)           : "
              "%10.2f  (target >= 0.70; >= 15,000 events/s absolute)\n",
              median(ratios));
  auto single = run_single(sys, writer, tenant);
  std::printf("  store writer, 1 caller, 1 event per transaction    : "
              "%10s events/s  (for contrast)\n",
              bench::grouped(single).c_str());
  caf::scoped_actor self{sys};
  self->send_exit(writer, caf::exit_reason::user_shutdown);
  self->wait_for(writer);
  return failures == 0 ? 0 : 1;
}
