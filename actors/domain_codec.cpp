#include "actors/domain_codec.hpp"

#include <cstdint>
#include <limits>

namespace larder::domain::detail {

error invalid(std::string message) {
  return make_error(errc::invalid_argument, std::move(message));
}

error wrong_schema_version(const events::envelope& env, int expected) {
  return invalid(env.event_type + " has schema version "
                 + std::to_string(env.schema_version) + ", expected "
                 + std::to_string(expected));
}

error unknown_event_type(std::string_view entity, const events::envelope& env) {
  return invalid("unknown " + std::string{entity} + " event type "
                 + env.event_type);
}

void value_codec::write(events::json_writer& w, const std::string& x) {
  w.value(x);
}
void value_codec::write(events::json_writer& w,
                        const std::optional<std::string>& x) {
  if (x)
    w.value(*x);
  else
    w.null();
}
void value_codec::write(events::json_writer& w, bool x) {
  w.value(x);
}
void value_codec::write(events::json_writer& w, int x) {
  w.value(x);
}
void value_codec::write(events::json_writer& w, const values::decimal& x) {
  w.value(x.to_string());
}
void value_codec::write(events::json_writer& w, const events::uuid& x) {
  w.value(x.to_string());
}
void value_codec::write(events::json_writer& w, const values::currency& x) {
  w.value(x.code);
}

using simdjson::dom::element;

bool value_codec::read(const element& v, std::string& x) {
  std::string_view s;
  if (v.get(s))
    return false;
  x = s;
  return true;
}
bool value_codec::read(const element& v, std::optional<std::string>& x) {
  if (v.is_null()) {
    x.reset();
    return true;
  }
  std::string_view s;
  if (v.get(s))
    return false;
  x = std::string{s};
  return true;
}
bool value_codec::read(const element& v, bool& x) {
  return !v.get(x);
}
bool value_codec::read(const element& v, int& x) {
  std::int64_t n = 0;
  if (v.get(n) || n < std::numeric_limits<int>::min()
      || n > std::numeric_limits<int>::max())
    return false;
  x = static_cast<int>(n);
  return true;
}
bool value_codec::read(const element& v, values::decimal& x) {
  return read_parsed(v, x, &values::decimal::parse);
}
bool value_codec::read(const element& v, events::uuid& x) {
  return read_parsed(v, x, &events::uuid::parse);
}
bool value_codec::read(const element& v, values::currency& x) {
  return read_parsed(v, x, &values::currency::parse);
}

} // namespace larder::domain::detail
