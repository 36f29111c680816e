#include <string_view>

#include "extract/einvoice/detail/build.hpp"
#include "extract/einvoice/detail/codes.hpp"
#include "extract/einvoice/detail/xml.hpp"

namespace larder::extract::einvoice::detail {

namespace {

/// The element names where CII (D16B) and ZUGFeRD 1.0 (D12) differ; the
/// rest of the tree is the same.
struct cii_names {
  std::string_view rsm;
  std::string_view ram;
  std::string_view udt;
  std::string_view context;
  std::string_view header;
  std::string_view transaction;
  std::string_view agreement;
  std::string_view settlement;
  std::string_view summation;
  std::string_view percent;
  std::string_view order_id;
  std::string_view line_agreement;
  std::string_view line_delivery;
  std::string_view line_settlement;
  std::string_view line_summation;
};

constexpr cii_names d16b{
  .rsm = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
  .ram = "urn:un:unece:uncefact:data:standard:"
         "ReusableAggregateBusinessInformationEntity:100",
  .udt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
  .context = "ExchangedDocumentContext",
  .header = "ExchangedDocument",
  .transaction = "SupplyChainTradeTransaction",
  .agreement = "ApplicableHeaderTradeAgreement",
  .settlement = "ApplicableHeaderTradeSettlement",
  .summation = "SpecifiedTradeSettlementHeaderMonetarySummation",
  .percent = "RateApplicablePercent",
  .order_id = "IssuerAssignedID",
  .line_agreement = "SpecifiedLineTradeAgreement",
  .line_delivery = "SpecifiedLineTradeDelivery",
  .line_settlement = "SpecifiedLineTradeSettlement",
  .line_summation = "SpecifiedTradeSettlementLineMonetarySummation",
};

constexpr cii_names zf1{
  .rsm = "urn:ferd:CrossIndustryDocument:invoice:1p0",
  .ram = "urn:un:unece:uncefact:data:standard:"
         "ReusableAggregateBusinessInformationEntity:12",
  .udt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15",
  .context = "SpecifiedExchangedDocumentContext",
  .header = "HeaderExchangedDocument",
  .transaction = "SpecifiedSupplyChainTradeTransaction",
  .agreement = "ApplicableSupplyChainTradeAgreement",
  .settlement = "ApplicableSupplyChainTradeSettlement",
  .summation = "SpecifiedTradeSettlementMonetarySummation",
  .percent = "ApplicablePercent",
  .order_id = "ID",
  .line_agreement = "SpecifiedSupplyChainTradeAgreement",
  .line_delivery = "SpecifiedSupplyChainTradeDelivery",
  .line_settlement = "SpecifiedSupplyChainTradeSettlement",
  .line_summation = "SpecifiedTradeSettlementMonetarySummation",
};

std::string first_non_empty(std::initializer_list<std::string> options) {
  for (const auto& o : options)
    if (!o.empty())
      return o;
  return {};
}

class reader {
 public:
  explicit reader(const cii_names& n) : n_(n) {}

  std::string ram(const xmlNode* parent, std::string_view name) const {
    return text(child(parent, n_.ram, name));
  }

  raw_date date(const xmlNode* date_time) const {
    const xmlNode* s = child(date_time, n_.udt, "DateTimeString");
    return raw_date{
      .text = text(s), .format = attribute(s, "format"), .cefact = true};
  }

  /// The amount among `name` children in `currency`; one without a
  /// currency, or the first, when none names it.
  std::string amount_in(const xmlNode* parent, std::string_view name,
                        const std::string& currency) const {
    const xmlNode* chosen = nullptr;
    for (const xmlNode* a : children(parent, n_.ram, name)) {
      std::string c = attribute(a, "currencyID");
      if (c == currency || c.empty()) {
        chosen = a;
        break;
      }
      if (chosen == nullptr)
        chosen = a;
    }
    return text(chosen);
  }

  /// The seller's VAT id (scheme "VA"), else its tax number ("FC"), else
  /// any registration it gives.
  std::string seller_tax_id(const xmlNode* seller) const {
    std::string fc;
    std::string other;
    for (const xmlNode* reg :
         children(seller, n_.ram, "SpecifiedTaxRegistration")) {
      const xmlNode* id = child(reg, n_.ram, "ID");
      std::string value = text(id);
      if (value.empty())
        continue;
      std::string scheme = attribute(id, "schemeID");
      if (scheme == "VA")
        return value;
      if (scheme == "FC" && fc.empty())
        fc = value;
      if (other.empty())
        other = value;
    }
    return fc.empty() ? other : fc;
  }

