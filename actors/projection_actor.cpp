#include "actors/projection_actor.hpp"

#include <algorithm>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

namespace larder {

namespace {

/// The actor's full interface: the public one plus its own tick.
using projection_impl = projection_actor::extend<caf::reacts_to<tick_atom>>;

struct projection_state {
  std::unique_ptr<projections::projection_runner> runner;
  projection_options options;
  projection_status status;
  /// The delay before the next retry; zero while healthy.
  std::chrono::milliseconds backoff{0};
  /// Caught up: waiting for a notification until `next_poll`.
  bool waiting = false;
  std::chrono::steady_clock::time_point next_poll;
  /// When the last run of batches started.
  std::chrono::steady_clock::time_point last_run;
  /// How long to wait before looking again at events the fence held back
  /// in the last run; doubled while runs pass nothing, up to the poll.
  std::chrono::milliseconds held_back_delay{0};

  static inline const char* name = "larder.projection";

  void note_position() {
    auto at = runner->position();
    status.last_xid = at.transaction_id;
    status.last_position = at.global_position;
  }

  void note_backlog() {
    // A failure here shows up in the next batch; keep the last count.
    if (auto n = runner->backlog())
      status.backlog = *n;
  }
};

using projection_pointer = projection_impl::stateful_pointer<projection_state>;

/// Logs a failure the first time it is seen (a poison event fails every
/// retry alike) and schedules the retry, doubling the delay each time.
void retry_later(projection_pointer self, const error& err) {
  auto& st = self->state;
  st.status.caught_up = false;
  ++st.status.failures;
  if (err.message != st.status.last_error)
    spdlog::error("{} (checkpoint at position {}); retrying with backoff",
                  err.message, st.status.last_position);
  st.status.last_error = err.message;
  st.backoff = st.backoff.count() == 0
                 ? st.options.min_backoff
                 : std::min(st.backoff * 2, st.options.max_backoff);
  self->delayed_send(self, st.backoff, tick_atom_v);
}

void note_success(projection_pointer self, std::size_t consumed) {
  auto& st = self->state;
  st.note_position();
  st.status.consumed += consumed;
  if (!st.status.last_error.empty()) {
    spdlog::info("projection {}: running again at position {}", st.status.name,
                 st.status.last_position);
    st.status.last_error.clear();
  }
  st.backoff = std::chrono::milliseconds{0};
}

/// Waits for a commit in slices of `wait_slice`, each followed by another
/// tick, so the mailbox is read between slices. True once it is time to
/// look at the log: a notification came, or `next_poll` has come (the
/// poll, or the next look at events held back).
bool wait_is_over(projection_pointer self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  if (now >= st.next_poll)
    return true;
  auto slice = std::min<std::chrono::steady_clock::duration>(
    st.next_poll - now, st.options.wait_slice);
  auto woke = st.runner->wait_for_notify(
    std::chrono::duration_cast<std::chrono::milliseconds>(slice));
  if (!woke) {
    retry_later(self, woke.error());
    return false;
  }
  // While events are held back, a commit's notification is most likely
  // held back too: the next look is on the timer.
  bool held = st.held_back_delay.count() > 0;
  if ((*woke && !held) || std::chrono::steady_clock::now() >= st.next_poll)
    return true;
  self->send(self, tick_atom_v);
  return false;
}

/// How long to wait after a run that caught up with the fence. Events
/// committed behind a transaction still running (a writer, another model's
/// batch, any transaction on the cluster) were announced already and no
/// notification will come for them: look again soon, after
/// `held_back_first_look` and twice as long each time a look passes
/// nothing, up to the poll (a look is still no sooner than
/// `min_batch_interval` after the last batch). A failed probe waits for the
/// poll, as before; the next batch reports the connection.
std::chrono::milliseconds wait_after_run(projection_pointer self,
                                         std::size_t consumed) {
  auto& st = self->state;
  auto first =
    std::max(st.options.held_back_first_look, std::chrono::milliseconds{1});
  auto held = st.runner->held_back();
  if (!held || !*held) {
    st.held_back_delay = std::chrono::milliseconds{0};
    return st.options.poll_interval;
  }
  st.held_back_delay =
    consumed > 0 || st.held_back_delay.count() == 0
      ? first
      : std::min(st.held_back_delay * 2, st.options.poll_interval);
  return std::min(st.held_back_delay, st.options.poll_interval);
}

/// Runs batches until caught up or out of budget, then starts waiting for
/// the next commit (blocking this detached actor's own thread only).
void tick(projection_pointer self) {
  auto& st = self->state;
  if (st.waiting) {
    if (!wait_is_over(self))
      return;
    st.waiting = false;
    auto since = std::chrono::steady_clock::now() - st.last_run;
    if (since < st.options.min_batch_interval)
      std::this_thread::sleep_for(st.options.min_batch_interval - since);
  }
  auto previous_run = st.last_run;
  st.last_run = std::chrono::steady_clock::now();
  auto deadline = st.last_run + st.options.tick_budget;
  std::size_t run_consumed = 0;
  for (;;) {
    auto consumed = st.runner->run_batch(st.options.batch_size);
    if (!consumed) {
      retry_later(self, consumed.error());
      return;
    }
    note_success(self, *consumed);
    run_consumed += *consumed;
    if (*consumed < st.options.batch_size)
      break;
    if (std::chrono::steady_clock::now() >= deadline) {
      // Still behind: read the mailbox, then carry on at once.
      st.status.caught_up = false;
      self->send(self, tick_atom_v);
      return;
    }
  }
  if (run_consumed == 0) {
    // A look that found nothing is not a batch to space the next one from:
    // the next commit runs at once if the last batch is long enough ago.
    // (Looks at events held back are spaced by their own delays, and
    // notifications do not start them.)
    st.last_run = previous_run;
  }
  st.status.caught_up = true;
  st.waiting = true;
  st.next_poll =
    std::chrono::steady_clock::now() + wait_after_run(self, run_consumed);
  self->send(self, tick_atom_v);
}

projection_impl::behavior_type projection(
  projection_pointer self, std::string url, projections::read_model model,
  std::shared_ptr<const events::catalog> catalog, projection_options options) {
  auto& st = self->state;
  st.status.name = model.name;
  st.options = options;
  st.options.batch_size = std::max<std::size_t>(1, st.options.batch_size);
  st.runner = std::make_unique<projections::projection_runner>(
    std::move(url), std::move(model), std::move(catalog),
    projections::commit_mode::relaxed);
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) {
      tick(self);
    },
    [self](caf::get_atom) {
      // Counted when asked (/metrics, /ready), not after every batch: the
      // count was a query per model per tick, 4% of the database's time
      // under a stream of commands.
      self->state.note_backlog();
      return self->state.status;
    },
  };
}

} // namespace

projection_actor
spawn_projection(caf::actor_system& sys, std::string database_url,
                 projections::read_model model,
                 std::shared_ptr<const events::catalog> catalog,
                 projection_options options) {
  auto impl =
    sys.spawn<caf::detached>(projection, std::move(database_url),
                             std::move(model), std::move(catalog), options);
  return caf::actor_cast<projection_actor>(impl);
}

} // namespace larder
