// The invoices read model against a real PostgreSQL: display statuses
// through the lifecycle, what corrections and new lines change, the list's
// filters, search, sorts and pages, the detail, the dashboard, tenant
// isolation, and the same tables whatever the batches.
#include "projections/invoices.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <simdjson.h>

#include "projections/directory.hpp"
#include "projections/rebuild.hpp"
#include "projections/suppliers.hpp"
#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::domain;
using larder::events::uuid;
using larder::projections::display_status;
using larder::projections::invoice_list_page;
using larder::projections::invoices_model;
using larder::projections::projection_runner;
using larder::projections::query_pairs;
using larder::testing::catch_up;
using larder::testing::domain_log;
using larder::testing::full_catalog;
using larder::testing::test_database;

namespace {

values::decimal dec(const char* text) {
  return *values::decimal::parse(text);
}

values::date day(int y, int m, int d) {
  return {y, m, d};
}

document_received received(const uuid& tenant, const uuid& id,
                           document_source source = document_source::upload,
                           std::string file = "scan.pdf") {
  document_received r;
  r.invoice_id = id;
  r.tenant_id = tenant;
  r.source = source;
  r.file_name = std::move(file);
  r.media_type = "application/pdf";
  r.size_bytes = 1200;
  r.sha256 = std::string(64, 'c');
  r.sender = "orders@fromagerie.example";
  return r;
}

values::line_item line(const char* description, const char* total) {
  return {description, dec("1"), "ea",         dec(total),
          dec(total),  "GST",    std::nullopt, false};
}

/// What an extractor found; optional parts left out when null or empty.
struct bill {
  const char* supplier = "Fromagerie du Village";
  const char* number = "F-1";
  std::optional<values::date> issue = day(2026, 11, 2);
  const char* total = "40";
  const char* currency = "CAD";
  const char* item = "Beurre doux 454 g";
  std::optional<values::date> due = std::nullopt;
  const char* tax_id = "";
};

extraction_succeeded found(const bill& b) {
  extraction_succeeded e;
  if (*b.supplier)
    e.fields.supplier_name = b.supplier;
  if (*b.tax_id)
    e.fields.supplier_tax_id = b.tax_id;
  e.fields.invoice_number = b.number;
  e.fields.issue_date = b.issue;
  e.fields.due_date = b.due ? b.due : b.issue ? b.issue->plus_days(30) : b.due;
  if (*b.currency)
    e.fields.currency = *values::currency::parse(b.currency);
  if (*b.total) {
    e.fields.total = dec(b.total);
    e.fields.subtotal = dec(b.total);
    e.lines = {line(b.item, b.total)};
  }
  e.taxes = {{values::tax_kind::gst, dec("5"), dec("0")}};
  e.confidence = {{"total", dec("0.91")},
                  {"supplier_name", dec("0.8")},
                  {"lines", dec("0.75")}};
  e.overall_confidence = dec("0.9");
  e.provider = "pdf_text";
  e.model = "template:generic";
  e.cost = dec("0.002");
  e.duration_ms = 40;
  return e;
}

invoice_paid paid_on(values::date d) {
  return {d, payment_method::cheque, std::string{"1042"}};
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

  invoice_list_page page(const uuid& tenant, query_pairs params = {}) {
    auto q = projections::parse_invoice_list_query(params);
    EXPECT_TRUE(q) << q.error().message;
    if (!q)
      return {};
    return read([&](auto& txn) {
      return projections::list_invoices(txn, tenant, *q);
    });
  }

  std::int64_t total(const uuid& tenant, query_pairs params = {}) {
    return page(tenant, std::move(params)).total;
  }

  std::vector<uuid> ids(const uuid& tenant, query_pairs params = {}) {
    std::vector<uuid> out;
    for (const auto& row : page(tenant, std::move(params)).invoices)
      out.push_back(row.id);
    return out;
  }

  std::optional<projections::invoice_detail> detail(const uuid& tenant,
                                                    const uuid& id) {
    return read([&](auto& txn) {
      return projections::find_invoice(txn, tenant, id);
    });
  }

  std::string status_of(const uuid& tenant, const uuid& id) {
    sync();
    auto d = detail(tenant, id);
    if (!d)
      return "(none)";
    auto shown =
      projections::display_status_of(d->invoice.status, d->invoice.paid);
    return std::string{projections::to_string(*shown)};
  }

  /// Every row of every table of the model, as JSON text, in order.
  std::vector<std::string> tables() {
    return read([](auto& txn) {
      std::vector<std::string> out;
      for (auto table :
           txn.exec("SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = 'rm_invoices' ORDER BY 1")) {
        out.emplace_back(table[0].c_str());
        for (auto row :
             txn.exec("SELECT to_jsonb(t)::text AS r FROM rm_invoices."
                      + txn.quote_name(table[0].c_str()) + " t ORDER BY r"))
          out.emplace_back(row[0].c_str());
      }
      return out;
    });
  }

  /// Autovacuum off for the list's tables: only the model analyzes them.
  void autovacuum_off() {
    pqxx::connection owner{db.owner_url()};
    pqxx::work txn{owner};
    for (auto table : {"invoices", "statuses"})
      txn.exec(std::string{"ALTER TABLE rm_invoices."} + table
               + " SET (autovacuum_enabled = off)");
    txn.commit();
  }

  /// The rows the planner's statistics of `table` counted (-1: none yet).
  double counted(const char* table) {
    return read([&](auto& txn) {
      return txn
        .exec1(std::string{"SELECT reltuples FROM pg_class WHERE oid = "
                           "'rm_invoices."}
               + table + "'::regclass")[0]
        .template as<double>();
    });
  }

  /// A new invoice of `tenant` through `evs` after its DocumentReceived.
  uuid make(const uuid& tenant, std::vector<invoice_event> evs,
            document_source source = document_source::upload) {
    auto id = uuid::make_v7();
    evs.insert(evs.begin(), received(tenant, id, source));
    log.invoice(tenant, id, evs);
    return id;
  }

  /// Extracted, awaiting approval.
  std::vector<invoice_event> extracted(const bill& b) {
    return {extraction_started{1}, found(b)};
  }

  std::vector<invoice_event> approved(const bill& b) {
    auto evs = extracted(b);
    evs.push_back(invoice_approved{});
    return evs;
  }

  test_database db;
  domain_log log{db.app_url()};
  std::shared_ptr<events::catalog> catalog = full_catalog();
  projection_runner runner{db.app_url(), invoices_model(), catalog};
  uuid bistro = uuid::make_v7();
  uuid cafe = uuid::make_v7();
};

// -- statistics
// -----------------------------------------------------------------

// Planned with statistics from before a tenant's invoices came in, a list
// filtered by status and sorted by total compared every pair of rows
// (12 s for 10,000 just uploaded). The model analyzes its list tables once
// it has added enough invoices since it last did; autovacuum is off for
// them here, so nothing else can have.
TEST_F(invoices_test, the_list_tables_are_analyzed_as_invoices_arrive) {
  autovacuum_off();
  // The rows the planner expects for the tenant's processing invoices.
  auto expected_rows = [&] {
    return read([&](auto& txn) {
      auto plan = txn
                    .exec1("EXPLAIN (FORMAT JSON) SELECT 1 FROM "
                           "rm_invoices.statuses WHERE tenant_id = '"
                           + bistro.to_string() + "' AND status_rank = 0")[0]
                    .template as<std::string>();
      simdjson::dom::parser parser;
      double rows = 0;
      EXPECT_FALSE(parser.parse(plan).at(0)["Plan"]["Plan Rows"].get(rows));
      return rows;
    });
  };
  for (int i = 0; i < 400; ++i)
    make(bistro, {});
  sync();
  EXPECT_LT(counted("invoices"), 1) << "400 invoices are too few to analyze";
  for (int i = 0; i < 400; ++i)
    make(bistro, {});
  sync();
  // Analyzed by the batch that reached 500 or one after it: how the 800
  // fall into batches depends on when each commit became visible.
  auto seen = counted("invoices");
  EXPECT_GE(seen, 500);
  EXPECT_LE(seen, 800);
  EXPECT_EQ(counted("statuses"), seen);
  EXPECT_GT(expected_rows(), 400);
  EXPECT_EQ(total(bistro, {{"status", "processing"}, {"sort", "total"}}), 800);
  // Fewer than 500 more do not analyze again.
  for (int i = 0; i < 60; ++i)
    make(cafe, {});
  sync();
  EXPECT_EQ(counted("invoices"), seen);
  // What the models may analyze as the owner is a read model's table only.
  pqxx::connection app{db.app_url()};
  pqxx::work txn{app};
  EXPECT_THROW(txn.exec("SELECT larder_analyze('es.events')"),
               pqxx::insufficient_privilege);
}

// A tenant is analyzed again only once it has added as many invoices as
// it had before: a tenant uploading steadily costs a few analyses, not one
// every 500 invoices. Each step ends exactly where an analysis is due (or
// not), so how the invoices fall into batches does not matter.
TEST_F(invoices_test, a_tenant_is_analyzed_again_once_it_has_doubled) {
  autovacuum_off();
  auto add = [&](int n) {
    for (int i = 0; i < n; ++i)
      make(cafe, {});
    sync();
    return counted("invoices");
  };
  EXPECT_EQ(add(500), 500);
  EXPECT_EQ(add(500), 1000);
  EXPECT_EQ(add(500), 1000) << "500 more are not yet as many as before";
  EXPECT_EQ(add(500), 2000);
}

// A vacuum holds the lock ANALYZE takes (an anti-wraparound one for as
// long as it runs): the model goes on without analyzing, and analyzes in a
// later batch.
TEST_F(invoices_test, a_vacuum_holding_the_tables_delays_the_analysis_only) {
  autovacuum_off();
  {
    // The lock a vacuum or an analysis holds.
    pqxx::connection owner{db.owner_url()};
    pqxx::work holder{owner};
    holder.exec("LOCK TABLE rm_invoices.invoices IN SHARE UPDATE EXCLUSIVE "
                "MODE");
    for (int i = 0; i < 600; ++i)
      make(bistro, {});
    sync();
    EXPECT_EQ(total(bistro), 600) << "the model went on";
    EXPECT_LT(counted("invoices"), 1);
  }
  make(bistro, {});
  sync();
  EXPECT_EQ(counted("invoices"), 601);
}

// -- lifecycle
// ------------------------------------------------------------------

TEST_F(invoices_test, the_display_status_follows_the_lifecycle) {
  auto id = uuid::make_v7();
  log.invoice(bistro, id, {received(bistro, id)});
  EXPECT_EQ(status_of(bistro, id), "processing");
  log.invoice(bistro, id, {extraction_started{1}});
  EXPECT_EQ(status_of(bistro, id), "processing");
  log.invoice(bistro, id, {found({})});
  EXPECT_EQ(status_of(bistro, id), "awaiting_approval");
  log.invoice(bistro, id, {invoice_approved{}});
  EXPECT_EQ(status_of(bistro, id), "approved_unpaid");
  log.invoice(bistro, id, {paid_on(day(2026, 11, 20))});
  EXPECT_EQ(status_of(bistro, id), "approved_paid");
  log.invoice(bistro, id, {invoice_marked_unpaid{}});
  EXPECT_EQ(status_of(bistro, id), "approved_unpaid");
  log.invoice(bistro, id, {invoice_rejected{"ordered twice"}});
  EXPECT_EQ(status_of(bistro, id), "rejected");
  log.invoice(bistro, id, {reprocess_requested{}});
  EXPECT_EQ(status_of(bistro, id), "processing");
  log.invoice(bistro, id,
              {extraction_started{2}, extraction_failed{"unreadable", true}});
  EXPECT_EQ(status_of(bistro, id), "failed");
  log.invoice(bistro, id,
              {reprocess_requested{}, extraction_started{3},
               marked_not_an_invoice{"a menu"}});
  EXPECT_EQ(status_of(bistro, id), "not_an_invoice");

  auto other = make(bistro, approved({}));
  sync();
  EXPECT_EQ(total(bistro), 2);
  EXPECT_EQ(total(bistro, {{"status", "not_an_invoice"}}), 1);
  log.invoice(bistro, id, {invoice_deleted{std::string{"sent twice"}}});
  EXPECT_EQ(status_of(bistro, id), "(none)");
  EXPECT_EQ(ids(bistro), std::vector<uuid>{other});
  EXPECT_EQ(total(bistro, {{"status", "not_an_invoice"}}), 0);
}

TEST_F(invoices_test, each_domain_status_has_one_display_status) {
  using projections::display_status_of;
  EXPECT_EQ(display_status_of(invoice_status::received, false),
            display_status::processing);
  EXPECT_EQ(display_status_of(invoice_status::extracting, false),
            display_status::processing);
  EXPECT_EQ(display_status_of(invoice_status::awaiting_approval, false),
            display_status::awaiting_approval);
  EXPECT_EQ(display_status_of(invoice_status::approved, false),
            display_status::approved_unpaid);
  EXPECT_EQ(display_status_of(invoice_status::approved, true),
            display_status::approved_paid);
  EXPECT_EQ(display_status_of(invoice_status::rejected, false),
            display_status::rejected);
  EXPECT_EQ(display_status_of(invoice_status::failed, false),
            display_status::failed);
  EXPECT_EQ(display_status_of(invoice_status::not_an_invoice, false),
            display_status::not_an_invoice);
  EXPECT_EQ(display_status_of(invoice_status::deleted, false), std::nullopt);
}

// -- one invoice
// ------------------------------------------------------------------

TEST_F(invoices_test, the_detail_holds_everything_about_an_invoice) {
  auto evs = extracted({.total = "40.5", .due = day(2026, 12, 2)});
  evs.push_back(fields_corrected{{{"invoice_number", "F-1", "F-1A"}}});
  evs.push_back(duplicate_suspected{bistro, duplicate_reason::same_content});
  evs.push_back(invoice_approved{});
  evs.push_back(paid_on(day(2026, 11, 20)));
  auto id = make(bistro, evs, document_source::email);
  sync();

  auto d = detail(bistro, id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->version, 7);
  EXPECT_EQ(d->invoice.fields.invoice_number, "F-1A");
  EXPECT_EQ(d->invoice.lines.size(), 1u);
  EXPECT_EQ(d->approved_by, "test");
  EXPECT_FALSE(d->approved_at.empty());

  events::json_writer w;
  projections::write_json(w, *d);
  simdjson::dom::parser parser;
  auto j = parser.parse(w.str());
  ASSERT_FALSE(j.error()) << w.str();
  auto text = [&](auto el) {
    return std::string{el.get_string().value()};
  };
  EXPECT_EQ(text(j["id"]), id.to_string());
  EXPECT_EQ(text(j["status"]), "approved_paid");
  EXPECT_EQ(text(j["lifecycle_status"]), "approved");
  EXPECT_EQ(j["version"].get_int64().value(), 7);
  EXPECT_EQ(text(j["document"]["source"]), "email");
  EXPECT_EQ(text(j["document"]["file_name"]), "scan.pdf");
  EXPECT_EQ(j["document"]["size_bytes"].get_int64().value(), 1200);
  EXPECT_EQ(text(j["fields"]["invoice_number"]["value"]), "F-1A");
  EXPECT_TRUE(j["fields"]["invoice_number"]["corrected"].get_bool().value());
  EXPECT_EQ(text(j["fields"]["total"]["value"]), "40.50");
  EXPECT_EQ(text(j["fields"]["total"]["confidence"]), "0.91");
  EXPECT_FALSE(j["fields"]["total"]["corrected"].get_bool().value());
  EXPECT_TRUE(j["fields"]["purchase_order"]["value"].is_null());
  EXPECT_EQ(text(j["fields"]["issue_date"]["value"]), "2026-11-02");
  EXPECT_EQ(text(j["fields"]["due_date"]["value"]), "2026-12-02");
  EXPECT_EQ(text(j["fields"]["currency"]["value"]), "CAD");
  EXPECT_EQ(text(j["lines_confidence"]), "0.75");
  EXPECT_EQ(text(j["overall_confidence"]), "0.9");
  EXPECT_EQ(text(j["lines"].at(0)["description"]), "Beurre doux 454 g");
  EXPECT_EQ(text(j["lines"].at(0)["line_total"]), "40.50");
  EXPECT_EQ(j["lines"].at(0)["line_no"].get_int64().value(), 1);
  EXPECT_EQ(text(j["taxes"].at(0)["kind"]), "gst");
  EXPECT_EQ(text(j["extraction"]["provider"]), "pdf_text");
  EXPECT_EQ(text(j["extraction"]["cost"]), "0.0020");
  EXPECT_EQ(j["extraction"]["attempts"].get_int64().value(), 1);
  EXPECT_EQ(text(j["duplicate"]["reason"]), "same_content");
  EXPECT_EQ(text(j["approval"]["by"]), "test");
  EXPECT_TRUE(j["rejection"].is_null());
  EXPECT_TRUE(j["payment"]["paid"].get_bool().value());
  EXPECT_EQ(text(j["payment"]["paid_on"]), "2026-11-20");
  EXPECT_EQ(text(j["payment"]["method"]), "cheque");
  EXPECT_EQ(text(j["payment"]["reference"]), "1042");
  auto at = text(j["updated_at"]);
  EXPECT_EQ(at.size(), 27u) << at;
  EXPECT_EQ(at.back(), 'Z');

  // Another tenant's id is simply not there, through either door.
  EXPECT_FALSE(detail(cafe, id));
  EXPECT_FALSE(read([&](auto& txn) {
    return projections::invoice_detail_json(txn, cafe, id);
  }));
}

TEST_F(invoices_test, corrections_and_new_lines_change_the_row_and_search) {
  auto id = make(bistro, extracted({.number = "A-100", .item = "Farine T55"}));
  sync();
  EXPECT_EQ(total(bistro, {{"q", "A-100"}}), 1);
  EXPECT_EQ(total(bistro, {{"q", "farine"}}), 1);

  log.invoice(bistro, id,
              {fields_corrected{
                 {{"invoice_number", "A-100", "B-200"},
                  {"total", "40", "44.5"},
                  {"supplier_name", "Fromagerie du Village", "Épicerie Côté"}}},
               lines_replaced{{line("Crème fraîche 35 %", "30"),
                               line("Œufs bio", "14.5")}}});
  sync();
  EXPECT_EQ(total(bistro, {{"q", "A-100"}}), 0);
  EXPECT_EQ(total(bistro, {{"q", "B-200"}}), 1);
  EXPECT_EQ(total(bistro, {{"q", "farine"}}), 0);
  EXPECT_EQ(total(bistro, {{"q", "creme FRA"}}), 1);
  EXPECT_EQ(total(bistro, {{"q", "oeufs"}}), 1);
  EXPECT_EQ(total(bistro, {{"q", "EPICERIE cote"}}), 1);
  EXPECT_EQ(total(bistro, {{"supplier", "epicerie cote"}}), 1);
  EXPECT_EQ(total(bistro, {{"supplier", "Fromagerie du Village"}}), 0);
  EXPECT_EQ(total(bistro, {{"min_total", "44.5"}}), 1);
  auto d = detail(bistro, id);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->invoice.lines.size(), 2u);
  EXPECT_EQ(d->invoice.lines[1].description, "Œufs bio");
  EXPECT_EQ(d->invoice.fields.total, dec("44.5"));
  EXPECT_EQ(d->invoice.corrected_fields.size(), 3u);

