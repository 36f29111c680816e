#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "extract/extraction.hpp"

/// The XML inside hybrid PDFs (PDF/A-3 with an attached e-invoice:
/// Factur-X, ZUGFeRD 1 and 2, XRechnung). Pure: reads the bytes it is
/// given, writes nothing, prints nothing.
namespace larder::extract {

/// One e-invoice attached to a PDF: its attachment name as the PDF spells
/// it (may be empty or odd, e.g. a UTF-16 string) and its bytes exactly.
struct embedded_xml {
  std::string name;
  std::string xml;

  friend bool operator==(const embedded_xml&, const embedded_xml&) = default;
};

/// The attachments of `pdf_bytes` whose bytes are an e-invoice (by root
/// element and namespace, whatever their names), best first: CII
/// (Factur-X, ZUGFeRD 2, XRechnung CII) before UBL before ZUGFeRD 1, in
/// attachment order within each. Other attachments (PDFs, images,
/// non-invoice XML) are skipped. A PDF without any gives an empty vector;
/// one poppler cannot open gives `invalid_argument` "the PDF is damaged or
/// truncated", a password-protected one `invalid_argument` too.
expected<std::vector<embedded_xml>>
embedded_invoice_xml(std::string_view pdf_bytes);

/// `read_einvoice` over the preferred attachment of `pdf_bytes`; the
/// extraction's notes name the attachment read. `not_found` when the PDF
/// carries no e-invoice, otherwise the errors of `embedded_invoice_xml` and
/// `read_einvoice`.
expected<extraction> read_pdf_einvoice(std::string_view pdf_bytes);

} // namespace larder::extract
