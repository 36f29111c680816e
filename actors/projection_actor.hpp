#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/type_ids.hpp"
#include "events/catalog.hpp"
#include "projections/runner.hpp"

namespace larder {

/// Keeps the read models up to date (DESIGN.md §7), reading the log once
/// for all of them. Two kinds of detached actor:
///
/// - The tail owns a `projections::log_tail`. On start and on each `tick`
///   it sends itself, it reads the log while there is more, and hands each
///   slice it reads to every model, the next read waiting until every model
///   has answered the last (so a slow model holds the tail back rather than
///   gather slices in its mailbox). Caught up, it waits for a commit
///   (NOTIFY, or `poll_interval` as the fallback) in short slices, ticking
///   itself between them, so its mailbox is read between ticks. Commits the
///   fence still holds back at the end of a run (behind an older
///   transaction still running) are looked at again soon, not at the poll:
///   their notification came already.
/// - Each model's actor owns a `projections::projection_runner`. It applies
///   a slice that starts where its checkpoint is, and the part of one that
///   starts behind it. Finding a gap before a slice (it has just started, a
///   batch failed, or the tail left out an event it could not upcast), it
///   reads on by itself, as the runner always could, up to what the fence
///   lets through, in ticks of at most about `tick_budget`. A failed batch
///   is retried that way with exponential backoff; each new failure is
///   logged once, naming the position.
///
/// A model's actor accepts `(caf::get_atom)` from the HTTP edge (/metrics,
/// /ready) and replies its `projection_status`, its backlog counted then,
/// after the slice or tick in progress.
using projection_actor = caf::typed_actor<
  caf::replies_to<caf::get_atom>::with<projection_status>,
  caf::replies_to<std::shared_ptr<const projections::log_slice>>::with<bool>>;

struct projection_options {
  /// Events per read of the tail, and per batch of a model reading on by
  /// itself.
  std::size_t batch_size = projections::projection_runner::default_batch;
  /// How long to wait for a NOTIFY before looking at the log anyway: events
  /// a long transaction held behind the fence come with no notification.
  std::chrono::milliseconds poll_interval{1000};
  /// Woken by a commit, the tail starts a read no sooner than this after
  /// the last one started. Under a stream of commands a notification comes
  /// after nearly every group commit, and each slice costs every model a
  /// transaction and a checkpoint lock whatever it carries: at 4,000
  /// commands/s the models that skip approvals and payments ran 40 batches
  /// a second each. Waiting out the rest of this interval gathers commits
  /// into at most 20 slices a second. A tail idle for longer reads at once,
  /// so a lone command is seen as soon as before.
  std::chrono::milliseconds min_batch_interval{50};
  /// The first look again at events the fence held back at the end of a
  /// run (behind an older transaction still running): their notification
  /// came already. Doubled while looks pass nothing, up to `poll_interval`;
  /// meanwhile notifications do not start runs.
  std::chrono::milliseconds held_back_first_look{10};
  /// One tick works at most about this long before it reads its mailbox.
  std::chrono::milliseconds tick_budget{250};
  /// While waiting for a commit, the tail blocks at most this long at a
  /// time, so it stops within about this long when idle.
  std::chrono::milliseconds wait_slice{100};
  /// The first retry delay after a failure; doubled up to `max_backoff`.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{30000};
};

/// The actors of `spawn_projections`.
struct projection_group {
  caf::actor tail;
  /// In the order of the models given.
  std::vector<projection_actor> models;
};

/// Spawns the projections of `models` and the tail that feeds them. Stop
/// the tail first, then the models, each with an exit message (a model
/// finishes the batch in progress, which commits or leaves no trace).
projection_group
spawn_projections(caf::actor_system& sys, std::string database_url,
                  std::vector<projections::read_model> models,
                  std::shared_ptr<const events::catalog> catalog,
                  projection_options options = {});

} // namespace larder

// In-process messages only (decision 0004).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(
  std::shared_ptr<const larder::projections::log_slice>)
