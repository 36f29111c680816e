#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/type_ids.hpp"
#include "events/catalog.hpp"
#include "projections/runner.hpp"

namespace larder {

/// Keeps one read model up to date (DESIGN.md §7). A detached actor owning
/// a `projections::projection_runner` and its connection: on start and on
/// each `tick` it sends itself, it runs batches until the model has caught
/// up, then waits for a commit (NOTIFY, or `poll_interval` as the fallback)
/// in short slices, ticking itself between them, so its mailbox (an exit
/// message, a status request) is read between ticks. Commits the fence
/// still holds back at the end of a run (behind an older transaction still
/// running) are looked at again soon, not at the poll: their notification
/// came already. A failed batch is
/// retried with exponential backoff; each new failure is logged once,
/// naming the position.
///
/// Accepts `(caf::get_atom)` from the HTTP edge (/metrics, /ready) and
/// replies its `projection_status`, its backlog counted then, after the
/// tick in progress (at most about `tick_budget`, or `wait_slice` while
/// idle).
using projection_actor =
  caf::typed_actor<caf::replies_to<caf::get_atom>::with<projection_status>>;

struct projection_options {
  /// Events per transaction.
  std::size_t batch_size = projections::projection_runner::default_batch;
  /// How long to wait for a NOTIFY before looking at the log anyway: events
  /// a long transaction held behind the fence come with no notification.
  std::chrono::milliseconds poll_interval{1000};
  /// Woken by a commit, the actor starts a batch no sooner than this after
  /// the last one started. Under a stream of commands a notification comes
  /// after nearly every group commit, and each batch costs the database a
  /// transaction, a checkpoint lock and a read whatever it carries (about
  /// 2 ms of its CPU for a model that applies none of the batch): at 4,000
  /// commands/s the models that skip approvals and payments ran 40 batches
  /// a second each. Waiting out the rest of this interval gathers commits
  /// into at most 20 batches a second. A model idle for longer runs at
  /// once, so a lone command is seen as soon as before.
  std::chrono::milliseconds min_batch_interval{50};
  /// The first look again at events the fence held back at the end of a
  /// run (behind an older transaction still running): their notification
  /// came already. Doubled while looks pass nothing, up to `poll_interval`;
  /// meanwhile notifications do not start runs.
  std::chrono::milliseconds held_back_first_look{10};
  /// One tick works at most about this long before it reads its mailbox.
  std::chrono::milliseconds tick_budget{250};
  /// While waiting for a commit, the actor blocks at most this long at a
  /// time, so it answers and stops within about this long when idle.
  std::chrono::milliseconds wait_slice{100};
  /// The first retry delay after a failure; doubled up to `max_backoff`.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{30000};
};

/// Spawns the projection of `model`. Stop it with an exit message (it
/// finishes the batch in progress, which commits or leaves no trace).
projection_actor
spawn_projection(caf::actor_system& sys, std::string database_url,
                 projections::read_model model,
                 std::shared_ptr<const events::catalog> catalog,
                 projection_options options = {});

} // namespace larder
