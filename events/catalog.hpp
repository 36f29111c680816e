#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "events/envelope.hpp"
#include "events/error.hpp"

namespace larder::events {

/// Turns the payload of version `from` of an event type into the payload of
/// version `from + 1`. Pure: old events are upcast when read, never
/// rewritten (DESIGN.md invariant 6).
using upcaster = std::function<expected<std::string>(std::string_view)>;

/// The event catalogue: every event type the domain writes, its current
/// schema version, and the upcasters that bring older payloads forward.
/// Each entity registers its types once at start-up; afterwards the
/// catalogue is read-only and safe to share between threads.
class catalog {
 public:
  /// Declares `type` with its current `schema_version` (at least 1).
  void add_type(std::string type, std::int32_t schema_version);

  /// Registers the step from `from_version` to `from_version + 1`.
  void add_upcaster(std::string type, std::int32_t from_version, upcaster up);

  /// The current schema version of `type`, or 0 if unknown.
  std::int32_t current_version(std::string_view type) const;

  bool contains(std::string_view type) const {
    return current_version(type) != 0;
  }

  /// Brings `event` to the current version of its type in place. Fails with
  /// `invalid_argument` for unknown types, versions from the future, or a
  /// missing step in the upcaster chain.
  expected<bool> upcast(envelope& event) const;

 private:
  std::map<std::string, std::int32_t, std::less<>> versions_;
  std::map<std::pair<std::string, std::int32_t>, upcaster> upcasters_;
};

} // namespace larder::events
