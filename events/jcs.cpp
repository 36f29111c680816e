#include "events/jcs.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <simdjson.h>

namespace larder::events {

namespace {

namespace dom = simdjson::dom;

/// Lower-case, as JCS (via ECMAScript `JSON.stringify`) spells \u00XX.
constexpr char hex_digits[] = "0123456789abcdef";

/// The bytes JCS escapes; everything else, multi-byte UTF-8 included, is
/// copied as is.
constexpr bool needs_escape(unsigned char c) noexcept {
  return c < 0x20 || c == '"' || c == '\\';
}

/// Orders UTF-8 names as their UTF-16 forms would compare, without
/// converting them. UTF-8 byte order equals code point order, and so equals
/// UTF-16 order, except between U+E000..U+FFFF (lead bytes 0xEE, 0xEF) and
/// U+10000 and up (lead bytes 0xF0..0xF4, surrogates 0xD800..0xDBFF in
/// UTF-16). Names sharing a prefix split either inside one code point, where
/// both bytes are continuation bytes (< 0xC0), or at two lead bytes; only the
/// latter can need the swap.
bool utf16_less(std::string_view a, std::string_view b) noexcept {
  const auto n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i])
    ++i;
  if (i == n)
    return a.size() < b.size();
  const auto x = static_cast<unsigned char>(a[i]);
  const auto y = static_cast<unsigned char>(b[i]);
  if (x >= 0xF0 && (y == 0xEE || y == 0xEF))
    return true;
  if (y >= 0xF0 && (x == 0xEE || x == 0xEF))
    return false;
  return x < y;
}

/// An object member waiting to be sorted; both parts point into the parsed
/// document, so collecting them copies no text.
struct member {
  std::string_view name;
  dom::element value;
};

/// Why the walk over a parsed document stopped; parsing has already refused
/// everything else that is not canonicalizable.
enum class walk_fault : std::uint8_t {
  none,
  duplicate_name,
  not_finite,
  unexpected,
};

/// Writes a parsed document in canonical form. The member stack is shared by
/// every object of the document (each one sorts its own tail of it), so a
/// warm thread allocates nothing per object.
class writer {
 public:
  writer(std::string& out, std::vector<member>& members)
    : out_(out), members_(members) {}

  walk_fault write(dom::element value) {
    switch (value.type()) {
      case dom::element_type::OBJECT: return write_object(value);
      case dom::element_type::ARRAY: return write_array(value);
      case dom::element_type::STRING: {
        std::string_view text;
        if (value.get(text) != simdjson::SUCCESS)
          return walk_fault::unexpected;
        append_json_string(out_, text);
        return walk_fault::none;
      }
      case dom::element_type::INT64: {
        std::int64_t number = 0;
        if (value.get(number) != simdjson::SUCCESS)
          return walk_fault::unexpected;
        append_json_number(out_, static_cast<double>(number));
        return walk_fault::none;
      }
      case dom::element_type::UINT64: {
        std::uint64_t number = 0;
        if (value.get(number) != simdjson::SUCCESS)
          return walk_fault::unexpected;
        append_json_number(out_, static_cast<double>(number));
        return walk_fault::none;
      }
      case dom::element_type::DOUBLE: {
        double number = 0;
        if (value.get(number) != simdjson::SUCCESS)
          return walk_fault::unexpected;
        if (!std::isfinite(number))
          return walk_fault::not_finite;
        append_json_number(out_, number);
        return walk_fault::none;
      }
      case dom::element_type::BOOL: {
        bool flag = false;
        if (value.get(flag) != simdjson::SUCCESS)
          return walk_fault::unexpected;
        out_ += flag ? "true" : "false";
        return walk_fault::none;
      }
      case dom::element_type::NULL_VALUE:
        out_ += "null";
        return walk_fault::none;
    }
    return walk_fault::unexpected;
  }

