#include "extract/text/detail/py_regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <charconv>

namespace larder::extract::detail {

namespace {

/// Backtracking budget per match: a tenant's template must not be able to
/// hang extraction with a catastrophic pattern. Exceeding it is no match.
constexpr std::uint32_t k_match_limit = 5'000'000;
constexpr std::uint32_t k_depth_limit = 100'000;

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
         || (c >= 'A' && c <= 'F');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

pcre2_code* code_of(const std::shared_ptr<void>& p) {
  return static_cast<pcre2_code*>(p.get());
}

} // namespace

std::string translate_python_pattern(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  std::size_t class_start = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[i + 1];
      if ((n == 'u' || n == 'U')) {
        std::size_t len = n == 'u' ? 4 : 8;
        bool ok = i + 2 + len <= p.size();
        for (std::size_t k = 0; ok && k < len; ++k)
          ok = is_hex(p[i + 2 + k]);
        if (ok) {
          out += "\\x{";
          out.append(p.substr(i + 2, len));
          out += '}';
          i += 1 + len;
          continue;
        }
      }
      if (n == 'Z' && !in_class) {
        out += "\\z";
        ++i;
        continue;
      }
      out += c;
      out += n;
      ++i;
      continue;
    }
    if (in_class) {
      // A ']' right after '[' or '[^' is a literal in both dialects.
      if (c == ']' && i > class_start)
        in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      class_start = i + 1;
      if (class_start < p.size() && p[class_start] == '^')
        ++class_start;
      out += c;
      continue;
    }
    if (c == '{' && i + 1 < p.size() && p[i + 1] == ',') {
      // Python reads "{,n}" as "{0,n}"; PCRE2 before 10.43 as a literal.
      std::size_t k = i + 2;
      while (k < p.size() && is_digit(p[k]))
        ++k;
      if (k > i + 2 && k < p.size() && p[k] == '}') {
        out += "{0";
        continue;
      }
    }
    out += c;
  }
  return out;
}

expected<py_regex> py_regex::compile(std::string_view pattern) {
  std::string translated = translate_python_pattern(pattern);
  std::unique_ptr<pcre2_compile_context, void (*)(pcre2_compile_context*)> ctx{
    pcre2_compile_context_create(nullptr), pcre2_compile_context_free};
  if (!ctx)
    return make_error(errc::unavailable, "out of memory compiling a regex");
  pcre2_set_newline(ctx.get(), PCRE2_NEWLINE_LF);
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(
    reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
    PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &offset, ctx.get());
  if (re == nullptr) {
    PCRE2_UCHAR buffer[256];
    int n = pcre2_get_error_message(code, buffer, sizeof buffer);
    std::string message = n > 0
                            ? std::string(reinterpret_cast<const char*>(buffer),
                                          static_cast<std::size_t>(n))
                            : std::string("invalid regular expression");
    return make_error(errc::invalid_argument,
                      "invalid regex '" + std::string(pattern) + "': " + message
                        + " at offset " + std::to_string(offset));
  }
  py_regex r;
  r.pattern_ = std::string(pattern);
  r.code_ = std::shared_ptr<void>(re, [](void* p) {
    pcre2_code_free(static_cast<pcre2_code*>(p));
  });
  std::uint32_t captures = 0;
  pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &captures);
  r.group_count_ = captures;
  std::uint32_t name_count = 0, entry_size = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &name_count);
  pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
  pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
  for (std::uint32_t k = 0; k < name_count; ++k) {
    const unsigned char* entry = table + k * entry_size;
    std::size_t number = (static_cast<std::size_t>(entry[0]) << 8) | entry[1];
    r.names_.emplace_back(reinterpret_cast<const char*>(entry + 2), number);
  }
  std::sort(r.names_.begin(), r.names_.end(), [](const auto& a, const auto& b) {
    return a.second < b.second;
  });
  return r;
}

std::optional<py_match> py_regex::search(std::string_view text,
                                         std::size_t from,
                                         bool not_empty_at_start) const {
  if (!code_ || from > text.size())
    return std::nullopt;
  pcre2_code* re = code_of(code_);
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> data{
    pcre2_match_data_create_from_pattern(re, nullptr), pcre2_match_data_free};
  std::unique_ptr<pcre2_match_context, void (*)(pcre2_match_context*)> mctx{
    pcre2_match_context_create(nullptr), pcre2_match_context_free};
  if (!data || !mctx)
    return std::nullopt;
  pcre2_set_match_limit(mctx.get(), k_match_limit);
  pcre2_set_depth_limit(mctx.get(), k_depth_limit);
  int rc = pcre2_match(
    re, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), from,
    not_empty_at_start ? PCRE2_NOTEMPTY_ATSTART : 0, data.get(), mctx.get());
  if (rc <= 0)
    return std::nullopt;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.get());
  std::uint32_t pairs = pcre2_get_ovector_count(data.get());
  py_match m;
  m.subject = text;
  m.spans.resize(group_count_ + 1,
                 {std::string_view::npos, std::string_view::npos});
  for (std::uint32_t k = 0; k < pairs && k <= group_count_; ++k) {
    if (ov[2 * k] == PCRE2_UNSET || static_cast<int>(k) >= rc)
      continue;
    m.spans[k] = {ov[2 * k], ov[2 * k + 1]};
  }
  return m;
}

