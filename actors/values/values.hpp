#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "events/json_writer.hpp"

namespace simdjson::dom {
class element;
} // namespace simdjson::dom

/// The typed values of larder's domain, validated where they enter it.
/// Pure: no CAF, no I/O. Money is never a binary float (DESIGN.md
/// invariant 9); this header is the one place that says how it rounds.
namespace larder::values {

/// A signed fixed-point number with exactly four decimal places: quantities,
/// unit prices, rates and amounts alike. Arithmetic is exact where it can be
/// and rounds half to even (banker's rounding) to four places where it
/// cannot (products, quotients); amounts are rounded to their currency's
/// precision with `round`. The range is about ±9.2e14.
///
/// Overflow is never undefined behaviour. `parse` refuses magnitudes above
/// 1e12, so a sum of up to 900 parsed values cannot leave the range; a
/// product of two parsed values can (1e12 × 1e12), which is why code that
/// multiplies or divides untrusted values uses `checked_multiply` and
/// `checked_divide`, and code that adds unbounded counts of them
/// `checked_add`. The plain operators compute in wider integers and wrap
/// modulo 2^64 when the result does not fit: defined, but wrong, so they are
/// for operands whose range the caller knows.
class decimal {
 public:
  static constexpr int places = 4;
  static constexpr std::int64_t one = 10000;
  /// The largest magnitude `parse` accepts, in units: 1e12.
  static constexpr std::int64_t max_parsed_units = 1'000'000'000'000 * one;

  constexpr decimal() = default;

  /// The number `units` / 10^4.
  static constexpr decimal from_units(std::int64_t units) {
    decimal d;
    d.units_ = units;
    return d;
  }

  /// The number `whole`; wraps beyond ±9.2e14 (see above).
  static constexpr decimal from_int(std::int64_t whole) {
    return from_units(wrap(bits(whole) * bits(one)));
  }

  /// Parses a plain decimal string: optional '-', digits, optional '.' and
  /// at most four digits ("12", "-0.5", "1234.5678"). No exponent, no '+',
  /// no spaces, no thousands separators, no more than 4 places (refused, not
  /// rounded), nothing above 1e12 in magnitude. Leading zeros are accepted
  /// ("007.5"); a bare point is not (".5", "5."); "-0" is zero.
  /// `invalid_argument` says what is wrong.
  static expected<decimal> parse(std::string_view text);

  constexpr std::int64_t units() const {
    return units_;
  }

  /// Rounds half to even to `digits` places (0..4; other values are clamped
  /// into that range).
  decimal round(int digits) const;

  /// The shortest plain form: "12.5", "-3", "0.0001" (no trailing zeros,
  /// no exponent). This is the form stored in events.
  std::string to_string() const;

  /// Exactly `digits` places (0..4, clamped), rounding half to even:
  /// "12.50".
  std::string to_string(int digits) const;

  decimal operator-() const {
    return from_units(wrap(0 - bits(units_)));
  }
  friend decimal operator+(decimal a, decimal b) {
    return from_units(wrap(bits(a.units_) + bits(b.units_)));
  }
  friend decimal operator-(decimal a, decimal b) {
    return from_units(wrap(bits(a.units_) - bits(b.units_)));
  }
  /// The product rounded half to even to four places; wraps when it does not
  /// fit (see above).
  friend decimal operator*(decimal a, decimal b);
  /// `a / b` rounded half to even to four places; wraps when it does not fit.
  /// `b` must not be zero: a zero divisor yields zero rather than a trap, so
  /// callers with untrusted divisors use `checked_divide`.
  static decimal divide(decimal a, decimal b);

  /// `a + b`, or `invalid_argument` when the sum leaves the range.
  static expected<decimal> checked_add(decimal a, decimal b);
  /// `a - b`, or `invalid_argument` when the difference leaves the range.
  static expected<decimal> checked_subtract(decimal a, decimal b);
  /// `a * b` as `operator*` rounds it, or `invalid_argument` when it leaves
  /// the range.
  static expected<decimal> checked_multiply(decimal a, decimal b);
  /// `a / b` as `divide` rounds it, or `invalid_argument` when `b` is zero or
  /// the quotient leaves the range.
  static expected<decimal> checked_divide(decimal a, decimal b);

  decimal abs() const {
    return units_ < 0 ? -*this : *this;
  }

  friend constexpr auto operator<=>(decimal, decimal) = default;

 private:
  /// Signed overflow is undefined, unsigned is modular, and C++20 defines
  /// the conversion back as two's complement: the plain operators go
  /// through these so that overflow wraps instead of being undefined.
  static constexpr std::uint64_t bits(std::int64_t v) {
    return static_cast<std::uint64_t>(v);
  }
  static constexpr std::int64_t wrap(std::uint64_t v) {
    return static_cast<std::int64_t>(v);
  }

