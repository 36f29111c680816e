#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "events/event_store.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::testing::make_append;
using larder::testing::test_database;

class verify_test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [stream, t] :
         {std::pair{"invoice-1", tenant}, std::pair{"invoice-2", tenant},
          std::pair{"invoice-3", other}}) {
      auto first = store.append(make_append(stream, t, 0, genesis_hash, 2));
      ASSERT_TRUE(first);
      ASSERT_TRUE(store.append(
        make_append(stream, t, 2, first->head, 2, R"({"total":"10.00"})")));
    }
  }

  /// Runs `sql` as the owner with the append-only trigger switched off: the
  /// tampering an attacker with owner rights could do.
  void tamper(const std::string& sql) {
    pqxx::connection conn{db.owner_url()};
    pqxx::work txn{conn};
    txn.exec("ALTER TABLE es.events DISABLE TRIGGER events_no_update_delete");
    txn.exec(sql);
    txn.exec("ALTER TABLE es.events ENABLE TRIGGER events_no_update_delete");
    txn.commit();
  }

  test_database db;
  event_store store{db.app_url()};
  uuid tenant = uuid::make_v7();
  uuid other = uuid::make_v7();
};

TEST_F(verify_test, an_untouched_log_verifies) {
  auto report = store.verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->failure);
  EXPECT_EQ(report->streams, 3);
  EXPECT_EQ(report->events, 12);
  auto one = store.verify(other);
  ASSERT_TRUE(one);
  EXPECT_FALSE(one->failure);
  EXPECT_EQ(one->streams, 1);
  EXPECT_EQ(one->events, 4);
}

TEST_F(verify_test, a_changed_payload_is_found_and_named) {
  tamper("UPDATE es.events SET payload = '{\"total\":\"1.00\"}' "
         "WHERE stream_id = 'invoice-2' AND stream_version = 3");
  auto report = store.verify();
  ASSERT_TRUE(report);
  ASSERT_TRUE(report->failure);
  EXPECT_EQ(report->failure->stream_id, "invoice-2");
  EXPECT_EQ(report->failure->stream_version, 3);
  EXPECT_NE(report->failure->reason.find("hash"), std::string::npos);
  // The tenant whose history is intact still verifies.
  EXPECT_FALSE(store.verify(other)->failure);
}

TEST_F(verify_test, a_deleted_event_is_found) {
  tamper("DELETE FROM es.events WHERE stream_id = 'invoice-1' "
         "AND stream_version = 2");
  auto report = store.verify();
  ASSERT_TRUE(report && report->failure);
  EXPECT_EQ(report->failure->stream_id, "invoice-1");
  EXPECT_EQ(report->failure->stream_version, 3);
  EXPECT_NE(report->failure->reason.find("missing"), std::string::npos);
}

TEST_F(verify_test, a_rewritten_hash_breaks_the_next_link) {
  tamper("UPDATE es.events SET hash = sha256(hash) "
         "WHERE stream_id = 'invoice-3' AND stream_version = 4");
  auto report = store.verify(other);
  ASSERT_TRUE(report && report->failure);
  EXPECT_EQ(report->failure->stream_id, "invoice-3");
  EXPECT_EQ(report->failure->stream_version, 4);
}

TEST_F(verify_test, a_truncated_tail_disagrees_with_the_stream_head) {
  tamper("DELETE FROM es.events WHERE stream_id = 'invoice-1' "
         "AND stream_version = 4");
  auto report = store.verify();
  ASSERT_TRUE(report && report->failure);
  EXPECT_EQ(report->failure->stream_id, "invoice-1");
  EXPECT_NE(report->failure->reason.find("head"), std::string::npos);
}
