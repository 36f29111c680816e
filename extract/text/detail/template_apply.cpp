#include "extract/text/detail/template_apply.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "extract/rules/amounts.hpp"
#include "extract/rules/dates.hpp"
#include "extract/text/detail/unicode.hpp"

namespace larder::extract::detail {

namespace {

bool py_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85
         || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
         || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
         || c == 0x3000;
}

const py_regex& regex_of(const char* pattern) {
  // Patterns of the runner itself, compiled once.
  static thread_local std::vector<std::pair<const char*, py_regex>> cache;
  for (const auto& [p, re] : cache)
    if (p == pattern)
      return re;
  cache.emplace_back(pattern, *py_regex::compile(pattern));
  return cache.back().second;
}

} // namespace

std::string_view py_strip(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t i = begin;
    if (!py_space(decode_utf8(text, i)))
      break;
    begin = i;
  }
  std::size_t end = text.size();
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin
           && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
      --start;
    std::size_t i = start;
    if (!py_space(decode_utf8(text, i)))
      break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

std::string prepare_input(const template_options& o, std::string_view text) {
  std::string s(text);
  if (o.remove_whitespace)
    s = *regex_of(" +").sub("", s);
  if (o.remove_accents)
    s = remove_accents(s);
  if (o.lowercase)
    s = lowercase(s);
  for (const auto& r : o.replace) {
    if (auto replaced = r.pattern.sub(r.repl, s))
      s = std::move(*replaced);
  }
  return s;
}

namespace {

class runner {
 public:
  runner(const compiled_template& t, template_run& run) : t_(t), run_(run) {}

  /// invoice2data's `parse_number`: thousands separators and spaces out,
  /// the template's decimal separator read as the point.
  std::optional<py_value> number(std::string_view text) {
    char sep = t_.options.decimal_separator;
    if (auto d = parse_amount(text, sep))
      return py_value::of_decimal(*d);
    // What Python's float() accepts that parse_amount does not (more than
    // four places, exponents).
    std::string cleaned;
    char thousands = sep == '.' ? ',' : '.';
    if (std::count(text.begin(), text.end(), sep) >= 2)
      return std::nullopt;
    for (char c : text) {
      if (c == thousands || c == '\'' || c == ' ' || c == '\t' || c == '\n'
          || c == '\r' || c == '\f' || c == '\v')
        continue;
      cleaned += c == sep ? '.' : c;
    }
    if (cleaned.empty())
      return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(cleaned.c_str(), &end);
    if (end != cleaned.c_str() + cleaned.size() || !std::isfinite(d))
      return std::nullopt;
    return py_value::of_real(d);
  }

  std::optional<values::date> date(std::string_view value) {
    std::string_view cleaned = py_strip(value);
    if (cleaned.empty())
      return std::nullopt;
    for (const auto& format : t_.options.date_formats)
      if (auto d = parse_date_with_format(cleaned, format))
        return d;
    // dateutil reads numbers month first unless the day is above 12.
    if (auto d = parse_date(cleaned, date_order::mdy))
      return d;
    // dateutil is lenient about spaces before a comma ("August 3 , 2014").
    std::string squeezed;
    for (std::size_t i = 0; i < cleaned.size(); ++i) {
      if (cleaned[i] == ' ') {
        std::size_t j = i;
        while (j < cleaned.size() && cleaned[j] == ' ')
          ++j;
        if (j < cleaned.size() && cleaned[j] == ',') {
          i = j - 1;
          continue;
        }
      }
      squeezed += cleaned[i];
    }
    if (squeezed != cleaned)
      if (auto d = parse_date(squeezed, date_order::mdy))
        return d;
    return std::nullopt;
  }

