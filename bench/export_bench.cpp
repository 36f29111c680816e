// ./dev bench export: 10,000 approved invoices of five lines each in the
// invoices model; every export format written whole to a null sink, each in
// a child process of its own so that its peak memory is its own; and as the
// baseline, PostgreSQL's COPY of the same rows (invoices joined with their
// lines) to a null sink, in the same kind of child. The same again with
// 2,000 invoices shows whether memory grows with the number of invoices.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include "bench/support/bench_database.hpp"
#include "projections/exports/exports.hpp"
#include "projections/sql.hpp"

using namespace larder;
namespace ex = projections::exports;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int big = 10000;
constexpr int small = 2000;

/// $1 tenant, $2 how many: approved invoices (a third paid) with GST and
/// QST, as the invoices model holds them.
constexpr auto seed_invoices_sql =
  "WITH seed AS ("
  "  SELECT gen_random_uuid() AS id, g, s.name"
  "    FROM generate_series(1, $2::int) g,"
  "    LATERAL (SELECT (ARRAY['Fromagerie du Village Ltée',"
  "     'Boucherie Centrale Inc.', 'Les Jardins Maraîchers',"
  "     'Poissonnerie Atlantique', 'Boulangerie St-Viateur',"
  "     'Sysco Québec'])[1 + g % 6] AS name) s),"
  " documents AS ("
  "  INSERT INTO rm_invoices.invoices (invoice_id, tenant_id, source,"
  "   file_name, media_type, size_bytes, sha256, sender, received_at,"
  "   supplier_name, invoice_number, issue_date, due_date, currency, subtotal,"
  "   tax_total, total, supplier_sort, supplier_key, confidence,"
  "   overall_confidence, corrected_fields, taxes, line_count, provider,"
  "   model, extraction_attempts, extraction_cost, failure_retryable,"
  "   search)"
  "  SELECT id, $1::uuid, 'upload', 'scan ' || g || '.pdf',"
  "   'application/pdf', 100000, md5(g::text) || md5(g::text), '', now(),"
  "   name, 'N-' || g, date '2026-01-01' + g % 300,"
  "   date '2026-01-31' + g % 300, 'CAD', 150, 22.46, 172.46, lower(name),"
  "   'name:' || lower(name), '{}', 0.9, '[]',"
  "   '[{\"kind\":\"gst\",\"rate_percent\":\"5\",\"amount\":\"7.5\"},"
  "     {\"kind\":\"qst\",\"rate_percent\":\"9.975\",\"amount\":\"14.96\"}]',"
  "   5, 'pdf_text', '', 1, 0, false, to_tsvector('simple', '')"
  "   FROM seed)"
  " INSERT INTO rm_invoices.statuses (invoice_id, tenant_id, version,"
  "  position, updated_at, status, display_status, status_rank, approved_at,"
  "  approved_by, paid, paid_on, payment_method)"
  " SELECT id, $1::uuid, 4, g, now(), 'approved',"
  "  CASE WHEN g % 3 = 0 THEN 'approved_paid' ELSE 'approved_unpaid' END,"
  "  CASE WHEN g % 3 = 0 THEN 3 ELSE 2 END, now(), 'owner@bistro.test',"
  "  g % 3 = 0, CASE WHEN g % 3 = 0 THEN date '2026-11-01' END,"
  "  CASE WHEN g % 3 = 0 THEN 'cheque' END"
  " FROM seed";

constexpr auto seed_lines_sql =
  "INSERT INTO rm_invoices.lines (invoice_id, line_no, tenant_id,"
  " description, quantity, unit, unit_price, line_total, tax_code, category,"
  " total_mismatch)"
  " SELECT i.invoice_id, l, i.tenant_id,"
  "  (ARRAY['Beurre doux 454 g', 'Crème 35% 2 L', 'Gruyère AOP',"
  "   'Farine T55 20 kg', 'Saumon Atlantique, frais'])[l],"
  "  3, 'ea', 10, 30, 'GST+QST', CASE WHEN l = 1 THEN 'Dairy' END, false"
  " FROM rm_invoices.invoices i, generate_series(1, 5) l"
  " WHERE i.tenant_id = $1::uuid";

/// The baseline: the same rows an export reads, straight out of
/// PostgreSQL. %s is the tenant.
constexpr auto copy_sql =
  "COPY (SELECT i.*, s.*, l.* FROM rm_invoices.invoices i"
  "      JOIN rm_invoices.statuses s ON s.invoice_id = i.invoice_id"
  "      JOIN rm_invoices.lines l ON l.invoice_id = i.invoice_id"
  "      WHERE i.tenant_id = '%s'"
  "      ORDER BY i.issue_date, i.invoice_id, l.line_no) TO STDOUT";

struct measured {
  double seconds = 0;
  double peak_mib = 0;
  std::uint64_t bytes = 0;
  bool ok = false;
};

/// Runs `work` in a child process; its answer (seconds, bytes) comes back
/// through a pipe, its peak memory from wait4.
template <class F>
measured in_child(F work) {
  int fds[2];
  if (pipe(fds) != 0)
    return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    double seconds = -1;
    std::uint64_t bytes = 0;
    try {
      auto start = clock_type::now();
      bytes = work();
      seconds =
        std::chrono::duration<double>(clock_type::now() - start).count();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
    }
    char line[64];
    int n = std::snprintf(line, sizeof line, "%.6f %llu\n", seconds,
                          static_cast<unsigned long long>(bytes));
    (void)!write(fds[1], line, static_cast<std::size_t>(n));
    _exit(seconds < 0 ? 1 : 0);
  }
  close(fds[1]);
  char buf[64] = {};
  (void)!read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  measured m;
  unsigned long long bytes = 0;
  std::sscanf(buf, "%lf %llu", &m.seconds, &bytes);
  m.bytes = bytes;
  m.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return m;
}