  // Reprocessing forgets what extraction found, lines included.
  log.invoice(bistro, id, {invoice_rejected{"wrong"}, reprocess_requested{}});
  sync();
  EXPECT_EQ(total(bistro, {{"q", "oeufs"}}), 0);
  d = detail(bistro, id);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->invoice.lines.empty());
  EXPECT_FALSE(d->invoice.fields.supplier_name);
  EXPECT_TRUE(d->extracted_at.empty());
  EXPECT_TRUE(d->rejected_at.empty());
  EXPECT_EQ(d->invoice.extraction_cost, dec("0.002")) << "what it cost stays";
}

// A search word is the start of the words it finds. The model counts each
// word (numbers aside) in the tenant's invoices, and the list turns a
// start into the words it stands for, answers a start of nothing at once,
// and takes a one-word search's total from the counts.
TEST_F(invoices_test, a_search_word_finds_every_word_it_starts) {
  auto butter = make(bistro, extracted({.supplier = "Laiterie Nord",
                                        .number = "L-1",
                                        .item = "Beurre doux"}));
  auto dairy = make(
    bistro,
    extracted({.supplier = "Beurrerie Sud", .number = "B-2", .item = "Crème"}));
  auto milk = make(bistro, extracted({.supplier = "Laiterie Nord",
                                      .number = "L-3",
                                      .item = "Lait 1000 ml"}));
  make(cafe, extracted({.supplier = "Beurre et Cie", .item = "Beurre"}));
  sync();
  auto sorted_ids = [&](query_pairs params) {
    auto out = ids(bistro, std::move(params));
    std::sort(out.begin(), out.end());
    return out;
  };
  auto expect = [](std::vector<uuid> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  auto counted = [&](const char* word) {
    return read([&](auto& txn) {
      auto r = txn.exec_params("SELECT invoices FROM rm_invoices.word_counts"
                               " WHERE tenant_id = $1::uuid AND word = $2",
                               bistro.to_string(), std::string{word});
      return r.empty() ? std::int64_t{0} : r[0][0].template as<std::int64_t>();
    });
  };
  EXPECT_EQ(counted("beurre"), 1);
  EXPECT_EQ(counted("laiterie"), 2);
  EXPECT_EQ(counted("1000"), 0) << "numbers are not counted";

  // "beur" stands for beurre and beurrerie; the other tenant's beurre is
  // not the bistro's.
  EXPECT_EQ(sorted_ids({{"q", "BEUR"}}), expect({butter, dairy}));
  // One page of one row: the total is counted (two words), taken from the
  // counts (one word), or found on the last page.
  auto two_words = page(bistro, {{"q", "beur"}, {"limit", "1"}});
  EXPECT_EQ(two_words.total, 2);
  EXPECT_FALSE(two_words.total_capped);
  auto one_word = page(bistro, {{"q", "laiter"}, {"limit", "1"}});
  EXPECT_EQ(one_word.total, 2);
  EXPECT_FALSE(one_word.total_capped);
  EXPECT_EQ(one_word.next_offset, 1);
  EXPECT_EQ(total(bistro, {{"q", "laiterie"}, {"limit", "1"}, {"offset", "1"}}),
            2);
  EXPECT_EQ(total(bistro, {{"q", "laiterie lait"}, {"limit", "1"}}), 2);
  EXPECT_EQ(sorted_ids({{"q", "laiterie beurre"}}), expect({butter}));
  EXPECT_EQ(total(cafe, {{"q", "beur"}}), 1);
  // Numbers stay prefixes.
  EXPECT_EQ(sorted_ids({{"q", "100"}}), expect({milk}));
  EXPECT_EQ(sorted_ids({{"q", "lait 10"}}), expect({milk}));
  // The start of no word: nothing, whatever else is asked.
  auto none = page(bistro, {{"q", "beurx"}, {"offset", "5"}});
  EXPECT_TRUE(none.invoices.empty());
  EXPECT_EQ(none.total, 0);
  EXPECT_EQ(none.offset, 5);
  EXPECT_EQ(none.next_offset, std::nullopt);
  EXPECT_EQ(total(bistro, {{"q", "laiterie beurx"}}), 0);
  EXPECT_EQ(total(bistro, {{"q", "beurx"}, {"status", "awaiting_approval"}}),
            0);

  // A correction and a deletion move the counts; a word no invoice has any
  // more leaves no row.
  log.invoice(
    bistro, dairy,
    {fields_corrected{{{"supplier_name", "Beurrerie Sud", "Fromagerie Sud"}}}});
  log.invoice(bistro, milk, {invoice_deleted{}});
  sync();
  EXPECT_EQ(sorted_ids({{"q", "beur"}}), expect({butter}));
  EXPECT_EQ(total(bistro, {{"q", "beurrerie"}}), 0);
  EXPECT_EQ(sorted_ids({{"q", "fromag"}}), expect({dairy}));
  EXPECT_EQ(total(bistro, {{"q", "lait"}}), 1);
  EXPECT_EQ(counted("beurrerie"), 0);
  EXPECT_EQ(counted("laiterie"), 1);
  EXPECT_EQ(counted("sud"), 1);
  EXPECT_EQ(read([&](auto& txn) {
              return txn
                .exec1("SELECT count(*) FROM rm_invoices.word_counts"
                       " WHERE invoices <= 0 OR word ~ '^[0-9]*$'")[0]
                .template as<std::int64_t>();
            }),
            0);
}

TEST_F(invoices_test, approval_and_payment_write_only_the_status_row) {
  auto id = make(bistro, extracted({.number = "A-100", .item = "Farine T55"}));
  sync();
  // The transaction that last wrote each row.
  auto writer = [&](const char* table) {
    return read([&](auto& txn) {
      return txn
        .exec_params1(std::string{"SELECT xmin::text FROM rm_invoices."} + table
                        + " WHERE invoice_id = $1::uuid",
                      id.to_string())[0]
        .template as<std::string>();
    });
  };
  auto document = writer("invoices"), status = writer("statuses");

  log.invoice(bistro, id, {invoice_approved{}, paid_on(day(2026, 11, 20))});
  EXPECT_EQ(status_of(bistro, id), "approved_paid");
  EXPECT_EQ(writer("invoices"), document);
  EXPECT_NE(writer("statuses"), status);
  log.invoice(bistro, id, {invoice_marked_unpaid{}});
  EXPECT_EQ(status_of(bistro, id), "approved_unpaid");
  EXPECT_EQ(writer("invoices"), document);
  EXPECT_EQ(total(bistro, {{"status", "approved_unpaid"}, {"q", "farine"}}), 1);

  // A correction writes the document again, with the lines it kept.
  log.invoice(bistro, id,
              {fields_corrected{{{"invoice_number", "A-100", "B-200"}}}});
  sync();
  EXPECT_NE(writer("invoices"), document);
  EXPECT_EQ(total(bistro, {{"q", "B-200 farine"}}), 1);
  auto d = detail(bistro, id);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->invoice.lines.size(), 1u);
  EXPECT_EQ(d->invoice.lines[0].description, "Farine T55");
  EXPECT_FALSE(d->approved_at.empty());
  EXPECT_FALSE(d->invoice.paid) << "marked unpaid before the correction";
}

