#include "extract/text/templates.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

#include "extract/rules/amounts.hpp"
#include "extract/text/detail/py_regex.hpp"
#include "extract/text/detail/template_apply.hpp"
#include "extract/text/detail/template_loader.hpp"
#include "extract/text/detail/template_model.hpp"

namespace larder::extract {

namespace {

constexpr double k_template_confidence = 0.95;

using detail::py_value;

} // namespace

namespace {

/// The keyword of one block-list item (`  - OYO`, `- 'Acme Ltd'`), or
/// nothing when YAML could read it as anything but that very text.
std::optional<std::string> plain_keyword(std::string_view item) {
  while (!item.empty() && (item.back() == ' ' || item.back() == '\r'))
    item.remove_suffix(1);
  if (item.empty())
    return std::nullopt;
  auto quoted = [&](char q) -> std::optional<std::string> {
    if (item.size() < 2 || item.back() != q)
      return std::nullopt;
    auto inner = item.substr(1, item.size() - 2);
    // Escapes ('' or backslashes) and line folding: let YAML decide.
    if (inner.find(q) != std::string_view::npos
        || (q == '"' && inner.find('\\') != std::string_view::npos))
      return std::nullopt;
    return std::string{inner};
  };
  if (item.front() == '\'')
    return quoted('\'');
  if (item.front() == '"')
    return quoted('"');
  // A plain scalar: nothing that starts another kind of node, no comment,
  // no mapping, and not a number, boolean, null or date YAML resolves.
  if (std::string_view{"&*!|>{}[]%@`#,?:-+.~"}.find(item.front())
        != std::string_view::npos
      || (item.front() >= '0' && item.front() <= '9'))
    return std::nullopt;
  if (item.find(" #") != std::string_view::npos
      || item.find(": ") != std::string_view::npos || item.back() == ':'
      || item.find('\t') != std::string_view::npos)
    return std::nullopt;
  std::string lower;
  for (char c : item)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto word : {"y", "n", "yes", "no", "on", "off", "true", "false", "null",
                    "nan", "inf"})
    if (lower == word)
      return std::nullopt;
  return std::string{item};
}

/// The top-level `keywords` block list of `source`, when it is written so
/// that `plain_keyword` reads every item.
std::optional<std::vector<std::string>>
plain_keywords(std::string_view source) {
  std::optional<std::vector<std::string>> found;
  bool in_list = false;
  std::size_t at = 0;
  while (at < source.size()) {
    auto end = source.find('\n', at);
    auto line = source.substr(
      at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? source.size() : end + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    auto first = line.find_first_not_of(' ');
    if (first == std::string_view::npos || line[first] == '#')
      continue;
    // Items may sit at the key's own indentation ("keywords:\n- A").
    bool item =
      line[first] == '-' && line.size() > first + 1 && line[first + 1] == ' ';
    if (first == 0 && !(in_list && item)) {
      in_list = false;
      if (line.starts_with("keywords")) {
        // Twice (the last wins upstream) or anything but "keywords:" then
        // a block list below: not for this reader.
        if (found || line.find_first_not_of(' ', 8) == std::string_view::npos
            || line.substr(line.find_first_not_of(' ', 8)) != ":")
          return std::nullopt;
        found.emplace();
        in_list = true;
      } else if (line.starts_with("---") || line.starts_with("...")) {
        return std::nullopt; // several documents
      }
      continue;
    }
    if (!in_list)
      continue;
    if (line[first] != '-' || line.size() < first + 2 || line[first + 1] != ' ')
      return std::nullopt; // a nested node or a continued scalar
    auto keyword = plain_keyword(line.substr(first + 2));
    if (!keyword)
      return std::nullopt;
    found->push_back(std::move(*keyword));
  }
  if (found && found->empty())
    return std::nullopt;
  return found;
}

} // namespace

bool template_may_match(std::string_view source, std::string_view text) {
  auto keywords = plain_keywords(source);
  if (!keywords)
    return true;
  for (const auto& k : *keywords) {
    auto re = detail::py_regex::compile(k);
    if (!re)
      return true; // searched as plain text upstream: let the parser say
    if (!re->search(text))
      return false;
  }
  return true;
}

expected<template_entry> parse_template(std::string_view text,
                                        std::string_view name,
                                        template_checks checks) {
  template_entry entry;
  entry.name = std::string(name);
  auto loaded = detail::load_template(text, checks == template_checks::strict,
                                      entry.warnings);
  if (!loaded)
    return make_error(errc::invalid_argument,
                      entry.name + " " + loaded.error().message);
  entry.issuer = loaded->issuer;
  entry.priority = loaded->priority;
  entry.compiled =
    std::make_shared<const detail::compiled_template>(std::move(*loaded));
  return entry;
}

bool template_matches(const template_entry& entry, std::string_view text) {
  if (!entry.compiled)
    return false;
  const auto& t = *entry.compiled;
  for (const auto& k : t.keywords)
    if (!k.search(text))
      return false;
  for (const auto& k : t.exclude_keywords)
    if (k.search(text))
      return false;
  return true;
}

expected<template_library>
template_library::load_directory(const std::filesystem::path& dir,
                                 template_checks checks) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return make_error(errc::invalid_argument, "template folder '"
                                                + dir.filename().string()
                                                + "' is not a directory");
  // As invoice2data walks it: a folder's files in name order, then its
  // sub-folders (in name order here, so the result does not depend on the
  // file system).
  std::vector<std::filesystem::path> files;
  std::vector<std::filesystem::path> pending{dir};
  while (!pending.empty()) {
    auto current = pending.back();
    pending.pop_back();
    std::vector<std::filesystem::path> here, subdirs;
    for (const auto& e : std::filesystem::directory_iterator(current, ec)) {
      if (e.is_directory(ec))
        subdirs.push_back(e.path());
      else if (e.is_regular_file(ec))
        here.push_back(e.path());
    }
    std::sort(here.begin(), here.end());
    std::sort(subdirs.begin(), subdirs.end());
    for (auto& f : here)
      files.push_back(std::move(f));
    for (auto it = subdirs.rbegin(); it != subdirs.rend(); ++it)
      pending.push_back(*it);
  }
  template_library lib;
  std::string errors;
  const auto base =
    dir.has_filename() ? dir.filename() : dir.parent_path().filename();
  for (const auto& path : files) {
    auto ext = path.extension().string();
    if (ext != ".yml" && ext != ".yaml" && ext != ".json")
      continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto name =
      (base / std::filesystem::relative(path, dir, ec)).generic_string();
    auto added = lib.add(buffer.str(), name, checks);
    if (!added) {
      if (!errors.empty())
        errors += '\n';
      errors += added.error().message;
    }
  }
  if (!errors.empty())
    return make_error(errc::invalid_argument, errors);
  return lib;
}

