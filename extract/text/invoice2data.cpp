#include "extract/text/invoice2data.hpp"

#include "events/json_writer.hpp"

namespace larder::extract {

namespace {

/// A decimal as Python prints the float it would be: "4.11", "1939.0".
std::string float_text(values::decimal d) {
  auto text = d.to_string();
  if (text.find('.') == std::string::npos)
    text += ".0";
  return text;
}

} // namespace

std::string to_invoice2data_json(const extraction& x) {
  if (!x.invoice2data_object.empty())
    return "[" + x.invoice2data_object + "]";
  events::json_writer w;
  w.begin_array().begin_object();
  const auto& f = x.fields;
  if (f.supplier_name) {
    w.field("issuer", std::string_view{*f.supplier_name});
    w.field("partner_name", std::string_view{*f.supplier_name});
  }
  if (f.supplier_tax_id)
    w.field("vat", std::string_view{*f.supplier_tax_id});
  if (f.invoice_number)
    w.field("invoice_number", std::string_view{*f.invoice_number});
  if (f.issue_date)
    w.field("date", f.issue_date->to_string());
  if (f.due_date)
    w.field("date_due", f.due_date->to_string());
  if (f.total)
    w.key("amount").raw(float_text(*f.total));
  if (f.subtotal)
    w.key("amount_untaxed").raw(float_text(*f.subtotal));
  if (f.tax_total)
    w.key("amount_tax").raw(float_text(*f.tax_total));
  if (f.currency)
    w.field("currency", std::string_view{f.currency->code});
  if (!x.lines.empty()) {
    w.key("lines").begin_array();
    for (const auto& line : x.lines) {
      w.begin_object();
      w.field("name", std::string_view{line.description});
      w.key("qty").raw(float_text(line.quantity));
      w.key("price_unit").raw(float_text(line.unit_price));
      w.key("price_subtotal").raw(float_text(line.line_total));
      if (!line.unit.empty())
        w.field("uom", std::string_view{line.unit});
      w.end_object();
    }
    w.end_array();
  }
  if (f.supplier_name)
    w.field("desc", "Invoice from " + *f.supplier_name);
  w.end_object().end_array();
  return w.take();
}

} // namespace larder::extract
