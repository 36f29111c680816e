#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "events/catalog.hpp"
#include "events/envelope.hpp"
#include "events/error.hpp"

/// The projection runner of DESIGN.md §7: it carries one read model along
/// the global log, in fence order (§4.3), applying events and moving the
/// model's checkpoint in the same transaction, so each event takes effect
/// exactly once however often a batch is retried. No CAF: the actor shell
/// is `actors/projection_actor`.
namespace larder::projections {

/// Applies one event, already upcast by the catalogue, inside the batch's
/// transaction. An error, or any exception (libpqxx's included), aborts the
/// whole batch.
using apply_function = std::function<std::optional<error>(
  pqxx::work&, const events::recorded_event&)>;

/// A read model as the runner sees it.
struct read_model {
  /// Names the checkpoint row (`es.checkpoints.name`) and the model in
  /// errors, logs and metrics.
  std::string name;
  /// The event types `apply` is called for. Others are skipped without
  /// being upcast or decoded, but the checkpoint still moves past them.
  std::set<std::string, std::less<>> event_types;
  apply_function apply;
  /// The PostgreSQL schema holding the model's tables, e.g. `rm_invoices`.
  /// When set, every batch runs with `search_path` set to it (then
  /// `public`), so `apply` and `flush` name their tables unqualified and a
  /// rebuild can run the same code against a fresh copy of the schema.
  /// Queries name the live tables qualified (`rm_invoices.invoices`).
  /// Empty for a model whose SQL names its schema itself; it cannot be
  /// rebuilt into a copy.
  std::string schema;
  /// Indexes in `schema`, by name, that `apply` or `flush` find rows by,
  /// beyond primary keys and unique constraints (which a rebuild always
  /// keeps). A rebuild fills its copy without the other indexes and builds
  /// them once it has caught up: building an index over the loaded rows
  /// costs less than updating it row by row (the invoices model, with eight
  /// such indexes, rebuilt 1,000,000 events in 23.5 s instead of 26).
  std::set<std::string, std::less<>> indexes_for_apply;
  /// Optional. Called once per batch after the last `apply`, in the same
  /// transaction and before the checkpoint moves, for models that buffer
  /// rows in `apply` and write them in bulk. An error aborts the batch.
  std::function<std::optional<error>(pqxx::work&)> flush;
  /// Optional. `flush` as a rebuild runs it while it loads its empty copy
  /// from the shared read of the log (`rebuild_all`), free to leave out
  /// work that `settle` then does once over all the rows.
  std::function<std::optional<error>(pqxx::work&)> load_flush;
  /// Optional, with `load_flush`: called once, in a transaction of its own
  /// with the copy's search path, after the last loaded batch. It must
  /// leave the tables as `flush` would have, since the copy then goes on
  /// with `flush`.
  std::function<std::optional<error>(pqxx::work&)> settle;
  /// Optional. Called when a batch fails, so a buffering model drops what
  /// `apply` collected; the batch is retried from the checkpoint.
  std::function<void()> discard;
  /// Optional. Called after the batch committed, e.g. to announce what it
  /// changed; must not throw.
  std::function<void()> committed;
};

/// A stretch of the log read once for several models: the events right
/// after `after` in fence order, upcast where some model reads them, and
/// where the log goes on after them (the last event's place; `after` when
/// there is none). The live projections' tail (`log_tail`) and a rebuild of
/// every model (`rebuild_all`) hand these to each model's
/// `projection_runner::run_batch_of`.
struct log_slice {
  events::log_position after;
  std::vector<events::recorded_event> events;
  events::log_position next;
};

/// The connection a runner or a tail reads the log over, with what it has
/// prepared; defined in runner.cpp.
struct log_connection;

/// How a runner's commits reach the disk.
enum class commit_mode : std::uint8_t {
  /// Each commit waits for its WAL to be flushed.
  durable,
  /// Commits return before their WAL is flushed (`synchronous_commit =
  /// off`). A read model is derived from the log, which is durable, and a
  /// batch moves its checkpoint in the same transaction as its rows, so a
  /// database crash can only lose a tail of whole batches (WAL is lost
  /// from the end only, and any later durable commit flushes all before
  /// it): the model comes back at an older checkpoint, consistent with it,
  /// and applies those events again. The live projections
  /// (`actors/projection_actor`) and a rebuild filling its copy (which
  /// nothing reads before the swap; the next rebuild drops a copy left by
  /// a crash) run this way. Rebuilding every model from a million events
  /// took 26-27.5 s instead of 30.6-31.8 s; live, the models stopped
  /// waiting for a disk flush per batch beside the store's committers.
  relaxed,
};

/// Runs one read model over its own PostgreSQL connection. Blocking: it
/// lives in a detached actor or a CLI command, never on a scheduler thread.
/// Errors come back as values; a lost connection is `unavailable` and is
/// re-established on the next call.
class projection_runner {
 public:
  /// Does not connect yet. `catalog` upcasts the events `model` reads.
  projection_runner(std::string database_url, read_model model,
                    std::shared_ptr<const events::catalog> catalog,
                    commit_mode commits = commit_mode::durable);
  ~projection_runner();

  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  const read_model& model() const noexcept {
    return model_;
  }

