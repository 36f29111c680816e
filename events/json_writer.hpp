#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace larder::events {

/// Streams a JSON text into a string: members in call order, strings escaped
/// as JCS requires, no white space. Callers write objects whose member names
/// they control, so the writer does not check for duplicates.
class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view name);
  json_writer& value(std::string_view text);
  json_writer& value(const char* text) {
    return value(std::string_view{text});
  }
  json_writer& value(std::int64_t number);
  json_writer& value(int number) {
    return value(static_cast<std::int64_t>(number));
  }
  json_writer& value(bool flag);
  json_writer& null();
  /// Inserts `json`, which must already be a valid JSON value, verbatim.
  json_writer& raw(std::string_view json);

  /// Shorthand for `key(name).value(x)`.
  template <class T>
  json_writer& field(std::string_view name, const T& x) {
    key(name);
    return value(x);
  }

  const std::string& str() const noexcept {
    return out_;
  }

  std::string take() noexcept {
    return std::move(out_);
  }

 private:
  void separate();

  std::string out_;
  bool need_comma_ = false;
};

} // namespace larder::events
