#include "extract/text/invoice2data.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "json_compare.hpp"

namespace {

using namespace larder;
using namespace larder::extract;

std::vector<std::string> diff(const std::string& actual,
                              const std::string& expected) {
  simdjson::dom::parser pa, pb;
  simdjson::dom::element a, b;
  std::vector<std::string> out;
  if (pa.parse(actual).get(a) != simdjson::SUCCESS) {
    out.push_back("not JSON: " + actual);
    return out;
  }
  EXPECT_EQ(pb.parse(expected).get(b), simdjson::SUCCESS);
  test::json_diff(a, b, "$", out);
  return out;
}

TEST(invoice2data_json, maps_any_extraction_to_recommended_names) {
  extraction x;
  x.provider = "ubl";
  x.fields.supplier_name = "Acme Foods";
  x.fields.supplier_tax_id = "GB123";
  x.fields.invoice_number = "INV-7";
  x.fields.issue_date = values::date{2025, 3, 5};
  x.fields.due_date = values::date{2025, 4, 4};
  x.fields.total = values::decimal::from_units(84000);
  x.fields.subtotal = values::decimal::from_int(7);
  x.fields.tax_total = values::decimal::from_units(14000);
  x.fields.currency = values::currency{"CAD", 2};
  values::line_item line;
  line.description = "Flour";
  line.quantity = values::decimal::from_int(2);
  line.unit = "kg";
  line.unit_price = values::decimal::from_units(35000);
  line.line_total = values::decimal::from_int(7);
  x.lines.push_back(line);
  auto diffs = diff(to_invoice2data_json(x), R"([{
    "issuer": "Acme Foods", "partner_name": "Acme Foods", "vat": "GB123",
    "invoice_number": "INV-7", "date": "2025-03-05", "date_due": "2025-04-04",
    "amount": 8.4, "amount_untaxed": 7.0, "amount_tax": 1.4,
    "currency": "CAD",
    "lines": [{"name": "Flour", "qty": 2.0, "price_unit": 3.5,
               "price_subtotal": 7.0, "uom": "kg"}],
    "desc": "Invoice from Acme Foods"}])");
  for (const auto& d : diffs)
    ADD_FAILURE() << d;
}

TEST(invoice2data_json, prints_a_template_object_as_it_is) {
  extraction x;
  x.fields.total = values::decimal::from_int(1);
  x.invoice2data_object = R"({"issuer":"OYO","amount":1939.0})";
  EXPECT_EQ(to_invoice2data_json(x), R"([{"issuer":"OYO","amount":1939.0}])");
}

TEST(invoice2data_json, an_empty_extraction_is_an_empty_object) {
  EXPECT_EQ(to_invoice2data_json(extraction{}), "[{}]");
}

} // namespace
