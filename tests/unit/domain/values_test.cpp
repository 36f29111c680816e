#include "actors/values/values.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using larder::errc;
using larder::expected;
using larder::events::json_writer;
using namespace larder::values;

namespace {

decimal d(std::string_view text) {
  auto parsed = decimal::parse(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.error().message;
  return parsed ? *parsed : decimal{};
}

/// The error message of a failed result, or a marker that shows in the
/// failure output when the call unexpectedly succeeded.
template <class T>
std::string message_of(const expected<T>& result) {
  if (result)
    return "<succeeded>";
  EXPECT_EQ(result.error().code, errc::invalid_argument);
  return result.error().message;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

expected<std::vector<line_item>> decode_lines_json(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json).get(root)) {
    ADD_FAILURE() << "test JSON does not parse: " << err;
    return larder::make_error(errc::unavailable, "bad test JSON");
  }
  return decode_lines(root);
}

expected<std::vector<tax_line>> decode_taxes_json(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json).get(root)) {
    ADD_FAILURE() << "test JSON does not parse: " << err;
    return larder::make_error(errc::unavailable, "bad test JSON");
  }
  return decode_taxes(root);
}

/// A well-formed line object with `extra` members spliced in before the
/// closing brace (`extra` starts with a comma when not empty).
std::string line_json(std::string_view extra = "") {
  return R"({"description":"Flour 20 kg","quantity":"2","unit":"bag",)"
         R"("unit_price":"31.5","line_total":"63","tax_code":"E")"
         + std::string{extra} + "}";
}

/// A line object with one member replaced by `member` (a `"name":value`
/// pair), or removed when `member` is empty.
std::string line_json_with(std::string_view name, std::string_view member) {
  std::vector<std::pair<std::string, std::string>> members = {
    {"description", R"("Flour 20 kg")"},
    {"quantity", R"("2")"},
    {"unit", R"("bag")"},
    {"unit_price", R"("31.5")"},
    {"line_total", R"("63")"},
    {"tax_code", R"("E")"},
  };
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : members) {
    std::string text =
      key == name ? std::string{member} : "\"" + key + "\":" + value;
    if (text.empty())
      continue;
    if (!first)
      out += ',';
    out += text;
    first = false;
  }
  return out + "}";
}

/// An array of two good lines followed by `third`, so messages must say
/// "line 3".
std::string third_line(const std::string& third) {
  return "[" + line_json() + "," + line_json() + "," + third + "]";
}

struct parse_case {
  std::string_view text;
  bool accepted;
  std::int64_t units;       // when accepted
  std::string_view message; // a part of the refusal, when refused
};

} // namespace

// -- decimal ------------------------------------------------------------------

TEST(decimal, parse_accepts_plain_numbers_and_refuses_everything_else) {
  constexpr std::string_view not_plain = "is not a plain decimal number";
  const parse_case cases[] = {
    {"0", true, 0, ""},
    {"12", true, 120000, ""},
    {"-0.5", true, -5000, ""},
    {"1234.5678", true, 12345678, ""},
    {"0.0001", true, 1, ""},
    {"-0", true, 0, ""},
    {"007.50", true, 75000, ""},
    {"1000000000000", true, 1'000'000'000'000 * decimal::one, ""},
    {"-1000000000000.0000", true, -1'000'000'000'000 * decimal::one, ""},
    {"", false, 0, "is empty"},
    {"-", false, 0, not_plain},
    {"1e3", false, 0, not_plain},
    {"+1", false, 0, not_plain},
    {" 1", false, 0, not_plain},
    {"1 ", false, 0, not_plain},
    {"1,000.00", false, 0, not_plain},
    {"1.000,00", false, 0, not_plain},
    {".5", false, 0, not_plain},
    {"5.", false, 0, not_plain},
    {"--1", false, 0, not_plain},
    {"1.2.3", false, 0, not_plain},
    {"0x10", false, 0, not_plain},
    {"NaN", false, 0, not_plain},
    {"\xd9\xa1", false, 0, not_plain}, // Arabic-Indic digit one
    {"1.23456", false, 0, "more than 4 decimal places"},
    {"1.00000", false, 0, "more than 4 decimal places"},
    {"1000000000000.0001", false, 0, "out of range"},
    {"-1000000000001", false, 0, "out of range"},
    {"922337203685477.5807", false, 0, "out of range"},
    {"99999999999999999999999999999999", false, 0, "out of range"},
  };
  for (const auto& c : cases) {
    auto parsed = decimal::parse(c.text);
    if (c.accepted) {
      ASSERT_TRUE(parsed) << "'" << c.text << "': " << parsed.error().message;
      EXPECT_EQ(parsed->units(), c.units) << c.text;
    } else {
      std::string message = message_of(parsed);
      EXPECT_TRUE(contains(message, c.message))
        << "'" << c.text << "' gave: " << message;
    }
  }
}

