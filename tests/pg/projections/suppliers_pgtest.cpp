// The suppliers read model: supplier identity, spend, price history and
// price alerts as the queries return them after sequences of domain events
// applied by the runner, against a real PostgreSQL; and the pure pieces
// (normalization, item prices, query parameters) as tables.
#include "projections/suppliers.hpp"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

// The tests describe invoices with designated initializers, leaving the
// members they do not name at their defaults on purpose; GCC warns about
// those members all the same.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace larder;
using namespace larder::domain;
using namespace larder::projections;
using larder::events::uuid;
using larder::testing::catch_up;
using larder::testing::domain_log;
using larder::testing::full_catalog;
using larder::testing::test_database;

namespace {

values::decimal dec(std::string_view text) {
  return *values::decimal::parse(text);
}

values::date day(std::string_view text) {
  return *values::date::parse(text);
}

values::line_item line(std::string description, std::string unit,
                       std::string price, std::string quantity = "1") {
  auto q = dec(quantity);
  auto p = dec(price);
  return {std::move(description), q,  std::move(unit), p,
          (q * p).round(2),       "", std::nullopt,    false};
}

/// An invoice as extraction read it.
struct bill {
  std::string supplier = "Fromagerie du Village Ltée";
  std::string tax_id;
  std::string number = "F-1";
  /// "" for none.
  std::string issued = "2026-01-05";
  std::string total = "100.00";
  std::string currency = "CAD";
  std::vector<values::line_item> lines;
};

extraction_succeeded extracted(const bill& b) {
  extraction_succeeded e;
  auto& f = e.fields;
  if (!b.supplier.empty())
    f.supplier_name = b.supplier;
  if (!b.tax_id.empty())
    f.supplier_tax_id = b.tax_id;
  if (!b.number.empty())
    f.invoice_number = b.number;
  if (!b.issued.empty())
    f.issue_date = day(b.issued);
  if (!b.currency.empty())
    f.currency = *values::currency::parse(b.currency);
  if (!b.total.empty())
    f.total = dec(b.total);
  e.lines = b.lines;
  e.overall_confidence = dec("0.9");
  e.provider = "test";
  return e;
}

tenant_created created(const uuid& id, const std::string& currency) {
  return {id,
          "Bistro " + id.to_string().substr(0, 8),
          "",
          "CA-QC",
          *tax_profile_for("CA-QC"),
          *values::currency::parse(currency),
          "bistro-" + id.to_string().substr(0, 8)};
}

tenant_settings_changed threshold_of(std::string percent) {
  tenant_settings s;
  s.price_alert_threshold_percent = dec(percent);
  return {s};
}

/// The item of `items` whose description and unit are these.
std::optional<supplier_item_row>
item_named(const page<supplier_item_row>& items, std::string_view description,
           std::string_view unit) {
  for (const auto& it : items.rows)
    if (it.description == description && it.unit == unit)
      return it;
  return std::nullopt;
}

std::vector<std::string> descriptions(const page<price_alert_row>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts.rows)
    out.push_back(a.description);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> names(const page<supplier_row>& suppliers) {
  std::vector<std::string> out;
  for (const auto& s : suppliers.rows)
    out.push_back(s.name);
  return out;
}

class suppliers_test : public ::testing::Test {
 protected:
  void sync() {
    catch_up(runner);
  }

  template <class Query>
  auto read(Query query) {
    pqxx::read_transaction txn{edge};
    return query(txn);
  }

  uuid new_tenant(const std::string& currency = "CAD") {
    auto t = uuid::make_v7();
    history.tenant(t, {created(t, currency)});
    return t;
  }

  void set_threshold(const uuid& tenant, std::string percent) {
    history.tenant(tenant, {threshold_of(std::move(percent))});
  }

  /// Received, extracted as `b`, awaiting approval.
  uuid awaiting(const uuid& tenant, const bill& b) {
    auto id = uuid::make_v7();
    document_received received{id,
                               tenant,
                               document_source::upload,
                               "bill.pdf",
                               "application/pdf",
                               1000,
                               std::string(64, 'a'),
                               ""};
    history.invoice(tenant, id,
                    {received, extraction_started{1}, extracted(b)});
    return id;
  }

  uuid approved(const uuid& tenant, const bill& b) {
    auto id = awaiting(tenant, b);
    history.invoice(tenant, id, {invoice_approved{}});
    return id;
  }

  void then(const uuid& tenant, const uuid& invoice,
            const std::vector<invoice_event>& events) {
    history.invoice(tenant, invoice, events);
  }

  uuid supplier_named(const uuid& tenant, std::string_view name,
                      std::string_view tax_id = "") {
    return supplier_id_of(tenant, supplier_key(name, tax_id));
  }

  page<price_alert_row> alerts(const uuid& tenant, alert_list_query q = {}) {
    return read([&](auto& txn) {
      return list_price_alerts(txn, tenant, q);
    });
  }

  std::int64_t unacknowledged(const uuid& tenant) {
    return read([&](auto& txn) {
             return count_unacknowledged_alerts(txn, tenant);
           })
      .unacknowledged;
  }

  std::optional<supplier_row> supplier(const uuid& tenant, const uuid& id) {
    return read([&](auto& txn) {
      return find_supplier(txn, tenant, id);
    });
  }

  page<supplier_row> suppliers(const uuid& tenant, supplier_list_query q = {}) {
    return read([&](auto& txn) {
      return list_suppliers(txn, tenant, q);
    });
  }

  page<supplier_item_row> items(const uuid& tenant, const uuid& supplier) {
    auto found = read([&](auto& txn) {
      return supplier_items(txn, tenant, supplier, item_list_query{});
    });
    return found ? *found : page<supplier_item_row>{};
  }

  std::optional<price_history> prices(const uuid& tenant, const uuid& item) {
    return read([&](auto& txn) {
      return item_price_history(txn, tenant, item, price_history_query{});
    });
  }

  test_database db;
  domain_log history{db.app_url()};
  projection_runner runner{db.app_url(), suppliers_model(), full_catalog()};
  pqxx::connection edge{db.app_url()};
};

const std::string fromagerie = "Fromagerie du Village Ltée";

} // namespace

// -- pure ---------------------------------------------------------------------

