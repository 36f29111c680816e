#include "extract/einvoice/einvoice.hpp"

#include <map>
#include <tuple>
#include <utility>

#include "extract/einvoice/detail/build.hpp"
#include "extract/einvoice/detail/codes.hpp"
#include "extract/einvoice/detail/xml.hpp"

namespace larder::extract {

namespace detail = einvoice::detail;

namespace {

constexpr std::string_view ubl_invoice_ns =
  "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
constexpr std::string_view ubl_credit_note_ns =
  "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
constexpr std::string_view cii_ns =
  "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
constexpr std::string_view zf1_ns =
  "urn:ferd:CrossIndustryDocument:invoice:1p0";

struct root_kind {
  einvoice_syntax syntax;
  bool credit_note_root = false;
};

std::optional<root_kind> classify(const xmlNode* root) {
  if (detail::is_element(root, ubl_invoice_ns, "Invoice"))
    return root_kind{einvoice_syntax::ubl, false};
  if (detail::is_element(root, ubl_credit_note_ns, "CreditNote"))
    return root_kind{einvoice_syntax::ubl, true};
  if (detail::is_element(root, cii_ns, "CrossIndustryInvoice"))
    return root_kind{einvoice_syntax::cii, false};
  if (detail::is_element(root, zf1_ns, "CrossIndustryDocument"))
    return root_kind{einvoice_syntax::zugferd1, false};
  return std::nullopt;
}

/// Cuts `s` to at most `limit` code points without splitting one.
std::string cut_utf8(std::string s, std::size_t limit) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto byte = static_cast<unsigned char>(s[i]);
    if ((byte & 0xC0) != 0x80 && points++ == limit) {
      s.resize(i);
      break;
    }
  }
  return s;
}

class builder {
 public:
  explicit builder(const detail::raw_invoice& raw) : raw_(raw) {}

  extraction build() {
    x_.provider = std::string{to_string(raw_.syntax)};
    x_.model = raw_.model;
    x_.credit_note = raw_.credit_note;
    auto& f = x_.fields;
    set_text(f.supplier_name, raw_.supplier_name, "supplier_name");
    set_text(f.supplier_tax_id, raw_.supplier_tax_id, "supplier_tax_id");
    set_text(f.invoice_number, raw_.invoice_number, "invoice_number");
    set_date(f.issue_date, raw_.issue_date, "issue_date", "issue date");
    set_date(f.due_date, raw_.due_date, "due_date", "due date");
    if (!raw_.currency.empty()) {
      if (auto c = values::currency::parse(raw_.currency)) {
        f.currency = *c;
        x_.confidence["currency"] = 1.0;
      } else {
        x_.notes.push_back("the currency code '" + cut_utf8(raw_.currency, 10)
                           + "' is not an ISO 4217 code; it was left out");
      }
    }
    set_amount(f.subtotal, raw_.subtotal, "subtotal", "net total");
    set_amount(f.tax_total, raw_.tax_total, "tax_total", "tax total");
    set_amount(f.total, raw_.total, "total", "amount due");
    set_text(f.purchase_order, raw_.purchase_order, "purchase_order");
    set_text(f.payment_terms, raw_.payment_terms, "payment_terms");

    // A credit note states positive amounts that reduce what is owed; larder
    // records them signed. One that already carries negative totals has
    // done so itself and is kept as it is.
    std::optional<values::decimal> reference = f.total ? f.total : f.subtotal;
    negate_ = raw_.credit_note && !(reference && reference->units() < 0);
    if (raw_.credit_note && !negate_)
      x_.notes.push_back(
        "the credit note already states negative amounts; they were kept");
    if (negate_) {
      for (auto* amount : {&f.subtotal, &f.tax_total, &f.total})
        if (*amount)
          **amount = -**amount;
    }

    build_lines();
    build_taxes();
    x_.overall_confidence = 1.0;
    return std::move(x_);
  }

 private:
  void set_text(std::optional<std::string>& field, const std::string& value,
                const char* name) {
    if (value.empty())
      return;
    field = value;
    x_.confidence[name] = 1.0;
  }

  void set_date(std::optional<values::date>& field, const detail::raw_date& d,
                const char* name, const char* label) {
    if (d.text.empty())
      return;
    auto parsed = d.cefact ? detail::parse_cefact_date(d.text, d.format)
                           : detail::parse_iso_date(d.text);
    if (!parsed) {
      x_.notes.push_back(std::string{"the "} + label + " '"
                         + cut_utf8(d.text, 40)
                         + "' is not a calendar day; it was left out");
      return;
    }
    field = *parsed;
    x_.confidence[name] = 1.0;
  }

  std::optional<values::decimal> amount(const std::string& text,
                                        const char* label) {
    if (text.empty())
      return std::nullopt;
    auto parsed = detail::parse_amount(text);
    if (!parsed)
      x_.notes.push_back(
        std::string{"the "} + label + " '" + cut_utf8(text, 40)
        + "' is not a number larder can hold; it was left out");
    return parsed;
  }

  void set_amount(std::optional<values::decimal>& field,
                  const std::string& text, const char* name,
                  const char* label) {
    if (auto parsed = amount(text, label)) {
      field = *parsed;
      x_.confidence[name] = 1.0;
    }
  }

  void build_lines() {
    std::size_t number = 0;
    for (const auto& raw : raw_.lines) {
      ++number;
      if (x_.lines.size() == values::max_lines_per_invoice) {
        x_.notes.push_back("the invoice has more than "
                           + std::to_string(values::max_lines_per_invoice)
                           + " lines; the rest were left out");
        break;
      }
      x_.lines.push_back(line(raw, number));
    }
    if (!x_.lines.empty())
      x_.confidence["lines"] = 1.0;
  }

