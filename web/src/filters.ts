// The invoice list's filters live in the URL (so a dashboard tile can link
// to a filtered list and the back button works) and become the query of
// GET /api/invoices (projections/invoices.cpp parse_invoice_list_query).

import { api } from "./api";
import { displayStatuses, type DisplayStatus, type InvoicePage } from "./types";

export type SortKey = "received_at" | "issue_date" | "due_date" | "total" | "supplier" | "status";
export const sortKeys: SortKey[] = ["received_at", "issue_date", "due_date", "total", "supplier", "status"];
export const sources = ["upload", "email", "whatsapp", "api"] as const;
export type Source = (typeof sources)[number];

export interface InvoiceFilters {
  statuses: DisplayStatus[];
  supplier: string;
  q: string;
  issueFrom: string;
  issueTo: string;
  dueFrom: string;
  dueTo: string;
  minTotal: string;
  maxTotal: string;
  source: Source | "";
  sort: SortKey;
  order: "asc" | "desc";
  page: number;
  pageSize: number;
}

export const defaultFilters: InvoiceFilters = {
  statuses: [],
  supplier: "",
  q: "",
  issueFrom: "",
  issueTo: "",
  dueFrom: "",
  dueTo: "",
  minTotal: "",
  maxTotal: "",
  source: "",
  sort: "received_at",
  order: "desc",
  page: 1,
  pageSize: 50,
};

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const amountPattern = /^\d+(\.\d{1,4})?$/;

function isStatus(s: string): s is DisplayStatus {
  return (displayStatuses as string[]).includes(s);
}

/// Reads filters from the URL, dropping what is not valid.
export function filtersFromParams(p: URLSearchParams): InvoiceFilters {
  const f: InvoiceFilters = { ...defaultFilters, statuses: [] };
  for (const s of (p.get("status") ?? "").split(",")) if (isStatus(s) && !f.statuses.includes(s)) f.statuses.push(s);
  f.supplier = p.get("supplier") ?? "";
  f.q = p.get("q") ?? "";
  const date = (name: string) => {
    const v = p.get(name) ?? "";
    return datePattern.test(v) ? v : "";
  };
  f.issueFrom = date("issue_from");
  f.issueTo = date("issue_to");
  f.dueFrom = date("due_from");
  f.dueTo = date("due_to");
  const amount = (name: string) => {
    const v = p.get(name) ?? "";
    return amountPattern.test(v) ? v : "";
  };
  f.minTotal = amount("min_total");
  f.maxTotal = amount("max_total");
  const src = p.get("source") ?? "";
  f.source = (sources as readonly string[]).includes(src) ? (src as Source) : "";
  const sort = p.get("sort") ?? "";
  if ((sortKeys as string[]).includes(sort)) f.sort = sort as SortKey;
  const order = p.get("order");
  if (order === "asc" || order === "desc") f.order = order;
  const page = Number(p.get("page"));
  if (Number.isInteger(page) && page > 0) f.page = page;
  const size = Number(p.get("size"));
  if ([25, 50, 100, 200].includes(size)) f.pageSize = size;
  return f;
}

/// Writes filters to the URL, leaving defaults out.
export function filtersToParams(f: InvoiceFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.statuses.length) p.set("status", f.statuses.join(","));
  if (f.supplier.trim()) p.set("supplier", f.supplier.trim());
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.issueFrom) p.set("issue_from", f.issueFrom);
  if (f.issueTo) p.set("issue_to", f.issueTo);
  if (f.dueFrom) p.set("due_from", f.dueFrom);
  if (f.dueTo) p.set("due_to", f.dueTo);
  if (f.minTotal) p.set("min_total", f.minTotal);
  if (f.maxTotal) p.set("max_total", f.maxTotal);
  if (f.source) p.set("source", f.source);
  if (f.sort !== defaultFilters.sort) p.set("sort", f.sort);
  if (f.order !== defaultFilters.order) p.set("order", f.order);
  if (f.page > 1) p.set("page", String(f.page));
  if (f.pageSize !== defaultFilters.pageSize) p.set("size", String(f.pageSize));
  return p;
}

/// The API query for a page of the list.
export function filtersToQuery(f: InvoiceFilters): string {
  const p = new URLSearchParams();
  if (f.statuses.length) p.set("status", f.statuses.join(","));
  if (f.supplier.trim()) p.set("supplier", f.supplier.trim());
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.issueFrom) p.set("issue_from", f.issueFrom);
  if (f.issueTo) p.set("issue_to", f.issueTo);
  if (f.dueFrom) p.set("due_from", f.dueFrom);
  if (f.dueTo) p.set("due_to", f.dueTo);
  if (f.minTotal) p.set("min_total", f.minTotal);
  if (f.maxTotal) p.set("max_total", f.maxTotal);
  if (f.source) p.set("source", f.source);
  p.set("sort", f.sort);
  p.set("order", f.order);
  p.set("limit", String(f.pageSize));
  p.set("offset", String((f.page - 1) * f.pageSize));
  return p.toString();
}

export type FilterProblem = "issue_range" | "due_range" | "amount_range" | "min_total" | "max_total";

/// What the API would refuse, found before asking it.
export function filterProblems(f: InvoiceFilters): FilterProblem[] {
  const out: FilterProblem[] = [];
  if (f.issueFrom && f.issueTo && f.issueFrom > f.issueTo) out.push("issue_range");
  if (f.dueFrom && f.dueTo && f.dueFrom > f.dueTo) out.push("due_range");
  if (f.minTotal && !amountPattern.test(f.minTotal)) out.push("min_total");
  if (f.maxTotal && !amountPattern.test(f.maxTotal)) out.push("max_total");
  if (
    f.minTotal &&
    f.maxTotal &&
    amountPattern.test(f.minTotal) &&
    amountPattern.test(f.maxTotal) &&
    compareDecimal(f.minTotal, f.maxTotal) > 0
  )
    out.push("amount_range");
  return out;
}

/// Compares two non-negative decimal strings exactly.
export function compareDecimal(a: string, b: string): number {
  const [ai = "0", af = ""] = a.split(".");
  const [bi = "0", bf = ""] = b.split(".");
  const aInt = ai.replace(/^0+(?=\d)/, "");
  const bInt = bi.replace(/^0+(?=\d)/, "");
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const n = Math.max(af.length, bf.length);
  const x = af.padEnd(n, "0");
  const y = bf.padEnd(n, "0");
  return x === y ? 0 : x < y ? -1 : 1;
}

/// How many filters are set (shown on the filter button on phones).
export function activeFilterCount(f: InvoiceFilters): number {
  let n = 0;
  if (f.statuses.length) n++;
  for (const v of [f.supplier, f.issueFrom, f.issueTo, f.dueFrom, f.dueTo, f.minTotal, f.maxTotal, f.source])
    if (v) n++;
  return n;
}

/// The list query of a filter query string (filtersToQuery), shared by the
/// list, the prefetch beside the sign-in check and a filter change (which
/// starts the request before the list re-renders).
export function invoiceListQuery(query: string) {
  return {
    queryKey: ["invoices", query],
    queryFn: () => api<InvoicePage>("/api/invoices?" + query),
  };
}
