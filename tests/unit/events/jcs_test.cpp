#include "events/jcs.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using larder::errc;
using larder::events::append_json_number;
using larder::events::append_json_string;
using larder::events::canonicalize;

namespace {

std::string number(double value) {
  std::string out;
  append_json_number(out, value);
  return out;
}

std::string string_literal(std::string_view utf8) {
  std::string out;
  append_json_string(out, utf8);
  return out;
}

/// The canonical text, or the error message prefixed with "error: " so a
/// failing expectation shows why.
std::string canonical(std::string_view json) {
  auto result = canonicalize(json);
  if (!result)
    return "error: " + result.error().message;
  return *result;
}

/// Checks that `json` is refused the way callers rely on: as bad input, with
/// something to tell the person who sent it.
void expect_refused(std::string_view json) {
  auto result = canonicalize(json);
  ASSERT_FALSE(result) << "accepted: " << json << " as " << *result;
  EXPECT_EQ(result.error().code, errc::invalid_argument) << json;
  EXPECT_FALSE(result.error().message.empty()) << json;
}

/// Turns a hex dump such as "7b 22" into its bytes.
std::string from_hex(std::string_view dump) {
  std::string bytes;
  int high = -1;
  for (char c : dump) {
    int nibble = -1;
    if (c >= '0' && c <= '9')
      nibble = c - '0';
    else if (c >= 'a' && c <= 'f')
      nibble = c - 'a' + 10;
    if (nibble < 0)
      continue;
    if (high < 0) {
      high = nibble;
    } else {
      bytes += static_cast<char>(high * 16 + nibble);
      high = -1;
    }
  }
  return bytes;
}

struct number_sample {
  std::uint64_t ieee754;
  std::string_view json;
};

/// RFC 8785 Appendix B, Table 1, every finite row, copied from the RFC text
/// (rfc8785-rfcmarkup.html in the authors' repository
/// github.com/cyberphone/ietf-json-canon). The NaN and Infinity rows have no
/// JSON form and are left out.
constexpr number_sample appendix_b[] = {
  {0x0000000000000000, "0"},
  {0x8000000000000000, "0"},
  {0x0000000000000001, "5e-324"},
  {0x8000000000000001, "-5e-324"},
  {0x7fefffffffffffff, "1.7976931348623157e+308"},
  {0xffefffffffffffff, "-1.7976931348623157e+308"},
  {0x4340000000000000, "9007199254740992"},
  {0xc340000000000000, "-9007199254740992"},
  {0x4430000000000000, "295147905179352830000"},
  {0x44b52d02c7e14af5, "9.999999999999997e+22"},
  {0x44b52d02c7e14af6, "1e+23"},
  {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
  {0x444b1ae4d6e2ef4e, "999999999999999700000"},
  {0x444b1ae4d6e2ef4f, "999999999999999900000"},
  {0x444b1ae4d6e2ef50, "1e+21"},
  {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
  {0x3eb0c6f7a0b5ed8d, "0.000001"},
  {0x41b3de4355555553, "333333333.3333332"},
  {0x41b3de4355555554, "333333333.33333325"},
  {0x41b3de4355555555, "333333333.3333333"},
  {0x41b3de4355555556, "333333333.3333334"},
  {0x41b3de4355555557, "333333333.33333343"},
  {0xbecbf647612f3696, "-0.0000033333333333333333"},
  // Exactly 1424953923781206.25: the tie goes to the even digit.
  {0x43143ff3c1cb0959, "1424953923781206.2"},
};

/// RFC 8785 section 3.2.2's input, white space and escapes as printed there.
constexpr std::string_view rfc_primitives_input = R"({
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
})";

/// RFC 8785 section 3.2.4: the canonical form of the input above, as the
/// hex dump the RFC prints.
constexpr std::string_view rfc_primitives_hex =
  "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72"
  "75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a"
  "5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31"
  "65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37"
  "5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30"
  "30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d";

/// RFC 8785 section 3.2.3's sorting test data.
constexpr std::string_view rfc_sorting_input = R"({
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
})";

} // namespace

TEST(jcs, numbers_match_every_rfc_8785_appendix_b_sample) {
  for (const auto& sample : appendix_b)
    EXPECT_EQ(number(std::bit_cast<double>(sample.ieee754)), sample.json)
      << std::hex << sample.ieee754;
}

