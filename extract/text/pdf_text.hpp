#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"

/// The text layer of a PDF as invoice2data templates expect it: the
/// physical layout of `pdftotext -layout` (columns kept apart by spaces,
/// one text line per line), read with poppler-cpp in memory. Poppler's own
/// diagnostics are silenced: documents come from senders, not operators.
namespace larder::extract {

/// The text of each page in physical layout, without the form feed that
/// ends a page. `invalid_argument` when the bytes are not a PDF poppler can
/// open (truncated, damaged beyond repair) or when it is encrypted with a
/// password. A page without a text layer (a scan) gives an empty string.
expected<std::vector<std::string>> pdf_page_texts(std::string_view pdf_bytes);

/// All pages as `pdftotext -layout` prints them: each page followed by a
/// form feed. Empty when no page has a text layer, so the caller knows to
/// run OCR.
expected<std::string> pdf_text(std::string_view pdf_bytes);

} // namespace larder::extract
