#include "actors/reader_pool.hpp"

#include <memory>

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/errors.hpp"

namespace larder {

namespace {

struct reader_state {
  std::unique_ptr<events::event_store> store;
  static inline const char* name = "larder.reader";
};

caf::behavior reader(caf::stateful_actor<reader_state>* self, std::string url) {
  self->state.store = std::make_unique<events::event_store>(std::move(url));
  return {
    [self](read_atom, const std::string& stream_id, std::int64_t from)
      -> caf::result<std::vector<events::recorded_event>> {
      auto events = self->state.store->read_stream(stream_id, from);
      if (!events)
        return to_caf_error(events.error());
      return std::move(*events);
    },
  };
}

} // namespace

caf::actor spawn_reader_pool(caf::actor_system& sys, std::string database_url,
                             std::size_t readers) {
  auto factory = [&sys, database_url] {
    return sys.spawn<caf::detached>(reader, database_url);
  };
  return caf::actor_pool::make(sys.dummy_execution_unit(),
                               std::max<std::size_t>(1, readers), factory,
                               caf::actor_pool::round_robin());
}

} // namespace larder