TEST(suppliers_normalization, supplier_keys_fold_names_and_prefer_tax_numbers) {
  struct row {
    std::string name;
    std::string tax_id;
    std::string key;
  };
  const std::vector<row> table{
    {"Boucherie Centrale Inc.", "", "name:boucherie centrale"},
    {"BOUCHERIE CENTRALE, INC", "", "name:boucherie centrale"},
    {"  Boucherie   Centrale  ", "", "name:boucherie centrale"},
    {"Fromagerie du Village Ltée", "", "name:fromagerie du village"},
    {"Fromagerie du Village LTEE.", "", "name:fromagerie du village"},
    {"Fromagerie du Village Limited", "", "name:fromagerie du village"},
    {"Dupont et Cie", "", "name:dupont"},
    {"Dupont & Cie", "", "name:dupont"},
    {"Smith and Co. Ltd.", "", "name:smith"},
    {"Müller GmbH", "", "name:muller"},
    {"Großhandel Straße AG", "", "name:grosshandel strasse"},
    {"Les Jardins Maraîchers S.A.R.L.", "", "name:les jardins maraichers"},
    {"Œufs Bio SA", "", "name:oeufs bio"},
    {"Łódź Spółka", "", "name:lodz spolka"},
    {"L’Épicerie Fine", "", "name:lepicerie fine"},
    {"L'Épicerie Fine inc", "", "name:lepicerie fine"},
    {"Cafe\xcc\x81 Union", "", "name:cafe union"},
    {"Boulangerie St-Viateur", "", "name:boulangerie st viateur"},
    {"Gordon Food Service LLC", "", "name:gordon food service"},
    {"Sysco Corp", "", "name:sysco"},
    {"Van Dijk B.V.", "", "name:van dijk"},
    // A suffix alone is the name.
    {"Company Inc.", "", "name:company"},
    // The tax number wins over any name, normalized.
    {"Sysco", "123 456 789 RT 0001", "tax:123456789RT0001"},
    {"Another name", "123456789rt-0001", "tax:123456789RT0001"},
    {"", "gb 123.456.789", "tax:GB123456789"},
    // Punctuation alone is no tax number.
    {"Sysco", " - ", "name:sysco"},
    {"", "", ""},
    {"...", "", ""},
  };
  for (const auto& r : table)
    EXPECT_EQ(supplier_key(r.name, r.tax_id), r.key)
      << "name '" << r.name << "', tax number '" << r.tax_id << "'";
}

TEST(suppliers_normalization, items_and_units_fold_case_accents_punctuation) {
  EXPECT_EQ(fold_text("Crème 35% 2 L"), "creme 35 2 l");
  EXPECT_EQ(fold_text("  BEURRE   doux\t454g "), "beurre doux 454g");
  EXPECT_EQ(fold_text("Huile d'olive 3 L"), "huile d olive 3 l");
  EXPECT_EQ(fold_text("Huile d’olive — 3 L"), "huile d olive 3 l");
  EXPECT_EQ(fold_text("Œufs «calibre gros»"), "oeufs calibre gros");
  EXPECT_EQ(fold_text("Gruyère AOP ½"), "gruyere aop");
  EXPECT_EQ(fold_text("Smørrebrød Þorri ß"), "smorrebrod thorri ss");
  EXPECT_EQ(fold_text("Şeker Țuică"), "seker tuica");
  EXPECT_EQ(fold_text("2,5 kg"), fold_text("2.5 kg"));
  // Other scripts are kept; broken bytes separate.
  EXPECT_EQ(fold_text("寿司 Sushi"), "寿司 sushi");
  EXPECT_EQ(fold_text("a\xff"
                      "b"),
            "a b");
  EXPECT_EQ(normalize_unit("Kg."), "kg");
  EXPECT_EQ(normalize_unit("fl. oz"), "floz");
  EXPECT_EQ(normalize_unit(""), "");
}

TEST(suppliers_normalization, an_items_price_is_its_lines_weighted_average) {
  auto prices = item_prices({
    line("Beurre doux", "kg", "4.00", "3"),
    line("Crème 35%", "L", "6.10"),
    line("BEURRE  DOUX", "KG", "4.50", "1"),
    line("Beurre doux", "case", "40.00"),
    // A return, a free sample and a line without words are no prices.
    line("Crème 35%", "L", "6.10", "-2"),
    line("Crème 35%", "L", "0"),
    line("---", "ea", "3.00"),
  });
  EXPECT_EQ(prices, (std::vector<item_price>{
                      {"Beurre doux", "kg", dec("4.125")},
                      {"Crème 35%", "L", dec("6.10")},
                      {"Beurre doux", "case", dec("40.00")},
                    }));
  // Rounded half to even at four places: (1 × 1 + 2 × 1.00005) / 3.
  EXPECT_EQ(item_prices({line("x", "", "1"), line("x", "", "1.0001", "2")})
              .front()
              .unit_price,
            dec("1.0001"));
}

