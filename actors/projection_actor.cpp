#include "actors/projection_actor.hpp"

#include <algorithm>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

namespace larder {

namespace {

using slice_ptr = std::shared_ptr<const projections::log_slice>;

/// The next retry delay after `backoff`: `min` first, then twice as long
/// each time, up to `max`.
std::chrono::milliseconds next_backoff(std::chrono::milliseconds backoff,
                                       const projection_options& options) {
  return backoff.count() == 0 ? options.min_backoff
                              : std::min(backoff * 2, options.max_backoff);
}

// -- a model ------------------------------------------------------------------

/// A model's full interface: the public one plus its own tick.
using model_impl = projection_actor::extend<caf::reacts_to<tick_atom>>;

struct model_state {
  std::unique_ptr<projections::projection_runner> runner;
  projection_options options;
  projection_status status;
  /// The delay before the next retry; zero while healthy.
  std::chrono::milliseconds backoff{0};
  /// A tick is coming that reads on by itself: slices wait for it.
  bool reading_on = false;

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

using model_pointer = model_impl::stateful_pointer<model_state>;

/// Logs a failure the first time it is seen (a poison event fails every
/// retry alike) and schedules the retry, doubling the delay each time.
void retry_later(model_pointer self, const error& err) {
  auto& st = self->state;
  st.status.caught_up = false;
  ++st.status.failures;
  if (err.message != st.status.last_error)
    spdlog::error("{} (checkpoint at position {}); retrying with backoff",
                  err.message, st.status.last_position);
  st.status.last_error = err.message;
  st.backoff = next_backoff(st.backoff, st.options);
  st.reading_on = true;
  self->delayed_send(self, st.backoff, tick_atom_v);
}

void note_success(model_pointer self, std::size_t consumed) {
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

/// Reads on by itself, batch after batch, until it has caught up with the
/// fence or worked `tick_budget`; then ticks itself again, so its mailbox
/// is read between ticks.
void read_on(model_pointer self) {
  auto& st = self->state;
  auto deadline = std::chrono::steady_clock::now() + st.options.tick_budget;
  for (;;) {
    auto consumed = st.runner->run_batch(st.options.batch_size);
    if (!consumed) {
      retry_later(self, consumed.error());
      return;
    }
    ++st.status.read_alone;
    note_success(self, *consumed);
    if (*consumed < st.options.batch_size)
      break;
    if (std::chrono::steady_clock::now() >= deadline) {
      st.status.caught_up = false;
      self->send(self, tick_atom_v);
      return;
    }
  }
  st.reading_on = false;
  st.status.caught_up = true;
}

/// Applies what of `slice` lies past the model's checkpoint. True when the
/// model is now where the slice ends.
bool apply_slice(model_pointer self, const projections::log_slice& slice) {
  auto& st = self->state;
  if (st.reading_on)
    return false; // its tick reads on past this slice
  auto at = st.runner->position();
  if (at >= slice.next)
    return true;
  if (at < slice.after) {
    // A gap before the slice: read on by itself, up to the fence, which
    // lies past the slice.
    st.status.caught_up = false;
    st.reading_on = true;
    self->send(self, tick_atom_v);
    return false;
  }
  // The slice from where the model is: a slice that starts behind it is
  // the log in fence order, so the rest of it follows on.
  auto from =
    std::find_if(slice.events.begin(), slice.events.end(), [&](const auto& ev) {
      return events::log_position{ev.transaction_id, ev.global_position} > at;
    });
  std::span<const events::recorded_event> rest{
    slice.events.data() + (from - slice.events.begin()),
    static_cast<std::size_t>(slice.events.end() - from)};
  auto consumed = st.runner->run_batch_of(at, rest, slice.next);
  if (!consumed) {
    retry_later(self, consumed.error());
    return false;
  }
  note_success(self, *consumed);
  st.status.caught_up = true;
  return true;
}

model_impl::behavior_type model(model_pointer self, std::string url,
                                projections::read_model read_model,
                                std::shared_ptr<const events::catalog> catalog,
                                projection_options options) {
  auto& st = self->state;
  st.status.name = read_model.name;
  st.options = options;
  st.runner = std::make_unique<projections::projection_runner>(
    std::move(url), std::move(read_model), std::move(catalog),
    projections::commit_mode::relaxed);
  // First it catches up on its own; the tail's first slice, empty, then
  // says where the tail starts, and a model behind that reads on again.
  st.reading_on = true;
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) {
      read_on(self);
    },
    [self](const slice_ptr& slice) {
      return apply_slice(self, *slice);
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

// -- the tail -----------------------------------------------------------------

struct tail_state {
  std::unique_ptr<projections::log_tail> tail;
  std::vector<projection_actor> models;
  projection_options options;
  /// The delay before the next retry; zero while healthy.
  std::chrono::milliseconds backoff{0};
  /// Caught up: waiting for a notification until `next_poll`.
  bool waiting = false;
  std::chrono::steady_clock::time_point next_poll;
  /// When the last run of reads started, and the one before.
  std::chrono::steady_clock::time_point last_run;
  std::chrono::steady_clock::time_point previous_run;
  /// Events the current run has read.
  std::size_t run_consumed = 0;
  /// Models yet to answer the slice handed out; no read meanwhile.
  std::size_t answers_due = 0;
  /// Whether the read that gave the slice handed out stopped short of the
  /// fence (it filled its limit, or ended at an event it left out).
  bool more_to_read = false;
  /// How long to wait before looking again at events the fence held back
  /// in the last run; doubled while runs pass nothing, up to the poll.
  std::chrono::milliseconds held_back_delay{0};

  static inline const char* name = "larder.projection-tail";
};

using tail_pointer = caf::stateful_actor<tail_state>*;

void read_next(tail_pointer self);

void tail_failed(tail_pointer self, const error& err) {
  auto& st = self->state;
  if (st.backoff.count() == 0)
    spdlog::error("{}; retrying with backoff", err.message);
  st.backoff = next_backoff(st.backoff, st.options);
  st.waiting = false;
  self->delayed_send(self, st.backoff, tick_atom_v);
}

/// Waits for a commit in slices of `wait_slice`, each followed by another
/// tick, so the mailbox is read between slices. True once it is time to
/// read: a notification came, or `next_poll` has come (the poll, or the
/// next look at events held back).
bool wait_is_over(tail_pointer self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  if (now >= st.next_poll)
    return true;
  auto slice = std::min<std::chrono::steady_clock::duration>(
    st.next_poll - now, st.options.wait_slice);
  auto woke = st.tail->wait_for_notify(
    std::chrono::duration_cast<std::chrono::milliseconds>(slice));
  if (!woke) {
    tail_failed(self, woke.error());
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
/// committed behind a transaction still running (a writer, a model's
/// batch, any transaction on the cluster) were announced already and no
/// notification will come for them: look again soon, after
/// `held_back_first_look` and twice as long each time a look passes
/// nothing, up to the poll (a look is still no sooner than
/// `min_batch_interval` after the last read). A failed probe waits for the
/// poll; the next read reports the connection.
std::chrono::milliseconds wait_after_run(tail_pointer self) {
  auto& st = self->state;
  auto first =
    std::max(st.options.held_back_first_look, std::chrono::milliseconds{1});
  auto held = st.tail->held_back();
  if (!held || !*held) {
    st.held_back_delay = std::chrono::milliseconds{0};
    return st.options.poll_interval;
  }
  st.held_back_delay =
    st.run_consumed > 0 || st.held_back_delay.count() == 0
      ? first
      : std::min(st.held_back_delay * 2, st.options.poll_interval);
  return std::min(st.held_back_delay, st.options.poll_interval);
}

/// The run has caught up with the fence: wait for the next commit.
void end_run(tail_pointer self) {
  auto& st = self->state;
  if (st.run_consumed == 0) {
    // A look that found nothing is not a read to space the next one from:
    // the next commit is read at once if the last read is long enough ago.
    // (Looks at events held back are spaced by their own delays, and
    // notifications do not start them.)
    st.last_run = st.previous_run;
  }
  st.waiting = true;
  st.next_poll = std::chrono::steady_clock::now() + wait_after_run(self);
  self->send(self, tick_atom_v);
}

/// Every model has answered the slice: read on, or end the run.
void slice_answered(tail_pointer self) {
  auto& st = self->state;
  if (st.more_to_read)
    read_next(self);
  else
    end_run(self);
}

/// Reads the next slice and hands it to every model; the last answer reads
/// on (the mailbox, an exit message included, is read meanwhile).
void read_next(tail_pointer self) {
  auto& st = self->state;
  auto read = st.tail->read(st.options.batch_size);
  if (!read) {
    tail_failed(self, read.error());
    return;
  }
  st.backoff = std::chrono::milliseconds{0};
  st.run_consumed += read->consumed;
  st.more_to_read = read->consumed >= st.options.batch_size || read->cut_short;
  if ((read->slice->events.empty() && !read->start) || st.models.empty()) {
    // Nothing to hand out (nothing new, or an event left out alone): the
    // models find any gap with the next slice. The first slice goes out
    // empty: a model that caught up on its own before it, with commits
    // since, would otherwise wait for the next commit to show the gap.
    slice_answered(self);
    return;
  }
  st.answers_due = st.models.size();
  for (const auto& m : st.models)
    self->request(m, caf::infinite, read->slice)
      .then(
        [self](bool) {
          if (--self->state.answers_due == 0)
            slice_answered(self);
        },
        [self](const caf::error&) {
          // A model gone (stopping): the others go on.
          if (--self->state.answers_due == 0)
            slice_answered(self);
        });
}

void tail_tick(tail_pointer self) {
  auto& st = self->state;
  if (st.answers_due > 0)
    return; // a slice is out; its last answer reads on
  if (st.waiting) {
    if (!wait_is_over(self))
      return;
    st.waiting = false;
    auto since = std::chrono::steady_clock::now() - st.last_run;
    if (since < st.options.min_batch_interval)
      std::this_thread::sleep_for(st.options.min_batch_interval - since);
  }
  st.previous_run = st.last_run;
  st.last_run = std::chrono::steady_clock::now();
  st.run_consumed = 0;
  read_next(self);
}

caf::behavior tail(tail_pointer self, std::string url,
                   std::set<std::string, std::less<>> types,
                   std::vector<projection_actor> models,
                   std::shared_ptr<const events::catalog> catalog,
                   projection_options options) {
  auto& st = self->state;
  st.options = options;
  st.models = std::move(models);
  st.tail = std::make_unique<projections::log_tail>(
    std::move(url), std::move(types), std::move(catalog));
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) {
      tail_tick(self);
    },
  };
}

} // namespace

projection_group
spawn_projections(caf::actor_system& sys, std::string database_url,
                  std::vector<projections::read_model> models,
                  std::shared_ptr<const events::catalog> catalog,
                  projection_options options) {
  options.batch_size = std::max<std::size_t>(1, options.batch_size);
  projection_group group;
  std::set<std::string, std::less<>> types;
  for (auto& m : models) {
    types.insert(m.event_types.begin(), m.event_types.end());
    auto impl = sys.spawn<caf::detached>(model, database_url, std::move(m),
                                         catalog, options);
    group.models.push_back(caf::actor_cast<projection_actor>(impl));
  }
  group.tail =
    sys.spawn<caf::detached>(tail, std::move(database_url), std::move(types),
                             group.models, std::move(catalog), options);
  return group;
}

} // namespace larder