  values::line_item line(const detail::raw_line& raw, std::size_t number) {
    using values::decimal;
    std::string label =
      "line "
      + (raw.id.empty() ? std::to_string(number) : cut_utf8(raw.id, 20));
    values::line_item out;
    out.description =
      raw.description.empty()
        ? label
        : cut_utf8(raw.description, values::max_description_chars);
    out.unit =
      cut_utf8(detail::unit_from_code(raw.unit_code), values::max_unit_chars);
    auto quantity = amount(raw.quantity, (label + " quantity").c_str());
    auto total = amount(raw.line_total, (label + " total").c_str());
    auto price = amount(raw.price, (label + " price").c_str());
    auto base = amount(raw.base_quantity, (label + " base quantity").c_str());
    out.quantity = quantity.value_or(decimal::from_int(1));
    if (price && detail::loses_places(raw.price))
      // Energy and fuel prices often carry more places than larder keeps;
      // say so, or the line looks wrong for no reason.
      x_.notes.push_back(label + "'s unit price " + cut_utf8(raw.price, 40)
                         + " was rounded to four places");
    if (price) {
      // Prices may be stated per 100 or per 1000 units (base quantity).
      decimal divisor =
        base && base->units() != 0 ? *base : decimal::from_int(1);
      if (auto unit_price = decimal::checked_divide(*price, divisor))
        out.unit_price = *unit_price;
    } else if (total && out.quantity.units() != 0) {
      if (auto unit_price = decimal::checked_divide(*total, out.quantity))
        out.unit_price = *unit_price;
    }
    if (total) {
      out.line_total = *total;
    } else if (auto product =
                 decimal::checked_multiply(out.quantity, out.unit_price)) {
      out.line_total = *product;
    }
    if (!raw.tax_category.empty()) {
      out.tax_code = raw.tax_category;
      if (auto rate = detail::parse_amount(raw.tax_rate))
        out.tax_code += " " + rate->to_string() + "%";
      out.tax_code = cut_utf8(out.tax_code, values::max_tax_code_chars);
    }
    if (negate_) {
      out.quantity = -out.quantity;
      out.line_total = -out.line_total;
    }
    if (auto valid = values::validate_line(out))
      return std::move(valid).value();
    x_.notes.push_back(label
                       + " does not hold as a line item; a reviewer "
                         "should check it");
    return out;
  }

  void build_taxes() {
    using values::decimal;
    // One tax line per scheme, category and rate, in document order.
    std::map<std::tuple<std::string, std::string, decimal>, std::size_t> seen;
    for (const auto& raw : raw_.taxes) {
      auto tax_amount = amount(raw.amount, "tax amount");
      if (!tax_amount)
        continue;
      decimal rate = decimal::from_int(0);
      if (!raw.rate.empty()) {
        auto parsed = amount(raw.rate, "tax rate");
        if (!parsed)
          continue;
        rate = *parsed;
      }
      if (rate < decimal::from_int(0) || rate > decimal::from_int(100)) {
        x_.notes.push_back("the tax rate " + rate.to_string()
                           + "% is outside 0–100; that tax line was left out");
        continue;
      }
      values::tax_line line{
        .kind = raw.scheme.empty() || raw.scheme == "VAT"
                  ? values::tax_kind::vat
                  : values::tax_kind::other,
        .rate_percent = rate,
        .amount = negate_ ? -*tax_amount : *tax_amount,
      };
      auto key = std::make_tuple(raw.scheme, raw.category, rate);
      if (auto it = seen.find(key); it != seen.end()) {
        x_.taxes[it->second].amount = x_.taxes[it->second].amount + line.amount;
        continue;
      }
      if (x_.taxes.size() == values::max_tax_lines_per_invoice)
        break;
      seen.emplace(key, x_.taxes.size());
      x_.taxes.push_back(line);
    }
    if (!x_.taxes.empty())
      x_.confidence["taxes"] = 1.0;
  }

  const detail::raw_invoice& raw_;
  extraction x_;
  bool negate_ = false;
};

} // namespace

std::string_view to_string(einvoice_syntax syntax) noexcept {
  switch (syntax) {
    case einvoice_syntax::ubl: return "ubl";
    case einvoice_syntax::cii: return "cii";
    case einvoice_syntax::zugferd1: return "zugferd1";
  }
  return "ubl";
}

std::optional<einvoice_syntax> sniff_einvoice(std::string_view xml) {
  auto doc = detail::parse_xml(xml);
  if (!doc)
    return std::nullopt;
  if (auto kind = classify(xmlDocGetRootElement(doc->get())))
    return kind->syntax;
  return std::nullopt;
}

expected<extraction> read_einvoice(std::string_view xml) {
  auto doc = detail::parse_xml(xml);
  if (!doc)
    return std::move(doc).error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  auto kind = classify(root);
  if (!kind)
    return make_error(errc::invalid_argument,
                      "the XML is not a UBL or CII invoice");
  detail::raw_invoice raw =
    kind->syntax == einvoice_syntax::ubl
      ? detail::read_ubl(root, kind->credit_note_root)
      : detail::read_cii(root, kind->syntax == einvoice_syntax::zugferd1);
  return detail::build(raw);
}

} // namespace larder::extract

namespace larder::extract::einvoice::detail {

extraction build(const raw_invoice& raw) {
  return builder{raw}.build();
}

} // namespace larder::extract::einvoice::detail
