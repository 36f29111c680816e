#include "actors/store_writer.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>
#include <utility>
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

// -- committer: one connection, one batch at a time, blocking -----------------

/// Commits one batch per message on its own connection. Detached, so its
/// libpq calls block only its own thread.
using committer_actor = caf::typed_actor<
  caf::replies_to<commit_atom, std::vector<events::append_request>>::with<
    std::vector<append_outcome>>>;

struct committer_state {
  std::unique_ptr<events::event_store> store;
  std::shared_ptr<store_writer_stats> stats;
  static inline const char* name = "larder.store_committer";
};

committer_actor::behavior_type
committer(committer_actor::stateful_pointer<committer_state> self,
          std::string url, std::shared_ptr<store_writer_stats> stats) {
  self->state.store = std::make_unique<events::event_store>(std::move(url));
  self->state.stats = std::move(stats);
  return {
    [self](commit_atom, const std::vector<events::append_request>& batch) {
      auto start = std::chrono::steady_clock::now();
      auto results = self->state.store->append_batch(batch);
      self->state.stats->commit_micros.fetch_add(
        static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start)
            .count()),
        std::memory_order_relaxed);
      std::vector<append_outcome> out(results.size());
      for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i]) {
          out[i].result = std::move(*results[i]);
        } else {
          out[i].code = static_cast<std::uint8_t>(results[i].error().code);
          out[i].message = std::move(results[i].error().message);
        }
      }
      return out;
    },
  };
}

// -- notifier: the wake-up after commits, on its own connection ------------

/// Sends `event_store::notify_appended` per message. Detached and on its
/// own connection, so the committers never hold PostgreSQL's notify lock.
using notifier_actor =
  caf::typed_actor<caf::replies_to<notify_atom>::with<bool>>;

struct notifier_state {
  std::unique_ptr<events::event_store> store;
  static inline const char* name = "larder.store_notifier";
};

notifier_actor::behavior_type
notifier(notifier_actor::stateful_pointer<notifier_state> self,
         std::string url) {
  self->state.store = std::make_unique<events::event_store>(std::move(url));
  return {
    [self](notify_atom) {
      auto sent = self->state.store->notify_appended();
      if (!sent)
        spdlog::warn("store writer: the wake-up notification failed ({}); "
                     "readers fall back to polling",
                     sent.error().message);
      return static_cast<bool>(sent);
    },
  };
}

// -- the writer: queues, batches, dispatches, answers
// --------------------------

/// The writer's full interface: the public one plus its own flush tick.
using store_writer_impl =
  store_writer_actor::extend<caf::reacts_to<flush_atom>,
                             caf::reacts_to<tick_atom>,
                             caf::reacts_to<notify_atom>>;

struct pending_append {
  events::append_request request;
  caf::typed_response_promise<events::append_result> promise;
  /// Kept when the request moves into a batch's message.
  std::string stream_id;
  std::size_t event_count = 0;
};

struct store_writer_state {
  store_writer_options options;
  std::deque<pending_append> pending;
  /// A committer, the batch it runs (null while it is idle), since when,
  /// and whether that batch's callers were already told `timeout` (its
  /// answer, when it comes, is dropped).
  struct committer_slot {
    committer_actor actor;
    std::shared_ptr<std::vector<pending_append>> running;
    std::chrono::steady_clock::time_point started;
    bool timed_out = false;
  };
  std::vector<committer_slot> committers;
  notifier_actor notifier;
  /// A notification is on its way; `notify_again`: a batch committed since
  /// it was sent, so one more follows it.
  bool notify_in_flight = false;
  bool notify_again = false;
  /// One is due once `min_notify_interval` has passed since the last.
  bool notify_scheduled = false;
  std::chrono::steady_clock::time_point last_notify;
  /// Streams in a batch that has not been answered yet.
  std::set<std::string, std::less<>> in_flight;
  bool flush_scheduled = false;
  /// Set by an exit message: finish what was accepted, then stop.
  std::optional<caf::error> stopping;

  static inline const char* name = "larder.store_writer";

  /// Takes the next batch from the front of the queue: streams not already
  /// in flight, each once, at most `max_batch_events` events. What is
  /// skipped keeps its place for the next batch.
  std::vector<pending_append> take_batch() {
    std::vector<pending_append> batch;
    std::deque<pending_append> skipped;
    std::set<std::string, std::less<>> streams;
    std::size_t events = 0;
    while (!pending.empty()) {
      auto& next = pending.front();
      if (!batch.empty()
          && events + next.request.events.size() > options.max_batch_events)
        break;
      if (in_flight.contains(next.request.stream_id)
          || streams.contains(next.request.stream_id)) {
        skipped.push_back(std::move(next));
      } else {
        events += next.request.events.size();
        streams.insert(next.request.stream_id);
        batch.push_back(std::move(next));
      }
      pending.pop_front();
    }
    while (!skipped.empty()) {
      pending.push_front(std::move(skipped.back()));
      skipped.pop_back();
    }
    return batch;
  }

