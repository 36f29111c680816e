// Rebuilding a read model into a copy of its schema and swapping it in,
// and the checkpoint reports of `larder projections status`, against a
// real PostgreSQL.
#include "projections/rebuild.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "events/event_store.hpp"
#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::projections::projection_reports;
using larder::projections::projection_runner;
using larder::projections::read_model;
using larder::projections::rebuild;
using larder::projections::rebuild_all;
using larder::projections::rebuild_progress;
using larder::projections::rebuild_step;
using larder::testing::catch_up;
using larder::testing::make_append;
using larder::testing::test_database;
using larder::testing::wait_for_fence;

namespace {

/// A model counting its events per stream, in schema rm_count; a payload
/// saying "poison" cannot be applied.
read_model counting_model() {
  read_model m;
  m.name = "count";
  m.schema = "rm_count";
  m.event_types = {"Counted"};
  m.apply = [](pqxx::work& txn,
               const recorded_event& ev) -> std::optional<error> {
    if (ev.env.payload.find("poison") != std::string::npos)
      return make_error(errc::invalid_argument, "cannot count this");
    txn.exec_params("INSERT INTO counts (stream_id, n) VALUES ($1, 1)"
                    " ON CONFLICT (stream_id) DO UPDATE SET n = counts.n + 1",
                    ev.env.stream_id);
    return std::nullopt;
  };
  return m;
}

/// Like `counting_model`, in schema rm_tally, failing on stream "bad".
read_model tally_model() {
  read_model m;
  m.name = "tally";
  m.schema = "rm_tally";
  m.event_types = {"Counted"};
  m.apply = [](pqxx::work& txn,
               const recorded_event& ev) -> std::optional<error> {
    if (ev.env.stream_id == "bad")
      return make_error(errc::invalid_argument, "cannot tally this");
    txn.exec_params("INSERT INTO tallies (stream_id, n) VALUES ($1, 1)"
                    " ON CONFLICT (stream_id) DO UPDATE"
                    " SET n = tallies.n + 1",
                    ev.env.stream_id);
    return std::nullopt;
  };
  return m;
}

class rebuild_test : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection conn{db.owner_url()};
    pqxx::nontransaction{conn}.exec(
      "CREATE SCHEMA rm_count;"
      "REVOKE ALL ON SCHEMA rm_count FROM PUBLIC;"
      "GRANT USAGE ON SCHEMA rm_count TO larder_app;"
      "CREATE TABLE rm_count.counts (stream_id text PRIMARY KEY,"
      "  n integer NOT NULL CHECK (n > 0)) WITH (fillfactor = 70);"
      "CREATE INDEX counts_by_n ON rm_count.counts (n);"
      "GRANT SELECT, INSERT, UPDATE, DELETE ON rm_count.counts TO larder_app;"
      "CREATE SCHEMA rm_tally;"
      "GRANT USAGE ON SCHEMA rm_tally TO larder_app;"
      "CREATE TABLE rm_tally.tallies (stream_id text PRIMARY KEY,"
      "  n integer NOT NULL);"
      "GRANT SELECT, INSERT, UPDATE, DELETE ON rm_tally.tallies TO larder_app");
    catalog->add_type("Counted", 1);
  }

  void append(const std::string& stream, int n,
              const std::string& payload = R"({"x":1})") {
    auto& head = heads.try_emplace(stream, genesis_hash).first->second;
    for (int i = 0; i < n; ++i) {
      auto req =
        make_append(stream, tenant, versions[stream], head, 1, payload);
      req.events[0].event_type = "Counted";
      auto res = store.append(req);
      ASSERT_TRUE(res) << res.error().message;
      versions[stream] = res->version;
      head = res->head;
    }
  }

  std::map<std::string, int> counts(const char* table = "rm_count.counts") {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    std::map<std::string, int> out;
    for (auto row : txn.exec(std::string{"SELECT stream_id, n FROM "} + table))
      out[row[0].c_str()] = row[1].as<int>();
    return out;
  }

  /// Records in `reported` how many events a rebuild says it has read,
  /// and in `steps` each step a model begins, in order.
  rebuild_progress progress() {
    rebuild_progress p;
    p.read = [this](std::int64_t n) {
      reported = n;
    };
    p.step = [this](const std::string& model, rebuild_step step) {
      std::lock_guard lock{steps_mutex};
      steps[model].push_back(step);
    };
    return p;
  }

  /// Runs `sql` as the owner, in one transaction: what a buggy model
  /// version or an old installation would have left behind.
  void as_owner(const std::string& sql) {
    pqxx::connection conn{db.owner_url()};
    pqxx::work txn{conn};
    txn.exec(sql);
    txn.commit();
  }

  /// How many rows `sql` (a count) finds, as the owner.
  int count(const std::string& sql) {
    pqxx::connection conn{db.owner_url()};
    pqxx::read_transaction txn{conn};
    return txn.exec1(sql)[0].as<int>();
  }

  test_database db;
  event_store store{db.app_url()};
  std::shared_ptr<events::catalog> catalog =
    std::make_shared<events::catalog>();
  uuid tenant = uuid::make_v7();
  std::map<std::string, std::int64_t> versions;
  std::int64_t reported = 0;
  std::mutex steps_mutex;
  std::map<std::string, std::vector<rebuild_step>> steps;
  std::map<std::string, hash_bytes> heads;
};

