-- The invoices read model (projections/invoices.cpp): one row per invoice
-- that is not deleted, as its stream says it is now, for the invoice list,
-- the invoice page and the dashboard. Derived from the invoice streams;
-- rebuilt into a copy of this schema by `larder projections rebuild`, so it
-- holds plain tables and indexes only.

CREATE SCHEMA rm_invoices;
REVOKE ALL ON SCHEMA rm_invoices FROM PUBLIC;
GRANT USAGE ON SCHEMA rm_invoices TO larder_app;

CREATE TABLE rm_invoices.invoices (
  invoice_id            uuid PRIMARY KEY,
  tenant_id             uuid NOT NULL,
  -- The domain's status, and what a person sees (projections::display_status).
  status                text NOT NULL,
  display_status        text NOT NULL,
  paid                  boolean NOT NULL,
  paid_on               date,
  payment_method        text,
  payment_reference     text,
  source                text NOT NULL,
  file_name             text NOT NULL,
  media_type            text NOT NULL,
  size_bytes            bigint NOT NULL,
  sha256                text NOT NULL,
  sender                text NOT NULL,
  received_at           timestamptz NOT NULL,
  supplier_name         text,
  supplier_tax_id       text,
  invoice_number        text,
  issue_date            date,
  due_date              date,
  currency              text,
  subtotal              numeric(20, 4),
  tax_total             numeric(20, 4),
  total                 numeric(20, 4),
  purchase_order        text,
  payment_terms         text,
  -- Field name → confidence in [0, 1]; fields a person corrected.
  confidence            jsonb NOT NULL,
  overall_confidence    numeric(8, 4),
  corrected_fields      jsonb NOT NULL,
  lines                 jsonb NOT NULL,
  taxes                 jsonb NOT NULL,
  provider              text NOT NULL,
  model                 text NOT NULL,
  extraction_attempts   integer NOT NULL,
  extraction_cost       numeric(20, 4) NOT NULL,
  extracted_at          timestamptz,
  duplicate_of          uuid,
  duplicate_reason      text,
  failure_reason        text,
  failure_retryable     boolean NOT NULL,
  not_an_invoice_reason text,
  rejection_reason      text,
  approved_at           timestamptz,
  approved_by           text,
  rejected_at           timestamptz,
  rejected_by           text,
  updated_at            timestamptz NOT NULL,
  version               bigint NOT NULL,
  position              bigint NOT NULL,
  -- Supplier, invoice number and line descriptions, lower-case and without
  -- accents (folded in C++ as queries fold what a person types).
  search                tsvector NOT NULL
);

CREATE INDEX invoices_by_received ON rm_invoices.invoices
  (tenant_id, received_at DESC, invoice_id);
CREATE INDEX invoices_by_status ON rm_invoices.invoices
  (tenant_id, display_status, received_at DESC);
CREATE INDEX invoices_by_issue ON rm_invoices.invoices
  (tenant_id, issue_date, invoice_id);
CREATE INDEX invoices_by_due ON rm_invoices.invoices
  (tenant_id, due_date, invoice_id);
CREATE INDEX invoices_by_total ON rm_invoices.invoices
  (tenant_id, total, invoice_id);
CREATE INDEX invoices_by_supplier ON rm_invoices.invoices
  (tenant_id, lower(supplier_name), invoice_id);
CREATE INDEX invoices_search ON rm_invoices.invoices USING gin (search);

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA rm_invoices
  TO larder_app;
