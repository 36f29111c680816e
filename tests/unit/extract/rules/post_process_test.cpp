#include "extract/rules/post_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "extract/rules/rules.hpp"
#include "invoices.hpp"

namespace larder::extract {
namespace {

namespace ti = test_invoices;
using values::decimal;

post_context context_for(const std::string& region,
                         const std::string& currency) {
  return post_context{region, *domain::tax_profile_for(region), currency};
}

extraction read(std::string_view text, const std::string& region,
                const std::string& currency) {
  auto x = read_by_rules(text, rules_context_for(region, currency));
  post_process(x, context_for(region, currency));
  return x;
}

bool has_note(const extraction& x, const std::string& note) {
  return std::find(x.notes.begin(), x.notes.end(), note) != x.notes.end();
}

std::string notes(const extraction& x) {
  std::string out;
  for (const auto& n : x.notes)
    out += n + "\n";
  return out;
}

std::string amount(const std::optional<decimal>& d) {
  return d ? d->to_string(2) : "(none)";
}

TEST(post_process, a_complete_consistent_invoice_scores_at_least_0_9) {
  auto x = read(ti::quebec, "CA-QC", "CAD");
  SCOPED_TRACE(notes(x));
  EXPECT_EQ(x.not_an_invoice, "");
  EXPECT_GE(x.overall_confidence, 0.9);
  EXPECT_LE(x.overall_confidence, 1.0);
  EXPECT_EQ(x.confidence.at("total"), 0.95);
  EXPECT_EQ(x.confidence.at("subtotal"), 0.95);
  EXPECT_TRUE(x.notes.empty());
}

TEST(post_process, infers_the_due_date_from_the_terms) {
  auto on = read(ti::ontario, "CA-ON", "CAD");
  EXPECT_EQ(on.fields.due_date->to_string(), "2025-03-27");
  EXPECT_TRUE(has_note(on, "due date 2025-03-27 inferred from the payment "
                           "terms \"Net 15\""))
    << notes(on);
  auto us = read(ti::us, "US-MA", "USD");
  EXPECT_EQ(us.fields.issue_date->to_string(), "2025-03-04");
  EXPECT_EQ(us.fields.due_date->to_string(), "2025-04-03");

  const std::pair<std::string, std::string> terms[] = {
    {"30 jours", "2025-04-04"},       {"à 30 jours fin de mois", "2025-04-30"},
    {"Due on receipt", "2025-03-05"}, {"Payable à réception", "2025-03-05"},
    {"45 days", "2025-04-19"},        {"N30", "2025-04-04"},
  };
  for (const auto& [text, due] : terms) {
    extraction x;
    x.provider = "template";
    x.fields.issue_date = *values::date::parse("2025-03-05");
    x.fields.payment_terms = text;
    x.fields.total = decimal::from_int(10);
    post_process(x, context_for("CA-QC", "CAD"));
    EXPECT_EQ(x.fields.due_date ? x.fields.due_date->to_string() : "", due)
      << text;
  }
}

TEST(post_process, derives_a_missing_total_and_says_so) {
  std::string text{ti::quebec};
  auto cut = text.find("                                                       "
                       "Total ");
  text.erase(cut);
  auto x = read(text, "CA-QC", "CAD");
  EXPECT_EQ(amount(x.fields.total), "306.87");
  EXPECT_TRUE(has_note(x, "total derived from subtotal + taxes: 306.87"))
    << notes(x);
  EXPECT_EQ(x.confidence.at("total"), 0.7);
  EXPECT_LT(x.overall_confidence, 0.9);
}

TEST(post_process, derives_subtotal_and_tax_total_from_the_other_two) {
  extraction x;
  x.provider = "template";
  x.fields.total = decimal::from_units(1'150'000);
  x.fields.tax_total = decimal::from_units(150'000);
  x.confidence = {{"total", 0.8}, {"tax_total", 0.8}};
  post_process(x, context_for("CA-NB", "CAD"));
  EXPECT_EQ(amount(x.fields.subtotal), "100.00");
  EXPECT_TRUE(has_note(x, "subtotal derived from total − taxes: 100.00"));

  extraction y;
  y.provider = "rules";
  y.fields.total = decimal::from_units(1'130'000);
  y.fields.subtotal = decimal::from_int(100);
  post_process(y, context_for("CA-ON", "CAD"));
  EXPECT_EQ(amount(y.fields.tax_total), "13.00");
}

TEST(post_process, notes_an_inconsistent_tax_and_total) {
  std::string text{ti::ontario};
  text.replace(text.find("40.43"), 5, "45.00");
  auto x = read(text, "CA-ON", "CAD");
  EXPECT_TRUE(has_note(x, "hst at 13 % of 311.00 is 40.43 but the invoice "
                          "says 45.00"))
    << notes(x);
  EXPECT_TRUE(has_note(x, "subtotal 311.00 + taxes 45.00 = 356.00 but total "
                          "says 351.43"))
    << notes(x);
  // Nothing is changed: the reviewer decides.
  EXPECT_EQ(amount(x.fields.total), "351.43");
  EXPECT_EQ(x.confidence.at("total"), 0.5);
  EXPECT_LT(x.overall_confidence, 0.8);
}

TEST(post_process, notes_lines_that_do_not_sum_to_the_subtotal) {
  std::string text{ti::ontario};
  text.replace(text.find("126.00"), 6, "136.00");
  auto x = read(text, "CA-ON", "CAD");
  EXPECT_TRUE(has_note(x, "line totals sum to 321.00 but subtotal says 311.00"))
    << notes(x);
  EXPECT_TRUE(has_note(x, "1 line's quantity × unit price differs from its "
                          "total"))
    << notes(x);
}

TEST(post_process, does_not_repair_an_exact_e_invoice) {
  extraction x;
  x.provider = "ubl";
  x.fields.subtotal = decimal::from_int(100);
  x.fields.tax_total = decimal::from_int(20);
  x.fields.invoice_number = "INV-1";
  post_process(x, context_for("GB", "GBP"));
  EXPECT_FALSE(x.fields.total);
  EXPECT_TRUE(has_note(x, "the e-invoice gives no total; subtotal + taxes is "
                          "120.00"))
    << notes(x);
  EXPECT_EQ(x.confidence.at("subtotal"), 1.0);
}

TEST(post_process, names_tax_kinds_by_the_tenants_rates) {
  extraction x;
  x.provider = "ocr+rules";
  x.fields.subtotal = decimal::from_int(200);
  x.taxes = {
    {values::tax_kind::other, decimal::from_int(5), decimal::from_int(10)},
    {values::tax_kind::other, decimal::from_units(99750),
     decimal::from_units(199500)},
    {values::tax_kind::other, decimal{}, decimal::from_units(199500)}};
  post_process(x, context_for("CA-QC", "CAD"));
  EXPECT_EQ(x.taxes[0].kind, values::tax_kind::gst);
  EXPECT_EQ(x.taxes[1].kind, values::tax_kind::qst);
  // No rate printed: 19.95 is 9.975 % of 200.
  EXPECT_EQ(x.taxes[2].kind, values::tax_kind::qst);
  EXPECT_EQ(x.taxes[2].rate_percent.to_string(), "9.975");

  extraction uk;
  uk.provider = "rules";
  uk.taxes = {
    {values::tax_kind::other, decimal::from_int(5), decimal::from_int(1)}};
  post_process(uk, context_for("GB", "GBP"));
  EXPECT_EQ(uk.taxes[0].kind, values::tax_kind::vat);
}

TEST(post_process, assumes_the_tenants_currency_and_cleans_the_supplier) {
  extraction x;
  x.provider = "rules";
  x.fields.supplier_name = "  ** Ferme  Bio\u00a0Lanaudière   Inc. ,";
  x.fields.total = decimal::from_int(42);
  post_process(x, context_for("CA-QC", "CAD"));
  EXPECT_EQ(*x.fields.supplier_name, "Ferme Bio Lanaudière Inc.");
  ASSERT_TRUE(x.fields.currency);
  EXPECT_EQ(x.fields.currency->code, "CAD");
  EXPECT_TRUE(has_note(x, "no currency printed: the tenant's CAD assumed"));
}

TEST(post_process, keeps_a_credit_notes_negative_totals) {
  auto x = read(ti::credit_note, "CA-ON", "CAD");
  SCOPED_TRACE(notes(x));
  EXPECT_TRUE(x.credit_note);
  EXPECT_EQ(x.not_an_invoice, "");
  EXPECT_EQ(amount(x.fields.total), "-69.50");
  EXPECT_EQ(amount(x.fields.tax_total), "-8.00");
  EXPECT_GT(x.overall_confidence, 0.6);
}

TEST(post_process, a_text_with_only_a_total_scores_about_0_3) {
  auto x = read("TOTAL   $52.40\n", "CA-QC", "CAD");
  EXPECT_EQ(x.not_an_invoice, "");
  EXPECT_EQ(amount(x.fields.total), "52.40");
  EXPECT_GE(x.overall_confidence, 0.25);
  EXPECT_LE(x.overall_confidence, 0.4);
}

struct refusal {
  std::string name;
  std::string text;
  std::string reason;
};

TEST(post_process, refuses_what_is_not_an_invoice) {
  const refusal cases[] = {
    {"empty", "",
     "the document has no readable text: it may be a blank page "
     "or a photo of something other than an invoice"},
    {"photo of a cat", "  ~ .. ,\n  ' ;  ^^  .\n",
     "the document has no readable text: it may be a blank page or a photo "
     "of something other than an invoice"},
    {"ocr noise",
     "}{ ~~ ^^ %$ #@ !! ;; :: ][ <> ** ++ == // \\\\ ||\n"
     "x7 q2 p9 z1 k4 ##### ~~~~ ^^^ %%% $$$\n",
     "the text is mostly unreadable: it does not look like an invoice"},
    {"menu",
     "                 CHEZ MARIE\n"
     "                    MENU\n\n"
     "Appetizers\n  Soupe à l'oignon              12.00\n"
     "  Tartare de saumon             16.50\n\n"
     "Main courses\n  Steak frites                  32.00\n\n"
     "Desserts\n  Crème brûlée                  11.00\n",
     "this looks like a restaurant menu, not an invoice"},
    {"statement",
     "Greenfield Produce Ltd.\n\nSTATEMENT OF ACCOUNT\n"
     "Date: 2025-03-31\n\n"
     "Invoice     Date          Amount      Balance\n"
     "55021       2025-03-12    351.43      351.43\n"
     "55034       2025-03-19    120.00      471.43\n\n"
     "Total due                             471.43\n",
     "this is an account statement (a summary of invoices and payments), not "
     "an invoice"},
    {"relevé",
     "Distribution Laurentides Inc.\nRELEVÉ DE COMPTE\n"
     "Solde dû : 1 250,00 $\n",
     "this is an account statement (a summary of invoices and payments), not "
     "an invoice"},
    {"devis",
     "Traiteur Martin SARL\nDEVIS N° 2025-17\nDate : 3 mars 2025\n"
     "Total TTC   1 200,00 €\n",
     "this is a quote or estimate (devis): nothing is owed yet"},
    {"estimate", "Kitchen Repairs LLC\nESTIMATE #88\nTotal  $900.00\n",
     "this is a quote or estimate (devis): nothing is owed yet"},
    {"a letter",
     "Dear customer,\nour opening hours change next month.\n"
     "Thank you for your loyalty.\n",
     "no amount, invoice number or date was found: this does not look like "
     "an invoice"},
  };
  for (const auto& c : cases) {
    auto x = read(c.text, "CA-QC", "CAD");
    EXPECT_EQ(x.not_an_invoice, c.reason) << c.name;
    EXPECT_EQ(x.overall_confidence, 0) << c.name;
  }
}

TEST(post_process, an_invoice_that_mentions_desserts_is_still_an_invoice) {
  auto x = read("Patisserie Gourmet Inc.\nFACTURE no 4411\nDate : 2025-03-02\n"
                "Description                 Qté    Montant\n"
                "Desserts assortis            2      40,00\n"
                "Entrees froides              1      25,00\n"
                "Total                               65,00 $\n",
                "CA-QC", "CAD");
  EXPECT_EQ(x.not_an_invoice, "");
  EXPECT_EQ(amount(x.fields.total), "65.00");
}

TEST(overall_confidence, is_zero_for_a_refused_document) {
  extraction x;
  x.fields.total = decimal::from_int(1);
  x.confidence["total"] = 1;
  EXPECT_GT(overall_confidence(x), 0.3);
  x.not_an_invoice = "a menu";
  EXPECT_EQ(overall_confidence(x), 0);
}

} // namespace
} // namespace larder::extract
