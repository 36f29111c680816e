-- The invoices model keeps what changes with approval, rejection and
-- payment in a narrow row of its own, so marking an invoice paid or unpaid,
-- approving or rejecting it rewrites that row and its two indexes, not the
-- whole invoice with its words, confidences and eight indexes
-- (docs/decisions/0010-invoice-statuses-apart.md).
--
-- Every invoice in rm_invoices.invoices has exactly one row here, with the
-- same tenant; the model writes both in the same transaction.

CREATE TABLE rm_invoices.statuses (
  invoice_id        uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL,
  -- The stream version and global position of the last event applied.
  version           bigint NOT NULL,
  position          bigint NOT NULL,
  updated_at        timestamptz NOT NULL,
  -- As described in 004_invoices.sql, which held them until now.
  status            text NOT NULL,
  display_status    text NOT NULL,
  status_rank       smallint NOT NULL,
  approved_at       timestamptz,
  approved_by       text,
  rejected_at       timestamptz,
  rejected_by       text,
  rejection_reason  text,
  paid              boolean NOT NULL,
  paid_on           date,
  payment_method    text,
  payment_reference text
);

INSERT INTO rm_invoices.statuses
SELECT invoice_id, tenant_id, version, position, updated_at, status,
       display_status, status_rank, approved_at, approved_by, rejected_at,
       rejected_by, rejection_reason, paid, paid_on, payment_method,
       payment_reference
  FROM rm_invoices.invoices;

-- The list filtered or sorted by status walks this, as it walked
-- invoices_by_status.
CREATE INDEX statuses_by_status ON rm_invoices.statuses
  (tenant_id, status_rank, invoice_id);

-- Dropping status_rank drops invoices_by_status with it.
ALTER TABLE rm_invoices.invoices
  DROP COLUMN version,
  DROP COLUMN position,
  DROP COLUMN updated_at,
  DROP COLUMN status,
  DROP COLUMN display_status,
  DROP COLUMN status_rank,
  DROP COLUMN approved_at,
  DROP COLUMN approved_by,
  DROP COLUMN rejected_at,
  DROP COLUMN rejected_by,
  DROP COLUMN rejection_reason,
  DROP COLUMN paid,
  DROP COLUMN paid_on,
  DROP COLUMN payment_method,
  DROP COLUMN payment_reference;

GRANT SELECT, INSERT, UPDATE, DELETE ON rm_invoices.statuses TO larder_app;
