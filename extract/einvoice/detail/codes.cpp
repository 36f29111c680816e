#include "extract/einvoice/detail/codes.hpp"

#include <array>
#include <utility>

namespace larder::extract::einvoice::detail {

namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty()
         && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'
             || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty()
         && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'
             || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::optional<values::decimal> parse_amount(std::string_view text) {
  text = trim(text);
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  auto point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos
                                ? std::string_view{}
                                : text.substr(point + 1);
  if (whole.empty() && fraction.empty())
    return std::nullopt;
  for (char c : whole)
    if (!is_digit(c))
      return std::nullopt;
  for (char c : fraction)
    if (!is_digit(c))
      return std::nullopt;
  // Leading zeros cannot push a small number past parse's magnitude check,
  // but thousands of them are no number an invoice writes.
  while (whole.size() > 1 && whole.front() == '0')
    whole.remove_prefix(1);
  std::string kept{whole.empty() ? std::string_view{"0"} : whole};
  std::string_view first4 =
    fraction.substr(0, std::min<std::size_t>(4, fraction.size()));
  std::string_view rest =
    fraction.size() > 4 ? fraction.substr(4) : std::string_view{};
  if (!first4.empty())
    kept += "." + std::string{first4};
  auto parsed = values::decimal::parse(kept);
  if (!parsed)
    return std::nullopt;
  values::decimal value = *parsed;
  if (!rest.empty()) {
    // Half to even on the dropped digits, as values::decimal rounds.
    bool above_half = rest.front() > '5';
    bool exactly_half = rest.front() == '5';
    if (exactly_half)
      for (char c : rest.substr(1))
        if (c != '0') {
          above_half = true;
          exactly_half = false;
          break;
        }
    bool odd = value.units() % 2 != 0;
    if (above_half || (exactly_half && odd))
      value = value + values::decimal::from_units(1);
  }
  if (value.abs().units() > values::decimal::max_parsed_units)
    return std::nullopt;
  return negative ? -value : value;
}

bool loses_places(std::string_view text) noexcept {
  text = trim(text);
  auto point = text.find('.');
  if (point == std::string_view::npos || text.size() <= point + 5)
    return false;
  return text.substr(point + 5).find_first_not_of('0')
         != std::string_view::npos;
}

std::optional<values::date> parse_iso_date(std::string_view text) {
  text = trim(text);
  if (text.size() < 10)
    return std::nullopt;
  std::string_view day = text.substr(0, 10);
  std::string_view zone = text.substr(10);
  // xsd:date allows "Z" or "+hh:mm" after the day; a time does not belong.
  if (!zone.empty() && zone != "Z" && zone.front() != '+'
      && zone.front() != '-')
    return std::nullopt;
  auto parsed = values::date::parse(day);
  if (!parsed)
    return std::nullopt;
  return *parsed;
}

std::optional<values::date> parse_cefact_date(std::string_view text,
                                              std::string_view format) {
  text = trim(text);
  format = trim(format);
  if (format.empty() && text.size() == 10)
    return parse_iso_date(text);
  if (!format.empty() && format != "102")
    return std::nullopt;
  if (text.size() != 8)
    return std::nullopt;
  for (char c : text)
    if (!is_digit(c))
      return std::nullopt;
  std::string iso;
  iso.append(text.substr(0, 4)).append("-").append(text.substr(4, 2));
  iso.append("-").append(text.substr(6, 2));
  auto parsed = values::date::parse(iso);
  if (!parsed)
    return std::nullopt;
  return *parsed;
}

std::string unit_from_code(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 46>
    units{{
      {"C62", "ea"},      {"H87", "ea"},     {"EA", "ea"},
      {"XPP", "ea"},      {"XPC", "ea"},     {"NAR", "ea"},
      {"NMP", "pack"},    {"PK", "pack"},    {"XPK", "pack"},
      {"XPA", "pack"},    {"CS", "case"},    {"XCS", "case"},
      {"CT", "carton"},   {"XCT", "carton"}, {"XBX", "box"},
      {"BX", "box"},      {"XBO", "bottle"}, {"XBG", "bag"},
      {"XCR", "crate"},   {"XBA", "barrel"}, {"XTN", "tin"},
      {"XCA", "can"},     {"DZN", "dozen"},  {"PR", "pair"},
      {"SET", "set"},     {"KGM", "kg"},     {"GRM", "g"},
      {"TNE", "t"},       {"LBR", "lb"},     {"ONZ", "oz"},
      {"LTR", "L"},       {"MLT", "mL"},     {"CLT", "cL"},
      {"MTQ", "m3"},      {"MTK", "m2"},     {"MTR", "m"},
      {"KMT", "km"},      {"HUR", "h"},      {"MIN", "min"},
      {"DAY", "day"},     {"WEE", "week"},   {"MON", "month"},
      {"ANN", "year"},    {"KWH", "kWh"},    {"KWT", "kW"},
      {"LS", "lump sum"},
    }};
  std::string_view trimmed = trim(code);
  for (const auto& [c, unit] : units)
    if (c == trimmed)
      return std::string{unit};
  return std::string{trimmed};
}

bool is_credit_note_type(std::string_view code) noexcept {
  static constexpr std::array<std::string_view, 11> credit{
    "381", "396", "81", "83", "261", "262", "296", "308", "420", "458", "532"};
  code = trim(code);
  for (auto c : credit)
    if (c == code)
      return true;
  return false;
}

} // namespace larder::extract::einvoice::detail
