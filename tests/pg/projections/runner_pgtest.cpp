// The projection runner against a real PostgreSQL: exactly-once effect
// through the checkpoint, poison events, restarts, the fence, NOTIFY.
#include "projections/runner.hpp"

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "events/event_store.hpp"
#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::projections::log_tail;
using larder::projections::projection_runner;
using larder::projections::read_model;
using larder::testing::catch_up;
using larder::testing::make_append;
using larder::testing::test_database;

namespace {

/// A table the test model writes one row per applied event into; the
/// unique position makes a second application of an event fail loudly.
constexpr auto create_table_sql =
  "CREATE TABLE public.applied (seq bigserial PRIMARY KEY,"
  " position bigint NOT NULL UNIQUE, payload text NOT NULL);"
  "GRANT SELECT, INSERT ON public.applied TO larder_app;"
  "GRANT USAGE ON SEQUENCE public.applied_seq_seq TO larder_app";

constexpr auto insert_applied_sql =
  "INSERT INTO public.applied (position, payload) VALUES ($1, $2)";

constexpr auto checkpoint_sql =
  "SELECT last_xid::text, last_position FROM es.checkpoints WHERE name = $1";

constexpr auto applied_sql = "SELECT position, payload FROM public.applied"
                             " ORDER BY seq";

/// Events of the model's type at or before a checkpoint.
constexpr auto due_sql =
  "SELECT count(*) FROM es.events WHERE event_type = 'TestHappened'"
  "   AND (transaction_id, global_position) <= ($1::xid8, $2::bigint)";

constexpr auto model_name = "test";

struct applied_row {
  std::int64_t position = 0;
  std::string payload;
};

/// Fails on a payload that says "poison"; counts its calls.
read_model test_model(std::shared_ptr<std::atomic<int>> calls =
                        std::make_shared<std::atomic<int>>()) {
  read_model m;
  m.name = model_name;
  m.event_types = {"TestHappened"};
  m.apply = [calls](pqxx::work& txn,
                    const recorded_event& ev) -> std::optional<error> {
    ++*calls;
    if (ev.env.payload.find("poison") != std::string::npos)
      return make_error(errc::invalid_argument, "this one is poison");
    txn.exec_params(insert_applied_sql, ev.global_position, ev.env.payload);
    return std::nullopt;
  };
  return m;
}

/// Runs batches until one fails and returns its error. Batches may stop
/// short while a writer in another database holds the fence back.
error first_failure(projection_runner& runner) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto batch = runner.run_batch(10);
    if (!batch)
      return batch.error();
    if (*batch == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return make_error(errc::timeout, "no batch failed within 20 s");
}

class runner_test : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection conn{db.owner_url()};
    pqxx::nontransaction{conn}.exec(create_table_sql);
    catalog->add_type("TestHappened", 1);
  }

  /// Appends one event to a new stream of its own.
  append_result append(const std::string& payload = R"({"n":1})",
                       const std::string& type = "TestHappened") {
    auto req = make_append("test-" + std::to_string(streams_++), tenant, 0,
                           genesis_hash, 1, payload);
    req.events[0].event_type = type;
    auto res = store.append(req);
    if (!res)
      throw std::runtime_error(res.error().message);
    return *res;
  }

  /// The log from its start once `n` events are through the fence (other
  /// test binaries share the cluster, and so the fence), or what it holds
  /// after 20 s.
  log_batch read_log_once_through_the_fence(std::size_t n) {
    log_batch read;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read.events.size() < n
           && std::chrono::steady_clock::now() < deadline) {
      auto got = store.read_log({}, 10);
      if (!got)
        throw std::runtime_error(got.error().message);
      read = std::move(*got);
      if (read.events.size() < n)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return read;
  }

  std::optional<log_position> checkpoint() {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    auto rows = txn.exec_params(checkpoint_sql, model_name);
    if (rows.empty())
      return std::nullopt;
    return log_position{std::stoull(rows[0][0].c_str()),
                        rows[0][1].as<std::int64_t>()};
  }

  std::vector<applied_row> applied() {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    std::vector<applied_row> out;
    for (const auto& row : txn.exec(applied_sql))
      out.push_back({row[0].as<std::int64_t>(), row[1].c_str()});
    return out;
  }

  std::int64_t due_at(log_position at) {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    return txn
      .exec_params1(due_sql, std::to_string(at.transaction_id),
                    at.global_position)[0]
      .as<std::int64_t>();
  }

  test_database db;
  event_store store{db.app_url()};
  std::shared_ptr<events::catalog> catalog =
    std::make_shared<events::catalog>();
  uuid tenant = uuid::make_v7();

 private:
  int streams_ = 0;
};

} // namespace