TEST_F(invoices_test, a_deleted_invoice_leaves_no_row_and_no_lines) {
  auto id = make(bistro, approved({}));
  sync();
  log.invoice(bistro, id, {invoice_deleted{}});
  sync();
  EXPECT_EQ(total(bistro), 0);
  EXPECT_FALSE(detail(bistro, id));
  auto sum = [&](const char* sql) {
    return read([&](auto& txn) {
      return txn.exec(sql)[0][0].template as<std::int64_t>();
    });
  };
  EXPECT_EQ(sum("SELECT count(*) FROM rm_invoices.lines"), 0);
  EXPECT_EQ(sum("SELECT count(*) FROM rm_invoices.status_counts"), 0);
  EXPECT_EQ(sum("SELECT sum(extractions) FROM rm_invoices.extraction_costs"), 1)
    << "what its extraction cost is kept";
}

// -- the list
// ---------------------------------------------------------------------

/// Fourteen bistro invoices with ties and gaps in every sortable value, and
/// one café invoice that must never show.
class invoice_list_test : public invoices_test {
 protected:
  void SetUp() override {
    const char* suppliers[] = {"Fromagerie du Village", "Boucherie Centrale",
                               "Épicerie Côté", "boucherie centrale"};
    for (int i = 0; i < 12; ++i) {
      bill b;
      b.supplier = suppliers[i % 4];
      number[i] = "N-" + std::to_string(i);
      b.number = number[i].c_str();
      // Issue dates repeat every four invoices, totals every three.
      b.issue = day(2026, 1 + i % 4, 10);
      amount[i] = std::to_string(10 * (1 + i % 3));
      b.total = amount[i].c_str();
      b.item = i == 4 ? "Crème fraîche 35%" : "Farine";
      if (i == 5)
        b.issue = std::nullopt; // no dates: last in date sorts
      if (i == 6)
        b.total = ""; // no total: last in total sorts
      if (i == 7)
        b.supplier = ""; // no supplier: last in supplier sorts
      auto evs = i % 3 == 0 ? approved(b) : extracted(b);
      if (i == 9)
        evs.push_back(paid_on(day(2026, 11, 1)));
      made.push_back(make(
        bistro, evs, i % 2 ? document_source::email : document_source::upload));
    }
    made.push_back(make(bistro, {})); // received only
    made.push_back(make(bistro, {extraction_started{1}}));
    make(cafe, extracted({.supplier = "Fromagerie du Village",
                          .number = "N-1",
                          .total = "999"}));
    sync();
  }

