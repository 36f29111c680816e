#include "projections/rebuild.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <pqxx/pqxx>

#include "events/event_store.hpp"
#include "projections/sql.hpp"

namespace larder::projections {

namespace {

// clang-format off
constexpr auto checkpoint_sql =
  "SELECT last_xid::text, last_position, " LARDER_RFC3339("updated_at") ","
  "       last_error"
  "  FROM es.checkpoints WHERE name = $1";
// clang-format on

constexpr auto lag_events_sql =
  "SELECT count(*) FROM (SELECT 1 FROM es.events"
  "  WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)"
  "  LIMIT 1000000) behind";

constexpr auto lag_seconds_sql =
  "SELECT extract(epoch FROM clock_timestamp() - recorded_at)::float8"
  "  FROM es.events"
  " WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)"
  " ORDER BY transaction_id, global_position LIMIT 1";

constexpr auto tables_sql =
  "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename";

/// A table's storage parameters (`fillfactor=70`), which `CREATE TABLE
/// … (LIKE …)` does not copy; one row, NULL when it has none.
constexpr auto reloptions_sql =
  "SELECT array_to_string(c.reloptions, ', ') FROM pg_class c"
  "  JOIN pg_namespace n ON n.oid = c.relnamespace"
  " WHERE n.nspname = $1 AND c.relname = $2";

constexpr auto create_live_sql =
  "INSERT INTO es.checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";

constexpr auto lock_live_sql =
  "SELECT 1 FROM es.checkpoints WHERE name = $1 FOR UPDATE";

/// Whether the copy's checkpoint is at or past the live one in fence order.
constexpr auto copy_ahead_sql =
  "SELECT (f.last_xid, f.last_position) >= (l.last_xid, l.last_position),"
  "       f.last_xid::text, f.last_position"
  "  FROM es.checkpoints f, es.checkpoints l"
  " WHERE f.name = $1 AND l.name = $2";

constexpr auto move_live_sql =
  "UPDATE es.checkpoints SET last_xid = $2::xid8, last_position = $3,"
  "       updated_at = now(), last_error = '', failed_at = NULL"
  " WHERE name = $1";

constexpr auto forget_copy_sql = "DELETE FROM es.checkpoints WHERE name = $1";

std::string first_line(const char* what) {
  std::string_view text{what};
  return std::string{text.substr(0, text.find('\n'))};
}

/// Every index of the live schema's tables; the constraint it backs, if
/// any (a primary key, unique or exclusion constraint).
constexpr auto indexes_sql =
  "SELECT t.relname, i.relname, pg_get_indexdef(i.oid), x.indisunique,"
  "       c.conname, pg_get_constraintdef(c.oid)"
  "  FROM pg_index x"
  "  JOIN pg_class i ON i.oid = x.indexrelid"
  "  JOIN pg_class t ON t.oid = x.indrelid"
  "  JOIN pg_namespace n ON n.oid = t.relnamespace"
  "  LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid"
  "        AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x')"
  " WHERE n.nspname = $1 AND t.relkind = 'r'"
  " ORDER BY t.relname, i.relname";

/// Runs `runner` until nothing is left behind the fence, counting events.
expected<std::int64_t> catch_up(projection_runner& runner, std::size_t batch,
                                std::int64_t& consumed) {
  for (;;) {
    auto n = runner.run_batch(batch);
    if (!n)
      return n.error();
    consumed += static_cast<std::int64_t>(*n);
    if (*n == batch)
      continue;
    auto left = runner.backlog(1);
    if (!left)
      return left.error();
    if (*left == 0)
      return consumed;
    // A transaction still open elsewhere holds the fence: wait for it.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// One model's rebuild: its live schema, the copy it fills, and the
/// indexes the copy gets only once it has caught up.
struct copy_plan {
  read_model model;
  std::string live_schema;
  std::string copy_schema;
  std::string old_schema;
  std::string copy_name;
  /// CREATE INDEX statements on the copy, in the live index names.
  std::vector<std::string> later;
};

/// An empty copy of every table of the model's schema, with its columns,
/// defaults and constraints, the indexes `apply` needs and none other.
/// Every index keeps its live name.
expected<copy_plan> prepare_copy(pqxx::connection& conn, read_model model) {
  if (model.schema.empty())
    return make_error(errc::invalid_argument,
                      "projection " + model.name
                        + " names its tables itself and cannot be rebuilt "
                          "into a copy");
  copy_plan plan;
  plan.live_schema = model.schema;
  plan.copy_schema = model.schema + "_rebuild";
  plan.old_schema = model.schema + "_old";
  plan.copy_name = model.name + "_rebuild";
  pqxx::work txn{conn};
  auto q = [&](const std::string& name) {
    return txn.quote_name(name);
  };
  const auto copy = q(plan.copy_schema);
  txn.exec("DROP SCHEMA IF EXISTS " + copy + " CASCADE");
  txn.exec("CREATE SCHEMA " + copy);
  txn.exec("REVOKE ALL ON SCHEMA " + copy + " FROM PUBLIC");
  txn.exec("GRANT USAGE ON SCHEMA " + copy + " TO larder_app");
  auto tables = txn.exec_params(tables_sql, plan.live_schema);
  if (tables.empty())
    return make_error(errc::not_found, "schema " + plan.live_schema
                                         + " has no tables; run `larder "
                                           "migrate` first");
  for (auto row : tables) {
    std::string table = row[0].c_str();
    txn.exec("CREATE TABLE " + copy + "." + q(table) + " (LIKE "
             + q(plan.live_schema) + "." + q(table)
             + " INCLUDING ALL EXCLUDING INDEXES)");
    auto options = txn.exec_params1(reloptions_sql, plan.live_schema, table);
    if (!options[0].is_null())
      txn.exec("ALTER TABLE " + copy + "." + q(table) + " SET ("
               + options[0].c_str() + ")");
  }
  // pg_get_indexdef names the table schema-qualified, quoted only where
  // the name needs it.
  const std::string live_on = " ON " + plan.live_schema + ".";
  const std::string quoted_on = " ON " + q(plan.live_schema) + ".";
  struct index_copy {
    std::string name, def;
    bool unique;
  };
  std::vector<index_copy> indexes;
  for (auto row : txn.exec_params(indexes_sql, plan.live_schema)) {
    std::string table = row[0].c_str(), index = row[1].c_str();
    if (!row[4].is_null()) {
      txn.exec("ALTER TABLE " + copy + "." + q(table) + " ADD CONSTRAINT "
               + q(row[4].c_str()) + " " + row[5].c_str());
      continue;
    }
    std::string def = row[2].c_str();
    auto on = def.find(live_on);
    auto on_size = live_on.size();
    if (on == std::string::npos) {
      on = def.find(quoted_on);
      on_size = quoted_on.size();
    }
    if (on == std::string::npos)
      return make_error(errc::unavailable,
                        "cannot copy index " + index + ": " + def);
    def.replace(on, on_size, " ON " + copy + ".");
    indexes.push_back({std::move(index), std::move(def), row[3].as<bool>()});
  }
  // A schema an older larder rebuilt has its indexes under generated
  // names: when one `apply` needs is not found, none is deferred.
  bool all_found =
    std::ranges::all_of(model.indexes_for_apply, [&](const std::string& name) {
      return std::ranges::any_of(indexes, [&](const index_copy& i) {
        return i.name == name;
      });
    });
  for (auto& index : indexes) {
    if (index.unique || !all_found
        || model.indexes_for_apply.contains(index.name))
      txn.exec(index.def);
    else
      plan.later.push_back(std::move(index.def));
  }
  txn.exec("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
           + copy + " TO larder_app");
  txn.exec_params(forget_copy_sql, plan.copy_name);
  txn.commit();
  plan.model = std::move(model);
  return plan;
}

/// Drops what a failed rebuild left of its copy; best effort.
void drop_copy(const std::string& owner_url, const copy_plan& plan) {
  try {
    pqxx::connection conn{owner_url};
    pqxx::work txn{conn};
    txn.exec("DROP SCHEMA IF EXISTS " + txn.quote_name(plan.copy_schema)
             + " CASCADE");
    txn.exec_params(forget_copy_sql, plan.copy_name);
    txn.commit();
  } catch (const std::exception&) {
    // The next rebuild of the model drops it first anyway.
  }
}

/// Runs `defs` (CREATE INDEX statements) on two connections at once, the
/// GIN ones first since they take longest: CREATE INDEX locks out writes
/// to its table but not other index builds. Throws libpqxx exceptions.
void build_indexes(const std::string& owner_url,
                   std::vector<std::string> defs) {
  std::stable_partition(defs.begin(), defs.end(), [](const std::string& def) {
    return def.find(" USING gin ") != std::string::npos;
  });
  std::atomic<std::size_t> next{0};
  std::exception_ptr failed;
  std::mutex failed_mutex;
  auto build = [&] {
    try {
      pqxx::connection conn{owner_url};
      pqxx::nontransaction txn{conn};
      txn.exec("SET maintenance_work_mem = '128MB'");
      for (std::size_t i; (i = next++) < defs.size();)
        txn.exec(defs[i]);
    } catch (...) {
      next = defs.size();
      std::lock_guard lock{failed_mutex};
      failed = std::current_exception();
    }
  };
  if (defs.size() > 1) {
    std::thread other{build};
    build();
    other.join();
  } else if (!defs.empty()) {
    build();
  }
  if (failed)
    std::rethrow_exception(failed);
}

/// Builds the deferred indexes and fresh statistics, lets the copy apply
/// what arrived meanwhile, and swaps it in (see `rebuild`).
expected<std::int64_t> finish(const std::string& owner_url, copy_plan& plan,
                              projection_runner& runner, std::size_t batch,
                              std::int64_t consumed,
                              const rebuild_progress& progress) {
  const std::string& live_name = plan.model.name;
  auto report = [&](rebuild_step step) {
    if (progress.step)
      progress.step(live_name, step);
  };
  pqxx::connection conn{owner_url};
  bool indexed = false, swapping = false;
  for (int attempt = 0;; ++attempt) {
    if (auto done = catch_up(runner, batch, consumed); !done)
      return done.error();
    if (!indexed) {
      report(rebuild_step::indexing);
      build_indexes(owner_url, plan.later);
      pqxx::nontransaction build{conn};
      // Fresh statistics before the copy serves: without them the
      // planner guesses, and a filtered list took 160 ms instead of 1 ms
      // right after a rebuild until autovacuum came by. VACUUM also marks
      // the pages all-visible, so that counts read indexes alone: a
      // supplier's count of 100,000 invoices took 18 ms before it, 1.2 ms
      // after.
      for (auto row : build.exec_params(tables_sql, plan.copy_schema))
        build.exec("VACUUM (ANALYZE) " + build.quote_name(plan.copy_schema)
                   + "." + build.quote_name(row[0].c_str()));
      indexed = true;
      // Building took a while: catch up again before holding the live
      // model off.
      continue;
    }
    if (!swapping) {
      report(rebuild_step::swapping);
      swapping = true;
    }
    pqxx::work txn{conn};
    // Waits for the live runner's batch in progress, then holds it off.
    txn.exec_params(create_live_sql, live_name);
    txn.exec_params(lock_live_sql, live_name);
    auto ahead = txn.exec_params1(copy_ahead_sql, plan.copy_name, live_name);
    if (!ahead[0].as<bool>()) {
      // The live model moved past the copy meanwhile: catch up again.
      txn.abort();
      if (attempt == 50)
        return make_error(errc::conflict,
                          "projection " + live_name
                            + " kept moving ahead of its rebuild; try again "
                              "when fewer events are arriving");
      continue;
    }
    auto q = [&](const std::string& name) {
      return txn.quote_name(name);
    };
    txn.exec("DROP SCHEMA IF EXISTS " + q(plan.old_schema) + " CASCADE");
    txn.exec("ALTER SCHEMA " + q(plan.live_schema) + " RENAME TO "
             + q(plan.old_schema));
    txn.exec("ALTER SCHEMA " + q(plan.copy_schema) + " RENAME TO "
             + q(plan.live_schema));
    txn.exec_params(move_live_sql, live_name, ahead[1].c_str(),
                    ahead[2].as<std::int64_t>());
    txn.exec_params(forget_copy_sql, plan.copy_name);
    txn.exec("DROP SCHEMA " + q(plan.old_schema) + " CASCADE");
    txn.commit();
    return consumed;
  }
}

/// Hands the reader's batches to one model's worker, a few at a time, so
/// the reader runs at most that far ahead of the slowest model.
class batch_queue {
 public:
  /// False once the worker has given up: it wants no more batches.
  bool push(std::shared_ptr<const log_slice> batch) {
    std::unique_lock lock{mutex_};
    space_.wait(lock, [&] {
      return items_.size() < depth || abandoned_;
    });
    if (abandoned_)
      return false;
    items_.push_back(std::move(batch));
    ready_.notify_one();
    return true;
  }

  /// The next batch; null once the reader has finished and all are taken.
  std::shared_ptr<const log_slice> pop() {
    std::unique_lock lock{mutex_};
    ready_.wait(lock, [&] {
      return !items_.empty() || finished_;
    });
    if (items_.empty())
      return nullptr;
    auto batch = std::move(items_.front());
    items_.pop_front();
    space_.notify_one();
    return batch;
  }

  /// The reader has no more batches.
  void finish() {
    std::lock_guard lock{mutex_};
    finished_ = true;
    ready_.notify_all();
  }

  /// The worker wants no more batches.
  void abandon() {
    std::lock_guard lock{mutex_};
    abandoned_ = true;
    items_.clear();
    space_.notify_all();
  }

 private:
  static constexpr std::size_t depth = 2;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::deque<std::shared_ptr<const log_slice>> items_;
  bool finished_ = false;
  bool abandoned_ = false;
};

/// Thrown by the reader's visitor to end the scan early.
struct stop_scan {};

/// Batches per COPY of the shared read.
constexpr std::int64_t batches_per_scan = 10;

/// Reads the log once, from its start to what the fence lets through now,
/// in batches of `batch` events upcast where some model reads them, and
/// hands every batch to every queue. Stops early, without an error, where
/// an event cannot be upcast or no model wants more: each model then reads
/// on by itself and reports what stopped it.
void read_shared(const std::string& owner_url, std::vector<batch_queue*> queues,
                 const std::set<std::string, std::less<>>& types,
                 const events::catalog& catalog, std::size_t batch,
                 const std::function<void(std::int64_t)>& progress) {
  std::int64_t read = 0;
  auto pending = std::make_shared<log_slice>();
  auto hand_out = [&] {
    bool wanted = false;
    for (auto* queue : queues)
      wanted = queue->push(pending) || wanted;
    read += static_cast<std::int64_t>(pending->events.size());
    if (progress)
      progress(read);
    auto next = std::make_shared<log_slice>();
    next->after = next->next = pending->next;
    pending = std::move(next);
    if (!wanted)
      throw stop_scan{};
  };
  try {
    events::event_store store{owner_url};
    // One COPY per few batches, so that no snapshot is held for the whole
    // read (it would hold back vacuum everywhere meanwhile).
    const auto scan_chunk = static_cast<std::int64_t>(batch) * batches_per_scan;
    events::log_position at;
    for (std::int64_t scanned = scan_chunk; scanned == scan_chunk;) {
      scanned = 0;
      auto next =
        store.scan_log(at, scan_chunk, [&](events::recorded_event& ev) {
          if (types.contains(ev.env.event_type) && !catalog.upcast(ev.env))
            throw stop_scan{};
          ++scanned;
          pending->next = {ev.transaction_id, ev.global_position};
          pending->events.push_back(std::move(ev));
          if (pending->events.size() == batch)
            hand_out();
        });
      if (!next)
        break;
      at = *next;
    }
  } catch (const stop_scan&) {
    // Nobody wants more, or the event after `pending` cannot be upcast.
  } catch (const std::exception&) {
    // The read broke off (a failed scan returns its error the same way).
  }
  // What was read is the log as far as it goes; the models read on by
  // themselves from there and report what stopped the read, if anything.
  if (!pending->events.empty()) {
    for (auto* queue : queues)
      queue->push(pending);
    if (progress)
      progress(read + static_cast<std::int64_t>(pending->events.size()));
  }
  for (auto* queue : queues)
    queue->finish();
}

/// Runs the model's `settle` over its loaded copy.
std::optional<error> settle(const std::string& owner_url,
                            const copy_plan& plan) {
  if (!plan.model.settle)
    return std::nullopt;
  pqxx::connection conn{owner_url};
  pqxx::work txn{conn};
  txn.exec("SET LOCAL search_path TO " + txn.quote_name(plan.copy_schema)
           + ", public");
  if (auto failed = plan.model.settle(txn))
    return make_error(failed->code, "projection " + plan.model.name
                                      + ": settling the loaded copy failed: "
                                      + failed->message);
  txn.commit();
  return std::nullopt;
}

/// One model's side of `rebuild_all`: loads the shared batches (with
/// `load_flush` when the model has one) and settles them, then reads on by
/// itself and swaps the copy in.
expected<rebuild_report>
rebuild_one(const std::string& owner_url, copy_plan& plan, batch_queue& queue,
            std::shared_ptr<const events::catalog> catalog, std::size_t batch,
            std::chrono::steady_clock::time_point started,
            const rebuild_progress& progress) {
  read_model copy = plan.model;
  copy.name = plan.copy_name;
  copy.schema = plan.copy_schema;
  std::int64_t consumed = 0;
  {
    read_model load = copy;
    if (load.load_flush)
      load.flush = load.load_flush;
    projection_runner loader{owner_url, std::move(load), catalog,
                             commit_mode::relaxed};
    for (auto shared = queue.pop(); shared; shared = queue.pop()) {
      auto n = loader.run_batch_of(shared->after, shared->events, shared->next);
      if (!n) {
        queue.abandon();
        return n.error();
      }
      consumed += static_cast<std::int64_t>(*n);
    }
  }
  if (plan.model.settle && progress.step)
    progress.step(plan.model.name, rebuild_step::settling);
  if (auto failed = settle(owner_url, plan))
    return *failed;
  projection_runner runner{owner_url, std::move(copy), std::move(catalog),
                           commit_mode::relaxed};
  auto done = finish(owner_url, plan, runner, batch, consumed, progress);
  if (!done)
    return done.error();
  std::chrono::duration<double> took =
    std::chrono::steady_clock::now() - started;
  return rebuild_report{plan.model.name, *done, took.count()};
}

} // namespace

expected<std::vector<projection_report>>
projection_reports(const std::string& database_url,
                   const std::vector<std::string>& names) {
  try {
    pqxx::connection conn{database_url};
    pqxx::read_transaction txn{conn};
    std::vector<projection_report> out;
    for (const auto& name : names) {
      projection_report r;
      r.name = name;
      std::string xid = "0";
      auto rows = txn.exec_params(checkpoint_sql, name);
      if (!rows.empty()) {
        xid = rows[0][0].c_str();
        r.last_position = rows[0][1].as<std::int64_t>();
        r.updated_at = rows[0][2].c_str();
        r.last_error = rows[0][3].c_str();
      }
      r.lag_events = txn.exec_params1(lag_events_sql, xid, r.last_position)[0]
                       .as<std::int64_t>();
      auto oldest = txn.exec_params(lag_seconds_sql, xid, r.last_position);
      if (!oldest.empty())
        r.lag_seconds = oldest[0][0].as<double>();
      out.push_back(std::move(r));
    }
    return out;
  } catch (const pqxx::failure& e) {
    return make_error(errc::unavailable, "reading the checkpoints failed: "
                                           + first_line(e.what()));
  }
}

std::vector<expected<rebuild_report>>
rebuild_all(const std::string& owner_url, std::vector<read_model> models,
            std::shared_ptr<const events::catalog> catalog,
            rebuild_progress progress, std::size_t batch) {
  auto started = std::chrono::steady_clock::now();
  std::vector<expected<rebuild_report>> out(
    models.size(), make_error(errc::unavailable, "not rebuilt"));
  std::vector<std::optional<copy_plan>> plans(models.size());
  std::set<std::string, std::less<>> types;
  std::size_t i = 0;
  try {
    pqxx::connection conn{owner_url};
    for (; i < models.size(); ++i) {
      auto plan = prepare_copy(conn, std::move(models[i]));
      if (!plan) {
        out[i] = plan.error();
        continue;
      }
      types.insert(plan->model.event_types.begin(),
                   plan->model.event_types.end());
      plans[i] = std::move(*plan);
    }
  } catch (const pqxx::failure& e) {
    // The database is gone: none of them is rebuilt.
    for (std::size_t k = 0; k < models.size(); ++k) {
      if (k < i && !plans[k])
        continue; // keeps its own error
      out[k] = make_error(errc::unavailable, "preparing the rebuild failed: "
                                               + first_line(e.what()));
      if (plans[k])
        drop_copy(owner_url, *plans[k]);
    }
    return out;
  }

  std::vector<std::unique_ptr<batch_queue>> queues;
  std::vector<batch_queue*> open;
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (!plans[i])
      continue;
    auto& queue = *queues.emplace_back(std::make_unique<batch_queue>());
    open.push_back(&queue);
    workers.emplace_back([&, i, q = &queue] {
      auto& queue = *q;
      auto& plan = *plans[i];
      try {
        out[i] = rebuild_one(owner_url, plan, queue, catalog, batch, started,
                             progress);
      } catch (const pqxx::failure& e) {
        out[i] =
          make_error(errc::unavailable, "rebuilding " + plan.model.name
                                          + " failed: " + first_line(e.what()));
      } catch (const std::exception& e) {
        out[i] = make_error(errc::unavailable, "rebuilding " + plan.model.name
                                                 + " failed: " + e.what());
      }
      if (!out[i]) {
        queue.abandon();
        drop_copy(owner_url, plan);
      }
    });
  }
  read_shared(owner_url, open, types, *catalog, batch, progress.read);
  for (auto& worker : workers)
    worker.join();
  return out;
}

expected<rebuild_report> rebuild(const std::string& owner_url, read_model model,
                                 std::shared_ptr<const events::catalog> catalog,
                                 rebuild_progress progress, std::size_t batch) {
  std::vector<read_model> one;
  one.push_back(std::move(model));
  return std::move(rebuild_all(owner_url, std::move(one), std::move(catalog),
                               std::move(progress), batch)
                     .front());
}

} // namespace larder::projections