TEST(decimal, prints_the_shortest_plain_form_that_events_store) {
  EXPECT_EQ(d("12.5").to_string(), "12.5");
  EXPECT_EQ(d("12.5000").to_string(), "12.5");
  EXPECT_EQ(d("-3").to_string(), "-3");
  EXPECT_EQ(d("0.0001").to_string(), "0.0001");
  EXPECT_EQ(d("-0.0001").to_string(), "-0.0001");
  EXPECT_EQ(d("-0").to_string(), "0");
  EXPECT_EQ(d("1000000000000").to_string(), "1000000000000");
  EXPECT_EQ(d("10.01").to_string(), "10.01");
  auto min = decimal::from_units(std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(min.to_string(), "-922337203685477.5808");
}

TEST(decimal, prints_fixed_places_rounding_half_to_even) {
  EXPECT_EQ(d("12.5").to_string(2), "12.50");
  EXPECT_EQ(d("-3").to_string(2), "-3.00");
  EXPECT_EQ(d("2.5").to_string(0), "2");
  EXPECT_EQ(d("3.5").to_string(0), "4");
  EXPECT_EQ(d("-0.001").to_string(2), "0.00");
  EXPECT_EQ(d("0.0005").to_string(3), "0.000");
  EXPECT_EQ(d("0.0015").to_string(3), "0.002");
  EXPECT_EQ(d("1.2345").to_string(4), "1.2345");
  // Rounding at the very top of the range must not wrap to a negative.
  auto max = decimal::from_units(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(max.to_string(0), "922337203685478");
}

TEST(decimal, rounds_half_to_even_at_two_places) {
  EXPECT_EQ(d("2.345").round(2), d("2.34"));
  EXPECT_EQ(d("2.355").round(2), d("2.36"));
  EXPECT_EQ(d("-2.345").round(2), d("-2.34"));
  EXPECT_EQ(d("-2.355").round(2), d("-2.36"));
  EXPECT_EQ(d("2.3451").round(2), d("2.35"));
  EXPECT_EQ(d("2.3449").round(2), d("2.34"));
  EXPECT_EQ(d("0.005").round(2), d("0"));
  EXPECT_EQ(d("0.015").round(2), d("0.02"));
  EXPECT_EQ(d("1234.5").round(0), d("1234"));
  EXPECT_EQ(d("1235.5").round(0), d("1236"));
  EXPECT_EQ(d("1.2345").round(4), d("1.2345"));
}

TEST(decimal, multiplies_with_four_place_half_even_rounding) {
  EXPECT_EQ(d("3") * d("0.3333"), d("0.9999"));
  EXPECT_EQ(d("12") * d("6.49"), d("77.88"));
  EXPECT_EQ(d("2.5") * d("38.1234"), d("95.3085"));
  EXPECT_EQ(d("-2.5") * d("38.1234"), d("-95.3085"));
  // Products with a fifth place exactly half way go to the even neighbour.
  EXPECT_EQ(d("1.2345") * d("0.5"), d("0.6172"));
  EXPECT_EQ(d("1.2345") * d("1.5"), d("1.8518"));
  EXPECT_EQ(d("0.0001") * d("0.5"), d("0"));
  EXPECT_EQ(d("0.0003") * d("0.5"), d("0.0002"));
  EXPECT_EQ(d("-0.0003") * d("0.5"), d("-0.0002"));
  // Beyond half way goes away from zero.
  EXPECT_EQ(d("0.0001") * d("0.9"), d("0.0001"));
  // A Quebec QST computation: 9.975 % of 123.45 is 12.3141375.
  EXPECT_EQ(
    decimal::divide(d("123.45") * d("9.975"), decimal::from_int(100)).round(2),
    d("12.31"));
}

TEST(decimal, divides_with_four_place_half_even_rounding) {
  EXPECT_EQ(decimal::divide(d("1"), d("3")), d("0.3333"));
  EXPECT_EQ(decimal::divide(d("2"), d("3")), d("0.6667"));
  EXPECT_EQ(decimal::divide(d("-2"), d("3")), d("-0.6667"));
  EXPECT_EQ(decimal::divide(d("1"), d("8")), d("0.125"));
  EXPECT_EQ(decimal::divide(d("0.0001"), d("2")), d("0"));
  EXPECT_EQ(decimal::divide(d("0.0003"), d("2")), d("0.0002"));
  EXPECT_EQ(decimal::divide(d("-0.0003"), d("-2")), d("0.0002"));
  EXPECT_EQ(decimal::divide(d("77.88"), d("12")), d("6.49"));
}

TEST(decimal, a_zero_divisor_is_refused_by_the_checked_division) {
  EXPECT_TRUE(contains(message_of(decimal::checked_divide(d("1"), d("0"))),
                       "division by zero"));
  EXPECT_EQ(decimal::divide(d("1"), d("0")), d("0"));
  auto ok = decimal::checked_divide(d("10"), d("4"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, d("2.5"));
}

TEST(decimal, checked_arithmetic_reports_overflow_instead_of_a_wrong_number) {
  decimal big = d("1000000000000");
  EXPECT_TRUE(
    contains(message_of(decimal::checked_multiply(big, big)), "out of range"));
  EXPECT_TRUE(
    contains(message_of(decimal::checked_multiply(big, -big)), "out of range"));
  auto fits = decimal::checked_multiply(d("1000000"), d("1000000"));
  ASSERT_TRUE(fits);
  EXPECT_EQ(*fits, big);
  EXPECT_TRUE(contains(message_of(decimal::checked_divide(big, d("0.0001"))),
                       "out of range"));
  auto top = decimal::from_units(std::numeric_limits<std::int64_t>::max());
  auto bottom = decimal::from_units(std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(
    contains(message_of(decimal::checked_add(top, decimal::from_units(1))),
             "out of range"));
  EXPECT_TRUE(contains(
    message_of(decimal::checked_subtract(bottom, decimal::from_units(1))),
    "out of range"));
  auto sum = decimal::checked_add(big, big);
  ASSERT_TRUE(sum);
  EXPECT_EQ(*sum, decimal::from_int(2'000'000'000'000));
}

TEST(decimal, a_thousand_maximal_parsed_totals_overflow_only_the_checked_sum) {
  // 1000 lines of 1e12 exceed the range: the plain sum wraps (defined, so
  // the sanitizers stay quiet) and the checked sum says so.
  decimal big = d("1000000000000");
  decimal plain;
  expected<decimal> checked = decimal{};
  for (int i = 0; i < 1000 && checked; ++i) {
    plain = plain + big;
    checked = decimal::checked_add(*checked, big);
  }
  EXPECT_FALSE(checked);
  EXPECT_EQ(-decimal::from_units(std::numeric_limits<std::int64_t>::min()),
            decimal::from_units(std::numeric_limits<std::int64_t>::min()));
}

TEST(decimal, adds_subtracts_and_compares_exactly) {
  EXPECT_EQ(d("0.1") + d("0.2"), d("0.3"));
  EXPECT_EQ(d("10") - d("10.0001"), d("-0.0001"));
  EXPECT_EQ(-d("4.5"), d("-4.5"));
  EXPECT_EQ(d("-4.5").abs(), d("4.5"));
  EXPECT_LT(d("-1"), d("0.0001"));
  EXPECT_EQ(decimal::from_int(-7), d("-7"));
}

// -- currency -----------------------------------------------------------------

TEST(currency, knows_the_minor_units_of_active_currencies) {
  const std::pair<std::string_view, int> cases[] = {
    {"CAD", 2}, {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"CHF", 2}, {"AUD", 2},
    {"BRL", 2}, {"CNY", 2}, {"INR", 2}, {"IDR", 2}, {"MXN", 2}, {"RUB", 2},
    {"SAR", 2}, {"ZAR", 2}, {"TRY", 2}, {"ARS", 2}, {"SEK", 2}, {"NOK", 2},
    {"DKK", 2}, {"PLN", 2}, {"CZK", 2}, {"HUF", 2}, {"RON", 2}, {"AED", 2},
    {"QAR", 2}, {"BHD", 3}, {"KWD", 3}, {"OMR", 3}, {"JOD", 3}, {"TND", 3},
    {"LYD", 3}, {"IQD", 3}, {"JPY", 0}, {"KRW", 0}, {"CLP", 0}, {"ISK", 0},
    {"VND", 0}, {"XOF", 0}, {"XAF", 0}, {"UGX", 0}, {"PYG", 0}, {"XPF", 0},
    {"CLF", 4}, {"UYW", 4}, {"XCG", 2}, {"ZWG", 2}, {"SLE", 2}, {"VES", 2},
  };
  for (const auto& [code, minor] : cases) {
    auto parsed = currency::parse(code);
    ASSERT_TRUE(parsed) << code << ": " << parsed.error().message;
    EXPECT_EQ(parsed->code, code);
    EXPECT_EQ(parsed->minor_units, minor) << code;
  }
}

TEST(currency, refuses_lower_case_unknown_and_withdrawn_codes) {
  const std::pair<std::string_view, std::string_view> cases[] = {
    {"cad", "three upper-case letters"},
    {"Cad", "three upper-case letters"},
    {"CA", "three upper-case letters"},
    {"CADD", "three upper-case letters"},
    {"", "three upper-case letters"},
    {" CAD", "three upper-case letters"},
    {"FRF", "not an active ISO 4217 currency"},
    {"DEM", "not an active ISO 4217 currency"},
    {"HRK", "not an active ISO 4217 currency"},
    {"ZWL", "not an active ISO 4217 currency"},
    {"BGN", "not an active ISO 4217 currency"},
    {"XAU", "not an active ISO 4217 currency"},
    {"XXX", "not an active ISO 4217 currency"},
    {"ABC", "not an active ISO 4217 currency"},
  };
  for (const auto& [code, why] : cases)
    EXPECT_TRUE(contains(message_of(currency::parse(code)), why)) << code;
}

// -- date ---------------------------------------------------------------------

TEST(date, accepts_real_days_including_leap_days) {
  for (std::string_view text : {"2024-02-29", "2000-02-29", "1900-01-01",
                                "2199-12-31", "2026-04-30", "2026-01-31"}) {
    auto parsed = date::parse(text);
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->to_string(), text);
  }
  auto parsed = date::parse("2024-02-09");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, (date{2024, 2, 9}));
}

TEST(date, refuses_days_that_do_not_exist_and_loose_formats) {
  const std::pair<std::string_view, std::string_view> cases[] = {
    {"2023-02-29", "not a calendar day"},
    {"1900-02-29", "not a calendar day"},
    {"2100-02-29", "not a calendar day"},
    {"2026-13-01", "not a calendar day"},
    {"2026-00-10", "not a calendar day"},
    {"2026-04-31", "not a calendar day"},
    {"2026-04-00", "not a calendar day"},
    {"1899-12-31", "between 1900 and 2199"},
    {"2200-01-01", "between 1900 and 2199"},
    {"2026-1-01", "YYYY-MM-DD"},
    {"2026/01/01", "YYYY-MM-DD"},
    {"20260101", "YYYY-MM-DD"},
    {" 2026-01-01", "YYYY-MM-DD"},
    {"2026-01-01T00:00", "YYYY-MM-DD"},
    {"+026-01-01", "YYYY-MM-DD"},
    {"", "YYYY-MM-DD"},
  };
  for (const auto& [text, why] : cases)
    EXPECT_TRUE(contains(message_of(date::parse(text)), why)) << text;
}

TEST(date, counts_days_across_leap_days_and_year_ends) {
  date feb28{2024, 2, 28};
  EXPECT_EQ(feb28.plus_days(1), (date{2024, 2, 29}));
  EXPECT_EQ(feb28.plus_days(2), (date{2024, 3, 1}));
  EXPECT_EQ((date{2023, 2, 28}).plus_days(1), (date{2023, 3, 1}));
  EXPECT_EQ((date{2024, 3, 1}).plus_days(-1), (date{2024, 2, 29}));
  EXPECT_EQ((date{2024, 12, 31}).plus_days(1), (date{2025, 1, 1}));
  EXPECT_EQ((date{2026, 1, 15}).plus_days(30), (date{2026, 2, 14}));
  EXPECT_EQ((date{2025, 1, 1}).days_since(date{2024, 1, 1}), 366);
  EXPECT_EQ((date{2024, 1, 1}).days_since(date{2025, 1, 1}), -366);
  EXPECT_EQ((date{2024, 3, 1}).days_since(date{2024, 2, 28}), 2);
  EXPECT_LT((date{2024, 2, 29}), (date{2024, 3, 1}));
}

// -- tax kinds ----------------------------------------------------------------

TEST(tax_kind, round_trips_its_names_and_refuses_others) {
  for (auto kind : {tax_kind::gst, tax_kind::hst, tax_kind::pst, tax_kind::qst,
                    tax_kind::vat, tax_kind::sales_tax, tax_kind::other})
    EXPECT_EQ(parse_tax_kind(to_string(kind)), kind);
  EXPECT_EQ(to_string(tax_kind::sales_tax), "sales_tax");
  EXPECT_EQ(parse_tax_kind("GST"), std::nullopt);
  EXPECT_EQ(parse_tax_kind("tva"), std::nullopt);
}

// -- lines --------------------------------------------------------------------

TEST(lines, decodes_well_formed_lines) {
  auto lines = decode_lines_json(
    "[" + line_json() + ","
    + R"({"description":"Crème fraîche 35 %","quantity":"-1.5","unit":"L",)"
      R"("unit_price":"6.49","line_total":"-9.74","tax_code":"",)"
      R"("category":"dairy"}])");
  ASSERT_TRUE(lines) << lines.error().message;
  ASSERT_EQ(lines->size(), 2u);
  const line_item& flour = (*lines)[0];
  EXPECT_EQ(flour.description, "Flour 20 kg");
  EXPECT_EQ(flour.quantity, d("2"));
  EXPECT_EQ(flour.unit, "bag");
  EXPECT_EQ(flour.unit_price, d("31.5"));
  EXPECT_EQ(flour.line_total, d("63"));
  EXPECT_EQ(flour.tax_code, "E");
  EXPECT_EQ(flour.category, std::nullopt);
  EXPECT_FALSE(flour.total_mismatch);
  const line_item& credit = (*lines)[1];
  EXPECT_EQ(credit.description, "Crème fraîche 35 %");
  EXPECT_EQ(credit.quantity, d("-1.5"));
  EXPECT_EQ(credit.line_total, d("-9.74"));
  EXPECT_EQ(credit.category, "dairy");
  EXPECT_FALSE(credit.total_mismatch) << "-1.5 × 6.49 = -9.735";
}

TEST(lines, accepts_an_empty_invoice_and_a_null_category) {
  auto empty = decode_lines_json("[]");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto lines = decode_lines_json("[" + line_json(R"(,"category":null)") + "]");
  ASSERT_TRUE(lines) << lines.error().message;
  EXPECT_EQ((*lines)[0].category, std::nullopt);
}

TEST(lines, refuses_bad_lines_naming_the_line_and_the_field) {
  const std::pair<std::string, std::string_view> cases[] = {
    {third_line(line_json(R"(,"price":"1")")), "line 3: unknown field 'price'"},
    {third_line(line_json_with("quantity", R"("quantity":2)")),
     "line 3: quantity must be a decimal string"},
    {third_line(line_json_with("quantity", R"("quantity":"2.00001")")),
     "line 3: quantity has more than 4 decimal places"},
    {third_line(line_json_with("unit_price", R"("unit_price":"1e3")")),
     "line 3: unit_price is not a plain decimal number"},
    {third_line(line_json_with("line_total", R"("line_total":null)")),
     "line 3: line_total must be a decimal string"},
    {third_line(line_json_with("line_total", R"("line_total":"")")),
     "line 3: line_total is empty"},
    {third_line(line_json_with("tax_code", "")),
     "line 3: missing field 'tax_code'"},
    {third_line(line_json_with("description", "")),
     "line 3: missing field 'description'"},
    {third_line(line_json(R"(,"quantity":"3")")),
     "line 3: duplicate field 'quantity'"},
    {third_line(line_json_with("description", R"("description":"")")),
     "line 3: description is empty"},
    {third_line(line_json_with("description", R"("description":7)")),
     "line 3: description must be a string"},
    {third_line(line_json_with("description", R"("description":"a\tb")")),
     "line 3: description contains a control character"},
    {third_line(line_json_with("description", R"("description":"a\nb")")),
     "line 3: description contains a control character"},
    {third_line(line_json_with("description", R"("description":"a\u007fb")")),
     "line 3: description contains a control character"},
    {third_line(line_json_with("description", R"("description":"a\u0085b")")),
     "line 3: description contains a control character"},
    {third_line(line_json_with("description", R"("description":"a\u0000")")),
     "line 3: description contains a control character"},
    {third_line(line_json_with("unit", R"("unit":"abcdefghijklmnopqrstu")")),
     "line 3: unit is longer than 20 characters"},
    {third_line(line_json_with("unit", R"("unit":["kg"])")),
     "line 3: unit must be a string"},
    {third_line(
       line_json_with("tax_code", R"("tax_code":"abcdefghijklmnopqrstu")")),
     "line 3: tax_code is longer than 20 characters"},
    {third_line(line_json(",\"category\":\"" + std::string(101, 'c') + "\"")),
     "line 3: category is longer than 100 characters"},
    {third_line(line_json(R"(,"category":5)")),
     "line 3: category must be a string or null"},
    {third_line(line_json(R"(,"total_mismatch":"no")")),
     "line 3: total_mismatch must be true or false"},
    {third_line("\"Flour\""), "line 3: must be an object"},
    {R"({"lines":[]})", "lines must be a JSON array"},
  };
  for (const auto& [json, why] : cases) {
    std::string message = message_of(decode_lines_json(json));
    EXPECT_TRUE(contains(message, why)) << json << "\n gave: " << message;
  }
}

TEST(lines, counts_description_length_in_characters_not_bytes) {
  std::string accented;
  for (int i = 0; i < 500; ++i)
    accented += "é";
  auto ok = decode_lines_json(
    "[" + line_json_with("description", "\"description\":\"" + accented + "\"")
    + "]");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)[0].description, accented);
  auto too_long = decode_lines_json(
    "[" + line_json_with("description", "\"description\":\"" + accented + "x\"")
    + "]");
  EXPECT_TRUE(contains(message_of(too_long),
                       "line 1: description is longer than 500 characters"));
}