  std::vector<uuid> made;
  std::string number[12];
  std::string amount[12];
};

TEST_F(invoice_list_test, filters_narrow_the_list_and_count_it) {
  EXPECT_EQ(total(bistro), 14);
  EXPECT_EQ(total(cafe), 1);
  EXPECT_EQ(total(bistro, {{"status", "processing"}}), 2);
  EXPECT_EQ(total(bistro, {{"status", "approved_unpaid"}}), 3);
  EXPECT_EQ(total(bistro, {{"status", "approved_paid"}}), 1);
  EXPECT_EQ(total(bistro, {{"status", "approved_unpaid,approved_paid"}}), 4);
  EXPECT_EQ(total(bistro, {{"status", "approved_paid"},
                           {"status", "awaiting_approval"}}),
            9);
  // By name in any case and with or without accents, or by key.
  EXPECT_EQ(total(bistro, {{"supplier", "BOUCHERIE CENTRALE"}}), 5);
  EXPECT_EQ(total(bistro, {{"supplier", "epicerie cote"}}), 3);
  EXPECT_EQ(
    total(bistro,
          {{"supplier", projections::supplier_key("Boucherie Centrale", "")}}),
    5);
  EXPECT_EQ(total(bistro, {{"supplier", "Boucherie"}}), 0);
  EXPECT_EQ(total(bistro, {{"source", "email"}}), 6);
  EXPECT_EQ(
    total(bistro, {{"issue_from", "2026-02-10"}, {"issue_to", "2026-03-10"}}),
    5);
  EXPECT_EQ(total(bistro, {{"due_from", "2026-04-09"}}), 6);
  EXPECT_EQ(total(bistro, {{"due_to", "2026-02-09"}}), 3);
  EXPECT_EQ(total(bistro, {{"min_total", "20"}, {"max_total", "30"}}), 8);
  EXPECT_EQ(total(bistro, {{"status", "awaiting_approval"},
                           {"source", "upload"},
                           {"min_total", "20"}}),
            4);
  // Search: any case, no accents, word prefixes, over supplier, number and
  // line descriptions, all words at once.
  EXPECT_EQ(total(bistro, {{"q", "epicerie"}}), 3);
  EXPECT_EQ(total(bistro, {{"q", "CÔTÉ"}}), 3);
  EXPECT_EQ(ids(bistro, {{"q", "creme fra"}}), std::vector<uuid>{made[4]});
  EXPECT_EQ(ids(bistro, {{"q", "N-11"}}), std::vector<uuid>{made[11]});
  EXPECT_EQ(total(bistro, {{"q", "boucherie farine"}}), 5);
  EXPECT_EQ(total(bistro, {{"q", "boucherie creme"}}), 0);
  EXPECT_EQ(total(bistro, {{"q", "'); DROP TABLE x; --"}}), 0);
  EXPECT_EQ(total(bistro, {{"q", "  ,;  "}}), 14) << "no words: no search";
}

