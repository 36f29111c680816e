import { useState } from "react";
import { Link } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, ApiError } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import { formatMoney } from "../format";
import { ErrorBox, Notice, PageHeader, Skeleton } from "../components/ui";
import { displayStatuses, type DisplayStatus } from "../types";

export const exportFormats = ["excel", "quickbooks", "xero", "journal", "universal"] as const;
export type ExportFormat = (typeof exportFormats)[number];

export interface ExportFilters {
  issueFrom: string;
  issueTo: string;
  statuses: DisplayStatus[];
  paid: "" | "yes" | "no";
  supplier: string;
}

/// The query every export endpoint takes.
export function exportQuery(f: ExportFilters): string {
  const p = new URLSearchParams();
  if (f.issueFrom) p.set("issue_from", f.issueFrom);
  if (f.issueTo) p.set("issue_to", f.issueTo);
  if (f.statuses.length) p.set("status", f.statuses.join(","));
  if (f.paid) p.set("paid", f.paid);
  if (f.supplier.trim()) p.set("supplier", f.supplier.trim());
  return p.toString();
}

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/// Amounts per currency, whichever way the summary writes them:
/// [{currency, amount}] or {CAD: "12.00"} or {CAD: {amount}}.
export function moneyList(v: Json): { currency: string; amount: string; label?: string }[] {
  const out: { currency: string; amount: string; label?: string }[] = [];
  if (Array.isArray(v)) {
    for (const x of v)
      if (isRecord(x)) {
        const amount = x.amount ?? x.total ?? x.value;
        if (typeof amount === "string" || typeof amount === "number")
          out.push({
            currency: String(x.currency ?? ""),
            amount: String(amount),
            label: typeof x.kind === "string" ? x.kind : typeof x.name === "string" ? x.name : undefined,
          });
      }
  } else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === "string" || typeof x === "number") out.push({ currency: k, amount: String(x) });
      else if (isRecord(x) && (typeof x.amount === "string" || typeof x.amount === "number"))
        out.push({ currency: String(x.currency ?? k), amount: String(x.amount), label: x.currency ? k : undefined });
    }
  }
  return out;
}

/// The counts: a `counts` object, or the summary's top-level numbers
/// (selected, exportable, lines, excluded…).
export function countsOf(s: Record<string, Json>): Record<string, Json> | null {
  if (isRecord(s.counts)) return s.counts;
  const top = Object.entries(s).filter(([, v]) => typeof v === "number");
  return top.length ? Object.fromEntries(top) : null;
}

/// Tax totals: a top-level list or map, or each currency's `taxes` map.
export function taxesOf(s: Record<string, Json>): { currency: string; amount: string; label?: string }[] {
  const out = moneyList(s.tax_totals ?? s.taxes);
  if (Array.isArray(s.totals))
    for (const t of s.totals)
      if (isRecord(t) && isRecord(t.taxes))
        for (const [kind, amount] of Object.entries(t.taxes))
          if (typeof amount === "string" || typeof amount === "number")
            out.push({ currency: String(t.currency ?? ""), amount: String(amount), label: kind });
  return out;
}

const countLabels: Record<string, MessageKey> = {
  selected: "exports.count.selected",
  exportable: "exports.count.exportable",
  lines: "exports.count.lines",
  excluded: "exports.count.excluded",
  xero_files: "exports.count.xero_files",
};

