// The Exports page's logic: the query every export endpoint takes
// (projections/exports parse_export_filter), the download address, and how
// the summary's reasons and the history's filters read in the UI.

import type { MessageKey, Vars } from "./i18n";
import { displayStatuses, type DisplayStatus, type ExportFormat, type ExportRecordFilters } from "./types";

export type { ExportFormat };
export const exportFormats: ExportFormat[] = ["excel", "quickbooks", "xero", "journal", "universal"];

/// The universal CSV holds the invoices (one row each) or their lines.
export type UniversalFile = "invoices" | "lines";

export interface ExportFilters {
  issueFrom: string;
  issueTo: string;
  statuses: DisplayStatus[];
  paid: "" | "yes" | "no";
  supplier: string;
}

/// What the page starts with: what can go to the books.
export const defaultExportFilters: ExportFilters = {
  issueFrom: "",
  issueTo: "",
  statuses: ["approved_unpaid", "approved_paid"],
  paid: "",
  supplier: "",
};

/// The filters' query, shared by the summary and every download. Statuses
/// go in the order the app lists them, so the summary's cache key does not
/// depend on the order they were clicked in.
export function exportQuery(f: ExportFilters): string {
  const p = new URLSearchParams();
  if (f.issueFrom) p.set("issue_from", f.issueFrom);
  if (f.issueTo) p.set("issue_to", f.issueTo);
  const statuses = displayStatuses.filter((s) => f.statuses.includes(s));
  if (statuses.length) p.set("status", statuses.join(","));
  if (f.paid) p.set("paid", f.paid);
  if (f.supplier.trim()) p.set("supplier", f.supplier.trim());
  return p.toString();
}

/// The download's address: the filters, `file` for the universal CSV (the
/// server refuses it for the other formats), and `after` so an export made
/// right after an approval includes it.
export function exportHref(format: ExportFormat, f: ExportFilters, file: UniversalFile, after = 0): string {
  const p = new URLSearchParams(exportQuery(f));
  if (format === "universal" && file === "lines") p.set("file", "lines");
  if (after > 0) p.set("after", String(after));
  const q = p.toString();
  return "/api/exports/" + format + (q ? "?" + q : "");
}

/// The filters' own problem, found before asking the server.
export function exportFilterProblem(f: ExportFilters): "issue_range" | null {
  return f.issueFrom && f.issueTo && f.issueFrom > f.issueTo ? "issue_range" : null;
}

/// A Xero export of more than one file (500 bills each) comes as a zip.
export function xeroZipFiles(format: ExportFormat, xeroFiles: number): number | null {
  return format === "xero" && xeroFiles > 1 ? xeroFiles : null;
}

export interface Phrase {
  key: MessageKey;
  vars?: Vars;
}

const reasonKeys: Record<string, MessageKey> = {
  "no supplier": "exports.reason.no_supplier",
  "no issue date": "exports.reason.no_issue_date",
  "no currency": "exports.reason.no_currency",
  "no total": "exports.reason.no_total",
};

/// Why an invoice is left out, as the server says it
/// (unexportable_reason), in the UI's words; null for a reason this app
/// does not know (shown as the server wrote it).
export function reasonPhrase(reason: string): Phrase | null {
  const m = /^not approved \(([a-z_]+)\)$/.exec(reason);
  if (m && (displayStatuses as string[]).includes(m[1]!))
    return { key: "exports.reason.not_approved", vars: { status: m[1]! } };
  if (reason === "not approved") return { key: "exports.reason.not_approved_plain" };
  const key = reasonKeys[reason];
  return key ? { key } : null;
}

/// The filters an earlier export was made with, as short phrases (empty:
/// everything); `date` and `status` say a date and a status in the UI's
/// language.
export function recordFilterPhrases(
  f: ExportRecordFilters,
  date: (d: string) => string = (d) => d,
  status: (s: DisplayStatus) => string = (s) => s,
): Phrase[] {
  const out: Phrase[] = [];
  if (f.issue_from && f.issue_to)
    out.push({ key: "exports.filter.issued_between", vars: { from: date(f.issue_from), to: date(f.issue_to) } });
  else if (f.issue_from) out.push({ key: "exports.filter.issued_from", vars: { from: date(f.issue_from) } });
  else if (f.issue_to) out.push({ key: "exports.filter.issued_to", vars: { to: date(f.issue_to) } });
  if (f.status?.length) out.push({ key: "exports.filter.statuses", vars: { statuses: f.status.map(status).join(", ") } });
  if (f.paid === "yes") out.push({ key: "exports.paid_yes" });
  if (f.paid === "no") out.push({ key: "exports.paid_no" });
  if (f.supplier) out.push({ key: "exports.filter.supplier", vars: { supplier: f.supplier } });
  if (f.file === "lines") out.push({ key: "exports.file.lines" });
  return out;
}