/// Whether `a` may come before `b` in a list sorted by `sort`: by the key,
/// rows without it last, ties by id, all in the asked direction but the
/// place of the rows without a key.
bool in_order(projections::invoice_sort sort, bool descending,
              const projections::invoice_list_row& a,
              const projections::invoice_list_row& b) {
  using projections::invoice_sort;
  std::optional<std::string> ka, kb;
  auto key = [&](const projections::invoice_list_row& r) {
    switch (sort) {
      case invoice_sort::received_at:
        return std::optional<std::string>{r.received_at};
      case invoice_sort::issue_date:
        return r.issue_date ? std::optional{r.issue_date->to_string()}
                            : std::nullopt;
      case invoice_sort::due_date:
        return r.due_date ? std::optional{r.due_date->to_string()}
                          : std::nullopt;
      case invoice_sort::total: {
        if (!r.total)
          return std::optional<std::string>{};
        // Totals here are small and positive: pad to compare as text.
        auto t = r.total->to_string(4);
        return std::optional{std::string(12 - t.size(), '0') + t};
      }
      case invoice_sort::supplier:
        return r.supplier_name
                 ? std::optional{projections::fold_text(*r.supplier_name)}
                 : std::nullopt;
      case invoice_sort::status:
        return std::optional{
          std::string(1, static_cast<char>('0' + static_cast<int>(r.status)))};
    }
    return std::optional<std::string>{};
  };
  ka = key(a);
  kb = key(b);
  if (!ka || !kb)
    return !kb && (ka || (descending ? a.id > b.id : a.id < b.id));
  if (*ka != *kb)
    return descending ? *ka > *kb : *ka < *kb;
  return descending ? a.id > b.id : a.id < b.id;
}

TEST_F(invoice_list_test, every_sort_orders_both_ways_and_pages_walk_it_all) {
  for (auto sort : {"received_at", "issue_date", "due_date", "total",
                    "supplier", "status"}) {
    for (auto order : {"asc", "desc"}) {
      SCOPED_TRACE(std::string{sort} + " " + order);
      auto all = page(bistro, {{"sort", sort}, {"order", order}});
      ASSERT_EQ(all.invoices.size(), 14u);
      EXPECT_TRUE(all.next_cursor.empty());
      for (std::size_t i = 1; i < all.invoices.size(); ++i)
        EXPECT_TRUE(in_order(all.sort, all.descending, all.invoices[i - 1],
                             all.invoices[i]))
          << "rows " << i - 1 << " and " << i;
      std::vector<uuid> expected;
      for (const auto& row : all.invoices)
        expected.push_back(row.id);

      // Keyset: pages of 3 by the cursor, every row exactly once.
      std::vector<uuid> walked;
      std::string cursor;
      for (int pages = 0; pages < 10; ++pages) {
        query_pairs params{{"sort", sort}, {"order", order}, {"limit", "3"}};
        if (!cursor.empty())
          params.emplace_back("cursor", cursor);
        auto p = page(bistro, params);
        EXPECT_EQ(p.total, 14);
        for (const auto& row : p.invoices)
          walked.push_back(row.id);
        cursor = p.next_cursor;
        if (cursor.empty())
          break;
      }
      EXPECT_EQ(walked, expected);

      // Offsets: pages of 4, across the rows without a key too.
      walked.clear();
      for (std::int64_t offset = 0;;) {
        auto p = page(bistro, {{"sort", sort},
                               {"order", order},
                               {"limit", "4"},
                               {"offset", std::to_string(offset)}});
        for (const auto& row : p.invoices)
          walked.push_back(row.id);
        if (!p.next_offset)
          break;
        offset = *p.next_offset;
      }
      EXPECT_EQ(walked, expected);
    }
  }
}

// A search's page is found by walking the sort's index while the words are
// on enough invoices, else from the words' index; either way its pages are
// the list's, in the list's order, with the invoices the words are not on
// left out.
TEST_F(invoice_list_test, a_search_pages_as_the_list_does_without_the_rest) {
  // One session for the hundreds of pages.
  pqxx::connection conn{db.app_url()};
  auto page = [&](const uuid& tenant, const query_pairs& params) {
    auto q = projections::parse_invoice_list_query(params);
    EXPECT_TRUE(q) << q.error().message;
    pqxx::read_transaction txn{conn};
    return q ? projections::list_invoices(txn, tenant, *q)
             : invoice_list_page{};
  };
  auto ids = [&](const uuid& tenant, const query_pairs& params) {
    std::vector<uuid> out;
    for (const auto& row : page(tenant, params).invoices)
      out.push_back(row.id);
    return out;
  };
  for (auto q : {"farine", "boucherie farine", "n"}) {
    auto found = ids(bistro, {{"q", q}, {"limit", "200"}});
    std::set<uuid> matching(found.begin(), found.end());
    ASSERT_GE(matching.size(), 4u) << q;
    for (auto sort :
         {"received_at", "issue_date", "total", "supplier", "status"}) {
      for (auto order : {"asc", "desc"}) {
        SCOPED_TRACE(std::string{q} + ", " + sort + " " + order);
        std::vector<uuid> expected;
        for (auto id : ids(bistro, {{"sort", sort}, {"order", order}}))
          if (matching.count(id))
            expected.push_back(id);
        std::vector<uuid> by_offset, by_cursor;
        for (std::int64_t offset = 0;;) {
          auto p = page(bistro, {{"q", q},
                                 {"sort", sort},
                                 {"order", order},
                                 {"limit", "3"},
                                 {"offset", std::to_string(offset)}});
          EXPECT_EQ(p.total, std::ssize(expected));
          for (const auto& row : p.invoices)
            by_offset.push_back(row.id);
          if (!p.next_offset || by_offset.size() > 20)
            break;
          offset = *p.next_offset;
        }
        std::string cursor;
        for (int pages = 0; pages < 20; ++pages) {
          query_pairs params{
            {"q", q}, {"sort", sort}, {"order", order}, {"limit", "3"}};
          if (!cursor.empty())
            params.emplace_back("cursor", cursor);
          auto p = page(bistro, params);
          for (const auto& row : p.invoices)
            by_cursor.push_back(row.id);
          cursor = p.next_cursor;
          if (cursor.empty())
            break;
        }
        EXPECT_EQ(by_offset, expected);
        EXPECT_EQ(by_cursor, expected);
      }
    }
  }
}

