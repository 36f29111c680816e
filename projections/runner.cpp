#include "projections/runner.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include <pqxx/pqxx>

#include "events/event_store.hpp"
#include "events/pg_array.hpp"

namespace larder::projections {

namespace {

// -- SQL ----------------------------------------------------------------------

/// Locks the model's checkpoint for the batch: a second runner of the same
/// model (another node) waits here and then reads the moved checkpoint, so
/// two runners never apply the same event.
constexpr auto lock_checkpoint_sql =
  "SELECT last_xid::text, last_position FROM es.checkpoints"
  " WHERE name = $1 FOR UPDATE";

constexpr auto create_checkpoint_sql =
  "INSERT INTO es.checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";

constexpr auto advance_checkpoint_sql =
  "UPDATE es.checkpoints"
  "   SET last_xid = $2::xid8, last_position = $3, updated_at = now(),"
  "       last_error = '', failed_at = NULL"
  " WHERE name = $1";

/// Moves the checkpoint past events the model does not apply, if it is
/// still where the model left it ($2, $3).
constexpr auto step_checkpoint_sql =
  "UPDATE es.checkpoints"
  "   SET last_xid = $4::xid8, last_position = $5, updated_at = now()"
  " WHERE name = $1 AND last_xid = $2::xid8 AND last_position = $3";

constexpr auto note_failure_sql =
  "UPDATE es.checkpoints SET last_error = $2, failed_at = now()"
  " WHERE name = $1";

constexpr auto clear_failure_sql =
  "UPDATE es.checkpoints SET last_error = '', failed_at = NULL"
  " WHERE name = $1";

/// Bounded: counts index entries after the checkpoint, at most $3.
constexpr auto backlog_sql =
  "SELECT count(*) FROM (SELECT 1 FROM es.events"
  "  WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)"
  "  LIMIT $3) behind";

/// Committed events at or past the fence: no reader can pass them yet.
/// Written as the newest event's transaction, which PostgreSQL reads from
/// the end of the fence index, one entry. As `EXISTS (… WHERE
/// transaction_id >= …)`, on a log vacuumed but not analysed, the planner
/// took a third of the log to match and chose a sequential scan, which
/// read the whole log whenever nothing was held back: under the HTTP
/// bench's commands each model's backend spent a third of a core on it.
constexpr auto held_back_sql =
  "SELECT coalesce(max(transaction_id)"
  "  >= pg_snapshot_xmin(pg_current_snapshot()), false) FROM es.events";

/// Where a tail starts: the newest event the fence lets through.
constexpr auto end_of_log_sql =
  "SELECT transaction_id::text, global_position FROM es.events"
  " WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
  " ORDER BY transaction_id DESC, global_position DESC LIMIT 1";

/// Prepared on each connection (`log_connection`).
constexpr auto lock_checkpoint_statement = "larder_lock_checkpoint";
constexpr auto advance_checkpoint_statement = "larder_advance_checkpoint";
constexpr auto step_checkpoint_statement = "larder_step_checkpoint";
constexpr auto held_back_statement = "larder_held_back";

/// The model's name follows in `application_name`, so that
/// pg_stat_activity tells the models' backends apart.
constexpr auto session_setup_sql =
  "SET idle_in_transaction_session_timeout = '30s';"
  "SET statement_timeout = '60s';";

// -- helpers ------------------------------------------------------------------

std::uint64_t parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

/// The first line of a database error: what went wrong, without the
/// DETAIL line, which may quote the row's values.
std::string first_line(const char* what) {
  std::string_view text{what};
  return std::string{text.substr(0, text.find('\n'))};
}

/// Notifications are counted by `await_notification`; the receiver only
/// has to exist for libpqxx to LISTEN.
class wake_receiver : public pqxx::notification_receiver {
 public:
  explicit wake_receiver(pqxx::connection_base& conn)
    : pqxx::notification_receiver(conn, events::event_store::notify_channel) {}

