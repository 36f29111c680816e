-- The record of exports to the books (projections/exports/exported.cpp).
-- Each export appends InvoicesExported events to its own stream
-- ("export-<export id>"); this model lists them per tenant and, per
-- invoice, the exports that included it, for the audit history.
--
-- Plain tables and indexes only: a rebuild copies with LIKE … INCLUDING ALL.

CREATE SCHEMA rm_exports;
REVOKE ALL ON SCHEMA rm_exports FROM PUBLIC;
GRANT USAGE ON SCHEMA rm_exports TO larder_app;

CREATE TABLE rm_exports.exports (
  export_id   uuid PRIMARY KEY,
  tenant_id   uuid NOT NULL,
  -- excel, quickbooks, xero, journal, universal
  format      text NOT NULL,
  file_name   text NOT NULL,
  -- The filters as the request gave them: {"issue_from": …, "status": […]}.
  filters     jsonb NOT NULL,
  invoices    bigint NOT NULL,
  exported_at timestamptz NOT NULL,
  -- The user who downloaded it (rm.users), when a person did.
  exported_by uuid
);

CREATE INDEX exports_by_tenant ON rm_exports.exports
  (tenant_id, exported_at DESC, export_id);

CREATE TABLE rm_exports.exported_invoices (
  invoice_id uuid NOT NULL,
  export_id  uuid NOT NULL,
  tenant_id  uuid NOT NULL,
  PRIMARY KEY (invoice_id, export_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA rm_exports
  TO larder_app;
