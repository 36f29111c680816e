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

/// `index` names the worker in logs. (It also keeps CAF 0.17 from binding
/// a reference to a null argument tuple, which it does for actors spawned
/// without arguments.)
caf::behavior blocking_worker(caf::event_based_actor*, std::size_t index) {
  return {
    [index](blocking_job& job) -> caf::result<caf::ok_atom> {
      try {
        job.run();
        return caf::ok_atom_v;
      } catch (const std::exception& e) {
        spdlog::error("blocking worker {}: a job failed: {}", index, e.what());
      }
      return to_caf_error(
        {errc::unavailable, "the server could not finish that; try again"});
    },
  };
}

} // namespace

caf::actor spawn_blocking_pool(caf::actor_system& sys, std::size_t workers) {
  auto factory = [&sys, index = std::size_t{0}]() mutable {
    return sys.spawn<caf::detached>(blocking_worker, index++);
  };
  return caf::actor_pool::make(sys.dummy_execution_unit(),
                               std::max<std::size_t>(1, workers), factory,
                               caf::actor_pool::round_robin());
}

} // namespace larder