 private:
  walk_fault write_array(dom::element value) {
    dom::array items;
    if (value.get(items) != simdjson::SUCCESS)
      return walk_fault::unexpected;
    out_ += '[';
    bool first = true;
    for (dom::element item : items) {
      if (!first)
        out_ += ',';
      first = false;
      if (auto fault = write(item); fault != walk_fault::none)
        return fault;
    }
    out_ += ']';
    return walk_fault::none;
  }

  walk_fault write_object(dom::element value) {
    dom::object fields;
    if (value.get(fields) != simdjson::SUCCESS)
      return walk_fault::unexpected;
    const std::size_t base = members_.size();
    for (dom::key_value_pair field : fields)
      members_.push_back(member{field.key, field.value});
    const auto begin = members_.begin() + static_cast<std::ptrdiff_t>(base);
    std::sort(begin, members_.end(), [](const member& a, const member& b) {
      return utf16_less(a.name, b.name);
    });
    const auto duplicate = std::adjacent_find(
      begin, members_.end(), [](const member& a, const member& b) {
        return a.name == b.name;
      });
    if (duplicate != members_.end())
      return walk_fault::duplicate_name;
    out_ += '{';
    const std::size_t end = members_.size();
    // Indices, not iterators: nested objects push onto the same vector and
    // may reallocate it.
    for (std::size_t i = base; i < end; ++i) {
      if (i != base)
        out_ += ',';
      const member field = members_[i];
      append_json_string(out_, field.name);
      out_ += ':';
      if (auto fault = write(field.value); fault != walk_fault::none)
        return fault;
    }
    members_.resize(base);
    out_ += '}';
    return walk_fault::none;
  }

  std::string& out_;
  std::vector<member>& members_;
};

/// Whether `token` is an integer literal that may not fit simdjson's 64-bit
/// integer types: the shortest that do not are -9223372036854775809 (19
/// digits) and 18446744073709551616 (20). Rewriting one that fits is
/// harmless: it reads as the same double.
bool is_wide_integer(std::string_view token) noexcept {
  if (!token.empty() && token.front() == '-')
    token.remove_prefix(1);
  return token.size() >= 19
         && std::all_of(token.begin(), token.end(), [](char c) {
              return c >= '0' && c <= '9';
            });
}

/// simdjson refuses integer literals beyond 64 bits, yet JCS reads every
/// number as a double (1 followed by 23 zeros is 1e+23). Returns `json` with
/// "e0" appended to each such literal, which makes simdjson read it as the
/// correctly rounded double and changes nothing else; empty when `json` has
/// none, so the number error stands.
std::string widen_integers(std::string_view json) {
  std::string widened;
  bool found = false;
  bool in_string = false;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9'))
      continue;
    std::size_t end = i;
    while (end < json.size()
           && std::string_view{"0123456789+-.eE"}.find(json[end])
                != std::string_view::npos)
      ++end;
    if (is_wide_integer(json.substr(i, end - i))) {
      widened.append(json, copied, end - copied);
      widened += "e0";
      copied = end;
      found = true;
    }
    i = end - 1;
  }
  if (!found)
    return {};
  widened.append(json, copied);
  return widened;
}

/// The message for a simdjson parse failure, in terms of the caller's input.
error parse_error(simdjson::error_code code) {
  switch (code) {
    case simdjson::EMPTY:
      return make_error(errc::invalid_argument, "empty JSON text");
    case simdjson::UTF8_ERROR:
      return make_error(errc::invalid_argument, "JSON text is not valid UTF-8");
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return make_error(errc::invalid_argument,
                        "malformed number, or one outside the IEEE 754 "
                        "double range");
    case simdjson::STRING_ERROR:
    case simdjson::UNESCAPED_CHARS:
    case simdjson::UNCLOSED_STRING:
      return make_error(errc::invalid_argument,
                        "malformed string (bad escape, lone surrogate, "
                        "unescaped control character or missing quote)");
    case simdjson::DEPTH_ERROR:
      return make_error(errc::invalid_argument, "JSON text nested too deeply");
    case simdjson::CAPACITY:
      return make_error(errc::invalid_argument, "JSON text too large");
    case simdjson::MEMALLOC:
      return make_error(errc::unavailable, "out of memory parsing JSON text");
    default: return make_error(errc::invalid_argument, "malformed JSON text");
  }
}

