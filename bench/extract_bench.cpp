// ./dev bench extract: in one run over the corpus, every PDF read by
// `pdftotext -layout` (the baseline) and by `larder-extract` with the
// invoice2data templates (text layer or embedded XML, then templates and the
// general rules), and every PNG read by the `tesseract` command line and by
// `larder-extract` (OCR, rules, templates). Prints documents (pages) per
// second of each, the ratio against the targets, per-file times and the
// peak memory of the children. Needs no database.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "extract/extraction.hpp"
#include "extract/subprocess.hpp"

using namespace larder;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

constexpr int default_rounds = 3;
constexpr double pdf_target = 0.5; // larder docs/s ÷ pdftotext docs/s
constexpr double ocr_target = 0.9; // larder pages/s ÷ tesseract pages/s
const char* const pdftotext_binary = "/usr/bin/pdftotext";
const char* const tesseract_binary = "/usr/bin/tesseract";

const fs::path corpus{LARDER_CORPUS};
const fs::path templates = corpus / "invoice2data" / "templates";

/// Both children get one OpenMP thread: tesseract's threads spin while they
/// wait, which on a few shared cores makes every OCR several times slower.
extract::process_limits child_limits() {
  extract::process_limits limits;
  limits.timeout = std::chrono::minutes(5);
  limits.max_output = 64 * 1024 * 1024;
  limits.environment = {"OMP_THREAD_LIMIT=1"};
  return limits;
}

/// One tool's runs over one document.
struct tool_runs {
  std::vector<double> seconds;
  /// CPU time (user + system) of each run: less at the mercy of other
  /// load on the machine than the wall-clock time.
  std::vector<double> cpu_seconds;
  long peak_kib = -1;
  bool ok = false;
  /// What the last run gave: the extractor that answered, or why it failed.
  std::string outcome;
};

struct document {
  fs::path path;
  tool_runs baseline;
  tool_runs larder;
};

/// One group of documents, its baseline command and the target ratio of
/// larder's throughput to the baseline's.
struct group {
  const char* title;
  const char* unit; // "docs" or "pages"
  const char* baseline_name;
  double target;
  std::vector<std::string> (*baseline_argv)(const fs::path&);
  std::vector<document> documents;
};

std::vector<std::string> pdftotext_argv(const fs::path& file) {
  return {pdftotext_binary, "-layout", file.string(), "-"};
}

std::vector<std::string> tesseract_argv(const fs::path& file) {
  return {tesseract_binary, file.string(), "-", "-l", "eng+fra", "--psm", "4"};
}

std::vector<std::string> larder_argv(const fs::path& file) {
  return {LARDER_BINARY, file.string(), "--templates", templates.string()};
}

std::string clip(std::string text, std::size_t n) {
  if (auto nl = text.find('\n'); nl != std::string::npos)
    text.resize(nl);
  if (text.size() > n)
    text = text.substr(0, n - 3) + "...";
  return text;
}

/// Why a child did not succeed, in a few words.
std::string failure(const extract::process_result& r) {
  if (r.timed_out)
    return "timed out";
  if (r.output_too_large)
    return "output too large";
  if (r.signal != 0)
    return "killed by signal " + std::to_string(r.signal);
  auto tail = r.err_tail;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' '))
    tail.pop_back();
  if (auto nl = tail.rfind('\n'); nl != std::string::npos)
    tail.erase(0, nl + 1);
  return "exit " + std::to_string(r.exit_code) + (tail.empty() ? "" : ": ")
         + tail;
}

void judge_baseline(const expected<extract::process_result>& r,
                    tool_runs& runs) {
  if (!r) {
    runs.ok = false;
    runs.outcome = r.error().message;
  } else if (r->exit_code != 0) {
    runs.ok = false;
    runs.outcome = failure(*r);
  } else {
    runs.ok = true;
    runs.outcome = std::to_string(r->out.size()) + " bytes";
  }
}

/// A successful extraction: exit 0 and larder's JSON for an invoice (a
/// document larder calls "not an invoice" is not one).
void judge_larder(const expected<extract::process_result>& r, tool_runs& runs) {
  runs.ok = false;
  if (!r) {
    runs.outcome = r.error().message;
    return;
  }
  if (r->exit_code != 0) {
    auto err = extract::error_from_json(r->out);
    runs.outcome = err ? "exit " + std::to_string(r->exit_code) + ": "
                           + std::string{to_string(err->code)} + ": "
                           + err->message
                       : failure(*r);
    return;
  }
  auto x = extract::extraction_from_json(r->out);
  if (!x) {
    runs.outcome = x.error().message;
    return;
  }
  if (!x->not_an_invoice.empty()) {
    runs.outcome = "not an invoice: " + x->not_an_invoice;
    return;
  }
  runs.ok = true;
  runs.outcome = x->provider + " " + x->model + ", "
                 + std::to_string(x->lines.size()) + " lines";
}