std::vector<py_match> py_regex::find_all(std::string_view text) const {
  std::vector<py_match> out;
  std::size_t pos = 0;
  bool last_empty = false;
  while (pos <= text.size()) {
    auto m = search(text, pos, last_empty);
    if (!m)
      break;
    last_empty = m->start() == m->end();
    pos = m->end();
    out.push_back(std::move(*m));
  }
  return out;
}

std::vector<std::string_view> py_regex::split(std::string_view text) const {
  std::vector<std::string_view> out;
  std::size_t piece = 0;
  for (const auto& m : find_all(text)) {
    out.push_back(text.substr(piece, m.start() - piece));
    piece = m.end();
  }
  out.push_back(text.substr(piece));
  return out;
}

namespace {

/// One step of a parsed replacement: literal text or a group reference.
struct repl_part {
  std::string literal;
  std::size_t group = std::string::npos;
};

expected<std::vector<repl_part>> parse_replacement(std::string_view repl,
                                                   const py_regex& re) {
  std::vector<repl_part> parts;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty())
      parts.push_back({std::move(lit), std::string::npos});
    lit.clear();
  };
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_argument,
                      "bad replacement '" + std::string(repl) + "': " + why);
  };
  for (std::size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c != '\\' || i + 1 >= repl.size()) {
      lit += c;
      continue;
    }
    char n = repl[++i];
    std::size_t group = std::string::npos;
    if (n == 'g') {
      if (i + 1 >= repl.size() || repl[i + 1] != '<')
        return bad("missing '<' after \\g");
      auto close = repl.find('>', i + 2);
      if (close == std::string_view::npos)
        return bad("missing '>' after \\g<");
      auto name = repl.substr(i + 2, close - i - 2);
      i = close;
      if (!name.empty() && std::all_of(name.begin(), name.end(), is_digit)) {
        std::from_chars(name.data(), name.data() + name.size(), group);
      } else {
        for (const auto& [n2, number] : re.named_groups())
          if (n2 == name)
            group = number;
        if (group == std::string::npos)
          return bad("unknown group name '" + std::string(name) + "'");
      }
    } else if (is_digit(n)) {
      group = static_cast<std::size_t>(n - '0');
      if (i + 1 < repl.size() && is_digit(repl[i + 1]))
        group = group * 10 + static_cast<std::size_t>(repl[++i] - '0');
    } else {
      switch (n) {
        case 'n': lit += '\n'; break;
        case 't': lit += '\t'; break;
        case 'r': lit += '\r'; break;
        case 'f': lit += '\f'; break;
        case 'v': lit += '\v'; break;
        case 'a': lit += '\a'; break;
        case 'b': lit += '\b'; break;
        case '\\': lit += '\\'; break;
        default:
          if ((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z'))
            return bad(std::string("bad escape \\") + n);
          lit += '\\';
          lit += n;
      }
      continue;
    }
    if (group > re.group_count())
      return bad("invalid group reference " + std::to_string(group));
    flush();
    parts.push_back({{}, group});
  }
  flush();
  return parts;
}

} // namespace

expected<bool> py_regex::check_replacement(std::string_view repl) const {
  auto parts = parse_replacement(repl, *this);
  if (!parts)
    return std::move(parts).error();
  return true;
}

expected<std::string> py_regex::sub(std::string_view repl,
                                    std::string_view text) const {
  auto parts = parse_replacement(repl, *this);
  if (!parts)
    return std::move(parts).error();
  std::string out;
  std::size_t piece = 0;
  for (const auto& m : find_all(text)) {
    out.append(text.substr(piece, m.start() - piece));
    for (const auto& part : *parts) {
      if (part.group == std::string::npos)
        out += part.literal;
      else
        out.append(m.group(part.group));
    }
    piece = m.end();
  }
  out.append(text.substr(piece));
  return out;
}

} // namespace larder::extract::detail
