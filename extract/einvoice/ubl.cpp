#include <string_view>

#include "extract/einvoice/detail/build.hpp"
#include "extract/einvoice/detail/codes.hpp"
#include "extract/einvoice/detail/xml.hpp"

namespace larder::extract::einvoice::detail {

namespace {

constexpr std::string_view cbc =
  "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
constexpr std::string_view cac =
  "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

std::string cbc_text(const xmlNode* parent, std::string_view name) {
  return text(child(parent, cbc, name));
}

std::string first_non_empty(std::initializer_list<std::string> options) {
  for (const auto& o : options)
    if (!o.empty())
      return o;
  return {};
}

/// The seller's VAT id (a PartyTaxScheme under the VAT scheme), else its
/// other tax registration id.
std::string seller_tax_id(const xmlNode* party) {
  std::string other;
  for (const xmlNode* scheme : children(party, cac, "PartyTaxScheme")) {
    std::string id = cbc_text(scheme, "CompanyID");
    if (id.empty())
      continue;
    if (cbc_text(child(scheme, cac, "TaxScheme"), "ID") == "VAT")
      return id;
    if (other.empty())
      other = id;
  }
  return other;
}

raw_line read_line(const xmlNode* line, bool credit_note_root) {
  raw_line out;
  out.id = cbc_text(line, "ID");
  const xmlNode* quantity = child(
    line, cbc, credit_note_root ? "CreditedQuantity" : "InvoicedQuantity");
  out.quantity = text(quantity);
  out.unit_code = attribute(quantity, "unitCode");
  out.line_total = cbc_text(line, "LineExtensionAmount");
  const xmlNode* item = child(line, cac, "Item");
  out.description =
    first_non_empty({cbc_text(item, "Name"), cbc_text(item, "Description")});
  const xmlNode* category = child(item, cac, "ClassifiedTaxCategory");
  out.tax_category = cbc_text(category, "ID");
  out.tax_rate = cbc_text(category, "Percent");
  const xmlNode* price = child(line, cac, "Price");
  out.price = cbc_text(price, "PriceAmount");
  out.base_quantity = cbc_text(price, "BaseQuantity");
  return out;
}

} // namespace

raw_invoice read_ubl(const xmlNode* root, bool credit_note_root) {
  raw_invoice raw;
  raw.syntax = einvoice_syntax::ubl;
  // Plain UBL (no CIUS) names no customization; its version says enough.
  raw.model = cbc_text(root, "CustomizationID");
  if (raw.model.empty())
    if (auto version = cbc_text(root, "UBLVersionID"); !version.empty())
      raw.model = "UBL " + version;
  raw.credit_note =
    credit_note_root || is_credit_note_type(cbc_text(root, "InvoiceTypeCode"));
  raw.invoice_number = cbc_text(root, "ID");
  raw.issue_date.text = cbc_text(root, "IssueDate");
  raw.due_date.text = cbc_text(root, "DueDate");
  if (raw.due_date.text.empty())
    for (const xmlNode* means : children(root, cac, "PaymentMeans"))
      if (auto due = cbc_text(means, "PaymentDueDate"); !due.empty()) {
        raw.due_date.text = due;
        break;
      }
  if (raw.due_date.text.empty())
    for (const xmlNode* terms : children(root, cac, "PaymentTerms"))
      if (auto due = cbc_text(terms, "PaymentDueDate"); !due.empty()) {
        raw.due_date.text = due;
        break;
      }
  raw.currency = cbc_text(root, "DocumentCurrencyCode");

  const xmlNode* party = path(root, cac, {"AccountingSupplierParty", "Party"});
  raw.supplier_name = first_non_empty(
    {cbc_text(child(party, cac, "PartyLegalEntity"), "RegistrationName"),
     cbc_text(child(party, cac, "PartyName"), "Name")});
  raw.supplier_tax_id = seller_tax_id(party);

  const xmlNode* totals = child(root, cac, "LegalMonetaryTotal");
  raw.subtotal = cbc_text(totals, "TaxExclusiveAmount");
  raw.total = first_non_empty({cbc_text(totals, "PayableAmount"),
                               cbc_text(totals, "TaxInclusiveAmount")});

  // A second TaxTotal may state the VAT in the tax currency (BT-111); only
  // the one in the document currency is the invoice's.
  const xmlNode* tax_total = nullptr;
  for (const xmlNode* t : children(root, cac, "TaxTotal")) {
    const xmlNode* amount = child(t, cbc, "TaxAmount");
    if (amount == nullptr)
      continue;
    std::string currency = attribute(amount, "currencyID");
    if (currency == raw.currency || currency.empty()) {
      tax_total = t;
      break;
    }
    if (tax_total == nullptr)
      tax_total = t;
  }
  raw.tax_total = cbc_text(tax_total, "TaxAmount");
  for (const xmlNode* sub : children(tax_total, cac, "TaxSubtotal")) {
    const xmlNode* category = child(sub, cac, "TaxCategory");
    raw.taxes.push_back(raw_tax{
      .scheme = cbc_text(child(category, cac, "TaxScheme"), "ID"),
      .category = cbc_text(category, "ID"),
      .rate = cbc_text(category, "Percent"),
      .amount = cbc_text(sub, "TaxAmount"),
    });
  }

  // UBL needs an order ID when only the seller's order number is known;
  // the syntax binding says to write "NA" there, which is no reference.
  std::string order = cbc_text(child(root, cac, "OrderReference"), "ID");
  if (order == "NA")
    order.clear();
  raw.purchase_order =
    first_non_empty({order, cbc_text(root, "BuyerReference")});
  for (const xmlNode* terms : children(root, cac, "PaymentTerms"))
    for (const xmlNode* note : children(terms, cbc, "Note"))
      if (auto t = text(note); !t.empty())
        raw.payment_terms += (raw.payment_terms.empty() ? "" : "; ") + t;

  for (const xmlNode* line :
       children(root, cac, credit_note_root ? "CreditNoteLine" : "InvoiceLine"))
    raw.lines.push_back(read_line(line, credit_note_root));
  return raw;
}

} // namespace larder::extract::einvoice::detail