TEST_F(runner_test, applies_events_and_moves_the_checkpoint_with_them) {
  std::set<std::int64_t> wanted;
  for (int i = 0; i < 8; ++i) {
    // Every third event is of a type the model does not read, and which
    // the catalogue does not know: skipped, not upcast, yet passed.
    auto res = i % 3 == 1 ? append(R"({"n":1})", "OtherHappened") : append();
    if (i % 3 != 1)
      wanted.insert(res.last_position);
  }
  projection_runner runner{db.app_url(), test_model(), catalog};
  EXPECT_EQ(runner.position(), log_position{});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto consumed = runner.run_batch(3);
    ASSERT_TRUE(consumed) << consumed.error().message;
    EXPECT_LE(*consumed, 3u);
    // After every batch the table holds exactly the model's events up to
    // the stored checkpoint: both moved in one transaction.
    auto at = checkpoint();
    ASSERT_TRUE(at);
    EXPECT_EQ(*at, runner.position());
    EXPECT_EQ(static_cast<std::int64_t>(applied().size()), due_at(*at));
    auto left = runner.backlog();
    ASSERT_TRUE(left);
    if (*left == 0)
      break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    if (*consumed == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::set<std::int64_t> seen;
  for (const auto& row : applied())
    seen.insert(row.position);
  EXPECT_EQ(seen, wanted);
  auto again = runner.run_batch(100);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
}

TEST_F(runner_test, a_poison_event_keeps_everything_and_is_named) {
  projection_runner runner{db.app_url(), test_model(), catalog};
  append();
  catch_up(runner);
  // One append, so one transaction: the fence lets all three through
  // together, and a batch holds the good event before the poison one.
  auto req = make_append("test-poison", tenant, 0, genesis_hash, 3);
  req.events[1].payload = R"({"poison":true})";
  auto res = store.append(req);
  ASSERT_TRUE(res);
  auto poison_position = res->first_position + 1;

  auto failed = first_failure(runner);
  EXPECT_EQ(failed.code, errc::invalid_argument);
  EXPECT_NE(failed.message.find("event " + std::to_string(poison_position)
                                + " (TestHappened"),
            std::string::npos)
    << failed.message;
  EXPECT_NE(failed.message.find("this one is poison"), std::string::npos);
  // Only the first append is there: the good event applied just before the
  // poison one in the same batch was rolled back with it.
  auto rows = applied();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_LT(rows[0].position, res->first_position);
  auto before = checkpoint();
  ASSERT_TRUE(before);
  EXPECT_EQ(due_at(*before), 1);
  EXPECT_EQ(runner.position(), *before);

  // Every retry fails in the same place and moves nothing.
  auto retry = runner.run_batch(10);
  ASSERT_FALSE(retry);
  EXPECT_EQ(retry.error().message, failed.message);
  EXPECT_EQ(checkpoint(), before);
  EXPECT_EQ(applied().size(), 1u);

  // Batches of one go up to the poison event and no further.
  ASSERT_TRUE(runner.run_batch(1));
  EXPECT_EQ(applied().size(), 2u);
  EXPECT_FALSE(runner.run_batch(1));
  EXPECT_EQ(checkpoint()->global_position, res->first_position);
  EXPECT_EQ(applied().size(), 2u);
}

TEST_F(runner_test, a_restarted_runner_resumes_from_its_checkpoint) {
  for (int i = 0; i < 3; ++i)
    append();
  auto first_calls = std::make_shared<std::atomic<int>>(0);
  {
    projection_runner first{db.app_url(), test_model(first_calls), catalog};
    catch_up(first);
  }
  EXPECT_EQ(*first_calls, 3);
  for (int i = 0; i < 2; ++i)
    append();
  auto second_calls = std::make_shared<std::atomic<int>>(0);
  projection_runner second{db.app_url(), test_model(second_calls), catalog};
  catch_up(second);
  EXPECT_EQ(*second_calls, 2) << "events before the checkpoint were applied "
                                 "again";
  EXPECT_EQ(applied().size(), 5u);
}

TEST_F(runner_test, two_runners_of_one_model_never_apply_an_event_twice) {
  for (int i = 0; i < 40; ++i)
    append();
  auto calls = std::make_shared<std::atomic<int>>(0);
  projection_runner a{db.app_url(), test_model(calls), catalog};
  projection_runner b{db.app_url(), test_model(calls), catalog};
  std::thread other{[&] {
    catch_up(b, 3);
  }};
  catch_up(a, 3);
  other.join();
  // A second application would have hit the unique position and failed.
  EXPECT_EQ(*calls, 40);
  EXPECT_EQ(applied().size(), 40u);
}

TEST_F(runner_test, a_transaction_that_commits_late_is_not_skipped) {
  pqxx::connection conn_a{db.app_url()};
  pqxx::work txn_a{conn_a};
  // A takes its transaction id first, then B appends and commits, then A
  // appends: A's event has the later position but the older transaction.
  txn_a.exec1("SELECT pg_current_xact_id()");
  auto b = append(R"({"who":"b"})");
  std::vector<append_request> a_req = {
    make_append("test-late", tenant, 0, genesis_hash, 1, R"({"who":"a"})")};
  auto a = event_store::append_in(txn_a, a_req);
  ASSERT_TRUE(a[0]);
  EXPECT_GT(a[0]->last_position, b.last_position);

  projection_runner runner{db.app_url(), test_model(), catalog};
  auto while_open = runner.run_batch(100);
  ASSERT_TRUE(while_open) << while_open.error().message;
  EXPECT_EQ(*while_open, 0u) << "the runner passed B while A was still open";
  EXPECT_TRUE(applied().empty());

  txn_a.commit();
  catch_up(runner);
  auto rows = applied();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].position, a[0]->last_position);
  EXPECT_EQ(rows[1].position, b.last_position);
}

