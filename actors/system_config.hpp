#pragma once

#include <caf/actor_system_config.hpp>

namespace larder {

/// The CAF configuration every larder process uses: registers the
/// project's type-id block and sizes the scheduler to the machine (CAF 0.17
/// starts four workers even on two cores).
class system_config : public caf::actor_system_config {
 public:
  system_config();
};

} // namespace larder