measured copy_baseline(const std::string& url, const std::string& tenant) {
  return in_child([&]() -> std::uint64_t {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK)
      throw std::runtime_error(PQerrorMessage(conn));
    char sql[1024];
    std::snprintf(sql, sizeof sql, copy_sql, tenant.c_str());
    PGresult* res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT)
      throw std::runtime_error(PQerrorMessage(conn));
    PQclear(res);
    std::uint64_t bytes = 0;
    char* row = nullptr;
    int n;
    while ((n = PQgetCopyData(conn, &row, 0)) > 0) {
      bytes += static_cast<std::uint64_t>(n);
      PQfreemem(row);
    }
    PQclear(PQgetResult(conn));
    PQfinish(conn);
    return bytes;
  });
}

measured export_run(const std::string& url, const std::string& tenant,
                    ex::export_format format, const ex::export_filter& filter,
                    const std::filesystem::path& scratch) {
  return in_child([&]() -> std::uint64_t {
    // A session as the exporter opens it.
    pqxx::connection conn{url};
    projections::prepare_query_session(conn);
    ex::books book;
    book.tenant_name = "Bench Bistro";
    book.region = "CA-QC";
    book.currency = "CAD";
    book.accounts = ex::default_accounts("CA-QC");
    book.generated_at = "2026-12-04T12:00:00.000000Z";
    ex::export_job job{
      conn, *events::uuid::parse(tenant), format, filter, book, scratch};
    auto count = job.open();
    if (!count)
      throw std::runtime_error(count.error().message);
    auto result = job.run([](std::string_view) {
      return true;
    });
    if (!result)
      throw std::runtime_error(result.error().message);
    return result->bytes;
  });
}

} // namespace

int main() {
  bench::bench_database db{"export"};
  auto big_tenant = events::uuid::make_v7().to_string();
  auto small_tenant = events::uuid::make_v7().to_string();
  {
    pqxx::connection conn{db.owner_url()};
    pqxx::work txn{conn};
    for (auto [tenant, n] :
         {std::pair{big_tenant, big}, std::pair{small_tenant, small}}) {
      txn.exec_params(seed_invoices_sql, tenant, n);
      txn.exec_params(seed_lines_sql, tenant);
    }
    txn.exec("ANALYZE rm_invoices.invoices");
    txn.exec("ANALYZE rm_invoices.statuses");
    txn.exec("ANALYZE rm_invoices.lines");
    txn.commit();
  }
  auto scratch = std::filesystem::temp_directory_path()
                 / ("larder-export-bench-" + std::to_string(getpid()));
  std::printf("export: %d approved invoices of 5 lines (and %d, for memory "
              "growth)\n\n",
              big, small);
  // Warm the cache once so that neither side pays for the first read.
  copy_baseline(db.app_url(), big_tenant);
  auto base = copy_baseline(db.app_url(), big_tenant);
  auto base_small = copy_baseline(db.app_url(), small_tenant);
  std::printf("%-22s %9s %9s %10s %12s %12s\n", "", "seconds", "× COPY",
              "MiB out", "peak MiB", "peak @2,000");
  std::printf("%-22s %9.3f %9s %10.1f %12.1f %12.1f\n", "COPY (baseline)",
              base.seconds, "1.00", static_cast<double>(base.bytes) / (1 << 20),
              base.peak_mib, base_small.peak_mib);
  struct row {
    const char* name;
    ex::export_format format;
    bool lines;
  };
  const row rows[] = {
    {"excel (.xlsx)", ex::export_format::excel, false},
    {"quickbooks (.iif)", ex::export_format::quickbooks, false},
    {"xero (.zip of 20 csv)", ex::export_format::xero, false},
    {"journal (hledger)", ex::export_format::journal, false},
    {"universal invoices", ex::export_format::universal, false},
    {"universal lines", ex::export_format::universal, true},
  };
  bool all_ok = base.ok;
  double worst_seconds = 0, worst_mib = 0, worst_growth = 0;
  for (const auto& r : rows) {
    ex::export_filter f;
    f.lines_file = r.lines;
    auto m = export_run(db.app_url(), big_tenant, r.format, f, scratch);
    auto s = export_run(db.app_url(), small_tenant, r.format, f, scratch);
    all_ok = all_ok && m.ok && s.ok;
    std::printf("%-22s %9.3f %9.2f %10.1f %12.1f %12.1f%s\n", r.name, m.seconds,
                base.seconds > 0 ? m.seconds / base.seconds : 0.0,
                static_cast<double>(m.bytes) / (1 << 20), m.peak_mib,
                s.peak_mib, m.ok && s.ok ? "" : "  FAILED");
    worst_seconds = std::max(worst_seconds, m.seconds);
    worst_mib = std::max(worst_mib, m.peak_mib);
    worst_growth = std::max(worst_growth, m.peak_mib - s.peak_mib);
  }
  std::filesystem::remove_all(scratch);
  std::printf("\nslowest format %.3f s (target < 2 s); largest peak %.1f MiB "
              "(target < 100 MiB); largest growth from 2,000 to 10,000 "
              "invoices %.1f MiB\n",
              worst_seconds, worst_mib, worst_growth);
  return all_ok ? 0 : 1;
}
