#include <gtest/gtest.h>
#include <simdjson.h>

#include "extract/text/invoice2data.hpp"
#include "extract/text/templates.hpp"

namespace {

using namespace larder::extract;

/// Runs `yaml` on `text` and returns invoice2data's object as JSON.
std::string run(std::string_view yaml, std::string_view text) {
  auto t = parse_template(yaml, "t.yml");
  EXPECT_TRUE(t) << t.error().message;
  if (!t)
    return {};
  auto x = apply_template(*t, text);
  EXPECT_TRUE(x) << x.error().message;
  return x ? x->invoice2data_object : std::string{};
}

constexpr std::string_view k_head = "issuer: Acme\nkeywords: [Acme]\n"
                                    "required_fields: [issuer]\n";

std::string with(std::string_view body) {
  return std::string(k_head) + std::string(body);
}

TEST(template_semantics, identical_matches_collapse_different_ones_list) {
  auto out = run(with("fields:\n"
                      "  ref: 'Ref (\\w+)'\n"
                      "  code:\n    parser: regex\n    regex: 'Code (\\w+)'\n"
                      "  many:\n    parser: regex\n    regex: 'Code (\\w+)'\n"
                      "    group: last\n"),
                 "Ref A1 Ref A1 Code X Code Y Code X");
  EXPECT_NE(out.find(R"("ref":"A1")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("code":["X","Y"])"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("many":"X")"), std::string::npos) << out;
}

TEST(template_semantics, types_groups_and_python_floats) {
  auto out = run(with("fields:\n"
                      "  amount: 'Total (\\S+)'\n"
                      "  amount_tax:\n    parser: regex\n"
                      "    regex: 'Tax (\\S+)'\n    type: float\n"
                      "    group: sum\n"
                      "  count:\n    parser: regex\n    regex: 'N=(\\d+)'\n"
                      "    type: int\n    group: max\n"
                      "  date:\n    parser: regex\n    regex: 'Date (\\S+)'\n"
                      "    type: date\n    group: min\n"
                      "  note:\n    parser: regex\n"
                      "    regex: ['(Hello)', '(world)']\n    group: join\n"
                      "options:\n  decimal_separator: ','\n"
                      "  date_formats: ['%d.%m.%Y']\n"),
                 "Total 1.939,00 Tax 1,10 Tax 2,20 N=3 N=12 "
                 "Date 05.03.2025 Date 01.02.2025 Hello world");
  EXPECT_NE(out.find(R"("amount":1939.0)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("amount_tax":3.3)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("count":12)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("date":"2025-02-01")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("note":"Hello world")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("currency":"EUR")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("desc":"Invoice from Acme")"), std::string::npos)
    << out;
}

TEST(template_semantics, static_values_keep_their_yaml_types) {
  auto out = run(with("fields:\n"
                      "  static_vat: 7740001454\n"
                      "  static_iban:\n"
                      "  code:\n    parser: static\n    value: '0042'\n"
                      "  since:\n    parser: static\n    value: 2023-03-01\n"
                      "  rate:\n    parser: static\n    value: 2.5\n"),
                 "Acme");
  EXPECT_NE(out.find(R"("vat":7740001454)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("iban":null)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("code":"0042")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("since":"2023-03-01")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("rate":2.5)"), std::string::npos) << out;
}

TEST(template_semantics, options_prepare_the_text) {
  auto out = run(with("fields:\n"
                      "  number: 'invoicenr:(\\w+)'\n"
                      "  city: 'city (\\w+)'\n"
                      "options:\n  remove_whitespace: true\n"
                      "  lowercase: true\n  remove_accents: true\n"
                      "  replace:\n    - ['cite', 'city ']\n"),
                 "Invoice Nr: AB12 CITÉ Zürich");
  EXPECT_NE(out.find(R"("number":"ab12city")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("city":"zurich")"), std::string::npos) << out;
}

TEST(template_semantics, lines_blocks_rows_and_continuations) {
  auto out = run(with("fields:\n"
                      "  lines:\n    parser: lines\n"
                      "    start: Items\n    end: Total\n"
                      "    first_line: '^(?P<name>\\w+)\\s+(?P<qty>\\d+)\\s+"
                      "(?P<price_unit>\\d+\\.\\d+)$'\n"
                      "    line: '^\\s+(?P<name>.+)$'\n"
                      "    skip_line: '^\\s+skip'\n"
                      "    types:\n      qty: int\n      price_unit: float\n"),
                 "Acme\nItems\nFlour  2  3.50\n  organic\n  skip me\n"
                 "Salt 1 0.99\nTotal 7.99\n");
  EXPECT_NE(out.find(R"("lines":[{"name":"Flour\norganic","qty":2,)"
                     R"("price_unit":3.5},{"name":"Salt","qty":1,)"
                     R"("price_unit":0.99}])"),
            std::string::npos)
    << out;
}

TEST(template_semantics, missing_required_fields_is_not_a_match) {
  auto t = parse_template("issuer: Acme\nkeywords: [Acme]\n"
                          "fields:\n  amount: 'Total (\\d+)'\n",
                          "t.yml");
  ASSERT_TRUE(t);
  auto x = apply_template(*t, "Acme Total 12");
  ASSERT_FALSE(x);
  EXPECT_EQ(x.error().code, larder::errc::not_found);
  EXPECT_NE(x.error().message.find("date"), std::string::npos)
    << x.error().message;
  EXPECT_NE(x.error().message.find("invoice_number"), std::string::npos)
    << x.error().message;
}

TEST(template_mapping, recommended_names_fill_the_extraction) {
  auto t = parse_template(
    "issuer: Acme Foods\nkeywords: [ACME]\n"
    "fields:\n"
    "  invoice_number: 'Invoice (\\d+)'\n"
    "  date: 'Date (\\S+)'\n"
    "  date_due: 'Due (\\S+)'\n"
    "  amount: 'Total (\\S+)'\n"
    "  amount_untaxed: 'Net (\\S+)'\n"
    "  amount_tax: 'VAT (\\S+)'\n"
    "  partner_name: '(ACME Foods Ltd)'\n"
    "  vat: 'GB(\\d+)'\n"
    "  lines:\n    parser: lines\n    start: Items\n    end: Net\n"
    "    line: '^(?P<name>\\w+)\\s+(?P<qty>\\d+)\\s+(?P<uom>kg)\\s+"
    "(?P<price_unit>\\S+)\\s+(?P<price_subtotal>\\S+)$'\n"
    "    types:\n      qty: float\n      price_unit: float\n"
    "      price_subtotal: float\n"
    "options:\n  currency: GBP\n  date_formats: ['%d/%m/%Y']\n",
    "t.yml");
  ASSERT_TRUE(t) << t.error().message;
  auto x = apply_template(*t, "ACME Foods Ltd GB123456789\nInvoice 42\n"
                              "Date 05/03/2025 Due 04/04/2025\nItems\n"
                              "Flour 2 kg 3.50 7.00\nNet 7.00\nVAT 1.40\n"
                              "Total 8.40\n");
  ASSERT_TRUE(x) << x.error().message;
  const auto& f = x->fields;
  EXPECT_EQ(x->provider, "template");
  EXPECT_EQ(x->model, "Acme Foods");
  EXPECT_EQ(f.supplier_name, "ACME Foods Ltd");
  EXPECT_EQ(f.supplier_tax_id, "123456789");
  EXPECT_EQ(f.invoice_number, "42");
  ASSERT_TRUE(f.issue_date);
  EXPECT_EQ(f.issue_date->to_string(), "2025-03-05");
  ASSERT_TRUE(f.due_date);
  EXPECT_EQ(f.due_date->to_string(), "2025-04-04");
  ASSERT_TRUE(f.total && f.subtotal && f.tax_total);
  EXPECT_EQ(f.total->to_string(), "8.4");
  EXPECT_EQ(f.subtotal->to_string(), "7");
  EXPECT_EQ(f.tax_total->to_string(), "1.4");
  ASSERT_TRUE(f.currency);
  EXPECT_EQ(f.currency->code, "GBP");
  ASSERT_EQ(x->lines.size(), 1u);
  EXPECT_EQ(x->lines[0].description, "Flour");
  EXPECT_EQ(x->lines[0].quantity.to_string(), "2");
  EXPECT_EQ(x->lines[0].unit, "kg");
  EXPECT_EQ(x->lines[0].unit_price.to_string(), "3.5");
  EXPECT_EQ(x->lines[0].line_total.to_string(), "7");
  for (const char* name :
       {"supplier_name", "supplier_tax_id", "invoice_number", "issue_date",
        "due_date", "total", "subtotal", "tax_total", "currency", "lines"}) {
    ASSERT_TRUE(x->confidence.count(name)) << name;
    EXPECT_DOUBLE_EQ(x->confidence.at(name), 0.95) << name;
  }
  EXPECT_FALSE(x->confidence.count("purchase_order"));
  // The invoice2data view names the unit's UNECE code, as upstream does.
  EXPECT_NE(x->invoice2data_object.find(R"("unece_code":"KGM")"),
            std::string::npos)
    << x->invoice2data_object;
}

} // namespace