TEST(suppliers_params, bad_parameters_are_refused_with_what_to_do) {
  struct row {
    std::string what;
    std::optional<error> failure;
    std::string message;
  };
  auto supplier_list = [](query_pairs p) {
    auto q = parse_supplier_list_query(p);
    return q ? std::optional<error>{} : q.error();
  };
  auto page = [](query_pairs p) {
    auto q = parse_page_query(p);
    return q ? std::optional<error>{} : q.error();
  };
  auto items = [](query_pairs p) {
    auto q = parse_item_list_query(p);
    return q ? std::optional<error>{} : q.error();
  };
  auto history = [](query_pairs p) {
    auto q = parse_price_history_query(p);
    return q ? std::optional<error>{} : q.error();
  };
  auto alerts = [](query_pairs p) {
    auto q = parse_alert_list_query(p);
    return q ? std::optional<error>{} : q.error();
  };
  const std::vector<row> table{
    {"unknown", supplier_list({{"sort", "name"}, {"colour", "red"}}),
     "unknown parameter 'colour'; use q, sort, order, limit or offset"},
    {"twice", supplier_list({{"limit", "5"}, {"limit", "6"}}),
     "limit is given more than once"},
    {"sort", supplier_list({{"sort", "total"}}),
     "sort must be name, spend, last_invoice or invoice_count"},
    {"order", supplier_list({{"order", "up"}}), "order must be asc or desc"},
    {"limit 0", supplier_list({{"limit", "0"}}),
     "limit must be a whole number from 1 to 500"},
    {"limit 501", page({{"limit", "501"}}),
     "limit must be a whole number from 1 to 500"},
    {"limit text", page({{"limit", "ten"}}),
     "limit must be a whole number from 1 to 500"},
    {"offset", page({{"offset", "-1"}}),
     "offset must be a whole number from 0 to 1000000000"},
    {"page unknown", page({{"q", "x"}}),
     "unknown parameter 'q'; use limit or offset"},
    {"long search", items({{"q", std::string(201, 'a')}}),
     "q is longer than 200 characters"},
    {"control", items({{"q", "a\x01"}}), "q contains a control character"},
    {"date", history({{"from", "2026-02-30"}}),
     "from must be a date written YYYY-MM-DD, such as 2026-11-01"},
    {"range", history({{"from", "2026-03-01"}, {"to", "2026-02-01"}}),
     "from must not be after to"},
    {"acknowledged", alerts({{"acknowledged", "yes"}}),
     "acknowledged must be true or false"},
    {"supplier", alerts({{"supplier", "boucherie"}}),
     "supplier must be a supplier id such as "
     "0190b5c2-7a4e-8d21-9f3b-2c4d5e6f7a8b"},
    {"hostile name", alerts({{std::string(50, 'x'), "1"}}),
     "unknown parameter; use acknowledged, supplier, item, from, to, limit "
     "or offset"},
    {"no params", parse_no_params({{"after", "1"}}),
     "unknown parameter 'after'; this query takes no parameters"},
  };
  for (const auto& r : table) {
    ASSERT_TRUE(r.failure) << r.what << " was accepted";
    EXPECT_EQ(r.failure->code, errc::invalid_argument) << r.what;
    EXPECT_EQ(r.failure->message, r.message) << r.what;
  }

  // And what is accepted, with its defaults.
  auto q = parse_supplier_list_query({{"sort", "spend"}, {"q", "Maraîchers"}});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->sort, supplier_sort::spend);
  EXPECT_TRUE(q->descending) << "spend sorts largest first unless told";
  EXPECT_EQ(q->search, "maraichers");
  EXPECT_EQ(q->limit, 50);
  auto by_name = parse_supplier_list_query({{"order", "desc"}});
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->sort, supplier_sort::name);
  EXPECT_TRUE(by_name->descending);
  auto a = parse_alert_list_query({{"acknowledged", "false"},
                                   {"item", "Crème"},
                                   {"to", "2026-02-01"},
                                   {"limit", "500"},
                                   {"offset", "20"}});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->acknowledged, false);
  EXPECT_EQ(a->item, "creme");
  EXPECT_EQ(a->to, day("2026-02-01"));
  EXPECT_EQ(a->limit, 500);
  EXPECT_EQ(a->offset, 20);
  EXPECT_FALSE(parse_no_params({}));
}

// -- price alerts -------------------------------------------------------------

TEST_F(suppliers_test, alerts_rise_only_above_the_threshold_as_displayed) {
  auto t = new_tenant();
  approved(
    t, {.number = "F-1",
        .issued = "2026-01-05",
        .lines = {line("Beurre", "kg", "10.00"), line("Crème", "L", "20.00"),
                  line("Farine", "kg", "10.00"), line("Sucre", "kg", "10.00"),
                  line("Sel", "kg", "10.00"), line("Oeufs", "dz", "10.00")}});
  auto rise = approved(
    t, {.number = "F-2",
        .issued = "2026-01-12",
        .lines = {// Exactly 5%, and 4.95%: no alert.
                  line("Beurre", "kg", "10.50"), line("Crème", "L", "20.99"),
                  // 5.10%: an alert.
                  line("Farine", "kg", "10.51"),
                  // 5.005% shows as 5.01: an alert; 5.004% shows
                  // as 5.00: none.
                  line("Sucre", "kg", "10.5005"), line("Sel", "kg", "10.5004"),
                  // A fall is never an alert.
                  line("Oeufs", "dz", "9.00")}});
  sync();
  auto all = alerts(t);
  EXPECT_EQ(all.total, 2);
  EXPECT_EQ(descriptions(all), (std::vector<std::string>{"Farine", "Sucre"}));
  EXPECT_EQ(unacknowledged(t), 2);

  alert_list_query flour;
  flour.item = "farine";
  auto one = alerts(t, flour);
  ASSERT_EQ(one.rows.size(), 1u);
  const auto& a = one.rows[0];
  EXPECT_EQ(a.old_price, "10.00");
  EXPECT_EQ(a.new_price, "10.51");
  EXPECT_EQ(a.percent, "5.10");
  EXPECT_EQ(a.threshold_percent, "5.00");
  EXPECT_EQ(a.observed_on, "2026-01-12");
  EXPECT_EQ(a.previous_on, "2026-01-05");
  EXPECT_EQ(a.invoice_id, rise);
  EXPECT_EQ(a.invoice_number, "F-2");
  EXPECT_EQ(a.previous_invoice_number, "F-1");
  EXPECT_EQ(a.supplier_name, fromagerie);
  EXPECT_EQ(a.supplier_id, supplier_named(t, fromagerie));
  EXPECT_EQ(a.currency, "CAD");
  EXPECT_FALSE(a.acknowledged);

  // The shape the single-page app reads, whole.
  events::json_writer w;
  write_json(w, one);
  EXPECT_EQ(w.str(),
            R"({"alerts":[{"id":")" + a.id.to_string()
              + R"(","observed_on":"2026-01-12","supplier":{"id":")"
              + a.supplier_id.to_string()
              + R"(","name":"Fromagerie du Village Ltée"},"item":{"id":")"
              + a.item_id.to_string()
              + R"(","description":"Farine","unit":"kg"},"currency":"CAD",)"
                R"("old_price":"10.00","new_price":"10.51","percent":"5.10",)"
                R"("threshold_percent":"5.00","invoice":{"id":")"
              + rise.to_string() + R"(","number":"F-2"},"previous_invoice":)"
              + R"({"id":")" + a.previous_invoice_id.to_string()
              + R"(","number":"F-1","observed_on":"2026-01-05"},)"
                R"("acknowledged":false,"acknowledged_by":null,)"
                R"("acknowledged_at":null}],"total":1})");

  auto sugar = alerts(t, {.item = "sucre"});
  ASSERT_EQ(sugar.rows.size(), 1u);
  EXPECT_EQ(sugar.rows[0].new_price, "10.5005") << "unit prices keep 4 places";
  EXPECT_EQ(sugar.rows[0].percent, "5.01");

  // The history of butter: newest first, with the change at exactly 5%.
  auto butter =
    item_named(items(t, supplier_named(t, fromagerie)), "Beurre", "kg");
  ASSERT_TRUE(butter);
  EXPECT_EQ(butter->latest_price, "10.50");
  EXPECT_EQ(butter->change_percent, "5.00");
  EXPECT_EQ(butter->observations, 2);
  auto h = prices(t, butter->id);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->prices.rows.size(), 2u);
  EXPECT_EQ(h->prices.rows[0].unit_price, "10.50");
  EXPECT_EQ(h->prices.rows[0].previous_price, "10.00");
  EXPECT_EQ(h->prices.rows[0].change_percent, "5.00");
  EXPECT_FALSE(h->prices.rows[0].alert);
  EXPECT_EQ(h->prices.rows[1].unit_price, "10.00");
  EXPECT_EQ(h->prices.rows[1].previous_price, "");
  EXPECT_EQ(h->prices.rows[1].invoice_number, "F-1");

  events::json_writer count;
  write_json(count, read([&](auto& txn) {
               return count_unacknowledged_alerts(txn, t);
             }));
  EXPECT_EQ(count.str(), R"({"unacknowledged":2})");
}

