// The shapes larder's handlers write (http/api_*.cpp, projections/*.cpp
// write_json). Amounts are decimal strings, never numbers.

export type Role = "admin" | "member" | "auditor";

export interface Me {
  user: { id: string; email: string; global_admin: boolean };
  tenant: { id: string; name: string } | null;
  role: Role | null;
  tenants: { id: string; name: string; role: Role }[];
  csrf_token: string;
  session_expires_at: number | string;
}

export interface Tenant {
  id: string;
  name: string;
  brand: string;
  region: string;
  currency: string;
  inbound_alias: string;
  inbound_address: string;
  taxes: { kind: string; rate_percent: string }[];
  settings: {
    price_alert_threshold_percent: string;
    rejected_retention_days: number;
    sales_tax_percent: string;
    export_accounts: Record<string, { name: string; code: string }>;
  };
  members: { user_id: string; email: string; role: Role }[];
  invitations: { email: string; role: Role; invited_by: string }[];
  whatsapp_senders: { number: string; label: string; enabled: boolean }[];
  steps: { step: string; done: boolean }[];
  deactivated: boolean;
  version: number;
  position: number;
}

export type DisplayStatus =
  | "processing"
  | "awaiting_approval"
  | "approved_unpaid"
  | "approved_paid"
  | "rejected"
  | "failed"
  | "not_an_invoice";

export const displayStatuses: DisplayStatus[] = [
  "processing",
  "awaiting_approval",
  "approved_unpaid",
  "approved_paid",
  "rejected",
  "failed",
  "not_an_invoice",
];

export interface InvoiceRow {
  id: string;
  status: DisplayStatus;
  source: string;
  file_name: string;
  received_at: string;
  supplier_name: string | null;
  invoice_number: string | null;
  issue_date: string | null;
  due_date: string | null;
  currency: string | null;
  total: string | null;
  paid_on: string | null;
  duplicate_of: string | null;
  overall_confidence: string | null;
  line_count: number;
  version: number;
  updated_at: string;
}

export interface InvoicePage {
  invoices: InvoiceRow[];
  total: number;
  total_capped: boolean;
  sort: string;
  order: "asc" | "desc";
  limit: number;
  offset: number | null;
  next_offset: number | null;
  next_cursor: string | null;
}

export interface FieldValue {
  value: string | null;
  confidence: string | null;
  corrected: boolean;
}

export interface Line {
  line_no: number;
  description: string;
  quantity: string;
  unit: string;
  unit_price: string;
  line_total: string;
  tax_code: string;
  category: string | null;
  total_mismatch: boolean;
}

export interface InvoiceDetail {
  id: string;
  status: DisplayStatus | null;
  lifecycle_status: string;
  version: number;
  position: number;
  updated_at: string;
  document: {
    source: string;
    file_name: string;
    media_type: string;
    size_bytes: number;
    sha256: string;
    sender: string;
    received_at: string;
  };
  fields: Record<string, FieldValue>;
  overall_confidence: string | null;
  lines_confidence: string | null;
  taxes_confidence: string | null;
  lines: Line[];
  taxes: { kind: string; rate_percent: string; amount: string }[];
  extraction: {
    provider: string | null;
    model: string | null;
    attempts: number;
    cost: string;
    extracted_at: string | null;
    failure_reason: string | null;
    retryable: boolean;
  };
  not_an_invoice_reason: string | null;
  duplicate: { of: string; reason: string | null } | null;
  approval: { at: string; by: string | null } | null;
  rejection: { at: string; by: string | null; reason: string | null } | null;
  payment: { paid: boolean; paid_on: string | null; method: string | null; reference: string | null };
}

export interface HistoryEntry {
  version: number;
  position: number;
  at: string;
  type: string;
  actor: { kind: string; id: string; email: string };
  source: string;
  summary: string;
  changes: { field: string; from: string; to: string }[];
}

export interface MoneySum {
  currency: string | null;
  amount: string;
  invoices: number;
}

