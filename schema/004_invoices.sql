-- The invoices read model (projections/invoices.cpp): one row per invoice
-- that is not deleted, as its stream says it is now, with its lines; and
-- per tenant the sums the dashboard and the list's totals read (invoices by
-- status, spend by month, open amounts by due date, extraction cost by
-- month). Derived from the invoice streams only.
--
-- `larder projections rebuild` copies every table here empty (LIKE …
-- INCLUDING ALL) into a fresh schema, runs the model into it and swaps the
-- schemas, so this schema holds plain tables and indexes only: no
-- sequences, triggers, views or foreign keys.

CREATE SCHEMA rm_invoices;
REVOKE ALL ON SCHEMA rm_invoices FROM PUBLIC;
GRANT USAGE ON SCHEMA rm_invoices TO larder_app;

-- The row also holds every part of the invoice's state that later events
-- build on, so a batch continues an invoice from its row, never from its
-- stream.
CREATE TABLE rm_invoices.invoices (
  invoice_id            uuid PRIMARY KEY,
  tenant_id             uuid NOT NULL,
  -- The stream version and global position of the last event applied.
  version               bigint NOT NULL,
  position              bigint NOT NULL,
  updated_at            timestamptz NOT NULL,
  -- The domain's status (received, extracting, awaiting_approval, approved,
  -- rejected, failed, not_an_invoice) and what a person sees, computed by
  -- projections::display_status_of only; status_rank orders display
  -- statuses along the lifecycle (processing 0 … not_an_invoice 6).
  status                text NOT NULL,
  display_status        text NOT NULL,
  status_rank           smallint NOT NULL,
  -- The document, as intake described it.
  source                text NOT NULL,
  file_name             text NOT NULL,
  media_type            text NOT NULL,
  size_bytes            bigint NOT NULL,
  sha256                text NOT NULL,
  sender                text NOT NULL,
  received_at           timestamptz NOT NULL,
  -- Header fields as extracted and corrected; NULL while unknown.
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
  -- The supplier name lower-case and without accents, to sort and match by,
  -- and the supplier's key as the suppliers model has it (projections::
  -- supplier_key: "tax:<number>", else "name:<normalized name>").
  supplier_sort         text COLLATE "C",
  supplier_key          text,
  -- {"field": "0.91", …, "lines": …, "taxes": …} and the fields a person
  -- corrected since the last extraction (["invoice_number"]).
  confidence            jsonb NOT NULL,
  overall_confidence    numeric(20, 4),
  corrected_fields      jsonb NOT NULL,
  -- [{"kind": "gst", "rate_percent": "5", "amount": "2.5"}, …]
  taxes                 jsonb NOT NULL,
  line_count            integer NOT NULL,
  -- The last successful extraction; cost sums every attempt (US dollars).
  provider              text NOT NULL,
  model                 text NOT NULL,
  extraction_attempts   integer NOT NULL,
  extraction_cost       numeric(20, 4) NOT NULL,
  extracted_at          timestamptz,
  failure_reason        text,
  failure_retryable     boolean NOT NULL,
  not_an_invoice_reason text,
  duplicate_of          uuid,
  duplicate_reason      text,
  -- Who decided, and when: set while approved, or while rejected.
  approved_at           timestamptz,
  approved_by           text,
  rejected_at           timestamptz,
  rejected_by           text,
  rejection_reason      text,
  paid                  boolean NOT NULL,
  paid_on               date,
  payment_method        text,
  payment_reference     text,
  -- The words of the supplier's name, the invoice number and the line
  -- descriptions, lower-case and without accents, each after the tenant's
  -- tag ('1f0c9a2e:beurre'): folded in C++, as the words a person searches
  -- for are (projections::search_words).
  search                tsvector NOT NULL
);

-- One per sort the list offers, each also serving its range filter; the
-- invoice id breaks ties, so keyset pages walk these in order.
CREATE INDEX invoices_by_received ON rm_invoices.invoices
  (tenant_id, received_at, invoice_id);
CREATE INDEX invoices_by_issue ON rm_invoices.invoices
  (tenant_id, issue_date, invoice_id);
CREATE INDEX invoices_by_due ON rm_invoices.invoices
  (tenant_id, due_date, invoice_id);
CREATE INDEX invoices_by_total ON rm_invoices.invoices
  (tenant_id, total, invoice_id);
CREATE INDEX invoices_by_supplier ON rm_invoices.invoices
  (tenant_id, supplier_sort, invoice_id);
CREATE INDEX invoices_by_status ON rm_invoices.invoices
  (tenant_id, status_rank, invoice_id);
CREATE INDEX invoices_by_supplier_key ON rm_invoices.invoices
  (tenant_id, supplier_key);
CREATE INDEX invoices_search ON rm_invoices.invoices USING gin (search);

-- The lines of an invoice that is not deleted, numbered from 1 in the
-- order the invoice lists them.
CREATE TABLE rm_invoices.lines (
  invoice_id     uuid NOT NULL,
  line_no        integer NOT NULL,
  tenant_id      uuid NOT NULL,
  description    text NOT NULL,
  quantity       numeric(20, 4) NOT NULL,
  unit           text NOT NULL,
  unit_price     numeric(20, 4) NOT NULL,
  line_total     numeric(20, 4) NOT NULL,
  tax_code       text NOT NULL,
  category       text,
  total_mismatch boolean NOT NULL,
  PRIMARY KEY (invoice_id, line_no)
);

-- How many invoices (not deleted) each tenant has in each display status
-- (status_rank, as above); no row for none. The total of a list filtered
-- by status alone, and the dashboard's counts.
CREATE TABLE rm_invoices.status_counts (
  tenant_id   uuid NOT NULL,
  status_rank smallint NOT NULL,
  invoices    bigint NOT NULL,
  PRIMARY KEY (tenant_id, status_rank)
);

-- The totals of approved invoices (paid or not) per tenant, month of the
-- invoice date (the issue date, else the UTC day the document came),
-- currency, supplier key and name ('' for none): the dashboard's spend.
CREATE TABLE rm_invoices.monthly_spend (
  tenant_id     uuid NOT NULL,
  month         date NOT NULL,
  currency      text NOT NULL,
  supplier_key  text NOT NULL,
  supplier_name text NOT NULL,
  invoices      bigint NOT NULL,
  amount        numeric(20, 4) NOT NULL,
  PRIMARY KEY (tenant_id, month, currency, supplier_key, supplier_name)
);

-- Invoices awaiting approval (status_rank 1) or approved and not paid (2)
-- per tenant, currency ('' for none) and due date ('infinity' for none):
-- how many, how many with a total, and their totals. The dashboard's
-- pending, unpaid and overdue amounts.
CREATE TABLE rm_invoices.open_amounts (
  tenant_id   uuid NOT NULL,
  status_rank smallint NOT NULL,
  currency    text NOT NULL,
  due_date    date NOT NULL,
  invoices    bigint NOT NULL,
  with_total  bigint NOT NULL,
  amount      numeric(20, 4) NOT NULL,
  PRIMARY KEY (tenant_id, status_rank, currency, due_date)
);

-- What successful extractions cost each tenant each month (UTC, the first
-- of the month), in US dollars, deleted invoices included: the money is
-- spent either way.
CREATE TABLE rm_invoices.extraction_costs (
  tenant_id   uuid NOT NULL,
  month       date NOT NULL,
  extractions bigint NOT NULL,
  cost        numeric(20, 4) NOT NULL,
  PRIMARY KEY (tenant_id, month)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA rm_invoices
  TO larder_app;
