#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "actors/values/text.hpp"

/// The text transformations invoice2data's template options ask for, done
/// as Python does them on `str`.
namespace larder::extract::detail {

/// Decodes the code point at `i` and moves `i` past it; an invalid byte
/// comes back as U+FFFD and is skipped.
char32_t decode_utf8(std::string_view text, std::size_t& i) noexcept;

using values::append_utf8;

/// `str.lower()` (simple case mapping of the whole of Unicode).
std::string lowercase(std::string_view text);

/// `remove_accents`: NFKD, then the combining marks U+0300..U+0362 dropped.
/// Decomposes the Latin, Greek and Cyrillic letters, ligatures and spaces
/// invoices carry; other code points are kept as they are.
std::string remove_accents(std::string_view text);

} // namespace larder::extract::detail
