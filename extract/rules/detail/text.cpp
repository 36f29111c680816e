#include "extract/rules/detail/text.hpp"

#include "actors/values/text.hpp"

namespace larder::extract::detail {

namespace {

// Latin-1 letters U+00C0..U+00FF; "" for × and ÷.
constexpr std::string_view latin1[64] = {
  "a", "a", "a", "a", "a",  "a",  "ae", "c", "e", "e", "e",  "e", "i",
  "i", "i", "i", "d", "n",  "o",  "o",  "o", "o", "o", "",   "o", "u",
  "u", "u", "u", "y", "th", "ss", "a",  "a", "a", "a", "a",  "a", "ae",
  "c", "e", "e", "e", "e",  "i",  "i",  "i", "i", "d", "n",  "o", "o",
  "o", "o", "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "y"};

struct extended_range {
  char32_t first;
  char32_t last;
  std::string_view folded;
};

// Latin Extended-A, U+0100..U+017F, in runs of one base letter.
constexpr extended_range latin_extended_a[] = {
  {0x0100, 0x0105, "a"}, {0x0106, 0x010D, "c"},  {0x010E, 0x0111, "d"},
  {0x0112, 0x011B, "e"}, {0x011C, 0x0123, "g"},  {0x0124, 0x0127, "h"},
  {0x0128, 0x0131, "i"}, {0x0132, 0x0133, "ij"}, {0x0134, 0x0135, "j"},
  {0x0136, 0x0138, "k"}, {0x0139, 0x0142, "l"},  {0x0143, 0x014B, "n"},
  {0x014C, 0x0151, "o"}, {0x0152, 0x0153, "oe"}, {0x0154, 0x0159, "r"},
  {0x015A, 0x0161, "s"}, {0x0162, 0x0167, "t"},  {0x0168, 0x0173, "u"},
  {0x0174, 0x0175, "w"}, {0x0176, 0x0178, "y"},  {0x0179, 0x017E, "z"},
  {0x017F, 0x017F, "s"},
};

constexpr std::string_view ascii_lower[26] = {
  "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
  "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"};

} // namespace

std::string_view fold_letter(char32_t cp) noexcept {
  if (cp >= 'a' && cp <= 'z')
    return ascii_lower[cp - 'a'];
  if (cp >= 'A' && cp <= 'Z')
    return ascii_lower[cp - 'A'];
  if (cp >= 0xC0 && cp <= 0xFF)
    return latin1[cp - 0xC0];
  for (const auto& r : latin_extended_a)
    if (cp >= r.first && cp <= r.last)
      return r.folded;
  return {};
}

bool is_space(char32_t cp) noexcept {
  return cp == ' ' || cp == '\t' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A)
         || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

char32_t next_code_point(std::string_view text, std::size_t& i) noexcept {
  return values::decode_utf8_lenient(text, i);
}

std::string fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto cp = next_code_point(text, i);
    if (cp < 0x80 && !(cp >= 'A' && cp <= 'Z'))
      out += static_cast<char>(cp);
    else if (auto f = fold_letter(cp); !f.empty())
      out += f;
    else if (is_space(cp))
      out += ' ';
    else
      out += '?';
  }
  return out;
}

} // namespace larder::extract::detail
