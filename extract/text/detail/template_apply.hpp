#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "extract/text/detail/py_value.hpp"
#include "extract/text/detail/template_model.hpp"

namespace larder::extract::detail {

/// What running a template on a text gives: invoice2data's output dict
/// (without `template_name`), or the required fields it lacks.
struct template_run {
  py_value output = py_value::dict();
  std::vector<std::string> missing;
  /// Values the template found but could not convert ("'12,5,0' is not a
  /// number"); invoice2data would have failed the whole template.
  std::vector<std::string> notes;
};

/// `prepare_input` then `extract` of invoice2data's `InvoiceTemplate`.
template_run run_template(const compiled_template& t, std::string_view text);

/// The `options` transformations alone (whitespace, accents, case,
/// replacements), as `prepare_input` applies them.
std::string prepare_input(const template_options& o, std::string_view text);

/// Python's `str.strip()`: Unicode white space at both ends.
std::string_view py_strip(std::string_view text);

} // namespace larder::extract::detail