TEST_F(suppliers_test, thresholds_are_per_tenant_and_hold_for_later_approvals) {
  auto strict = new_tenant();
  auto lenient = new_tenant();
  set_threshold(lenient, "10");
  for (const auto& t : {strict, lenient}) {
    approved(t, {.number = "F-1",
                 .issued = "2026-01-05",
                 .lines = {line("Beurre", "kg", "10.00")}});
    approved(t, {.number = "F-2",
                 .issued = "2026-01-12",
                 .lines = {line("Beurre", "kg", "10.80")}});
  }
  sync();
  ASSERT_EQ(alerts(strict).rows.size(), 1u) << "8% is above 5%";
  EXPECT_EQ(alerts(strict).rows[0].percent, "8.00");
  EXPECT_EQ(alerts(lenient).total, 0) << "8% is not above 10%";

  // A new threshold judges the approvals after it; what was judged stays.
  set_threshold(strict, "10");
  set_threshold(lenient, "7");
  for (const auto& t : {strict, lenient})
    approved(t, {.number = "F-3",
                 .issued = "2026-01-19",
                 .lines = {line("Beurre", "kg", "11.70")}});
  sync();
  auto s = alerts(strict);
  ASSERT_EQ(s.rows.size(), 1u) << "8.33% is not above the new 10%";
  EXPECT_EQ(s.rows[0].invoice_number, "F-2");
  EXPECT_EQ(s.rows[0].threshold_percent, "5.00");
  auto l = alerts(lenient);
  ASSERT_EQ(l.rows.size(), 1u) << "8.33% is above the new 7%";
  EXPECT_EQ(l.rows[0].invoice_number, "F-3");
  EXPECT_EQ(l.rows[0].percent, "8.33");
  EXPECT_EQ(l.rows[0].threshold_percent, "7.00");
}

TEST_F(suppliers_test, different_units_and_currencies_are_never_compared) {
  auto t = new_tenant();
  approved(t, {.number = "F-1",
               .issued = "2026-01-05",
               .lines = {line("Beurre", "kg", "10.00")}});
  approved(t, {.number = "F-2",
               .issued = "2026-01-12",
               .lines = {line("Beurre", "case", "25.00"),
                         line("BEURRE", "KG.", "10.20")}});
  approved(t, {.number = "F-3",
               .issued = "2026-01-19",
               .currency = "USD",
               .lines = {line("Beurre", "kg", "30.00")}});
  sync();
  EXPECT_EQ(alerts(t).total, 0);
  auto listed = items(t, supplier_named(t, fromagerie));
  EXPECT_EQ(listed.total, 3) << "kg in CAD, case in CAD, kg in USD";
  auto kg = item_named(listed, "BEURRE", "KG.");
  ASSERT_TRUE(kg) << "the item shows as on its latest invoice";
  EXPECT_EQ(kg->latest_price, "10.20");
  EXPECT_EQ(kg->change_percent, "2.00") << "kg and KG. are the same unit";
  EXPECT_EQ(kg->currency, "CAD");
  ASSERT_TRUE(item_named(listed, "Beurre", "case"));
  EXPECT_EQ(item_named(listed, "Beurre", "case")->change_percent, "");

  approved(t, {.number = "F-4",
               .issued = "2026-01-26",
               .lines = {line("beurre", "Kg", "12.00")}});
  sync();
  auto raised = alerts(t);
  ASSERT_EQ(raised.rows.size(), 1u);
  EXPECT_EQ(raised.rows[0].old_price, "10.20");
  EXPECT_EQ(raised.rows[0].percent, "17.65");
}

TEST_F(suppliers_test, a_corrected_invoice_moves_its_prices_and_its_alert) {
  auto t = new_tenant();
  approved(t, {.number = "F-1",
               .issued = "2026-01-05",
               .lines = {line("Beurre", "kg", "10.00")}});
  auto second = awaiting(t, {.number = "F-2",
                             .issued = "2026-01-12",
                             .lines = {line("Beurre", "kg", "12.00")}});
  sync();
  EXPECT_EQ(alerts(t).total, 0) << "an invoice awaiting approval has no price";

  // Corrected before approval: the price and the date it counts under.
  then(t, second,
       {lines_replaced{{line("Beurre", "kg", "11.00")}},
        fields_corrected{{{"issue_date", "2026-01-12", "2026-01-20"}}},
        invoice_approved{}});
  sync();
  auto first_alert = alerts(t);
  ASSERT_EQ(first_alert.rows.size(), 1u);
  EXPECT_EQ(first_alert.rows[0].new_price, "11.00");
  EXPECT_EQ(first_alert.rows[0].percent, "10.00");
  EXPECT_EQ(first_alert.rows[0].observed_on, "2026-01-20");

  // Approved is final; to correct it, reject and reprocess it.
  then(t, second, {invoice_rejected{"price is wrong"}});
  sync();
  EXPECT_EQ(alerts(t).total, 0);
  auto butter =
    item_named(items(t, supplier_named(t, fromagerie)), "Beurre", "kg");
  ASSERT_TRUE(butter);
  EXPECT_EQ(butter->observations, 1);
  EXPECT_EQ(butter->latest_price, "10.00");

  then(t, second,
       {reprocess_requested{"price is wrong"}, extraction_started{2},
        extracted({.number = "F-2",
                   .issued = "2026-01-12",
                   .lines = {line("Beurre", "kg", "12.00")}}),
        lines_replaced{{line("Beurre", "kg", "10.30")}}, invoice_approved{}});
  sync();
  EXPECT_EQ(alerts(t).total, 0) << "3% is below the threshold";
  auto h = prices(t, butter->id);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->prices.rows.size(), 2u);
  EXPECT_EQ(h->prices.rows[0].observed_on, "2026-01-12");
  EXPECT_EQ(h->prices.rows[0].unit_price, "10.30");
  EXPECT_EQ(h->prices.rows[0].change_percent, "3.00");
}

