#include "actors/store_writer.hpp"

#include <atomic>
#include <mutex>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "actors/errors.hpp"
#include "actors/system_config.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::testing::make_append;
using larder::testing::test_database;
using namespace std::chrono_literals;

namespace {

int count_events(const test_database& db) {
  pqxx::connection conn{db.app_url()};
  pqxx::read_transaction txn{conn};
  return txn.exec1("SELECT count(*) FROM es.events")[0].as<int>();
}

/// What one caller has done so far. Held only by the pending request's
/// handlers, so it (and its writer handle) goes away when the caller stops.
struct caller_state {
  store_writer_actor writer;
  std::string stream;
  uuid tenant;
  int n = 0;
  caf::actor done;
  int sent = 0;
  std::int64_t version = 0;
  hash_bytes head = genesis_hash;
};

/// Sends the next append, or reports the final version to `done`.
void next_append(caf::event_based_actor* self,
                 std::shared_ptr<caller_state> st) {
  if (st->sent == st->n) {
    self->send(st->done, st->version);
    self->quit();
    return;
  }
  ++st->sent;
  self
    ->request(st->writer, 10s, append_atom_v,
              make_append(st->stream, st->tenant, st->version, st->head))
    .then(
      [self, st](const append_result& res) {
        st->version = res.version;
        st->head = res.head;
        next_append(self, st);
      },
      [self, st](const caf::error&) {
        self->send(st->done, std::int64_t{-1});
        self->quit();
      });
}

/// Appends `n` events one at a time to its own stream, each append waiting
/// for the previous answer, then reports the stream's version to `done`.
caf::behavior caller(caf::event_based_actor* self, store_writer_actor writer,
                     std::string stream, uuid tenant, int n, caf::actor done) {
  auto st = std::make_shared<caller_state>();
  st->writer = std::move(writer);
  st->stream = std::move(stream);
  st->tenant = tenant;
  st->n = n;
  st->done = std::move(done);
  next_append(self, std::move(st));
  return {[](caf::unit_t) {}};
}

} // namespace

class store_writer_test : public ::testing::Test {
 protected:
  test_database db;
  system_config cfg;
  caf::actor_system sys{cfg};
  uuid tenant = uuid::make_v7();
};

