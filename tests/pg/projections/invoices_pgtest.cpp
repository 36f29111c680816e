// The invoices read model against a real PostgreSQL: display statuses
// through the lifecycle, the list's filters, search, sort and pages, the
// detail, the dashboard, tenant isolation, and equality with a rebuild.
#include "projections/invoices.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <simdjson.h>

#include "projections/rebuild.hpp"
#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::domain;
using larder::events::uuid;
using larder::projections::invoice_detail_json;
using larder::projections::invoice_list_json;
using larder::projections::invoice_list_query;
using larder::projections::invoices_model;
using larder::projections::overview_json;
using larder::projections::parse_invoice_list_query;
using larder::projections::projection_runner;
using larder::testing::catch_up;
using larder::testing::domain_log;
using larder::testing::full_catalog;
using larder::testing::test_database;

namespace {

values::decimal dec(const char* text) {
  return *values::decimal::parse(text);
}

document_received received(const uuid& tenant, const uuid& id,
                           std::string file = "scan.pdf",
                           document_source source = document_source::upload) {
  document_received r;
  r.invoice_id = id;
  r.tenant_id = tenant;
  r.source = source;
  r.file_name = std::move(file);
  r.media_type = "application/pdf";
  r.size_bytes = 1200;
  r.sha256 = std::string(64, 'c');
  return r;
}

extraction_succeeded found(const char* supplier, const char* number,
                           values::date issue, const char* total,
                           const char* item = "Beurre doux 454 g") {
  extraction_succeeded e;
  e.fields.supplier_name = supplier;
  e.fields.invoice_number = number;
  e.fields.issue_date = issue;
  e.fields.due_date = issue.plus_days(30);
  e.fields.currency = *values::currency::parse("CAD");
  e.fields.total = dec(total);
  e.lines = {{item, dec("1"), "ea", dec(total), dec(total), "", {}, false}};
  e.confidence = {{"total", dec("0.91")}};
  e.overall_confidence = dec("0.9");
  e.provider = "pdf_text";
  e.cost = dec("0.002");
  return e;
}

class invoices_test : public ::testing::Test {
 protected:
  void sync() {
    catch_up(runner, 500);
  }

  template <class F>
  auto read(F f) {
    pqxx::connection conn{db.app_url()};
    pqxx::read_transaction txn{conn};
    return f(txn);
  }

  std::string list(const uuid& tenant, projections::query_pairs params = {}) {
    auto q = parse_invoice_list_query(params);
    EXPECT_TRUE(q) << q.error().message;
    return read([&](auto& txn) {
      return invoice_list_json(txn, tenant, *q);
    });
  }

  /// The ids of a list page, in order.
  std::vector<std::string> ids(const std::string& json) {
    simdjson::dom::parser parser;
    auto doc = parser.parse(json);
    std::vector<std::string> out;
    for (auto item : doc["invoices"].get_array())
      out.emplace_back(std::string_view{item["id"].get_string().value()});
    return out;
  }

  std::int64_t total_of(const std::string& json) {
    simdjson::dom::parser parser;
    return parser.parse(json)["total"].get_int64().value();
  }

  /// Every row of the table as text, in id order, for comparisons.
  std::vector<std::string> table() {
    return read([](auto& txn) {
      std::vector<std::string> out;
      for (auto row : txn.exec("SELECT to_jsonb(i)::text FROM"
                               " rm_invoices.invoices i ORDER BY invoice_id"))
        out.emplace_back(row[0].c_str());
      return out;
    });
  }