TEST_F(rebuild_test, builds_a_copy_swaps_it_in_and_the_live_runner_goes_on) {
  append("a", 3);
  append("b", 2);
  projection_runner live{db.app_url(), counting_model(), catalog};
  catch_up(live);
  // Damage the live tables, as a buggy model version would have.
  as_owner("UPDATE rm_count.counts SET n = 99 WHERE stream_id = 'a'");
  ASSERT_EQ(counts()["a"], 99);
  append("c", 1);

  auto model = counting_model();
  model.settle = [](pqxx::work&) -> std::optional<error> {
    return std::nullopt;
  };
  // The progress counts what the shared read saw: all of the log, once
  // the fence has passed it.
  wait_for_fence(db.app_url());
  auto done = rebuild(db.owner_url(), model, catalog, progress(), 2);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->name, "count");
  EXPECT_EQ(done->events, 6);
  EXPECT_EQ(reported, 6);
  // Each step after the read is told as it begins.
  EXPECT_EQ(steps["count"],
            (std::vector{rebuild_step::settling, rebuild_step::indexing,
                         rebuild_step::swapping}));
  EXPECT_EQ(counts(),
            (std::map<std::string, int>{{"a", 3}, {"b", 2}, {"c", 1}}));

  // The copy took the live name, indexes and grants included; nothing is
  // left of the old tables or the copy's checkpoint.
  EXPECT_EQ(count("SELECT count(*) FROM pg_namespace WHERE nspname IN"
                  " ('rm_count_old', 'rm_count_rebuild')"),
            0);
  // Every index under its live name, the primary key still one.
  EXPECT_EQ(count("SELECT count(*) FROM pg_indexes WHERE schemaname ="
                  " 'rm_count' AND indexname = 'counts_by_n'"
                  " AND indexdef LIKE '%(n)%'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM pg_constraint c"
                  "  JOIN pg_namespace n ON n.oid = c.connamespace"
                  " WHERE n.nspname = 'rm_count' AND c.contype = 'p'"
                  "   AND c.conname = 'counts_pkey'"),
            1);
  // Its storage parameters, which CREATE TABLE … LIKE leaves behind.
  EXPECT_EQ(count("SELECT count(*) FROM pg_class WHERE oid ="
                  " 'rm_count.counts'::regclass"
                  " AND reloptions = '{fillfactor=70}'"),
            1);
  EXPECT_EQ(
    count("SELECT count(*) FROM es.checkpoints WHERE name = 'count_rebuild'"),
    0);
  // Vacuumed before it served: every page marked all-visible, so counts
  // can read its indexes alone (ANALYZE alone leaves this at 0).
  EXPECT_EQ(count("SELECT count(*) FROM pg_class WHERE oid ="
                  " 'rm_count.counts'::regclass AND relpages > 0"
                  " AND relallvisible = relpages"),
            1);

  // The live runner carries on from the rebuilt position on the new tables:
  // nothing applied twice (c stays 1), new events counted.
  append("c", 1);
  append("d", 1);
  catch_up(live);
  EXPECT_EQ(counts(), (std::map<std::string, int>{
                        {"a", 3}, {"b", 2}, {"c", 2}, {"d", 1}}));
}