expected<const template_entry*> template_library::add(std::string_view text,
                                                      std::string_view name,
                                                      template_checks checks) {
  auto entry = parse_template(text, name, checks);
  if (!entry)
    return std::move(entry).error();
  auto shared = std::make_shared<const template_entry>(std::move(*entry));
  auto same =
    std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) {
      return e->name == shared->name;
    });
  if (same != entries_.end())
    entries_.erase(same);
  // Stable: by descending priority, then in the order added.
  auto at = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) {
    return e->priority < shared->priority;
  });
  const template_entry* result = shared.get();
  entries_.insert(at, std::move(shared));
  return result;
}

const template_entry* template_library::match(std::string_view text) const {
  for (const auto& e : entries_)
    if (template_matches(*e, text))
      return e.get();
  return nullptr;
}

expected<extraction> template_library::extract(std::string_view text) const {
  const template_entry* entry = match(text);
  if (!entry)
    return make_error(errc::not_found, "no template matches this document");
  return apply_template(*entry, text);
}

std::vector<const template_entry*> template_library::entries() const {
  std::vector<const template_entry*> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_)
    out.push_back(e.get());
  return out;
}

namespace {

/// The text of a value invoice2data may give as a string, a number or (for
/// several different matches) a list, whose first element is taken.
std::optional<std::string> text_of(const py_value* v) {
  if (!v)
    return std::nullopt;
  if (v->type == py_value::kind::list)
    return v->items.empty() ? std::nullopt : text_of(&v->items.front());
  if (v->type == py_value::kind::string) {
    auto s = std::string(detail::py_strip(v->text));
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  }
  if (v->type == py_value::kind::integer)
    return std::to_string(v->integer);
  return std::nullopt;
}

std::optional<values::decimal> decimal_of(const py_value* v, char separator) {
  if (!v)
    return std::nullopt;
  if (v->type == py_value::kind::list)
    return v->items.empty() ? std::nullopt
                            : decimal_of(&v->items.front(), separator);
  switch (v->type) {
    case py_value::kind::integer: {
      if (v->integer > 1'000'000'000'000 || v->integer < -1'000'000'000'000)
        return std::nullopt;
      return values::decimal::from_int(v->integer);
    }
    case py_value::kind::real: {
      if (v->exact)
        return v->exact;
      auto text = detail::python_float_repr(v->real);
      if (text.find('e') != std::string::npos)
        return std::nullopt;
      auto parsed = parse_amount(text, '.');
      if (!parsed) {
        // More than four places: round through the value's repr.
        auto dot = text.find('.');
        if (dot != std::string::npos && text.size() > dot + 5)
          if (auto cut = values::decimal::parse(text.substr(0, dot + 5)))
            parsed = *cut;
      }
      return parsed;
    }
    case py_value::kind::string: return parse_amount(v->text, separator);
    default: return std::nullopt;
  }
}

std::optional<values::date> date_of(const py_value* v) {
  if (!v)
    return std::nullopt;
  if (v->type == py_value::kind::list)
    return v->items.empty() ? std::nullopt : date_of(&v->items.front());
  if (v->type == py_value::kind::date)
    return v->day;
  if (v->type == py_value::kind::string)
    if (auto d = values::date::parse(v->text))
      return *d;
  return std::nullopt;
}

void map_lines(const py_value* rows, char separator, extraction& x) {
  if (!rows || rows->type != py_value::kind::list)
    return;
  std::size_t number = 0;
  for (const auto& row : rows->items) {
    ++number;
    if (row.type != py_value::kind::dict)
      continue;
    auto description = text_of(row.get("name"));
    if (!description)
      description = text_of(row.get("description"));
    if (!description)
      continue; // section headers and notes
    values::line_item line;
    line.description = *description;
    auto qty = decimal_of(row.get("qty"), separator);
    auto price = decimal_of(row.get("price_unit"), separator);
    auto total = decimal_of(row.get("price_subtotal"), separator);
    if (!total)
      total = decimal_of(row.get("amount"), separator);
    if (!qty && !price && !total)
      continue;
    line.quantity = qty.value_or(values::decimal::from_int(1));
    if (price) {
      line.unit_price = *price;
    } else if (total) {
      auto p = values::decimal::checked_divide(*total, line.quantity);
      line.unit_price = p ? *p : *total;
    }
    if (total) {
      line.line_total = *total;
    } else {
      auto t =
        values::decimal::checked_multiply(line.quantity, line.unit_price);
      line.line_total = t ? t->round(2) : values::decimal{};
    }
    if (auto uom = text_of(row.get("uom")))
      line.unit = *uom;
    auto valid = values::validate_line(std::move(line));
    if (!valid) {
      x.notes.push_back("template line " + std::to_string(number)
                        + " dropped: " + valid.error().message);
      continue;
    }
    x.lines.push_back(std::move(*valid));
  }
}

} // namespace