TEST(lines, refuses_more_than_a_thousand_lines) {
  std::string json = "[";
  for (std::size_t i = 0; i < max_lines_per_invoice; ++i)
    json += (i ? "," : "") + line_json();
  auto thousand = decode_lines_json(json + "]");
  ASSERT_TRUE(thousand) << thousand.error().message;
  EXPECT_EQ(thousand->size(), 1000u);
  std::string message =
    message_of(decode_lines_json(json + "," + line_json() + "]"));
  EXPECT_TRUE(contains(message, "at most 1000 lines")) << message;
}

TEST(lines, flags_a_total_more_than_a_cent_off_but_keeps_the_line) {
  auto with_total = [](std::string_view total) {
    return decode_lines_json(
      "["
      + line_json_with("line_total",
                       "\"line_total\":\"" + std::string{total} + "\"")
      + "]");
  };
  // 2 × 31.5 = 63.
  for (std::string_view total : {"63", "63.01", "62.99", "63.0100"}) {
    auto lines = with_total(total);
    ASSERT_TRUE(lines) << lines.error().message;
    EXPECT_FALSE((*lines)[0].total_mismatch) << total;
  }
  for (std::string_view total : {"63.02", "62.98", "63.0101", "-63"}) {
    auto lines = with_total(total);
    ASSERT_TRUE(lines) << lines.error().message;
    EXPECT_TRUE((*lines)[0].total_mismatch) << total;
  }
}

