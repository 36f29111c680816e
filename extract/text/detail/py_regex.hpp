#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/error.hpp"

/// Python `re` semantics on PCRE2, for invoice2data templates written
/// against Python: `search`, `findall`, `split` and `sub` behave as their
/// Python namesakes do on a `str` pattern (Unicode `\d \w \s \b`, `^`/`$`
/// without MULTILINE, empty matches after a non-empty one, `\g<name>`
/// replacements). Patterns are translated first where the two dialects
/// differ: `{,n}`, `\Z`, `\uXXXX` and `\UXXXXXXXX`.
namespace larder::extract::detail {

/// One match: the subject it was found in and the byte spans of its groups.
struct py_match {
  std::string_view subject;
  /// Group 0 is the whole match; an unset group is {npos, npos}.
  std::vector<std::pair<std::size_t, std::size_t>> spans;

  bool matched(std::size_t group) const {
    return group < spans.size() && spans[group].first != std::string_view::npos;
  }
  /// The text of `group`; empty when it did not take part (Python's None).
  std::string_view group(std::size_t group = 0) const {
    if (!matched(group))
      return {};
    return subject.substr(spans[group].first,
                          spans[group].second - spans[group].first);
  }
  std::size_t start() const {
    return spans[0].first;
  }
  std::size_t end() const {
    return spans[0].second;
  }
};

/// A compiled pattern; copies share the compiled code, which PCRE2 allows to
/// be used from several threads at once.
class py_regex {
 public:
  /// `invalid_argument` with PCRE2's message and the offset in `pattern`.
  static expected<py_regex> compile(std::string_view pattern);

  const std::string& pattern() const noexcept {
    return pattern_;
  }
  /// Capturing groups, not counting the whole match.
  std::size_t group_count() const noexcept {
    return group_count_;
  }
  /// Named groups in the order of their numbers, as `groupdict` lists them.
  const std::vector<std::pair<std::string, std::size_t>>&
  named_groups() const noexcept {
    return names_;
  }

  /// The first match at or after `from`, as `re.search(text[from:])` would
  /// find it except that `^` and lookbehinds still see the whole subject.
  /// `not_empty_at_start` refuses an empty match at `from`.
  std::optional<py_match> search(std::string_view text, std::size_t from = 0,
                                 bool not_empty_at_start = false) const;

  /// All non-overlapping matches, as `re.finditer`.
  std::vector<py_match> find_all(std::string_view text) const;

  /// `re.split` without captured separators: the pieces between matches.
  std::vector<std::string_view> split(std::string_view text) const;

  /// `re.sub(pattern, repl, text)` with Python's replacement syntax
  /// (`\1`, `\g<1>`, `\g<name>`, `\n`…). `invalid_argument` for a bad
  /// reference in `repl`.
  expected<std::string> sub(std::string_view repl, std::string_view text) const;

  /// Checks `repl` against this pattern's groups without substituting.
  expected<bool> check_replacement(std::string_view repl) const;

 private:
  std::string pattern_;
  std::shared_ptr<void> code_;
  std::size_t group_count_ = 0;
  std::vector<std::pair<std::string, std::size_t>> names_;
};

/// The PCRE2 form of a Python pattern (exposed for tests).
std::string translate_python_pattern(std::string_view pattern);

} // namespace larder::extract::detail
