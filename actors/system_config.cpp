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
  // A connection's socket is read once per readiness, not until it is
  // empty: a request (at most 8 KiB per read, http/server.cpp) comes in one
  // read, and the second found nothing (EAGAIN), a system call per request
  // for nothing. epoll reports a socket with more to read again.
  set("middleman.max-consecutive-reads", size_t{1});
  // Quiet the CAF logger's console; larder logs through spdlog.
  set("logger.console-verbosity", caf::atom("quiet"));
}

} // namespace larder