  std::int64_t units_ = 0;
};

/// An ISO 4217 currency with its number of minor-unit digits (CAD 2,
/// JPY 0, BHD 3).
struct currency {
  std::string code;
  int minor_units = 2;

  /// Accepts active ISO 4217 alphabetic codes only (upper case).
  static expected<currency> parse(std::string_view code);

  friend bool operator==(const currency&, const currency&) = default;
};

/// A calendar date (proleptic Gregorian), as invoices carry them.
struct date {
  int year = 1970;
  int month = 1;
  int day = 1;

  /// Parses ISO 8601 YYYY-MM-DD, years 1900..2199, real calendar days only.
  static expected<date> parse(std::string_view text);

  std::string to_string() const;

  /// `days` days later (or earlier when negative); the result may lie outside
  /// the years `parse` accepts.
  date plus_days(int days) const;

  /// Days from `other` to this date.
  int days_since(const date& other) const;

  friend auto operator<=>(const date&, const date&) = default;
};

/// Kinds of tax that appear on Canadian, UK and US invoices.
enum class tax_kind : std::uint8_t {
  gst,
  hst,
  pst,
  qst,
  vat,
  sales_tax,
  other
};

std::string_view to_string(tax_kind kind) noexcept;
std::optional<tax_kind> parse_tax_kind(std::string_view text) noexcept;

/// One tax line of an invoice: kind, rate in percent (e.g. 9.975) and the
/// amount charged in the invoice currency.
struct tax_line {
  tax_kind kind = tax_kind::other;
  decimal rate_percent;
  decimal amount;

  friend bool operator==(const tax_line&, const tax_line&) = default;
};

/// Limits for line items; a request beyond them is refused.
inline constexpr std::size_t max_description_chars = 500;
inline constexpr std::size_t max_unit_chars = 20;
inline constexpr std::size_t max_tax_code_chars = 20;
inline constexpr std::size_t max_category_chars = 100;
inline constexpr std::size_t max_lines_per_invoice = 1000;
inline constexpr std::size_t max_tax_lines_per_invoice = 100;

/// One line of an invoice.
struct line_item {
  std::string description;
  decimal quantity;
  /// "ea", "kg", "L", "case"…; may be empty.
  std::string unit;
  decimal unit_price;
  decimal line_total;
  std::string tax_code;
  std::optional<std::string> category;
  /// Set by validation when the exact quantity × unit price differs from
  /// line_total by more than one cent: kept (invoices are what they are) but
  /// flagged.
  bool total_mismatch = false;

  friend bool operator==(const line_item&, const line_item&) = default;
};

/// Checks one line: description 1..500 characters (code points) of valid
/// UTF-8 without control characters (C0, DEL and C1; tabs and newlines
/// included), unit/tax code/category within their limits and held to the
/// same text rules, quantity, unit price and total within the range `parse`
/// accepts (so encoded lines always decode), and sets `total_mismatch`.
/// Quantity, unit price and total may have any sign: credit notes and
/// returns carry negative ones. Errors name the field.
expected<line_item> validate_line(line_item line);

/// Reads a JSON array of line objects with exactly the members
/// description, quantity, unit, unit_price, line_total, tax_code and
/// optional category (numbers as decimal strings; a null category is
/// absent) and optional total_mismatch (recomputed, never trusted); unknown,
/// duplicate or missing members, wrong types and more than
/// `max_lines_per_invoice` lines are refused, with the line number (1 for
/// the first) and field in the message: "line 3: unknown field 'price'".
/// Each line goes through `validate_line`.
expected<std::vector<line_item>>
decode_lines(const simdjson::dom::element& array);

/// Writes lines in the form `decode_lines` reads (total_mismatch included).
/// The lines must have passed `validate_line` (their text is valid UTF-8).
void encode_lines(events::json_writer& w, const std::vector<line_item>& lines);

/// Reads a JSON array of at most `max_tax_lines_per_invoice`
/// {kind, rate_percent, amount} tax lines, all members required, the
/// numbers as decimal strings, the rate between 0 and 100; messages say
/// "tax 2: ..." like those of `decode_lines`.
expected<std::vector<tax_line>>
decode_taxes(const simdjson::dom::element& array);

void encode_taxes(events::json_writer& w, const std::vector<tax_line>& taxes);

/// Normalizes an email address for identity: trims, lower-cases the whole
/// address, refuses anything that is not local@domain with a dot in the
/// domain, longer than 254 characters, or with spaces or control characters.
/// Only ASCII letters are lower-cased; other text must be valid UTF-8 and is
/// kept as it is.
expected<std::string> normalize_email(std::string_view text);

/// Checks an E.164 phone number: '+', then 8 to 15 digits, first digit not 0.
/// Accepts and strips a leading "whatsapp:" prefix.
expected<std::string> normalize_e164(std::string_view text);

} // namespace larder::values