TEST_F(runner_test, events_are_upcast_before_they_are_applied) {
  auto upcasting = std::make_shared<events::catalog>();
  upcasting->add_type("TestHappened", 2);
  upcasting->add_upcaster("TestHappened", 1,
                          [](std::string_view) -> expected<std::string> {
                            return std::string{R"({"n":1,"v":2})"};
                          });
  append();
  projection_runner runner{db.app_url(), test_model(), upcasting};
  catch_up(runner);
  auto rows = applied();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].payload.find(R"("v":2)"), std::string::npos);
}

TEST_F(runner_test, an_event_the_catalogue_cannot_upcast_stops_the_runner) {
  projection_runner runner{db.app_url(), test_model(), catalog};
  auto older = append();
  catch_up(runner);
  auto future = make_append("test-future", tenant, 0, genesis_hash);
  future.events[0].schema_version = 7;
  ASSERT_TRUE(store.append(future));
  auto failed = first_failure(runner);
  EXPECT_NE(failed.message.find("(TestHappened, stream test-future)"),
            std::string::npos)
    << failed.message;
  ASSERT_EQ(applied().size(), 1u);
  EXPECT_EQ(applied()[0].position, older.last_position);
}

TEST_F(runner_test, notify_wakes_a_waiting_tail_and_silence_times_out) {
  log_tail tail{db.app_url(), {"TestHappened"}, catalog};
  auto quiet = tail.wait_for_notify(std::chrono::milliseconds(50));
  ASSERT_TRUE(quiet) << quiet.error().message;
  EXPECT_FALSE(*quiet);
  append();
  auto woke = tail.wait_for_notify(std::chrono::seconds(20));
  ASSERT_TRUE(woke) << woke.error().message;
  EXPECT_TRUE(*woke);
}