TEST(jcs, numbers_switch_to_exponent_form_below_1e_minus_6_and_from_1e21) {
  EXPECT_EQ(number(1e21), "1e+21");
  EXPECT_EQ(number(1e20), "100000000000000000000");
  EXPECT_EQ(number(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(number(1e-6), "0.000001");
  EXPECT_EQ(number(1e-7), "1e-7");
  EXPECT_EQ(number(1.5e-7), "1.5e-7");
  EXPECT_EQ(number(0.000001234), "0.000001234");
}

TEST(jcs, numbers_drop_trailing_zeros_and_print_minus_zero_as_zero) {
  EXPECT_EQ(number(1.0), "1");
  EXPECT_EQ(number(100.0), "100");
  EXPECT_EQ(number(-1.5), "-1.5");
  EXPECT_EQ(number(0.1), "0.1");
  EXPECT_EQ(number(1234.5678), "1234.5678");
  EXPECT_EQ(number(-0.0), "0");
}

TEST(jcs, number_is_appended_after_existing_text) {
  std::string out = "[1,";
  append_json_number(out, 2.5);
  EXPECT_EQ(out, "[1,2.5");
}

TEST(jcs, rfc_8785_primitives_example_gives_the_published_bytes) {
  EXPECT_EQ(canonical(rfc_primitives_input), from_hex(rfc_primitives_hex));
  // The same bytes, readable: the RFC's section 3.2.3 rendering.
  EXPECT_EQ(canonical(rfc_primitives_input),
            R"({"literals":[null,true,false],)"
            R"("numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],)"
            "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST(jcs, rfc_8785_sorting_example_orders_names_by_utf16_code_units) {
  // The RFC's expected order: Carriage Return, One, Control, Latin Small
  // Letter O With Diaeresis, Euro Sign, Emoji: Grinning Face, Hebrew Letter
  // Dalet With Dagesh. Names are U+000D, "1", U+0080, U+00F6, U+20AC,
  // U+1F600, U+FB33, written as UTF-8 bytes.
  EXPECT_EQ(canonical(rfc_sorting_input),
            "{\"\\r\":\"Carriage Return\","
            "\"1\":\"One\","
            "\"\xc2\x80\":\"Control\","
            "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
            "\"\xe2\x82\xac\":\"Euro Sign\","
            "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(jcs, names_beyond_the_bmp_sort_between_u_d7ff_and_u_e000) {
  EXPECT_EQ(canonical(R"({"\uffff":1,"\ud83d\ude00":2,"\ue000":3,"\ud7ff":4})"),
            "{\"\xed\x9f\xbf\":4,"
            "\"\xf0\x9f\x98\x80\":2,"
            "\"\xee\x80\x80\":3,"
            "\"\xef\xbf\xbf\":1}");
}

TEST(jcs, shorter_name_sorts_before_longer_name_it_prefixes) {
  EXPECT_EQ(canonical(R"({"ab":4,"aa":3,"a":2,"":1})"),
            R"({"":1,"a":2,"aa":3,"ab":4})");
}

TEST(jcs, nested_objects_are_sorted_at_every_level_and_arrays_keep_order) {
  EXPECT_EQ(
    canonical(R"({"b":[{"z":1,"a":{"y":2,"x":[3,{"d":0,"c":0}]}}],"a":null})"),
    R"({"a":null,"b":[{"a":{"x":[3,{"c":0,"d":0}],"y":2},"z":1}]})");
  EXPECT_EQ(canonical(R"([3,1,2,{"b":[],"a":{}}])"),
            R"([3,1,2,{"a":{},"b":[]}])");
}

TEST(jcs, white_space_between_tokens_is_removed) {
  EXPECT_EQ(
    canonical(" \t\r\n{ \"a\" : [ 1 , true , null ] ,\n\"b\":\"x y\" }\n"),
    R"({"a":[1,true,null],"b":"x y"})");
}

TEST(jcs, any_json_value_may_be_the_top_level) {
  EXPECT_EQ(canonical(R"("text")"), R"("text")");
  EXPECT_EQ(canonical("true"), "true");
  EXPECT_EQ(canonical("false"), "false");
  EXPECT_EQ(canonical("null"), "null");
  EXPECT_EQ(canonical("4.50"), "4.5");
  EXPECT_EQ(canonical("[]"), "[]");
  EXPECT_EQ(canonical("{}"), "{}");
}

TEST(jcs, control_characters_use_short_escapes_or_lower_case_hex) {
  EXPECT_EQ(canonical(R"(["\u001f","\u0008","\u001F","\u000B","\u007f"])"),
            "[\"\\u001f\",\"\\b\",\"\\u001f\",\"\\u000b\",\"\x7f\"]");
  std::string all;
  for (char c = 0; c < 0x20; ++c)
    all += c;
  EXPECT_EQ(string_literal(all),
            R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007)"
            R"(\b\t\n\u000b\f\r\u000e\u000f)"
            R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017)"
            R"(\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f")");
}

TEST(jcs, only_quote_and_backslash_are_escaped_among_printable_characters) {
  EXPECT_EQ(string_literal(R"(say "hi" \ /)"), R"("say \"hi\" \\ /")");
  EXPECT_EQ(canonical(R"("\u002f\/\u0041\u00e9\u00E9")"),
            "\"//A\xc3\xa9\xc3\xa9\"");
}

TEST(jcs, escaped_non_ascii_characters_become_literal_utf8) {
  EXPECT_EQ(canonical(R"("\u20ac")"), "\"\xe2\x82\xac\"");
  EXPECT_EQ(canonical(R"("\ud83d\ude00")"), "\"\xf0\x9f\x98\x80\"");
  const std::string dessert = "\"Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9\"";
  EXPECT_EQ(canonical(dessert), dessert);
}

