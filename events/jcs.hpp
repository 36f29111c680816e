#pragma once

#include <string>
#include <string_view>

#include "events/error.hpp"

/// RFC 8785 JSON Canonicalization Scheme (JCS): the byte form of a JSON value
/// that the hash chain covers, reproducible by any conforming implementation.
namespace larder::events {

/// Returns the canonical form of the JSON text `json`: object members sorted
/// by the UTF-16 code units of their names, no insignificant white space,
/// strings with the minimal escapes, numbers serialized as ECMAScript does.
/// Fails with `invalid_argument` on malformed JSON, invalid UTF-8, duplicate
/// object member names, or numbers that are not finite IEEE 754 doubles.
expected<std::string> canonicalize(std::string_view json);

/// Appends `utf8` to `out` as a JSON string literal escaped as JCS requires:
/// `"` and `\` escaped, U+0000..U+001F as \b \t \n \f \r or \u00XX (lower-case
/// hex), everything else copied as is. `utf8` must be valid UTF-8.
void append_json_string(std::string& out, std::string_view utf8);

/// Appends the ECMAScript `Number.prototype.toString` form of `value` (the
/// shortest digits that round-trip, exponent notation below 1e-6 and from
/// 1e21 on, `-0` printed as `0`). `value` must be finite.
void append_json_number(std::string& out, double value);

} // namespace larder::events