TEST(lines, recomputes_the_mismatch_flag_rather_than_trusting_it) {
  auto hidden = decode_lines_json(
    "["
    + line_json_with("line_total",
                     R"("line_total":"70","total_mismatch":false)")
    + "]");
  ASSERT_TRUE(hidden) << hidden.error().message;
  EXPECT_TRUE((*hidden)[0].total_mismatch);
  auto invented =
    decode_lines_json("[" + line_json(R"(,"total_mismatch":true)") + "]");
  ASSERT_TRUE(invented) << invented.error().message;
  EXPECT_FALSE((*invented)[0].total_mismatch);
}

TEST(lines, flags_rather_than_overflows_when_quantity_times_price_is_huge) {
  line_item line;
  line.description = "Typo from OCR";
  line.quantity = d("1000000000000");
  line.unit_price = d("1000000000000");
  line.line_total = d("1");
  auto checked = validate_line(line);
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_TRUE(checked->total_mismatch);
}

TEST(lines, validate_refuses_numbers_that_could_not_be_read_back) {
  line_item line;
  line.description = "Sum of two maximal lines";
  line.quantity = decimal::from_int(1);
  line.unit_price = decimal::from_int(2'000'000'000'000);
  line.line_total = line.unit_price;
  EXPECT_TRUE(
    contains(message_of(validate_line(line)), "unit_price is out of range"));
  line.unit_price = decimal::from_int(1);
  line.line_total = -decimal::from_int(1'000'000'000'001);
  EXPECT_TRUE(
    contains(message_of(validate_line(line)), "line_total is out of range"));
}

