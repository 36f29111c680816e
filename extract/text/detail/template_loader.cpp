#include "extract/text/detail/template_loader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>

#include <yaml-cpp/yaml.h>

namespace larder::extract::detail {

namespace {

/// Thrown inside the loader only and turned into an `error` at its edge.
struct load_failure {
  int line = 0;
  std::string message;
};

/// A pattern PCRE2 refuses; under `template_checks::upstream` it costs the
/// field that uses it, not the template (Python compiles lazily).
struct regex_failure : load_failure {};

int line_of(const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

[[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                       const std::string& what) {
  throw load_failure{line_of(node), path.empty() ? what : path + ": " + what};
}

bool is_plain(const YAML::Node& node) {
  return node.Tag() == "?";
}

/// A scalar's text, whatever YAML would resolve it to: regexes, keywords
/// and names are text even when they look like numbers.
std::string text_of(const YAML::Node& node, const std::string& path) {
  if (node.IsNull())
    return {};
  if (!node.IsScalar())
    fail(node, path, "expected text");
  return node.Scalar();
}

bool all_of_chars(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

/// A plain scalar resolved as PyYAML's SafeLoader (YAML 1.1) does.
py_value resolve_scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (!is_plain(node))
    return py_value::of_string(s);
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return py_value::none();
  static const char* const truthy[] = {"yes",  "Yes", "YES", "true", "True",
                                       "TRUE", "on",  "On",  "ON"};
  static const char* const falsy[] = {"no",    "No",  "NO",  "false", "False",
                                      "FALSE", "off", "Off", "OFF"};
  for (const char* t : truthy)
    if (s == t)
      return py_value::of_bool(true);
  for (const char* f : falsy)
    if (s == f)
      return py_value::of_bool(false);
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  std::string digits;
  for (char c : body)
    if (c != '_')
      digits += c;
  if (all_of_chars(digits, digit) && (digits == "0" || digits[0] != '0')) {
    std::int64_t v = 0;
    auto [ptr, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc{} && ptr == digits.data() + digits.size())
      return py_value::of_int(negative ? -v : v);
  }
  // YAML 1.1 floats need a '.' ("1.5", "1.", ".5", "1.0e+3").
  auto dot = digits.find('.');
  if (dot != std::string::npos && digits.size() > 1) {
    bool ok = true;
    std::size_t i = 0;
    while (i < digits.size() && digit(digits[i]))
      ++i;
    ok = i == dot;
    std::size_t j = dot + 1;
    while (ok && j < digits.size() && digit(digits[j]))
      ++j;
    if (ok && j < digits.size() && (digits[j] == 'e' || digits[j] == 'E')) {
      ++j;
      if (j < digits.size() && (digits[j] == '+' || digits[j] == '-'))
        ++j;
      std::size_t k = j;
      while (j < digits.size() && digit(digits[j]))
        ++j;
      ok = j > k;
    }
    if (ok && j == digits.size()) {
      double d = std::strtod(digits.c_str(), nullptr);
      auto exact =
        values::decimal::parse(digits.substr(0, digits.find_first_of("eE")));
      py_value v = digits.find_first_of("eE") == std::string::npos && exact
                     ? py_value::of_decimal(*exact)
                     : py_value::of_real(d);
      if (negative) {
        v.real = -v.real;
        if (v.exact)
          v.exact = -*v.exact;
      }
      return v;
    }
  }
  // YYYY-MM-DD is a date; invoice2data writes it back as such.
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    if (auto d = values::date::parse(s))
      return py_value::of_date(*d, false);
  }
  return py_value::of_string(s);
}

py_value to_value(const YAML::Node& node) {
  if (!node || node.IsNull())
    return py_value::none();
  if (node.IsScalar())
    return resolve_scalar(node);
  if (node.IsSequence()) {
    std::vector<py_value> items;
    for (const auto& item : node)
      items.push_back(to_value(item));
    return py_value::list(std::move(items));
  }
  py_value dict = py_value::dict();
  for (const auto& kv : node)
    dict.set(kv.first.Scalar(), to_value(kv.second));
  return dict;
}

/// Python truthiness of an option's value (`remove_accents: [True]` counts).
bool truthy(const YAML::Node& node) {
  return to_value(node).truthy();
}

struct loader {
  bool strict = true;
  std::vector<std::string>& warnings;

  void warn(const YAML::Node& node, const std::string& text) {
    warn_at(line_of(node), text);
  }

  void warn_at(int line, const std::string& text) {
    warnings.push_back("line " + std::to_string(line) + ": " + text);
  }

  /// The entries of a mapping, duplicates resolved as PyYAML does (the last
  /// value at the first key's place) or refused when strict.
  std::vector<std::pair<YAML::Node, YAML::Node>>
  entries(const YAML::Node& map, const std::string& path) {
    if (!map.IsMap())
      fail(map, path, "expected a mapping");
    std::vector<std::pair<YAML::Node, YAML::Node>> out;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar())
        fail(kv.first, path, "keys must be text");
      auto same = std::find_if(out.begin(), out.end(), [&](const auto& e) {
        return e.first.Scalar() == kv.first.Scalar();
      });
      if (same == out.end()) {
        out.emplace_back(kv.first, kv.second);
        continue;
      }
      std::string where = join(path, kv.first.Scalar());
      if (strict)
        fail(kv.first, where, "duplicate key");
      warn(kv.first, where + ": duplicate key, the last value is used");
      same->second = kv.second;
    }
    return out;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  void unknown(const YAML::Node& key, const std::string& path) {
    std::string where = path.empty() ? std::string("") : path + ": ";
    if (strict)
      fail(key, path, "unknown key '" + key.Scalar() + "'");
    warn(key, where + "unknown key '" + key.Scalar() + "' ignored");
  }

  static bool known(const std::string& key,
                    std::initializer_list<std::string_view> keys) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  }