  /// `coerce_type`; none when the text cannot be read as `type`.
  py_value coerce(const py_value& v, field_type type,
                  const std::string& field) {
    if (type == field_type::none || v.type != py_value::kind::string)
      return v;
    const std::string& s = v.text;
    switch (type) {
      case field_type::integer: {
        if (s.empty())
          return py_value::of_int(0);
        auto n = number(s);
        if (!n) {
          note(field, "'" + s + "' is not a number");
          return py_value::none();
        }
        if (n->exact)
          return py_value::of_int(n->exact->units() / values::decimal::one);
        return py_value::of_int(static_cast<std::int64_t>(n->real));
      }
      case field_type::real: {
        if (s.empty())
          return py_value::of_real(0);
        auto n = number(s);
        if (!n) {
          note(field, "'" + s + "' is not a number");
          return py_value::none();
        }
        return *n;
      }
      case field_type::date: {
        if (auto d = date(s))
          return py_value::of_date(*d, true);
        return py_value::none();
      }
      case field_type::none: break;
    }
    return v;
  }

  void note(const std::string& field, const std::string& what) {
    run_.notes.push_back(field + ": " + what);
  }

  /// `_apply_grouping`: falsy values out, then one value or a one-element
  /// list for `join`.
  std::optional<py_value> group(grouping g, std::vector<py_value> values,
                                const std::string& field) {
    std::vector<py_value> kept;
    for (auto& v : values)
      if (v.truthy())
        kept.push_back(std::move(v));
    if (kept.empty())
      return py_value::list({});
    switch (g) {
      case grouping::none: return py_value::list(std::move(kept));
      case grouping::sum: return sum(kept, field);
      case grouping::min:
        return *std::min_element(kept.begin(), kept.end(), py_less);
      case grouping::max:
        // Python's max keeps the first of equal maxima.
        return *std::max_element(kept.begin(), kept.end(), py_less);
      case grouping::first: return kept.front();
      case grouping::last: return kept.back();
      case grouping::join: {
        std::string joined;
        for (std::size_t i = 0; i < kept.size(); ++i) {
          if (i)
            joined += ' ';
          joined += kept[i].str();
        }
        return py_value::list({py_value::of_string(std::move(joined))});
      }
    }
    return std::nullopt;
  }

  std::optional<py_value> sum(const std::vector<py_value>& values,
                              const std::string& field) {
    bool all_int = true, all_exact = true;
    std::int64_t isum = 0;
    values::decimal dsum;
    double fsum = 0;
    for (const auto& v : values) {
      if (!v.is_number()) {
        note(field, "cannot sum '" + v.str() + "'");
        return std::nullopt;
      }
      if (v.type == py_value::kind::real) {
        all_int = false;
        if (!v.exact)
          all_exact = false;
      }
      std::int64_t as_int =
        v.type == py_value::kind::boolean ? v.flag : v.integer;
      if (v.type != py_value::kind::real)
        isum += as_int;
      fsum += v.as_double();
      auto exact = v.exact ? *v.exact : values::decimal::from_int(as_int);
      auto next = values::decimal::checked_add(dsum, exact);
      if (!next)
        all_exact = false;
      else
        dsum = *next;
    }
    if (all_int)
      return py_value::of_int(isum);
    if (all_exact)
      return py_value::of_decimal(dsum);
    return py_value::of_real(fsum);
  }

  /// The regex parser (`parsers/regex.py`).
  std::optional<py_value> regex_field(const field_spec& f,
                                      std::string_view content) {
    std::vector<py_value> result;
    for (const auto& re : f.regexes) {
      if (re.group_count() > 1) {
        note(f.name, "a regex may have at most one capturing group");
        return std::nullopt;
      }
      for (const auto& m : re.find_all(content))
        result.push_back(py_value::of_string(
          std::string(m.group(re.group_count() == 1 ? 1 : 0))));
    }
    for (auto& v : result)
      for (const auto& r : f.replace)
        if (auto s = r.pattern.sub(r.repl, v.text))
          v.text = std::move(*s);
    if (f.extract_number) {
      const auto& num = regex_of(R"([-+]?\d+(?:[.,\s']\d+)*)");
      for (auto& v : result)
        if (auto m = num.search(v.text))
          v.text = std::string(m->group());
    }
    for (auto& v : result)
      v = coerce(v, f.type, f.name);
    py_value out = py_value::list(std::move(result));
    if (f.group != grouping::none) {
      auto grouped = group(f.group, std::move(out.items), f.name);
      if (!grouped)
        return std::nullopt;
      out = std::move(*grouped);
    }
    if (out.type == py_value::kind::list) {
      std::vector<py_value> unique;
      for (auto& v : out.items)
        if (std::none_of(unique.begin(), unique.end(), [&](const auto& u) {
              return py_equal(u, v);
            }))
          unique.push_back(std::move(v));
      out.items = std::move(unique);
      if (out.items.size() == 1)
        return std::move(out.items.front());
    }
    return out;
  }

