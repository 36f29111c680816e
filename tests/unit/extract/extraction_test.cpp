#include "extract/extraction.hpp"

#include <gtest/gtest.h>

namespace larder::extract {
namespace {

values::decimal dec(std::string_view text) {
  return *values::decimal::parse(text);
}

extraction sample() {
  extraction x;
  x.fields.supplier_name = "Distributions Alimentaires Ltée";
  x.fields.invoice_number = "F-2025-0042";
  x.fields.issue_date = *values::date::parse("2025-03-05");
  x.fields.currency = *values::currency::parse("CAD");
  x.fields.subtotal = dec("100");
  x.fields.tax_total = dec("14.98");
  x.fields.total = dec("114.98");
  values::line_item line;
  line.description = "Beurre non salé 454 g";
  line.quantity = dec("20");
  line.unit = "ea";
  line.unit_price = dec("5");
  line.line_total = dec("100");
  x.lines.push_back(line);
  x.taxes.push_back({values::tax_kind::gst, dec("5"), dec("5")});
  x.taxes.push_back({values::tax_kind::qst, dec("9.975"), dec("9.98")});
  x.confidence = {{"total", 0.97}, {"invoice_number", 0.9}};
  x.overall_confidence = 0.93;
  x.provider = "rules";
  x.notes.push_back("subtotal + taxes = total");
  x.text = "not serialised";
  return x;
}

TEST(extraction, json_round_trips_what_is_recorded) {
  auto x = sample();
  auto json = to_json(x, 42);
  EXPECT_EQ(json.find("not serialised"), std::string::npos);
  auto back = extraction_from_json(json);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->fields, x.fields);
  EXPECT_EQ(back->lines, x.lines);
  EXPECT_EQ(back->taxes, x.taxes);
  EXPECT_DOUBLE_EQ(back->confidence.at("total"), 0.97);
  EXPECT_DOUBLE_EQ(back->overall_confidence, 0.93);
  EXPECT_EQ(back->provider, "rules");
  EXPECT_EQ(back->notes, x.notes);
  EXPECT_TRUE(back->not_an_invoice.empty());
}

TEST(extraction, not_an_invoice_and_credit_notes_survive_the_trip) {
  extraction x;
  x.provider = "rules";
  x.not_an_invoice = "this looks like a restaurant menu";
  x.credit_note = true;
  auto back = extraction_from_json(to_json(x));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->not_an_invoice, "this looks like a restaurant menu");
  EXPECT_TRUE(back->credit_note);
}

TEST(extraction, the_record_is_cut_to_what_the_invoice_accepts) {
  auto x = sample();
  x.fields.supplier_name = "ACME\r\n\tFoods \x7f" + std::string(300, 'x');
  x.fields.invoice_number = "\n\n";
  x.confidence["bogus_field"] = 0.5;
  x.confidence["total"] = 1.7;
  auto bad = x.lines.front();
  bad.quantity = values::decimal::from_int(2'000'000'000'000);
  x.lines.push_back(bad);
  x.lines.push_back(x.lines.front());
  x.lines.back().description = "";
  std::vector<std::string> notes;
  auto r = to_record(x, &notes);
  ASSERT_TRUE(r.fields.supplier_name);
  EXPECT_TRUE(r.fields.supplier_name->starts_with("ACME Foods xxx"));
  EXPECT_EQ(r.fields.supplier_name->size(), domain::max_field_chars);
  EXPECT_FALSE(r.fields.invoice_number) << "blank text is no number";
  EXPECT_EQ(r.confidence.count("bogus_field"), 0u);
  EXPECT_EQ(r.confidence.at("total"), values::decimal::from_int(1));
  ASSERT_EQ(r.lines.size(), 2u) << "the out-of-range line is dropped";
  EXPECT_EQ(r.lines[1].description, "(no description)");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("1 line"), std::string::npos);
}

TEST(extraction, refuses_json_that_is_not_an_extraction) {
  EXPECT_FALSE(extraction_from_json("not json"));
  EXPECT_FALSE(extraction_from_json("{}"));
  EXPECT_FALSE(extraction_from_json(R"({"extraction": {"fields": 3}})"));
}

} // namespace
} // namespace larder::extract