TEST(lines, validate_refuses_text_that_is_not_utf8) {
  for (std::string_view bad :
       {std::string_view{"caf\xc3"}, // truncated
        std::string_view{"\xc3\x28"},
        std::string_view{"\xc0\xaf"},     // overlong '/'
        std::string_view{"\xed\xa0\x80"}, // surrogate
        std::string_view{"\xf4\x90\x80\x80"}, std::string_view{"\xff"}}) {
    line_item line;
    line.description = std::string{bad};
    EXPECT_TRUE(contains(message_of(validate_line(line)),
                         "description is not valid UTF-8"));
    line.description = "ok";
    line.unit = std::string{bad};
    EXPECT_TRUE(
      contains(message_of(validate_line(line)), "unit is not valid UTF-8"));
  }
  line_item line;
  line.description = "Bœuf haché 🥩 牛肉";
  EXPECT_TRUE(validate_line(line));
}

TEST(lines, cuts_a_hostile_member_name_in_the_message) {
  std::string name(10'000, 'x');
  std::string message =
    message_of(decode_lines_json("[" + line_json(",\"" + name + "\":1") + "]"));
  EXPECT_TRUE(contains(message, "line 1: unknown field 'xxxx")) << message;
  EXPECT_LT(message.size(), 100u);
}

namespace {

/// A random description of 1..60 code points drawn from ASCII, JSON's
/// escaped characters, Latin accents, the euro sign, CJK and an astral
/// emoji, so that the writer's escaping and the reader's decoding both get
/// exercised.
std::string random_text(std::mt19937_64& rng, std::size_t min_chars,
                        std::size_t max_chars) {
  static const std::vector<std::string> pool = {
    "a", "Z", "0", " ",  "\"",   "\\", "/", "'",     "%",
    "é", "ß", "€", "牛", "🥩", "ñ",  "Ω", "\u2028"};
  std::uniform_int_distribution<std::size_t> length(min_chars, max_chars);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  std::string out;
  for (std::size_t n = length(rng); n > 0; --n)
    out += pool[pick(rng)];
  return out;
}

decimal random_decimal(std::mt19937_64& rng) {
  // Magnitudes spread over every scale from 1e-4 to the parse limit.
  std::uniform_int_distribution<int> digits(0, 16);
  std::int64_t bound = 1;
  for (int i = digits(rng); i > 0; --i)
    bound *= 10;
  std::uniform_int_distribution<std::int64_t> units(-bound, bound);
  return decimal::from_units(units(rng));
}

} // namespace

TEST(lines, encode_then_decode_gives_back_the_same_lines) {
  std::mt19937_64 rng{20260101};
  std::bernoulli_distribution coin;
  for (int round = 0; round < 3; ++round) {
    std::vector<line_item> lines;
    for (int i = 0; i < 100; ++i) {
      line_item line;
      line.description = random_text(rng, 1, 60);
      line.quantity = random_decimal(rng);
      line.unit = random_text(rng, 0, 5);
      line.unit_price = random_decimal(rng);
      // About half the lines carry their exact total, when it is in range.
      auto product = decimal::checked_multiply(line.quantity, line.unit_price);
      bool exact = coin(rng) && product
                   && product->abs().units() <= decimal::max_parsed_units;
      line.line_total = exact ? *product : random_decimal(rng);
      line.tax_code = random_text(rng, 0, 3);
      if (coin(rng))
        line.category = random_text(rng, 0, 20);
      auto valid = validate_line(line);
      ASSERT_TRUE(valid) << valid.error().message;
      lines.push_back(*valid);
    }
    json_writer w;
    encode_lines(w, lines);
    auto decoded = decode_lines_json(w.str());
    ASSERT_TRUE(decoded) << decoded.error().message;
    ASSERT_EQ(decoded->size(), lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i)
      EXPECT_EQ((*decoded)[i], lines[i]) << "line " << i + 1;
    json_writer again;
    encode_lines(again, *decoded);
    EXPECT_EQ(again.str(), w.str());
  }
}

TEST(lines, encodes_numbers_as_decimal_strings) {
  line_item line;
  line.description = "Eggs";
  line.quantity = d("12");
  line.unit = "ea";
  line.unit_price = d("0.35");
  line.line_total = d("4.2");
  line.tax_code = "Z";
  line.category = "dairy";
  json_writer w;
  encode_lines(w, {line});
  EXPECT_EQ(w.str(), R"([{"description":"Eggs","quantity":"12","unit":"ea",)"
                     R"("unit_price":"0.35","line_total":"4.2",)"
                     R"("tax_code":"Z","category":"dairy",)"
                     R"("total_mismatch":false}])");
}

// -- taxes --------------------------------------------------------------------

TEST(taxes, encode_then_decode_gives_back_the_same_taxes) {
  std::vector<tax_line> taxes = {
    {tax_kind::gst, d("5"), d("2.5")},
    {tax_kind::qst, d("9.975"), d("4.99")},
    {tax_kind::sales_tax, d("8.875"), d("-1.2")},
    {tax_kind::other, d("0"), d("0")},
  };
  json_writer w;
  encode_taxes(w, taxes);
  EXPECT_EQ(w.str(), R"([{"kind":"gst","rate_percent":"5","amount":"2.5"},)"
                     R"({"kind":"qst","rate_percent":"9.975","amount":"4.99"},)"
                     R"({"kind":"sales_tax","rate_percent":"8.875",)"
                     R"("amount":"-1.2"},)"
                     R"({"kind":"other","rate_percent":"0","amount":"0"}])");
  auto decoded = decode_taxes_json(w.str());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, taxes);
}

