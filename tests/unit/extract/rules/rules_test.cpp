#include "extract/rules/rules.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "invoices.hpp"

namespace larder::extract {
namespace {

namespace ti = test_invoices;

std::string text_of(const std::optional<std::string>& s) {
  return s ? *s : "(none)";
}
std::string text_of(const std::optional<values::date>& d) {
  return d ? d->to_string() : "(none)";
}
std::string text_of(const std::optional<values::decimal>& d) {
  return d ? d->to_string(2) : "(none)";
}
std::string text_of(const std::optional<values::currency>& c) {
  return c ? c->code : "(none)";
}

std::string dump(const extraction& x) {
  std::ostringstream o;
  const auto& f = x.fields;
  o << "supplier=" << text_of(f.supplier_name)
    << " tax_id=" << text_of(f.supplier_tax_id)
    << " number=" << text_of(f.invoice_number)
    << " issue=" << text_of(f.issue_date) << " due=" << text_of(f.due_date)
    << " currency=" << text_of(f.currency)
    << " subtotal=" << text_of(f.subtotal)
    << " tax_total=" << text_of(f.tax_total) << " total=" << text_of(f.total)
    << " po=" << text_of(f.purchase_order)
    << " terms=" << text_of(f.payment_terms) << "\n";
  for (const auto& t : x.taxes)
    o << "  tax " << values::to_string(t.kind) << " "
      << t.rate_percent.to_string() << "% " << t.amount.to_string(2) << "\n";
  for (const auto& l : x.lines)
    o << "  line \"" << l.description << "\" " << l.quantity.to_string() << " "
      << l.unit << " × " << l.unit_price.to_string() << " = "
      << l.line_total.to_string(2) << (l.total_mismatch ? " MISMATCH" : "")
      << "\n";
  for (const auto& n : x.notes)
    o << "  note " << n << "\n";
  o << "  overall " << x.overall_confidence << " credit " << x.credit_note
    << "\n";
  return o.str();
}

std::string read_corpus(const std::string& path) {
  std::ifstream in{std::string{LARDER_CORPUS_DIR} + "/" + path,
                   std::ios::binary};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

rules_context quebec_context() {
  return rules_context_for("CA-QC", "CAD");
}

TEST(read_by_rules, reads_a_quebec_food_supplier_in_french) {
  auto x = read_by_rules(ti::quebec, quebec_context());
  const auto& f = x.fields;
  SCOPED_TRACE(dump(x));
  EXPECT_EQ(x.provider, "rules");
  EXPECT_EQ(text_of(f.supplier_name),
            "Distribution Alimentaire Laurentides Inc.");
  EXPECT_EQ(text_of(f.supplier_tax_id), "123456789 RT0001");
  EXPECT_EQ(text_of(f.invoice_number), "F-2025-00412");
  EXPECT_EQ(text_of(f.issue_date), "2025-03-05");
  EXPECT_EQ(text_of(f.due_date), "2025-04-04");
  EXPECT_EQ(text_of(f.currency), "CAD");
  EXPECT_EQ(text_of(f.subtotal), "266.90");
  EXPECT_EQ(text_of(f.tax_total), "39.97");
  EXPECT_EQ(text_of(f.total), "306.87");
  EXPECT_EQ(text_of(f.purchase_order), "BC-7781");
  EXPECT_EQ(text_of(f.payment_terms), "Net 30");
  ASSERT_EQ(x.taxes.size(), 2u);
  EXPECT_EQ(x.taxes[0], (values::tax_line{
                          values::tax_kind::gst, values::decimal::from_int(5),
                          values::decimal::from_units(133500)}));
  EXPECT_EQ(
    x.taxes[1],
    (values::tax_line{values::tax_kind::qst, values::decimal::from_units(99750),
                      values::decimal::from_units(266200)}));
  ASSERT_EQ(x.lines.size(), 3u);
  EXPECT_EQ(x.lines[1].description, "LT-220 Crème 35 % 2 L");
  EXPECT_EQ(x.lines[1].quantity.to_string(), "6");
  EXPECT_EQ(x.lines[1].unit, "un");
  EXPECT_EQ(x.lines[1].unit_price.to_string(), "9.75");
  EXPECT_EQ(x.lines[1].line_total.to_string(), "58.5");
  EXPECT_FALSE(x.credit_note);
  for (const auto& name : {"supplier_name", "invoice_number", "total"})
    EXPECT_GE(x.confidence.at(name), 0.6) << name;
}

TEST(read_by_rules, reads_an_ontario_hst_invoice) {
  auto x = read_by_rules(ti::ontario, rules_context_for("CA-ON", "CAD"));
  const auto& f = x.fields;
  SCOPED_TRACE(dump(x));
  EXPECT_EQ(text_of(f.supplier_name), "GREENFIELD PRODUCE LTD.");
  EXPECT_EQ(text_of(f.supplier_tax_id), "987654321 RT0001");
  EXPECT_EQ(text_of(f.invoice_number), "55021");
  EXPECT_EQ(text_of(f.issue_date), "2025-03-12");
  EXPECT_EQ(text_of(f.due_date), "(none)");
  EXPECT_EQ(text_of(f.currency), "CAD");
  EXPECT_EQ(text_of(f.subtotal), "311.00");
  EXPECT_EQ(text_of(f.total), "351.43");
  EXPECT_EQ(text_of(f.purchase_order), "4410");
  EXPECT_EQ(text_of(f.payment_terms), "Net 15");
  ASSERT_EQ(x.taxes.size(), 1u);
  EXPECT_EQ(x.taxes[0].kind, values::tax_kind::hst);
  EXPECT_EQ(x.taxes[0].rate_percent.to_string(), "13");
  EXPECT_EQ(x.taxes[0].amount.to_string(), "40.43");
  ASSERT_EQ(x.lines.size(), 3u);
  EXPECT_EQ(x.lines[2].description, "Fresh basil, 1 lb");
  EXPECT_EQ(x.lines[2].line_total.to_string(), "62");
}

TEST(read_by_rules, reads_a_uk_vat_invoice_without_taking_item_text_for_tax) {
  auto x = read_by_rules(ti::uk, rules_context_for("GB", "GBP"));
  const auto& f = x.fields;
  SCOPED_TRACE(dump(x));
  EXPECT_EQ(text_of(f.supplier_name), "Thames Catering Supplies Limited");
  EXPECT_EQ(text_of(f.supplier_tax_id), "GB123456789");
  EXPECT_EQ(text_of(f.invoice_number), "TCS-10023");
  EXPECT_EQ(text_of(f.issue_date), "2025-02-14");
  EXPECT_EQ(text_of(f.due_date), "2025-03-16");
  EXPECT_EQ(text_of(f.currency), "GBP");
  EXPECT_EQ(text_of(f.subtotal), "68.00");
  EXPECT_EQ(text_of(f.tax_total), "10.00");
  EXPECT_EQ(text_of(f.total), "78.00");
  ASSERT_EQ(x.taxes.size(), 1u);
  EXPECT_EQ(x.taxes[0].rate_percent.to_string(), "20");
  ASSERT_EQ(x.lines.size(), 2u);
  EXPECT_EQ(x.lines[0].description, "Cleaning chemicals (VAT 20%)");
}

TEST(read_by_rules, reads_a_us_invoice_with_us_dates_and_the_balance_due) {
  auto x = read_by_rules(ti::us, rules_context_for("US-MA", "USD"));
  const auto& f = x.fields;
  SCOPED_TRACE(dump(x));
  EXPECT_EQ(text_of(f.supplier_name), "Atlantic Seafood Co., Inc.");
  EXPECT_EQ(text_of(f.supplier_tax_id), "04-1234567");
  EXPECT_EQ(text_of(f.invoice_number), "100782");
  EXPECT_EQ(text_of(f.issue_date), "2025-03-04");
  EXPECT_EQ(text_of(f.currency), "USD");
  EXPECT_EQ(text_of(f.subtotal), "437.00");
  EXPECT_EQ(text_of(f.total), "464.31");
  EXPECT_EQ(text_of(f.purchase_order), "99-1");
  ASSERT_EQ(x.taxes.size(), 1u);
  EXPECT_EQ(x.taxes[0].kind, values::tax_kind::sales_tax);
  EXPECT_EQ(x.taxes[0].rate_percent.to_string(), "6.25");
  EXPECT_EQ(x.lines.size(), 2u);
}

TEST(read_by_rules, a_credit_note_comes_out_negative) {
  auto x = read_by_rules(ti::credit_note, rules_context_for("CA-ON", "CAD"));
  SCOPED_TRACE(dump(x));
  EXPECT_TRUE(x.credit_note);
  EXPECT_EQ(text_of(x.fields.invoice_number), "CN-0091");
  EXPECT_EQ(text_of(x.fields.total), "-69.50");
  EXPECT_EQ(text_of(x.fields.subtotal), "-61.50");
  ASSERT_EQ(x.lines.size(), 1u);
  EXPECT_EQ(x.lines[0].line_total.to_string(), "-61.5");
}

TEST(read_by_rules, leaves_empty_what_the_text_does_not_say) {
  auto x = read_by_rules("Thank you for your business!\n", quebec_context());
  EXPECT_FALSE(x.fields.total);
  EXPECT_FALSE(x.fields.invoice_number);
  EXPECT_FALSE(x.fields.issue_date);
  EXPECT_FALSE(x.fields.currency);
  EXPECT_TRUE(x.lines.empty());
  EXPECT_FALSE(x.confidence.contains("total"));
}

struct corpus_case {
  std::string path;
  std::string date;
  std::string total;
  std::string number;
  std::string currency;
};

TEST(read_by_rules, reads_the_invoice2data_text_inputs) {
  // Values from each input's expected .json (date, amount, invoice number,
  // currency) where the text prints them.
  const corpus_case cases[] = {
    {"invoice2data/samples/Orlen.txt", "2021-01-01", "316.83",
     "F 1234K20/1234/12", "PLN"},
    {"invoice2data/custom/basic.txt", "2022-09-27", "123.45", "0999/09/2022",
     "EUR"},
    {"invoice2data/custom/lines-basic.txt", "2022-10-22", "123.40",
     "007/10/2022", "EUR"},
    {"invoice2data/custom/table-groups.txt", "2024-12-20", "123.40",
     "007/10/2024", "EUR"},
  };
  for (const auto& c : cases) {
    auto text = read_corpus(c.path);
    ASSERT_FALSE(text.empty()) << c.path;
    auto x = read_by_rules(text, quebec_context());
    SCOPED_TRACE(c.path + "\n" + dump(x));
    EXPECT_EQ(text_of(x.fields.issue_date), c.date);
    EXPECT_EQ(text_of(x.fields.total), c.total);
    EXPECT_EQ(text_of(x.fields.invoice_number), c.number);
    EXPECT_EQ(text_of(x.fields.currency), c.currency);
  }
}

TEST(read_by_rules, reads_orlens_seller_not_its_buyer) {
  auto x = read_by_rules(read_corpus("invoice2data/samples/Orlen.txt"),
                         quebec_context());
  // The expected .json's "vat": 7740001454, the seller's NIP.
  EXPECT_EQ(text_of(x.fields.supplier_tax_id), "7740001454");
  EXPECT_EQ(text_of(x.fields.supplier_name),
            "Polski Koncern Naftowy ORLEN S.A.");
}

TEST(rules_context_for, reads_us_dates_month_first) {
  EXPECT_EQ(rules_context_for("US-NY", "USD").numeric, date_order::mdy);
  EXPECT_EQ(rules_context_for("CA-QC", "CAD").numeric, date_order::dmy);
  EXPECT_EQ(rules_context_for("GB", "GBP").numeric, date_order::dmy);
}

} // namespace
} // namespace larder::extract
