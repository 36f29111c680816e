#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/invoice/invoice.hpp"
#include "actors/values/values.hpp"

/// What every extractor returns (DESIGN.md §9). Pure data: no I/O, no CAF.
/// The extraction process manager turns it into a `record_extraction` or a
/// `mark_not_an_invoice` command; `larder extract` prints it.
namespace larder::extract {

/// What the bytes of a document are, decided by sniffing, never by name.
enum class document_kind : std::uint8_t { pdf, jpeg, png, heic, xml };

/// One extraction of one document.
struct extraction {
  /// Header fields in the domain's types; amounts are signed (a credit note's
  /// total is negative).
  domain::invoice_fields fields;
  std::vector<values::line_item> lines;
  std::vector<values::tax_line> taxes;
  /// Field name (a member of `domain::invoice_field_names`, or "lines",
  /// "taxes") → confidence in [0, 1]. A field that is absent has no entry.
  std::map<std::string, double> confidence;
  /// The confidence of the whole extraction in [0, 1].
  double overall_confidence = 0;
  /// Which extractor answered: "ubl", "cii", "zugferd1", "template",
  /// "rules"; "ocr+" is prefixed when the text came from OCR.
  std::string provider;
  /// Which variant of it: the e-invoice profile id, the template's issuer,
  /// "en+fr" for OCR languages…
  std::string model;
  /// True for a credit note (UBL CreditNote, CII type code 381…).
  bool credit_note = false;
  /// Why this document is not an invoice; empty when it is one.
  std::string not_an_invoice;
  /// What checks found and repairs changed, one sentence each, for the
  /// reviewer ("line totals sum to 41.50 but subtotal says 45.10").
  std::vector<std::string> notes;
  /// The invoice2data view of a template extraction: one JSON object (not
  /// the array) whose keys are the template's own field names, exactly as
  /// invoice2data prints them. Empty for other extractors, which
  /// `to_invoice2data_json` maps from `fields` and `lines`.
  std::string invoice2data_object;
  /// The text that rules and templates read (PDF text layer or OCR);
  /// never stored in events, never logged.
  std::string text;
};

} // namespace larder::extract

namespace larder::extract {

/// The `record_extraction` command for `x`, made acceptable to the invoice
/// actor: texts without control characters and cut to the domain's limits,
/// lines that still fail `values::validate_line` dropped (with a note in
/// `notes` when given), confidences clamped to [0, 1] and kept only for
/// known fields.
domain::record_extraction to_record(const extraction& x,
                                    std::vector<std::string>* notes = nullptr);

/// larder's own JSON for an extraction, what `larder extract` prints and
/// what the extraction worker sends back: `{"extraction": <the payload
/// of the ExtractionSucceeded event it becomes>, "credit_note",
/// "not_an_invoice", "notes", "text_chars"}`.
std::string to_json(const extraction& x, std::int64_t duration_ms = 0);

/// Reads `to_json`'s output back; `invalid_argument` for anything else.
expected<extraction> extraction_from_json(std::string_view json);

/// `{"error": {"code", "message"}}`: how `larder extract --format larder`
/// says it could not read a document.
std::string error_json(const larder::error& err);

/// Reads `error_json`'s output; nothing for anything else.
std::optional<larder::error> error_from_json(std::string_view json);

} // namespace larder::extract
