#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/values/values.hpp"

/// The value formats and code lists e-invoices share (XML Schema decimals
/// and dates, UN/CEFACT date format 102, UN/ECE Recommendation 20 units,
/// UNTDID 1001 document types).
namespace larder::extract::einvoice::detail {

/// Reads an xsd:decimal ("12", "-0.5", "+3.", ".25", "1.23456"), rounding
/// half to even to four places; nothing for anything else (exponents,
/// commas, magnitudes above 1e12).
std::optional<values::decimal> parse_amount(std::string_view text);

/// True when `text` is a decimal with non-zero digits beyond the fourth
/// place, which `parse_amount` rounds away.
bool loses_places(std::string_view text) noexcept;

/// Reads an xsd:date ("2024-03-01", with an optional time zone suffix).
std::optional<values::date> parse_iso_date(std::string_view text);

/// Reads a UN/CEFACT DateTimeString in `format` (only "102", CCYYMMDD, is a
/// day; an empty format is read as 102 or ISO, whichever matches).
std::optional<values::date> parse_cefact_date(std::string_view text,
                                              std::string_view format);

/// The short unit larder shows for a UN/ECE Recommendation 20 (or 21) code:
/// C62/H87/EA/XPP → "ea", KGM → "kg", LTR → "L"…; an unknown code is kept
/// as it is, an empty one stays empty.
std::string unit_from_code(std::string_view code);

/// True for the UNTDID 1001 document types that are credit notes (381,
/// 396, 81, 83, 261, 262, 296, 308, 420, 458, 532).
bool is_credit_note_type(std::string_view code) noexcept;

} // namespace larder::extract::einvoice::detail
