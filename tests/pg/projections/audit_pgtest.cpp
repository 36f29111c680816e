// An invoice's audit history, rendered from its stream in a real
// PostgreSQL: every event in order, before/after for corrections, other
// tenants' invoices not found.
#include "projections/audit.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::domain;
using larder::events::uuid;
using larder::projections::audit_change;
using larder::projections::audit_entry;
using larder::projections::invoice_history;
using larder::testing::domain_log;
using larder::testing::full_catalog;
using larder::testing::test_database;

namespace {

values::decimal dec(const char* text) {
  return *values::decimal::parse(text);
}

values::line_item line(const char* description, const char* qty,
                       const char* price, const char* total) {
  return {description, dec(qty), "kg", dec(price), dec(total), "", {}, false};
}

class audit_test : public ::testing::Test {
 protected:
  std::optional<std::vector<audit_entry>> history_of(const uuid& tenant,
                                                     const uuid& invoice) {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    return invoice_history(txn, *catalog, tenant, invoice);
  }

  test_database db;
  domain_log log{db.app_url()};
  std::shared_ptr<events::catalog> catalog = full_catalog();
  uuid tenant = uuid::make_v7();
  uuid invoice = uuid::make_v7();
};

TEST_F(audit_test, tells_the_whole_lifecycle_with_before_and_after) {
  document_received received;
  received.invoice_id = invoice;
  received.tenant_id = tenant;
  received.source = document_source::email;
  received.file_name = "facture-118.pdf";
  received.media_type = "application/pdf";
  received.size_bytes = 48213;
  received.sha256 = std::string(64, 'a');
  received.sender = "orders@fromagerie.example";
  extraction_succeeded found;
  found.fields.supplier_name = "Fromagerie du Village";
  found.fields.total = dec("96");
  found.lines = {line("Gruyère", "2.5", "38.4", "96")};
  found.overall_confidence = dec("0.87");
  found.provider = "pdf_text";
  found.duration_ms = 41;
  log.invoice(tenant, invoice,
              {received, extraction_started{1}, found,
               fields_corrected{{{"total", "96.0000", "99.5000"}}},
               lines_replaced{{line("Gruyère", "2.5", "39.8", "99.5")}},
               invoice_approved{},
               invoice_paid{values::date{2026, 11, 20}, payment_method::cheque,
                            std::string{"1042"}}});

  auto history = history_of(tenant, invoice);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 7u);
  const auto& h = *history;
  for (std::size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].version, static_cast<std::int64_t>(i + 1));
    EXPECT_FALSE(h[i].at.empty());
  }
  EXPECT_EQ(h[0].type, "DocumentReceived");
  EXPECT_EQ(h[0].summary, "Document received by email from "
                          "orders@fromagerie.example: facture-118.pdf "
                          "(application/pdf, 48213 bytes)");
  EXPECT_EQ(h[1].summary, "Extraction started (attempt 1)");
  EXPECT_EQ(h[2].summary, "Read by pdf_text in 41 ms, confidence 0.87");
  // What extraction filled in, from nothing.
  EXPECT_NE(
    std::find(h[2].changes.begin(), h[2].changes.end(),
              audit_change{"supplier_name", "", "Fromagerie du Village"}),
    h[2].changes.end());
  EXPECT_EQ(h[3].summary, "Corrected total");
  EXPECT_EQ(h[3].changes,
            (std::vector<audit_change>{{"total", "96.0000", "99.5000"}}));
  EXPECT_EQ(h[4].summary, "Lines replaced (1 → 1)");
  ASSERT_EQ(h[4].changes.size(), 1u);
  EXPECT_EQ(h[4].changes[0].field, "line 1");
  EXPECT_NE(h[4].changes[0].from.find("38.4"), std::string::npos);
  EXPECT_NE(h[4].changes[0].to.find("39.8"), std::string::npos);
  EXPECT_EQ(h[5].summary, "Approved");
  EXPECT_EQ(h[6].summary, "Marked paid on 2026-11-20 (cheque), reference 1042");
  // The writer of these events: domain_log's metadata.
  EXPECT_EQ(h[6].actor_id, "test");
  EXPECT_EQ(h[6].source, "test");

  events::json_writer w;
  projections::write_json(w, h);
  EXPECT_NE(w.str().find(R"("summary":"Approved")"), std::string::npos);
  EXPECT_EQ(w.str().rfind(R"({"entries":[{"version":1,)", 0), 0u);
}

TEST_F(audit_test, another_tenants_invoice_and_an_unknown_id_have_no_history) {
  document_received received;
  received.invoice_id = invoice;
  received.tenant_id = tenant;
  received.file_name = "a.pdf";
  received.media_type = "application/pdf";
  received.size_bytes = 1;
  received.sha256 = std::string(64, 'b');
  log.invoice(tenant, invoice, {received, invoice_deleted{"sent twice"}});
  EXPECT_FALSE(history_of(uuid::make_v7(), invoice));
  EXPECT_FALSE(history_of(tenant, uuid::make_v7()));
  // A deleted invoice keeps its history: the tombstone is its last entry.
  auto mine = history_of(tenant, invoice);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->back().summary, "Deleted: sent twice");
}

} // namespace
