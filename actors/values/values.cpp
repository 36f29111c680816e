#include "actors/values/values.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>

#include <simdjson.h>

#include "actors/values/text.hpp"

namespace larder::values {

namespace {

using i128 = __int128;

constexpr std::array<std::int64_t, 5> pow10 = {1, 10, 100, 1000, 10000};

constexpr bool fits_int64(i128 v) {
  return v >= std::numeric_limits<std::int64_t>::min()
         && v <= std::numeric_limits<std::int64_t>::max();
}

/// `n / d` rounded half to even; `d` is not zero. Every caller passes
/// operands whose quotient and twice whose remainder fit in 128 bits, so
/// nothing here can overflow.
constexpr i128 divide_half_even(i128 n, i128 d) {
  i128 q = n / d;
  i128 r = n % d;
  if (r != 0) {
    i128 twice_r = r < 0 ? -2 * r : 2 * r;
    i128 abs_d = d < 0 ? -d : d;
    if (twice_r > abs_d || (twice_r == abs_d && q % 2 != 0))
      q += (n < 0) != (d < 0) ? -1 : 1;
  }
  return q;
}

/// Rounds `units` to `digits` places, still in units. In 128 bits because
/// rounding a value near the int64 limits away from zero can step past them.
constexpr i128 rounded_units(std::int64_t units, int digits) {
  digits = std::clamp(digits, 0, decimal::places);
  std::int64_t step = pow10[static_cast<std::size_t>(decimal::places - digits)];
  return divide_half_even(units, step) * step;
}

/// The two's-complement value of `v` modulo 2^64; the plain operators'
/// documented behaviour when a result leaves the range.
constexpr std::int64_t wrap128(i128 v) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(v));
}

constexpr i128 product_units(decimal a, decimal b) {
  return divide_half_even(static_cast<i128>(a.units()) * b.units(),
                          decimal::one);
}

constexpr i128 quotient_units(decimal a, decimal b) {
  return divide_half_even(static_cast<i128>(a.units()) * decimal::one,
                          b.units());
}

/// Why a decimal string was refused, phrased to follow the field's name.
constexpr std::string_view not_plain_reason =
  "is not a plain decimal number (digits with an optional '-' and '.')";
constexpr std::string_view out_of_range_reason =
  "is out of range (more than 1e12 in magnitude)";

/// Parses `text` into units, or says why not. Kept apart from
/// `decimal::parse` so that line decoding can put the field's name in front
/// of the reason.
std::string_view parse_units(std::string_view text, std::int64_t& units) {
  if (text.empty())
    return "is empty";
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    ++i;
  }
  auto is_digit = [](char c) {
    return c >= '0' && c <= '9';
  };
  constexpr std::uint64_t max_whole = decimal::max_parsed_units / decimal::one;
  std::uint64_t whole = 0;
  bool too_big = false;
  std::size_t start = i;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (!too_big) {
      whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
      too_big = whole > max_whole;
    }
  }
  if (i == start)
    return not_plain_reason;
  std::uint64_t fraction = 0;
  std::size_t fraction_digits = 0;
  if (i < text.size() && text[i] == '.') {
    start = ++i;
    for (; i < text.size() && is_digit(text[i]); ++i, ++fraction_digits) {
      if (fraction_digits < decimal::places)
        fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (i == start)
      return not_plain_reason;
  }
  if (i != text.size())
    return not_plain_reason;
  if (fraction_digits > decimal::places)
    return "has more than 4 decimal places";
  if (too_big)
    return out_of_range_reason;
  fraction *= static_cast<std::uint64_t>(
    pow10[static_cast<std::size_t>(decimal::places) - fraction_digits]);
  std::uint64_t magnitude = whole * decimal::one + fraction;
  if (magnitude > static_cast<std::uint64_t>(decimal::max_parsed_units))
    return out_of_range_reason;
  units = negative ? -static_cast<std::int64_t>(magnitude)
                   : static_cast<std::int64_t>(magnitude);
  return {};
}

