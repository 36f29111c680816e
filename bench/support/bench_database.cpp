#include "bench/support/bench_database.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <pqxx/pqxx>
#include <sys/resource.h>
#include <unistd.h>

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
  if (const char* keep = std::getenv("LARDER_BENCH_KEEP");
      keep != nullptr && std::string_view{keep} == "1") {
    std::fprintf(stderr, "kept database %s\n", name_.c_str());
    return;
  }
  try {
    pqxx::connection admin{prefix_ + " user=postgres dbname=postgres"};
    pqxx::nontransaction{admin}.exec("DROP DATABASE IF EXISTS " + name_
                                     + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "could not drop %s: %s\n", name_.c_str(), e.what());
  }
}

double bench_database::settle() const {
  auto start = std::chrono::steady_clock::now();
  pqxx::connection conn{prefix_ + " user=postgres dbname=" + name_};
  pqxx::nontransaction{conn}.exec("VACUUM (ANALYZE)");
  pqxx::nontransaction{conn}.exec("CHECKPOINT");
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
    .count();
}

std::uint64_t bench_database::wal_position() const {
  pqxx::connection conn{prefix_ + " user=postgres dbname=" + name_};
  return pqxx::nontransaction{conn}
    .exec("SELECT pg_current_wal_insert_lsn() - '0/0'")[0][0]
    .as<std::uint64_t>();
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

namespace larder::bench {

namespace {

double cpu_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

} // namespace

double self_cpu_seconds() {
  return cpu_seconds(RUSAGE_SELF);
}

double children_cpu_seconds() {
  return cpu_seconds(RUSAGE_CHILDREN);
}

double postgres_cpu_seconds() {
  double total = 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc", ec}) {
    auto pid = entry.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in{entry.path() / "stat"};
    std::string line;
    if (!std::getline(in, line))
      continue;
    // "pid (comm) state ppid ...": utime and stime are fields 14 and 15;
    // cutime and cstime (16, 17) hold the CPU of reaped children, so a
    // backend whose connection closed between two readings still counts
    // (in the postmaster's).
    auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos
        || line.compare(open + 1, close - open - 1, "postgres") != 0)
      continue;
    std::istringstream fields{line.substr(close + 2)};
    std::string field;
    double used = 0;
    for (int i = 3; i <= 17 && fields >> field; ++i)
      if (i >= 14)
        used += std::stod(field);
    total += used / ticks;
  }
  return total;
}

} // namespace larder::bench