  /// Answers every caller of `batch`; true when any append committed.
  bool answer(std::vector<pending_append>& batch,
              std::vector<append_outcome>& outcomes) {
    bool committed = false;
    auto& stats = *options.stats;
    stats.batches.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto& out = outcomes[i];
      if (out.code == 0) {
        committed = true;
        stats.appends.fetch_add(1, std::memory_order_relaxed);
        stats.events.fetch_add(batch[i].event_count, std::memory_order_relaxed);
        batch[i].promise.deliver(std::move(out.result));
      } else {
        auto code = static_cast<errc>(out.code);
        (code == errc::conflict ? stats.conflicts : stats.failures)
          .fetch_add(1, std::memory_order_relaxed);
        batch[i].promise.deliver(
          to_caf_error(error{code, std::move(out.message)}));
      }
    }
    return committed;
  }
};

using writer_pointer = store_writer_impl::stateful_pointer<store_writer_state>;

void dispatch(writer_pointer self);
void maybe_stop(writer_pointer self);

void send_notification(writer_pointer self);

/// Wakes the log's readers after a commit: one notification at a time, at
/// most one per `min_notify_interval`, and the commits meanwhile coalesce
/// into the next, so there is always a notification sent after the last
/// commit and never a queue of them.
void wake_readers(writer_pointer self) {
  auto& st = self->state;
  if (st.notify_scheduled)
    return; // it goes after this commit
  if (st.notify_in_flight) {
    st.notify_again = true;
    return;
  }
  auto now = std::chrono::steady_clock::now();
  auto due = st.last_notify + st.options.min_notify_interval;
  if (due > now && !st.stopping) {
    st.notify_scheduled = true;
    self->delayed_send(self,
                       std::chrono::ceil<std::chrono::milliseconds>(due - now),
                       notify_atom_v);
    return;
  }
  send_notification(self);
}

void send_notification(writer_pointer self) {
  auto& st = self->state;
  st.notify_in_flight = true;
  st.last_notify = std::chrono::steady_clock::now();
  auto sent = [self](auto&&...) {
    auto& st = self->state;
    st.notify_in_flight = false;
    if (std::exchange(st.notify_again, false))
      wake_readers(self);
  };
  // No timeout (see dispatch): a notifier stuck on a dead connection only
  // leaves readers to their polling.
  self->request(st.notifier, caf::infinite, notify_atom_v)
    .then(
      [sent](bool) {
        sent();
      },
      [sent](const caf::error&) {
        sent();
      });
}

/// Tells the callers of a batch that has run past `commit_timeout` that
/// its outcome is unknown. The committer stays busy (nothing queues behind
/// a statement that does not return); its streams are free again, and a
/// caller that retries at the same version sees `conflict` if it landed.
void check_commit_deadlines(writer_pointer self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  for (auto& slot : st.committers) {
    if (!slot.running || slot.timed_out
        || now - slot.started < st.options.commit_timeout)
      continue;
    slot.timed_out = true;
    auto& batch = *slot.running;
    spdlog::error("store writer: a batch of {} appends has not committed "
                  "after {} s; its callers are told the outcome is unknown",
                  batch.size(), st.options.commit_timeout.count());
    std::vector<append_outcome> outcomes(
      batch.size(),
      append_outcome{static_cast<std::uint8_t>(errc::timeout),
                     "the append did not finish in time; its outcome is "
                     "unknown",
                     {}});
    st.answer(batch, outcomes);
    for (auto& p : batch)
      st.in_flight.erase(p.stream_id);
  }
  dispatch(self);
  maybe_stop(self);
}

/// Stops once everything accepted before the exit message is answered.
void maybe_stop(writer_pointer self) {
  auto& st = self->state;
  if (!st.stopping || !st.pending.empty() || !st.in_flight.empty())
    return;
  for (auto& slot : st.committers)
    self->send_exit(slot.actor, caf::exit_reason::user_shutdown);
  self->send_exit(st.notifier, caf::exit_reason::user_shutdown);
  self->quit(*st.stopping);
}