  test_database db;
  domain_log log{db.app_url()};
  std::shared_ptr<events::catalog> catalog = full_catalog();
  projection_runner runner{db.app_url(), invoices_model(catalog), catalog};
  uuid bistro = uuid::make_v7();
  uuid cafe = uuid::make_v7();
};

TEST_F(invoices_test, the_display_status_follows_the_lifecycle) {
  auto id = uuid::make_v7();
  auto status = [&] {
    sync();
    auto detail = read([&](auto& txn) {
      return invoice_detail_json(txn, bistro, id);
    });
    if (!detail)
      return std::string{"(none)"};
    simdjson::dom::parser parser;
    return std::string{parser.parse(*detail)["status"].get_string().value()};
  };
  log.invoice(bistro, id, {received(bistro, id)});
  EXPECT_EQ(status(), "processing");
  log.invoice(bistro, id, {extraction_started{1}});
  EXPECT_EQ(status(), "processing");
  log.invoice(bistro, id,
              {found("Fromagerie", "F-1", values::date{2026, 11, 2}, "40")});
  EXPECT_EQ(status(), "awaiting_approval");
  log.invoice(bistro, id, {invoice_approved{}});
  EXPECT_EQ(status(), "approved_unpaid");
  log.invoice(bistro, id,
              {invoice_paid{values::date{2026, 11, 20}, payment_method::cheque,
                            std::string{"1042"}}});
  EXPECT_EQ(status(), "approved_paid");
  log.invoice(bistro, id, {invoice_marked_unpaid{}});
  EXPECT_EQ(status(), "approved_unpaid");
  auto other = uuid::make_v7();
  log.invoice(bistro, other,
              {received(bistro, other), extraction_started{1},
               extraction_failed{"unreadable scan", false}});
  sync();
  EXPECT_EQ(total_of(list(bistro, {{"status", "failed"}})), 1);
  log.invoice(bistro, id, {invoice_deleted{std::string{"sent twice"}}});
  EXPECT_EQ(status(), "(none)");
  EXPECT_EQ(ids(list(bistro)), std::vector<std::string>{other.to_string()});
}

TEST_F(invoices_test, the_detail_holds_fields_lines_approval_and_payment) {
  auto id = uuid::make_v7();
  log.invoice(bistro, id,
              {received(bistro, id, "facture.pdf", document_source::email),
               extraction_started{1},
               found("Fromagerie", "F-1", values::date{2026, 11, 2}, "40"),
               fields_corrected{{{"invoice_number", "F-1", "F-1A"}}},
               invoice_approved{}});
  sync();
  auto detail = read([&](auto& txn) {
    return invoice_detail_json(txn, bistro, id);
  });
  ASSERT_TRUE(detail);
  simdjson::dom::parser parser;
  auto d = parser.parse(*detail);
  EXPECT_EQ(d["fields"]["invoice_number"].get_string().value(), "F-1A");
  EXPECT_EQ(d["fields"]["total"].get_string().value(), "40.0000");
  EXPECT_EQ(d["fields"]["issue_date"].get_string().value(), "2026-11-02");
  EXPECT_EQ(d["fields"]["due_date"].get_string().value(), "2026-12-02");
  EXPECT_EQ(d["confidence"]["total"].get_string().value(), "0.91");
  EXPECT_EQ(d["corrected_fields"].at(0).get_string().value(), "invoice_number");
  EXPECT_EQ(d["lines"].at(0)["description"].get_string().value(),
            "Beurre doux 454 g");
  EXPECT_EQ(d["document"]["source"].get_string().value(), "email");
  EXPECT_EQ(d["approval"]["approved_by"].get_string().value(), "test");
  EXPECT_FALSE(d["approval"]["approved_at"].is_null());
  EXPECT_FALSE(d["payment"]["paid"].get_bool().value());
  EXPECT_EQ(d["version"].get_int64().value(), 5);
  // Another tenant's id is simply not there.
  EXPECT_FALSE(read([&](auto& txn) {
    return invoice_detail_json(txn, cafe, id);
  }));
}

TEST_F(invoices_test, lists_filter_search_sort_and_page) {
  std::vector<uuid> made;
  const char* suppliers[] = {"Fromagerie du Village", "Boucherie Centrale",
                             "Épicerie Côté"};
  for (int i = 0; i < 9; ++i) {
    auto id = uuid::make_v7();
    made.push_back(id);
    std::string number = "N-" + std::to_string(i);
    std::string total = std::to_string(10 * (i + 1));
    std::vector<invoice_event> evs{
      received(bistro, id, "f" + std::to_string(i) + ".pdf",
               i % 2 ? document_source::email : document_source::upload),
      extraction_started{1},
      found(suppliers[i % 3], number.c_str(), values::date{2026, 1 + i, 10},
            total.c_str(), i == 4 ? "Crème fraîche 35%" : "Farine")};
    if (i % 3 == 0)
      evs.push_back(invoice_approved{});
    log.invoice(bistro, id, evs);
  }
  // A café invoice with the same supplier never shows in the bistro's lists.
  auto foreign = uuid::make_v7();
  log.invoice(
    cafe, foreign,
    {received(cafe, foreign), extraction_started{1},
     found("Fromagerie du Village", "X", values::date{2026, 3, 1}, "999")});
  sync();

  EXPECT_EQ(total_of(list(bistro)), 9);
  EXPECT_EQ(total_of(list(cafe)), 1);
  EXPECT_EQ(total_of(list(bistro, {{"status", "approved_unpaid"}})), 3);
  EXPECT_EQ(
    total_of(list(bistro, {{"status", "approved_unpaid,awaiting_approval"}})),
    9);
  EXPECT_EQ(total_of(list(bistro, {{"supplier", "boucherie centrale"}})), 3);
  EXPECT_EQ(total_of(list(bistro, {{"source", "email"}})), 4);
  EXPECT_EQ(total_of(list(bistro, {{"issue_from", "2026-03-01"},
                                   {"issue_to", "2026-05-31"}})),
            3);
  EXPECT_EQ(total_of(list(bistro, {{"due_from", "2026-09-01"}})), 2);
  EXPECT_EQ(total_of(list(bistro, {{"min_total", "30"}, {"max_total", "50"}})),
            3);
  // Search: any case, without accents, by word prefix, over supplier,
  // number and line descriptions.
  EXPECT_EQ(total_of(list(bistro, {{"q", "epicerie"}})), 3);
  EXPECT_EQ(total_of(list(bistro, {{"q", "CÔTÉ"}})), 3);
  EXPECT_EQ(ids(list(bistro, {{"q", "creme fra"}})),
            std::vector<std::string>{made[4].to_string()});
  EXPECT_EQ(ids(list(bistro, {{"q", "N-7"}})),
            std::vector<std::string>{made[7].to_string()});
  EXPECT_EQ(total_of(list(bistro, {{"q", "'); DROP TABLE x; --"}})), 0);

  // Sorted by total both ways; pages walk every row exactly once.
  auto asc = ids(list(bistro, {{"sort", "total"}, {"order", "asc"}}));
  ASSERT_EQ(asc.size(), 9u);
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(asc[i], made[i].to_string());
  auto desc = ids(list(bistro, {{"sort", "total"}, {"order", "desc"}}));
  EXPECT_EQ(desc.front(), made[8].to_string());
  for (auto sort : {"received_at", "issue_date", "due_date", "supplier",
                    "invoice_number", "status"}) {
    std::set<std::string> seen;
    for (int offset = 0; offset < 9; offset += 4) {
      auto page = ids(list(
        bistro,
        {{"sort", sort}, {"limit", "4"}, {"offset", std::to_string(offset)}}));
      for (const auto& id : page)
        EXPECT_TRUE(seen.insert(id).second) << sort << " repeated " << id;
    }
    EXPECT_EQ(seen.size(), 9u) << sort;
  }
  auto first = list(bistro, {{"limit", "4"}});
  EXPECT_NE(first.find(R"("next_offset":4)"), std::string::npos) << first;
  auto last = list(bistro, {{"limit", "4"}, {"offset", "8"}});
  EXPECT_NE(last.find(R"("next_offset":null)"), std::string::npos) << last;
}

TEST_F(invoices_test, bad_parameters_say_what_is_allowed) {
  for (projections::query_pairs bad :
       {projections::query_pairs{{"status", "paid"}},
        {{"sort", "amount; DROP TABLE"}},
        {{"order", "up"}},
        {{"limit", "0"}},
        {{"limit", "201"}},
        {{"offset", "-1"}},
        {{"issue_from", "2026-13-01"}},
        {{"min_total", "lots"}},
        {{"source", "fax"}},
        {{"colour", "red"}}}) {
    auto q = parse_invoice_list_query(bad);
    ASSERT_FALSE(q) << bad[0].first;
    EXPECT_EQ(q.error().code, errc::invalid_argument);
    EXPECT_FALSE(q.error().message.empty());
  }
}

TEST_F(invoices_test, the_overview_adds_up_by_month_and_currency) {
  auto today = values::date{2026, 11, 22};
  auto add = [&](values::date issue, const char* total, bool approve, bool pay,
                 const char* supplier = "Fromagerie") {
    auto id = uuid::make_v7();
    std::vector<invoice_event> evs{received(bistro, id), extraction_started{1},
                                   found(supplier, "N", issue, total)};
    if (approve)
      evs.push_back(invoice_approved{});
    if (pay)
      evs.push_back(
        invoice_paid{issue.plus_days(5), payment_method::cash, std::nullopt});
    log.invoice(bistro, id, evs);
  };
  add({2026, 11, 3}, "100", true, false);             // this month, unpaid
  add({2026, 11, 10}, "50", true, true);              // this month, paid
  add({2026, 10, 1}, "70", true, false, "Boucherie"); // last month, overdue
  add({2026, 11, 12}, "500", false, false);           // awaiting approval
  add({2024, 1, 1}, "9", true, true);                 // too old for the chart
  sync();
  auto json = read([&](auto& txn) {
    return overview_json(txn, bistro, today);
  });
  simdjson::dom::parser parser;
  auto o = parser.parse(json);
  EXPECT_EQ(o["counts"]["approved_unpaid"].get_int64().value(), 2);
  EXPECT_EQ(o["counts"]["approved_paid"].get_int64().value(), 2);
  EXPECT_EQ(o["counts"]["awaiting_approval"].get_int64().value(), 1);
  EXPECT_EQ(o["this_month"].at(0)["amount"].get_string().value(), "150.0000");
  EXPECT_EQ(o["last_month"].at(0)["amount"].get_string().value(), "70.0000");
  EXPECT_EQ(o["spend_by_month"].get_array().size(), 12u);
  EXPECT_EQ(o["top_suppliers"].at(0)["supplier_name"].get_string().value(),
            "Fromagerie");
  EXPECT_EQ(o["pending_approval"]["count"].get_int64().value(), 1);
  EXPECT_EQ(o["unpaid"].at(0)["amount"].get_string().value(), "170.0000");
  // Due 2026-10-31, before today: overdue. The other is due in December.
  EXPECT_EQ(o["overdue"].at(0)["amount"].get_string().value(), "70.0000");
  EXPECT_EQ(o["extraction_cost_this_month"]["amount"].get_string().value(),
            "0.0100");
}

TEST_F(invoices_test, batches_of_any_size_and_a_rebuild_give_the_same_rows) {
  for (int i = 0; i < 12; ++i) {
    auto id = uuid::make_v7();
    log.invoice(bistro, id,
                {received(bistro, id), extraction_started{1},
                 found("Fromagerie", "N", values::date{2026, 5, 1 + i}, "12")});
    if (i % 2)
      log.invoice(bistro, id, {invoice_approved{}});
    if (i % 4 == 1)
      log.invoice(bistro, id,
                  {invoice_paid{values::date{2026, 6, 1}, payment_method::card,
                                std::nullopt}});
    if (i % 5 == 0)
      log.invoice(bistro, id, {lines_replaced{{}}});
    if (i == 7)
      log.invoice(bistro, id, {invoice_deleted{std::nullopt}});
  }
  // One event per batch: every invoice is met mid-stream over and over.
  catch_up(runner, 1);
  auto incremental = table();
  ASSERT_EQ(incremental.size(), 11u);
  for (std::size_t batch : {3u, 5000u}) {
    auto rebuilt = projections::rebuild(db.owner_url(), invoices_model(catalog),
                                        catalog, {}, batch);
    ASSERT_TRUE(rebuilt) << rebuilt.error().message;
    EXPECT_EQ(table(), incremental) << "batch " << batch;
  }
}

} // namespace