/// The peak resident set size in KiB of one run of `argv`, run from a
/// forked copy of this process: RUSAGE_CHILDREN's ru_maxrss is a high-water
/// mark over every child ever waited for, so only a process with no other
/// children measures one child alone. -1 when it cannot be measured.
long peak_rss_kib(const std::vector<std::string>& argv,
                  const extract::process_limits& limits) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    ::close(fds[0]);
    long kib = -1;
    if (extract::run_process(argv, {}, limits)) {
      rusage usage{};
      if (::getrusage(RUSAGE_CHILDREN, &usage) == 0)
        kib = usage.ru_maxrss;
    }
    auto written = ::write(fds[1], &kib, sizeof kib);
    ::_exit(written == sizeof kib ? 0 : 1);
  }
  ::close(fds[1]);
  long kib = -1;
  if (::read(fds[0], &kib, sizeof kib) != sizeof kib)
    kib = -1;
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return kib;
}

double children_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

double timed_run(const std::vector<std::string>& argv,
                 const extract::process_limits& limits, tool_runs& runs,
                 void (*judge)(const expected<extract::process_result>&,
                               tool_runs&)) {
  double cpu = children_cpu_seconds();
  auto started = clock_type::now();
  auto r = extract::run_process(argv, {}, limits);
  double s = std::chrono::duration<double>(clock_type::now() - started).count();
  runs.seconds.push_back(s);
  runs.cpu_seconds.push_back(children_cpu_seconds() - cpu);
  judge(r, runs);
  return s;
}

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v)
    s += x;
  return s;
}

double mib(long kib) {
  return static_cast<double>(kib) / 1024.0;
}

std::string load_average() {
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) != 3)
    return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", load[0], load[1], load[2]);
  return buf;
}

/// A warm-up run of every file by both tools (each measured for memory in
/// a process of its own), then `rounds` timed rounds, the two tools
/// interleaved file by file and taking turns going first, so that load on
/// the machine hits both alike.
void run_group(group& g, int rounds) {
  auto limits = child_limits();
  for (auto& d : g.documents) {
    d.baseline.peak_kib = peak_rss_kib(g.baseline_argv(d.path), limits);
    d.larder.peak_kib = peak_rss_kib(larder_argv(d.path), limits);
  }
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < g.documents.size(); ++i) {
      auto& d = g.documents[i];
      bool baseline_first = (round + i) % 2 == 0;
      for (int turn = 0; turn < 2; ++turn) {
        if ((turn == 0) == baseline_first)
          timed_run(g.baseline_argv(d.path), limits, d.baseline,
                    judge_baseline);
        else
          timed_run(larder_argv(d.path), limits, d.larder, judge_larder);
      }
    }
  }
}

/// Prints the per-file table and the totals; returns whether the target
/// was met.
bool report(const group& g, int rounds) {
  std::printf("\n%s: %zu files x %d rounds (after a warm-up)\n", g.title,
              g.documents.size(), rounds);
  std::printf("  %-46s %10s %10s %7s %15s  %s\n", "file (median of rounds)",
              g.baseline_name, "larder", "ratio", "peak MiB b/l",
              "larder's output");
  double base_total = 0, larder_total = 0, base_cpu = 0, larder_cpu = 0;
  long base_peak = -1, larder_peak = -1;
  int base_ok = 0, larder_ok = 0;
  std::vector<std::string> both_failed, larder_only_failed;
  for (const auto& d : g.documents) {
    double b = median(d.baseline.seconds), l = median(d.larder.seconds);
    base_total += sum(d.baseline.seconds);
    larder_total += sum(d.larder.seconds);
    base_cpu += sum(d.baseline.cpu_seconds);
    larder_cpu += sum(d.larder.cpu_seconds);
    base_peak = std::max(base_peak, d.baseline.peak_kib);
    larder_peak = std::max(larder_peak, d.larder.peak_kib);
    base_ok += d.baseline.ok ? 1 : 0;
    larder_ok += d.larder.ok ? 1 : 0;
    auto name = d.path.filename().string();
    if (!d.baseline.ok && !d.larder.ok)
      both_failed.push_back(name);
    else if (!d.larder.ok)
      larder_only_failed.push_back(name);
    std::printf("  %-46s %7.1f ms %7.1f ms %6.2fx %6.1f / %6.1f  %s\n",
                clip(name, 46).c_str(), b * 1000, l * 1000, l > 0 ? b / l : 0,
                mib(d.baseline.peak_kib), mib(d.larder.peak_kib),
                clip(d.larder.outcome, 60).c_str());
  }
  double n = static_cast<double>(g.documents.size() * rounds);
  double base_rate = base_total > 0 ? n / base_total : 0;
  double larder_rate = larder_total > 0 ? n / larder_total : 0;
  double ratio = base_rate > 0 ? larder_rate / base_rate : 0;
  bool met = ratio >= g.target;
  auto unit = std::string{g.unit} + "/s";
  std::printf("  %-46s %7.2f %s\n", g.baseline_name, base_rate, unit.c_str());
  std::printf("  %-46s %7.2f %s  %.2fx %s (target >= %.2fx: %s)\n",
              "larder-extract", larder_rate, unit.c_str(), ratio,
              g.baseline_name, g.target, met ? "met" : "NOT met");
  std::printf("  %-46s %.1f ms %s, %.1f ms larder: %.2fx\n",
              "CPU time per file (mean; ratio of CPU rates)",
              base_cpu * 1000 / n, g.baseline_name, larder_cpu * 1000 / n,
              larder_cpu > 0 ? base_cpu / larder_cpu : 0);
  std::printf("  peak memory of a child: %s %.1f MiB, larder %.1f MiB\n",
              g.baseline_name, mib(base_peak), mib(larder_peak));
  std::printf("  successful: larder-extracted %d of %zu, %s read %d of %zu\n",
              larder_ok, g.documents.size(), g.baseline_name, base_ok,
              g.documents.size());
  for (const auto& name : both_failed) {
    for (const auto& d : g.documents)
      if (d.path.filename() == name)
        std::printf("  failed in both: %s (%s: %s; larder: %s)\n", name.c_str(),
                    g.baseline_name, clip(d.baseline.outcome, 60).c_str(),
                    clip(d.larder.outcome, 60).c_str());
  }
  for (const auto& name : larder_only_failed)
    std::printf("  larder failed where %s read it: %s\n", g.baseline_name,
                name.c_str());
  return met;
}

