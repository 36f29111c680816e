#include "events/event_store.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "events/hash_chain.hpp"
#include "events/jcs.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::testing::make_append;
using larder::testing::test_database;

namespace {

int count_events(const test_database& db) {
  pqxx::connection conn{db.app_url()};
  pqxx::read_transaction txn{conn};
  return txn.exec1("SELECT count(*) FROM es.events")[0].as<int>();
}

} // namespace

class event_store_test : public ::testing::Test {
 protected:
  test_database db;
  event_store store{db.app_url()};
  uuid tenant = uuid::make_v7();
};

TEST_F(event_store_test, appended_events_read_back_chained_and_canonical) {
  auto req = make_append("invoice-1", tenant, 0, genesis_hash, 3,
                         R"({ "total" : "12.50", "by": "Zoë" })");
  req.metadata.actor = actor_kind::user;
  req.metadata.actor_id = "user-7";
  req.metadata.request_id = "req-1";
  auto res = store.append(req);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->version, 3);
  EXPECT_GT(res->last_position, 0);
  EXPECT_EQ(res->last_position - res->first_position, 2);

  auto events = store.read_stream("invoice-1");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);
  hash_bytes prev = genesis_hash;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& ev = (*events)[i];
    EXPECT_EQ(ev.env.stream_version, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(ev.env.tenant_id, tenant);
    EXPECT_EQ(ev.env.event_id, req.events[i].event_id);
    EXPECT_EQ(ev.prev_hash, prev);
    EXPECT_EQ(*chain_hash(prev, ev.env), ev.hash);
    prev = ev.hash;
    auto meta = decode_metadata(ev.env.metadata);
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->actor, actor_kind::user);
    EXPECT_EQ(meta->actor_id, "user-7");
    EXPECT_EQ(meta->request_id, "req-1");
  }
  EXPECT_EQ(res->head, prev);
  auto tail = store.read_stream("invoice-1", 3);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 1u);
  auto head = store.head("invoice-1");
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->version, 3);
  EXPECT_EQ((*head)->head, prev);
  EXPECT_EQ((*head)->stream_type, "invoice");
}

TEST_F(event_store_test,
       a_stale_expected_version_is_a_conflict_and_writes_nothing) {
  auto first = store.append(make_append("invoice-2", tenant, 0, genesis_hash));
  ASSERT_TRUE(first);
  auto before = count_events(db);
  // Creating the stream again, or appending at an old version or head.
  for (auto req : {make_append("invoice-2", tenant, 0, genesis_hash),
                   make_append("invoice-2", tenant, 2, first->head),
                   make_append("invoice-2", tenant, 1, genesis_hash)}) {
    auto res = store.append(req);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, errc::conflict);
  }
  EXPECT_EQ(count_events(db), before);
}

// Appends travel as binary arrays (pg_binary_array): nothing is quoted, so
// text that an array literal would have to escape must arrive as it is.
TEST_F(event_store_test, ids_and_payloads_arrive_byte_for_byte) {
  const std::vector<std::string> streams = {
    R"(invoice-"quoted")", R"(invoice-back\slash)", "invoice-{braces},comma",
    "invoice-NULL",        "invoice- spaced ",      "invoice-Zoë-日本"};
  const std::string payload =
    R"({"note":"a \"quote\", a \\ backslash, {braces}, NULL","p":"日本"})";
  std::vector<append_request> batch;
  for (const auto& id : streams)
    batch.push_back(make_append(id, tenant, 0, genesis_hash, 2, payload));
  auto results = store.append_batch(batch);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    ASSERT_TRUE(results[i]) << streams[i] << ": " << results[i].error().message;
    auto events = store.read_stream(streams[i]);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 2u) << streams[i];
    hash_bytes prev = genesis_hash;
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& ev = (*events)[k];
      EXPECT_EQ(ev.env.stream_id, streams[i]);
      EXPECT_EQ(ev.env.event_id, batch[i].events[k].event_id);
      EXPECT_EQ(ev.env.stream_version, static_cast<std::int64_t>(k + 1));
      EXPECT_EQ(ev.env.tenant_id, tenant);
      EXPECT_EQ(ev.env.schema_version, batch[i].events[k].schema_version);
      // jsonb prints its own way; the content is what must match.
      EXPECT_EQ(*canonicalize(ev.env.payload), *canonicalize(payload));
      EXPECT_EQ(ev.prev_hash, prev);
      EXPECT_EQ(*chain_hash(prev, ev.env), ev.hash);
      prev = ev.hash;
    }
    EXPECT_EQ(prev, results[i]->head);
  }
  auto report = store.verify(tenant);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->failure);
  EXPECT_EQ(report->events, 12);
  // The streams' heads went in as raw bytes too: the next append, which
  // compares them, goes through.
  auto next = store.append(
    make_append(streams[0], tenant, 2, results[0]->head, 1, payload));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->version, 3);
}

TEST_F(event_store_test, another_tenant_cannot_append_to_a_stream) {
  auto first = store.append(make_append("invoice-3", tenant, 0, genesis_hash));
  ASSERT_TRUE(first);
  auto res =
    store.append(make_append("invoice-3", uuid::make_v7(), 1, first->head));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::conflict);
}

