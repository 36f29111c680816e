#include "projections/extraction_jobs.hpp"

#include <map>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "actors/invoice/invoice.hpp"
#include "events/pg_array.hpp"

namespace larder::projections {

namespace {

// -- SQL: apply (unqualified: the runner sets search_path) -------------------
//
// A batch's events are folded per invoice in memory and written in three
// set-based statements, not one statement per event: a rebuild took 33 s
// for 1,000,000 events that way. A job may start from the time of the
// event that made it pending, so that a rebuild writes exactly what the
// live model wrote.

/// Jobs that end the batch deleted, or that were deleted before being
/// received again within it.
constexpr auto delete_sql =
  "DELETE FROM jobs WHERE invoice_id = ANY($1::uuid[])";

/// Jobs received in the batch; what was received before keeps its tenant,
/// document and media type.
constexpr auto upsert_sql =
  "INSERT INTO jobs (invoice_id, tenant_id, sha256, media_type, state,"
  "                  position, not_before)"
  " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[],"
  "                      $5::text[], $6::bigint[], $7::timestamptz[])"
  " ON CONFLICT (invoice_id) DO UPDATE"
  "   SET state = excluded.state, position = excluded.position, tries = 0,"
  "       not_before = excluded.not_before, last_error = NULL";

/// Jobs reprocessed (position and start time given) or finished (state
/// only) in the batch without being received in it.
constexpr auto update_sql =
  "UPDATE jobs j"
  "   SET state = u.state,"
  "       position = coalesce(u.position, j.position),"
  "       tries = CASE WHEN u.position IS NULL THEN j.tries ELSE 0 END,"
  "       not_before = coalesce(u.not_before, j.not_before),"
  "       last_error = CASE WHEN u.position IS NULL THEN j.last_error END"
  "  FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::timestamptz[])"
  "       AS u(invoice_id, state, position, not_before)"
  " WHERE j.invoice_id = u.invoice_id";

// -- SQL: the manager's queries (qualified: they run outside the runner) ----

constexpr auto due_sql =
  "SELECT invoice_id::text, tenant_id::text, sha256, media_type, tries"
  "  FROM pm_extraction.jobs"
  " WHERE state = 'pending' AND not_before <= now()"
  "   AND NOT (invoice_id = ANY($1::uuid[]))"
  " ORDER BY position"
  " LIMIT $2";

constexpr auto postpone_sql =
  "UPDATE pm_extraction.jobs"
  "   SET tries = $2, not_before = now() + $3 * interval '1 millisecond',"
  "       last_error = NULLIF($4, '')"
  " WHERE invoice_id = $1::uuid";

constexpr auto queue_sql =
  "SELECT count(*), count(*) FILTER (WHERE not_before <= now())"
  "  FROM pm_extraction.jobs WHERE state = 'pending'";

std::optional<events::uuid> invoice_of(std::string_view stream_id) {
  constexpr std::string_view prefix = "invoice-";
  if (!stream_id.starts_with(prefix))
    return std::nullopt;
  return events::uuid::parse(stream_id.substr(prefix.size()));
}

/// What a batch's events did to one invoice's job, in order.
struct job_change {
  /// The job ends the batch deleted.
  bool removed = false;
  /// It was deleted before being received again: delete, then insert.
  bool deleted_first = false;
  /// Received in the batch: the row's own fields are known.
  bool received = false;
  std::string tenant_id, sha256, media_type;
  /// 'pending' or 'done'; empty when nothing set it.
  std::string state;
  /// Set by receiving or reprocessing: the job starts over from here.
  std::optional<std::int64_t> position;
  std::string not_before;
};

struct job_batch {
  std::map<std::string, job_change> jobs;
};

std::optional<error> buffer_event(job_batch& batch,
                                  const events::recorded_event& ev) {
  auto id = invoice_of(ev.env.stream_id);
  if (!id)
    return make_error(errc::invalid_argument,
                      "not an invoice stream: " + ev.env.stream_id);
  const auto& type = ev.env.event_type;
  auto& job = batch.jobs[id->to_string()];
  if (type == domain::document_received::type) {
    auto decoded = domain::invoice_entity::decode(ev.env);
    if (!decoded)
      return decoded.error();
    const auto& d = std::get<domain::document_received>(*decoded);
    job.deleted_first = job.deleted_first || job.removed;
    job.removed = false;
    job.received = true;
    job.tenant_id = ev.env.tenant_id.to_string();
    job.sha256 = d.sha256;
    job.media_type = d.media_type;
    job.state = "pending";
    job.position = ev.global_position;
    job.not_before = ev.env.recorded_at;
  } else if (type == domain::invoice_deleted::type) {
    job = job_change{};
    job.removed = true;
  } else if (job.removed) {
    // An UPDATE of a deleted row changes nothing.
  } else if (type == domain::reprocess_requested::type) {
    job.state = "pending";
    job.position = ev.global_position;
    job.not_before = ev.env.recorded_at;
  } else {
    job.state = "done";
  }
  return std::nullopt;
}

std::optional<error> flush_batch(pqxx::work& txn, job_batch& batch) {
  events::pg_array gone;
  events::pg_array in_ids, in_tenants, in_shas, in_media, in_states,
    in_positions, in_times;
  events::pg_array up_ids, up_states, up_positions, up_times;
  std::size_t deletes = 0, upserts = 0, updates = 0;
  for (const auto& [id, job] : batch.jobs) {
    if (job.removed || job.deleted_first) {
      gone.add(id);
      ++deletes;
    }
    if (job.removed)
      continue;
    if (job.received) {
      in_ids.add(id);
      in_tenants.add(job.tenant_id);
      in_shas.add(job.sha256);
      in_media.add(job.media_type);
      in_states.add(job.state);
      in_positions.add(*job.position);
      in_times.add(job.not_before);
      ++upserts;
    } else if (!job.state.empty()) {
      up_ids.add(id);
      up_states.add(job.state);
      if (job.position) {
        up_positions.add(*job.position);
        up_times.add(job.not_before);
      } else {
        up_positions.add_null();
        up_times.add_null();
      }
      ++updates;
    }
  }
  if (deletes > 0)
    txn.exec_params(delete_sql, gone.take());
  if (upserts > 0)
    txn.exec_params(upsert_sql, in_ids.take(), in_tenants.take(),
                    in_shas.take(), in_media.take(), in_states.take(),
                    in_positions.take(), in_times.take());
  if (updates > 0)
    txn.exec_params(update_sql, up_ids.take(), up_states.take(),
                    up_positions.take(), up_times.take());
  return std::nullopt;
}

} // namespace

read_model extraction_jobs_model() {
  read_model m;
  m.name = "extraction_jobs";
  m.schema = "pm_extraction";
  m.event_types = {
    domain::document_received::type,     domain::reprocess_requested::type,
    domain::extraction_succeeded::type,  domain::extraction_failed::type,
    domain::marked_not_an_invoice::type, domain::invoice_deleted::type};
  auto batch = std::make_shared<job_batch>();
  m.apply = [batch](pqxx::work&, const events::recorded_event& ev) {
    return buffer_event(*batch, ev);
  };
  m.flush = [batch](pqxx::work& txn) -> std::optional<error> {
    if (batch->jobs.empty())
      return std::nullopt;
    auto failed = flush_batch(txn, *batch);
    batch->jobs.clear();
    return failed;
  };
  m.discard = [batch] {
    batch->jobs.clear();
  };
  return m;
}

std::vector<extraction_job>
due_extraction_jobs(pqxx::transaction_base& txn, std::size_t limit,
                    const std::vector<events::uuid>& busy) {
  std::vector<extraction_job> out;
  events::pg_array busy_ids;
  for (const auto& id : busy)
    busy_ids.add_unquoted(id.to_string());
  for (const auto& row : txn.exec_params(due_sql, busy_ids.take(),
                                         static_cast<std::int64_t>(limit))) {
    extraction_job job;
    job.invoice_id = *events::uuid::parse(row[0].c_str());
    job.tenant_id = *events::uuid::parse(row[1].c_str());
    job.sha256 = row[2].c_str();
    job.media_type = row[3].c_str();
    job.tries = row[4].as<int>();
    out.push_back(std::move(job));
  }
  return out;
}

void postpone_extraction_job(pqxx::transaction_base& txn,
                             const events::uuid& invoice_id, int tries,
                             std::chrono::milliseconds delay,
                             std::string_view error) {
  txn.exec_params(postpone_sql, invoice_id.to_string(), tries,
                  static_cast<std::int64_t>(delay.count()), std::string{error});
}

extraction_queue extraction_queue_size(pqxx::transaction_base& txn) {
  auto row = txn.exec1(queue_sql);
  return {row[0].as<std::int64_t>(), row[1].as<std::int64_t>()};
}

} // namespace larder::projections
