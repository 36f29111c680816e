#include "bench/support/invoice_load.hpp"

namespace larder::bench {

namespace {

values::decimal dec(const char* text) {
  return *values::decimal::parse(text);
}

} // namespace

std::vector<domain::invoice_command> invoice_lifecycle(const events::uuid& id,
                                                       int i) {
  domain::receive_document receive;
  receive.invoice_id = id;
  receive.source = domain::document_source::upload;
  receive.file_name = "facture-" + std::to_string(i) + ".pdf";
  receive.media_type = "application/pdf";
  receive.size_bytes = 48213;
  receive.sha256 = std::string(64, 'a');
  receive.sender = "orders@fromagerie.example";
  domain::record_extraction found;
  found.fields.supplier_name = "Fromagerie du Village Ltée";
  found.fields.invoice_number = "F-2026-" + std::to_string(i);
  found.fields.issue_date = values::date{2026, 11, 2};
  found.fields.due_date = values::date{2026, 12, 2};
  found.fields.currency = *values::currency::parse("CAD");
  found.fields.subtotal = dec("241.38");
  found.fields.tax_total = dec("36.15");
  found.fields.total = dec("277.53");
  found.lines = {
    {"Beurre doux 454 g", dec("12"), "ea", dec("6.49"), dec("77.88"), "GST+QST",
     std::nullopt, false},
    {"Crème 35% 2 L", dec("6"), "ea", dec("11.25"), dec("67.5"), "GST+QST",
     std::nullopt, false},
    {"Gruyère AOP", dec("2.5"), "kg", dec("38.4"), dec("96"), "GST+QST",
     std::string{"dairy"}, false},
  };
  found.taxes = {{values::tax_kind::gst, dec("5"), dec("12.07")},
                 {values::tax_kind::qst, dec("9.975"), dec("24.08")}};
  found.overall_confidence = dec("0.97");
  found.provider = "pdf_text";
  found.model = "template:fromagerie";
  found.duration_ms = 41;
  return {receive, domain::start_extraction{}, found, domain::approve{}};
}

} // namespace larder::bench