/// Parses into the calling thread's parser, retrying once with wide integer
/// literals rewritten as doubles. The element borrows the parser's buffers.
simdjson::error_code parse_document(dom::parser& parser, std::string_view json,
                                    dom::element& root) {
  // realloc_if_needed copies into the parser's own padded buffer, which it
  // keeps: no allocation per call once the thread has seen a large input.
  auto code = parser.parse(json.data(), json.size(), true).get(root);
  if (code != simdjson::NUMBER_ERROR)
    return code;
  const std::string widened = widen_integers(json);
  if (widened.empty())
    return code;
  return parser.parse(widened.data(), widened.size(), true).get(root);
}

} // namespace

void append_json_string(std::string& out, std::string_view utf8) {
  out += '"';
  std::size_t copied = 0;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (!needs_escape(c))
      continue;
    out.append(utf8, copied, i - copied);
    copied = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default: {
        const char escape[] = {
          '\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
        out.append(escape, sizeof escape);
      }
    }
  }
  out.append(utf8, copied);
  out += '"';
}

void append_json_number(std::string& out, double value) {
  // Not reachable from `canonicalize`; JSON.stringify's spelling keeps a
  // caller's broken precondition from producing text that is not JSON.
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // Both zeros: ECMAScript prints -0 as "0".
  if (value == 0) {
    out += '0';
    return;
  }
  // Scientific form gives the shortest round-trip digits, ties to even
  // (ECMA-262 Note 2), as "[-]d[.ddd]e(+|-)XX"; the ECMAScript layout is
  // then a matter of moving the decimal point. The longest such text,
  // "-2.2250738585072014e-308", has 24 characters.
  std::array<char, 32> text{};
  char* const text_end = std::to_chars(text.data(), text.data() + text.size(),
                                       value, std::chars_format::scientific)
                           .ptr;
  const char* p = text.data();
  if (*p == '-') {
    out += '-';
    ++p;
  }
  std::array<char, 24> digits{};
  int k = 0; // digit count, as in ECMA-262 Number::toString
  for (; p != text_end && *p != 'e'; ++p)
    if (*p != '.')
      digits[static_cast<std::size_t>(k++)] = *p;
  ++p; // 'e'
  if (*p == '+')
    ++p;
  int exponent = 0;
  std::from_chars(p, text_end, exponent);
  const int n = exponent + 1; // value = digits * 10^(n - k)
  const char* d = digits.data();
  const auto count = [](int c) {
    return static_cast<std::size_t>(c);
  };
  if (k <= n && n <= 21) {
    out.append(d, count(k));
    out.append(count(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(d, count(n));
    out += '.';
    out.append(d + n, count(k - n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(count(-n), '0');
    out.append(d, count(k));
  } else {
    out += d[0];
    if (k > 1) {
      out += '.';
      out.append(d + 1, count(k - 1));
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    std::array<char, 8> power{};
    char* const power_end =
      std::to_chars(power.data(), power.data() + power.size(), std::abs(n - 1))
        .ptr;
    out.append(power.data(), power_end);
  }
}

expected<std::string> canonicalize(std::string_view json) {
  thread_local dom::parser parser;
  thread_local std::vector<member> members;
  dom::element root;
  if (auto code = parse_document(parser, json, root); code != simdjson::SUCCESS)
    return parse_error(code);
  std::string out;
  out.reserve(json.size());
  members.clear();
  switch (writer{out, members}.write(root)) {
    case walk_fault::none: return out;
    case walk_fault::duplicate_name:
      return make_error(errc::invalid_argument,
                        "duplicate member name in a JSON object");
    case walk_fault::not_finite:
      return make_error(errc::invalid_argument, "number is not finite");
    case walk_fault::unexpected: break;
  }
  return make_error(errc::invalid_argument, "malformed JSON text");
}

} // namespace larder::events
