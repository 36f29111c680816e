-- The suppliers read model (projections/suppliers.cpp): who the tenant buys
-- from, what it spent with each, the unit prices of what it bought over
-- time, and the price rises that raised an alert. Derived from the invoice
-- streams and three tenant events; every row can be rebuilt from es.events
-- (DESIGN.md §7), and this model keeps its own copy of the invoice facts it
-- needs so that it can be rebuilt apart from the invoices model.
--
-- Plain tables and indexes only: a rebuild copies each table with
-- `CREATE TABLE … (LIKE rm_suppliers.t INCLUDING ALL)` and swaps schemas.
-- Ids are derived (uuid v8) in C++: the supplier id from the tenant and the
-- supplier key, an item id from the tenant, supplier key, item, unit and
-- currency, an alert id from the invoice and the item id.

CREATE SCHEMA rm_suppliers;
REVOKE ALL ON SCHEMA rm_suppliers FROM PUBLIC;
GRANT USAGE ON SCHEMA rm_suppliers TO larder_app;

-- What the model needs of a tenant: the currency of invoices that name none,
-- and the price alert threshold now in force (an approval records the one in
-- force when it happened, see invoices.threshold_percent).
CREATE TABLE rm_suppliers.tenants (
  tenant_id         uuid PRIMARY KEY,
  currency          text NOT NULL,
  threshold_percent numeric(7,2) NOT NULL
);

-- One row per invoice received and not deleted. `status`, `paid`, the
-- header fields and `items` are what the next batch folds its events onto;
-- `supplier_id`, `supplier_search` and `invoice_date` are derived from them.
-- `supplier_id` is set only while the invoice names a supplier and is awaiting
-- approval, approved or rejected: those are the supplier's invoices.
CREATE TABLE rm_suppliers.invoices (
  tenant_id         uuid NOT NULL,
  invoice_id        uuid NOT NULL,
  status            text NOT NULL,
  paid              boolean NOT NULL,
  paid_on           date,
  received_on       date NOT NULL,
  supplier_name     text NOT NULL,
  supplier_tax_id   text NOT NULL,
  invoice_number    text NOT NULL,
  issue_date        date,
  due_date          date,
  -- The invoice's currency, or the tenant's when the invoice names none.
  currency          text NOT NULL,
  minor_units       smallint NOT NULL,
  total             numeric(28,4),
  -- The tenant's threshold when the invoice was last approved.
  threshold_percent numeric(7,2),
  -- The item prices of its lines (projections::item_prices), one record
  -- per item: description US unit US unit price, records separated by RS.
  items             text NOT NULL,
  supplier_id       uuid,
  supplier_search   text NOT NULL,
  -- The issue date, else the day it was received: the date it counts under.
  invoice_date      date NOT NULL,
  PRIMARY KEY (tenant_id, invoice_id)
);
CREATE INDEX invoices_by_supplier ON rm_suppliers.invoices
  (tenant_id, supplier_id, invoice_date DESC, invoice_id DESC)
  WHERE supplier_id IS NOT NULL;

-- One row per supplier with at least one invoice. Counts are kept by the
-- batches as differences; name and last invoice date come from its most
-- recent invoice (by invoice date, then invoice id).
CREATE TABLE rm_suppliers.suppliers (
  tenant_id         uuid NOT NULL,
  supplier_id       uuid NOT NULL,
  -- "tax:<normalized tax number>" or "name:<normalized name>".
  supplier_key      text NOT NULL,
  name              text NOT NULL,
  search_text       text NOT NULL,
  tax_id            text NOT NULL,
  invoice_count     bigint NOT NULL,
  approved_count    bigint NOT NULL,
  last_invoice_date date NOT NULL,
  PRIMARY KEY (tenant_id, supplier_id)
);

-- Approved invoices with a total, per supplier and currency: what was spent
-- and what is still to pay. Currencies are never added together.
CREATE TABLE rm_suppliers.supplier_totals (
  tenant_id      uuid NOT NULL,
  supplier_id    uuid NOT NULL,
  currency       text NOT NULL,
  minor_units    smallint NOT NULL,
  approved_count bigint NOT NULL,
  spend          numeric(28,4) NOT NULL,
  unpaid_count   bigint NOT NULL,
  unpaid         numeric(28,4) NOT NULL,
  PRIMARY KEY (tenant_id, supplier_id, currency)
);

-- A price observation: one per approved invoice and item (normalized
-- description, unit and currency), dated by the invoice date. `alert` says
-- whether its rise over the observation before it in (observed_on,
-- invoice_id) order, rounded to two places, is above the threshold the
-- invoice was approved under; queries find that predecessor again by the
-- primary key, so a batch rewrites a row only when its flag flips.
CREATE TABLE rm_suppliers.prices (
  item_id           uuid NOT NULL,
  observed_on       date NOT NULL,
  invoice_id        uuid NOT NULL,
  tenant_id         uuid NOT NULL,
  supplier_id       uuid NOT NULL,
  alert_id          uuid NOT NULL,
  description       text NOT NULL,
  unit              text NOT NULL,
  unit_price        numeric(28,4) NOT NULL,
  threshold_percent numeric(7,2) NOT NULL,
  alert             boolean NOT NULL,
  PRIMARY KEY (item_id, observed_on, invoice_id)
);
CREATE INDEX prices_alerts ON rm_suppliers.prices
  (tenant_id, observed_on DESC, invoice_id DESC) WHERE alert;

-- One row per item with at least one observation: a supplier's items with
-- their most recent price.
CREATE TABLE rm_suppliers.items (
  tenant_id         uuid NOT NULL,
  item_id           uuid NOT NULL,
  supplier_id       uuid NOT NULL,
  item_key          text NOT NULL,
  unit_key          text NOT NULL,
  currency          text NOT NULL,
  minor_units       smallint NOT NULL,
  description       text NOT NULL,
  unit              text NOT NULL,
  latest_price      numeric(28,4) NOT NULL,
  latest_on         date NOT NULL,
  latest_invoice_id uuid NOT NULL,
  observations      bigint NOT NULL,
  PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX items_by_supplier ON rm_suppliers.items
  (tenant_id, supplier_id, item_key);

-- PriceAlertAcknowledged, kept apart from the alerts: an alert that goes
-- and comes back (its invoice rejected and approved again) is still
-- acknowledged.
CREATE TABLE rm_suppliers.acknowledgements (
  tenant_id       uuid NOT NULL,
  alert_id        uuid NOT NULL,
  acknowledged_by uuid NOT NULL,
  acknowledged_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, alert_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE
  ON rm_suppliers.tenants, rm_suppliers.invoices, rm_suppliers.suppliers,
     rm_suppliers.supplier_totals, rm_suppliers.prices, rm_suppliers.items,
     rm_suppliers.acknowledgements
  TO larder_app;
