#include "actors/blocking_pool.hpp"

#include <algorithm>

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/type_ids.hpp"

namespace larder {

namespace {

caf::behavior blocking_worker(caf::event_based_actor*) {
  return {
    [](blocking_job& job) -> caf::result<caf::ok_atom> {
      try {
        job.run();
        return caf::ok_atom_v;
      } catch (const std::exception& e) {
        spdlog::error("blocking job failed: {}", e.what());
      }
      return to_caf_error(
        {errc::unavailable, "the server could not finish that; try again"});
    },
  };
}

} // namespace

caf::actor spawn_blocking_pool(caf::actor_system& sys, std::size_t workers) {
  auto factory = [&sys] {
    return sys.spawn<caf::detached>(blocking_worker);
  };
  return caf::actor_pool::make(sys.dummy_execution_unit(),
                               std::max<std::size_t>(1, workers), factory,
                               caf::actor_pool::round_robin());
}

} // namespace larder
