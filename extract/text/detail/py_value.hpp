#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/values/values.hpp"
#include "events/json_writer.hpp"

/// The values an invoice2data extraction holds, with Python's meaning:
/// `None`, bool, int, float, str, date, list and an insertion-ordered dict.
/// Floats keep the exact decimal they were parsed from when there is one,
/// so mapping them to money never goes through binary floating point.
namespace larder::extract::detail {

struct py_value {
  enum class kind : std::uint8_t {
    none,
    boolean,
    integer,
    real,
    string,
    date,
    list,
    dict
  };

  kind type = kind::none;
  bool flag = false;
  std::int64_t integer = 0;
  double real = 0;
  /// The exact value of a float parsed from text (or summed from such).
  std::optional<values::decimal> exact;
  std::string text;
  values::date day;
  /// A parsed date is a Python datetime (str() adds " 00:00:00"); a YAML
  /// date is a date.
  bool datetime = false;
  std::vector<py_value> items;
  std::vector<std::pair<std::string, py_value>> members;

  static py_value none() {
    return {};
  }
  static py_value of_bool(bool b);
  static py_value of_int(std::int64_t i);
  static py_value of_real(double d);
  static py_value of_decimal(values::decimal d);
  static py_value of_string(std::string s);
  static py_value of_date(values::date d, bool datetime);
  static py_value list(std::vector<py_value> items);
  static py_value dict();

  bool is_none() const {
    return type == kind::none;
  }
  bool is_number() const {
    return type == kind::boolean || type == kind::integer || type == kind::real;
  }
  /// Python's truth value.
  bool truthy() const;
  /// The number as a double (bool and int included).
  double as_double() const;

  /// Dict access; `set` keeps an existing key where it is, as Python does.
  const py_value* get(std::string_view key) const;
  py_value* get(std::string_view key);
  void set(std::string key, py_value v);
  bool erase(std::string_view key);

  /// Python's `str(v)`.
  std::string str() const;
};

/// Python's `==` (1 == 1.0 == True; dicts compare regardless of order).
bool py_equal(const py_value& a, const py_value& b);

/// Python's `<` for the types `min`/`max` meet; values of unrelated types
/// are ordered by kind instead of raising.
bool py_less(const py_value& a, const py_value& b);

/// `repr(float)`: the shortest text that reads back as `d`, with ".0" for
/// integral values and exponents outside [1e-4, 1e16) ("1e+16").
std::string python_float_repr(double d);

/// Writes `v` as JSON the way invoice2data's `to_json` does: dates as
/// YYYY-MM-DD, floats as Python prints them, NaN and infinities as null.
void write_json(events::json_writer& w, const py_value& v);

} // namespace larder::extract::detail
