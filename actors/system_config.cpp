#include "actors/system_config.hpp"

#include <algorithm>
#include <thread>

#include "actors/type_ids.hpp"

namespace larder {

system_config::system_config() {
  add_message_types<caf::id_block::larder>();
  auto cores = std::max(2u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", static_cast<size_t>(cores));
  // CAF's default idle workers poll 500 times with 50 us sleeps before
  // backing off; on two cores those wake-ups take CPU from PostgreSQL.
  // Measured with ./dev bench append: +20-25% appends/s, lower p99.
  set("work-stealing.aggressive-poll-attempts", size_t{20});
  set("work-stealing.moderate-poll-attempts", size_t{0});
  set("work-stealing.relaxed-sleep-duration", caf::timespan{500'000});
  // Quiet the CAF logger's console; larder logs through spdlog.
  set("logger.console-verbosity", caf::atom("quiet"));
}

} // namespace larder
