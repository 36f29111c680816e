-- The extraction process manager's queue (projections/extraction_jobs.cpp,
-- actors/extraction_manager.cpp). The log is the queue (DESIGN.md §6): a
-- DocumentReceived or ReprocessRequested makes a job pending; the result
-- the manager records (ExtractionSucceeded, ExtractionFailed,
-- MarkedNotAnInvoice) or a deletion ends it. The projection writes `state`
-- from events, in the same transaction as its checkpoint; the manager only
-- writes its bookkeeping (`tries`, `not_before`, `last_error`). A restart
-- finds every pending job again, so interrupted work resumes.
--
-- Plain tables and indexes only: a rebuild copies with LIKE … INCLUDING ALL.

CREATE SCHEMA pm_extraction;
REVOKE ALL ON SCHEMA pm_extraction FROM PUBLIC;
GRANT USAGE ON SCHEMA pm_extraction TO larder_app;

CREATE TABLE pm_extraction.jobs (
  invoice_id  uuid PRIMARY KEY,
  tenant_id   uuid NOT NULL,
  sha256      text NOT NULL,
  media_type  text NOT NULL,
  -- 'pending' until the invoice records a result; then 'done'.
  state       text NOT NULL,
  -- The global position of the event that made the job pending: jobs run
  -- in the order documents arrived.
  position    bigint NOT NULL,
  -- Runs of this job that ended in a retryable failure, and when the next
  -- may start (backoff).
  tries       integer NOT NULL DEFAULT 0,
  not_before  timestamptz NOT NULL DEFAULT now(),
  last_error  text
);

CREATE INDEX jobs_pending ON pm_extraction.jobs (position)
  WHERE state = 'pending';

GRANT SELECT, INSERT, UPDATE, DELETE ON pm_extraction.jobs TO larder_app;