TEST_F(suppliers_test, rejected_and_deleted_invoices_leave_the_history) {
  auto t = new_tenant();
  auto first = approved(t, {.number = "F-1",
                            .issued = "2026-01-05",
                            .lines = {line("Beurre", "kg", "10.00")}});
  auto second = approved(t, {.number = "F-2",
                             .issued = "2026-01-12",
                             .lines = {line("Beurre", "kg", "12.00")}});
  sync();
  ASSERT_EQ(alerts(t).total, 1);
  auto id = supplier_named(t, fromagerie);

  then(t, second, {invoice_deleted{"sent twice"}});
  sync();
  EXPECT_EQ(alerts(t).total, 0);
  EXPECT_EQ(unacknowledged(t), 0);
  auto butter = item_named(items(t, id), "Beurre", "kg");
  ASSERT_TRUE(butter);
  EXPECT_EQ(butter->latest_price, "10.00");
  EXPECT_EQ(butter->observations, 1);
  EXPECT_EQ(supplier(t, id)->invoice_count, 1);

  then(t, first, {invoice_rejected{"not ours"}});
  sync();
  EXPECT_EQ(items(t, id).total, 0);
  EXPECT_FALSE(prices(t, butter->id)) << "an item without prices is gone";
  auto s = supplier(t, id);
  ASSERT_TRUE(s) << "a rejected invoice is still the supplier's";
  EXPECT_EQ(s->invoice_count, 1);
  EXPECT_EQ(s->approved_count, 0);
  EXPECT_TRUE(s->totals.empty());

  then(t, first, {invoice_deleted{}});
  sync();
  EXPECT_FALSE(supplier(t, id));
  EXPECT_EQ(suppliers(t).total, 0);
}

TEST_F(suppliers_test, an_invoice_dated_between_two_rejudges_the_later_one) {
  auto t = new_tenant();
  auto chef = uuid::make_v7();
  approved(t, {.number = "A",
               .issued = "2026-01-01",
               .lines = {line("Beurre", "kg", "10.00")}});
  auto late = approved(t, {.number = "C",
                           .issued = "2026-01-20",
                           .lines = {line("Beurre", "kg", "12.00")}});
  sync();
  auto raised = alerts(t);
  ASSERT_EQ(raised.rows.size(), 1u);
  auto c_alert = raised.rows[0].id;
  EXPECT_EQ(raised.rows[0].percent, "20.00");

  history.tenant(t, {price_alert_acknowledged{c_alert, chef}});
  sync();
  EXPECT_EQ(unacknowledged(t), 0);
  auto acked = alerts(t, {.acknowledged = true});
  ASSERT_EQ(acked.rows.size(), 1u);
  EXPECT_TRUE(acked.rows[0].acknowledged);
  EXPECT_EQ(acked.rows[0].acknowledged_by, chef);
  auto stream = history.store().read_stream("tenant-" + t.to_string());
  ASSERT_TRUE(stream);
  EXPECT_EQ(acked.rows[0].acknowledged_at, stream->back().env.recorded_at);
  EXPECT_EQ(alerts(t, {.acknowledged = false}).total, 0);

  // B, approved later but dated between: the rise is B's now, and C is
  // judged against B.
  auto between = approved(t, {.number = "B",
                              .issued = "2026-01-10",
                              .lines = {line("Beurre", "kg", "11.50")}});
  sync();
  auto now = alerts(t);
  ASSERT_EQ(now.rows.size(), 1u);
  EXPECT_EQ(now.rows[0].invoice_number, "B");
  EXPECT_EQ(now.rows[0].percent, "15.00");
  EXPECT_FALSE(now.rows[0].acknowledged);
  EXPECT_EQ(unacknowledged(t), 1);
  auto butter =
    item_named(items(t, supplier_named(t, fromagerie)), "Beurre", "kg");
  ASSERT_TRUE(butter);
  auto h = prices(t, butter->id);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->prices.rows.size(), 3u);
  EXPECT_EQ(h->prices.rows[0].invoice_id, late);
  EXPECT_EQ(h->prices.rows[0].previous_price, "11.50");
  EXPECT_EQ(h->prices.rows[0].change_percent, "4.35");
  EXPECT_FALSE(h->prices.rows[0].alert);

  // B goes: C's alert is back, under its id, still acknowledged.
  then(t, between, {invoice_deleted{}});
  sync();
  auto back = alerts(t);
  ASSERT_EQ(back.rows.size(), 1u);
  EXPECT_EQ(back.rows[0].id, c_alert);
  EXPECT_TRUE(back.rows[0].acknowledged);
  EXPECT_EQ(unacknowledged(t), 0);
}

TEST_F(suppliers_test, an_acknowledgement_counts_only_in_its_own_tenant) {
  auto t = new_tenant();
  auto other = new_tenant();
  auto chef = uuid::make_v7();
  approved(t, {.number = "F-1", .lines = {line("Beurre", "kg", "10.00")}});
  approved(t, {.number = "F-2",
               .issued = "2026-01-12",
               .lines = {line("Beurre", "kg", "11.00")}});
  sync();
  auto raised = alerts(t);
  ASSERT_EQ(raised.rows.size(), 1u);
  // Another tenant naming this alert acknowledges nothing here; an id that
  // is no alert's is kept and harms nothing.
  history.tenant(other, {price_alert_acknowledged{raised.rows[0].id, chef}});
  history.tenant(t, {price_alert_acknowledged{uuid::make_v7(), chef}});
  sync();
  EXPECT_EQ(unacknowledged(t), 1);
  EXPECT_FALSE(alerts(t).rows[0].acknowledged);

  history.tenant(t, {price_alert_acknowledged{raised.rows[0].id, chef}});
  sync();
  EXPECT_EQ(unacknowledged(t), 0);
  EXPECT_EQ(alerts(t, {.acknowledged = false}).total, 0);
  EXPECT_EQ(alerts(t, {.acknowledged = true}).total, 1);
}

// -- suppliers ----------------------------------------------------------------

