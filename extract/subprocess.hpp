#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"

namespace larder::extract {

/// Limits of a child process.
struct process_limits {
  /// Killed (SIGKILL, its whole process group) after this long.
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  /// RLIMIT_AS in bytes; 0 leaves it unlimited (sanitizer builds must).
  std::size_t memory_bytes = 0;
  /// RLIMIT_CPU in seconds; 0 leaves it unlimited.
  int cpu_seconds = 0;
  /// Output beyond this is a failure (the child is killed).
  std::size_t max_output = 16 * 1024 * 1024;
  /// "NAME=value" entries set (or replaced) in the child's environment.
  std::vector<std::string> environment;
};

/// How a child process ended.
struct process_result {
  /// The exit status when it exited; -1 otherwise.
  int exit_code = -1;
  /// The signal that ended it (SIGSEGV, SIGKILL…), 0 when it exited.
  int signal = 0;
  bool timed_out = false;
  bool output_too_large = false;
  std::string out;
  /// The last few KiB of its standard error, for operators' logs.
  std::string err_tail;
};

/// Runs `argv` (argv[0] a path) with `input` on its standard input and
/// collects its standard output, in a process of its own: a document that
/// crashes a parser, loops or eats memory takes only this child down. The
/// child inherits no descriptor but its three pipes. Blocking: run it on a
/// worker thread. `unavailable` when the child cannot be started.
expected<process_result> run_process(const std::vector<std::string>& argv,
                                     std::string_view input,
                                     const process_limits& limits);

} // namespace larder::extract
