// The projection actors: a tail reads the log once and hands each slice to
// every model, which keeps its read model current, reports its progress,
// and reports (without passing) an event it cannot apply.
#include "actors/projection_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <mutex>
#include <thread>

#include "actors/errors.hpp"
#include "actors/system_config.hpp"
#include "projections/directory.hpp"
#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::domain;
using namespace std::chrono_literals;
using larder::events::uuid;
using larder::testing::directory_catalog;
using larder::testing::domain_log;
using larder::testing::make_append;
using larder::testing::test_database;

namespace {

/// What a `recorder` model applied, by global position, as its batches
/// committed.
struct recording {
  std::mutex mutex;
  std::vector<std::int64_t> committed;
  /// The batch in progress; the actor's thread alone touches it.
  std::vector<std::int64_t> pending;

  std::vector<std::int64_t> positions() {
    std::lock_guard lock{mutex};
    return committed;
  }
};

/// A model that applies the events of `types` by noting where they are.
projections::read_model recorder(std::string name, std::string type,
                                 std::shared_ptr<recording> rec) {
  projections::read_model m;
  m.name = std::move(name);
  m.event_types = {std::move(type)};
  m.apply = [rec](pqxx::work&,
                  const events::recorded_event& ev) -> std::optional<error> {
    rec->pending.push_back(ev.global_position);
    return std::nullopt;
  };
  m.discard = [rec] {
    rec->pending.clear();
  };
  m.committed = [rec] {
    std::lock_guard lock{rec->mutex};
    rec->committed.insert(rec->committed.end(), rec->pending.begin(),
                          rec->pending.end());
    rec->pending.clear();
  };
  return m;
}

/// Knows the two event types the recorders apply, at version 1.
std::shared_ptr<events::catalog> test_catalog() {
  auto catalog = std::make_shared<events::catalog>();
  catalog->add_type("TestHappened", 1);
  catalog->add_type("OtherHappened", 1);
  return catalog;
}

class projection_actor_test : public ::testing::Test {
 protected:
  ~projection_actor_test() override {
    for (auto& group : spawned)
      stop(group);
  }

  /// The actor system waits for every actor; the projection stops on an
  /// exit message, read between two ticks.
  void stop(const projection_group& group) {
    caf::scoped_actor self{sys};
    self->send_exit(group.tail, caf::exit_reason::user_shutdown);
    self->wait_for(group.tail);
    for (const auto& p : group.models) {
      self->send_exit(p, caf::exit_reason::user_shutdown);
      self->wait_for(p);
    }
  }

  /// The projection of `model`, fed by a tail of its own.
  projection_actor spawn(projections::read_model model,
                         projection_options opts = quick()) {
    std::vector<projections::read_model> models;
    models.push_back(std::move(model));
    return spawn_all(std::move(models), directory_catalog(), opts)
      .models.front();
  }

  /// A recorder of TestHappened (`tests`) and one of OtherHappened
  /// (`others`), fed by one tail, each caught up with the log.
  const projection_group& spawn_recorders() {
    std::vector<projections::read_model> models;
    models.push_back(recorder("tests", "TestHappened", tests));
    models.push_back(recorder("others", "OtherHappened", others));
    const auto& group = spawn_all(std::move(models), test_catalog());
    for (const auto& p : group.models)
      wait_until(p, [](const projection_status& s) {
        return s.caught_up && s.backlog == 0;
      });
    return group;
  }

  /// The projections of `models`, fed by one tail.
  const projection_group&
  spawn_all(std::vector<projections::read_model> models,
            std::shared_ptr<const events::catalog> catalog,
            projection_options opts = quick()) {
    spawned.push_back(spawn_projections(sys, db.app_url(), std::move(models),
                                        std::move(catalog), opts));
    return spawned.back();
  }

  static projection_options quick() {
    projection_options opts;
    opts.min_backoff = 10ms;
    opts.max_backoff = 200ms;
    return opts;
  }

  projection_status status_of(const projection_actor& p) {
    caf::scoped_actor self{sys};
    projection_status out;
    self->request(p, 10s, caf::get_atom_v)
      .receive(
        [&](const projection_status& s) {
          out = s;
        },
        [&](const caf::error& e) {
          ADD_FAILURE() << "no status: " << from_caf_error(e).message;
        });
    return out;
  }

