#include "extract/text/detail/py_value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace larder::extract::detail {

py_value py_value::of_bool(bool b) {
  py_value v;
  v.type = kind::boolean;
  v.flag = b;
  return v;
}

py_value py_value::of_int(std::int64_t i) {
  py_value v;
  v.type = kind::integer;
  v.integer = i;
  return v;
}

py_value py_value::of_real(double d) {
  py_value v;
  v.type = kind::real;
  v.real = d;
  return v;
}

py_value py_value::of_decimal(values::decimal d) {
  py_value v;
  v.type = kind::real;
  v.real =
    static_cast<double>(d.units()) / static_cast<double>(values::decimal::one);
  v.exact = d;
  return v;
}

py_value py_value::of_string(std::string s) {
  py_value v;
  v.type = kind::string;
  v.text = std::move(s);
  return v;
}

py_value py_value::of_date(values::date d, bool datetime) {
  py_value v;
  v.type = kind::date;
  v.day = d;
  v.datetime = datetime;
  return v;
}

py_value py_value::list(std::vector<py_value> items) {
  py_value v;
  v.type = kind::list;
  v.items = std::move(items);
  return v;
}

py_value py_value::dict() {
  py_value v;
  v.type = kind::dict;
  return v;
}

bool py_value::truthy() const {
  switch (type) {
    case kind::none: return false;
    case kind::boolean: return flag;
    case kind::integer: return integer != 0;
    case kind::real: return real != 0;
    case kind::string: return !text.empty();
    case kind::date: return true;
    case kind::list: return !items.empty();
    case kind::dict: return !members.empty();
  }
  return false;
}

double py_value::as_double() const {
  switch (type) {
    case kind::boolean: return flag ? 1 : 0;
    case kind::integer: return static_cast<double>(integer);
    case kind::real: return real;
    default: return 0;
  }
}

const py_value* py_value::get(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k == key)
      return &v;
  return nullptr;
}

py_value* py_value::get(std::string_view key) {
  for (auto& [k, v] : members)
    if (k == key)
      return &v;
  return nullptr;
}

void py_value::set(std::string key, py_value v) {
  if (auto* existing = get(key)) {
    *existing = std::move(v);
    return;
  }
  members.emplace_back(std::move(key), std::move(v));
}

bool py_value::erase(std::string_view key) {
  for (auto it = members.begin(); it != members.end(); ++it)
    if (it->first == key) {
      members.erase(it);
      return true;
    }
  return false;
}

std::string py_value::str() const {
  switch (type) {
    case kind::none: return "None";
    case kind::boolean: return flag ? "True" : "False";
    case kind::integer: return std::to_string(integer);
    case kind::real: return python_float_repr(real);
    case kind::string: return text;
    case kind::date:
      return datetime ? day.to_string() + " 00:00:00" : day.to_string();
    case kind::list: {
      std::string out = "[";
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i)
          out += ", ";
        out += items[i].type == kind::string ? "'" + items[i].text + "'"
                                             : items[i].str();
      }
      return out + "]";
    }
    case kind::dict: {
      std::string out = "{";
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i)
          out += ", ";
        out += "'" + members[i].first + "': " + members[i].second.str();
      }
      return out + "}";
    }
  }
  return {};
}

bool py_equal(const py_value& a, const py_value& b) {
  using k = py_value::kind;
  if (a.is_number() && b.is_number()) {
    if (a.type != k::real && b.type != k::real)
      return (a.type == k::boolean ? a.flag : a.integer)
             == (b.type == k::boolean ? b.flag : b.integer);
    if (a.exact && b.exact)
      return *a.exact == *b.exact;
    return a.as_double() == b.as_double();
  }
  if (a.type != b.type)
    return false;
  switch (a.type) {
    case k::none: return true;
    case k::string: return a.text == b.text;
    case k::date: return a.day == b.day && a.datetime == b.datetime;
    case k::list:
      if (a.items.size() != b.items.size())
        return false;
      for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!py_equal(a.items[i], b.items[i]))
          return false;
      return true;
    case k::dict:
      if (a.members.size() != b.members.size())
        return false;
      for (const auto& [key, v] : a.members) {
        const auto* other = b.get(key);
        if (!other || !py_equal(v, *other))
          return false;
      }
      return true;
    default: return false;
  }
}

bool py_less(const py_value& a, const py_value& b) {
  using k = py_value::kind;
  if (a.is_number() && b.is_number()) {
    if (a.exact && b.exact)
      return *a.exact < *b.exact;
    if (a.type != k::real && b.type != k::real)
      return (a.type == k::boolean ? std::int64_t{a.flag} : a.integer)
             < (b.type == k::boolean ? std::int64_t{b.flag} : b.integer);
    return a.as_double() < b.as_double();
  }
  if (a.type != b.type)
    return a.type < b.type;
  switch (a.type) {
    case k::string: return a.text < b.text;
    case k::date: return a.day < b.day;
    case k::list:
      return std::lexicographical_compare(a.items.begin(), a.items.end(),
                                          b.items.begin(), b.items.end(),
                                          py_less);
    default: return false;
  }
}

std::string python_float_repr(double d) {
  if (std::isnan(d))
    return "nan";
  if (std::isinf(d))
    return d < 0 ? "-inf" : "inf";
  if (d == 0)
    return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Python's layout rules (float_repr_style
  // 'short': fixed notation for decimal exponents in [-4, 16)).
  char buf[64];
  auto res =
    std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = sci[0] == '-';
  if (negative)
    sci.erase(0, 1);
  auto e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exponent = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mantissa)
    if (c != '.')
      digits += c;
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent >= 0) {
      if (static_cast<int>(digits.size()) <= exponent + 1) {
        out = digits
              + std::string(
                static_cast<std::size_t>(exponent + 1) - digits.size(), '0')
              + ".0";
      } else {
        out = digits.substr(0, static_cast<std::size_t>(exponent + 1)) + "."
              + digits.substr(static_cast<std::size_t>(exponent + 1));
      }
    } else {
      out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0')
            + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1)
      out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+',
                  exponent < 0 ? -exponent : exponent);
    out += exp;
  }
  return negative ? "-" + out : out;
}

void write_json(events::json_writer& w, const py_value& v) {
  using k = py_value::kind;
  switch (v.type) {
    case k::none: w.null(); break;
    case k::boolean: w.value(v.flag); break;
    case k::integer: w.value(v.integer); break;
    case k::real:
      if (std::isfinite(v.real))
        w.raw(python_float_repr(v.real));
      else
        w.null();
      break;
    case k::string: w.value(std::string_view{v.text}); break;
    case k::date: w.value(v.day.to_string()); break;
    case k::list:
      w.begin_array();
      for (const auto& item : v.items)
        write_json(w, item);
      w.end_array();
      break;
    case k::dict:
      w.begin_object();
      for (const auto& [key, member] : v.members) {
        w.key(key);
        write_json(w, member);
      }
      w.end_object();
      break;
  }
}

} // namespace larder::extract::detail