  static bool matches_any(const std::vector<py_regex>& patterns,
                          std::string_view line,
                          std::optional<py_match>& found) {
    for (const auto& p : patterns)
      if ((found = p.search(line)))
        return true;
    return false;
  }

  static void fill_row(const py_regex& re, const py_match& m, py_value& row,
                       bool append) {
    for (const auto& [name, number] : re.named_groups()) {
      std::string value(py_strip(m.group(number)));
      py_value* existing = row.get(name);
      if (append && existing && !existing->text.empty())
        value = existing->text + "\n" + value;
      row.set(name, py_value::of_string(std::move(value)));
    }
  }

  static const py_regex* which(const std::vector<py_regex>& patterns,
                               std::string_view line) {
    for (const auto& p : patterns)
      if (p.search(line))
        return &p;
    return nullptr;
  }

  /// `parse_block`: rows of one block of lines.
  std::vector<py_value> block(const lines_rule& r, std::string_view content,
                              const std::string& field) {
    std::vector<py_value> rows;
    bool has_first = r.has_first_line;
    const auto& first = has_first || r.has_last_line ? r.first_line : r.line;
    if (!r.has_first_line && !r.has_last_line)
      has_first = true;
    bool first_found = false;
    py_value row = py_value::dict();
    for (std::string_view line : r.separator.split(content)) {
      std::string_view bare = line;
      while (!bare.empty() && bare.front() == '\n')
        bare.remove_prefix(1);
      while (!bare.empty() && bare.back() == '\n')
        bare.remove_suffix(1);
      while (!bare.empty() && bare.front() == '\r')
        bare.remove_prefix(1);
      while (!bare.empty() && bare.back() == '\r')
        bare.remove_suffix(1);
      if (bare.empty())
        continue;
      if (std::any_of(r.skip_line.begin(), r.skip_line.end(),
                      [&](const auto& p) {
                        return p.search(line).has_value();
                      }))
        continue;
      if (has_first) {
        if (const auto* p = which(first, line)) {
          if (!row.members.empty())
            rows.push_back(std::move(row));
          row = py_value::dict();
          fill_row(*p, *p->search(line), row, false);
          first_found = true;
          continue;
        }
      }
      if (!first_found)
        continue;
      if (r.has_last_line) {
        if (const auto* p = which(r.last_line, line)) {
          fill_row(*p, *p->search(line), row, true);
          if (!row.members.empty())
            rows.push_back(std::move(row));
          row = py_value::dict();
          first_found = false;
          continue;
        }
      }
      if (const auto* p = which(r.line, line))
        fill_row(*p, *p->search(line), row, true);
    }
    if (!row.members.empty())
      rows.push_back(std::move(row));
    for (auto& row_value : rows) {
      for (const auto& [name, pairs] : r.replace)
        if (auto* v = row_value.get(name);
            v && v->type == py_value::kind::string)
          for (const auto& p : pairs)
            if (auto s = p.pattern.sub(p.repl, v->text))
              v->text = std::move(*s);
      for (auto& [name, v] : row_value.members)
        for (const auto& [tname, type] : r.types)
          if (tname == name)
            v = coerce(v, type, field + "." + name);
    }
    return rows;
  }

  /// `parse_by_rule`: every start…end block of `content`.
  std::vector<py_value> rule(const lines_rule& r, std::string_view content,
                             const std::string& field) {
    std::vector<py_value> rows;
    while (true) {
      auto start = r.start.search(content);
      if (!start)
        break;
      content = content.substr(start->end());
      std::optional<py_match> end;
      if (r.end_last) {
        auto all = r.end.find_all(content);
        if (!all.empty())
          end = all.back();
      } else {
        end = r.end.search(content);
      }
      if (!end)
        break;
      auto found = block(r, content.substr(0, end->start()), field);
      std::move(found.begin(), found.end(), std::back_inserter(rows));
      content = content.substr(end->end());
      if (start->end() == 0 && end->end() == 0)
        break; // Python would loop forever on two empty matches.
    }
    return rows;
  }

