#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/platform/platform.hpp"
#include "events/event_store.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::testing::make_append;
using larder::testing::test_database;
namespace fs = std::filesystem;

namespace {

struct outcome {
  int code = -1;
  std::string output;
};

std::string slurp(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs the larder binary with `args` and the test database's URLs.
class cli {
 public:
  explicit cli(const test_database& db)
    : dir_(fs::temp_directory_path()
           / ("larder-cli-" + std::to_string(::getpid()) + "-" + db.name())) {
    fs::create_directories(dir_);
    env_ = {"LARDER_DATABASE_URL=" + db.app_url(),
            "LARDER_MIGRATE_URL=" + db.owner_url(),
            "LARDER_DATA_DIR=" + dir_.string(), "PATH=/usr/bin:/bin"};
    // The binary is built with the sanitizers too: it runs under the same
    // options and suppressions as this test (`./dev test` sets them).
    // Without them, the broker leak that tests/lsan.supp suppresses made
    // `serve` exit 1 in 15 of 40 runs on a loaded machine (0 of 67 with).
    for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"})
      if (const char* value = std::getenv(name))
        env_.push_back(std::string{name} + "=" + value);
  }

  ~cli() {
    fs::remove_all(dir_);
  }

  /// Sets (or replaces) one NAME=value variable for the next run.
  void set(const std::string& assignment) {
    auto name = assignment.substr(0, assignment.find('=') + 1);
    std::erase_if(env_, [&](const std::string& e) {
      return e.rfind(name, 0) == 0;
    });
    env_.push_back(assignment);
  }

  pid_t start(std::vector<std::string> args) {
    auto log = dir_ / "out.log";
    pid_t pid = ::fork();
    if (pid == 0) {
      auto fd = std::fopen(log.c_str(), "w");
      ::dup2(::fileno(fd), 1);
      ::dup2(::fileno(fd), 2);
      std::vector<char*> argv{const_cast<char*>(LARDER_BINARY)};
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      std::vector<char*> envp;
      for (auto& e : env_)
        envp.push_back(e.data());
      envp.push_back(nullptr);
      ::execve(LARDER_BINARY, argv.data(), envp.data());
      std::_Exit(127);
    }
    return pid;
  }

  /// Waits for the process to exit; one that hangs for a minute is killed
  /// and reported as exit code -1, so a broken build cannot stall ctest.
  outcome finish(pid_t pid) {
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return {-1, slurp(dir_ / "out.log")};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            slurp(dir_ / "out.log")};
  }

  outcome run(std::vector<std::string> args) {
    return finish(start(std::move(args)));
  }

  /// Waits (bounded) until the running process has printed `text`.
  bool wait_for_output(const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (slurp(dir_ / "out.log").find(text) != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  fs::path dir_;
  std::vector<std::string> env_;
};

} // namespace

TEST(cli, version_prints_the_version) {
  test_database db;
  auto out = cli{db}.run({"version"});
  EXPECT_EQ(out.code, 0);
  EXPECT_EQ(out.output.rfind("larder ", 0), 0u) << out.output;
}

TEST(cli, migrate_is_idempotent) {
  test_database db;
  auto out = cli{db}.run({"migrate"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("schema is current (0 applied now"),
            std::string::npos)
    << out.output;
}

TEST(cli, verify_passes_then_names_a_tampered_event) {
  test_database db;
  event_store store{db.app_url()};
  auto tenant = uuid::make_v7();
  ASSERT_TRUE(
    store.append(make_append("invoice-9", tenant, 0, genesis_hash, 3)));
  cli c{db};
  auto ok = c.run({"verify"});
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_NE(ok.output.find("3 events in 1 streams"), std::string::npos);
  {
    pqxx::connection conn{db.owner_url()};
    pqxx::work txn{conn};
    txn.exec("ALTER TABLE es.events DISABLE TRIGGER events_no_update_delete");
    txn.exec("UPDATE es.events SET payload = '{\"n\":2}' "
             "WHERE stream_version = 2");
    txn.commit();
  }
  auto broken = c.run({"verify", "--tenant", tenant.to_string()});
  EXPECT_EQ(broken.code, 1);
  EXPECT_NE(broken.output.find("BROKEN at stream invoice-9 version 2"),
            std::string::npos)
    << broken.output;
}

TEST(cli, projections_status_and_rebuild) {
  test_database db;
  event_store store{db.app_url()};
  // A user registered before any projection ran.
  auto user = uuid::make_v7();
  auto req =
    make_append("user-" + user.to_string(), larder::domain::platform_tenant_id,
                0, genesis_hash, 1,
                R"({"user_id":")" + user.to_string()
                  + R"(","email":"ana@example.com","display_name":"Ana",)"
                    R"("global_admin":false,"founding_admin":false})");
  req.stream_type = "user";
  req.events[0].event_type = "UserRegistered";
  auto appended = store.append(req);
  ASSERT_TRUE(appended) << appended.error().message;
  cli c{db};
  auto before = c.run({"projections", "status"});
  EXPECT_EQ(before.code, 0) << before.output;
  EXPECT_NE(before.output.find("directory"), std::string::npos);
  EXPECT_NE(before.output.find("never"), std::string::npos) << before.output;

  auto rebuilt = c.run({"projections", "rebuild", "directory"});
  EXPECT_EQ(rebuilt.code, 0) << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("rebuilt directory: 1 events"),
            std::string::npos)
    << rebuilt.output;
  {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    EXPECT_EQ(txn.exec1("SELECT email FROM rm.users")[0].as<std::string>(),
              "ana@example.com");
  }