/// Hands batches to idle committers. When every committer is idle, even a
/// single append goes at once (no latency when quiet); while some are busy,
/// another one starts only for a batch worth a transaction of its own, so
/// batches stay large under load instead of splitting into small ones.
void dispatch(writer_pointer self) {
  auto& st = self->state;
  for (std::size_t c = 0; c < st.committers.size() && !st.pending.empty();
       ++c) {
    if (st.committers[c].running)
      continue;
    // A committer past its deadline does not count: waiting for a batch
    // worth a transaction would otherwise hold a lone append for as long
    // as that statement hangs.
    bool any_busy = false;
    for (const auto& slot : st.committers)
      any_busy = any_busy || (slot.running && !slot.timed_out);
    if (any_busy && !st.stopping
        && st.pending.size() < st.options.min_parallel_batch)
      break;
    auto batch = std::make_shared<std::vector<pending_append>>(st.take_batch());
    if (batch->empty())
      break;
    std::vector<events::append_request> requests;
    requests.reserve(batch->size());
    for (auto& p : *batch) {
      st.in_flight.insert(p.request.stream_id);
      p.stream_id = p.request.stream_id;
      p.event_count = p.request.events.size();
      // Moved, not copied: the payloads are most of a batch's bytes.
      requests.push_back(std::move(p.request));
    }
    st.committers[c].running = batch;
    st.committers[c].started = std::chrono::steady_clock::now();
    st.committers[c].timed_out = false;
    auto done = [self, batch, c] {
      auto& st = self->state;
      st.committers[c].running = nullptr;
      if (!st.committers[c].timed_out)
        for (auto& p : *batch)
          st.in_flight.erase(p.stream_id);
      dispatch(self);
      maybe_stop(self);
    };
    // No CAF timeout: CAF 0.17 keeps a request's timeout in its clock until
    // it fires, answered or not, which at hundreds of batches a second held
    // megabytes for a minute. The writer's tick enforces commit_timeout.
    self
      ->request(st.committers[c].actor, caf::infinite, commit_atom_v,
                std::move(requests))
      .then(
        [self, batch, done, c](std::vector<append_outcome>& outcomes) {
          // A batch whose callers were told `timeout` may still have
          // committed: its readers are woken all the same.
          bool committed = self->state.committers[c].timed_out
                             ? std::any_of(outcomes.begin(), outcomes.end(),
                                           [](const append_outcome& o) {
                                             return o.code == 0;
                                           })
                             : self->state.answer(*batch, outcomes);
          if (committed)
            wake_readers(self);
          done();
        },
        [self, batch, done, c](const caf::error& e) {
          if (self->state.committers[c].timed_out) {
            done();
            return;
          }
          auto err = from_caf_error(e);
          spdlog::error("store writer: a batch of {} appends failed: {}",
                        batch->size(), err.message);
          std::vector<append_outcome> outcomes(
            batch->size(), append_outcome{static_cast<std::uint8_t>(err.code),
                                          err.message,
                                          {}});
          self->state.answer(*batch, outcomes);
          done();
        });
  }
}

/// How often the writer looks for batches past their deadline.
std::chrono::milliseconds tick_interval(const store_writer_options& o) {
  return std::clamp<std::chrono::milliseconds>(
    std::chrono::duration_cast<std::chrono::milliseconds>(o.commit_timeout) / 4,
    std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

store_writer_impl::behavior_type store_writer(writer_pointer self,
                                              store_writer_options options) {
  auto& st = self->state;
  st.options = std::move(options);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, st.options.committers);
       ++i) {
    st.committers.push_back(
      {self->spawn<caf::detached + caf::linked>(
         committer, st.options.database_url, st.options.stats),
       nullptr,
       {},
       false});
  }
  st.notifier =
    self->spawn<caf::detached + caf::linked>(notifier, st.options.database_url);
  self->delayed_send(self, tick_interval(st.options), tick_atom_v);
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    // Drain: everything already accepted is committed and answered first.
    self->state.stopping = msg.reason;
    dispatch(self);
    maybe_stop(self);
  });
  return {
    [self](append_atom,
           events::append_request& req) -> caf::result<events::append_result> {
      auto& st = self->state;
      auto promise = self->make_response_promise<events::append_result>();
      st.pending.push_back({std::move(req), promise, {}, 0});
      if (!st.flush_scheduled) {
        st.flush_scheduled = true;
        // Goes behind every append already in the mailbox: those join the
        // batch (group commit without a timer).
        self->send(self, flush_atom_v);
      }
      return promise;
    },
    [self](flush_atom) {
      self->state.flush_scheduled = false;
      dispatch(self);
    },
    [self](notify_atom) {
      self->state.notify_scheduled = false;
      send_notification(self);
    },
    [self](tick_atom) {
      check_commit_deadlines(self);
      self->delayed_send(self, tick_interval(self->state.options), tick_atom_v);
    },
  };
}

} // namespace

store_writer_actor spawn_store_writer(caf::actor_system& sys,
                                      store_writer_options options) {
  auto impl = sys.spawn(store_writer, std::move(options));
  return caf::actor_cast<store_writer_actor>(impl);
}

} // namespace larder