  py_value lines(const std::vector<lines_rule>& rules, std::string_view content,
                 const std::string& field) {
    std::vector<py_value> rows;
    for (const auto& r : rules) {
      auto found = rule(r, content, field);
      std::move(found.begin(), found.end(), std::back_inserter(rows));
    }
    return py_value::list(std::move(rows));
  }

  static bool date_name(std::string_view name) {
    return name.starts_with("date") || name.ends_with("date");
  }

  /// The `tables` plugin.
  void table(const table_spec& t, std::string_view content, py_value& out) {
    auto start = t.start.search(content);
    auto end = t.end.search(content);
    if (!start || !end)
      return;
    std::string_view body =
      start->end() < end->start()
        ? content.substr(start->end(), end->start() - start->end())
        : std::string_view{};
    py_value data = py_value::dict();
    for (std::string_view line : t.separator.split(body)) {
      std::string_view bare = line;
      while (!bare.empty() && bare.front() == '\n')
        bare.remove_prefix(1);
      while (!bare.empty() && bare.back() == '\n')
        bare.remove_suffix(1);
      if (bare.empty() || py_strip(line).empty())
        continue;
      auto m = t.body.search(line);
      if (!m)
        continue;
      for (const auto& [name, index] : t.body.named_groups()) {
        py_value value = py_value::of_string(std::string(m->group(index)));
        if (date_name(name)) {
          auto d = m->matched(index) ? date(value.text) : std::nullopt;
          if (!d)
            return; // invoice2data drops the whole table.
          value = py_value::of_date(*d, true);
        } else if (name.starts_with("amount")) {
          auto n = m->matched(index) ? number(value.text) : std::nullopt;
          if (!n) {
            note(name, "'" + value.text + "' is not a number");
            return;
          }
          value = *n;
        } else if (auto type = find(t.types, name)) {
          value = coerce(value, *type, name);
        } else if (auto ftype = find(t.field_types, name)) {
          value = coerce(value, *ftype, name);
        }
        if (py_value* existing = data.get(name)) {
          if (existing->type != py_value::kind::list)
            *existing = py_value::list({std::move(*existing)});
          existing->items.push_back(std::move(value));
        } else {
          data.set(name, std::move(value));
        }
      }
    }
    for (const auto& [name, g] : t.field_groups) {
      py_value* v = data.get(name);
      if (!v)
        continue;
      std::vector<py_value> items =
        v->type == py_value::kind::list ? v->items : std::vector<py_value>{*v};
      if (auto grouped = group(g, std::move(items), name))
        *v = std::move(*grouped);
    }
    for (auto& [name, v] : data.members)
      out.set(name, std::move(v));
  }

  template <class T>
  static std::optional<T>
  find(const std::vector<std::pair<std::string, T>>& list,
       std::string_view name) {
    for (const auto& [k, v] : list)
      if (k == name)
        return v;
    return std::nullopt;
  }

  void run(std::string_view text) {
    std::string optimized = prepare_input(t_.options, text);
    py_value& out = run_.output;
    out.set("issuer", py_value::of_string(t_.issuer));
    for (const auto& f : t_.fields) {
      std::optional<py_value> value;
      switch (f.parser) {
        case field_spec::parser_kind::regex:
          value = regex_field(f, optimized);
          break;
        case field_spec::parser_kind::static_value: value = f.value; break;
        case field_spec::parser_kind::lines:
          value = lines(f.rules, optimized, f.name);
          break;
        case field_spec::parser_kind::ignored: break;
      }
      if (!value)
        continue;
      // Legacy `static_` fields are written whatever their value; the
      // parsers' results only when truthy or a number.
      bool legacy_static =
        f.parser == field_spec::parser_kind::static_value && f.legacy;
      if (legacy_static || value->truthy() || value->is_number())
        out.set(f.name, std::move(*value));
    }
    if (!out.get("currency"))
      out.set("currency", py_value::of_string(t_.options.currency));
    if (t_.lines)
      out.set("lines", lines(*t_.lines, optimized, "lines"));
    for (const auto& t : t_.tables)
      table(t, optimized, out);
    normalize_lines(out);
    std::vector<std::string> required =
      t_.required_fields ? *t_.required_fields
                         : std::vector<std::string>{"date", "amount",
                                                    "invoice_number", "issuer"};
    for (const auto& name : required)
      if (!out.get(name))
        run_.missing.push_back(name);
    if (run_.missing.empty())
      out.set("desc", py_value::of_string("Invoice from " + t_.issuer));
  }

