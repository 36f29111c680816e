#include "events/migrations.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

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

TEST(migrations, invoice_statuses_move_to_their_own_table_with_their_rows) {
  test_database db;
  pqxx::connection admin{db.superuser_url()};
  auto name = db.name() + "_old";
  pqxx::nontransaction{admin}.exec("CREATE DATABASE " + name
                                   + " OWNER larder_owner");
  auto url = db.owner_url();
  url.replace(url.find("dbname=" + db.name()), 7 + db.name().size(),
              "dbname=" + name);
  const auto& all = embedded_migrations();
  auto split = std::find_if(all.begin(), all.end(), [](const auto& m) {
    return m.name == "009_invoice_statuses";
  });
  ASSERT_NE(split, all.end());
  std::vector<migration_source> before(all.begin(), split);
  std::optional<pqxx::result> moved, left;
  {
    ASSERT_TRUE(migrate(url, before));
    pqxx::connection conn{url};
    pqxx::work txn{conn};
    // An approved, paid invoice as the model wrote it before the split.
    txn.exec(
      "INSERT INTO rm_invoices.invoices (invoice_id, tenant_id, version,"
      " position, updated_at, status, display_status, status_rank, source,"
      " file_name, media_type, size_bytes, sha256, sender, received_at,"
      " total, confidence, corrected_fields, taxes, line_count, provider,"
      " model, extraction_attempts, extraction_cost, failure_retryable,"
      " approved_at, approved_by, paid, paid_on, payment_method,"
      " payment_reference, search)"
      " VALUES ('0190a0c4-0000-7000-8000-000000000001',"
      " '0190a0c4-0000-7000-8000-0000000000aa', 4, 17,"
      " '2026-11-20T10:00:00Z', 'approved', 'approved_paid', 3, 'upload',"
      " 'facture.pdf', 'application/pdf', 1000, 'ab', '',"
      " '2026-11-19T09:00:00Z', 40, '{}', '[]', '[]', 1, 'pdf_text', '', 1,"
      " 0, false, '2026-11-20T09:30:00Z', 'owner@bistro.test', true,"
      " '2026-11-20', 'cheque', '1042', ''::tsvector)");
    txn.commit();
  }
  auto after = migrate(url);
  if (after) {
    pqxx::connection conn{url};
    pqxx::read_transaction txn{conn};
    moved = txn.exec(
      "SELECT tenant_id::text, version, position, status, display_status,"
      " status_rank, approved_by, paid, paid_on::text, payment_method,"
      " payment_reference FROM rm_invoices.statuses");
    left = txn.exec(
      "SELECT column_name FROM information_schema.columns"
      " WHERE table_schema = 'rm_invoices' AND table_name = 'invoices'"
      "   AND column_name IN ('status', 'status_rank', 'paid', 'version')");
  }
  pqxx::nontransaction{admin}.exec("DROP DATABASE " + name);
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_EQ(moved->size(), 1);
  auto row = (*moved)[0];
  EXPECT_EQ(row[0].as<std::string>(), "0190a0c4-0000-7000-8000-0000000000aa");
  EXPECT_EQ(row[1].as<int>(), 4);
  EXPECT_EQ(row[2].as<int>(), 17);
  EXPECT_EQ(row[3].as<std::string>(), "approved");
  EXPECT_EQ(row[4].as<std::string>(), "approved_paid");
  EXPECT_EQ(row[5].as<int>(), 3);
  EXPECT_EQ(row[6].as<std::string>(), "owner@bistro.test");
  EXPECT_TRUE(row[7].as<bool>());
  EXPECT_EQ(row[8].as<std::string>(), "2026-11-20");
  EXPECT_EQ(row[9].as<std::string>(), "cheque");
  EXPECT_EQ(row[10].as<std::string>(), "1042");
  EXPECT_EQ(left->size(), 0) << "the document row keeps none of them";
}

// Autovacuum analyzes the log often; sampling its jsonb and hash columns was
// most of that work, and no query filters on them (014_events_statistics).
TEST(migrations, the_log_keeps_statistics_only_for_what_reads_filter_on) {
  test_database db;
  event_store store{db.app_url()};
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(store.append(larder::testing::make_append(
      "tenant-" + std::to_string(i), uuid::make_v7(), 0, genesis_hash)));
  pqxx::connection conn{db.owner_url()};
  pqxx::work txn{conn};
  txn.exec("ANALYZE es.events");
  std::vector<std::string> kept;
  for (const auto& row :
       txn.exec("SELECT attname FROM pg_stats WHERE schemaname = 'es'"
                " AND tablename = 'events' ORDER BY attname"))
    kept.push_back(row[0].c_str());
  for (auto column : {"stream_id", "tenant_id", "global_position",
                      "transaction_id", "event_type"})
    EXPECT_NE(std::find(kept.begin(), kept.end(), column), kept.end())
      << column << " lost its statistics";
  for (auto column :
       {"payload", "metadata", "prev_hash", "hash", "event_id", "recorded_at"})
    EXPECT_EQ(std::find(kept.begin(), kept.end(), column), kept.end())
      << column << " is still sampled";
}
