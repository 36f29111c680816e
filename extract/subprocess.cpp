#include "extract/subprocess.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace larder::extract {

namespace {

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    reset();
  }
  void reset() {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
};

constexpr std::size_t err_tail_bytes = 4096;

void ignore_sigpipe() {
  // A child that dies before reading its input must not kill us with
  // SIGPIPE when we write to its pipe.
  static std::once_flag once;
  std::call_once(once, [] {
    ::signal(SIGPIPE, SIG_IGN);
  });
}

/// The parent's environment with `overrides` set; built before fork, since
/// the child may only make async-signal-safe calls.
std::vector<std::string>
child_environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry{*e};
    auto name = entry.substr(0, entry.find('=') + 1);
    bool replaced = std::any_of(overrides.begin(), overrides.end(),
                                [&](const std::string& o) {
                                  return o.starts_with(name);
                                });
    if (!replaced)
      env.emplace_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

[[noreturn]] void exec_child(const std::vector<char*>& args,
                             const std::vector<char*>& envp, int in, int out,
                             int err, const process_limits& limits) {
  // Only async-signal-safe calls between fork and exec.
  ::setpgid(0, 0);
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  ::close_range(3, ~0U, 0);
  if (limits.memory_bytes > 0) {
    rlimit r{limits.memory_bytes, limits.memory_bytes};
    ::setrlimit(RLIMIT_AS, &r);
  }
  if (limits.cpu_seconds > 0) {
    auto s = static_cast<rlim_t>(limits.cpu_seconds);
    rlimit r{s, s + 1};
    ::setrlimit(RLIMIT_CPU, &r);
  }
  ::execve(args[0], args.data(), envp.data());
  ::_exit(127);
}

} // namespace

expected<process_result> run_process(const std::vector<std::string>& argv,
                                     std::string_view input,
                                     const process_limits& limits) {
  ignore_sigpipe();
  if (argv.empty())
    return larder::error{errc::invalid_argument, "no program to run"};
  int in_pipe[2];
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0)
    return larder::error{errc::unavailable, "cannot start the extractor"};
  fd_guard in_r{in_pipe[0]}, in_w{in_pipe[1]};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    return larder::error{errc::unavailable, "cannot start the extractor"};
  fd_guard out_r{out_pipe[0]}, out_w{out_pipe[1]};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    return larder::error{errc::unavailable, "cannot start the extractor"};
  fd_guard err_r{err_pipe[0]}, err_w{err_pipe[1]};

  auto env = child_environment(limits.environment);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0)
    return larder::error{errc::unavailable, "cannot start the extractor"};
  if (pid == 0)
    exec_child(args, envp, in_r.fd, out_w.fd, err_w.fd, limits);
  in_r.reset();
  out_w.reset();
  err_w.reset();
  for (int fd : {in_w.fd, out_r.fd, err_r.fd})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  process_result result;
  auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  std::size_t written = 0;
  if (input.empty())
    in_w.reset();
  char buf[65536];
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    int in_at = -1, out_at = -1, err_at = -1;
    if (in_w.fd >= 0) {
      in_at = static_cast<int>(n);
      fds[n++] = {in_w.fd, POLLOUT, 0};
    }
    if (out_r.fd >= 0) {
      out_at = static_cast<int>(n);
      fds[n++] = {out_r.fd, POLLIN, 0};
    }
    if (err_r.fd >= 0) {
      err_at = static_cast<int>(n);
      fds[n++] = {err_r.fd, POLLIN, 0};
    }
    int ready = ::poll(fds, n, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR)
      break;
    if (ready <= 0)
      continue;
    if (in_at >= 0 && fds[in_at].revents != 0) {
      auto k = ::write(in_w.fd, input.data() + written,
                       std::min<std::size_t>(input.size() - written, 1 << 16));
      if (k > 0)
        written += static_cast<std::size_t>(k);
      if ((k < 0 && errno != EAGAIN && errno != EINTR)
          || written == input.size())
        in_w.reset();
    }
    if (out_at >= 0 && fds[out_at].revents != 0) {
      auto k = ::read(out_r.fd, buf, sizeof buf);
      if (k > 0) {
        result.out.append(buf, static_cast<std::size_t>(k));
        if (result.out.size() > limits.max_output) {
          result.output_too_large = true;
          break;
        }
      } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
        out_r.reset();
      }
    }
    if (err_at >= 0 && fds[err_at].revents != 0) {
      auto k = ::read(err_r.fd, buf, sizeof buf);
      if (k > 0) {
        result.err_tail.append(buf, static_cast<std::size_t>(k));
        if (result.err_tail.size() > err_tail_bytes)
          result.err_tail.erase(0, result.err_tail.size() - err_tail_bytes);
      } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
        err_r.reset();
      }
    }
  }
  int status = 0;
  if (result.timed_out || result.output_too_large) {
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  } else {
    // Its output is closed; it may still linger (or hang) before exiting.
    for (;;) {
      auto r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid || (r < 0 && errno != EINTR))
        break;
      if (std::chrono::steady_clock::now() >= deadline) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      ::usleep(2000);
    }
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
  return result;
}

} // namespace larder::extract
