#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "events/error.hpp"

/// The checks every stored text field goes through, in one place: strict
/// UTF-8, no control characters, a length counted in code points, and
/// trimming. Pure: no simdjson, no I/O.
namespace larder::values {

/// Which characters, besides C0 controls, DEL and C1 controls, a text may
/// or may not hold.
struct text_rules {
  /// C0 controls let through all the same: "\n" for a note with paragraphs,
  /// "\n\r\t" for multi-line text.
  std::string_view allowed_controls = {};
  /// Also refuse the bidirectional embeddings, overrides and isolates
  /// (U+202A..U+202E, U+2066..U+2069), with which "invoice\u202Efdp.exe"
  /// displays as "invoiceexe.pdf".
  bool refuse_bidi_controls = false;
};

/// What `scan_text` found.
struct text_scan {
  /// False when the text is not strict UTF-8 (an overlong form, a
  /// surrogate, something above U+10FFFF, a cut sequence); the scan stops
  /// there.
  bool valid_utf8 = true;
  /// A character the rules refuse stands before any invalid sequence.
  bool control = false;
  /// Code points before the scan stopped (all of them when valid).
  std::size_t code_points = 0;
};

/// Decodes the strict UTF-8 code point at `i` and moves `i` past it;
/// nothing (and `i` unchanged) for an invalid or cut sequence.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t& i);

/// Like `decode_utf8`, for text that may hold bad bytes: an invalid or cut
/// sequence comes back as U+FFFD and `i` moves one byte on.
char32_t decode_utf8_lenient(std::string_view text, std::size_t& i) noexcept;

/// Appends `cp` to `out` as UTF-8.
void append_utf8(std::string& out, char32_t cp);

/// Decodes `text` as strict UTF-8, counting code points and spotting the
/// characters `rules` refuse. Text can be built in C++ as well as decoded
/// from checked JSON, so this does not rely on a parser having validated it.
text_scan scan_text(std::string_view text, text_rules rules = {});

/// `text` without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim_space(std::string_view text);

/// How `check_text` words each fault after the field's name. The two sets
/// below are the ones in use; callers keep theirs so messages stay stable.
struct text_wording {
  std::string_view control;
  std::string_view empty;
  /// Followed by the limit and " characters".
  std::string_view too_long;
  /// Report whichever of a control character and invalid UTF-8 comes
  /// first in the text, rather than invalid UTF-8 before anything else.
  bool first_fault_wins = false;
};

/// "description is empty", "unit is longer than 20 characters".
inline constexpr text_wording terse_wording{"contains a control character",
                                            "is empty", "is longer than "};
/// "name must not be empty", "label must be at most 100 characters".
inline constexpr text_wording must_wording{
  "contains control characters", "must not be empty", "must be at most "};

/// Checks `text` as it is: valid UTF-8, nothing `rules` refuse, and
/// `min_chars..max_chars` code points. `invalid_argument` names `field`
/// ("<field> is not valid UTF-8" and `wording` for the rest).
std::optional<error> check_text(std::string_view field, std::string_view text,
                                std::size_t min_chars, std::size_t max_chars,
                                text_rules rules = {},
                                const text_wording& wording = terse_wording);

/// `trim_space(text)` when it passes `check_text` (worded `must_wording`
/// unless told otherwise).
expected<std::string> clean_text(std::string_view field, std::string_view text,
                                 std::size_t min_chars, std::size_t max_chars,
                                 text_rules rules = {},
                                 const text_wording& wording = must_wording);

} // namespace larder::values