  /// invoice2data's post-processing of `lines` and `tax_lines`: canonical
  /// names, UNECE unit codes, tax rates carried onto lines.
  static void normalize_lines(py_value& out);

 private:
  const compiled_template& t_;
  template_run& run_;
};

struct uom_code {
  const char* literal;
  const char* code;
};

/// UNECE Recommendation 20 codes for the unit literals invoices print,
/// as invoice2data maps them.
constexpr uom_code k_uom_codes[] = {
  {"l", "LTR"},
  {"ltr", "LTR"},
  {"lt", "LTR"},
  {"\xe2\x84\x93", "LTR"},
  {"liter", "LTR"},
  {"litre", "LTR"},
  {"liters", "LTR"},
  {"litres", "LTR"},
  {"ml", "MLT"},
  {"millilitre", "MLT"},
  {"milliliter", "MLT"},
  {"kg", "KGM"},
  {"kgm", "KGM"},
  {"kgs", "KGM"},
  {"kilogram", "KGM"},
  {"kilograms", "KGM"},
  {"g", "GRM"},
  {"gr", "GRM"},
  {"grm", "GRM"},
  {"gram", "GRM"},
  {"grams", "GRM"},
  {"m", "MTR"},
  {"mtr", "MTR"},
  {"meter", "MTR"},
  {"metre", "MTR"},
  {"meters", "MTR"},
  {"metres", "MTR"},
  {"cm", "CMT"},
  {"mm", "MMT"},
  {"km", "KMT"},
  {"pcs", "H87"},
  {"pc", "H87"},
  {"piece", "H87"},
  {"pieces", "H87"},
  {"ea", "H87"},
  {"each", "H87"},
  {"ps", "H87"},
  {"st", "H87"},
  {"stk", "H87"},
  {"stuk", "H87"},
  {"stuks", "H87"},
  {"st\xc3\xbc"
   "ck",
   "H87"},
  {"stueck", "H87"},
  {"stueckliste", "H87"},
  {"unit", "H87"},
  {"units", "H87"},
  {"stk.", "H87"},
  {"x", "H87"},
  {"set", "SET"},
  {"sets", "SET"},
  {"h", "HUR"},
  {"hr", "HUR"},
  {"hrs", "HUR"},
  {"hour", "HUR"},
  {"hours", "HUR"},
  {"uur", "HUR"},
  {"uren", "HUR"},
  {"min", "MIN"},
  {"minute", "MIN"},
  {"minutes", "MIN"},
  {"d", "DAY"},
  {"day", "DAY"},
  {"days", "DAY"},
  {"dag", "DAY"},
  {"dagen", "DAY"},
  {"month", "MON"},
  {"months", "MON"},
  {"maand", "MON"},
  {"maanden", "MON"},
  {"mnd", "MON"},
  {"year", "ANN"},
  {"years", "ANN"},
  {"jaar", "ANN"},
};

const char* uom_code_of(std::string_view literal) {
  std::string key = lowercase(py_strip(literal));
  for (const auto& u : k_uom_codes)
    if (key == u.literal)
      return u.code;
  return nullptr;
}

std::optional<double> to_float(const py_value& v) {
  if (v.is_number())
    return v.as_double();
  if (v.type == py_value::kind::string) {
    std::string s(py_strip(v.text));
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size())
      return d;
  }
  return std::nullopt;
}

py_value round2(double d) {
  // Python's round(x, 2) on the float; exact enough through the decimal.
  auto text = python_float_repr(std::round(d * 100) / 100);
  auto exact = values::decimal::parse(
    text.ends_with(".0") ? text.substr(0, text.size() - 2) : text);
  return exact ? py_value::of_decimal(*exact) : py_value::of_real(d);
}

