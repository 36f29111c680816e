#include "events/migrations.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::testing::test_database;

TEST(migrations, a_second_run_applies_nothing) {
  test_database db;
  auto again = migrate(db.owner_url());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->already_applied, embedded_migrations().size());
  auto pending = pending_migrations(db.app_url());
  ASSERT_TRUE(pending);
  EXPECT_TRUE(pending->empty());
}

TEST(migrations, an_edited_applied_migration_is_an_error_not_a_rerun) {
  test_database db;
  std::vector<migration_source> edited = embedded_migrations();
  std::string changed = std::string{edited[0].sql} + "\n-- edited\n";
  edited[0].sql = changed;
  auto result = migrate(db.owner_url(), edited);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, errc::conflict);
  EXPECT_NE(result.error().message.find(std::string{edited[0].name}),
            std::string::npos);
}

TEST(migrations, a_failing_migration_leaves_nothing_behind) {
  test_database db;
  std::vector<migration_source> more = embedded_migrations();
  more.push_back({"900_broken", "CREATE TABLE es.half (x int); SELECT 1/0;"});
  auto result = migrate(db.owner_url(), more);
  ASSERT_FALSE(result);
  pqxx::connection conn{db.owner_url()};
  pqxx::read_transaction txn{conn};
  EXPECT_TRUE(txn.exec1("SELECT to_regclass('es.half')")[0].is_null());
  EXPECT_EQ(txn
              .exec1("SELECT count(*) FROM larder_migrations WHERE "
                     "version = 900")[0]
              .as<int>(),
            0);
}

TEST(migrations, the_application_role_cannot_rewrite_history) {
  test_database db;
  event_store store{db.app_url()};
  auto tenant = uuid::make_v7();
  ASSERT_TRUE(store.append(
    larder::testing::make_append("tenant-x", tenant, 0, genesis_hash)));
  for (auto sql : {"UPDATE es.events SET payload = '{}'",
                   "DELETE FROM es.events", "TRUNCATE es.events"}) {
    pqxx::connection conn{db.app_url()};
    pqxx::work txn{conn};
    EXPECT_THROW(txn.exec(sql), pqxx::insufficient_privilege) << sql;
  }
}

TEST(migrations, the_trigger_stops_even_the_owner) {
  test_database db;
  event_store store{db.app_url()};
  ASSERT_TRUE(store.append(larder::testing::make_append(
    "tenant-x", uuid::make_v7(), 0, genesis_hash)));
  for (auto sql : {"UPDATE es.events SET payload = '{}'",
                   "DELETE FROM es.events", "TRUNCATE es.events"}) {
    pqxx::connection conn{db.owner_url()};
    pqxx::work txn{conn};
    try {
      txn.exec(sql);
      ADD_FAILURE() << sql << " succeeded";
    } catch (const pqxx::sql_error& e) {
      EXPECT_NE(std::string{e.what()}.find("append-only"), std::string::npos)
        << e.what();
    }
  }
  pqxx::connection conn{db.owner_url()};
  pqxx::read_transaction txn{conn};
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM es.events")[0].as<int>(), 1);
}

TEST(migrations, pending_lists_everything_on_an_empty_database) {
  test_database db;
  pqxx::connection conn{db.superuser_url()};
  pqxx::nontransaction{conn}.exec("CREATE DATABASE " + db.name()
                                  + "_empty OWNER larder_owner");
  auto url = db.superuser_url();
  url.replace(url.find("dbname=" + db.name()), 7 + db.name().size(),
              "dbname=" + db.name() + "_empty");
  auto pending = pending_migrations(url);
  pqxx::nontransaction{conn}.exec("DROP DATABASE " + db.name() + "_empty");
  ASSERT_TRUE(pending) << pending.error().message;
  EXPECT_EQ(pending->size(), embedded_migrations().size());
}