TEST_F(event_store_test, one_conflict_in_a_batch_does_not_fail_the_others) {
  auto a = store.append(make_append("invoice-a", tenant, 0, genesis_hash));
  ASSERT_TRUE(a);
  std::vector<append_request> batch = {
    make_append("invoice-a", tenant, 5, a->head),       // stale
    make_append("invoice-a2", tenant, 0, genesis_hash), // new
    make_append("invoice-a", tenant, 1, a->head),       // same stream twice
    make_append("invoice-b", tenant, 0, genesis_hash, 1, "[1]"), // invalid
  };
  batch[2].stream_id = "invoice-a3";
  batch[2].expected_version = 0;
  batch[2].expected_head = genesis_hash;
  auto results = store.append_batch(batch);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].error().code, errc::conflict);
  EXPECT_TRUE(results[1]);
  EXPECT_TRUE(results[2]);
  EXPECT_EQ(results[3].error().code, errc::invalid_argument);
  EXPECT_EQ(count_events(db), 3);
}

TEST_F(event_store_test, a_batch_naming_one_stream_twice_refuses_the_second) {
  std::vector<append_request> batch = {
    make_append("invoice-d", tenant, 0, genesis_hash),
    make_append("invoice-d", tenant, 1, genesis_hash)};
  auto results = store.append_batch(batch);
  EXPECT_TRUE(results[0]);
  EXPECT_EQ(results[1].error().code, errc::invalid_argument);
}

TEST_F(event_store_test, a_reused_event_id_fails_only_its_own_append) {
  auto a = make_append("invoice-e1", tenant, 0, genesis_hash);
  ASSERT_TRUE(store.append(a));
  auto dup = make_append("invoice-e2", tenant, 0, genesis_hash);
  dup.events[0].event_id = a.events[0].event_id;
  std::vector<append_request> batch = {
    dup, make_append("invoice-e3", tenant, 0, genesis_hash)};
  auto results = store.append_batch(batch);
  EXPECT_FALSE(results[0]);
  EXPECT_TRUE(results[1]);
  EXPECT_EQ(count_events(db), 2);
}

TEST_F(event_store_test, bad_requests_are_refused_before_the_database) {
  auto no_events = make_append("invoice-f", tenant, 0, genesis_hash, 0);
  auto nul =
    make_append("invoice-f", tenant, 0, genesis_hash, 1, R"({"a":"\u0000"})");
  auto no_tenant = make_append("invoice-f", uuid{}, 0, genesis_hash);
  auto huge = make_append("invoice-f", tenant, 0, genesis_hash, 1,
                          R"({"a":")" + std::string(300 * 1024, 'x') + "\"}");
  auto float_overflow =
    make_append("invoice-f", tenant, 0, genesis_hash, 1, R"({"a":1e400})");
  for (const auto& req : {no_events, nul, no_tenant, huge, float_overflow}) {
    auto res = store.append(req);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, errc::invalid_argument);
  }
  EXPECT_EQ(count_events(db), 0);
}

TEST_F(event_store_test, two_writers_racing_for_one_version_exactly_one_wins) {
  // Two stores are two connections: as two larder nodes would be.
  event_store other{db.app_url()};
  constexpr int rounds = 50;
  auto created =
    store.append(make_append("invoice-race", tenant, 0, genesis_hash));
  ASSERT_TRUE(created);
  std::int64_t version = 1;
  hash_bytes head = created->head;
  for (int round = 0; round < rounds; ++round) {
    std::atomic<int> go{0};
    expected<append_result> r1{make_error(errc::unavailable, "")};
    expected<append_result> r2{make_error(errc::unavailable, "")};
    std::thread t1([&] {
      while (go.load() == 0) {
      }
      r1 = store.append(make_append("invoice-race", tenant, version, head));
    });
    std::thread t2([&] {
      while (go.load() == 0) {
      }
      r2 = other.append(make_append("invoice-race", tenant, version, head));
    });
    go = 1;
    t1.join();
    t2.join();
    ASSERT_NE(static_cast<bool>(r1), static_cast<bool>(r2))
      << "round " << round;
    const auto& winner = r1 ? r1 : r2;
    const auto& loser = r1 ? r2 : r1;
    EXPECT_EQ(loser.error().code, errc::conflict);
    ++version;
    EXPECT_EQ(winner->version, version);
    head = winner->head;
  }
  EXPECT_EQ(count_events(db), rounds + 1);
  auto report = store.verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->failure);
}

TEST_F(event_store_test, a_lost_connection_is_unavailable_then_recovers) {
  ASSERT_TRUE(store.append(make_append("invoice-g", tenant, 0, genesis_hash)));
  // Kill every larder_app backend of this database, as a restart would.
  {
    pqxx::connection admin{db.superuser_url()};
    pqxx::nontransaction{admin}.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE usename = 'larder_app' AND datname = current_database()");
  }
  auto head = store.head("invoice-g");
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, errc::unavailable);
  auto again = store.head("invoice-g");
  ASSERT_TRUE(again) << "the store did not reconnect";
  auto res = store.append(make_append("invoice-g", tenant, 1, (*again)->head));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->version, 2);
}

TEST(event_store_down, an_unreachable_database_is_unavailable_with_a_reason) {
  event_store store{"host=127.0.0.1 port=1 user=larder_app dbname=larder "
                    "connect_timeout=2"};
  auto ok = store.connect();
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, errc::unavailable);
  EXPECT_NE(ok.error().message.find("cannot connect"), std::string::npos);
  auto res =
    store.append(make_append("tenant-z", uuid::make_v7(), 0, genesis_hash));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::unavailable);
}

TEST_F(event_store_test, each_commit_sends_a_wake_up_notification) {
  pqxx::connection listener{db.app_url()};
  larder::testing::wake_up_counter rx{listener};
  ASSERT_TRUE(store.append(make_append("invoice-n", tenant, 0, genesis_hash)));
  listener.await_notification(5, 0);
  EXPECT_EQ(rx.count, 1);
}