TEST(jcs, nul_characters_inside_strings_survive_as_escapes) {
  EXPECT_EQ(canonical(R"({"a\u0000b":"c\u0000"})"),
            R"({"a\u0000b":"c\u0000"})");
  EXPECT_EQ(string_literal(std::string_view{"x\0y", 3}), R"("x\u0000y")");
}

TEST(jcs, integers_are_read_as_doubles_so_2_pow_53_plus_1_loses_its_last_bit) {
  EXPECT_EQ(canonical("9007199254740993"), "9007199254740992");
  EXPECT_EQ(canonical("-9007199254740993"), "-9007199254740992");
  EXPECT_EQ(canonical("18446744073709551615"), "18446744073709552000");
  EXPECT_EQ(canonical("-9223372036854775808"), "-9223372036854776000");
  EXPECT_EQ(canonical("-0"), "0");
}

TEST(jcs, integers_wider_than_64_bits_are_read_as_doubles_too) {
  EXPECT_EQ(canonical("100000000000000000000000"), "1e+23");
  // 2**68 written out, Appendix B note (2).
  EXPECT_EQ(canonical("295147905179352825856"), "295147905179352830000");
  EXPECT_EQ(canonical("-9223372036854775809"), "-9223372036854776000");
  // Digits inside strings are text and stay as they are.
  EXPECT_EQ(canonical(R"({"s":"100000000000000000000000",)"
                      R"("n":[100000000000000000000000]})"),
            R"({"n":[1e+23],"s":"100000000000000000000000"})");
}

TEST(jcs, numbers_too_small_for_a_double_become_zero) {
  EXPECT_EQ(canonical("1e-400"), "0");
  EXPECT_EQ(canonical("-0.000e9999"), "0");
}

TEST(jcs, numbers_beyond_the_double_range_are_refused) {
  expect_refused("1e400");
  expect_refused("[-1e400]");
  expect_refused(R"({"n":1.7976931348623159e308})");
  expect_refused("1" + std::string(400, '0'));
}

TEST(jcs, duplicate_member_names_are_refused) {
  expect_refused(R"({"a":1,"a":2})");
  expect_refused(R"({"a":1,"\u0061":1})");
  expect_refused(R"([{"x":{"b":1,"c":2,"b":3}}])");
}

TEST(jcs, same_name_in_different_objects_is_not_a_duplicate) {
  EXPECT_EQ(canonical(R"({"a":{"a":1},"b":{"a":2}})"),
            R"({"a":{"a":1},"b":{"a":2}})");
}

TEST(jcs, invalid_utf8_is_refused) {
  expect_refused("\"\xff\"");
  expect_refused("\"\xc0\xaf\"");         // overlong "/"
  expect_refused("\"\xed\xa0\x80\"");     // a surrogate encoded as UTF-8
  expect_refused("{\"\xe2\x82\":1}");     // truncated sequence in a name
  expect_refused("\"\xf4\x90\x80\x80\""); // beyond U+10FFFF
}

TEST(jcs, lone_surrogate_escapes_are_refused) {
  expect_refused(R"("\ud800")");
  expect_refused(R"("\udc00")");
  expect_refused(R"("\ud800\u0041")");
}

TEST(jcs, trailing_content_is_refused) {
  expect_refused("{} x");
  expect_refused("{}{}");
  expect_refused("1 2");
  expect_refused("[1]]");
}

TEST(jcs, empty_or_blank_input_is_refused) {
  expect_refused("");
  expect_refused(" \n\t ");
}

TEST(jcs, malformed_json_is_refused) {
  expect_refused("[1,]");
  expect_refused(R"({"a":})");
  expect_refused(R"({"a" 1})");
  expect_refused(R"(["unterminated)");
  expect_refused("[01]");
  expect_refused("[NaN]");
  expect_refused("[Infinity]");
  expect_refused("\"tab\tinside\"");
  expect_refused(R"("\x")");
  expect_refused("{'a':1}");
}

TEST(jcs, a_refused_input_does_not_disturb_the_next_call) {
  expect_refused(R"({"a":[{"b":1,"b":2}]})");
  EXPECT_EQ(canonical(R"({"b":1,"a":[2]})"), R"({"a":[2],"b":1})");
}

TEST(jcs, canonical_output_is_its_own_canonical_form) {
  const std::string inputs[] = {
    std::string{rfc_primitives_input},
    std::string{rfc_sorting_input},
    R"({"z":[1e30,-0.0,{"y":"\u001f\ud83d\ude00","x":0.1}],"a":1E-7})",
    R"([100000000000000000000000,9007199254740993,"\u20ac"])",
  };
  for (const auto& input : inputs) {
    const std::string once = canonical(input);
    ASSERT_EQ(once.rfind("error", 0), std::string::npos) << once;
    EXPECT_EQ(canonical(once), once);
  }
}

TEST(jcs, threads_canonicalize_independently) {
  const std::string expected = from_hex(rfc_primitives_hex);
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results)
    threads.emplace_back([&result] {
      for (int i = 0; i < 200; ++i)
        result = canonical(rfc_primitives_input);
    });
  for (auto& thread : threads)
    thread.join();
  for (const auto& result : results)
    EXPECT_EQ(result, expected);
}
