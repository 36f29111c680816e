#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace larder::bench {

/// A fresh, migrated database on the cluster named by LARDER_BENCH_PG
/// ("host=… port=…", as `./dev bench` exports), dropped on destruction
/// unless LARDER_BENCH_KEEP=1 (to look into it after a run).
class bench_database {
 public:
  explicit bench_database(const std::string& name);
  ~bench_database();

  bench_database(const bench_database&) = delete;
  bench_database& operator=(const bench_database&) = delete;

  std::string app_url() const;
  std::string owner_url() const;

  /// Vacuums and analyzes the whole database, then checkpoints the cluster,
  /// so a measurement that follows a bulk load does not also time the
  /// maintenance that load left behind (autovacuum of the grown tables, the
  /// first writes to each page after a checkpoint). Returns the seconds it
  /// took.
  double settle() const;

  /// The cluster's current WAL insert position in bytes: the difference
  /// of two is the WAL written between them.
  std::uint64_t wal_position() const;

 private:
  std::string prefix_;
  std::string name_;
};

/// The p-th percentile (0..100) of `samples`, which it sorts.
double percentile(std::vector<double>& samples, double p);

/// Formats `x` with thousands separators, e.g. 12,345.
std::string grouped(double x);

/// The peak resident set size of this process in MiB.
double peak_rss_mib();

} // namespace larder::bench

namespace larder::bench {

/// The current resident set size of this process in MiB.
double current_rss_mib();

/// CPU seconds (user + system) this process has used so far.
double self_cpu_seconds();

/// CPU seconds (user + system) of this process's children that it has
/// waited for (a client it ran to its end, such as wrk).
double children_cpu_seconds();

/// CPU seconds used so far by every process named `postgres` (the cluster's
/// backends and helpers), counting backends that have exited through the
/// postmaster's reaped-children times.
double postgres_cpu_seconds();

} // namespace larder::bench
