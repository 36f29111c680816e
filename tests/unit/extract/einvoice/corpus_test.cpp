// Every XML e-invoice of the corpus, read by `read_einvoice` and checked
// against values taken from the same file by another path: libxml2 XPath
// queries written per syntax, here, without any code under test.
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "extract/einvoice/einvoice.hpp"
#include "tests/unit/extract/einvoice/corpus.hpp"

namespace larder::extract {
namespace {

namespace fs = std::filesystem;

/// A document and an XPath context with the namespaces of every syntax.
class xpath_doc {
 public:
  explicit xpath_doc(const std::string& bytes) {
    doc_.reset(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()),
                             nullptr, nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR
                               | XML_PARSE_NOWARNING | XML_PARSE_HUGE));
    if (!doc_)
      return;
    ctx_.reset(xmlXPathNewContext(doc_.get()));
    for (auto [prefix, uri] :
         std::initializer_list<std::pair<const char*, const char*>>{
           {"inv", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"},
           {"cn", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"},
           {"cbc", "urn:oasis:names:specification:ubl:schema:xsd:"
                   "CommonBasicComponents-2"},
           {"cac", "urn:oasis:names:specification:ubl:schema:xsd:"
                   "CommonAggregateComponents-2"},
           {"rsm",
            "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"},
           {"ram", "urn:un:unece:uncefact:data:standard:"
                   "ReusableAggregateBusinessInformationEntity:100"},
           {"udt",
            "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"},
           {"zf", "urn:ferd:CrossIndustryDocument:invoice:1p0"},
           {"zram", "urn:un:unece:uncefact:data:standard:"
                    "ReusableAggregateBusinessInformationEntity:12"},
           {"zudt",
            "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"},
         })
      xmlXPathRegisterNs(ctx_.get(), reinterpret_cast<const xmlChar*>(prefix),
                         reinterpret_cast<const xmlChar*>(uri));
  }

  bool ok() const {
    return ctx_ != nullptr;
  }

  /// The string value of `expr` (XPath `string()`), trimmed.
  std::string str(const std::string& expr) const {
    std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> result{
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(
                               ("normalize-space(" + expr + ")").c_str()),
                             ctx_.get()),
      &xmlXPathFreeObject};
    EXPECT_NE(result, nullptr) << "bad XPath " << expr;
    if (!result || result->type != XPATH_STRING || result->stringval == nullptr)
      return {};
    return reinterpret_cast<const char*>(result->stringval);
  }

  /// The first non-empty of several expressions.
  std::string first(std::initializer_list<std::string> exprs) const {
    for (const auto& e : exprs)
      if (auto s = str(e); !s.empty())
        return s;
    return {};
  }

  long count(const std::string& expr) const {
    std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> result{
      xmlXPathEvalExpression(
        reinterpret_cast<const xmlChar*>(("count(" + expr + ")").c_str()),
        ctx_.get()),
      &xmlXPathFreeObject};
    EXPECT_NE(result, nullptr) << "bad XPath " << expr;
    return result ? static_cast<long>(result->floatval) : -1;
  }

 private:
  struct doc_free {
    void operator()(xmlDoc* d) const {
      xmlFreeDoc(d);
    }
  };
  struct ctx_free {
    void operator()(xmlXPathContext* c) const {
      xmlXPathFreeContext(c);
    }
  };
  std::unique_ptr<xmlDoc, doc_free> doc_;
  std::unique_ptr<xmlXPathContext, ctx_free> ctx_;
};

/// What a person reads off an invoice, as strings straight from the XML.
struct expected_fields {
  std::string syntax;
  std::string number;
  std::string issue_date; // YYYY-MM-DD
  std::string currency;
  std::string seller;
  std::string seller_tax_id;
  std::string net;
  std::string tax;
  std::string payable;
  std::string model;
  long lines = 0;
  bool credit = false;
};

std::string iso_from_102(const std::string& s) {
  if (s.size() != 8)
    return s;
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2);
}

bool credit_code(const std::string& code) {
  static const std::set<std::string> codes{
    "381", "396", "81", "83", "261", "262", "296", "308", "420", "458", "532"};
  return codes.contains(code);
}

