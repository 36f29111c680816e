#include "extract/subprocess.hpp"

#include <csignal>

#include <gtest/gtest.h>

namespace larder::extract {
namespace {

using namespace std::chrono_literals;

TEST(subprocess, input_goes_in_and_output_comes_back_whole) {
  std::string big(5 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 31 % 251);
  auto r = run_process({"/bin/cat"}, big, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->signal, 0);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->out, big);
}

TEST(subprocess, a_crash_is_reported_with_its_signal) {
  auto r =
    run_process({"/bin/sh", "-c", "echo partial; kill -SEGV $$"}, "", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signal, SIGSEGV);
  EXPECT_EQ(r->exit_code, -1);
}

TEST(subprocess, exit_codes_and_stderr_are_kept) {
  auto r = run_process({"/bin/sh", "-c", "echo oops >&2; exit 3"}, "", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->err_tail, "oops\n");
}

TEST(subprocess, a_child_that_hangs_is_killed_at_the_deadline) {
  process_limits limits;
  limits.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  // The grandchild holds the pipe too: the whole group must go.
  auto r = run_process({"/bin/sh", "-c", "sleep 30 & sleep 30"}, "", limits);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(subprocess, a_child_that_closes_its_output_and_hangs_is_killed_too) {
  process_limits limits;
  limits.timeout = 300ms;
  auto r = run_process({"/bin/sh", "-c", "exec >/dev/null 2>&1; exec sleep 30"},
                       "", limits);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->timed_out);
}

TEST(subprocess, output_beyond_the_limit_is_cut_off) {
  process_limits limits;
  limits.max_output = 1000;
  auto r = run_process({"/bin/sh", "-c", "yes larder"}, "", limits);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->output_too_large);
  EXPECT_FALSE(r->timed_out);
}

TEST(subprocess, the_child_inherits_only_its_three_pipes) {
  auto r = run_process({"/bin/sh", "-c", "ls /proc/self/fd | wc -l"}, "", {});
  ASSERT_TRUE(r);
  // 0, 1, 2 and the directory ls reads, which it opens itself.
  EXPECT_EQ(r->out, "4\n");
}

TEST(subprocess, the_environment_can_be_set_for_the_child) {
  process_limits limits;
  limits.environment = {"OMP_THREAD_LIMIT=1", "HOME=/nowhere"};
  auto r = run_process({"/bin/sh", "-c", "echo $OMP_THREAD_LIMIT:$HOME:$PATH"},
                       "", limits);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->out.starts_with("1:/nowhere:")) << r->out;
  EXPECT_NE(r->out, "1:/nowhere:\n") << "the rest is inherited";
}

TEST(subprocess, a_missing_program_exits_127) {
  auto r = run_process({"/nonexistent/larder"}, "x", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 127);
}

} // namespace
} // namespace larder::extract
