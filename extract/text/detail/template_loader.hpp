#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "extract/text/detail/template_model.hpp"

namespace larder::extract::detail {

/// Reads and checks one template; `unknown_keys_are_errors` is
/// `template_checks::strict`. Warnings (with their lines) go to `warnings`.
/// The error message is "line N: path: what", without the template name.
expected<compiled_template> load_template(std::string_view text,
                                          bool unknown_keys_are_errors,
                                          std::vector<std::string>& warnings);

} // namespace larder::extract::detail