TEST_F(store_writer_test, many_concurrent_callers_are_group_committed) {
  store_writer_options opts;
  opts.database_url = db.app_url();
  auto stats = opts.stats;
  auto writer = spawn_store_writer(sys, opts);
  constexpr int callers = 64;
  constexpr int per_caller = 25;
  caf::scoped_actor self{sys};
  for (int i = 0; i < callers; ++i)
    sys.spawn(caller, writer, "invoice-" + std::to_string(i), tenant,
              per_caller, caf::actor{self});
  int finished = 0;
  self->receive_for(finished, callers)([&](std::int64_t version) {
    EXPECT_EQ(version, per_caller);
  });
  EXPECT_EQ(count_events(db), callers * per_caller);
  EXPECT_EQ(stats->appends.load(), std::uint64_t{callers * per_caller});
  EXPECT_LT(stats->batches.load(), stats->appends.load())
    << "no two appends ever shared a transaction";
  event_store store{db.app_url()};
  auto report = store.verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->failure);
  self->send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_F(store_writer_test, a_stale_caller_gets_its_own_conflict) {
  store_writer_options opts;
  opts.database_url = db.app_url();
  auto writer = spawn_store_writer(sys, opts);
  caf::scoped_actor self{sys};
  append_result first;
  self
    ->request(writer, 10s, append_atom_v,
              make_append("invoice-s", tenant, 0, genesis_hash))
    .receive(
      [&](const append_result& r) {
        first = r;
      },
      [&](const caf::error& e) {
        FAIL() << to_string(e);
      });
  // Queue a stale append and two good ones; they land in one batch.
  auto stale = self->request(writer, 10s, append_atom_v,
                             make_append("invoice-s", tenant, 0, genesis_hash));
  auto good1 = self->request(writer, 10s, append_atom_v,
                             make_append("invoice-s", tenant, 1, first.head));
  auto good2 = self->request(writer, 10s, append_atom_v,
                             make_append("invoice-t", tenant, 0, genesis_hash));
  stale.receive(
    [](const append_result&) {
      FAIL() << "stale append won";
    },
    [](const caf::error& e) {
      EXPECT_EQ(from_caf_error(e).code, errc::conflict);
    });
  good1.receive(
    [](const append_result& r) {
      EXPECT_EQ(r.version, 2);
    },
    [](const caf::error& e) {
      FAIL() << to_string(e);
    });
  good2.receive(
    [](const append_result& r) {
      EXPECT_EQ(r.version, 1);
    },
    [](const caf::error& e) {
      FAIL() << to_string(e);
    });
  EXPECT_EQ(count_events(db), 3);
  self->send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_F(store_writer_test, a_dead_database_is_unavailable_and_the_writer_lives) {
  store_writer_options opts;
  opts.database_url =
    "host=127.0.0.1 port=1 user=larder_app dbname=x connect_timeout=2";
  auto writer = spawn_store_writer(sys, opts);
  caf::scoped_actor self{sys};
  for (int i = 0; i < 2; ++i)
    self
      ->request(writer, 10s, append_atom_v,
                make_append("invoice-u", tenant, 0, genesis_hash))
      .receive(
        [](const append_result&) {
          FAIL() << "append succeeded";
        },
        [](const caf::error& e) {
          auto err = from_caf_error(e);
          EXPECT_EQ(err.code, errc::unavailable);
          EXPECT_FALSE(err.message.empty());
        });
  self->send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_F(store_writer_test, shutdown_commits_and_answers_what_was_accepted) {
  store_writer_options opts;
  opts.database_url = db.app_url();
  auto writer = spawn_store_writer(sys, opts);
  caf::scoped_actor self{sys};
  constexpr int n = 200;
  std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>>
    pending;
  for (int i = 0; i < n; ++i)
    pending.push_back(self->request(
      caf::actor_cast<caf::actor>(writer), 10s, append_atom_v,
      make_append("invoice-q" + std::to_string(i), tenant, 0, genesis_hash)));
  self->send_exit(writer, caf::exit_reason::user_shutdown);
  int ok = 0;
  for (auto& p : pending)
    p.receive(
      [&](const append_result&) {
        ++ok;
      },
      [](const caf::error& e) {
        ADD_FAILURE() << to_string(e);
      });
  EXPECT_EQ(ok, n);
  self->wait_for(writer);
  EXPECT_EQ(count_events(db), n);
}

TEST_F(store_writer_test, commits_wake_the_log_readers_coalesced) {
  pqxx::connection listener{db.app_url()};
  larder::testing::wake_up_counter rx{listener};
  store_writer_options opts;
  opts.database_url = db.app_url();
  auto stats = opts.stats;
  auto writer = spawn_store_writer(sys, opts);
  caf::scoped_actor self{sys};

  // One append: its answer comes, and a wake-up follows it.
  self
    ->request(writer, 10s, append_atom_v,
              make_append("invoice-w", tenant, 0, genesis_hash))
    .receive([](const append_result&) {},
             [](const caf::error& e) {
               FAIL() << to_string(e);
             });
  for (int i = 0; i < 50 && rx.count == 0; ++i)
    listener.await_notification(0, 100000);
  EXPECT_EQ(rx.count, 1);

  // Many callers: at least one wake-up after them, at most one per batch.
  rx.count = 0;
  auto batches_before = stats->batches.load();
  constexpr int callers = 32;
  for (int i = 0; i < callers; ++i)
    sys.spawn(caller, writer, "invoice-x" + std::to_string(i), tenant, 10,
              caf::actor{self});
  int finished = 0;
  self->receive_for(finished, callers)([](std::int64_t version) {
    EXPECT_EQ(version, 10);
  });
  for (int i = 0; i < 50 && rx.count == 0; ++i)
    listener.await_notification(0, 100000);
  // Whatever else is on its way arrives within a second.
  for (int i = 0; i < 10; ++i)
    listener.await_notification(0, 100000);
  EXPECT_GE(rx.count, 1);
  EXPECT_LE(static_cast<std::uint64_t>(rx.count),
            stats->batches.load() - batches_before);

  // A batch that commits nothing wakes no one.
  rx.count = 0;
  self
    ->request(writer, 10s, append_atom_v,
              make_append("invoice-w", tenant, 0, genesis_hash))
    .receive(
      [](const append_result&) {
        FAIL() << "stale append won";
      },
      [](const caf::error& e) {
        EXPECT_EQ(from_caf_error(e).code, errc::conflict);
      });
  listener.await_notification(0, 500000);
  EXPECT_EQ(rx.count, 0);
  self->send_exit(writer, caf::exit_reason::user_shutdown);
}

/// When each wake-up arrived, heard by a thread of its own, so that an
/// arrival is noted within milliseconds whatever the test thread does.
class wake_up_times : pqxx::notification_receiver {
 public:
  explicit wake_up_times(pqxx::connection& conn)
    : pqxx::notification_receiver(conn, event_store::notify_channel),
      thread_([this, &conn] {
        while (!stop_)
          conn.await_notification(0, 10000);
      }) {}
  ~wake_up_times() override {
    stop_ = true;
    thread_.join();
  }
  void operator()(const std::string&, int) override {
    std::lock_guard lock{mutex_};
    at_.push_back(std::chrono::steady_clock::now());
  }
  std::vector<std::chrono::steady_clock::time_point> at() {
    std::lock_guard lock{mutex_};
    return at_;
  }
  /// Waits up to `limit` for at least `n` arrivals; all of them.
  std::vector<std::chrono::steady_clock::time_point>
  wait_for(std::size_t n, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (at().size() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    return at();
  }

 private:
  std::mutex mutex_;
  std::vector<std::chrono::steady_clock::time_point> at_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(store_writer_test,
       wake_ups_are_spaced_by_the_interval_and_one_follows_the_last_commit) {
  pqxx::connection listener{db.app_url()};
  wake_up_times rx{listener};
  store_writer_options opts;
  opts.database_url = db.app_url();
  opts.min_notify_interval = 400ms;
  auto writer = spawn_store_writer(sys, opts);
  caf::scoped_actor self{sys};
  int streams = 0;
  auto append = [&] {
    self
      ->request(writer, 10s, append_atom_v,
                make_append("invoice-n" + std::to_string(streams++), tenant, 0,
                            genesis_hash))
      .receive([](const append_result&) {},
               [](const caf::error& e) {
                 FAIL() << to_string(e);
               });
  };
  using clock = std::chrono::steady_clock;

  // A commit after a quiet spell wakes the readers at once.
  auto quiet = clock::now();
  append();
  auto heard = rx.wait_for(1, 5s);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_LT(heard[0] - quiet, 300ms);

  // A commit within the interval is not dropped: its wake-up follows once
  // the interval has passed.
  auto within = clock::now();
  append();
  heard = rx.wait_for(2, 5s);
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_GT(heard[1], within);
  EXPECT_GE(heard[1] - heard[0], 300ms);

  // Commits every 40 ms: about one wake-up per interval, not one each.
  std::this_thread::sleep_for(500ms);
  auto burst = clock::now();
  auto before_last = burst;
  for (int i = 0; i < 25; ++i) {
    before_last = clock::now();
    append();
    std::this_thread::sleep_for(40ms);
  }
  auto took = clock::now() - burst;
  std::this_thread::sleep_for(1s);
  std::vector<clock::time_point> during;
  for (auto t : rx.at())
    if (t > burst)
      during.push_back(t);
  ASSERT_GE(during.size(), 2u);
  EXPECT_LE(during.size(), 2 + static_cast<std::size_t>(took / 400ms))
    << "over " << std::chrono::duration_cast<std::chrono::milliseconds>(took)
    << " of 25 commits";
  for (std::size_t i = 1; i < during.size(); ++i)
    EXPECT_GE(during[i] - during[i - 1], 300ms) << "wake-up " << i;
  // The last commit is followed by a wake-up.
  EXPECT_GT(during.back(), before_last);
  self->send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_F(store_writer_test,
       a_commit_past_its_deadline_is_a_timeout_and_the_rest_goes_on) {
  store_writer_options opts;
  opts.database_url = db.app_url();
  opts.commit_timeout = 1s;
  auto writer = spawn_store_writer(sys, opts);
  caf::scoped_actor self{sys};
  append_result created;
  self
    ->request(writer, 10s, append_atom_v,
              make_append("invoice-h", tenant, 0, genesis_hash))
    .receive(
      [&](const append_result& r) {
        created = r;
      },
      [](const caf::error& e) {
        FAIL() << to_string(e);
      });

  // Another session holds the stream's row: the next append to it waits.
  pqxx::connection holder{db.app_url()};
  pqxx::work hold{holder};
  hold.exec(
    "SELECT 1 FROM es.streams WHERE stream_id = 'invoice-h' FOR UPDATE");
  auto asked = std::chrono::steady_clock::now();
  self
    ->request(writer, 10s, append_atom_v,
              make_append("invoice-h", tenant, 1, created.head))
    .receive(
      [](const append_result&) {
        FAIL() << "a blocked append won";
      },
      [](const caf::error& e) {
        EXPECT_EQ(from_caf_error(e).code, errc::timeout);
      });
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);

  // Meanwhile the other committers go on.
  self
    ->request(writer, 10s, append_atom_v,
              make_append("invoice-i", tenant, 0, genesis_hash))
    .receive(
      [](const append_result& r) {
        EXPECT_EQ(r.version, 1);
      },
      [](const caf::error& e) {
        FAIL() << to_string(e);
      });

  // Released, the append whose outcome was unknown usually lands, and a
  // retry at the same version is then a conflict. Its outcome was unknown,
  // though, and once in a full `./dev test` run (session 21) it had not
  // landed and the retry did: either way, never a second event.
  hold.abort();
  self
    ->request(writer, 10s, append_atom_v,
              make_append("invoice-h", tenant, 1, created.head))
    .receive(
      [](const append_result& r) {
        EXPECT_EQ(r.version, 2);
      },
      [](const caf::error& e) {
        EXPECT_EQ(from_caf_error(e).code, errc::conflict);
      });
  EXPECT_EQ(count_events(db), 3);
  self->send_exit(writer, caf::exit_reason::user_shutdown);
}
