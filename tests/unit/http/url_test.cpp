#include "http/url.hpp"

#include <gtest/gtest.h>

namespace {

using namespace larder::http;
using pairs = std::vector<std::pair<std::string, std::string>>;

// -- percent_decode ----------------------------------------------------------

TEST(percent_decode, decodes_escapes_in_either_case) {
  EXPECT_EQ(percent_decode("x%20y"), "x y");
  EXPECT_EQ(percent_decode("%2f%2F"), "//");
  EXPECT_EQ(percent_decode("%C3%A9t%c3%a9"), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(percent_decode("%FF"), "\xff");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("/plain/path.js"), "/plain/path.js");
}

TEST(percent_decode, decodes_only_once) {
  // "%2541" is an escaped '%' followed by "41", not 'A'.
  EXPECT_EQ(percent_decode("%2541"), "%41");
  EXPECT_EQ(percent_decode("%252e%252e"), "%2e%2e");
}

TEST(percent_decode, plus_is_space_only_when_asked) {
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(percent_decode, refuses_malformed_escapes) {
  for (auto bad : {"%", "%G1", "%1G", "%0", "abc%", "abc%4", "%%", "%%41",
                   "% 1", "%+1", "%-1", "%\xff\xff"})
    EXPECT_FALSE(percent_decode(bad)) << bad;
}

TEST(percent_decode, refuses_nul) {
  EXPECT_FALSE(percent_decode("%00"));
  EXPECT_FALSE(percent_decode("/index.html%00.png"));
  EXPECT_FALSE(percent_decode(std::string_view("a\0b", 3)));
}

// -- percent_encode ----------------------------------------------------------

TEST(percent_encode, keeps_only_unreserved_characters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b"), "a%20b");
  EXPECT_EQ(percent_encode("a+b&c=d/e?f#g%h"), "a%2Bb%26c%3Dd%2Fe%3Ff%23g%25h");
  EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(percent_encode(std::string_view("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(percent_encode, round_trips_every_byte_but_nul) {
  std::string all;
  for (int i = 1; i < 256; ++i)
    all += static_cast<char>(i);
  auto encoded = percent_encode(all);
  EXPECT_EQ(encoded.find_first_of(" +&=?/#"), std::string::npos);
  EXPECT_EQ(percent_decode(encoded), all);
  EXPECT_EQ(percent_decode(encoded, true), all);
}

// -- parse_query -------------------------------------------------------------

TEST(parse_query, splits_and_decodes_in_order) {
  EXPECT_EQ(parse_query("a=1&b=x%20y"), (pairs{{"a", "1"}, {"b", "x y"}}));
  EXPECT_EQ(parse_query("q=caf%C3%A9+cr%C3%A8me"),
            (pairs{{"q", "caf\xc3\xa9 cr\xc3\xa8me"}}));
  EXPECT_EQ(parse_query("email=a%2Bb%40example.com"),
            (pairs{{"email", "a+b@example.com"}}));
}

TEST(parse_query, keeps_duplicates) {
  EXPECT_EQ(parse_query("s=new&s=approved&s=new"),
            (pairs{{"s", "new"}, {"s", "approved"}, {"s", "new"}}));
}

TEST(parse_query, splits_each_pair_at_its_first_equals) {
  EXPECT_EQ(parse_query("t=a=b==&k="), (pairs{{"t", "a=b=="}, {"k", ""}}));
  EXPECT_EQ(parse_query("=v"), (pairs{{"", "v"}}));
}

TEST(parse_query, a_key_without_equals_has_an_empty_value) {
  EXPECT_EQ(parse_query("flag&a=1"), (pairs{{"flag", ""}, {"a", "1"}}));
}

TEST(parse_query, skips_empty_pairs) {
  EXPECT_EQ(parse_query(""), pairs{});
  EXPECT_EQ(parse_query("&"), pairs{});
  EXPECT_EQ(parse_query("&&a=1&&b=2&"), (pairs{{"a", "1"}, {"b", "2"}}));
}

TEST(parse_query, refuses_when_any_part_fails_to_decode) {
  EXPECT_FALSE(parse_query("a=1&b=%G1"));
  EXPECT_FALSE(parse_query("a%=1"));
  EXPECT_FALSE(parse_query("a=%00"));
  EXPECT_FALSE(parse_query("a=1&b=%"));
}

// -- cookie_value ------------------------------------------------------------

TEST(cookie_value, finds_a_cookie_among_several) {
  EXPECT_EQ(cookie_value("a=1; b=2", "a"), "1");
  EXPECT_EQ(cookie_value("a=1; b=2", "b"), "2");
  EXPECT_EQ(cookie_value("session=eyJ.eyJ.sig", "session"), "eyJ.eyJ.sig");
}

TEST(cookie_value, tolerates_whitespace_around_pairs) {
  EXPECT_EQ(cookie_value("  a=1 ;\tb=2\t", "a"), "1");
  EXPECT_EQ(cookie_value("  a=1 ;\tb=2\t", "b"), "2");
  EXPECT_EQ(cookie_value("a=1;b=2", "b"), "2");
  EXPECT_EQ(cookie_value("a = 1", "a"), "1");
}

TEST(cookie_value, an_absent_cookie_is_nothing) {
  EXPECT_FALSE(cookie_value("", "a"));
  EXPECT_FALSE(cookie_value("a=1; b=2", "c"));
  EXPECT_FALSE(cookie_value("a", "a"));
  EXPECT_FALSE(cookie_value(";;;", "a"));
  EXPECT_FALSE(cookie_value("=1", ""));
}

TEST(cookie_value, matches_whole_names_only) {
  EXPECT_FALSE(cookie_value("ab=1", "b"));
  EXPECT_FALSE(cookie_value("ab=1", "a"));
  EXPECT_FALSE(cookie_value("xsession=evil", "session"));
  EXPECT_EQ(cookie_value("ab=1; b=2", "b"), "2");
  // A value that looks like a pair is not a pair.
  EXPECT_FALSE(cookie_value("a=b=1", "b"));
  EXPECT_EQ(cookie_value("a=b=1", "a"), "b=1");
}

TEST(cookie_value, names_are_case_sensitive) {
  EXPECT_FALSE(cookie_value("Session=1", "session"));
  EXPECT_EQ(cookie_value("Session=1; session=2", "session"), "2");
}

TEST(cookie_value, the_first_match_wins) {
  EXPECT_EQ(cookie_value("a=1; a=2", "a"), "1");
}

TEST(cookie_value, an_empty_value_is_present) {
  auto v = cookie_value("a=; b=2", "a");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "");
}

TEST(cookie_value, double_quotes_are_removed) {
  EXPECT_EQ(cookie_value(R"(a="1 2"; b=3)", "a"), "1 2");
  EXPECT_EQ(cookie_value(R"(a="")", "a"), "");
  EXPECT_EQ(cookie_value(R"(a=")", "a"), "\"");
}

// -- split_target ------------------------------------------------------------

TEST(split_target, splits_at_the_first_question_mark) {
  using parts = std::pair<std::string_view, std::string_view>;
  EXPECT_EQ(split_target("/api/invoices?status=new"),
            (parts{"/api/invoices", "status=new"}));
  EXPECT_EQ(split_target("/a?b?c"), (parts{"/a", "b?c"}));
  EXPECT_EQ(split_target("/a"), (parts{"/a", ""}));
  EXPECT_EQ(split_target("/a?"), (parts{"/a", ""}));
  EXPECT_EQ(split_target("?x=1"), (parts{"", "x=1"}));
  EXPECT_EQ(split_target(""), (parts{"", ""}));
}

} // namespace
