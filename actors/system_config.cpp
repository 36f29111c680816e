#include "actors/system_config.hpp"

#include <algorithm>
#include <thread>

#include "actors/type_ids.hpp"

namespace larder {

system_config::system_config() {
  add_message_types<caf::id_block::larder>();
  auto cores = std::max(2u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", static_cast<size_t>(cores));
  // Quiet the CAF logger's console; larder logs through spdlog.
  set("logger.console-verbosity", caf::atom("quiet"));
}

} // namespace larder
