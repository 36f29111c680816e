#pragma once

#include <optional>
#include <string_view>

#include "actors/values/values.hpp"

namespace larder::extract {

/// Parses an amount as suppliers print it: "1,459.32", "1.459,32 €",
/// "1 459,32 $" (space, no-break space or narrow no-break space between
/// thousands), "42'888.99", "$1,459.32", "CHF 1'234.50", "-12.00",
/// "(12.00)" and "12.00-" (negative). `decimal_separator` is '.' or ',' when
/// the caller knows it (an invoice2data template's option), 0 to decide from
/// the text: the last separator followed by one, two or four digits is the
/// decimal one, a separator followed by exactly three digits is a thousands
/// one unless the other separator also appears after it. Nothing for text
/// that is not one amount, or beyond `values::decimal`'s parse range.
std::optional<values::decimal> parse_amount(std::string_view text,
                                            char decimal_separator = 0);

} // namespace larder::extract