/// What larder pays per document before it reads a byte: `larder-extract
/// /dev/null` stops at "the document is empty", after starting the process
/// and, with --templates, after loading the whole template library.
void report_fixed_costs(int runs) {
  auto limits = child_limits();
  std::vector<double> bare, with_templates;
  for (int i = 0; i < runs; ++i) {
    for (int turn = 0; turn < 2; ++turn) {
      bool templated = (turn + i) % 2 == 0;
      std::vector<std::string> argv{LARDER_BINARY, "/dev/null"};
      if (templated) {
        argv.push_back("--templates");
        argv.push_back(templates.string());
      }
      auto started = clock_type::now();
      auto r = extract::run_process(argv, {}, limits);
      double s =
        std::chrono::duration<double>(clock_type::now() - started).count();
      if (r && r->exit_code == 1)
        (templated ? with_templates : bare).push_back(s);
    }
  }
  std::printf("\nlarder's fixed cost per document (median of %d runs of "
              "`larder-extract /dev/null`):\n",
              runs);
  std::printf("  %-46s %7.1f ms\n", "process start, libraries, CLI",
              median(bare) * 1000);
  std::printf("  %-46s %7.1f ms\n", "the same and loading the templates",
              median(with_templates) * 1000);
}

std::vector<document> files_under(const fs::path& dir, const std::string& ext,
                                  bool recursive) {
  std::vector<document> out;
  auto add = [&](const fs::directory_entry& e) {
    auto x = e.path().extension().string();
    std::transform(x.begin(), x.end(), x.begin(), [](unsigned char c) {
      return static_cast<char>(std::tolower(c));
    });
    if (e.is_regular_file() && x == ext)
      out.push_back({e.path(), {}, {}});
  };
  if (recursive)
    for (const auto& e : fs::recursive_directory_iterator(dir))
      add(e);
  else
    for (const auto& e : fs::directory_iterator(dir))
      add(e);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.path < b.path;
  });
  return out;
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : default_rounds;
  for (const char* tool : {pdftotext_binary, tesseract_binary, LARDER_BINARY})
    if (::access(tool, X_OK) != 0) {
      std::fprintf(stderr, "bench_extract: cannot run %s\n", tool);
      return 1;
    }
  std::printf("corpus %s; templates %s\n", corpus.c_str(), templates.c_str());
  std::printf("load average at start: %s\n", load_average().c_str());

  group pdfs{"PDFs: pdftotext -layout FILE - vs larder-extract FILE "
             "--templates DIR",
             "docs",
             "pdftotext",
             pdf_target,
             pdftotext_argv,
             files_under(corpus, ".pdf", true)};
  group ocr{"OCR: tesseract FILE - -l eng+fra --psm 4 vs larder-extract "
            "FILE --templates DIR",
            "pages",
            "tesseract",
            ocr_target,
            tesseract_argv,
            files_under(corpus / "invoice2data" / "samples", ".png", false)};
  run_group(pdfs, rounds);
  run_group(ocr, rounds);
  report(pdfs, rounds);
  report(ocr, rounds);
  report_fixed_costs(5 * rounds);
  std::printf("\nload average at end: %s (2 cores shared; children run one "
              "at a time, OMP_THREAD_LIMIT=1)\n",
              load_average().c_str());
  return 0;
}