  auto unknown = c.run({"projections", "rebuild", "nope"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.output.find("no projection named 'nope'"),
            std::string::npos)
    << unknown.output;
  EXPECT_EQ(c.run({"projections", "rebuild"}).code, 2);
  auto all = c.run({"projections", "rebuild", "--all"});
  EXPECT_EQ(all.code, 0) << all.output;
  EXPECT_NE(all.output.find("rebuilt invoices: 1 events"), std::string::npos)
    << all.output;
  EXPECT_NE(all.output.find("rebuilt 5 projections from 1 events"),
            std::string::npos)
    << all.output;
  // What each model does after the read is said as it begins.
  for (const char* step : {"suppliers: log loaded, settling the copy",
                           "invoices: caught up, building indexes and",
                           "directory: swapping the copy in"})
    EXPECT_NE(all.output.find(step), std::string::npos) << all.output;
  // Every model has now run: none is "never" updated.
  auto after = c.run({"projections", "status"});
  EXPECT_EQ(after.code, 0) << after.output;
  EXPECT_NE(after.output.find("directory"), std::string::npos);
  EXPECT_EQ(after.output.find("never"), std::string::npos) << after.output;
}

TEST(cli, serve_refuses_an_unreachable_database_with_a_clear_message) {
  test_database db;
  cli c{db};
  c.set("LARDER_DATABASE_URL=host=127.0.0.1 port=1 user=x connect_timeout=2");
  auto out = c.run({"serve"});
  EXPECT_EQ(out.code, 1);
  EXPECT_NE(out.output.find("cannot connect to PostgreSQL"), std::string::npos)
    << out.output;
}

TEST(cli, production_without_a_secret_refuses_to_start) {
  test_database db;
  cli c{db};
  c.set("LARDER_ENV=production");
  auto out = c.run({"serve"});
  EXPECT_EQ(out.code, 2);
  EXPECT_NE(out.output.find("LARDER_SECRET_KEY"), std::string::npos)
    << out.output;
}

TEST(cli, serve_reaches_ready_and_stops_cleanly_on_sigterm) {
  test_database db;
  cli c{db};
  auto pid = c.start({"serve"});
  ASSERT_TRUE(c.wait_for_output("ready")) << "serve never became ready";
  ::kill(pid, SIGTERM);
  auto out = c.finish(pid);
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("stopped cleanly"), std::string::npos)
    << out.output;
}