/// Prints a rounded units value with exactly `digits` places.
std::string format_units(i128 units, int digits) {
  bool negative = units < 0;
  auto magnitude = static_cast<unsigned __int128>(negative ? -units : units);
  auto whole = static_cast<unsigned long long>(magnitude / decimal::one);
  auto fraction = static_cast<unsigned>(magnitude % decimal::one);
  std::string out = negative ? "-" : "";
  out += std::to_string(whole);
  if (digits > 0) {
    std::string frac = std::to_string(fraction + decimal::one).substr(1);
    out += '.';
    out.append(frac, 0, static_cast<std::size_t>(digits));
  }
  return out;
}

} // namespace

expected<decimal> decimal::parse(std::string_view text) {
  std::int64_t units = 0;
  if (auto reason = parse_units(text, units); !reason.empty())
    return make_error(errc::invalid_argument, "value " + std::string{reason});
  return from_units(units);
}

decimal decimal::round(int digits) const {
  return from_units(wrap128(rounded_units(units_, digits)));
}

std::string decimal::to_string() const {
  std::string out = format_units(units_, places);
  if (units_ % one == 0)
    return out.substr(0, out.size() - places - 1);
  while (out.back() == '0')
    out.pop_back();
  return out;
}

std::string decimal::to_string(int digits) const {
  digits = std::clamp(digits, 0, places);
  return format_units(rounded_units(units_, digits), digits);
}

decimal operator*(decimal a, decimal b) {
  return decimal::from_units(wrap128(product_units(a, b)));
}

decimal decimal::divide(decimal a, decimal b) {
  if (b.units_ == 0)
    return {};
  return from_units(wrap128(quotient_units(a, b)));
}

expected<decimal> decimal::checked_add(decimal a, decimal b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a.units_, b.units_, &sum))
    return make_error(errc::invalid_argument, "sum is out of range");
  return from_units(sum);
}

expected<decimal> decimal::checked_subtract(decimal a, decimal b) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a.units_, b.units_, &difference))
    return make_error(errc::invalid_argument, "difference is out of range");
  return from_units(difference);
}

expected<decimal> decimal::checked_multiply(decimal a, decimal b) {
  i128 units = product_units(a, b);
  if (!fits_int64(units))
    return make_error(errc::invalid_argument, "product is out of range");
  return from_units(static_cast<std::int64_t>(units));
}

expected<decimal> decimal::checked_divide(decimal a, decimal b) {
  if (b.units_ == 0)
    return make_error(errc::invalid_argument, "division by zero");
  i128 units = quotient_units(a, b);
  if (!fits_int64(units))
    return make_error(errc::invalid_argument, "quotient is out of range");
  return from_units(static_cast<std::int64_t>(units));
}

// -- currency -----------------------------------------------------------------