  /// Asks for the status until `done` holds or 20 s pass; returns the last.
  template <class Done>
  projection_status wait_until(const projection_actor& p, Done done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    auto s = status_of(p);
    while (!done(s) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
      s = status_of(p);
    }
    EXPECT_TRUE(done(s)) << "status never got there: position "
                         << s.last_position << ", backlog " << s.backlog
                         << ", error '" << s.last_error << "'";
    return s;
  }

  test_database db;
  system_config cfg;
  caf::actor_system sys{cfg};
  domain_log history{db.app_url()};
  std::vector<projection_group> spawned;
  std::shared_ptr<recording> tests = std::make_shared<recording>();
  std::shared_ptr<recording> others = std::make_shared<recording>();
};

/// One event of `type` in a new stream.
events::append_request one_event(const std::string& type,
                                 std::int32_t version = 1) {
  static std::atomic<int> streams{0};
  auto req = make_append("test-" + std::to_string(++streams), uuid::make_v7(),
                         0, events::genesis_hash);
  req.events[0].event_type = type;
  req.events[0].schema_version = version;
  return req;
}

/// Where the events of `type` are in the log, in fence order: every one
/// committed, whether the fence has let it through yet or not.
std::vector<std::int64_t> positions_of(const std::string& url,
                                       const std::string& type) {
  pqxx::connection conn{url};
  pqxx::read_transaction txn{conn};
  std::vector<std::int64_t> out;
  for (const auto& row :
       txn.exec_params("SELECT global_position FROM es.events"
                       " WHERE event_type = $1"
                       " ORDER BY transaction_id, global_position",
                       type))
    out.push_back(row[0].as<std::int64_t>());
  return out;
}

tenant_created created(const uuid& id, std::string name) {
  return {id,       std::move(name),           "",
          "CA-ON",  *tax_profile_for("CA-ON"), *values::currency::parse("CAD"),
          "kitchen"};
}

} // namespace

TEST_F(projection_actor_test, keeps_the_directory_current_after_appends) {
  auto p = spawn(projections::directory_model());
  auto idle = wait_until(p, [](const projection_status& s) {
    return s.caught_up;
  });
  EXPECT_EQ(idle.name, "directory");
  EXPECT_EQ(idle.consumed, 0u);
  EXPECT_EQ(idle.last_error, "");

  auto t = uuid::make_v7();
  auto alice = uuid::make_v7();
  history.tenant(
    t, {created(t, "Osteria"),
        member_joined{alice, "alice@example.com", tenant_role::admin}});
  auto s = wait_until(p, [](const projection_status& s) {
    return s.consumed == 2 && s.backlog == 0 && s.caught_up;
  });
  EXPECT_GT(s.last_position, 0);
  {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    EXPECT_EQ(projections::memberships_of(txn, alice).size(), 1u);
  }

  // The next commit wakes it again.
  history.tenant(t, {member_removed{alice}});
  wait_until(p, [](const projection_status& s) {
    return s.consumed == 3 && s.backlog == 0;
  });
  pqxx::connection conn{db.app_url()};
  pqxx::read_transaction txn{conn};
  EXPECT_TRUE(projections::memberships_of(txn, alice).empty());
}

