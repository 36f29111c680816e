#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "extract/extraction.hpp"

/// invoice2data templates (https://github.com/invoice-x/invoice2data):
/// YAML or JSON files that recognise one supplier's invoices by keywords
/// and read their fields with regular expressions. larder reads the whole
/// format (fields with the regex, static and lines parsers, legacy
/// `name: regex` and `static_` fields, the `lines` and `tables` plugins,
/// every option) and gives the same results as invoice2data on the same
/// text; the `area` key (a region of the page) is accepted and ignored.
namespace larder::extract {

namespace detail {
struct compiled_template;
} // namespace detail

/// How strictly keys are checked when a template is read.
enum class template_checks : std::uint8_t {
  /// Unknown or duplicate keys refuse the template: a tenant's typo
  /// ("regx:") must not silently drop a field.
  strict,
  /// As invoice2data: unknown and duplicate keys are ignored (the last
  /// duplicate wins) and reported in `template_entry::warnings`. Everything
  /// else (YAML, regexes, parsers, types, groups) is checked as strictly.
  upstream,
};

/// One loaded template.
struct template_entry {
  /// Where it came from, as errors name it: "templates/com/com.oyo.yml".
  std::string name;
  /// The template's `issuer`, or its first keyword as invoice2data uses.
  std::string issuer;
  /// Higher is tried first; 5 unless the template says otherwise.
  int priority = 5;
  /// What `template_checks::upstream` let through, one sentence each with
  /// its line ("line 29: unknown key 'country_code' ignored").
  std::vector<std::string> warnings;
  std::shared_ptr<const detail::compiled_template> compiled;
};

/// Reads one template from YAML or JSON `text`. `invalid_argument` names
/// the template, the line and the key that is wrong:
/// "templates/acme.yml line 12: fields.amount: unknown parser 'regx'".
expected<template_entry>
parse_template(std::string_view text, std::string_view name,
               template_checks checks = template_checks::strict);

/// Whether every keyword of `entry` matches `text` (as a regular expression
/// searched anywhere) and no exclude keyword does.
bool template_matches(const template_entry& entry, std::string_view text);

/// Whether the YAML template `source` could match `text`, judged without
/// parsing it: false only when its top-level `keywords` are a block list
/// written in the plain forms read here for certain (plain, 'single' or
/// "double" quoted scalars with nothing YAML would transform) and one of
/// them, as a regex, is not found in `text`. Anything else gives true, so
/// the caller parses the template to know. Reading the few templates that
/// can match instead of all of them is what keeps a document's extraction
/// from paying for the whole library's YAML.
bool template_may_match(std::string_view source, std::string_view text);

/// A set of templates in the order invoice2data tries them: by descending
/// priority, then in the order they were added (files sorted by path).
class template_library {
 public:
  /// Every .yml, .yaml and .json file under `dir`, recursively. Fails with
  /// every broken template's error, one per line, when any is broken.
  static expected<template_library>
  load_directory(const std::filesystem::path& dir,
                 template_checks checks = template_checks::strict);

  /// Adds (or, under the same `name`, replaces) one template, such as one a
  /// tenant uploads. A bad template is refused and the library unchanged.
  expected<const template_entry*>
  add(std::string_view text, std::string_view name,
      template_checks checks = template_checks::strict);

  /// The first template, in trying order, whose keywords match `text`;
  /// null when none does. The pointer lives as long as the library and its
  /// template (until one with the same name replaces it).
  const template_entry* match(std::string_view text) const;

  /// `match` then `apply_template`; `not_found` when no template matches
  /// or the matching one lacks a required field.
  expected<extraction> extract(std::string_view text) const;

  /// All templates in trying order.
  std::vector<const template_entry*> entries() const;

  std::size_t size() const noexcept {
    return entries_.size();
  }

 private:
  std::vector<std::shared_ptr<const template_entry>> entries_;
};

/// Runs `entry` on `text` as invoice2data does. The result carries
/// `invoice2data_object` (the object invoice2data prints, without
/// `template_name`), the header fields and lines mapped from invoice2data's
/// recommended field names (`invoice_number`, `date`, `date_due`, `amount`,
/// `amount_untaxed`, `amount_tax`, `partner_name` or `issuer`, `vat`,
/// `currency`; lines' `name`, `qty`, `price_unit`, `price_subtotal`, `uom`),
/// provider "template", model the template's issuer and confidence 0.95
/// for each field the template found. `not_found` when a required field is
/// missing, naming it.
expected<extraction> apply_template(const template_entry& entry,
                                    std::string_view text);

} // namespace larder::extract