TEST_F(suppliers_test, supplier_totals_on_a_known_dataset) {
  auto t = new_tenant();
  const std::string tax = "123 456 789 RT0001";
  auto b1 = approved(t, {.supplier = "Boucherie Centrale Inc.",
                         .tax_id = tax,
                         .number = "B-1",
                         .issued = "2026-01-05",
                         .total = "100.00"});
  then(t, b1,
       {invoice_paid{day("2026-01-20"), payment_method::cheque, "1042"}});
  auto b2 = approved(t, {.supplier = "Boucherie Centrale Inc.",
                         .tax_id = tax,
                         .number = "B-2",
                         .issued = "2026-02-10",
                         .total = "50.50"});
  auto b3 = awaiting(t, {.supplier = "Boucherie Centrale",
                         .tax_id = "123456789rt0001",
                         .number = "B-3",
                         .issued = "2026-03-01",
                         .total = "999.00"});
  auto b4 = awaiting(t, {.supplier = "Boucherie Centrale Inc.",
                         .tax_id = tax,
                         .number = "B-4",
                         .issued = "2026-01-15",
                         .total = "10.00"});
  then(t, b4, {invoice_rejected{"not ordered"}});
  approved(t, {.supplier = "BOUCHERIE CENTRALE INC",
               .tax_id = tax,
               .number = "B-5",
               .issued = "2026-02-20",
               .total = "20.00",
               .currency = "USD"});
  approved(t, {.supplier = "Boucherie Centrale Inc.",
               .tax_id = tax,
               .number = "B-6",
               .issued = "2026-02-25",
               .total = ""});
  auto flyer = awaiting(t, {.supplier = "Boucherie Centrale Inc.",
                            .tax_id = tax,
                            .number = "",
                            .issued = "2026-03-10",
                            .total = "1.00"});
  then(t, flyer, {marked_not_an_invoice{"a flyer"}});
  approved(t, {.supplier = "Les Jardins Maraîchers",
               .number = "J-1",
               .issued = "2026-02-01",
               .total = "300.00"});
  auto k1 = approved(t, {.supplier = "Café Union",
                         .number = "K-1",
                         .issued = "2026-03-05",
                         .total = "5.00"});
  then(t, k1, {invoice_paid{day("2026-03-05"), payment_method::card, ""}});
  sync();

  auto boucherie_id = supplier_named(t, "", "123456789RT0001");
  auto boucherie = supplier(t, boucherie_id);
  ASSERT_TRUE(boucherie);
  EXPECT_EQ(boucherie->name, "Boucherie Centrale")
    << "the name on its most recent invoice";
  EXPECT_EQ(boucherie->tax_id, "123456789RT0001");
  EXPECT_EQ(boucherie->invoice_count, 6)
    << "awaiting approval, approved and rejected; not the flyer";
  EXPECT_EQ(boucherie->approved_count, 4);
  EXPECT_EQ(boucherie->last_invoice_date, "2026-03-01");
  EXPECT_EQ(boucherie->totals, (std::vector<supplier_totals>{
                                 {"CAD", 2, "150.50", "75.25", 1, "50.50"},
                                 {"USD", 1, "20.00", "20.00", 1, "20.00"}}))
    << "approved invoices with a total, by currency";

  auto jardins = supplier(t, supplier_named(t, "Les Jardins Maraîchers"));
  ASSERT_TRUE(jardins);
  EXPECT_EQ(jardins->tax_id, "");
  EXPECT_EQ(jardins->totals, (std::vector<supplier_totals>{
                               {"CAD", 1, "300.00", "300.00", 1, "300.00"}}));
  auto cafe = supplier(t, supplier_named(t, "Café Union"));
  ASSERT_TRUE(cafe);
  EXPECT_EQ(cafe->totals, (std::vector<supplier_totals>{
                            {"CAD", 1, "5.00", "5.00", 0, "0.00"}}));

  // Lists: sorted, searched, paged.
  auto by = [&](supplier_sort sort, bool descending) {
    supplier_list_query q;
    q.sort = sort;
    q.descending = descending;
    return names(suppliers(t, q));
  };
  const std::vector<std::string> by_name{"Boucherie Centrale", "Café Union",
                                         "Les Jardins Maraîchers"};
  EXPECT_EQ(by(supplier_sort::name, false), by_name);
  EXPECT_EQ(by(supplier_sort::name, true),
            (std::vector<std::string>(by_name.rbegin(), by_name.rend())));
  EXPECT_EQ(by(supplier_sort::spend, true),
            (std::vector<std::string>{"Les Jardins Maraîchers",
                                      "Boucherie Centrale", "Café Union"}))
    << "by the spend in the tenant's currency";
  EXPECT_EQ(by(supplier_sort::invoice_count, true),
            (std::vector<std::string>{"Boucherie Centrale", "Café Union",
                                      "Les Jardins Maraîchers"}));
  EXPECT_EQ(by(supplier_sort::last_invoice, true),
            (std::vector<std::string>{"Café Union", "Boucherie Centrale",
                                      "Les Jardins Maraîchers"}));
  auto found = suppliers(t, *parse_supplier_list_query({{"q", "MARAÎCHERS"}}));
  EXPECT_EQ(names(found), (std::vector<std::string>{"Les Jardins Maraîchers"}));
  EXPECT_EQ(found.total, 1);
  auto second_page =
    suppliers(t, *parse_supplier_list_query({{"limit", "1"}, {"offset", "1"}}));
  EXPECT_EQ(names(second_page), (std::vector<std::string>{"Café Union"}));
  EXPECT_EQ(second_page.total, 3);

  // The supplier's invoices, newest first.
  auto invoices = read([&](auto& txn) {
    return supplier_invoices(txn, t, boucherie_id, page_query{});
  });
  ASSERT_TRUE(invoices);
  EXPECT_EQ(invoices->total, 6);
  std::vector<std::string> numbers;
  for (const auto& r : invoices->rows)
    numbers.push_back(r.number);
  EXPECT_EQ(numbers, (std::vector<std::string>{"B-3", "B-6", "B-5", "B-2",
                                               "B-4", "B-1"}));
  EXPECT_EQ(invoices->rows[0].status, "awaiting_approval");
  EXPECT_EQ(invoices->rows[0].total, "999.00");
  EXPECT_EQ(invoices->rows[1].total, "") << "B-6 has no total";
  EXPECT_EQ(invoices->rows[2].currency, "USD");
  EXPECT_EQ(invoices->rows[4].status, "rejected");
  const auto& paid = invoices->rows[5];
  EXPECT_EQ(paid.id, b1);
  EXPECT_EQ(paid.status, "approved");
  EXPECT_TRUE(paid.paid);
  EXPECT_EQ(paid.paid_on, "2026-01-20");
  EXPECT_EQ(paid.issue_date, "2026-01-05");
  EXPECT_EQ(paid.invoice_date, "2026-01-05");
  EXPECT_EQ(paid.due_date, "");
  events::json_writer w;
  write_json(w, page<supplier_invoice_row>{{paid}, 6});
  EXPECT_EQ(w.str(), R"({"invoices":[{"id":")" + b1.to_string()
                       + R"(","number":"B-1","issue_date":"2026-01-05",)"
                         R"("due_date":null,"invoice_date":"2026-01-05",)"
                         R"("status":"approved",)"
                         R"("display_status":"approved_paid","paid":true,)"
                         R"("paid_on":"2026-01-20","total":"100.00",)"
                         R"("currency":"CAD"}],"total":6})");

  // Paying and unpaying move what is still owed.
  then(t, b2, {invoice_paid{day("2026-02-15"), payment_method::cash, ""}});
  then(t, b1, {invoice_marked_unpaid{}});
  sync();
  EXPECT_EQ(supplier(t, boucherie_id)->totals[0],
            (supplier_totals{"CAD", 2, "150.50", "75.25", 1, "100.00"}));

  // A corrected supplier moves the invoice to the other supplier.
  then(t, b3,
       {fields_corrected{
         {{"supplier_name", "Boucherie Centrale", "Café Union Inc."},
          {"supplier_tax_id", "123456789rt0001", ""}}}});
  sync();
  boucherie = supplier(t, boucherie_id);
  ASSERT_TRUE(boucherie);
  EXPECT_EQ(boucherie->invoice_count, 5);
  EXPECT_EQ(boucherie->last_invoice_date, "2026-02-25");
  EXPECT_EQ(boucherie->name, "Boucherie Centrale Inc.");
  cafe = supplier(t, supplier_named(t, "Café Union"));
  ASSERT_TRUE(cafe);
  EXPECT_EQ(cafe->invoice_count, 2);
  EXPECT_EQ(cafe->name, "Café Union")
    << "named by K-1, of 2026-03-05, more recent than B-3";
  EXPECT_EQ(cafe->last_invoice_date, "2026-03-05");
}

