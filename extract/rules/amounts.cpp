#include "extract/rules/amounts.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "extract/rules/detail/text.hpp"

namespace larder::extract {

namespace {

using values::decimal;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

bool is_alpha(char c) {
  return is_upper(c) || (c >= 'a' && c <= 'z');
}

/// The text with every Unicode space as ' ', the apostrophes Swiss
/// suppliers group thousands with as '\'' and the minus sign as '-'; other
/// characters (currency symbols included) stay as they are.
std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto from = i;
    auto cp = detail::next_code_point(text, i);
    if (detail::is_space(cp))
      out += ' ';
    else if (cp == 0x2019 || cp == 0x2032 || cp == 0xB4)
      out += '\'';
    else if (cp == 0x2212 || cp == 0x2013)
      out += '-';
    else
      out.append(text.substr(from, i - from));
  }
  return out;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && v.front() == ' ')
    v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ')
    v.remove_suffix(1);
  return v;
}

/// Currency symbols as suppliers print them, longest first so that "US$"
/// wins over "$".
constexpr std::array<std::string_view, 16> symbols{
  "US$", "CA$", "NZ$", "HK$", "C$", "A$", "S$",  "R$",
  "$",   "€",   "£",   "¥",   "₹",  "zł", "Fr.", "kr"};

bool is_iso_code(std::string_view v) {
  return v.size() == 3 && is_upper(v[0]) && is_upper(v[1]) && is_upper(v[2])
         && values::currency::parse(v).has_value();
}

/// Removes one currency mark at the start of `v`; false when there is none.
bool strip_currency_prefix(std::string_view& v) {
  if (v.size() >= 3 && is_iso_code(v.substr(0, 3))
      && (v.size() == 3 || !is_alpha(v[3]))) {
    v.remove_prefix(3);
    return true;
  }
  for (auto s : symbols)
    if (v.starts_with(s)) {
      // "kr" and "Fr." are words: they need a non-letter after them.
      if (is_alpha(s.back()) && v.size() > s.size() && is_alpha(v[s.size()]))
        continue;
      v.remove_prefix(s.size());
      return true;
    }
  return false;
}

/// Removes one currency mark at the end of `v`; false when there is none.
bool strip_currency_suffix(std::string_view& v) {
  if (v.size() >= 3 && is_iso_code(v.substr(v.size() - 3))
      && (v.size() == 3 || !is_alpha(v[v.size() - 4]))) {
    v.remove_suffix(3);
    return true;
  }
  for (auto s : symbols)
    if (v.ends_with(s)) {
      if (is_alpha(s.front()) && v.size() > s.size()
          && is_alpha(v[v.size() - s.size() - 1]))
        continue;
      v.remove_suffix(s.size());
      return true;
    }
  return false;
}

bool is_separator(char c) {
  return c == '.' || c == ',' || c == '\'' || c == ' ';
}

/// True when `groups` (the integer digits between thousands separators) are
/// grouped by three, or the Indian way (…,00,00,000).
bool grouped(const std::vector<std::string_view>& groups) {
  if (groups.size() == 1)
    return true;
  auto by_three = groups.front().size() <= 3;
  for (std::size_t i = 1; i < groups.size(); ++i)
    by_three = by_three && groups[i].size() == 3;
  if (by_three)
    return true;
  if (groups.size() < 3 || groups.front().size() > 2
      || groups.back().size() != 3)
    return false;
  for (std::size_t i = 1; i + 1 < groups.size(); ++i)
    if (groups[i].size() != 2)
      return false;
  return true;
}

} // namespace

std::optional<decimal> parse_amount(std::string_view text,
                                    char decimal_separator) {
  if (decimal_separator != 0 && decimal_separator != '.'
      && decimal_separator != ',')
    return std::nullopt;
  auto normalized = normalize(text);
  std::string_view v = normalized;
  int signs = 0;
  int pluses = 0;
  int currencies = 0;
  for (bool changed = true; changed;) {
    v = trim(v);
    changed = true;
    if (v.size() >= 2 && v.front() == '(' && v.back() == ')') {
      v = v.substr(1, v.size() - 2);
      ++signs;
    } else if (v.starts_with('-')) {
      v.remove_prefix(1);
      ++signs;
    } else if (v.starts_with('+')) {
      v.remove_prefix(1);
      ++pluses;
    } else if (v.ends_with('-')) {
      v.remove_suffix(1);
      ++signs;
    } else if (strip_currency_prefix(v) || strip_currency_suffix(v)) {
      ++currencies;
    } else {
      changed = false;
    }
    if (signs + pluses > 1 || currencies > 1)
      return std::nullopt;
  }
  if (v.empty() || !is_digit(v.front()) || !is_digit(v.back()))
    return std::nullopt;

  // Split into digit groups and the single characters between them.
  std::vector<std::string_view> groups;
  std::vector<char> seps;
  for (std::size_t i = 0; i < v.size();) {
    auto start = i;
    while (i < v.size() && is_digit(v[i]))
      ++i;
    if (i == start)
      return std::nullopt;
    groups.push_back(v.substr(start, i - start));
    if (i == v.size())
      break;
    if (!is_separator(v[i]))
      return std::nullopt;
    seps.push_back(v[i]);
    ++i;
  }

  // Which separator, if any, is the decimal one.
  bool has_decimal = false;
  if (!seps.empty()) {
    char last = seps.back();
    auto same = std::count(seps.begin(), seps.end(), last);
    if (decimal_separator != 0) {
      auto marked = std::count(seps.begin(), seps.end(), decimal_separator);
      if (marked > 1 || (marked == 1 && last != decimal_separator))
        return std::nullopt;
      has_decimal = marked == 1;
    } else if (last == '.' || last == ',') {
      char other = last == '.' ? ',' : '.';
      bool other_before =
        std::find(seps.begin(), seps.end(), other) != seps.end();
      auto digits = groups.back().size();
      if (same > 1)
        has_decimal = false;
      else if (digits != 3)
        has_decimal = true;
      else
        has_decimal = other_before || groups.front() == "0";
    }
  }
  std::vector<std::string_view> whole(groups.begin(),
                                      groups.end() - (has_decimal ? 1 : 0));
  std::size_t thousands = seps.size() - (has_decimal ? 1 : 0);
  for (std::size_t i = 0; i < thousands; ++i)
    if (seps[i] != seps.front() || (has_decimal && seps[i] == seps.back()))
      return std::nullopt;
  if (!grouped(whole))
    return std::nullopt;

  std::string plain = signs == 1 ? "-" : "";
  for (auto g : whole)
    plain += g;
  if (has_decimal) {
    plain += '.';
    plain += groups.back();
  }
  auto parsed = decimal::parse(plain);
  if (!parsed)
    return std::nullopt;
  return *parsed;
}

} // namespace larder::extract
