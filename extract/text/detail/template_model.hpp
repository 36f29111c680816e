#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "extract/text/detail/py_regex.hpp"
#include "extract/text/detail/py_value.hpp"

/// An invoice2data template as loaded: every regex compiled, every option
/// checked, nothing left to fail at extraction time that loading could
/// have caught.
namespace larder::extract::detail {

enum class field_type : std::uint8_t { none, integer, real, date };

enum class grouping : std::uint8_t { none, sum, min, max, first, last, join };

/// One `[pattern, replacement]` pair of a `replace` option.
struct replacement {
  py_regex pattern;
  std::string repl;
};

/// One set of line-parsing rules (a `lines` block or one of its `rules`).
struct lines_rule {
  py_regex start;
  py_regex end;
  /// `end_match: last`: the block ends at the last `end` after `start`.
  bool end_last = false;
  py_regex separator;
  std::vector<py_regex> line;
  /// Absent when the template gives neither `first_line` nor `last_line`:
  /// then every `line` starts a row.
  bool has_first_line = false;
  std::vector<py_regex> first_line;
  bool has_last_line = false;
  std::vector<py_regex> last_line;
  std::vector<py_regex> skip_line;
  std::vector<std::pair<std::string, field_type>> types;
  std::vector<std::pair<std::string, std::vector<replacement>>> replace;
};

struct field_spec {
  enum class parser_kind : std::uint8_t { regex, static_value, lines, ignored };

  /// The output key.
  std::string name;
  parser_kind parser = parser_kind::ignored;
  /// Legacy `name: regex` fields drop duplicates without keeping order.
  bool legacy = false;
  std::vector<py_regex> regexes;
  field_type type = field_type::none;
  grouping group = grouping::none;
  bool extract_number = false;
  std::vector<replacement> replace;
  py_value value;
  std::vector<lines_rule> rules;
};

/// One entry of the `tables` plugin.
struct table_spec {
  py_regex start;
  py_regex end;
  py_regex body;
  py_regex separator;
  std::vector<std::pair<std::string, field_type>> types;
  std::vector<std::pair<std::string, field_type>> field_types;
  std::vector<std::pair<std::string, grouping>> field_groups;
};

struct template_options {
  std::string currency = "EUR";
  std::vector<std::string> date_formats;
  std::vector<std::string> languages;
  char decimal_separator = '.';
  bool remove_whitespace = false;
  bool remove_accents = false;
  bool lowercase = false;
  std::vector<replacement> replace;
};

struct compiled_template {
  std::string issuer;
  std::vector<py_regex> keywords;
  std::vector<py_regex> exclude_keywords;
  int priority = 5;
  /// Absent: invoice2data's default, date, amount, invoice_number, issuer.
  std::optional<std::vector<std::string>> required_fields;
  std::vector<field_spec> fields;
  /// The top-level `lines` plugin.
  std::optional<std::vector<lines_rule>> lines;
  std::vector<table_spec> tables;
  template_options options;
};

} // namespace larder::extract::detail
