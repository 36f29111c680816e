#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace larder {

/// What the caller of a failed operation should do next. Every layer returns
/// these as values; the HTTP edge maps them to statuses in one table.
enum class errc : std::uint8_t {
  /// A dependency (the database, a worker) is down or busy: retry the call.
  unavailable = 1,
  /// Someone else wrote first: reload the state and retry the command.
  conflict,
  /// The command is valid but the current state forbids it: do not retry.
  rejected,
  /// The input is malformed or out of range: do not retry.
  invalid_argument,
  /// No such thing, or not visible to the caller.
  not_found,
  /// The caller may see the thing but not do this to it.
  forbidden,
  /// The operation did not finish in time; its outcome is unknown.
  timeout,
};

/// Returns the stable lower-case name of `code`, as used in API errors.
std::string_view to_string(errc code) noexcept;

/// A failure with its kind and a message fit for the person who caused it.
/// Messages never carry internal detail (SQL, paths, stack traces).
struct error {
  errc code = errc::unavailable;
  std::string message;

  friend bool operator==(const error&, const error&) = default;
};

/// Either a value or an error; the C++20 stand-in for `std::expected` that
/// the CAF-free layers (events, domain, projections, extract) return.
template <class T>
class expected {
 public:
  expected(T value) : data_(std::in_place_index<0>, std::move(value)) {}

  expected(larder::error err) : data_(std::in_place_index<1>, std::move(err)) {}

  explicit operator bool() const noexcept {
    return data_.index() == 0;
  }

  bool has_value() const noexcept {
    return data_.index() == 0;
  }

  T& value() & {
    return std::get<0>(data_);
  }

  const T& value() const& {
    return std::get<0>(data_);
  }

  T&& value() && {
    return std::get<0>(std::move(data_));
  }

  T& operator*() & {
    return value();
  }

  const T& operator*() const& {
    return value();
  }

  T* operator->() {
    return &value();
  }

  const T* operator->() const {
    return &value();
  }

  const larder::error& error() const& {
    return std::get<1>(data_);
  }

  larder::error&& error() && {
    return std::get<1>(std::move(data_));
  }

 private:
  std::variant<T, larder::error> data_;
};

/// Builds an error value; reads well at return sites.
inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

} // namespace larder