// Each model catches up on its own when it starts, and the tail starts at
// the end of the log. A commit between the two (the model caught up, the
// tail not yet reading: it happened in CI, under load) used to wait for
// the next commit, which a quiet tenant may not make for hours.
TEST_F(projection_actor_test, a_commit_while_the_projections_start_is_applied) {
  for (int round = 0; round < 12; ++round) {
    // Restarted from their checkpoints, four models and their tail: the
    // tail is spawned last, so a model often catches up before it reads.
    std::vector<projections::read_model> models;
    std::vector<std::shared_ptr<recording>> recs;
    for (int m = 0; m < 4; ++m) {
      recs.push_back(std::make_shared<recording>());
      models.push_back(
        recorder("starter" + std::to_string(m), "TestHappened", recs.back()));
    }
    auto group = spawn_projections(sys, db.app_url(), std::move(models),
                                   test_catalog(), quick());
    wait_until(group.models.front(), [](const projection_status& s) {
      return s.caught_up;
    });
    auto appended = history.store().append(one_event("TestHappened"));
    ASSERT_TRUE(appended);
    auto at = appended->last_position;
    for (std::size_t m = 0; m < recs.size(); ++m) {
      auto deadline = std::chrono::steady_clock::now() + 10s;
      auto has_it = [&] {
        auto seen = recs[m]->positions();
        return std::find(seen.begin(), seen.end(), at) != seen.end();
      };
      while (!has_it() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
      EXPECT_TRUE(has_it()) << "round " << round << ": model " << m
                            << " never applied position " << at;
    }
    stop(group);
  }
}

TEST_F(projection_actor_test, reports_a_poison_event_and_never_passes_it) {
  auto t = uuid::make_v7();
  history.tenant(t, {created(t, "Osteria")});
  // A TenantCreated the directory cannot decode: its payload lacks every
  // member the event has.
  auto bad = make_append("tenant-" + uuid::make_v7().to_string(),
                         uuid::make_v7(), 0, events::genesis_hash);
  bad.events[0].event_type = tenant_created::type;
  auto poison = history.store().append(bad);
  ASSERT_TRUE(poison);
  auto after = uuid::make_v7();
  history.tenant(after, {created(after, "Later")});

  auto p = spawn(projections::directory_model());
  auto s = wait_until(p, [](const projection_status& s) {
    return !s.last_error.empty();
  });
  EXPECT_NE(s.last_error.find("event " + std::to_string(poison->last_position)
                              + " (TenantCreated"),
            std::string::npos)
    << s.last_error;
  EXPECT_FALSE(s.caught_up);
  // Retries (every 10 to 200 ms here) keep failing at the same event.
  auto again = wait_until(p, [&](const projection_status& later) {
    return later.failures >= s.failures + 3;
  });
  EXPECT_EQ(again.last_error, s.last_error);
  EXPECT_EQ(again.last_position, s.last_position);
  EXPECT_EQ(again.consumed, s.consumed);
  EXPECT_LT(again.last_position, poison->last_position);
  // /metrics and /ready see the events it is stuck before.
  EXPECT_GE(again.backlog, 2);
  pqxx::connection conn{db.app_url()};
  pqxx::read_transaction txn{conn};
  EXPECT_EQ(projections::list_tenants(txn, "Later", 10, 0).total, 0)
    << "the projection passed the poison event";
}

// Under a stream of commits a projection starts a batch no sooner than
// `min_batch_interval` after the last one, so the commits of that moment
// gather into one batch; a projection idle for longer runs at once.
TEST_F(projection_actor_test,
       gathers_the_commits_of_a_busy_moment_into_one_batch) {
  auto opts = quick();
  opts.min_batch_interval = 3s;
  // A poll reads no sooner than `min_batch_interval` after the last read,
  // so it cannot split the batch below. It also bounds the timer of looks
  // while the fence is held back, and the test cluster is shared by every
  // test binary: another's transaction held this one's commit back once,
  // and at 60 s the doubled timer let the first batch come 20 s late.
  opts.poll_interval = 2s;
  auto p = spawn(projections::directory_model(), opts);
  wait_until(p, [](const projection_status& s) {
    return s.caught_up;
  });
  // Idle for longer than the interval: the next commit is applied at once.
  std::this_thread::sleep_for(3100ms);
  auto t = uuid::make_v7();
  auto start = std::chrono::steady_clock::now();
  history.tenant(t, {created(t, "Osteria")});
  wait_until(p, [](const projection_status& s) {
    return s.consumed == 1;
  });
  auto first = std::chrono::steady_clock::now();
  EXPECT_LT(first - start, 2500ms) << "an idle projection waited";
  // Read from the checkpoint row: a status request waits for the tick.
  auto checkpoint = [&] {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    return txn
      .exec1("SELECT last_position FROM es.checkpoints WHERE name = "
             "'directory'")[0]
      .as<std::int64_t>();
  };
  auto after_first = checkpoint();

  // Two more commits right after: applied together, once the interval since
  // the last batch has passed.
  auto alice = uuid::make_v7();
  history.tenant(
    t, {member_joined{alice, "alice@example.com", tenant_role::admin}});
  history.tenant(t, {member_removed{alice}});
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(checkpoint(), after_first) << "a batch ran within the interval";
  auto s = wait_until(p, [](const projection_status& s) {
    return s.consumed == 3 && s.backlog == 0;
  });
  EXPECT_GE(std::chrono::steady_clock::now() - first, 2500ms);
  EXPECT_EQ(s.last_error, "");
}

// A commit behind an older transaction still running is announced before
// the fence lets it through, and nothing announces the end of that
// transaction: the projection looks again soon rather than at the poll.
TEST_F(projection_actor_test,
       looks_again_soon_at_events_a_running_transaction_held_back) {
  auto opts = quick();
  opts.poll_interval = 60s;
  auto p = spawn(projections::directory_model(), opts);
  wait_until(p, [](const projection_status& s) {
    return s.caught_up;
  });
  pqxx::connection blocker_conn{db.app_url()};
  pqxx::work blocker{blocker_conn};
  blocker.exec("SELECT pg_current_xact_id()"); // it holds an id from now

  auto t = uuid::make_v7();
  history.tenant(t, {created(t, "Osteria")});
  std::this_thread::sleep_for(300ms);
  auto held = status_of(p);
  EXPECT_EQ(held.consumed, 0u) << "the fence let a commit pass an older "
                                  "transaction";
  EXPECT_TRUE(held.caught_up);

  blocker.abort();
  auto released = std::chrono::steady_clock::now();
  auto s = wait_until(p, [](const projection_status& s) {
    return s.consumed == 1;
  });
  EXPECT_LT(std::chrono::steady_clock::now() - released, 5s)
    << "the projection waited for its poll";
  EXPECT_EQ(s.last_error, "");
}

// The tail reads each stretch of the log once for every model. Events from
// before the start each model reads by itself; after that, every model
// applies every event of its types exactly once, in fence order, from the
// tail's slices alone, however the commits interleave.
TEST_F(projection_actor_test,
       one_read_of_the_log_feeds_every_model_and_each_applies_each_event_once) {
  for (const auto* type :
       {"TestHappened", "OtherHappened", "TestHappened", "TestHappened"})
    ASSERT_TRUE(history.store().append(one_event(type)));
  const auto& group = spawn_recorders();
  EXPECT_EQ(tests->positions(), positions_of(db.app_url(), "TestHappened"));
  // The tail has started (its first read marks the end of the log).
  std::this_thread::sleep_for(300ms);
  std::vector<std::uint64_t> read_alone;
  for (const auto& p : group.models)
    read_alone.push_back(status_of(p).read_alone);

  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      events::event_store store{db.app_url()};
      for (int i = 0; i < 25; ++i)
        ASSERT_TRUE(store.append(
          one_event((i + w) % 2 == 0 ? "TestHappened" : "OtherHappened")));
    });
  for (auto& t : writers)
    t.join();
  auto want_tests = positions_of(db.app_url(), "TestHappened");
  auto want_others = positions_of(db.app_url(), "OtherHappened");
  ASSERT_EQ(want_tests.size(), 53u);
  ASSERT_EQ(want_others.size(), 51u);
  for (const auto& p : group.models)
    wait_until(p, [](const projection_status& s) {
      return s.caught_up && s.backlog == 0;
    });
  EXPECT_EQ(tests->positions(), want_tests);
  EXPECT_EQ(others->positions(), want_others);
  for (std::size_t i = 0; i < group.models.size(); ++i) {
    auto s = status_of(group.models[i]);
    EXPECT_EQ(s.read_alone, read_alone[i])
      << s.name << " read the log by itself instead of taking the tail's";
    EXPECT_EQ(s.last_error, "");
  }
}

// An event the tail cannot upcast is left out of its slices. The model that
// applies it finds the gap, reads on by itself and reports it; the model
// that does not apply it passes it and goes on.
TEST_F(projection_actor_test,
       an_event_the_tail_cannot_upcast_stops_only_the_models_that_apply_it) {
  const auto& group = spawn_recorders();
  std::this_thread::sleep_for(300ms);

  auto first = history.store().append(one_event("OtherHappened"));
  auto future = history.store().append(one_event("TestHappened", 7));
  auto last = history.store().append(one_event("OtherHappened"));
  ASSERT_TRUE(first && future && last);
  wait_until(group.models[1], [](const projection_status& s) {
    return s.caught_up && s.backlog == 0;
  });
  EXPECT_EQ(others->positions(),
            (std::vector{first->last_position, last->last_position}));
  auto failed = wait_until(group.models[0], [](const projection_status& s) {
    return !s.last_error.empty();
  });
  EXPECT_NE(failed.last_error.find("event "
                                   + std::to_string(future->last_position)
                                   + " (TestHappened"),
            std::string::npos)
    << failed.last_error;
  EXPECT_LT(failed.last_position, future->last_position);
  EXPECT_TRUE(tests->positions().empty());
}