export default function Exports() {
  const { t, locale } = useI18n();
  const { canExport } = useSession();
  const [format, setFormat] = useState<ExportFormat>("excel");
  const [f, setF] = useState<ExportFilters>({
    issueFrom: "",
    issueTo: "",
    statuses: ["approved_unpaid", "approved_paid"],
    paid: "",
    supplier: "",
  });
  const query = exportQuery(f);
  const badRange = !!f.issueFrom && !!f.issueTo && f.issueFrom > f.issueTo;
  const summary = useQuery({
    queryKey: ["exports", "summary", query],
    queryFn: () => api<Record<string, Json>>("/api/exports/summary" + (query ? "?" + query : "")),
    enabled: canExport && !badRange,
    placeholderData: keepPreviousData,
  });
  if (!canExport)
    return (
      <>
        <PageHeader title={t("nav.exports")} />
        <Notice kind="info">{t("exports.not_allowed")}</Notice>
      </>
    );
  const href = "/api/exports/" + format + (query ? "?" + query : "");
  const s = summary.data;
  const excluded = s && Array.isArray(s.excluded) ? s.excluded : s && Array.isArray(s.excluded_invoices) ? s.excluded_invoices : [];
  const counts = s ? countsOf(s) : null;
  const totals = s ? moneyList(s.totals ?? s.totals_by_currency) : [];
  const taxes = s ? taxesOf(s) : [];
  const byReason = s && isRecord(s.excluded_by_reason) ? Object.entries(s.excluded_by_reason) : [];
  const unavailable = summary.error instanceof ApiError && (summary.error.status === 404 || summary.error.status === 405);
  return (
    <>
      <PageHeader title={t("nav.exports")} />
      <div className="grid-2">
        <form className="card form" onSubmit={(e) => e.preventDefault()}>
          <fieldset>
            <legend>{t("exports.format")}</legend>
            {exportFormats.map((x) => (
              <label key={x} className="radio">
                <input type="radio" name="format" value={x} checked={format === x} onChange={() => setFormat(x)} />
                <span>
                  <strong>{t(("exports." + x) as MessageKey)}</strong>
                  <span className="muted small"> — {t(("exports." + x + ".hint") as MessageKey)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{t("invoices.filters")}</legend>
            <div className="row">
              <div>
                <label htmlFor="ex-from">{t("invoices.issued_from")}</label>
                <input id="ex-from" type="date" value={f.issueFrom} onChange={(e) => setF({ ...f, issueFrom: e.target.value })} />
              </div>
              <div>
                <label htmlFor="ex-to">{t("invoices.issued_to")}</label>
                <input id="ex-to" type="date" value={f.issueTo} onChange={(e) => setF({ ...f, issueTo: e.target.value })} />
              </div>
            </div>
            <div className="status-chips" role="group" aria-label={t("invoices.status")}>
              {displayStatuses.map((st) => (
                <button
                  key={st}
                  type="button"
                  className={"chip" + (f.statuses.includes(st) ? " on" : "")}
                  aria-pressed={f.statuses.includes(st)}
                  onClick={() =>
                    setF({
                      ...f,
                      statuses: f.statuses.includes(st) ? f.statuses.filter((x) => x !== st) : [...f.statuses, st],
                    })
                  }
                >
                  {t(("status." + st) as MessageKey)}
                </button>
              ))}
            </div>
            <label htmlFor="ex-paid">{t("exports.paid")}</label>
            <select id="ex-paid" value={f.paid} onChange={(e) => setF({ ...f, paid: e.target.value as ExportFilters["paid"] })}>
              <option value="">{t("common.any")}</option>
              <option value="yes">{t("exports.paid_yes")}</option>
              <option value="no">{t("exports.paid_no")}</option>
            </select>
            <label htmlFor="ex-supplier">{t("invoices.supplier")}</label>
            <input id="ex-supplier" value={f.supplier} maxLength={200} onChange={(e) => setF({ ...f, supplier: e.target.value })} />
          </fieldset>
          {badRange ? (
            <Notice kind="error">{t("filter.issue_range")}</Notice>
          ) : (
            <a className="button primary" href={href} download data-format={format}>
              {t("exports.download", { format: t(("exports." + format) as MessageKey) })}
            </a>
          )}
        </form>
        <section className="card" aria-labelledby="sum-h" aria-busy={summary.isFetching}>
          <h2 id="sum-h">{t("exports.summary")}</h2>
          {summary.isPending && !badRange ? (
            <Skeleton rows={4} height={28} />
          ) : unavailable ? (
            <Notice kind="info">{t("exports.unavailable")}</Notice>
          ) : summary.isError ? (
            <ErrorBox error={summary.error} retry={() => summary.refetch()} />
          ) : s ? (
            <>
              {counts && (
                <dl className="fields" data-testid="export-counts">
                  {Object.entries(counts).map(([k, v]) => (
                    <div key={k} className="field">
                      <dt>{countLabels[k] ? t(countLabels[k]!) : k.replace(/_/g, " ")}</dt>
                      <dd>{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
                    </div>
                  ))}
                </dl>
              )}
              {totals.length > 0 && (
                <>
                  <h3>{t("exports.totals")}</h3>
                  <ul className="ranked">
                    {totals.map((x, i) => (
                      <li key={i}>
                        <span>{x.label ?? x.currency}</span>
                        <span>{formatMoney(x.amount, x.currency || null, locale)}</span>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {taxes.length > 0 && (
                <>
                  <h3>{t("exports.taxes")}</h3>
                  <ul className="ranked">
                    {taxes.map((x, i) => (
                      <li key={i}>
                        <span>{(x.label ?? "").toUpperCase() || x.currency}</span>
                        <span>{formatMoney(x.amount, x.currency.length === 3 ? x.currency : null, locale)}</span>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              <h3>{t("exports.excluded")}</h3>
              {byReason.length > 0 && (
                <ul className="ranked">
                  {byReason.map(([reason, n]) => (
                    <li key={reason}>
                      <span>{reason}</span>
                      <span>{String(n)}</span>
                    </li>
                  ))}
                </ul>
              )}
              {excluded.length === 0 ? (
                <p className="muted">{t("exports.none_excluded")}</p>
              ) : (
                <ul className="excluded">
                  {excluded.map((x, i) => {
                    const r = isRecord(x) ? x : {};
                    const id = typeof r.id === "string" ? r.id : typeof r.invoice_id === "string" ? r.invoice_id : null;
                    const label = String(r.supplier_name ?? r.number ?? r.invoice_number ?? r.file_name ?? id ?? i + 1);
                    const reason = String(r.reason ?? r.reasons ?? r.message ?? "");
                    return (
                      <li key={i}>
                        {id ? <Link to={"/invoices/" + id}>{label}</Link> : label}
                        {reason && <span className="muted"> — {reason}</span>}
                      </li>
                    );
                  })}
                </ul>
              )}
            </>
          ) : null}
        </section>
      </div>
    </>
  );
}
