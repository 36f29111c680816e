#include "bench/support/bench_database.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <pqxx/pqxx>
#include <sys/resource.h>

#include "events/migrations.hpp"

namespace larder::bench {

bench_database::bench_database(const std::string& name) : name_(name) {
  const char* prefix = std::getenv("LARDER_BENCH_PG");
  if (prefix == nullptr || *prefix == 0)
    throw std::runtime_error("LARDER_BENCH_PG is not set; run './dev bench'");
  prefix_ = prefix;
  pqxx::connection admin{prefix_ + " user=postgres dbname=postgres"};
  pqxx::nontransaction{admin}.exec("DROP DATABASE IF EXISTS " + name_);
  pqxx::nontransaction{admin}.exec("CREATE DATABASE " + name_
                                   + " OWNER larder_owner");
  auto report = events::migrate(owner_url());
  if (!report)
    throw std::runtime_error(report.error().message);
}

bench_database::~bench_database() {
  try {
    pqxx::connection admin{prefix_ + " user=postgres dbname=postgres"};
    pqxx::nontransaction{admin}.exec("DROP DATABASE IF EXISTS " + name_
                                     + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "could not drop %s: %s\n", name_.c_str(), e.what());
  }
}

std::string bench_database::app_url() const {
  return prefix_ + " user=larder_app dbname=" + name_;
}

std::string bench_database::owner_url() const {
  return prefix_ + " user=larder_owner dbname=" + name_;
}

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty())
    return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<std::size_t>(
    std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

std::string grouped(double x) {
  auto n = static_cast<long long>(std::llround(x));
  auto digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

} // namespace larder::bench

namespace larder::bench {

double current_rss_mib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr)
    return 0;
  long pages = 0;
  long resident = 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
    resident = 0;
  std::fclose(f);
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

} // namespace larder::bench
