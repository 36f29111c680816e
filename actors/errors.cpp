#include "actors/errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace larder {

caf::atom_value error_category() noexcept {
  return caf::atom("larder");
}

caf::error to_caf_error(const error& e) {
  return caf::error{static_cast<std::uint8_t>(e.code), error_category(),
                    caf::make_message(e.message)};
}

error from_caf_error(const caf::error& e) {
  if (e.category() == error_category()) {
    std::string message;
    if (e.context().match_elements<std::string>())
      message = e.context().get_as<std::string>(0);
    return error{static_cast<errc>(e.code()), std::move(message)};
  }
  if (e == caf::sec::request_timeout)
    return error{errc::timeout, "the operation timed out"};
  return error{errc::unavailable, "a service inside larder is unavailable"};
}

} // namespace larder