TEST_F(suppliers_test, an_invoice_without_an_issue_date_counts_when_received) {
  auto t = new_tenant("GBP");
  auto id = approved(t, {.supplier = "Borough Greens Ltd",
                         .issued = "",
                         .total = "12.5",
                         .currency = "",
                         .lines = {line("Kale", "kg", "4.2")}});
  sync();
  auto stream = history.store().read_stream("invoice-" + id.to_string());
  ASSERT_TRUE(stream);
  auto received_on = stream->front().env.recorded_at.substr(0, 10);
  auto s = supplier(t, supplier_named(t, "Borough Greens"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->last_invoice_date, received_on);
  EXPECT_EQ(s->totals, (std::vector<supplier_totals>{
                         {"GBP", 1, "12.50", "12.50", 1, "12.50"}}))
    << "an invoice without a currency counts in the tenant's";
  auto kale = items(t, s->id);
  ASSERT_EQ(kale.rows.size(), 1u);
  EXPECT_EQ(kale.rows[0].latest_on, received_on);
  EXPECT_EQ(kale.rows[0].latest_price, "4.20");
  EXPECT_EQ(kale.rows[0].currency, "GBP");
}

TEST_F(suppliers_test, every_query_is_scoped_to_its_tenant) {
  auto mine = new_tenant();
  auto theirs = new_tenant();
  for (const auto& t : {mine, theirs})
    approved(t, {.number = "F-1", .lines = {line("Beurre", "kg", "10.00")}});
  approved(mine, {.number = "F-2",
                  .issued = "2026-01-12",
                  .lines = {line("Beurre", "kg", "12.00")}});
  sync();
  auto my_supplier = supplier_named(mine, fromagerie);
  auto their_supplier = supplier_named(theirs, fromagerie);
  EXPECT_NE(my_supplier, their_supplier);
  auto my_items = items(mine, my_supplier);
  ASSERT_EQ(my_items.rows.size(), 1u);
  auto my_item = my_items.rows[0].id;
  ASSERT_EQ(alerts(mine).total, 1);

  // Their view holds their supplier only, and none of my ids answer.
  EXPECT_EQ(names(suppliers(theirs)), (std::vector<std::string>{fromagerie}));
  EXPECT_EQ(suppliers(theirs).rows[0].id, their_supplier);
  EXPECT_EQ(suppliers(theirs).rows[0].invoice_count, 1);
  EXPECT_FALSE(supplier(theirs, my_supplier));
  EXPECT_FALSE(read([&](auto& txn) {
    return supplier_invoices(txn, theirs, my_supplier, page_query{});
  }));
  EXPECT_FALSE(read([&](auto& txn) {
    return supplier_items(txn, theirs, my_supplier, item_list_query{});
  }));
  EXPECT_FALSE(prices(theirs, my_item));
  EXPECT_EQ(alerts(theirs).total, 0);
  EXPECT_EQ(alerts(theirs, {.supplier = my_supplier}).total, 0);
  EXPECT_EQ(unacknowledged(theirs), 0);
  EXPECT_EQ(items(theirs, their_supplier).total, 1);
  EXPECT_EQ(suppliers(mine).rows[0].invoice_count, 2);
}

// -- batches ------------------------------------------------------------------

namespace {

/// Random histories of valid events over a few tenants: every invoice
/// follows the lifecycle `invoice_entity::decide` enforces.
class history_maker {
 public:
  explicit history_maker(domain_log& log) : log_(log) {}

  void add_tenant() {
    auto t = uuid::make_v7();
    log_.tenant(t, {created(t, "CAD")});
    tenants_.push_back(t);
  }

  /// One random step: a new invoice, an invoice moving on, a threshold.
  /// `alerts` are alert ids there are, to acknowledge some.
  void step(const std::vector<std::pair<uuid, uuid>>& alerts) {
    auto pick = roll(20);
    if (pick == 0) {
      auto t = tenants_[roll(tenants_.size())];
      const char* thresholds[] = {"3", "5", "7.5", "10"};
      log_.tenant(t, {threshold_of(thresholds[roll(4)])});
    } else if (pick == 1 && !alerts.empty()) {
      const auto& [t, alert] = alerts[roll(alerts.size())];
      log_.tenant(t, {price_alert_acknowledged{alert, uuid::make_v7()}});
    } else if (pick < 6 || invoices_.empty()) {
      auto t = tenants_[roll(tenants_.size())];
      auto id = uuid::make_v7();
      log_.invoice(
        t, id,
        {document_received{id, t, document_source::email, "a.pdf",
                           "application/pdf", 10, std::string(64, 'b'), ""},
         extraction_started{1}, extracted(random_bill())});
      invoices_.push_back({t, id, invoice_status::awaiting_approval, false});
    } else {
      move(invoices_[roll(invoices_.size())]);
    }
  }

 private:
  struct live_invoice {
    uuid tenant;
    uuid id;
    invoice_status status;
    bool paid;
  };

  std::size_t roll(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>{0, n - 1}(rng_);
  }

  std::string price() {
    return std::to_string(9 + roll(3)) + "." + std::to_string(10 + roll(90));
  }

  std::string date() {
    return "2026-0" + std::to_string(1 + roll(3)) + "-"
           + std::to_string(10 + roll(18));
  }

  std::vector<values::line_item> random_lines() {
    const char* items[] = {"Beurre doux", "Crème 35%", "Farine T55", "Oeufs"};
    const char* units[] = {"kg", "L", "kg", "dz"};
    std::vector<values::line_item> out;
    for (std::size_t i = 0, n = 1 + roll(3); i < n; ++i) {
      auto k = roll(4);
      out.push_back(line(items[k], units[k], price(), std::to_string(1 + i)));
    }
    return out;
  }

  bill random_bill() {
    const char* names[] = {"Boucherie Centrale Inc.", "BOUCHERIE CENTRALE",
                           "Les Jardins Maraîchers", "Sysco Québec Ltée"};
    bill b;
    b.supplier = names[roll(4)];
    b.tax_id = roll(4) == 0 ? "123456789RT0001" : "";
    b.number = "N-" + std::to_string(roll(1000));
    b.issued = roll(8) == 0 ? "" : date();
    b.total = roll(8) == 0 ? "" : price();
    b.currency = roll(6) == 0 ? "USD" : roll(6) == 0 ? "" : "CAD";
    b.lines = random_lines();
    return b;
  }

  void move(live_invoice& inv) {
    auto emit = [&](std::vector<invoice_event> events, invoice_status next) {
      log_.invoice(inv.tenant, inv.id, events);
      inv.status = next;
    };
    using s = invoice_status;
    switch (inv.status) {
      case s::awaiting_approval:
        switch (roll(8)) {
          case 0:
            emit({fields_corrected{{{"supplier_name", "x", "Sysco Québec"},
                                    {"issue_date", "", date()}}}},
                 s::awaiting_approval);
            break;
          case 1:
            emit({lines_replaced{random_lines()}}, s::awaiting_approval);
            break;
          case 2: emit({invoice_rejected{"no"}}, s::rejected); break;
          case 3: emit({marked_not_an_invoice{"no"}}, s::not_an_invoice); break;
          default: emit({invoice_approved{}}, s::approved); break;
        }
        break;
      case s::approved:
        if (inv.paid) {
          emit({roll(3) == 0 ? invoice_event{invoice_deleted{}}
                             : invoice_event{invoice_marked_unpaid{}}},
               roll(3) == 0 ? s::deleted : s::approved);
          // Whichever it was, the next move reads the log's answer.
          inv.paid = false;
          break;
        }
        switch (roll(4)) {
          case 0: emit({invoice_rejected{"no"}}, s::rejected); break;
          case 1: emit({invoice_deleted{}}, s::deleted); break;
          default:
            emit({invoice_paid{day("2026-03-01"), payment_method::card, ""}},
                 s::approved);
            inv.paid = true;
            break;
        }
        break;
      case s::rejected:
      case s::not_an_invoice:
        if (roll(4) == 0)
          emit({invoice_deleted{}}, s::deleted);
        else
          emit({reprocess_requested{}, extraction_started{2},
                extracted(random_bill())},
               s::awaiting_approval);
        break;
      default: break;
    }
  }

  domain_log& log_;
  std::mt19937 rng_{20261122};
  std::vector<uuid> tenants_;
  std::vector<live_invoice> invoices_;
};

} // namespace

TEST_F(suppliers_test, batches_of_1_3_and_500_give_the_same_tables) {
  const std::vector<std::string> tables{
    "acknowledgements", "invoices",  "items",  "prices",
    "supplier_totals",  "suppliers", "tenants"};
  // Two more copies of the schema, as a rebuild makes them.
  {
    pqxx::connection owner{db.owner_url()};
    pqxx::work txn{owner};
    for (std::string copy : {"rm_suppliers_b1", "rm_suppliers_b3"}) {
      txn.exec("CREATE SCHEMA " + copy);
      txn.exec("GRANT USAGE ON SCHEMA " + copy + " TO larder_app");
      for (const auto& table : tables)
        txn.exec("CREATE TABLE " + copy + "." + table + " (LIKE rm_suppliers."
                 + table + " INCLUDING ALL)");
      txn.exec("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
               + copy + " TO larder_app");
    }
    txn.commit();
  }
  auto model_in = [](std::string schema) {
    auto m = suppliers_model();
    m.name = schema;
    m.schema = std::move(schema);
    return m;
  };
  projection_runner one{db.app_url(), model_in("rm_suppliers_b1"),
                        full_catalog()};
  projection_runner three{db.app_url(), model_in("rm_suppliers_b3"),
                          full_catalog()};

  history_maker maker{history};
  for (int i = 0; i < 3; ++i)
    maker.add_tenant();
  for (int i = 0; i < 400; ++i) {
    // Live: the single-event runner keeps up after every command.
    ASSERT_NO_FATAL_FAILURE(catch_up(one, 1));
    std::vector<std::pair<uuid, uuid>> raised;
    for (const auto& row : read([](auto& txn) {
           return txn.exec("SELECT tenant_id::text, alert_id::text"
                           "  FROM rm_suppliers_b1.prices WHERE alert");
         }))
      raised.emplace_back(*uuid::parse(row[0].c_str()),
                          *uuid::parse(row[1].c_str()));
    maker.step(raised);
    if (i % 7 == 0) {
      ASSERT_NO_FATAL_FAILURE(catch_up(three, 3));
    }
  }
  ASSERT_NO_FATAL_FAILURE(catch_up(one, 1));
  ASSERT_NO_FATAL_FAILURE(catch_up(three, 3));
  // The whole log at once, as a rebuild reads it.
  ASSERT_NO_FATAL_FAILURE(catch_up(runner, 500));

  auto rows_of = [&](const std::string& schema, const std::string& table) {
    std::vector<std::string> out;
    for (const auto& row : read([&](auto& txn) {
           return txn.exec("SELECT t::text FROM " + schema + "." + table
                           + " t ORDER BY 1");
         }))
      out.emplace_back(row[0].c_str());
    return out;
  };
  for (const auto& table : tables) {
    auto whole = rows_of("rm_suppliers", table);
    EXPECT_FALSE(whole.empty()) << table << " should have rows to compare";
    EXPECT_EQ(rows_of("rm_suppliers_b1", table), whole) << table;
    EXPECT_EQ(rows_of("rm_suppliers_b3", table), whole) << table;
  }
  EXPECT_GT(read([](auto& txn) {
              return txn
                .exec1(
                  "SELECT count(*) FROM rm_suppliers.prices WHERE alert")[0]
                .template as<int>();
            }),
            3)
    << "the history should raise alerts for the comparison to mean much";
}