  raw_line line(const xmlNode* item) const {
    raw_line out;
    out.id =
      ram(child(item, n_.ram, "AssociatedDocumentLineDocument"), "LineID");
    const xmlNode* product = child(item, n_.ram, "SpecifiedTradeProduct");
    out.description =
      first_non_empty({ram(product, "Name"), ram(product, "Description")});
    const xmlNode* agreement = child(item, n_.ram, n_.line_agreement);
    const xmlNode* price =
      child(agreement, n_.ram, "NetPriceProductTradePrice");
    if (ram(price, "ChargeAmount").empty())
      price = child(agreement, n_.ram, "GrossPriceProductTradePrice");
    out.price = ram(price, "ChargeAmount");
    out.base_quantity = ram(price, "BasisQuantity");
    const xmlNode* quantity =
      child(child(item, n_.ram, n_.line_delivery), n_.ram, "BilledQuantity");
    out.quantity = text(quantity);
    out.unit_code = attribute(quantity, "unitCode");
    const xmlNode* settlement = child(item, n_.ram, n_.line_settlement);
    const xmlNode* tax = child(settlement, n_.ram, "ApplicableTradeTax");
    out.tax_category = ram(tax, "CategoryCode");
    out.tax_rate = ram(tax, n_.percent);
    out.line_total =
      ram(child(settlement, n_.ram, n_.line_summation), "LineTotalAmount");
    return out;
  }

  raw_invoice read(const xmlNode* root) const {
    raw_invoice raw;
    raw.model = ram(child(child(root, n_.rsm, n_.context), n_.ram,
                          "GuidelineSpecifiedDocumentContextParameter"),
                    "ID");
    const xmlNode* header = child(root, n_.rsm, n_.header);
    raw.invoice_number = ram(header, "ID");
    raw.credit_note = is_credit_note_type(ram(header, "TypeCode"));
    raw.issue_date = date(child(header, n_.ram, "IssueDateTime"));

    const xmlNode* transaction = child(root, n_.rsm, n_.transaction);
    const xmlNode* agreement = child(transaction, n_.ram, n_.agreement);
    const xmlNode* seller = child(agreement, n_.ram, "SellerTradeParty");
    raw.supplier_name = ram(seller, "Name");
    raw.supplier_tax_id = seller_tax_id(seller);
    raw.purchase_order = first_non_empty(
      {ram(child(agreement, n_.ram, "BuyerOrderReferencedDocument"),
           n_.order_id),
       ram(agreement, "BuyerReference")});

    const xmlNode* settlement = child(transaction, n_.ram, n_.settlement);
    raw.currency = ram(settlement, "InvoiceCurrencyCode");
    for (const xmlNode* terms :
         children(settlement, n_.ram, "SpecifiedTradePaymentTerms")) {
      for (const xmlNode* d : children(terms, n_.ram, "Description"))
        if (auto t = text(d); !t.empty())
          raw.payment_terms += (raw.payment_terms.empty() ? "" : "; ") + t;
      if (raw.due_date.text.empty())
        raw.due_date = date(child(terms, n_.ram, "DueDateDateTime"));
    }
    for (const xmlNode* tax :
         children(settlement, n_.ram, "ApplicableTradeTax"))
      raw.taxes.push_back(raw_tax{
        .scheme = ram(tax, "TypeCode"),
        .category = ram(tax, "CategoryCode"),
        .rate = ram(tax, n_.percent),
        .amount = ram(tax, "CalculatedAmount"),
      });

    const xmlNode* sums = child(settlement, n_.ram, n_.summation);
    raw.subtotal = ram(sums, "TaxBasisTotalAmount");
    raw.tax_total = amount_in(sums, "TaxTotalAmount", raw.currency);
    raw.total = first_non_empty(
      {ram(sums, "DuePayableAmount"), ram(sums, "GrandTotalAmount")});

    for (const xmlNode* item :
         children(transaction, n_.ram, "IncludedSupplyChainTradeLineItem"))
      raw.lines.push_back(line(item));
    return raw;
  }

 private:
  const cii_names& n_;
};

} // namespace

raw_invoice read_cii(const xmlNode* root, bool zugferd1) {
  raw_invoice raw = reader{zugferd1 ? zf1 : d16b}.read(root);
  raw.syntax = zugferd1 ? einvoice_syntax::zugferd1 : einvoice_syntax::cii;
  return raw;
}

} // namespace larder::extract::einvoice::detail
