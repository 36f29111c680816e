#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Pieces of URLs and headers the edge reads from untrusted requests.
namespace larder::http {

/// Decodes %XX escapes (and '+' as space when `plus_as_space`). Empty
/// optional for a malformed escape, or when the result holds NUL.
std::optional<std::string> percent_decode(std::string_view text,
                                          bool plus_as_space = false);

/// Percent-encodes everything except RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);

/// `a=1&b=x%20y` → {{"a","1"},{"b","x y"}}, in order, duplicates kept.
/// Empty optional when any part fails to decode.
std::optional<std::vector<std::pair<std::string, std::string>>>
parse_query(std::string_view query);

/// The value of cookie `name` in a Cookie header (`a=1; b=2`), if present.
std::optional<std::string_view> cookie_value(std::string_view header,
                                             std::string_view name);

/// Splits a request target into path and query at the first '?'.
std::pair<std::string_view, std::string_view>
split_target(std::string_view target);

} // namespace larder::http
