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

std::optional<char32_t> decode_utf8(std::string_view text, std::size_t& i) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  if (i >= n)
    return std::nullopt;
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
    return std::nullopt;
  }
  if (len > n - i)
    return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0u) != 0x80u)
      return std::nullopt;
    cp = (cp << 6) | (p[i + k] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return std::nullopt;
  i += len;
  return cp;
}

char32_t decode_utf8_lenient(std::string_view text, std::size_t& i) noexcept {
  if (auto cp = decode_utf8(text, i))
    return *cp;
  ++i;
  return 0xFFFD;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

text_scan scan_text(std::string_view text, text_rules rules) {
  text_scan scan;
  for (std::size_t i = 0; i < text.size(); ++scan.code_points) {
    auto cp = decode_utf8(text, i);
    if (!cp) {
      scan.valid_utf8 = false;
      return scan;
    }
    if (refused(*cp, rules))
      scan.control = true;
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