  /// Applies the next at most `limit` events behind the fence in one
  /// transaction: lock the checkpoint row (created on first use), read the
  /// batch after it, upcast and apply the model's events, move the
  /// checkpoint past the whole batch, commit. Returns how many events the
  /// batch consumed (applied or skipped); fewer than `limit` means the
  /// model has caught up with what the fence lets through.
  ///
  /// On failure nothing of the batch is kept, and the error is noted in the
  /// checkpoint row (`last_error`, `failed_at`) until a batch commits. An event
  /// the model cannot apply (a poison event) fails every retry in the same
  /// place, with an error naming its global position and type; the runner never
  /// passes it.
  expected<std::size_t> run_batch(std::size_t limit = default_batch);

  /// `run_batch` over events read elsewhere: `events` are the log right
  /// after `after` in fence order, each already upcast by the catalogue,
  /// and `next` is where the log goes on after them. This is how one read
  /// of the log feeds several models (`log_tail`, a rebuild of all of
  /// them). A model
  /// whose checkpoint is not at `after` applies nothing: `conflict`.
  expected<std::size_t>
  run_batch_of(events::log_position after,
               std::span<const events::recorded_event> events,
               events::log_position next);

  /// The checkpoint as of the last batch: where the next one starts. Zero
  /// before the first batch.
  events::log_position position() const noexcept {
    return position_;
  }

  /// How many events in the log come after the checkpoint in fence order,
  /// counted up to `cap` (the count reads the index, so it is bounded).
  /// Includes events the fence still holds back.
  expected<std::int64_t> backlog(std::int64_t cap = 100000);

  static constexpr std::size_t default_batch = 500;

 private:
  /// A batch's events, upcast where the model reads them, and where the
  /// log goes on after them.
  struct batch_view {
    std::span<const events::recorded_event> events;
    events::log_position next;
  };
  /// Reads a batch inside the batch's transaction, the checkpoint given.
  using batch_reader = std::function<expected<batch_view>(
    pqxx::work&, events::log_position checkpoint)>;

  /// One batch in one transaction, without noting its failure.
  expected<std::size_t> apply_batch(const batch_reader& read);

  /// A batch of `run_batch_of` with no event the model applies moves the
  /// checkpoint alone, in one statement instead of a transaction of five
  /// (most models, most of the time: under the HTTP bench's commands,
  /// three of the six). The count of events it stepped past, or nothing
  /// when the batch must run: the slice has an event the model applies,
  /// an earlier failure is still noted, or the checkpoint is not where
  /// this runner left it (a rebuild's swap, another runner).
  std::optional<std::size_t>
  step_past(events::log_position after,
            std::span<const events::recorded_event> events,
            events::log_position next);