  void operator()(const std::string&, int) override {
    // Nothing to do: a notification is a hint to run a batch.
  }
};

} // namespace

// -- connection ---------------------------------------------------------------

struct log_connection {
  /// A model's connection (`tail` false) prepares the checkpoint's
  /// statements; the tail's LISTENs and prepares the probe. Only the tail
  /// waits for notifications: a connection that listened without waiting
  /// would gather every commit's notification in memory.
  log_connection(const std::string& url, const std::string& name,
                 commit_mode commits, bool tail)
    : conn(url) {
    {
      pqxx::nontransaction setup{conn};
      setup.exec(session_setup_sql);
      setup.exec("SET application_name = " + setup.quote("larder " + name));
      if (commits == commit_mode::relaxed)
        setup.exec("SET synchronous_commit = off");
    }
    // Prepared, PostgreSQL plans them once per connection instead of on
    // every call.
    if (tail) {
      receiver = std::make_unique<wake_receiver>(conn);
      conn.prepare(held_back_statement, held_back_sql);
    } else {
      conn.prepare(lock_checkpoint_statement, lock_checkpoint_sql);
      conn.prepare(advance_checkpoint_statement, advance_checkpoint_sql);
      conn.prepare(step_checkpoint_statement, step_checkpoint_sql);
    }
  }

