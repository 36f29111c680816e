#include "projections/extraction_jobs.hpp"

#include <pqxx/pqxx>

#include "actors/invoice/invoice.hpp"

namespace larder::projections {

namespace {

// -- SQL: apply (unqualified: the runner sets search_path) -------------------
//
// A job may start from the time of the event that made it pending, so that
// a rebuild writes exactly what the live model wrote.

constexpr auto received_sql =
  "INSERT INTO jobs (invoice_id, tenant_id, sha256, media_type, state,"
  "                  position, not_before)"
  " VALUES ($1::uuid, $2::uuid, $3, $4, 'pending', $5, $6::timestamptz)"
  " ON CONFLICT (invoice_id) DO UPDATE"
  "   SET state = 'pending', position = excluded.position, tries = 0,"
  "       not_before = excluded.not_before, last_error = NULL";

constexpr auto reprocess_sql =
  "UPDATE jobs SET state = 'pending', position = $2, tries = 0,"
  "                not_before = $3::timestamptz, last_error = NULL"
  " WHERE invoice_id = $1::uuid";

constexpr auto done_sql =
  "UPDATE jobs SET state = 'done' WHERE invoice_id = $1::uuid";

constexpr auto deleted_sql = "DELETE FROM jobs WHERE invoice_id = $1::uuid";

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

std::optional<error> apply(pqxx::work& txn, const events::recorded_event& ev) {
  auto id = invoice_of(ev.env.stream_id);
  if (!id)
    return make_error(errc::invalid_argument,
                      "not an invoice stream: " + ev.env.stream_id);
  const auto& type = ev.env.event_type;
  auto invoice = id->to_string();
  if (type == domain::document_received::type) {
    auto decoded = domain::invoice_entity::decode(ev.env);
    if (!decoded)
      return decoded.error();
    const auto& d = std::get<domain::document_received>(*decoded);
    txn.exec_params(received_sql, invoice, ev.env.tenant_id.to_string(),
                    d.sha256, d.media_type, ev.global_position,
                    ev.env.recorded_at);
  } else if (type == domain::reprocess_requested::type) {
    txn.exec_params(reprocess_sql, invoice, ev.global_position,
                    ev.env.recorded_at);
  } else if (type == domain::invoice_deleted::type) {
    txn.exec_params(deleted_sql, invoice);
  } else {
    txn.exec_params(done_sql, invoice);
  }
  return std::nullopt;
}

/// A PostgreSQL array literal of uuids (their text has no characters that
/// need quoting).
std::string uuid_array(const std::vector<events::uuid>& ids) {
  std::string out = "{";
  for (const auto& id : ids) {
    if (out.size() > 1)
      out += ',';
    out += id.to_string();
  }
  return out + "}";
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
  m.apply = apply;
  return m;
}

std::vector<extraction_job>
due_extraction_jobs(pqxx::transaction_base& txn, std::size_t limit,
                    const std::vector<events::uuid>& busy) {
  std::vector<extraction_job> out;
  for (const auto& row : txn.exec_params(due_sql, uuid_array(busy),
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