TEST_F(rebuild_test,
       one_read_rebuilds_several_models_and_a_failure_is_its_own) {
  append("a", 3);
  append("bad", 1);
  append("c", 2);
  projection_runner live_count{db.app_url(), counting_model(), catalog};
  catch_up(live_count);
  as_owner("UPDATE rm_count.counts SET n = 42;"
           "INSERT INTO rm_tally.tallies VALUES ('kept', 7)");
  std::vector<read_model> models;
  models.push_back(counting_model());
  models.push_back(tally_model());
  // The progress counts what the shared read saw: all of the log, once
  // the fence has passed it.
  wait_for_fence(db.app_url());
  auto done =
    rebuild_all(db.owner_url(), std::move(models), catalog, progress(), 2);
  ASSERT_EQ(done.size(), 2u);
  ASSERT_TRUE(done[0]) << done[0].error().message;
  EXPECT_EQ(done[0]->name, "count");
  EXPECT_EQ(done[0]->events, 6);
  EXPECT_EQ(reported, 6);
  // A model without `settle` skips that step; the one that failed while
  // loading reached none.
  EXPECT_EQ(steps["count"],
            (std::vector{rebuild_step::indexing, rebuild_step::swapping}));
  EXPECT_FALSE(steps.contains("tally"));
  EXPECT_EQ(counts(),
            (std::map<std::string, int>{{"a", 3}, {"bad", 1}, {"c", 2}}));
  // The tally fails on its own poison, names it, keeps its live tables
  // and leaves no copy behind.
  ASSERT_FALSE(done[1]);
  EXPECT_NE(done[1].error().message.find("cannot tally this"),
            std::string::npos)
    << done[1].error().message;
  EXPECT_EQ(counts("rm_tally.tallies"),
            (std::map<std::string, int>{{"kept", 7}}));
  EXPECT_EQ(count("SELECT count(*) FROM pg_namespace WHERE nspname ="
                  " 'rm_tally_rebuild'"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM es.checkpoints WHERE name ="
                  " 'tally_rebuild'"),
            0);
}

TEST_F(rebuild_test, the_shared_read_goes_on_past_one_copy_of_the_log) {
  // Batches of one event: a COPY reads ten, so this log takes three.
  append("a", 13);
  append("b", 12);
  // The progress counts what the shared read saw: all of the log, once
  // the fence has passed it.
  wait_for_fence(db.app_url());
  auto done = rebuild(db.owner_url(), counting_model(), catalog, progress(), 1);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(reported, 25) << "the shared read stopped early";
  EXPECT_EQ(counts(), (std::map<std::string, int>{{"a", 13}, {"b", 12}}));
}

TEST_F(rebuild_test, an_index_apply_needs_that_is_missing_defers_none) {
  append("a", 2);
  // An index under a name the model does not know (an older rebuild's).
  as_owner("ALTER INDEX rm_count.counts_by_n RENAME TO counts_n_idx");
  auto m = counting_model();
  m.indexes_for_apply = {"counts_by_n"};
  auto done = rebuild(db.owner_url(), m, catalog);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(counts(), (std::map<std::string, int>{{"a", 2}}));
  EXPECT_EQ(count("SELECT count(*) FROM pg_indexes WHERE schemaname ="
                  " 'rm_count' AND indexname = 'counts_n_idx'"),
            1);
}

TEST_F(rebuild_test, a_model_without_its_own_schema_is_refused) {
  auto m = counting_model();
  m.schema.clear();
  auto done = rebuild(db.owner_url(), m, catalog);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, errc::invalid_argument);
}

TEST_F(rebuild_test,
       a_poison_event_fails_the_rebuild_and_leaves_the_live_model) {
  append("a", 2);
  projection_runner live{db.app_url(), counting_model(), catalog};
  catch_up(live);
  append("p", 1, R"({"poison":true})");
  auto done = rebuild(db.owner_url(), counting_model(), catalog);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().message.find("cannot count this"), std::string::npos);
  EXPECT_EQ(counts(), (std::map<std::string, int>{{"a", 2}}));
}

TEST_F(rebuild_test, reports_show_position_lag_and_the_last_error) {
  append("a", 3);
  auto before = projection_reports(db.app_url(), {"count"});
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].last_position, 0);
  EXPECT_EQ((*before)[0].lag_events, 3);
  EXPECT_GE((*before)[0].lag_seconds, 0);

  projection_runner live{db.app_url(), counting_model(), catalog};
  catch_up(live);
  auto after = projection_reports(db.app_url(), {"count"});
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)[0].lag_events, 0);
  EXPECT_EQ((*after)[0].lag_seconds, 0);
  EXPECT_GT((*after)[0].last_position, 0);
  EXPECT_FALSE((*after)[0].updated_at.empty());
  EXPECT_TRUE((*after)[0].last_error.empty());

  append("p", 1, R"({"poison":true})");
  auto failed = live.run_batch(10);
  for (int i = 0; failed && i < 100; ++i) // the fence may hold it a moment
    failed = live.run_batch(10);
  ASSERT_FALSE(failed);
  auto stuck = projection_reports(db.app_url(), {"count"});
  ASSERT_TRUE(stuck);
  EXPECT_EQ((*stuck)[0].lag_events, 1);
  EXPECT_NE((*stuck)[0].last_error.find("cannot count this"),
            std::string::npos);
}

} // namespace