TEST(taxes, refuses_bad_tax_lines_naming_the_line_and_the_field) {
  auto one = [](std::string_view members) {
    return R"([{"kind":"gst","rate_percent":"5","amount":"1"},{)"
           + std::string{members} + "}]";
  };
  const std::pair<std::string, std::string_view> cases[] = {
    {one(R"("kind":"GST","rate_percent":"5","amount":"1")"),
     "tax 2: kind must be one of"},
    {one(R"("kind":3,"rate_percent":"5","amount":"1")"),
     "tax 2: kind must be one of"},
    {one(R"("kind":"vat","rate_percent":"101","amount":"1")"),
     "tax 2: rate_percent must be between 0 and 100"},
    {one(R"("kind":"vat","rate_percent":"-1","amount":"1")"),
     "tax 2: rate_percent must be between 0 and 100"},
    {one(R"("kind":"vat","rate_percent":20,"amount":"1")"),
     "tax 2: rate_percent must be a decimal string"},
    {one(R"("kind":"vat","rate_percent":"20")"),
     "tax 2: missing field 'amount'"},
    {one(R"("kind":"vat","rate_percent":"20","amount":"1","rate":"1")"),
     "tax 2: unknown field 'rate'"},
    {one(R"("kind":"vat","rate_percent":"20","amount":"1.00001")"),
     "tax 2: amount has more than 4 decimal places"},
    {"{}", "taxes must be a JSON array"},
    {"[1]", "tax 1: must be an object"},
  };
  for (const auto& [json, why] : cases) {
    std::string message = message_of(decode_taxes_json(json));
    EXPECT_TRUE(contains(message, why)) << json << "\n gave: " << message;
  }
  std::string many = "[";
  for (std::size_t i = 0; i <= max_tax_lines_per_invoice; ++i)
    many += std::string{i ? "," : ""}
            + R"({"kind":"gst","rate_percent":"5","amount":"1"})";
  EXPECT_TRUE(contains(message_of(decode_taxes_json(many + "]")),
                       "at most 100 tax lines"));
}

