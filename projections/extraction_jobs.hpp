#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/transaction_base>

#include "events/uuid.hpp"
#include "projections/runner.hpp"

/// The queue of the extraction process manager as a read model of the log
/// (schema/007_extraction_jobs.sql): DocumentReceived and ReprocessRequested
/// make an invoice's job pending; the outcome the manager records
/// (ExtractionSucceeded, ExtractionFailed, MarkedNotAnInvoice) makes it
/// done; InvoiceDeleted removes it. Because the state comes from the log, a
/// restart — or a rebuild — finds exactly the work still to do.
namespace larder::projections {

/// The model "extraction_jobs" over schema `pm_extraction`.
read_model extraction_jobs_model();

/// One document waiting to be read.
struct extraction_job {
  events::uuid invoice_id;
  events::uuid tenant_id;
  std::string sha256;
  std::string media_type;
  /// Earlier runs that ended in a retryable failure.
  int tries = 0;
};

/// Pending jobs whose backoff has passed, oldest document first, at most
/// `limit`, leaving out `busy` (jobs running now).
std::vector<extraction_job>
due_extraction_jobs(pqxx::transaction_base& txn, std::size_t limit,
                    const std::vector<events::uuid>& busy);

/// Records a run of `invoice_id`'s job: `tries` so far, and no new run
/// before `delay` has passed. `error` is kept for operators (empty clears
/// it); it never reaches a client.
void postpone_extraction_job(pqxx::transaction_base& txn,
                             const events::uuid& invoice_id, int tries,
                             std::chrono::milliseconds delay,
                             std::string_view error);

/// Counts of pending jobs (all, and due now), for /metrics and status.
struct extraction_queue {
  std::int64_t pending = 0;
  std::int64_t due = 0;
};
extraction_queue extraction_queue_size(pqxx::transaction_base& txn);

} // namespace larder::projections