TEST_F(invoice_list_test, totals_sort_as_numbers_and_pages_say_what_follows) {
  auto asc = page(bistro, {{"sort", "total"}, {"order", "asc"}});
  ASSERT_EQ(asc.invoices.size(), 14u);
  EXPECT_EQ(asc.invoices.front().total, dec("10"));
  EXPECT_EQ(asc.invoices[9].total, dec("30"));
  EXPECT_FALSE(asc.invoices[11].total) << "no total: after all totals";
  auto desc = page(bistro, {{"sort", "total"}, {"order", "desc"}});
  EXPECT_EQ(desc.invoices.front().total, dec("30"));
  EXPECT_FALSE(desc.invoices.back().total) << "no total: last either way";

  auto first = page(bistro, {{"limit", "5"}});
  EXPECT_EQ(first.offset, 0);
  EXPECT_EQ(first.next_offset, 5);
  EXPECT_FALSE(first.next_cursor.empty());
  auto last = page(bistro, {{"limit", "5"}, {"offset", "10"}});
  EXPECT_EQ(last.invoices.size(), 4u);
  EXPECT_EQ(last.next_offset, std::nullopt);
  EXPECT_TRUE(last.next_cursor.empty());
  auto beyond = page(bistro, {{"limit", "5"}, {"offset", "100"}});
  EXPECT_TRUE(beyond.invoices.empty());
  EXPECT_EQ(beyond.total, 14);
  // The default: newest first.
  EXPECT_EQ(page(bistro).invoices.front().id, made.back());

  events::json_writer w;
  projections::write_json(w, first);
  simdjson::dom::parser parser;
  auto j = parser.parse(w.str());
  ASSERT_FALSE(j.error()) << w.str();
  EXPECT_EQ(j["total"].get_int64().value(), 14);
  EXPECT_EQ(j["next_offset"].get_int64().value(), 5);
  EXPECT_EQ(std::string_view{j["sort"].get_string().value()}, "received_at");
  EXPECT_EQ(std::string_view{j["order"].get_string().value()}, "desc");
  auto row = j["invoices"].at(4);
  EXPECT_EQ(std::string_view{row["id"].get_string().value()},
            made[9].to_string());
  EXPECT_EQ(std::string_view{row["status"].get_string().value()},
            "approved_paid");
  EXPECT_EQ(std::string_view{row["total"].get_string().value()}, "10.00");
  EXPECT_EQ(std::string_view{row["currency"].get_string().value()}, "CAD");
  EXPECT_EQ(std::string_view{row["paid_on"].get_string().value()},
            "2026-11-01");
  EXPECT_EQ(std::string_view{row["source"].get_string().value()}, "email");
  EXPECT_EQ(row["line_count"].get_int64().value(), 1);
  auto newest = j["invoices"].at(0);
  EXPECT_TRUE(newest["supplier_name"].is_null());
  EXPECT_TRUE(newest["total"].is_null());
  EXPECT_EQ(std::string_view{newest["status"].get_string().value()},
            "processing");
}

TEST_F(invoices_test, amounts_and_dates_sort_as_values_not_as_text) {
  auto nine = make(bistro, extracted({.issue = day(2026, 9, 1), .total = "9"}));
  auto hundred =
    make(bistro, extracted({.issue = day(2026, 10, 1), .total = "100"}));
  auto twenty =
    make(bistro, extracted({.issue = day(2025, 12, 1), .total = "20.5"}));
  sync();
  EXPECT_EQ(ids(bistro, {{"sort", "total"}, {"order", "asc"}}),
            (std::vector<uuid>{nine, twenty, hundred}));
  EXPECT_EQ(ids(bistro, {{"sort", "total"}, {"order", "desc"}}),
            (std::vector<uuid>{hundred, twenty, nine}));
  EXPECT_EQ(ids(bistro, {{"sort", "issue_date"}, {"order", "asc"}}),
            (std::vector<uuid>{twenty, nine, hundred}));
  EXPECT_EQ(total(bistro, {{"min_total", "10"}, {"max_total", "99.99"}}), 1);
}

TEST_F(invoices_test, broad_filters_count_up_to_a_cap_and_statuses_exactly) {
  auto cap = projections::invoice_count_cap;
  for (std::int64_t i = 0; i < cap + 2; ++i)
    make(bistro, extracted({.number = "N"}));
  make(bistro, approved({.supplier = "Autre"}));
  sync();
  auto searched = page(bistro, {{"q", "fromagerie"}, {"limit", "10"}});
  EXPECT_EQ(searched.total, cap);
  EXPECT_TRUE(searched.total_capped);
  EXPECT_EQ(searched.next_offset, 10);
  auto last = page(bistro, {{"q", "fromagerie"},
                            {"limit", "10"},
                            {"offset", std::to_string(cap - 3)}});
  EXPECT_EQ(last.invoices.size(), 5u);
  EXPECT_EQ(last.total, cap + 2) << "the last page knows the total";
  EXPECT_FALSE(last.total_capped);
  EXPECT_EQ(last.next_offset, std::nullopt);
  auto by_status = page(bistro, {{"status", "awaiting_approval"}});
  EXPECT_EQ(by_status.total, cap + 2);
  EXPECT_FALSE(by_status.total_capped);
  EXPECT_EQ(total(bistro), cap + 3);
  EXPECT_EQ(total(bistro, {{"q", "autre"}}), 1);
}

TEST_F(invoices_test, bad_parameters_say_what_is_allowed) {
  struct refusal {
    query_pairs params;
    std::string says;
  };
  const refusal refusals[] = {
    {{{"status", "paid"}}, "status must be one or more of processing"},
    {{{"status", "approved_paid,"}}, "status must be"},
    {{{"sort", "amount; DROP TABLE"}},
     "sort must be one of received_at, issue_date, due_date, total, "
     "supplier, status; order must be asc or desc"},
    {{{"order", "up"}}, "order must be asc or desc"},
    {{{"limit", "0"}}, "limit must be a whole number from 1 to 200"},
    {{{"limit", "201"}}, "limit must be"},
    {{{"limit", "5x"}}, "limit must be"},
    {{{"offset", "-1"}}, "offset must be a whole number, 0 or more"},
    {{{"issue_from", "2026-13-01"}}, "issue_from must be a date"},
    {{{"due_to", "tomorrow"}}, "due_to must be a date"},
    {{{"min_total", "lots"}}, "min_total must be an amount"},
    {{{"source", "fax"}}, "source must be one of upload, email, whatsapp"},
    {{{"supplier", ""}}, "supplier must be"},
    {{{"q", std::string(201, 'a')}}, "q must be at most 200"},
    {{{"colour", "red"}}, "unknown parameter 'colour'; the invoice list"},
    {{{"limit", "5"}, {"limit", "6"}}, "limit is given more than once"},
    {{{"issue_from", "2026-03-01"}, {"issue_to", "2026-02-01"}},
     "issue_from must not be after issue_to"},
    {{{"min_total", "9"}, {"max_total", "1"}},
     "min_total must not be more than max_total"},
    {{{"cursor", "garbage"}}, "cursor is not one this list gave"},
    {{{"offset", "5"}, {"cursor", "x"}}, "either offset or cursor"},
  };
  for (const auto& r : refusals) {
    auto q = projections::parse_invoice_list_query(r.params);
    ASSERT_FALSE(q) << r.params[0].first;
    EXPECT_EQ(q.error().code, errc::invalid_argument);
    EXPECT_NE(q.error().message.find(r.says), std::string::npos)
      << q.error().message;
  }
}