  py_regex regex(const YAML::Node& node, const std::string& path) {
    std::string pattern = text_of(node, path);
    auto re = py_regex::compile(pattern);
    if (!re)
      throw regex_failure{{line_of(node), path + ": " + re.error().message}};
    return std::move(*re);
  }

  /// A regex or a list of them.
  std::vector<py_regex> regexes(const YAML::Node& node,
                                const std::string& path) {
    std::vector<py_regex> out;
    if (node.IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : node)
        out.push_back(regex(item, path + "[" + std::to_string(i++) + "]"));
    } else {
      out.push_back(regex(node, path));
    }
    return out;
  }

  /// Keywords are regexes; one that does not compile is, under upstream
  /// checks, searched as plain text as current invoice2data does.
  std::vector<py_regex> keyword_regexes(const YAML::Node& node,
                                        const std::string& path) {
    try {
      return regexes(node, path);
    } catch (const regex_failure& f) {
      if (strict)
        throw;
      warn_at(f.line, f.message + "; the keywords are searched as plain text");
    }
    std::vector<py_regex> out;
    for (const auto& k : texts(node, path)) {
      std::string quoted;
      for (char c : k) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c)
            != std::string_view::npos)
          quoted += '\\';
        quoted += c;
      }
      out.push_back(*py_regex::compile(quoted));
    }
    return out;
  }

  std::vector<std::string> texts(const YAML::Node& node,
                                 const std::string& path) {
    std::vector<std::string> out;
    if (node.IsNull())
      return out;
    if (node.IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : node)
        out.push_back(text_of(item, path + "[" + std::to_string(i++) + "]"));
    } else {
      out.push_back(text_of(node, path));
    }
    return out;
  }

  field_type type(const YAML::Node& node, const std::string& path) {
    if (node.IsNull())
      return field_type::none;
    std::string t = text_of(node, path);
    if (t == "int")
      return field_type::integer;
    if (t == "float")
      return field_type::real;
    if (t == "date" || t == "datetime")
      return field_type::date;
    fail(node, path,
         "unknown type '" + t + "' (expected int, float, date or datetime)");
  }

  grouping group(const YAML::Node& node, const std::string& path) {
    if (node.IsNull())
      return grouping::none;
    std::string g = text_of(node, path);
    static const std::pair<const char*, grouping> known_groups[] = {
      {"sum", grouping::sum},   {"min", grouping::min},
      {"max", grouping::max},   {"first", grouping::first},
      {"last", grouping::last}, {"join", grouping::join}};
    for (const auto& [name, value] : known_groups)
      if (g == name)
        return value;
    fail(node, path,
         "unknown group '" + g
           + "' (expected sum, min, max, first, last or join)");
  }

  std::vector<std::pair<std::string, field_type>>
  types(const YAML::Node& node, const std::string& path) {
    std::vector<std::pair<std::string, field_type>> out;
    if (node.IsNull())
      return out;
    for (const auto& [k, v] : entries(node, path))
      out.emplace_back(k.Scalar(), type(v, join(path, k.Scalar())));
    return out;
  }

  replacement pair(const YAML::Node& node, const std::string& path) {
    if (!node.IsSequence() || node.size() != 2)
      fail(node, path, "expected a [pattern, replacement] pair");
    replacement r{regex(node[0], path + "[0]"), text_of(node[1], path + "[1]")};
    auto ok = r.pattern.check_replacement(r.repl);
    if (!ok)
      fail(node[1], path + "[1]", ok.error().message);
    return r;
  }

  /// One pair `[p, r]` or a list of pairs `[[p, r], …]`.
  std::vector<replacement> pairs(const YAML::Node& node,
                                 const std::string& path) {
    std::vector<replacement> out;
    if (!node.IsSequence())
      fail(node, path, "expected a [pattern, replacement] pair or a list");
    bool flat = node.size() == 2 && node[0].IsScalar() && node[1].IsScalar();
    if (flat) {
      out.push_back(pair(node, path));
      return out;
    }
    std::size_t i = 0;
    for (const auto& item : node)
      out.push_back(pair(item, path + "[" + std::to_string(i++) + "]"));
    return out;
  }

  lines_rule rule(const YAML::Node& node, const std::string& path,
                  const YAML::Node& owner) {
    lines_rule r;
    r.separator = *py_regex::compile("\\n");
    bool has_start = false, has_end = false, has_line = false;
    for (const auto& [k, v] : entries(node, path)) {
      const std::string& key = k.Scalar();
      std::string where = join(path, key);
      if (key == "start") {
        r.start = regex(v, where);
        has_start = true;
      } else if (key == "end") {
        r.end = regex(v, where);
        has_end = true;
      } else if (key == "end_match") {
        std::string m = text_of(v, where);
        if (m != "first" && m != "last")
          fail(v, where, "expected 'first' or 'last'");
        r.end_last = m == "last";
      } else if (key == "line") {
        r.line = regexes(v, where);
        has_line = true;
      } else if (key == "first_line") {
        r.first_line = regexes(v, where);
        r.has_first_line = true;
      } else if (key == "last_line") {
        r.last_line = regexes(v, where);
        r.has_last_line = true;
      } else if (key == "skip_line") {
        if (!v.IsNull())
          r.skip_line = regexes(v, where);
      } else if (key == "line_separator") {
        r.separator = regex(v, where);
      } else if (key == "types") {
        r.types = types(v, where);
      } else if (key == "replace") {
        std::vector<std::pair<YAML::Node, YAML::Node>> subs;
        if (v.IsSequence()) {
          for (const auto& item : v)
            for (const auto& e : entries(item, where))
              subs.push_back(e);
        } else {
          subs = entries(v, where);
        }
        for (const auto& [sk, sv] : subs)
          r.replace.emplace_back(sk.Scalar(),
                                 pairs(sv, join(where, sk.Scalar())));
      } else if (key == "parser" || key == "area") {
        // The owner's keys when the rule is written inline in a field.
      } else {
        unknown(k, path);
      }
    }
    const YAML::Node& at = node.IsMap() ? node : owner;
    if (!has_start)
      fail(at, path, "a lines block needs 'start'");
    if (!has_end)
      fail(at, path, "a lines block needs 'end'");
    if (!has_line)
      fail(at, path, "a lines block needs 'line'");
    return r;
  }

  /// A `lines` block: one rule written inline, or `rules: [...]`.
  std::vector<lines_rule> lines_block(const YAML::Node& node,
                                      const std::string& path) {
    std::vector<lines_rule> out;
    if (node.IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : node)
        out.push_back(rule(item, path + "[" + std::to_string(i++) + "]", node));
      return out;
    }
    if (!node.IsMap())
      fail(node, path, "expected a mapping");
    if (node["rules"]) {
      const YAML::Node rules = node["rules"];
      if (!rules.IsSequence())
        fail(rules, path + ".rules", "expected a list of rules");
      for (const auto& [k, v] : entries(node, path)) {
        if (!known(k.Scalar(), {"parser", "rules", "area"}))
          unknown(k, path);
      }
      std::size_t i = 0;
      for (const auto& item : rules)
        out.push_back(
          rule(item, path + ".rules[" + std::to_string(i++) + "]", node));
      return out;
    }
    out.push_back(rule(node, path, node));
    return out;
  }

  field_spec field(const YAML::Node& key, const YAML::Node& node,
                   const std::string& path) {
    try {
      return field_checked(key, node, path);
    } catch (const regex_failure& f) {
      if (strict)
        throw;
      warn_at(f.line, f.message + "; the field is ignored");
      field_spec ignored;
      ignored.name = key.Scalar();
      return ignored;
    }
  }

  field_spec field_checked(const YAML::Node& key, const YAML::Node& node,
                           const std::string& path) {
    field_spec f;
    f.name = key.Scalar();
    if (!node.IsMap()) {
      if (f.name.rfind("static_", 0) == 0) {
        // invoice2data replaces every "static_" in the name.
        std::string out;
        std::string_view rest = f.name;
        for (auto p = rest.find("static_"); p != std::string_view::npos;
             p = rest.find("static_")) {
          out.append(rest.substr(0, p));
          rest.remove_prefix(p + 7);
        }
        out.append(rest);
        f.name = out;
        f.parser = field_spec::parser_kind::static_value;
        f.legacy = true;
        f.value = to_value(node);
        return f;
      }
      if (node.IsNull()) {
        warn(key, path + ": no regex, the field is never extracted");
        return f;
      }
      f.parser = field_spec::parser_kind::regex;
      f.legacy = true;
      f.regexes = regexes(node, path);
      if (f.name.rfind("sum_amount", 0) == 0 && node.IsSequence()) {
        f.name = f.name.substr(4);
        f.type = field_type::real;
        f.group = grouping::sum;
      } else if (f.name.rfind("date", 0) == 0
                 || (f.name.size() >= 4
                     && f.name.compare(f.name.size() - 4, 4, "date") == 0)) {
        f.type = field_type::date;
      } else if (f.name.rfind("amount", 0) == 0) {
        f.type = field_type::real;
      }
      return f;
    }
    auto items = entries(node, path);
    std::optional<YAML::Node> found_parser;
    for (const auto& [k, v] : items)
      if (k.Scalar() == "parser")
        found_parser = v;
    if (!found_parser) {
      if (strict)
        fail(node, path, "missing 'parser' (regex, static or lines)");
      warn(node, path + ": no parser, the field is ignored");
      return f;
    }
    const YAML::Node parser_node = *found_parser;
    std::string parser = text_of(parser_node, path + ".parser");
    if (parser == "lines") {
      f.parser = field_spec::parser_kind::lines;
      f.rules = lines_block(node, path);
      return f;
    }
    bool has_regex = false, has_value = false;
    if (parser == "regex") {
      f.parser = field_spec::parser_kind::regex;
    } else if (parser == "static") {
      f.parser = field_spec::parser_kind::static_value;
    } else {
      fail(parser_node, path,
           "unknown parser '" + parser + "' (expected regex, static or lines)");
    }
    for (const auto& [k, v] : items) {
      const std::string& name = k.Scalar();
      std::string where = join(path, name);
      if (name == "parser") {
        continue;
      } else if (name == "regex" && parser == "regex") {
        f.regexes = regexes(v, where);
        has_regex = true;
      } else if (name == "value" && parser == "static") {
        f.value = to_value(v);
        has_value = true;
      } else if (name == "type") {
        f.type = type(v, where);
      } else if (name == "group") {
        f.group = group(v, where);
      } else if (name == "replace" && parser == "regex") {
        f.replace = pairs(v, where);
      } else if (name == "extract_number" && parser == "regex") {
        f.extract_number = truthy(v);
      } else if (name == "area") {
        warn(k, where
                  + ": page areas are not supported, the whole text is "
                    "read");
      } else {
        unknown(k, path);
      }
    }
    if (parser == "regex" && !has_regex)
      fail(node, path, "the regex parser needs 'regex'");
    if (parser == "static" && !has_value)
      fail(node, path, "the static parser needs 'value'");
    return f;
  }

  table_spec table(const YAML::Node& node, const std::string& path) {
    table_spec t;
    t.separator = *py_regex::compile("\\n");
    bool has_start = false, has_end = false, has_body = false;
    for (const auto& [k, v] : entries(node, path)) {
      const std::string& key = k.Scalar();
      std::string where = join(path, key);
      if (key == "start") {
        t.start = regex(v, where);
        has_start = true;
      } else if (key == "end") {
        t.end = regex(v, where);
        has_end = true;
      } else if (key == "body") {
        t.body = regex(v, where);
        has_body = true;
      } else if (key == "line_separator") {
        t.separator = regex(v, where);
      } else if (key == "field_separator") {
        regex(v, where);
      } else if (key == "types") {
        t.types = types(v, where);
      } else if (key == "fields") {
        for (const auto& [fk, fv] : entries(v, where)) {
          std::string fwhere = join(where, fk.Scalar());
          for (const auto& [sk, sv] : entries(fv, fwhere)) {
            if (sk.Scalar() == "type")
              t.field_types.emplace_back(fk.Scalar(),
                                         type(sv, join(fwhere, "type")));
            else if (sk.Scalar() == "group")
              t.field_groups.emplace_back(fk.Scalar(),
                                          group(sv, join(fwhere, "group")));
            else
              unknown(sk, fwhere);
          }
        }
      } else {
        unknown(k, path);
      }
    }
    if (!has_start || !has_end || !has_body)
      fail(node, path, "a table needs 'start', 'end' and 'body'");
    return t;
  }

  template_options options(const YAML::Node& node, const std::string& path) {
    template_options o;
    if (node.IsNull())
      return o;
    for (const auto& [k, v] : entries(node, path)) {
      const std::string& key = k.Scalar();
      std::string where = join(path, key);
      if (key == "currency") {
        o.currency = text_of(v, where);
      } else if (key == "date_formats") {
        o.date_formats = texts(v, where);
      } else if (key == "languages") {
        o.languages = texts(v, where);
        for (const auto& lang : o.languages)
          if (lang.size() != 2)
            fail(v, where, "language '" + lang + "' must be a two-letter code");
      } else if (key == "decimal_separator") {
        std::string sep = text_of(v, where);
        if (sep.size() != 1)
          fail(v, where, "expected one character, '.' or ','");
        o.decimal_separator = sep[0];
      } else if (key == "remove_whitespace") {
        o.remove_whitespace = truthy(v);
      } else if (key == "remove_accents") {
        o.remove_accents = truthy(v);
      } else if (key == "lowercase") {
        o.lowercase = truthy(v);
      } else if (key == "replace") {
        if (v.IsNull())
          continue;
        if (!v.IsSequence())
          fail(v, where, "expected a list of [pattern, replacement] pairs");
        bool flat = v.size() == 2 && v[0].IsScalar() && v[1].IsScalar();
        if (flat) {
          o.replace.push_back(pair(v, where));
        } else {
          std::size_t i = 0;
          for (const auto& item : v)
            o.replace.push_back(
              pair(item, where + "[" + std::to_string(i++) + "]"));
        }
      } else if (key == "strict_fields" || key == "extra_fields") {
        // Upstream's field-name validation; it only ever logs.
      } else {
        unknown(k, path);
      }
    }
    return o;
  }

  compiled_template load(const YAML::Node& root) {
    if (!root.IsMap())
      fail(root, "", "a template must be a mapping");
    compiled_template t;
    // Absent keys stay empty: a default YAML::Node is a defined null.
    std::optional<YAML::Node> issuer, keywords, fields, options_node;
    for (const auto& [k, v] : entries(root, "")) {
      const std::string& key = k.Scalar();
      if (key == "issuer") {
        issuer = v;
      } else if (key == "keywords") {
        keywords = v;
        auto texts_ = texts(v, key);
        if (texts_.empty())
          fail(v, key, "at least one keyword is needed");
        t.keywords = keyword_regexes(v, key);
      } else if (key == "exclude_keywords") {
        if (!v.IsNull())
          t.exclude_keywords = keyword_regexes(v, key);
      } else if (key == "priority") {
        auto p = to_value(v);
        if (p.type != py_value::kind::integer)
          fail(v, key, "expected a whole number");
        t.priority = static_cast<int>(
          std::clamp<std::int64_t>(p.integer, -1'000'000, 1'000'000));
      } else if (key == "required_fields") {
        t.required_fields = texts(v, key);
      } else if (key == "fields") {
        fields = v;
      } else if (key == "lines") {
        try {
          t.lines = lines_block(v, key);
        } catch (const regex_failure& f) {
          if (strict)
            throw;
          warn_at(f.line, f.message + "; the lines are ignored");
        }
      } else if (key == "tables") {
        if (!v.IsSequence())
          fail(v, key, "expected a list of tables");
        std::size_t i = 0;
        for (const auto& item : v) {
          std::string where = "tables[" + std::to_string(i++) + "]";
          try {
            t.tables.push_back(table(item, where));
          } catch (const regex_failure& f) {
            if (strict)
              throw;
            warn_at(f.line, f.message + "; the table is ignored");
          }
        }
      } else if (key == "options") {
        options_node = v;
      } else if (key == "input_module" || key == "template_name"
                 || key == "area") {
        // Which text reader invoice2data should use; larder has one.
      } else {
        unknown(k, "");
      }
    }
    if (!keywords)
      fail(root, "keywords", "missing: a template needs keywords");
    const YAML::Node& kw = *keywords;
    t.issuer = issuer ? text_of(*issuer, "issuer")
                      : text_of(kw.IsSequence() ? kw[0] : kw, "keywords");
    if (fields) {
      if (!fields->IsMap())
        fail(*fields, "fields", "expected a mapping of field names");
      for (const auto& [k, v] : entries(*fields, "fields"))
        t.fields.push_back(field(k, v, "fields." + k.Scalar()));
    }
    if (options_node)
      t.options = options(*options_node, "options");
    return t;
  }
};

} // namespace

expected<compiled_template> load_template(std::string_view text,
                                          bool unknown_keys_are_errors,
                                          std::vector<std::string>& warnings) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    loader l{unknown_keys_are_errors, warnings};
    return l.load(root);
  } catch (const load_failure& f) {
    return make_error(errc::invalid_argument,
                      "line " + std::to_string(f.line) + ": " + f.message);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    return make_error(errc::invalid_argument,
                      "line " + std::to_string(line) + ": bad YAML: " + e.msg);
  }
}

} // namespace larder::extract::detail
