#include "extract/text/detail/py_regex.hpp"

#include <gtest/gtest.h>

namespace {

using larder::extract::detail::py_regex;
using larder::extract::detail::translate_python_pattern;

py_regex re(const char* pattern) {
  auto r = py_regex::compile(pattern);
  EXPECT_TRUE(r) << pattern;
  return std::move(*r);
}

TEST(py_regex, translates_what_python_reads_differently) {
  EXPECT_EQ(translate_python_pattern(R"(\d{,3}[,]\d{2})"),
            R"(\d{0,3}[,]\d{2})");
  EXPECT_EQ(translate_python_pattern(R"([{,3}])"), R"([{,3}])");
  EXPECT_EQ(translate_python_pattern(R"(end\Z)"), R"(end\z)");
  EXPECT_EQ(translate_python_pattern(R"(\u20ac)"), R"(\x{20ac})");
  EXPECT_EQ(translate_python_pattern(R"(\\u20ac)"), R"(\\u20ac)");
  auto price = re(R"((\d{,3}[.]?\d{,3}[,]\d{2}))");
  auto m = price.search("Totaal 1.234,50");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->group(1), "1.234,50");
}

TEST(py_regex, unicode_classes_and_named_groups) {
  auto r = re(R"((?P<word>\w+)\s+(?P<num>\d+))");
  auto m = r.search("  Février\u00a0 12");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->group(1), "Février");
  EXPECT_EQ(m->group(2), "12");
  ASSERT_EQ(r.named_groups().size(), 2u);
  EXPECT_EQ(r.named_groups()[0].first, "word");
  EXPECT_EQ(r.named_groups()[1].first, "num");
  EXPECT_EQ(r.group_count(), 2u);
}

TEST(py_regex, anchors_without_multiline) {
  auto caret = re("^b");
  EXPECT_FALSE(caret.search("a\nb"));
  auto dollar = re("a$");
  EXPECT_TRUE(dollar.search("xa\n")); // before the final newline
  EXPECT_FALSE(dollar.search("a\nb"));
  auto z = re(R"(a\Z)");
  EXPECT_FALSE(z.search("a\n"));
}

TEST(py_regex, findall_and_sub_handle_empty_matches_as_python) {
  auto r = re("x*");
  auto out = r.sub("-", "abxd");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "-a-b--d-");
  EXPECT_EQ(r.find_all("abxd").size(), 5u);
}

TEST(py_regex, python_replacement_syntax) {
  auto r = re(R"((?P<qty>\d{2}\s)L)");
  auto out = r.sub(R"(\g<qty>LTR)", "1.00 L and 10 L");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "1.00 LTR and 10 LTR");
  auto swap = re(R"((\w+) (\w+))");
  EXPECT_EQ(*swap.sub(R"(\2 \1\n)", "a b"), "b a\n");
  EXPECT_EQ(*swap.sub(R"(\g<2>\g<1>)", "a b"), "ba");
  EXPECT_FALSE(swap.check_replacement(R"(\g<missing>)"));
  EXPECT_FALSE(swap.check_replacement(R"(\3)"));
  EXPECT_FALSE(swap.check_replacement(R"(\q)"));
}

TEST(py_regex, split_on_newlines) {
  auto nl = re(R"(\n)");
  auto parts = nl.split("a\n\nb");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[2], "b");
}

TEST(py_regex, bad_patterns_are_refused_with_pcre2s_message) {
  auto bad = py_regex::compile("(unclosed");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, larder::errc::invalid_argument);
  EXPECT_NE(bad.error().message.find("missing closing parenthesis"),
            std::string::npos)
    << bad.error().message;
}

TEST(py_regex, catastrophic_patterns_end_as_no_match) {
  auto r = re("(a+)+$");
  std::string text(40, 'a');
  text += '!';
  EXPECT_FALSE(r.search(text));
}

} // namespace
