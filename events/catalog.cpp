#include "events/catalog.hpp"

namespace larder::events {

void catalog::add_type(std::string type, std::int32_t schema_version) {
  versions_[std::move(type)] = schema_version;
}

void catalog::add_upcaster(std::string type, std::int32_t from_version,
                           upcaster up) {
  upcasters_[{std::move(type), from_version}] = std::move(up);
}

std::int32_t catalog::current_version(std::string_view type) const {
  auto i = versions_.find(type);
  return i == versions_.end() ? 0 : i->second;
}

expected<bool> catalog::upcast(envelope& event) const {
  auto current = current_version(event.event_type);
  if (current == 0)
    return make_error(errc::invalid_argument,
                      "unknown event type " + event.event_type);
  if (event.schema_version > current || event.schema_version < 1)
    return make_error(errc::invalid_argument,
                      event.event_type + " has schema version "
                        + std::to_string(event.schema_version)
                        + " which this build does not know");
  while (event.schema_version < current) {
    auto i = upcasters_.find({event.event_type, event.schema_version});
    if (i == upcasters_.end())
      return make_error(errc::invalid_argument,
                        "no upcaster for " + event.event_type + " v"
                          + std::to_string(event.schema_version));
    auto next = i->second(event.payload);
    if (!next)
      return std::move(next).error();
    event.payload = std::move(*next);
    ++event.schema_version;
  }
  return true;
}

} // namespace larder::events
