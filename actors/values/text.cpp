#include "actors/values/text.hpp"

namespace larder::values {

namespace {

bool refused(char32_t cp, const text_rules& rules) {
  if (cp < 0x20)
    return rules.allowed_controls.find(static_cast<char>(cp))
           == std::string_view::npos;
  if (cp >= 0x7F && cp <= 0x9F)
    return true;
  return rules.refuse_bidi_controls
         && ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069));
}

} // namespace

text_scan scan_text(std::string_view text, text_rules rules) {
  text_scan scan;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++scan.code_points) {
    unsigned char b = p[i];
    char32_t cp = 0;
    std::size_t len = 0;
    char32_t min = 0;
    if (b < 0x80) {
      cp = b;
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      cp = b & 0x1Fu;
      len = 2;
      min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
      cp = b & 0x0Fu;
      len = 3;
      min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
      cp = b & 0x07u;
      len = 4;
      min = 0x10000;
    } else {
      scan.valid_utf8 = false;
      return scan;
    }
    if (len > n - i) {
      scan.valid_utf8 = false;
      return scan;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0u) != 0x80u) {
        scan.valid_utf8 = false;
        return scan;
      }
      cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      scan.valid_utf8 = false;
      return scan;
    }
    if (refused(cp, rules))
      scan.control = true;
    i += len;
  }
  return scan;
}

std::string_view trim_space(std::string_view text) {
  constexpr std::string_view space = " \t\n\r";
  auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos)
    return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::optional<error> check_text(std::string_view field, std::string_view text,
                                std::size_t min_chars, std::size_t max_chars,
                                text_rules rules, const text_wording& wording) {
  auto fail = [&](std::string_view what) {
    return make_error(errc::invalid_argument,
                      std::string{field} + " " + std::string{what});
  };
  text_scan scan = scan_text(text, rules);
  // The scan stops at invalid UTF-8, so a control character it saw stands
  // before the invalid sequence.
  if (scan.control && wording.first_fault_wins)
    return fail(wording.control);
  if (!scan.valid_utf8)
    return fail("is not valid UTF-8");
  if (scan.control)
    return fail(wording.control);
  if (scan.code_points < min_chars)
    return fail(wording.empty);
  if (scan.code_points > max_chars)
    return fail(std::string{wording.too_long} + std::to_string(max_chars)
                + " characters");
  return std::nullopt;
}

expected<std::string> clean_text(std::string_view field, std::string_view text,
                                 std::size_t min_chars, std::size_t max_chars,
                                 text_rules rules,
                                 const text_wording& wording) {
  text = trim_space(text);
  if (auto e = check_text(field, text, min_chars, max_chars, rules, wording))
    return *std::move(e);
  return std::string{text};
}

} // namespace larder::values