  pqxx::connection conn;
  /// Declared after `conn`, so it goes first.
  std::unique_ptr<wake_receiver> receiver;
};

projection_runner::projection_runner(
  std::string database_url, read_model model,
  std::shared_ptr<const events::catalog> catalog, commit_mode commits)
  : url_(std::move(database_url)), model_(std::move(model)),
    catalog_(std::move(catalog)), commits_(commits), types_([this] {
      events::pg_array types;
      for (const auto& type : model_.event_types)
        types.add(type);
      return types.take();
    }()) {}

projection_runner::~projection_runner() = default;

log_connection& projection_runner::conn() {
  if (!conn_ || !conn_->conn.is_open()) {
    conn_.reset();
    conn_ = std::make_unique<log_connection>(url_, "projection " + model_.name,
                                             commits_, false);
  }
  return *conn_;
}

// -- batches ------------------------------------------------------------------

expected<std::size_t> projection_runner::run_batch(std::size_t limit) {
  events::log_batch read;
  return note_outcome(apply_batch(
    [&](pqxx::work& txn, events::log_position at) -> expected<batch_view> {
      read = events::event_store::read_log_of_types_in(txn, at, limit, types_);
      for (auto& ev : read.events)
        if (model_.event_types.contains(ev.env.event_type))
          if (auto up = catalog_->upcast(ev.env); !up)
            return poison(ev, up.error().code, up.error().message);
      return batch_view{read.events, read.next};
    }));
}

expected<std::size_t>
projection_runner::run_batch_of(events::log_position after,
                                std::span<const events::recorded_event> events,
                                events::log_position next) {
  if (auto stepped = step_past(after, events, next))
    return *stepped;
  return note_outcome(apply_batch(
    [&](pqxx::work&, events::log_position at) -> expected<batch_view> {
      if (at != after)
        return make_error(errc::conflict,
                          "projection " + model_.name + " is at position "
                            + std::to_string(at.global_position)
                            + ", not where the batch starts ("
                            + std::to_string(after.global_position) + ")");
      return batch_view{events, next};
    }));
}

std::optional<std::size_t>
projection_runner::step_past(events::log_position after,
                             std::span<const events::recorded_event> events,
                             events::log_position next) {
  if (failure_noted_ || events.empty() || position_ != after
      || std::any_of(events.begin(), events.end(), [&](const auto& ev) {
           return model_.event_types.contains(ev.env.event_type);
         }))
    return std::nullopt;
  try {
    pqxx::nontransaction txn{conn().conn};
    auto moved = txn
                   .exec_prepared(step_checkpoint_statement, model_.name,
                                  std::to_string(after.transaction_id),
                                  after.global_position,
                                  std::to_string(next.transaction_id),
                                  next.global_position)
                   .affected_rows();
    if (moved != 1)
      return std::nullopt; // moved by someone else: the batch finds out
    position_ = next;
    return events.size();
  } catch (const pqxx::failure&) {
    conn_.reset();
    return std::nullopt; // the batch reports it
  }
}

expected<std::size_t>
projection_runner::note_outcome(expected<std::size_t> done) {
  // Where `larder projections status` can see it; best effort, since the
  // database may be what failed. A batch that moves the checkpoint clears
  // it too; an empty one after a failure clears it here.
  if (conn_ && (!done || failure_noted_)) {
    try {
      pqxx::work txn{conn_->conn};
      if (done)
        txn.exec_params(clear_failure_sql, model_.name);
      else
        txn.exec_params(note_failure_sql, model_.name, done.error().message);
      txn.commit();
      failure_noted_ = !done;
    } catch (const std::exception&) {
      conn_.reset();
    }
  }
  return done;
}

error projection_runner::poison(const events::recorded_event& ev, errc code,
                                const std::string& why) const {
  return make_error(code, "projection " + model_.name + ": event "
                            + std::to_string(ev.global_position) + " ("
                            + ev.env.event_type + ", stream " + ev.env.stream_id
                            + ") cannot be applied: " + why);
}

expected<std::size_t> projection_runner::apply_batch(const batch_reader& read) {
  // Whatever ends the batch early, a buffering model forgets the batch.
  struct discard_unless_committed {
    const read_model& model;
    bool committed = false;
    ~discard_unless_committed() {
      if (!committed && model.discard)
        model.discard();
    }
  } guard{model_};
  // The event being applied, for naming it when its apply throws.
  const events::recorded_event* current = nullptr;
  auto unavailable = [&](std::string why) {
    conn_.reset();
    return make_error(errc::unavailable,
                      "projection " + model_.name + " at position "
                        + std::to_string(position_.global_position) + ": "
                        + why);
  };
  try {
    pqxx::work txn{conn().conn};
    auto rows = txn.exec_prepared(lock_checkpoint_statement, model_.name);
    if (rows.empty()) {
      txn.exec_params(create_checkpoint_sql, model_.name);
      rows = txn.exec_prepared(lock_checkpoint_statement, model_.name);
    }
    events::log_position at{parse_u64(rows.at(0)[0].c_str()),
                            rows.at(0)[1].as<std::int64_t>()};
    position_ = at;
    if (!model_.schema.empty())
      txn.exec("SET LOCAL search_path TO " + txn.quote_name(model_.schema)
               + ", public");
    auto batch = read(txn, at);
    if (!batch)
      return batch.error();
    for (const auto& ev : batch->events) {
      if (!model_.event_types.contains(ev.env.event_type))
        continue;
      current = &ev;
      if (auto failed = model_.apply(txn, ev))
        return poison(ev, failed->code, failed->message);
    }
    current = nullptr;
    if (model_.flush)
      if (auto failed = model_.flush(txn))
        return make_error(failed->code,
                          "projection " + model_.name
                            + ": writing the batch failed: " + failed->message);
    if (!batch->events.empty())
      txn.exec_prepared(advance_checkpoint_statement, model_.name,
                        std::to_string(batch->next.transaction_id),
                        batch->next.global_position);
    txn.commit();
    guard.committed = true;
    position_ = batch->next;
    if (model_.committed)
      model_.committed();
    return batch->events.size();
  } catch (const pqxx::broken_connection&) {
    return unavailable("the database connection was lost");
  } catch (const pqxx::in_doubt_error&) {
    // The checkpoint moved with the batch or neither did: the next batch
    // reads the checkpoint again and carries on from there either way.
    return unavailable("the connection was lost during COMMIT");
  } catch (const pqxx::deadlock_detected&) {
    return unavailable("deadlock; the batch will be retried");
  } catch (const pqxx::sql_error& e) {
    if (current)
      return poison(*current, errc::rejected,
                    "database error " + e.sqlstate() + ": "
                      + first_line(e.what()));
    return unavailable("database error " + e.sqlstate() + ": "
                       + first_line(e.what()));
  } catch (const pqxx::failure& e) {
    return unavailable(first_line(e.what()));
  } catch (const std::exception& e) {
    if (current)
      return poison(*current, errc::rejected, e.what());
    return unavailable(e.what());
  }
}

expected<std::int64_t> projection_runner::backlog(std::int64_t cap) {
  try {
    pqxx::read_transaction txn{conn().conn};
    return txn
      .exec_params1(backlog_sql, std::to_string(position_.transaction_id),
                    position_.global_position, cap)[0]
      .as<std::int64_t>();
  } catch (const pqxx::failure& e) {
    conn_.reset();
    return make_error(errc::unavailable, "projection " + model_.name
                                           + ": counting its backlog failed: "
                                           + first_line(e.what()));
  }
}

// -- the tail -----------------------------------------------------------------

const char* const log_tail::held_back_query = held_back_sql;

log_tail::log_tail(std::string database_url,
                   std::set<std::string, std::less<>> types,
                   std::shared_ptr<const events::catalog> catalog)
  : url_(std::move(database_url)), types_(std::move(types)),
    types_array_([this] {
      events::pg_array array;
      for (const auto& type : types_)
        array.add(type);
      return array.take();
    }()),
    catalog_(std::move(catalog)) {}

log_tail::~log_tail() = default;

log_connection& log_tail::conn() {
  if (!conn_ || !conn_->conn.is_open()) {
    conn_.reset();
    // Commits nothing; listening from the start, so a commit between two
    // reads is not missed.
    conn_ = std::make_unique<log_connection>(url_, "projection tail",
                                             commit_mode::durable, true);
  }
  return *conn_;
}

expected<log_tail::read_result> log_tail::read(std::size_t limit) {
  try {
    pqxx::nontransaction txn{conn().conn};
    auto slice = std::make_shared<log_slice>();
    if (!started_) {
      if (auto end = txn.exec(end_of_log_sql); !end.empty())
        position_ = {parse_u64(end[0][0].c_str()),
                     end[0][1].as<std::int64_t>()};
      started_ = true;
      slice->after = slice->next = position_;
      return read_result{std::move(slice), 0, false, true};
    }
    auto read = events::event_store::read_log_of_types_in(txn, position_, limit,
                                                          types_array_);
    slice->after = slice->next = position_;
    auto consumed = read.events.size();
    for (auto& ev : read.events) {
      events::log_position at{ev.transaction_id, ev.global_position};
      if (types_.contains(ev.env.event_type) && !catalog_->upcast(ev.env)) {
        // Left out: the next slice starts after it, and the models find
        // the gap (see `read`).
        position_ = at;
        return read_result{
          std::move(slice),
          static_cast<std::size_t>(&ev - read.events.data()) + 1, true};
      }
      slice->events.push_back(std::move(ev));
      slice->next = at;
    }
    position_ = read.next;
    return read_result{std::move(slice), consumed};
  } catch (const pqxx::failure& e) {
    conn_.reset();
    return make_error(errc::unavailable,
                      "projection tail at position "
                        + std::to_string(position_.global_position)
                        + ": reading the log failed: " + first_line(e.what()));
  }
}

expected<bool> log_tail::wait_for_notify(std::chrono::milliseconds timeout) {
  try {
    auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    return conn().conn.await_notification(us / 1000000, us % 1000000) > 0;
  } catch (const pqxx::failure& e) {
    conn_.reset();
    return make_error(errc::unavailable,
                      "projection tail: waiting for commits failed: "
                        + first_line(e.what()));
  }
}

expected<bool> log_tail::held_back() {
  try {
    // No transaction: a read alone takes no transaction id, so the probe
    // holds back nobody's fence.
    return pqxx::nontransaction{conn().conn}
      .exec_prepared1(held_back_statement)[0]
      .as<bool>();
  } catch (const pqxx::failure& e) {
    conn_.reset();
    return make_error(errc::unavailable, "projection tail: probing the fence "
                                         "failed: "
                                           + first_line(e.what()));
  }
}

} // namespace larder::projections
