import { useEffect, useState } from "react";
import { Link } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, currentPosition } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import { formatDate, formatDateTime, formatMoney } from "../format";
import { ErrorBox, Notice, PageHeader, Skeleton, StatusBadge } from "../components/ui";
import { displayStatuses, type ExportHistory, type ExportSummary } from "../types";
import {
  defaultExportFilters,
  exportFilterProblem,
  exportFormats,
  exportHref,
  exportQuery,
  reasonPhrase,
  recordFilterPhrases,
  xeroZipFiles,
  type ExportFilters,
  type ExportFormat,
  type Phrase,
  type UniversalFile,
} from "../exports";

/// How long the history is polled after a download starts: the export is
/// recorded when its last byte went out, then the exports model applies
/// it; a download started meanwhile polls longer.
const watchHistoryMs = 30_000;

export default function Exports() {
  const { t, locale } = useI18n();
  const { canExport } = useSession();
  const [format, setFormat] = useState<ExportFormat>("excel");
  const [file, setFile] = useState<UniversalFile>("invoices");
  const [f, setF] = useState<ExportFilters>(defaultExportFilters);
  const [downloadedAt, setDownloadedAt] = useState<number | null>(null);
  const query = exportQuery(f);
  const problem = exportFilterProblem(f);
  const summary = useQuery({
    queryKey: ["exports", "summary", query],
    queryFn: () => api<ExportSummary>("/api/exports/summary" + (query ? "?" + query : "")),
    enabled: canExport && !problem,
    placeholderData: keepPreviousData,
  });
  const history = useQuery({
    queryKey: ["exports", "history"],
    queryFn: () => api<ExportHistory>("/api/exports/history?limit=20"),
    enabled: canExport,
    refetchInterval: downloadedAt !== null ? 2000 : false,
  });
  useEffect(() => {
    if (downloadedAt === null) return;
    const h = window.setTimeout(() => setDownloadedAt(null), watchHistoryMs);
    return () => window.clearTimeout(h);
  }, [downloadedAt]);

  if (!canExport)
    return (
      <>
        <PageHeader title={t("nav.exports")} />
        <Notice kind="info">{t("exports.not_allowed")}</Notice>
      </>
    );
  const say = (p: Phrase) => t(p.key, p.vars);
  const s = summary.data;
  const zipFiles = s ? xeroZipFiles(format, s.xero_files) : null;
  const reasonText = (reason: string) => {
    const p = reasonPhrase(reason);
    if (!p) return reason;
    if (p.vars?.status) return t(p.key, { status: t(("status." + p.vars.status) as MessageKey) });
    return say(p);
  };
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
          {format === "universal" && (
            <fieldset>
              <legend>{t("exports.file")}</legend>
              {(["invoices", "lines"] as const).map((x) => (
                <label key={x} className="radio">
                  <input type="radio" name="file" value={x} checked={file === x} onChange={() => setFile(x)} />
                  <span>{t(("exports.file." + x) as MessageKey)}</span>
                </label>
              ))}
            </fieldset>
          )}
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
          {zipFiles !== null && (
            <Notice kind="info">
              <span data-testid="xero-zip">{t("exports.xero_zip", { n: zipFiles })}</span>
            </Notice>
          )}
          {problem ? (
            <Notice kind="error">{t(("filter." + problem) as MessageKey)}</Notice>
          ) : (
            <a
              className="button primary"
              href={exportHref(format, f, file, currentPosition())}
              download
              data-format={format}
              onClick={() => setDownloadedAt(Date.now())}
            >
              {t("exports.download", { format: t(("exports." + format) as MessageKey) })}
            </a>
          )}
        </form>
        <section className="card" aria-labelledby="sum-h" aria-busy={summary.isFetching}>
          <h2 id="sum-h">{t("exports.summary")}</h2>
          {summary.isPending && !problem ? (
            <Skeleton rows={4} height={28} />
          ) : summary.isError ? (
            <ErrorBox error={summary.error} retry={() => summary.refetch()} />
          ) : s ? (
            <>
              <dl className="fields" data-testid="export-counts">
                {(["selected", "exportable", "lines", "excluded"] as const).map((k) => (
                  <div key={k} className="field" data-count={k}>
                    <dt>{t(("exports.count." + k) as MessageKey)}</dt>
                    <dd>{s[k].toLocaleString(locale)}</dd>
                  </div>
                ))}
                {format === "xero" && (
                  <div className="field" data-count="xero_files">
                    <dt>{t("exports.count.xero_files")}</dt>
                    <dd>{s.xero_files.toLocaleString(locale)}</dd>
                  </div>
                )}
              </dl>
              {s.selected === 0 && <p className="muted">{t("exports.nothing")}</p>}
              {s.totals.length > 0 && (
                <div data-testid="export-totals">
                  <h3>{t("exports.totals")}</h3>
                  {s.totals.map((x) => (
                    <dl key={x.currency} className="fields" data-currency={x.currency}>
                      <div className="field">
                        <dt>{t("exports.currency")}</dt>
                        <dd>
                          <strong>{x.currency}</strong> · {t("exports.invoices")}: {x.invoices.toLocaleString(locale)}
                        </dd>
                      </div>
                      <div className="field">
                        <dt>{t("exports.subtotal")}</dt>
                        <dd>{formatMoney(x.subtotal, x.currency, locale)}</dd>
                      </div>
                      {Object.entries(x.taxes).map(([kind, amount]) => (
                        <div key={kind} className="field" data-tax={kind}>
                          <dt>{kind.toUpperCase()}</dt>
                          <dd>{formatMoney(amount, x.currency, locale)}</dd>
                        </div>
                      ))}
                      <div className="field">
                        <dt>{t("exports.tax")}</dt>
                        <dd>{formatMoney(x.tax, x.currency, locale)}</dd>
                      </div>
                      <div className="field">
                        <dt>{t("exports.total")}</dt>
                        <dd>
                          <strong>{formatMoney(x.total, x.currency, locale)}</strong>
                        </dd>
                      </div>
                      <div className="field">
                        <dt>{t("exports.paid_amount")}</dt>
                        <dd>{formatMoney(x.paid, x.currency, locale)}</dd>
                      </div>
                      <div className="field">
                        <dt>{t("exports.unpaid_amount")}</dt>
                        <dd>{formatMoney(x.unpaid, x.currency, locale)}</dd>
                      </div>
                    </dl>
                  ))}
                </div>
              )}
              <h3>{t("exports.excluded")}</h3>
              {s.excluded === 0 ? (
                <p className="muted">{t("exports.none_excluded")}</p>
              ) : (
                <>
                  <ul className="ranked" data-testid="excluded-reasons">
                    {Object.entries(s.excluded_by_reason).map(([reason, n]) => (
                      <li key={reason}>
                        <span>{reasonText(reason)}</span>
                        <span>{n.toLocaleString(locale)}</span>
                      </li>
                    ))}
                  </ul>
                  <ul className="excluded" data-testid="excluded-invoices">
                    {s.excluded_invoices.map((x) => (
                      <li key={x.id} data-id={x.id}>
                        <Link to={"/invoices/" + x.id}>
                          {x.supplier_name ?? t("exports.reason.no_supplier")}
                          {x.invoice_number && <> · {x.invoice_number}</>}
                        </Link>{" "}
                        {x.issue_date && <span className="muted small">{formatDate(x.issue_date, locale)} </span>}
                        <StatusBadge status={x.status} />
                        <span className="muted"> — {reasonText(x.reason)}</span>
                      </li>
                    ))}
                  </ul>
                  {s.excluded > s.excluded_invoices.length && (
                    <p className="muted small">
                      {t("exports.excluded_listed", { shown: s.excluded_invoices.length, n: s.excluded.toLocaleString(locale) })}
                    </p>
                  )}
                </>
              )}
            </>
          ) : null}
        </section>
      </div>
      <section className="card" aria-labelledby="hist-h">
        <h2 id="hist-h">{t("exports.history")}</h2>
        {history.isPending ? (
          <Skeleton rows={3} height={28} />
        ) : history.isError ? (
          <ErrorBox error={history.error} retry={() => history.refetch()} />
        ) : history.data.exports.length === 0 ? (
          <p className="muted">{t("exports.history.none")}</p>
        ) : (
          <div className="table-wrap">
            <table className="export-history" data-testid="export-history">
              <thead>
                <tr>
                  <th scope="col">{t("exports.history.when")}</th>
                  <th scope="col">{t("exports.history.who")}</th>
                  <th scope="col">{t("exports.history.format")}</th>
                  <th scope="col" className="num">
                    {t("exports.history.invoices")}
                  </th>
                  <th scope="col">{t("exports.history.filters")}</th>
                </tr>
              </thead>
              <tbody>
                {history.data.exports.map((e) => {
                  const phrases = recordFilterPhrases(
                    e.filters,
                    (d) => formatDate(d, locale),
                    (st) => t(("status." + st) as MessageKey),
                  );
                  return (
                    <tr key={e.export_id} data-format={e.format}>
                      <td data-label={t("exports.history.when")}>{formatDateTime(e.exported_at, locale)}</td>
                      <td data-label={t("exports.history.who")}>{e.exported_by ?? t("exports.history.unknown")}</td>
                      <td data-label={t("exports.history.format")}>
                        {t(("exports." + e.format) as MessageKey)}
                        <span className="muted small file-name"> {e.file_name}</span>
                      </td>
                      <td data-label={t("exports.history.invoices")} className="num">
                        {e.invoices.toLocaleString(locale)}
                      </td>
                      <td data-label={t("exports.history.filters")}>
                        {phrases.length ? phrases.map(say).join(" · ") : t("exports.history.everything")}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
