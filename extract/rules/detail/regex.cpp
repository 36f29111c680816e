#include "extract/rules/detail/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdio>
#include <cstdlib>

namespace larder::extract::detail {

regex::regex(std::string_view pattern, bool caseless) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  // No PCRE2_UTF check on subjects: text from PDFs and OCR may hold invalid
  // UTF-8, and the patterns only match ASCII.
  auto* code =
    pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                  caseless ? PCRE2_CASELESS : 0, &error, &offset, nullptr);
  if (code == nullptr) {
    std::fprintf(stderr, "rules: pattern does not compile at %zu: %.*s\n",
                 static_cast<std::size_t>(offset),
                 static_cast<int>(pattern.size()), pattern.data());
    std::abort();
  }
  code_ = std::shared_ptr<void>(code, [](void* p) {
    pcre2_code_free(static_cast<pcre2_code*>(p));
  });
}

std::optional<regex_match> regex::find(std::string_view subject,
                                       std::size_t from) const {
  if (from > subject.size())
    return std::nullopt;
  auto* code = static_cast<pcre2_code*>(code_.get());
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> data{
    pcre2_match_data_create_from_pattern(code, nullptr), pcre2_match_data_free};
  if (!data)
    return std::nullopt;
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                       subject.size(), from, 0, data.get(), nullptr);
  if (rc <= 0)
    return std::nullopt;
  auto* ovector = pcre2_get_ovector_pointer(data.get());
  regex_match m;
  for (int i = 0; i < rc; ++i) {
    regex_match::span s;
    if (ovector[2 * i] != PCRE2_UNSET) {
      s.begin = ovector[2 * i];
      s.end = ovector[2 * i + 1];
    }
    m.groups.push_back(s);
  }
  return m;
}

std::vector<regex_match> regex::find_all(std::string_view subject) const {
  std::vector<regex_match> out;
  std::size_t from = 0;
  while (auto m = find(subject, from)) {
    auto end = m->groups[0].end;
    from = end > m->groups[0].begin ? end : end + 1;
    out.push_back(std::move(*m));
  }
  return out;
}

} // namespace larder::extract::detail