TEST_F(invoice_list_test, a_cursor_belongs_to_its_sort_and_order) {
  auto p = page(bistro, {{"sort", "total"}, {"limit", "2"}});
  ASSERT_FALSE(p.next_cursor.empty());
  for (query_pairs other : {query_pairs{{"sort", "total"}, {"order", "asc"}},
                            query_pairs{{"sort", "due_date"}}}) {
    other.emplace_back("cursor", p.next_cursor);
    auto q = projections::parse_invoice_list_query(other);
    ASSERT_FALSE(q);
    EXPECT_NE(q.error().message.find("leave it out"), std::string::npos);
  }
  // A cursor's key is checked before it reaches SQL.
  auto forged = p.next_cursor;
  forged.replace(forged.find('.', 8) - 1, 1, "z");
  EXPECT_FALSE(projections::parse_invoice_list_query(
    {{"sort", "total"}, {"cursor", forged}}));
}

TEST_F(invoices_test, another_tenants_invoices_never_show) {
  auto mine = make(bistro, approved({.supplier = "Sysco"}));
  auto theirs = make(cafe, approved({.supplier = "Sysco", .total = "77"}));
  sync();
  EXPECT_EQ(ids(bistro), std::vector<uuid>{mine});
  EXPECT_EQ(ids(cafe), std::vector<uuid>{theirs});
  EXPECT_EQ(ids(bistro, {{"q", "sysco"}}), std::vector<uuid>{mine});
  EXPECT_EQ(total(bistro, {{"min_total", "70"}}), 0);
  EXPECT_FALSE(detail(bistro, theirs));
  auto o = read([&](auto& txn) {
    return projections::dashboard(txn, bistro, day(2026, 11, 22));
  });
  EXPECT_EQ(o.counts[display_status::approved_unpaid], 1);
  ASSERT_EQ(o.spend_this_month.size(), 1u);
  EXPECT_EQ(o.spend_this_month[0].amount, dec("40"));
  EXPECT_EQ(o.unpaid.count, 1);
}

// -- batches
// ----------------------------------------------------------------------

TEST_F(invoices_test, batches_of_any_size_and_a_rebuild_give_the_same_tables) {
  // Streams written in many appends, interleaved, and applied one event
  // per batch as they come: every invoice continues from its row again and
  // again.
  std::vector<uuid> ids;
  for (int i = 0; i < 10; ++i) {
    auto id = uuid::make_v7();
    ids.push_back(id);
    log.invoice(bistro, id, {received(bistro, id)});
  }
  catch_up(runner, 1);
  for (int i = 0; i < 10; ++i) {
    std::string total = std::to_string(12 + i);
    log.invoice(bistro, ids[i],
                {extraction_started{1},
                 found({.issue = day(2026, 5, 1 + i),
                        .total = total.c_str(),
                        .tax_id = i % 2 ? "123456789RT0001" : ""})});
  }
  catch_up(runner, 1);
  for (int i = 0; i < 10; ++i) {
    std::vector<invoice_event> evs;
    if (i % 3 == 0)
      evs.push_back(fields_corrected{
        {{"payment_terms", "", "Net 30"}, {"currency", "CAD", "USD"}}});
    if (i % 5 == 0)
      evs.push_back(
        lines_replaced{{line("Café moulu", "5"), line("Sucre", "7")}});
    if (i % 5 == 4)
      evs.push_back(lines_replaced{{}});
    if (i % 2)
      evs.push_back(invoice_approved{});
    if (i % 4 == 1)
      evs.push_back(paid_on(day(2026, 6, 1)));
    if (i == 6) {
      evs.push_back(invoice_rejected{"wrong prices"});
      evs.push_back(reprocess_requested{std::string{"again"}});
      evs.push_back(extraction_started{2});
      evs.push_back(found({.supplier = "Autre", .total = "99"}));
    }
    if (i == 8)
      evs.push_back(
        duplicate_suspected{ids[0], duplicate_reason::same_content});
    if (!evs.empty())
      log.invoice(bistro, ids[i], evs);
    if (i == 2)
      catch_up(runner, 1);
  }
  log.invoice(bistro, ids[7], {invoice_deleted{std::nullopt}});
  make(cafe, extracted({}));
  catch_up(runner, 1);
  auto incremental = tables();
  ASSERT_GT(incremental.size(), 20u);

  for (std::size_t batch : {1u, 3u, 500u}) {
    auto rebuilt = projections::rebuild(db.owner_url(), invoices_model(),
                                        catalog, {}, batch);
    ASSERT_TRUE(rebuilt) << rebuilt.error().message;
    EXPECT_EQ(tables(), incremental) << "rebuilt in batches of " << batch;
  }
  // And the live runner carries on from the rebuilt tables.
  log.invoice(bistro, ids[0], {invoice_approved{}});
  sync();
  EXPECT_EQ(status_of(bistro, ids[0]), "approved_unpaid");
}

TEST_F(invoices_test, runners_taking_turns_read_what_the_other_wrote) {
  // The model keeps the records its own batches wrote, so the next event
  // of an invoice does not read its rows back. Another runner of the model
  // (a second server during a deploy) may have moved an invoice on in
  // between: what this one kept is then older than the rows.
  projection_runner other{db.app_url(), invoices_model(), catalog};
  auto id = make(bistro, {});
  catch_up(runner, 500);
  log.invoice(bistro, id,
              extracted({.supplier = "Fromagerie", .total = "80.00"}));
  catch_up(other, 500);
  log.invoice(bistro, id, {invoice_approved{}});
  catch_up(runner, 500);
  auto d = detail(bistro, id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->version, 4);
  EXPECT_EQ(d->invoice.fields.supplier_name, "Fromagerie");
  ASSERT_TRUE(d->invoice.fields.total);
  EXPECT_EQ(d->invoice.fields.total->to_string(2), "80.00");
  EXPECT_EQ(status_of(bistro, id), "approved_unpaid");

  auto incremental = tables();
  auto rebuilt =
    projections::rebuild(db.owner_url(), invoices_model(), catalog, {}, 500);
  ASSERT_TRUE(rebuilt) << rebuilt.error().message;
  EXPECT_EQ(tables(), incremental);
}

// -- the dashboard
// ----------------------------------------------------------------

class dashboard_test : public invoices_test {
 protected:
  void SetUp() override {
    tenant_created created{bistro,
                           "Bistro",
                           "",
                           "CA-QC",
                           *tax_profile_for("CA-QC"),
                           *values::currency::parse("CAD"),
                           "bistro"};
    log.tenant(bistro, {created});
    projection_runner directory{db.app_url(), projections::directory_model(),
                                catalog};
    catch_up(directory, 500);
  }

  projections::dashboard_overview overview(values::date today) {
    sync();
    return read([&](auto& txn) {
      return projections::dashboard(txn, bistro, today);
    });
  }

  /// An approved invoice, paid or not.
  uuid spend(const char* supplier, values::date issue, const char* total,
             bool paid = false, const char* currency = "CAD",
             std::optional<values::date> due = std::nullopt) {
    auto evs = approved({.supplier = supplier,
                         .issue = issue,
                         .total = total,
                         .currency = currency,
                         .due = due});
    if (paid)
      evs.push_back(paid_on(issue));
    return make(bistro, evs);
  }

  static std::string sums(const std::vector<projections::money_sum>& sums) {
    std::string out;
    for (const auto& s : sums)
      out += (out.empty() ? "" : " ") + s.currency + ":" + s.amount.to_string(2)
             + "/" + std::to_string(s.invoices);
    return out;
  }
};

