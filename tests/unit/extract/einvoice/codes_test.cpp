#include "extract/einvoice/detail/codes.hpp"

#include <gtest/gtest.h>

namespace larder::extract::einvoice::detail {
namespace {

std::string amount_text(std::string_view in) {
  auto d = parse_amount(in);
  return d ? d->to_string() : "none";
}

TEST(einvoice_codes, amounts_follow_xsd_decimal_and_round_half_to_even) {
  struct row {
    std::string_view in;
    std::string_view out;
  };
  for (auto [in, out] : std::initializer_list<row>{
         {"12", "12"},
         {" 1005.55\n", "1005.55"},
         {"-0.5", "-0.5"},
         {"+3.", "3"},
         {".25", "0.25"},
         {"0007.50", "7.5"},
         {"1.23456", "1.2346"},
         {"1.23455", "1.2346"}, // half, 5 odd → up
         {"1.23445", "1.2344"}, // half, 4 even → stays
         {"1.234450001", "1.2345"},
         {"-1.23456", "-1.2346"},
         {"0.00005", "0"},
         {"0.99995", "1"},
         {"999999999999.9999", "999999999999.9999"},
         {"1000000000001", "none"},
         {"999999999999.99995", "1000000000000"},
         {"1e3", "none"},
         {"1,5", "none"},
         {"", "none"},
         {".", "none"},
         {"-", "none"},
         {"12 34", "none"},
       }) {
    EXPECT_EQ(amount_text(in), out) << "input '" << in << "'";
  }
}

TEST(einvoice_codes, loses_places_beyond_the_fourth) {
  EXPECT_TRUE(loses_places("0.061232374"));
  EXPECT_TRUE(loses_places("1.00001"));
  EXPECT_FALSE(loses_places("1.23450000"));
  EXPECT_FALSE(loses_places("1.2345"));
  EXPECT_FALSE(loses_places("12"));
}

TEST(einvoice_codes, dates_read_iso_and_format_102) {
  EXPECT_EQ(parse_iso_date("2024-03-01")->to_string(), "2024-03-01");
  EXPECT_EQ(parse_iso_date("2024-03-01Z")->to_string(), "2024-03-01");
  EXPECT_EQ(parse_iso_date("2024-03-01+01:00")->to_string(), "2024-03-01");
  EXPECT_FALSE(parse_iso_date("2024-02-30"));
  EXPECT_FALSE(parse_iso_date("20240301"));
  EXPECT_FALSE(parse_iso_date("2024-03-01T10:00:00"));
  EXPECT_EQ(parse_cefact_date("20180315", "102")->to_string(), "2018-03-15");
  EXPECT_EQ(parse_cefact_date("20180315", "")->to_string(), "2018-03-15");
  EXPECT_FALSE(parse_cefact_date("201803", "610"));
  EXPECT_FALSE(parse_cefact_date("20181315", "102"));
  EXPECT_FALSE(parse_cefact_date("2018031a", "102"));
}

TEST(einvoice_codes, units_map_rec20_codes_to_short_units) {
  EXPECT_EQ(unit_from_code("C62"), "ea");
  EXPECT_EQ(unit_from_code("H87"), "ea");
  EXPECT_EQ(unit_from_code("EA"), "ea");
  EXPECT_EQ(unit_from_code("XPP"), "ea");
  EXPECT_EQ(unit_from_code("KGM"), "kg");
  EXPECT_EQ(unit_from_code("LTR"), "L");
  EXPECT_EQ(unit_from_code("HUR"), "h");
  EXPECT_EQ(unit_from_code("MTQ"), "m3");
  EXPECT_EQ(unit_from_code("XCS"), "case");
  EXPECT_EQ(unit_from_code("ZZZ"), "ZZZ");
  EXPECT_EQ(unit_from_code(""), "");
}

TEST(einvoice_codes, credit_note_type_codes) {
  for (auto code : {"381", "396", "261", "532", " 381 "})
    EXPECT_TRUE(is_credit_note_type(code)) << code;
  for (auto code : {"380", "384", "389", "326", "", "3810"})
    EXPECT_FALSE(is_credit_note_type(code)) << code;
}

} // namespace
} // namespace larder::extract::einvoice::detail
