#pragma once

#include <string>
#include <string_view>

#include "extract/extraction.hpp"
#include "extract/rules/dates.hpp"

namespace larder::extract {

/// What the general rules know about the tenant before reading.
struct rules_context {
  /// The tenant's region ("CA-QC", "GB", "US-NY").
  std::string region;
  /// The tenant's currency; a bare "$" is read as it when it is a dollar.
  std::string currency;
  /// How to read 03/04/2025; `rules_context_for` picks mdy for US regions.
  date_order numeric = date_order::dmy;
};

/// The context for a tenant: mdy dates in US regions, dmy elsewhere.
rules_context rules_context_for(std::string_view region,
                                std::string_view currency);

/// Reads an invoice from plain text (pdftotext -layout or OCR output,
/// columns separated by runs of spaces) with label and layout heuristics in
/// English and French (and the common German, Dutch and Polish labels):
/// supplier, tax id, number, dates, currency, subtotal, taxes, total, terms,
/// purchase order and line items. Provider "rules"; each found field gets a
/// confidence (labelled values higher than guesses); a field it cannot find
/// stays empty. A credit note's amounts come out negative. Arithmetic
/// checks, defaults and the not-an-invoice verdict are `post_process`'s.
extraction read_by_rules(std::string_view text, const rules_context& context);

} // namespace larder::extract