expected<extraction> apply_template(const template_entry& entry,
                                    std::string_view text) {
  if (!entry.compiled)
    return make_error(errc::invalid_argument,
                      entry.name + " is not a loaded template");
  const auto& t = *entry.compiled;
  auto run = detail::run_template(t, text);
  if (!run.missing.empty()) {
    std::string names;
    for (const auto& m : run.missing)
      names += (names.empty() ? "" : ", ") + m;
    return make_error(errc::not_found,
                      entry.name + " matched but did not find " + names);
  }
  extraction x;
  x.provider = "template";
  x.model = t.issuer;
  x.text = std::string(text);
  x.notes = run.notes;
  const py_value& out = run.output;
  const char sep = t.options.decimal_separator;
  auto found = [&](const char* field) {
    x.confidence[field] = k_template_confidence;
  };
  auto& f = x.fields;
  if ((f.supplier_name = text_of(out.get("partner_name")))
      || (f.supplier_name = text_of(out.get("issuer"))))
    found("supplier_name");
  if ((f.supplier_tax_id = text_of(out.get("vat"))))
    found("supplier_tax_id");
  if ((f.invoice_number = text_of(out.get("invoice_number"))))
    found("invoice_number");
  if ((f.issue_date = date_of(out.get("date"))))
    found("issue_date");
  if ((f.due_date = date_of(out.get("date_due"))))
    found("due_date");
  if ((f.total = decimal_of(out.get("amount"), sep)))
    found("total");
  if ((f.subtotal = decimal_of(out.get("amount_untaxed"), sep)))
    found("subtotal");
  if ((f.tax_total = decimal_of(out.get("amount_tax"), sep)))
    found("tax_total");
  if (auto code = text_of(out.get("currency"))) {
    if (auto c = values::currency::parse(*code)) {
      f.currency = *c;
      found("currency");
    } else {
      x.notes.push_back("template currency '" + *code
                        + "' is not an ISO 4217 code");
    }
  }
  map_lines(out.get("lines"), sep, x);
  if (!x.lines.empty())
    found("lines");
  x.overall_confidence = k_template_confidence;
  events::json_writer w;
  detail::write_json(w, out);
  x.invoice2data_object = w.take();
  return x;
}

} // namespace larder::extract