export interface Overview {
  today: string;
  currency: string | null;
  counts: Partial<Record<DisplayStatus, number>>;
  spend_this_month: MoneySum[];
  spend_last_month: MoneySum[];
  spend_by_month: { month: string; spend: MoneySum[] }[];
  top_suppliers: {
    /// The suppliers model's id (the /suppliers/{id} page).
    supplier_id: string;
    supplier_name: string;
    currency: string | null;
    amount: string;
    invoices: number;
  }[];
  awaiting_approval: { count: number; totals: MoneySum[] };
  unpaid: { count: number; totals: MoneySum[] };
  overdue: { count: number; totals: MoneySum[] };
  extraction_cost_this_month: { currency: string; amount: string };
}

export interface SupplierTotals {
  currency: string;
  approved_invoices: number;
  spend: string;
  average: string;
  unpaid_invoices: number;
  unpaid: string;
}

export interface Supplier {
  id: string;
  name: string;
  tax_id: string | null;
  invoice_count: number;
  approved_count: number;
  last_invoice_date: string;
  totals: SupplierTotals[];
}

export interface SupplierItem {
  id: string;
  supplier_id: string;
  description: string;
  unit: string;
  currency: string;
  latest_price: string;
  latest_on: string;
  latest_invoice_id: string;
  change_percent: string | null;
  observations: number;
}

export interface PricePoint {
  observed_on: string;
  invoice_id: string;
  invoice_number: string | null;
  unit_price: string;
  previous_price: string | null;
  change_percent: string | null;
  alert: boolean;
}

export interface PriceAlert {
  id: string;
  observed_on: string;
  supplier: { id: string; name: string };
  item: { id: string; description: string; unit: string };
  currency: string;
  old_price: string;
  new_price: string;
  percent: string;
  threshold_percent: string;
  invoice: { id: string; number: string | null };
  previous_invoice: { id: string; number: string | null; observed_on: string };
  acknowledged: boolean;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
}

export interface SupplierInvoice {
  id: string;
  number: string | null;
  issue_date: string | null;
  due_date: string | null;
  invoice_date: string;
  /// The lifecycle status (received, approved…).
  status: string;
  display_status: DisplayStatus;
  paid: boolean;
  paid_on: string | null;
  total: string | null;
  currency: string;
}

// -- exports (projections/exports: write_json of export_summary and
// export_record; http/api_exports.cpp) --------------------------------------

export type ExportFormat = "excel" | "quickbooks" | "xero" | "journal" | "universal";

export interface ExportCurrencyTotals {
  currency: string;
  invoices: number;
  subtotal: string;
  tax: string;
  total: string;
  paid: string;
  unpaid: string;
  /// By tax kind: {gst: "5.00", qst: "9.98"}.
  taxes: Record<string, string>;
}

export interface ExcludedInvoice {
  id: string;
  supplier_name: string | null;
  invoice_number: string | null;
  issue_date: string | null;
  status: DisplayStatus;
  /// "not approved (processing)", "no supplier", "no issue date",
  /// "no currency", "no total".
  reason: string;
}

export interface ExportSummary {
  selected: number;
  exportable: number;
  lines: number;
  excluded: number;
  /// CSV files a Xero export needs (500 bills each; more than one is a zip).
  xero_files: number;
  totals: ExportCurrencyTotals[];
  excluded_by_reason: Record<string, number>;
  /// The first 100 of them.
  excluded_invoices: ExcludedInvoice[];
}

/// The filters an export was made with, as the server recorded them.
export interface ExportRecordFilters {
  issue_from?: string;
  issue_to?: string;
  status?: DisplayStatus[];
  paid?: "yes" | "no";
  supplier?: string;
  file?: "invoices" | "lines";
}

export interface ExportRecord {
  export_id: string;
  format: ExportFormat;
  file_name: string;
  filters: ExportRecordFilters;
  invoices: number;
  exported_at: string;
  exported_by: string | null;
}

export interface ExportHistory {
  exports: ExportRecord[];
}

/// GET /api/config: what the app needs before anyone signs in.
export interface ClientConfig {
  environment: "development" | "production";
  mail_domain: string;
  /// In development without SMTP, where sign-in mail is written.
  dev_outbox: string | null;
}
