#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "actors/values/values.hpp"

namespace larder::extract {

/// How to read an all-numeric date such as 03/04/2025 when the text does not
/// decide it (a day above 12 always decides).
enum class date_order : std::uint8_t { dmy, mdy, ymd };

/// Parses one date as invoices write it: ISO 8601, numeric with '/', '.',
/// '-' or spaces (two- or four-digit years), and written forms with month
/// names or abbreviations in English and French (and German, Dutch, Spanish,
/// Italian and Polish): "March 5, 2025", "5 mars 2025", "1er février 2025",
/// "05-Mar-2025", "Mon, 3 Feb 2025", "3. Februar 2025". Case, accents and a
/// trailing period on abbreviations do not matter. Nothing when the text is
/// not exactly one real calendar date.
std::optional<values::date> parse_date(std::string_view text,
                                       date_order numeric = date_order::dmy);

/// Parses `text` with a strptime-style `format` as invoice2data's
/// `date_formats` option gives them: %d %m %Y %y %B %b %A %a %H %M %S %%
/// and literal characters; month and weekday names in the languages of
/// `parse_date`. Nothing when the text does not match the whole format.
std::optional<values::date> parse_date_with_format(std::string_view text,
                                                   std::string_view format);

/// A date found in running text, with where it was.
struct found_date {
  values::date date;
  std::size_t offset = 0;
  std::size_t length = 0;
};

/// Every date in `text`, in order of appearance.
std::vector<found_date> find_dates(std::string_view text,
                                   date_order numeric = date_order::dmy);

} // namespace larder::extract
