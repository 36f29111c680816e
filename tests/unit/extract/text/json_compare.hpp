#pragma once

#include <string>
#include <vector>

#include <simdjson.h>

/// Compares two JSON documents as parsed values (numbers as numbers, lists
/// in order, objects regardless of member order) and lists each difference
/// with its path, so a failing sample names the field that differs.
namespace larder::test {

inline std::string json_text(simdjson::dom::element e) {
  return simdjson::minify(e);
}

inline void json_diff(simdjson::dom::element a, simdjson::dom::element b,
                      const std::string& path, std::vector<std::string>& out) {
  using simdjson::dom::element_type;
  auto ta = a.type(), tb = b.type();
  auto integral = [](element_type t) {
    return t == element_type::INT64 || t == element_type::UINT64;
  };
  if (integral(ta) && integral(tb)) {
    if (json_text(a) != json_text(b))
      out.push_back(path + ": " + json_text(a) + " != " + json_text(b));
    return;
  }
  if (ta != tb) {
    out.push_back(path + ": " + json_text(a) + " != " + json_text(b)
                  + " (different JSON types)");
    return;
  }
  switch (ta) {
    case element_type::OBJECT: {
      simdjson::dom::object oa = a, ob = b;
      for (auto [key, value] : oa) {
        simdjson::dom::element other;
        if (ob[key].get(other) != simdjson::SUCCESS) {
          out.push_back(path + "." + std::string(key) + ": only in actual ("
                        + json_text(value) + ")");
          continue;
        }
        json_diff(value, other, path + "." + std::string(key), out);
      }
      for (auto [key, value] : ob) {
        simdjson::dom::element other;
        if (oa[key].get(other) != simdjson::SUCCESS)
          out.push_back(path + "." + std::string(key) + ": missing (expected "
                        + json_text(value) + ")");
      }
      return;
    }
    case element_type::ARRAY: {
      simdjson::dom::array xa = a, xb = b;
      if (xa.size() != xb.size())
        out.push_back(path + ": " + std::to_string(xa.size())
                      + " items != " + std::to_string(xb.size()));
      std::size_t i = 0;
      auto ib = xb.begin();
      for (auto va : xa) {
        if (ib == xb.end())
          break;
        json_diff(va, *ib, path + "[" + std::to_string(i++) + "]", out);
        ++ib;
      }
      return;
    }
    case element_type::DOUBLE:
      if (double(a) != double(b))
        out.push_back(path + ": " + json_text(a) + " != " + json_text(b));
      return;
    default:
      if (json_text(a) != json_text(b))
        out.push_back(path + ": " + json_text(a) + " != " + json_text(b));
  }
}

} // namespace larder::test