TEST_F(runner_test, a_buffering_model_writes_its_batch_in_its_own_schema) {
  {
    pqxx::connection conn{db.owner_url()};
    pqxx::nontransaction{conn}.exec(
      "CREATE SCHEMA buffered;"
      "CREATE TABLE buffered.applied (position bigint PRIMARY KEY);"
      "GRANT USAGE ON SCHEMA buffered TO larder_app;"
      "GRANT SELECT, INSERT ON buffered.applied TO larder_app");
  }
  struct buffer {
    std::vector<std::int64_t> positions;
    int flushes = 0;
    int discards = 0;
  };
  auto buf = std::make_shared<buffer>();
  read_model model;
  model.name = "buffered";
  model.schema = "buffered";
  model.event_types = {"TestHappened"};
  model.apply = [buf](pqxx::work&,
                      const recorded_event& ev) -> std::optional<error> {
    if (ev.env.payload.find("poison") != std::string::npos)
      return make_error(errc::invalid_argument, "this one is poison");
    buf->positions.push_back(ev.global_position);
    return std::nullopt;
  };
  model.flush = [buf](pqxx::work& txn) -> std::optional<error> {
    ++buf->flushes;
    // Unqualified: the runner set search_path to the model's schema.
    for (auto p : buf->positions)
      txn.exec_params("INSERT INTO applied (position) VALUES ($1)", p);
    buf->positions.clear();
    return std::nullopt;
  };
  model.discard = [buf] {
    ++buf->discards;
    buf->positions.clear();
  };
  std::set<std::int64_t> wanted;
  for (int i = 0; i < 5; ++i)
    wanted.insert(append().last_position);
  projection_runner runner{db.app_url(), model, catalog};
  catch_up(runner);
  EXPECT_GE(buf->flushes, 1);
  EXPECT_EQ(buf->discards, 0);
  auto written = [&] {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    std::set<std::int64_t> out;
    for (auto row : txn.exec("SELECT position FROM buffered.applied"))
      out.insert(row[0].as<std::int64_t>());
    return out;
  };
  EXPECT_EQ(written(), wanted);

  // A good event and then a poison one in the same batch: the batch fails,
  // the model is told to drop the good one, and nothing of it is written.
  // One append, so one transaction: the fence (cluster-wide, and other
  // tests run beside this one) shows both or neither.
  auto req = make_append("test-buffered-poison", tenant, 0, genesis_hash, 2);
  req.events[1].payload = R"({"poison":true})";
  ASSERT_TRUE(store.append(req));
  auto failure = first_failure(runner);
  EXPECT_EQ(failure.code, errc::invalid_argument);
  EXPECT_GE(buf->discards, 1);
  EXPECT_TRUE(buf->positions.empty());
  EXPECT_EQ(written(), wanted);
}

TEST(runner, an_unreachable_database_is_unavailable) {
  auto catalog = std::make_shared<events::catalog>();
  projection_runner runner{"host=127.0.0.1 port=1 user=nobody dbname=none",
                           test_model(), catalog};
  auto batch = runner.run_batch();
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().code, errc::unavailable);
  log_tail tail{
    "host=127.0.0.1 port=1 user=nobody dbname=none", {"TestHappened"}, catalog};
  auto read = tail.read(10);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, errc::unavailable);
  auto wait = tail.wait_for_notify(std::chrono::milliseconds(10));
  ASSERT_FALSE(wait);
  EXPECT_EQ(wait.error().code, errc::unavailable);
}

// The tail's probe runs after every run that caught up. As an
// EXISTS over `transaction_id >= the fence`, on a log vacuumed but not yet
// analysed (a new installation; autovacuum analyses later than it
// vacuums), PostgreSQL chose a sequential scan of the whole log for it.
TEST_F(runner_test, the_held_back_probe_reads_the_fence_index_not_the_log) {
  pqxx::connection conn{db.owner_url()};
  // No autovacuum here: its ANALYZE would give the planner the statistics
  // this test is about doing without, and its transaction would hold back
  // the fence of every test sharing the cluster.
  pqxx::nontransaction{conn}.exec(
    "ALTER TABLE es.events SET (autovacuum_enabled = false)");
  pqxx::work txn{conn};
  txn.exec_params(
    "INSERT INTO es.events (event_id, tenant_id, stream_id, stream_version,"
    "  event_type, schema_version, payload, metadata, recorded_at,"
    "  prev_hash, hash)"
    " SELECT gen_random_uuid(), $1::uuid, 'bulk-' || i, 1, 'Other', 1,"
    "        '{}', '{}', now(), $2, $2"
    "   FROM generate_series(1, 20000) i",
    tenant.to_string(), pqxx::binarystring(std::string(32, '\0')));
  txn.commit();
  pqxx::nontransaction run{conn};
  run.exec("VACUUM es.events");
  std::string plan;
  for (const auto& row :
       run.exec(std::string{"EXPLAIN "} + log_tail::held_back_query))
    plan += std::string{row[0].c_str()} + "\n";
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  EXPECT_NE(plan.find("events_fence"), std::string::npos) << plan;

  // And it answers: nothing is held back while nothing is running.
  log_tail tail{db.app_url(), {"TestHappened"}, catalog};
  auto held = tail.held_back();
  ASSERT_TRUE(held) << held.error().message;
  EXPECT_FALSE(*held);
}