// -- contact addresses --------------------------------------------------------

TEST(email, normalizes_case_and_surrounding_blanks) {
  const std::pair<std::string_view, std::string_view> cases[] = {
    {" Chef@Example.COM ", "chef@example.com"},
    {"\torders@boulangerie.ca\r\n", "orders@boulangerie.ca"},
    {"a.b+invoices@mail.example.co.uk", "a.b+invoices@mail.example.co.uk"},
    {"Émile@Café.FR", "Émile@café.fr"},
  };
  for (const auto& [text, normal] : cases) {
    auto result = normalize_email(text);
    ASSERT_TRUE(result) << text << ": " << result.error().message;
    EXPECT_EQ(*result, normal);
  }
}

TEST(email, refuses_what_is_not_an_address) {
  const std::pair<std::string, std::string_view> cases[] = {
    {"", "is empty"},
    {"   ", "is empty"},
    {"chef", "local@domain"},
    {"@example.com", "local@domain"},
    {"chef@", "local@domain"},
    {"chef@a@example.com", "local@domain"},
    {"chef@localhost", "domain with a dot"},
    {"chef@.example.com", "domain with a dot"},
    {"chef@example.com.", "domain with a dot"},
    {"chef@example..com", "domain with a dot"},
    {"chef de cuisine@example.com", "space or control character"},
    {"chef\t@example.com", "space or control character"},
    {std::string{"chef\0@example.com", 17}, "space or control character"},
    {"chef\xc3@example.com", "not valid UTF-8"},
    {std::string(64, 'a') + "@" + std::string(186, 'b') + ".com",
     "longer than 254"},
  };
  for (const auto& [text, why] : cases) {
    std::string message = message_of(normalize_email(text));
    EXPECT_TRUE(contains(message, why)) << text << " gave: " << message;
  }
  auto longest = normalize_email(std::string(64, 'a') + "@"
                                 + std::string(185, 'b') + ".com");
  EXPECT_TRUE(longest) << "254 characters are allowed";
}