TEST_F(dashboard_test, spend_counts_approved_invoices_by_month_and_currency) {
  auto today = day(2026, 11, 22);
  spend("Fromagerie", day(2026, 11, 1), "100", false, "CAD",
        day(2026, 12, 1)); // this month
  spend("Boucherie", day(2026, 10, 31), "70", false, "CAD",
        day(2026, 11, 21));                           // overdue
  spend("Fromagerie", day(2026, 11, 30), "30", true); // paid
  spend("Épicerie", day(2025, 12, 1), "11", true);    // 12th month
  spend("Épicerie", day(2025, 11, 30), "9", true);    // too old
  spend("Importer", day(2026, 11, 5), "40", false, "USD",
        day(2026, 11, 22));                               // due today
  spend("Fromagerie", day(2026, 11, 10), "5", false, ""); // no currency
  make(bistro, extracted({.total = "500"}));              // pending
  make(bistro, extracted({.total = ""}));                 // pending
  auto rejected = extracted({.total = "1000"});
  rejected.push_back(invoice_rejected{"no"});
  make(bistro, rejected);
  make(bistro, {extraction_started{1}}); // processing

  auto o = overview(today);
  EXPECT_EQ(o.currency, "CAD");
  EXPECT_EQ(o.counts[display_status::approved_unpaid], 4);
  EXPECT_EQ(o.counts[display_status::approved_paid], 3);
  EXPECT_EQ(o.counts[display_status::awaiting_approval], 2);
  EXPECT_EQ(o.counts[display_status::rejected], 1);
  EXPECT_EQ(o.counts[display_status::processing], 1);
  EXPECT_EQ(o.counts[display_status::failed], 0);
  EXPECT_EQ(o.counts.size(), 7u);

  // The invoice without a currency counts in the tenant's.
  EXPECT_EQ(sums(o.spend_this_month), "CAD:135.00/3 USD:40.00/1");
  EXPECT_EQ(sums(o.spend_last_month), "CAD:70.00/1");
  ASSERT_EQ(o.spend_by_month.size(), 12u);
  EXPECT_EQ(o.spend_by_month.front().month, "2025-12");
  EXPECT_EQ(sums(o.spend_by_month.front().spend), "CAD:11.00/1");
  EXPECT_EQ(o.spend_by_month.back().month, "2026-11");
  EXPECT_TRUE(o.spend_by_month[5].spend.empty());

  ASSERT_EQ(o.top_suppliers.size(), 4u);
  EXPECT_EQ(o.top_suppliers[0].supplier_name, "Fromagerie");
  EXPECT_NE(o.top_suppliers[0].supplier_id, o.top_suppliers[1].supplier_id);
  EXPECT_EQ(sums({o.top_suppliers[0].spend}), "CAD:135.00/3");
  EXPECT_EQ(o.top_suppliers[1].supplier_name, "Boucherie");
  EXPECT_EQ(o.top_suppliers[2].supplier_name, "Importer");
  EXPECT_EQ(sums({o.top_suppliers[3].spend}), "CAD:11.00/1")
    << "the invoice from before the 12 months is left out";

  EXPECT_EQ(o.awaiting_approval.count, 2);
  EXPECT_EQ(sums(o.awaiting_approval.totals), "CAD:500.00/1");
  EXPECT_EQ(o.unpaid.count, 4);
  EXPECT_EQ(sums(o.unpaid.totals), "CAD:175.00/3 USD:40.00/1");
  EXPECT_EQ(o.overdue.count, 1);
  EXPECT_EQ(sums(o.overdue.totals), "CAD:70.00/1")
    << "due yesterday is overdue, due today is not";

  // A month later, November is last month and the Boucherie is overdue too.
  auto later = overview(day(2026, 12, 3));
  EXPECT_EQ(sums(later.spend_last_month), "CAD:135.00/3 USD:40.00/1");
  EXPECT_TRUE(later.spend_this_month.empty());
  EXPECT_EQ(later.overdue.count, 3);
  EXPECT_EQ(later.spend_by_month.front().month, "2026-01");

  events::json_writer w;
  projections::write_json(w, o);
  simdjson::dom::parser parser;
  auto j = parser.parse(w.str());
  ASSERT_FALSE(j.error()) << w.str();
  EXPECT_EQ(std::string_view{j["today"].get_string().value()}, "2026-11-22");
  EXPECT_EQ(j["counts"]["not_an_invoice"].get_int64().value(), 0);
  EXPECT_EQ(
    std::string_view{
      j["spend_this_month"].at(1)["amount"].get_string().value()},
    "40.00");
  EXPECT_EQ(
    std::string_view{j["spend_by_month"].at(11)["month"].get_string().value()},
    "2026-11");
  EXPECT_EQ(j["overdue"]["count"].get_int64().value(), 1);
  EXPECT_EQ(
    std::string_view{
      j["top_suppliers"].at(0)["supplier_name"].get_string().value()},
    "Fromagerie");
  EXPECT_EQ(
    std::string_view{
      j["extraction_cost_this_month"]["currency"].get_string().value()},
    "USD");
}

TEST_F(dashboard_test, one_invoice_paid_as_another_is_approved_in_a_batch) {
  auto due = day(2026, 12, 1);
  auto a = spend("Fromagerie", day(2026, 11, 1), "40", false, "CAD", due);
  auto b = make(
    bistro, extracted({.issue = day(2026, 11, 1), .total = "10", .due = due}));
  sync();
  log.invoice(bistro, a, {paid_on(day(2026, 11, 5))});
  log.invoice(bistro, b, {invoice_approved{}});
  auto o = overview(day(2026, 11, 22));
  EXPECT_EQ(o.unpaid.count, 1);
  EXPECT_EQ(sums(o.unpaid.totals), "CAD:10.00/1");
  EXPECT_EQ(o.awaiting_approval.count, 0);
  EXPECT_EQ(sums(o.spend_this_month), "CAD:50.00/2");
}

TEST_F(dashboard_test, suppliers_are_ranked_by_key_and_named_by_the_latest) {
  auto today = day(2026, 11, 22);
  // One supplier under two names but one tax number.
  auto evs = approved({.supplier = "Sysco Inc",
                       .issue = day(2026, 3, 1),
                       .total = "100",
                       .tax_id = "123456789"});
  make(bistro, evs);
  make(bistro, approved({.supplier = "Sysco Québec",
                         .issue = day(2026, 9, 1),
                         .total = "50",
                         .tax_id = "123 456 789"}));
  const char* others[] = {"A", "B", "C", "D", "E"};
  for (int i = 0; i < 5; ++i)
    spend(others[i], day(2026, 6, 1), std::to_string(10 + i).c_str());
  auto o = overview(today);
  ASSERT_EQ(o.top_suppliers.size(), 5u);
  EXPECT_EQ(o.top_suppliers[0].supplier_name, "Sysco Québec");
  EXPECT_EQ(sums({o.top_suppliers[0].spend}), "CAD:150.00/2");
  EXPECT_EQ(o.top_suppliers[1].supplier_name, "E");
  EXPECT_EQ(o.top_suppliers[4].supplier_name, "B");
}

TEST_F(dashboard_test, extraction_cost_counts_this_months_extractions) {
  // Extractions happen now, whatever day the invoices say.
  auto now = values::date::parse(events::now_timestamp().substr(0, 10));
  ASSERT_TRUE(now);
  auto first = make(bistro, approved({}));
  auto gone = make(bistro, extracted({}));
  log.invoice(bistro, first,
              {invoice_rejected{"no"}, reprocess_requested{},
               extraction_started{2}, found({.supplier = "Again"})});
  log.invoice(bistro, gone, {invoice_deleted{}});
  auto o = overview(*now);
  EXPECT_EQ(o.extraction_cost_this_month, dec("0.006"))
    << "two extractions of one invoice, one of a deleted one";
  EXPECT_EQ(overview(now->plus_days(40)).extraction_cost_this_month, dec("0"));

  // Without an issue date, spend counts on the day the document came.
  make(bistro, approved({.issue = std::nullopt, .total = "8"}));
  EXPECT_EQ(sums(overview(*now).spend_this_month), "CAD:8.00/1");
}

} // namespace