TEST_F(
  runner_test,
  a_batch_with_nothing_to_apply_moves_the_checkpoint_only_from_where_it_was) {
  append(R"({"n":1})");
  append(R"({"n":2})", "OtherHappened");
  append(R"({"n":3})", "OtherHappened");
  append(R"({"n":4})", "OtherHappened");
  auto read = read_log_once_through_the_fence(4);
  ASSERT_EQ(read.events.size(), 4u);
  auto at = [&](std::size_t i) {
    return log_position{read.events[i].transaction_id,
                        read.events[i].global_position};
  };
  auto calls = std::make_shared<std::atomic<int>>();
  projection_runner runner{db.app_url(), test_model(calls), catalog};
  std::span<const recorded_event> all{read.events};
  auto first = runner.run_batch_of({}, all.first(1), at(0));
  ASSERT_TRUE(first) << first.error().message;

  // Only events it does not apply: the checkpoint moves past them.
  auto stepped = runner.run_batch_of(at(0), all.subspan(1, 1), at(1));
  ASSERT_TRUE(stepped) << stepped.error().message;
  EXPECT_EQ(*stepped, 1u);
  EXPECT_EQ(checkpoint(), at(1));
  EXPECT_EQ(runner.position(), at(1));

  // Someone else moved the checkpoint (a rebuild's swap would): the
  // runner neither steps from where it believed it was nor applies.
  {
    pqxx::connection conn{db.owner_url()};
    pqxx::work txn{conn};
    txn.exec_params("UPDATE es.checkpoints SET last_xid = $2::xid8,"
                    " last_position = $3 WHERE name = $1",
                    model_name, std::to_string(at(2).transaction_id),
                    at(2).global_position);
    txn.commit();
  }
  auto refused = runner.run_batch_of(at(1), all.subspan(2, 1), at(2));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::conflict);
  EXPECT_EQ(checkpoint(), at(2));
  // Where the checkpoint now is, it goes on.
  auto rest = runner.run_batch_of(at(2), all.subspan(3), read.next);
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(checkpoint(), read.next);
  EXPECT_EQ(calls->load(), 1);
  ASSERT_EQ(applied().size(), 1u);
}

TEST_F(runner_test, a_batch_read_elsewhere_applies_only_where_it_starts) {
  append(R"({"n":1})");
  append(R"({"n":2})");
  append(R"({"n":3})");
  auto read = read_log_once_through_the_fence(3);
  ASSERT_EQ(read.events.size(), 3u);
  projection_runner runner{db.app_url(), test_model(), catalog};
  std::span<const recorded_event> all{read.events};
  log_position after_first{read.events[0].transaction_id,
                           read.events[0].global_position};

  // Not where the model stands (it is at the start): nothing applied.
  auto skipped = runner.run_batch_of(after_first, all.subspan(1), read.next);
  ASSERT_FALSE(skipped);
  EXPECT_EQ(skipped.error().code, errc::conflict);
  EXPECT_TRUE(applied().empty());

  auto first = runner.run_batch_of({}, all.first(1), after_first);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, 1u);
  auto rest = runner.run_batch_of(after_first, all.subspan(1), read.next);
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(*rest, 2u);
  EXPECT_EQ(checkpoint(), read.next);
  // Once more from the start: the model has moved on, nothing twice.
  auto again = runner.run_batch_of({}, all, read.next);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errc::conflict);
  auto rows = applied();
  ASSERT_EQ(rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(rows[i].position, read.events[i].global_position);
}