  /// Notes a failed batch in the checkpoint row, or clears an earlier
  /// failure once a batch succeeds; returns `done`.
  expected<std::size_t> note_outcome(expected<std::size_t> done);

  /// The error of an event the model cannot apply.
  error poison(const events::recorded_event& ev, errc code,
               const std::string& why) const;

  /// The open connection, opened again if there is none.
  log_connection& conn();

  std::string url_;
  read_model model_;
  std::shared_ptr<const events::catalog> catalog_;
  commit_mode commits_;
  /// `model_.event_types` as the log read takes them.
  std::string types_;
  std::unique_ptr<log_connection> conn_;
  events::log_position position_;
  // True at first: a failure an earlier process noted is cleared by the
  // first batch that succeeds.
  bool failure_noted_ = true;
};

/// Reads the log once for all the live read models (DESIGN.md §7): each
/// read is handed to every model's runner (`run_batch_of`), instead of
/// each model reading every event itself. Under the HTTP bench's commands
/// the six models' reads of the same rows were a quarter of PostgreSQL's
/// time. Blocking, like the runner: it lives in a detached actor
/// (`actors/projection_actor`). Errors come back as values; a lost
/// connection is `unavailable` and is re-established on the next call.
class log_tail {
 public:
  /// Reads events of `types` whole, and of other types their place and
  /// type only; `catalog` upcasts the ones read whole. Does not connect yet.
  log_tail(std::string database_url, std::set<std::string, std::less<>> types,
           std::shared_ptr<const events::catalog> catalog);
  ~log_tail();

  log_tail(const log_tail&) = delete;
  log_tail& operator=(const log_tail&) = delete;

  /// What one `read` brought.
  struct read_result {
    /// The events read, right after where the last read ended.
    std::shared_ptr<const log_slice> slice;
    /// Events the read consumed, the slice's and any it left out; fewer
    /// than the limit means the tail has caught up with the fence, unless
    /// `cut_short`.
    std::size_t consumed = 0;
    /// The read ended at an event it left out: more may follow at once.
    bool cut_short = false;
    /// The tail's first read: the slice, empty, says where the tail starts.
    bool start = false;
  };

  /// The next at most `limit` events the fence lets through, in one
  /// statement outside any transaction (so the read holds back no fence).
  /// The first read starts at the end of the log (`start`): its empty
  /// slice, handed to every model, tells each where the slices begin, and
  /// a model behind that reads on by itself. A model that caught up on its
  /// own before the tail's first read would otherwise find out about the
  /// commits in between only when the next commit's slice shows the gap. An
  /// event the catalogue cannot upcast ends the slice before it and is left out
  /// of every slice: the next slice starts after it, and each model, finding
  /// that gap, reads on by itself, so one that applies the event reports it as
  /// its runner always has.
  expected<read_result> read(std::size_t limit);

  /// Waits up to `timeout` for a commit to the log (LISTEN on
  /// `events::event_store::notify_channel`, from the moment the tail
  /// connects). True when woken by a notification, false on timeout. A
  /// notification is a hint only: callers read either way.
  expected<bool> wait_for_notify(std::chrono::milliseconds timeout);

  /// Whether the log holds committed events the fence still holds back:
  /// a transaction older than their commit is running (a writer, a model's
  /// batch, or any transaction on the cluster, since the fence is the
  /// cluster's oldest running transaction). Their commit has notified
  /// already, so a caller that waits for the next notification may wait
  /// for a poll. One probe of the fence index.
  expected<bool> held_back();

  /// The one statement `held_back` runs, for a test of its plan: it must
  /// read one entry of the fence index however long the log is.
  static const char* const held_back_query;

 private:
  log_connection& conn();

  std::string url_;
  std::set<std::string, std::less<>> types_;
  std::string types_array_;
  std::shared_ptr<const events::catalog> catalog_;
  std::unique_ptr<log_connection> conn_;
  events::log_position position_;
  bool started_ = false;
};

} // namespace larder::projections
