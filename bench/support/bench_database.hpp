#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace larder::bench {

/// A fresh, migrated database on the cluster named by LARDER_BENCH_PG
/// ("host=… port=…", as `./dev bench` exports), dropped on destruction.
class bench_database {
 public:
  explicit bench_database(const std::string& name);
  ~bench_database();

  bench_database(const bench_database&) = delete;
  bench_database& operator=(const bench_database&) = delete;

  std::string app_url() const;
  std::string owner_url() const;

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

/// CPU seconds used so far by every live process named `postgres` (the
/// cluster's backends and helpers; a backend that exited takes its share
/// with it, so measure across a phase whose connections stay open).
double postgres_cpu_seconds();

} // namespace larder::bench
