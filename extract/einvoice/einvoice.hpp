#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "events/error.hpp"
#include "extract/extraction.hpp"

/// Exact reading of structured e-invoices (DESIGN.md §9, the first
/// extractor tried): UBL 2.1 `Invoice` and `CreditNote` (Peppol BIS 3,
/// XRechnung UBL), UN/CEFACT CII `CrossIndustryInvoice` (Factur-X and
/// ZUGFeRD 2.x in every profile, XRechnung CII) and ZUGFeRD 1.0
/// `CrossIndustryDocument`. Pure: no I/O, no network, nothing logged.
namespace larder::extract {

/// The syntaxes `read_einvoice` understands, told apart by root element and
/// namespace.
enum class einvoice_syntax : std::uint8_t { ubl, cii, zugferd1 };

/// The provider name an extraction from `syntax` carries: "ubl", "cii",
/// "zugferd1".
std::string_view to_string(einvoice_syntax syntax) noexcept;

/// The syntax of `xml` when it parses (safely, as `read_einvoice` does) and
/// its root is an e-invoice root; nothing otherwise.
std::optional<einvoice_syntax> sniff_einvoice(std::string_view xml);

/// Reads one e-invoice. Every field the document carries gets confidence
/// 1.0, and the extraction 1.0 overall: the values are the issuer's own.
///
/// - supplier: the seller's legal (else trading) name; its VAT id, else its
///   tax registration id;
/// - subtotal: the tax-exclusive amount (CII: tax basis total); tax_total:
///   the VAT total in the document currency; total: the amount due for
///   payment (UBL PayableAmount, CII DuePayableAmount), the grand total
///   only when that is missing;
/// - purchase_order: the order reference, else the buyer reference;
/// - lines: item name, quantity, short unit (C62 → "ea", KGM → "kg"…), unit
///   price (net price ÷ base quantity), line total; profiles without lines
///   (Factur-X MINIMUM, BASIC WL) give none, for the caller to fill;
/// - taxes: one line per category and rate, kind vat for VAT;
/// - a credit note (UBL CreditNote, type codes 381, 396…) sets
///   `credit_note` and its positive amounts are negated, quantities too, so
///   that it reduces what is owed;
/// - amounts with more than four decimals are rounded half to even; values
///   that cannot be read are left out, each with a note.
///
/// Errors (`invalid_argument`): more than 20 MiB, "the XML is not
/// well-formed (line N)", a document type declaration (refused unread, which
/// is what keeps entity expansion and external entities out), "the XML is
/// not a UBL or CII invoice".
expected<extraction> read_einvoice(std::string_view xml);

} // namespace larder::extract