namespace {

struct currency_entry {
  std::string_view code;
  int minor_units;
};

/// Active ISO 4217 alphabetic codes and their minor units, sorted by code.
/// Left out on purpose: codes withdrawn by late 2026 (HRK 2023, ZWL 2024,
/// SLL, ANG replaced by XCG in 2025, BGN replaced by EUR in 2026) and the
/// codes without minor units that no invoice is written in (precious
/// metals XAU/XAG/XPD/XPT, bond units XBA..XBD, XDR, XSU, XUA, XTS, XXX).
/// Fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are kept: Chilean
/// invoices are written in CLF, for one.
constexpr std::array<currency_entry, 165> currencies = {{
  {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2}, {"ARS", 2},
  {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2},
  {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2},
  {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2},
  {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
  {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUC", 2},
  {"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2},
  {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2}, {"FJD", 2},
  {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2},
  {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2},
  {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2},
  {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KGS", 2},
  {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2},
  {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2},
  {"LYD", 3}, {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2},
  {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2},
  {"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2},
  {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2},
  {"PEN", 2}, {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0},
  {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2},
  {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2},
  {"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2},
  {"SYP", 2}, {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3},
  {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2}, {"UAH", 2},
  {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4},
  {"UZS", 2}, {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2},
  {"XAF", 0}, {"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0}, {"YER", 2},
  {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
}};

static_assert(std::is_sorted(currencies.begin(), currencies.end(),
                             [](const currency_entry& a,
                                const currency_entry& b) {
                               return a.code < b.code;
                             }),
              "the currency table is searched by bisection");

} // namespace

expected<currency> currency::parse(std::string_view code) {
  bool shaped =
    code.size() == 3 && std::all_of(code.begin(), code.end(), [](char c) {
      return c >= 'A' && c <= 'Z';
    });
  if (!shaped)
    return make_error(errc::invalid_argument,
                      "currency code must be three upper-case letters");
  auto it = std::lower_bound(currencies.begin(), currencies.end(), code,
                             [](const currency_entry& e, std::string_view c) {
                               return e.code < c;
                             });
  if (it == currencies.end() || it->code != code)
    return make_error(errc::invalid_argument,
                      "currency code '" + std::string{code}
                        + "' is not an active ISO 4217 currency");
  return currency{std::string{code}, it->minor_units};
}

// -- date ---------------------------------------------------------------------

namespace {

std::chrono::sys_days to_sys_days(const date& d) {
  return std::chrono::year_month_day{
    std::chrono::year{d.year},
    std::chrono::month{static_cast<unsigned>(d.month)},
    std::chrono::day{static_cast<unsigned>(d.day)}};
}

/// `v` in at least `width` digits, zero-padded after any sign.
std::string padded(int v, std::size_t width) {
  std::string digits = std::to_string(v < 0 ? -static_cast<long long>(v) : v);
  if (digits.size() < width)
    digits.insert(0, width - digits.size(), '0');
  return v < 0 ? "-" + digits : digits;
}

} // namespace

expected<date> date::parse(std::string_view text) {
  auto digit = [&](std::size_t i) {
    return text[i] >= '0' && text[i] <= '9';
  };
  bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-';
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    shaped = shaped && digit(i);
  if (!shaped)
    return make_error(errc::invalid_argument, "date must be YYYY-MM-DD");
  auto number = [&](std::size_t from, std::size_t count) {
    int v = 0;
    for (std::size_t i = from; i < from + count; ++i)
      v = v * 10 + (text[i] - '0');
    return v;
  };
  date d{number(0, 4), number(5, 2), number(8, 2)};
  if (d.year < 1900 || d.year > 2199)
    return make_error(errc::invalid_argument,
                      "date year must be between 1900 and 2199");
  std::chrono::year_month_day ymd{
    std::chrono::year{d.year},
    std::chrono::month{static_cast<unsigned>(d.month)},
    std::chrono::day{static_cast<unsigned>(d.day)}};
  if (!ymd.ok())
    return make_error(errc::invalid_argument,
                      "date " + std::string{text} + " is not a calendar day");
  return d;
}

std::string date::to_string() const {
  return padded(year, 4) + '-' + padded(month, 2) + '-' + padded(day, 2);
}

date date::plus_days(int days) const {
  std::chrono::year_month_day ymd{to_sys_days(*this) + std::chrono::days{days}};
  return date{static_cast<int>(ymd.year()),
              static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

int date::days_since(const date& other) const {
  return static_cast<int>((to_sys_days(*this) - to_sys_days(other)).count());
}

// -- tax kinds ----------------------------------------------------------------

namespace {

constexpr std::array<std::pair<tax_kind, std::string_view>, 7> tax_kinds = {{
  {tax_kind::gst, "gst"},
  {tax_kind::hst, "hst"},
  {tax_kind::pst, "pst"},
  {tax_kind::qst, "qst"},
  {tax_kind::vat, "vat"},
  {tax_kind::sales_tax, "sales_tax"},
  {tax_kind::other, "other"},
}};

} // namespace

std::string_view to_string(tax_kind kind) noexcept {
  for (const auto& [k, name] : tax_kinds)
    if (k == kind)
      return name;
  return "other";
}

std::optional<tax_kind> parse_tax_kind(std::string_view text) noexcept {
  for (const auto& [k, name] : tax_kinds)
    if (name == text)
      return k;
  return std::nullopt;
}

// -- text ---------------------------------------------------------------------

namespace {

/// `name` quoted for a message, cut to 40 code points so that a hostile
/// member name cannot blow up the error. `name` is valid UTF-8.
std::string quoted(std::string_view name) {
  constexpr std::size_t max_chars = 40;
  std::size_t chars = 0;
  std::size_t i = 0;
  for (; i < name.size(); ++i) {
    bool lead = (static_cast<unsigned char>(name[i]) & 0xC0u) != 0x80u;
    if (lead && chars++ == max_chars)
      break;
  }
  // Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) about
  // `"'" + std::string{...}`.
  std::string out = "'";
  out.append(name.substr(0, i));
  out.append(i < name.size() ? "…'" : "'");
  return out;
}

} // namespace

// -- lines --------------------------------------------------------------------

expected<line_item> validate_line(line_item line) {
  if (auto e =
        check_text("description", line.description, 1, max_description_chars))
    return *std::move(e);
  if (auto e = check_text("unit", line.unit, 0, max_unit_chars))
    return *std::move(e);
  if (auto e = check_text("tax_code", line.tax_code, 0, max_tax_code_chars))
    return *std::move(e);
  if (line.category)
    if (auto e = check_text("category", *line.category, 0, max_category_chars))
      return *std::move(e);
  // Held to what `decimal::parse` accepts, so that whatever `encode_lines`
  // writes, `decode_lines` reads back.
  for (auto [field, value] : {std::pair{"quantity", line.quantity},
                              std::pair{"unit_price", line.unit_price},
                              std::pair{"line_total", line.line_total}})
    if (value.abs() > decimal::from_units(decimal::max_parsed_units))
      return make_error(errc::invalid_argument,
                        std::string{field} + " "
                          + std::string{out_of_range_reason});
  // Compared exactly in 1e-8 units, so neither rounding nor overflow of the
  // product can hide or invent a mismatch.
  i128 product =
    static_cast<i128>(line.quantity.units()) * line.unit_price.units();
  i128 total = static_cast<i128>(line.line_total.units()) * decimal::one;
  i128 difference = product - total;
  if (difference < 0)
    difference = -difference;
  constexpr i128 one_cent =
    static_cast<i128>(decimal::one) * decimal::one / 100;
  line.total_mismatch = difference > one_cent;
  return line;
}

namespace {

/// The members of a line object, each a bit in a set of those seen.
enum line_field : unsigned {
  f_description = 1u << 0,
  f_quantity = 1u << 1,
  f_unit = 1u << 2,
  f_unit_price = 1u << 3,
  f_line_total = 1u << 4,
  f_tax_code = 1u << 5,
  f_category = 1u << 6,
  f_total_mismatch = 1u << 7,
};

constexpr std::array<std::pair<std::string_view, unsigned>, 8> line_fields = {{
  {"description", f_description},
  {"quantity", f_quantity},
  {"unit", f_unit},
  {"unit_price", f_unit_price},
  {"line_total", f_line_total},
  {"tax_code", f_tax_code},
  {"category", f_category},
  {"total_mismatch", f_total_mismatch},
}};

constexpr unsigned required_line_fields = f_description | f_quantity | f_unit
                                          | f_unit_price | f_line_total
                                          | f_tax_code;

/// Reads a string member; the message names the field.
std::optional<std::string> read_string(const simdjson::dom::element& value,
                                       std::string_view field,
                                       std::string& out) {
  std::string_view text;
  if (value.get(text))
    return std::string{field} + " must be a string";
  out = text;
  return std::nullopt;
}

/// Reads a decimal member; the message names the field.
std::optional<std::string> read_decimal(const simdjson::dom::element& value,
                                        std::string_view field, decimal& out) {
  std::string_view text;
  if (value.get(text))
    return std::string{field} + " must be a decimal string";
  std::int64_t units = 0;
  if (auto reason = parse_units(text, units); !reason.empty())
    return std::string{field} + " " + std::string{reason};
  out = decimal::from_units(units);
  return std::nullopt;
}

/// Reads the members of an object whose member names are `fields`, each a
/// bit: unknown and duplicate members and missing `required` ones are
/// refused, and `read(bit, value)` reads each member, returning a message
/// when it refuses it.
template <std::size_t N, class Read>
std::optional<std::string>
read_members(const simdjson::dom::element& element,
             const std::array<std::pair<std::string_view, unsigned>, N>& fields,
             unsigned required, Read read) {
  simdjson::dom::object object;
  if (element.get(object))
    return std::string{"must be an object"};
  unsigned seen = 0;
  for (simdjson::dom::key_value_pair member : object) {
    auto known = std::find_if(fields.begin(), fields.end(), [&](const auto& f) {
      return f.first == member.key;
    });
    if (known == fields.end())
      return "unknown field " + quoted(member.key);
    if ((seen & known->second) != 0)
      return "duplicate field " + quoted(member.key);
    seen |= known->second;
    if (auto fault = read(known->second, member.value))
      return fault;
  }
  for (const auto& [name, bit] : fields)
    if ((required & bit) != 0 && (seen & bit) == 0)
      return "missing field '" + std::string{name} + "'";
  return std::nullopt;
}

/// Reads one line object without validating its values; a message on
/// failure.
std::optional<std::string> read_line(const simdjson::dom::element& element,
                                     line_item& line) {
  return read_members(
    element, line_fields, required_line_fields,
    [&](unsigned field,
        const simdjson::dom::element& value) -> std::optional<std::string> {
      std::string_view text;
      switch (field) {
        case f_description:
          return read_string(value, "description", line.description);
        case f_unit: return read_string(value, "unit", line.unit);
        case f_tax_code: return read_string(value, "tax_code", line.tax_code);
        case f_category:
          if (value.is_null())
            line.category.reset();
          else if (value.get(text))
            return std::string{"category must be a string or null"};
          else
            line.category = std::string{text};
          break;
        case f_quantity: return read_decimal(value, "quantity", line.quantity);
        case f_unit_price:
          return read_decimal(value, "unit_price", line.unit_price);
        case f_line_total:
          return read_decimal(value, "line_total", line.line_total);
        case f_total_mismatch: {
          bool flag = false;
          if (value.get(flag))
            return std::string{"total_mismatch must be true or false"};
          break;
        }
      }
      return std::nullopt;
    });
}

error numbered(std::string_view what, std::size_t index, std::string_view msg) {
  return make_error(errc::invalid_argument, std::string{what} + " "
                                              + std::to_string(index + 1) + ": "
                                              + std::string{msg});
}

} // namespace

expected<std::vector<line_item>>
decode_lines(const simdjson::dom::element& array) {
  simdjson::dom::array items;
  if (array.get(items))
    return make_error(errc::invalid_argument, "lines must be a JSON array");
  if (items.size() > max_lines_per_invoice)
    return make_error(errc::invalid_argument,
                      "an invoice has at most "
                        + std::to_string(max_lines_per_invoice) + " lines");
  std::vector<line_item> lines;
  lines.reserve(items.size());
  for (simdjson::dom::element item : items) {
    std::size_t index = lines.size();
    line_item line;
    if (auto fault = read_line(item, line))
      return numbered("line", index, *fault);
    auto valid = validate_line(std::move(line));
    if (!valid)
      return numbered("line", index, valid.error().message);
    lines.push_back(std::move(valid).value());
  }
  return lines;
}

void encode_lines(events::json_writer& w, const std::vector<line_item>& lines) {
  w.begin_array();
  for (const line_item& line : lines) {
    w.begin_object()
      .field("description", line.description)
      .field("quantity", line.quantity.to_string())
      .field("unit", line.unit)
      .field("unit_price", line.unit_price.to_string())
      .field("line_total", line.line_total.to_string())
      .field("tax_code", line.tax_code);
    if (line.category)
      w.field("category", *line.category);
    w.field("total_mismatch", line.total_mismatch).end_object();
  }
  w.end_array();
}

// -- taxes --------------------------------------------------------------------

namespace {

enum tax_field : unsigned {
  t_kind = 1u << 0,
  t_rate_percent = 1u << 1,
  t_amount = 1u << 2,
};

constexpr std::array<std::pair<std::string_view, unsigned>, 3> tax_fields = {{
  {"kind", t_kind},
  {"rate_percent", t_rate_percent},
  {"amount", t_amount},
}};

std::optional<std::string> read_tax(const simdjson::dom::element& element,
                                    tax_line& tax) {
  return read_members(
    element, tax_fields, t_kind | t_rate_percent | t_amount,
    [&](unsigned field,
        const simdjson::dom::element& value) -> std::optional<std::string> {
      switch (field) {
        case t_kind: {
          std::string_view text;
          std::optional<tax_kind> kind;
          if (value.get(text) || !(kind = parse_tax_kind(text)))
            return std::string{"kind must be one of gst, hst, pst, qst, vat, "
                               "sales_tax, other"};
          tax.kind = *kind;
          break;
        }
        case t_rate_percent: {
          auto fault = read_decimal(value, "rate_percent", tax.rate_percent);
          if (!fault
              && (tax.rate_percent < decimal{}
                  || tax.rate_percent > decimal::from_int(100)))
            return std::string{"rate_percent must be between 0 and 100"};
          return fault;
        }
        case t_amount: return read_decimal(value, "amount", tax.amount);
      }
      return std::nullopt;
    });
}

} // namespace

expected<std::vector<tax_line>>
decode_taxes(const simdjson::dom::element& array) {
  simdjson::dom::array items;
  if (array.get(items))
    return make_error(errc::invalid_argument, "taxes must be a JSON array");
  if (items.size() > max_tax_lines_per_invoice)
    return make_error(errc::invalid_argument,
                      "an invoice has at most "
                        + std::to_string(max_tax_lines_per_invoice)
                        + " tax lines");
  std::vector<tax_line> taxes;
  taxes.reserve(items.size());
  for (simdjson::dom::element item : items) {
    tax_line tax;
    if (auto fault = read_tax(item, tax))
      return numbered("tax", taxes.size(), *fault);
    taxes.push_back(tax);
  }
  return taxes;
}

void encode_taxes(events::json_writer& w, const std::vector<tax_line>& taxes) {
  w.begin_array();
  for (const tax_line& tax : taxes)
    w.begin_object()
      .field("kind", to_string(tax.kind))
      .field("rate_percent", tax.rate_percent.to_string())
      .field("amount", tax.amount.to_string())
      .end_object();
  w.end_array();
}

// -- contact addresses --------------------------------------------------------

expected<std::string> normalize_email(std::string_view text) {
  auto refuse = [](std::string_view why) {
    return make_error(errc::invalid_argument,
                      "email address " + std::string{why});
  };
  constexpr std::string_view blanks = " \t\n\r\f\v";
  auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos)
    return refuse("is empty");
  text = text.substr(first, text.find_last_not_of(blanks) - first + 1);
  if (text.size() > 254)
    return refuse("is longer than 254 characters");
  text_scan scan = scan_text(text);
  if (!scan.valid_utf8)
    return refuse("is not valid UTF-8");
  if (scan.control || text.find(' ') != std::string_view::npos)
    return refuse("contains a space or control character");
  auto at = text.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == text.size()
      || text.find('@', at + 1) != std::string_view::npos)
    return refuse("must be local@domain");
  std::string_view domain = text.substr(at + 1);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.'
      || domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return refuse("must have a domain with a dot, like example.com");
  std::string out{text};
  for (char& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

expected<std::string> normalize_e164(std::string_view text) {
  auto refuse = [](std::string_view why) {
    return make_error(errc::invalid_argument,
                      "phone number " + std::string{why});
  };
  constexpr std::string_view whatsapp = "whatsapp:";
  if (text.substr(0, whatsapp.size()) == whatsapp)
    text.remove_prefix(whatsapp.size());
  if (text.empty() || text.front() != '+')
    return refuse("must start with '+' and the country code");
  std::string_view digits = text.substr(1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return refuse("must hold only digits after '+'");
  if (digits.size() < 8 || digits.size() > 15)
    return refuse("must have 8 to 15 digits");
  if (digits.front() == '0')
    return refuse("must not start with 0 after '+'");
  return std::string{text};
}

} // namespace larder::values
