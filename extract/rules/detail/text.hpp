#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// Text helpers the rules share: folding letters to lower-case ASCII so that
/// "Février", "FEVRIER" and "fevrier" compare equal, and the spaces that
/// PDF text layers and OCR put between digits.
namespace larder::extract::detail {

/// The lower-case ASCII form of one letter of the Latin alphabets larder
/// reads ("é" → "e", "ß" → "ss", "Ł" → "l"); empty for anything that is not
/// a letter.
std::string_view fold_letter(char32_t cp) noexcept;

/// True for the spaces that separate words or thousands: ASCII space and
/// tab, U+00A0, U+2007, U+2009, U+202F and the other Unicode spaces.
bool is_space(char32_t cp) noexcept;

/// `text` with every letter folded by `fold_letter`, every Unicode space
/// turned into an ASCII space, other ASCII kept and other code points
/// replaced by '?'. Invalid UTF-8 bytes become '?' too.
std::string fold(std::string_view text);

/// Decodes the code point at `i` and moves `i` past it; an invalid byte is
/// returned as U+FFFD and skipped, so scanning never stalls.
char32_t next_code_point(std::string_view text, std::size_t& i) noexcept;

} // namespace larder::extract::detail