TEST(e164, accepts_numbers_and_strips_the_whatsapp_prefix) {
  const std::pair<std::string_view, std::string_view> cases[] = {
    {"whatsapp:+15145550123", "+15145550123"},
    {"+15145550123", "+15145550123"},
    {"+4930123456", "+4930123456"},
    {"+12345678", "+12345678"},
    {"+123456789012345", "+123456789012345"},
  };
  for (const auto& [text, normal] : cases) {
    auto result = normalize_e164(text);
    ASSERT_TRUE(result) << text << ": " << result.error().message;
    EXPECT_EQ(*result, normal);
  }
}

TEST(e164, refuses_what_is_not_an_e164_number) {
  const std::pair<std::string_view, std::string_view> cases[] = {
    {"", "must start with '+'"},
    {"15145550123", "must start with '+'"},
    {"whatsapp:15145550123", "must start with '+'"},
    {"WhatsApp:+15145550123", "must start with '+'"},
    {" +15145550123", "must start with '+'"},
    {"+1 514 555 0123", "only digits"},
    {"+1-514-555-0123", "only digits"},
    {"+15145550123 ", "only digits"},
    {"++15145550123", "only digits"},
    {"+1234567", "8 to 15 digits"},
    {"+1234567890123456", "8 to 15 digits"},
    {"+", "8 to 15 digits"},
    {"+015145550123", "must not start with 0"},
    {"whatsapp:", "must start with '+'"},
  };
  for (const auto& [text, why] : cases) {
    std::string message = message_of(normalize_e164(text));
    EXPECT_TRUE(contains(message, why)) << text << " gave: " << message;
  }
}
