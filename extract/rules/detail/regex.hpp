#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

/// A compiled PCRE2 pattern for the rules' fixed patterns (tax ids, rates,
/// payment terms). Compiled once, shared read-only between threads; each
/// search makes its own match data.
namespace larder::extract::detail {

/// Where a match and its groups are, as byte ranges of the subject; an
/// unset group has `begin == npos`.
struct regex_match {
  struct span {
    std::size_t begin = std::string_view::npos;
    std::size_t end = std::string_view::npos;
  };
  std::vector<span> groups;

  std::string_view group(std::string_view subject, std::size_t i) const {
    if (i >= groups.size() || groups[i].begin == std::string_view::npos)
      return {};
    return subject.substr(groups[i].begin, groups[i].end - groups[i].begin);
  }
};

class regex {
 public:
  /// Compiles `pattern` (UTF mode; `caseless` for case-insensitive).
  /// The patterns are the rules' own constants: a pattern that does not
  /// compile is a programming error and aborts.
  explicit regex(std::string_view pattern, bool caseless = true);

  /// The first match at or after `from`.
  std::optional<regex_match> find(std::string_view subject,
                                  std::size_t from = 0) const;

  /// Every non-overlapping match.
  std::vector<regex_match> find_all(std::string_view subject) const;

 private:
  std::shared_ptr<void> code_;
};

} // namespace larder::extract::detail