expected_fields by_xpath(const xpath_doc& x) {
  expected_fields e;
  if (x.count("/inv:Invoice | /cn:CreditNote") == 1) {
    e.syntax = "ubl";
    const std::string party = "/*/cac:AccountingSupplierParty/cac:Party";
    e.number = x.str("/*/cbc:ID");
    e.issue_date = x.str("/*/cbc:IssueDate");
    e.currency = x.str("/*/cbc:DocumentCurrencyCode");
    e.seller = x.first({party + "/cac:PartyLegalEntity/cbc:RegistrationName",
                        party + "/cac:PartyName/cbc:Name"});
    e.seller_tax_id = x.first(
      {party + "/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID",
       party + "/cac:PartyTaxScheme/cbc:CompanyID"});
    e.net = x.str("/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount");
    e.tax = x.str("/*/cac:TaxTotal/cbc:TaxAmount[@currencyID = "
                  "/*/cbc:DocumentCurrencyCode]");
    e.payable = x.str("/*/cac:LegalMonetaryTotal/cbc:PayableAmount");
    e.lines = x.count("/*/cac:InvoiceLine | /*/cac:CreditNoteLine");
    e.model = x.first(
      {"/*/cbc:CustomizationID", "concat('UBL ', /*/cbc:UBLVersionID)"});
    e.credit = x.count("/cn:CreditNote") == 1
               || credit_code(x.str("/*/cbc:InvoiceTypeCode"));
  } else if (x.count("/rsm:CrossIndustryInvoice") == 1) {
    e.syntax = "cii";
    const std::string tx = "/*/rsm:SupplyChainTradeTransaction";
    const std::string seller =
      tx + "/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty";
    const std::string settle = tx + "/ram:ApplicableHeaderTradeSettlement";
    const std::string sums =
      settle + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation";
    e.number = x.str("/*/rsm:ExchangedDocument/ram:ID");
    e.issue_date = iso_from_102(
      x.str("/*/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"));
    e.currency = x.str(settle + "/ram:InvoiceCurrencyCode");
    e.seller = x.str(seller + "/ram:Name");
    e.seller_tax_id =
      x.first({seller + "/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
               seller + "/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']",
               seller + "/ram:SpecifiedTaxRegistration/ram:ID"});
    e.net = x.str(sums + "/ram:TaxBasisTotalAmount");
    e.tax = x.first({sums + "/ram:TaxTotalAmount[@currencyID = " + settle
                       + "/ram:InvoiceCurrencyCode]",
                     sums + "/ram:TaxTotalAmount"});
    e.payable =
      x.first({sums + "/ram:DuePayableAmount", sums + "/ram:GrandTotalAmount"});
    e.lines = x.count(tx + "/ram:IncludedSupplyChainTradeLineItem");
    e.credit = credit_code(x.str("/*/rsm:ExchangedDocument/ram:TypeCode"));
    e.model = x.str("/*/rsm:ExchangedDocumentContext/"
                    "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID");
  } else if (x.count("/zf:CrossIndustryDocument") == 1) {
    e.syntax = "zugferd1";
    const std::string tx = "/*/zf:SpecifiedSupplyChainTradeTransaction";
    const std::string seller =
      tx + "/zram:ApplicableSupplyChainTradeAgreement/zram:SellerTradeParty";
    const std::string settle =
      tx + "/zram:ApplicableSupplyChainTradeSettlement";
    const std::string sums =
      settle + "/zram:SpecifiedTradeSettlementMonetarySummation";
    e.number = x.str("/*/zf:HeaderExchangedDocument/zram:ID");
    e.issue_date = iso_from_102(x.str(
      "/*/zf:HeaderExchangedDocument/zram:IssueDateTime/zudt:DateTimeString"));
    e.currency = x.str(settle + "/zram:InvoiceCurrencyCode");
    e.seller = x.str(seller + "/zram:Name");
    e.seller_tax_id = x.first(
      {seller + "/zram:SpecifiedTaxRegistration/zram:ID[@schemeID='VA']",
       seller + "/zram:SpecifiedTaxRegistration/zram:ID[@schemeID='FC']",
       seller + "/zram:SpecifiedTaxRegistration/zram:ID"});
    e.net = x.str(sums + "/zram:TaxBasisTotalAmount");
    e.tax = x.first({sums + "/zram:TaxTotalAmount[@currencyID = " + settle
                       + "/zram:InvoiceCurrencyCode]",
                     sums + "/zram:TaxTotalAmount"});
    e.payable = x.first(
      {sums + "/zram:DuePayableAmount", sums + "/zram:GrandTotalAmount"});
    e.lines = x.count(tx + "/zram:IncludedSupplyChainTradeLineItem");
    e.credit =
      credit_code(x.str("/*/zf:HeaderExchangedDocument/zram:TypeCode"));
    e.model = x.str("/*/zf:SpecifiedExchangedDocumentContext/"
                    "zram:GuidelineSpecifiedDocumentContextParameter/zram:ID");
  }
  return e;
}

