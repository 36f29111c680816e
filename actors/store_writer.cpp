#include "actors/store_writer.hpp"

#include <deque>
#include <set>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"

namespace larder {

namespace {

/// The writer's full interface: the public one plus its own flush tick.
using store_writer_impl =
  store_writer_actor::extend<caf::reacts_to<flush_atom>>;

struct pending_append {
  events::append_request request;
  caf::typed_response_promise<events::append_result> promise;
};

struct store_writer_state {
  std::unique_ptr<events::event_store> store;
  store_writer_options options;
  std::deque<pending_append> pending;
  bool flush_scheduled = false;

  static inline const char* name = "larder.store_writer";

  /// Commits one batch from the front of the queue: each stream at most once
  /// (a second append to the same stream must see the first's result, so it
  /// waits for the next batch), at most `max_batch_events` events.
  void flush_once() {
    std::vector<pending_append> batch;
    std::deque<pending_append> later;
    std::set<std::string, std::less<>> streams;
    std::size_t events = 0;
    while (!pending.empty()) {
      auto& next = pending.front();
      bool fits =
        batch.empty()
        || events + next.request.events.size() <= options.max_batch_events;
      if (!fits)
        break;
      if (streams.contains(next.request.stream_id)) {
        later.push_back(std::move(next));
      } else {
        streams.insert(next.request.stream_id);
        events += next.request.events.size();
        batch.push_back(std::move(next));
      }
      pending.pop_front();
    }
    while (!later.empty()) {
      pending.push_front(std::move(later.back()));
      later.pop_back();
    }
    std::vector<events::append_request> requests;
    requests.reserve(batch.size());
    for (auto& p : batch)
      requests.push_back(std::move(p.request));
    auto results = store->append_batch(requests);
    auto& stats = *options.stats;
    stats.batches.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i]) {
        stats.appends.fetch_add(1, std::memory_order_relaxed);
        stats.events.fetch_add(requests[i].events.size(),
                               std::memory_order_relaxed);
        batch[i].promise.deliver(std::move(*results[i]));
      } else {
        if (results[i].error().code == errc::conflict)
          stats.conflicts.fetch_add(1, std::memory_order_relaxed);
        else
          stats.failures.fetch_add(1, std::memory_order_relaxed);
        batch[i].promise.deliver(to_caf_error(results[i].error()));
      }
    }
  }
};

store_writer_impl::behavior_type
store_writer(store_writer_impl::stateful_pointer<store_writer_state> self,
             store_writer_options options) {
  auto& st = self->state;
  st.store = std::make_unique<events::event_store>(options.database_url);
  st.options = std::move(options);
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    // Drain: everything already accepted is committed and answered first.
    while (!self->state.pending.empty())
      self->state.flush_once();
    self->quit(msg.reason);
  });
  return {
    [self](append_atom,
           events::append_request& req) -> caf::result<events::append_result> {
      auto& st = self->state;
      auto promise = self->make_response_promise<events::append_result>();
      st.pending.push_back({std::move(req), promise});
      if (!st.flush_scheduled) {
        st.flush_scheduled = true;
        // Goes behind every append already in the mailbox: those join the
        // batch (group commit without a timer).
        self->send(self, flush_atom_v);
      }
      return promise;
    },
    [self](flush_atom) {
      auto& st = self->state;
      st.flush_scheduled = false;
      st.flush_once();
      if (!st.pending.empty()) {
        st.flush_scheduled = true;
        self->send(self, flush_atom_v);
      }
    },
  };
}

} // namespace

store_writer_actor spawn_store_writer(caf::actor_system& sys,
                                      store_writer_options options) {
  auto impl = sys.spawn<caf::detached>(store_writer, std::move(options));
  return caf::actor_cast<store_writer_actor>(impl);
}

} // namespace larder
