#include "events/error.hpp"

namespace larder {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::unavailable: return "unavailable";
    case errc::conflict: return "conflict";
    case errc::rejected: return "rejected";
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::forbidden: return "forbidden";
    case errc::timeout: return "timeout";
  }
  return "unavailable";
}

} // namespace larder
