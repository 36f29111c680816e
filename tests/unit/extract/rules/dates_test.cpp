#include "extract/rules/dates.hpp"

#include <gtest/gtest.h>

#include <string>

namespace larder::extract {
namespace {

std::string parsed(const std::string& text,
                   date_order order = date_order::dmy) {
  auto d = parse_date(text, order);
  return d ? d->to_string() : "";
}

struct date_case {
  std::string text;
  std::string expected;
};

TEST(parse_date, reads_numeric_dates) {
  const date_case cases[] = {
    {"2025-03-05", "2025-03-05"}, {"05/03/2025", "2025-03-05"},
    {"5/3/2025", "2025-03-05"},   {"05.03.2025", "2025-03-05"},
    {"05-03-25", "2025-03-05"},   {"05 03 2025", "2025-03-05"},
    {"25/12/2024", "2024-12-25"}, {"12/25/2024", "2024-12-25"},
    {"2025/03/05", "2025-03-05"}, {"31.12.99", "1999-12-31"},
    {"29/02/2024", "2024-02-29"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(parsed(c.text), c.expected) << c.text;
}

TEST(parse_date, numeric_order_decides_only_when_the_text_does_not) {
  EXPECT_EQ(parsed("03/04/2025", date_order::dmy), "2025-04-03");
  EXPECT_EQ(parsed("03/04/2025", date_order::mdy), "2025-03-04");
  EXPECT_EQ(parsed("13/04/2025", date_order::mdy), "2025-04-13");
  EXPECT_EQ(parsed("04/13/2025", date_order::dmy), "2025-04-13");
  EXPECT_EQ(parsed("25/03/04", date_order::ymd), "2025-03-04");
}

TEST(parse_date, reads_written_dates_in_seven_languages) {
  const date_case cases[] = {
    {"March 5, 2025", "2025-03-05"},
    {"Mar 5 2025", "2025-03-05"},
    {"March 5th, 2025", "2025-03-05"},
    {"5th of March 2025", "2025-03-05"},
    {"05-Mar-2025", "2025-03-05"},
    {"05-MAR-25", "2025-03-05"},
    {"2025-Mar-05", "2025-03-05"},
    {"Mon, 3 Feb 2025", "2025-02-03"},
    {"Sept. 30, 2024", "2024-09-30"},
    {"5 mars 2025", "2025-03-05"},
    {"1er février 2025", "2025-02-01"},
    {"1er fevrier 2025", "2025-02-01"},
    {"3 févr. 2025", "2025-02-03"},
    {"15 déc. 2024", "2024-12-15"},
    {"15 DÉCEMBRE 2024", "2024-12-15"},
    {"lundi 3 février 2025", "2025-02-03"},
    {"12 août 2025", "2025-08-12"},
    {"3. Februar 2025", "2025-02-03"},
    {"Montag, 3. März 2025", "2025-03-03"},
    {"3. Mrz. 2025", "2025-03-03"},
    {"3 maart 2025", "2025-03-03"},
    {"17 mei 2025", "2025-05-17"},
    {"5 de marzo de 2025", "2025-03-05"},
    {"5 dic 2025", "2025-12-05"},
    {"5 maggio 2025", "2025-05-05"},
    {"5 stycznia 2025", "2025-01-05"},
    {"5 stycznia 2025 r.", "2025-01-05"},
    {"21 października 2024", "2024-10-21"},
    {"21 października 2024 r.", "2024-10-21"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(parsed(c.text), c.expected) << c.text;
}

TEST(parse_date, refuses_what_is_not_exactly_one_real_day) {
  const std::string cases[] = {
    "",
    "2025-02-30",
    "31/04/2025",
    "29/02/2025",
    "32/01/2025",
    "13/13/2025",
    "March 2025",
    "5 mars",
    "Invoice 05/03/2025",
    "05/03/2025 06/03/2025",
    "05/03-2025",
    "5 foo 2025",
    "2025-03-05x",
    "1/2/3",
    "12.50",
    "1899-12-31",
  };
  for (const auto& c : cases)
    EXPECT_EQ(parsed(c), "") << c;
}

TEST(parse_date_with_format, reads_invoice2data_formats) {
  struct format_case {
    std::string text;
    std::string format;
    std::string expected;
  };
  const format_case cases[] = {
    {"2022-09-27", "%Y-%m-%d", "2022-09-27"},
    {"27.09.2022", "%d.%m.%Y", "2022-09-27"},
    {"September 27, 2022", "%B %d, %Y", "2022-09-27"},
    {"Sep 7, 2022", "%b %d, %Y", "2022-09-07"},
    {"7 févr. 2022", "%d %b %Y", "2022-02-07"},
    {"Tuesday, 27 September 2022", "%A, %d %B %Y", "2022-09-27"},
    {"27/09/22 14:05:09", "%d/%m/%y %H:%M:%S", "2022-09-27"},
    {"27 septembre 2022", "%d %B %Y", "2022-09-27"},
    {"100% 27/09/2022", "100%% %d/%m/%Y", "2022-09-27"},
    // Refusals: text left over, wrong separator, bad day, no year.
    {"2022-09-27 extra", "%Y-%m-%d", ""},
    {"2022/09/27", "%Y-%m-%d", ""},
    {"2022-02-30", "%Y-%m-%d", ""},
    {"27.09", "%d.%m", ""},
    {"27 Foo 2022", "%d %B %Y", ""},
    {"27/09/22 25:00", "%d/%m/%y %H:%M", ""},
    {"2022-09-27", "%Y-%m-%d %q", ""},
  };
  for (const auto& c : cases) {
    auto d = parse_date_with_format(c.text, c.format);
    EXPECT_EQ(d ? d->to_string() : "", c.expected)
      << c.text << " with " << c.format;
  }
}

TEST(find_dates, finds_every_date_with_its_place) {
  std::string text = "Invoice date: 05/03/2025     Due: April 4, 2025\n"
                     "Ref 2025-03-05T10:00:00, paid 1er avril 2025.";
  auto found = find_dates(text);
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].date.to_string(), "2025-03-05");
  EXPECT_EQ(text.substr(found[0].offset, found[0].length), "05/03/2025");
  EXPECT_EQ(found[1].date.to_string(), "2025-04-04");
  EXPECT_EQ(text.substr(found[1].offset, found[1].length), "April 4, 2025");
  EXPECT_EQ(found[2].date.to_string(), "2025-03-05");
  EXPECT_EQ(text.substr(found[2].offset, found[2].length), "2025-03-05");
  EXPECT_EQ(found[3].date.to_string(), "2025-04-01");
  EXPECT_EQ(text.substr(found[3].offset, found[3].length), "1er avril 2025");
}

TEST(find_dates, ignores_amounts_references_and_table_columns) {
  auto found = find_dates("Total 1.234.567,89   INV12/03/2025  qty 3  4  2025\n"
                          "12.03.2025.5   v1.2.3   2 x 12.50");
  EXPECT_TRUE(found.empty())
    << found.size() << " found, first "
    << (found.empty() ? "" : found[0].date.to_string());
}

TEST(find_dates, reads_us_dates_in_mdy_order) {
  auto found = find_dates("Date 03/04/2025 Due 03/19/2025", date_order::mdy);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].date.to_string(), "2025-03-04");
  EXPECT_EQ(found[1].date.to_string(), "2025-03-19");
}

} // namespace
} // namespace larder::extract