void set_line_rate(py_value& line, const py_value& percent) {
  line.set("line_tax_percent", percent);
  if (line.get("line_tax_amount") || !line.get("price_subtotal"))
    return;
  auto subtotal = to_float(*line.get("price_subtotal"));
  auto rate = to_float(percent);
  if (subtotal && rate)
    line.set("line_tax_amount", round2(*subtotal * *rate / 100));
}

void runner::normalize_lines(py_value& out) {
  static const std::pair<const char*, const char*> aliases[] = {
    {"description", "name"},
    {"unit_price", "price_unit"},
    {"unitprice", "price_unit"},
    {"vat_rate", "line_tax_percent"},
    {"tax_percent", "line_tax_percent"}};
  for (const char* array : {"lines", "tax_lines"}) {
    py_value* rows = out.get(array);
    if (!rows || rows->type != py_value::kind::list)
      continue;
    for (auto& row : rows->items) {
      if (row.type != py_value::kind::dict)
        continue;
      for (const auto& [alias, canonical] : aliases) {
        py_value* v = row.get(alias);
        if (v && !row.get(canonical)) {
          py_value moved = std::move(*v);
          row.erase(alias);
          row.set(canonical, std::move(moved));
        }
      }
      const py_value* code = row.get("unece_code");
      if (code && code->truthy())
        continue;
      const py_value* uom = row.get("uom");
      if (uom && uom->type == py_value::kind::string)
        if (const char* c = uom_code_of(uom->text))
          row.set("unece_code", py_value::of_string(c));
    }
  }
  py_value* tax_lines = out.get("tax_lines");
  if (!tax_lines || tax_lines->type != py_value::kind::list)
    return;
  if (py_value* rows = out.get("lines");
      rows && rows->type == py_value::kind::list) {
    for (auto& line : rows->items) {
      if (line.type != py_value::kind::dict || line.get("line_tax_percent"))
        continue;
      const py_value* code = line.get("line_tax_code");
      if (!code)
        continue;
      for (const auto& row : tax_lines->items) {
        const py_value* rc =
          row.type == py_value::kind::dict ? row.get("line_tax_code") : nullptr;
        const py_value* rp = rc ? row.get("line_tax_percent") : nullptr;
        if (rc && rp && rc->str() == code->str()) {
          set_line_rate(line, *rp);
          break;
        }
      }
    }
    // One active rate in the summary applies to every line without one.
    std::vector<std::pair<double, py_value>> rates;
    for (const auto& row : tax_lines->items) {
      if (row.type != py_value::kind::dict)
        continue;
      const py_value* p = row.get("line_tax_percent");
      auto percent = p ? to_float(*p) : std::nullopt;
      if (!percent || *percent == 0)
        continue;
      const py_value* s = row.get("price_subtotal");
      const py_value* a = row.get("line_tax_amount");
      double subtotal = s ? to_float(*s).value_or(0) : 0;
      double amount = a ? to_float(*a).value_or(0) : 0;
      if (subtotal == 0 && amount == 0)
        continue;
      auto same = std::find_if(rates.begin(), rates.end(), [&](const auto& r) {
        return r.first == *percent;
      });
      if (same == rates.end())
        rates.emplace_back(*percent, *p);
      else
        same->second = *p;
    }
    if (rates.size() == 1)
      for (auto& line : rows->items)
        if (line.type == py_value::kind::dict && !line.get("line_tax_percent"))
          set_line_rate(line, rates.front().second);
  }
  for (auto& row : tax_lines->items) {
    if (row.type != py_value::kind::dict || row.get("line_tax_amount"))
      continue;
    const py_value* p = row.get("line_tax_percent");
    const py_value* s = row.get("price_subtotal");
    auto percent = p ? to_float(*p) : std::nullopt;
    auto subtotal = s ? to_float(*s) : std::nullopt;
    if (percent && subtotal)
      row.set("line_tax_amount", round2(*subtotal * *percent / 100));
  }
}

} // namespace

template_run run_template(const compiled_template& t, std::string_view text) {
  template_run run;
  runner r(t, run);
  r.run(text);
  return run;
}

} // namespace larder::extract::detail