/// `got` equals the XML amount `want`, which may carry more than four
/// decimals (then within the rounding step) or be absent.
void expect_amount(const std::optional<values::decimal>& got,
                   const std::string& want, bool negate, const char* what,
                   const fs::path& file) {
  SCOPED_TRACE(std::string{what} + " in " + file.filename().string());
  if (want.empty()) {
    EXPECT_FALSE(got.has_value());
    return;
  }
  ASSERT_TRUE(got.has_value());
  // Compare digit strings: both sides normalised to exactly four places by
  // truncation; a fifth decimal may round the code's value up by one unit.
  std::string w = want;
  bool neg = false;
  if (!w.empty() && (w[0] == '-' || w[0] == '+')) {
    neg = w[0] == '-';
    w.erase(0, 1);
  }
  auto point = w.find('.');
  std::string whole = w.substr(0, point);
  std::string frac = point == std::string::npos ? "" : w.substr(point + 1);
  std::string four = (frac + "0000").substr(0, 4);
  bool beyond =
    frac.size() > 4 && frac.find_first_not_of('0', 4) != std::string::npos;
  auto truncated = values::decimal::parse(
    (neg ? "-" : "") + (whole.empty() ? "0" : whole) + "." + four);
  ASSERT_TRUE(truncated) << want;
  values::decimal expect = negate && !neg ? -*truncated : *truncated;
  auto diff = (*got - expect).abs();
  if (beyond)
    EXPECT_LE(diff.units(), 1) << got->to_string() << " vs " << want;
  else
    EXPECT_EQ(*got, expect) << got->to_string() << " vs " << want;
}

std::vector<fs::path> corpus_xml_files() {
  std::vector<fs::path> out;
  for (const auto& entry :
       fs::recursive_directory_iterator{test::einvoice_dir()})
    if (entry.is_regular_file() && entry.path().extension() == ".xml")
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(einvoice_corpus, every_xml_matches_its_own_values_by_xpath) {
  auto files = corpus_xml_files();
  // 81 XML files are in the corpus today; a lost directory must not pass.
  ASSERT_GE(files.size(), 81u);
  std::map<std::string, int> per_syntax;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    std::string bytes = test::read_file(file);
    xpath_doc x{bytes};
    ASSERT_TRUE(x.ok());
    expected_fields e = by_xpath(x);
    ASSERT_FALSE(e.syntax.empty()) << "not an e-invoice root";
    ++per_syntax[e.syntax];

    auto got = read_einvoice(bytes);
    ASSERT_TRUE(got) << got.error().message;
    const auto& f = got->fields;
    EXPECT_EQ(got->provider, e.syntax);
    EXPECT_EQ(got->credit_note, e.credit);
    EXPECT_EQ(f.invoice_number.value_or(""), e.number);
    ASSERT_FALSE(e.issue_date.empty());
    ASSERT_TRUE(f.issue_date);
    EXPECT_EQ(f.issue_date->to_string(), e.issue_date);
    ASSERT_TRUE(f.currency);
    EXPECT_EQ(f.currency->code, e.currency);
    EXPECT_EQ(f.supplier_name.value_or(""), e.seller);
    EXPECT_EQ(f.supplier_tax_id.value_or(""), e.seller_tax_id);
    expect_amount(f.subtotal, e.net, e.credit, "net total", file);
    expect_amount(f.tax_total, e.tax, e.credit, "tax total", file);
    expect_amount(f.total, e.payable, e.credit, "amount due", file);
    EXPECT_EQ(static_cast<long>(got->lines.size()), e.lines);
    EXPECT_EQ(got->overall_confidence, 1.0);
    for (const auto& [field, confidence] : got->confidence)
      EXPECT_EQ(confidence, 1.0) << field;
    EXPECT_EQ(got->confidence.contains("total"), f.total.has_value());
    EXPECT_EQ(got->confidence.contains("lines"), !got->lines.empty());
    EXPECT_FALSE(e.model.empty());
    EXPECT_EQ(got->model, e.model);
  }
  EXPECT_GE(per_syntax["ubl"], 25);
  EXPECT_GE(per_syntax["cii"], 40);
  EXPECT_GE(per_syntax["zugferd1"], 5);
}

} // namespace
} // namespace larder::extract
