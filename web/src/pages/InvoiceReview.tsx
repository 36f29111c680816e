import { lazy, Suspense, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import {
  confidenceOf,
  formatBytes,
  formatDate,
  formatDateTime,
  formatDecimal,
  formatMoney,
  formatPercent,
  formatUnitPrice,
  lowConfidence,
} from "../format";
import {
  emptyLine,
  linesPayload,
  suggestTotal,
  totalMismatch,
  validateField,
  validateLine,
  type LineDraft,
  type LineField,
} from "../lines";
import { neighbours } from "../listOrder";
import { Dialog, ErrorBox, Loading, Notice, PageHeader, Skeleton, StatusBadge, errorText } from "../components/ui";
import { PaidDialog, RejectDialog } from "./Invoices";
import { NotFound } from "./NotFound";
import type { HistoryEntry, InvoiceDetail, Line } from "../types";

const PdfView = lazy(() => import("../components/PdfView"));

const fieldOrder = [
  "supplier_name",
  "supplier_tax_id",
  "invoice_number",
  "issue_date",
  "due_date",
  "currency",
  "subtotal",
  "tax_total",
  "total",
  "purchase_order",
  "payment_terms",
] as const;

const moneyFields = new Set(["subtotal", "tax_total", "total"]);
const dateFields = new Set(["issue_date", "due_date"]);

function toDraft(l: Line): LineDraft {
  return {
    description: l.description,
    quantity: l.quantity,
    unit: l.unit,
    unit_price: l.unit_price,
    line_total: l.line_total,
    tax_code: l.tax_code,
    category: l.category ?? "",
  };
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export default function InvoiceReview() {
  const { id = "" } = useParams();
  const { t, locale } = useI18n();
  const { canWrite, isAdmin } = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<"reject" | "paid" | "delete" | "reprocess" | "help" | null>(null);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const invoice = useQuery({
    queryKey: ["invoice", id],
    queryFn: () => api<InvoiceDetail>("/api/invoices/" + encodeURIComponent(id)),
  });
  const history = useQuery({
    queryKey: ["invoice", id, "history"],
    queryFn: () => api<{ entries: HistoryEntry[] }>("/api/invoices/" + encodeURIComponent(id) + "/history"),
    enabled: invoice.isSuccess,
  });

  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: ["invoice", id] });
    qc.invalidateQueries({ queryKey: ["invoices"] });
    qc.invalidateQueries({ queryKey: ["overview"] });
    qc.invalidateQueries({ queryKey: ["suppliers"] });
  };
  const command = useMutation({
    mutationFn: (c: { path: string; method?: string; body?: unknown; done: MessageKey }) =>
      api<{ position: number }>("/api/invoices/" + encodeURIComponent(id) + c.path, {
        method: c.method ?? "POST",
        body: c.body,
      }).then(() => c.done),
    onSuccess: async (done) => {
      setDialog(null);
      setNotice({ kind: "ok", text: t(done) });
      if (done === "review.deleted") {
        qc.invalidateQueries({ queryKey: ["invoices"] });
        navigate("/invoices");
        return;
      }
      await refresh();
    },
    onError: (e) => {
      setDialog(null);
      setNotice({ kind: "error", text: errorText(e, t("error.generic")) });
    },
  });

  const inv = invoice.data;
  const lifecycle = inv?.lifecycle_status ?? "";
  const can = {
    approve: canWrite && lifecycle === "awaiting_approval",
    reject: canWrite && (lifecycle === "awaiting_approval" || (lifecycle === "approved" && !inv?.payment.paid)),
    paid: canWrite && lifecycle === "approved" && !inv?.payment.paid,
    unpaid: canWrite && lifecycle === "approved" && !!inv?.payment.paid,
    edit: canWrite && lifecycle === "awaiting_approval",
    reprocess: canWrite && ["failed", "not_an_invoice", "rejected", "awaiting_approval"].includes(lifecycle),
    delete: isAdmin && !!inv,
  };
  const near = neighbours(id);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (dialog && e.key !== "?") return;
      const go = (to: string | null) => to && navigate("/invoices/" + to);
      switch (e.key) {
        case "j":
          go(near.next);
          break;
        case "k":
          go(near.prev);
          break;
        case "a":
          if (can.approve) command.mutate({ path: "/approve", done: "review.approved" });
          break;
        case "r":
          if (can.reject) setDialog("reject");
          break;
        case "p":
          if (can.paid) setDialog("paid");
          break;
        case "e":
          if (can.edit) setEditing(true);
          break;
        case "u":
          navigate("/invoices" + (near.query ? "?" + near.query : ""));
          break;
        case "?":
          setDialog((d) => (d === "help" ? null : "help"));
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  useEffect(() => {
    setEditing(false);
    setNotice(null);
  }, [id]);

  if (invoice.isPending)
    return (
      <>
        <PageHeader title={t("review.title")} />
        <Skeleton rows={6} height={60} />
      </>
    );
  if (invoice.isError) {
    if (invoice.error instanceof ApiError && (invoice.error.status === 404 || invoice.error.status === 400))
      return <NotFound />;
    return <ErrorBox error={invoice.error} retry={() => invoice.refetch()} />;
  }
  const d = invoice.data;
  const currency = d.fields.currency?.value ?? null;
  const title = d.fields.supplier_name?.value || d.document.file_name;
  const processing = d.status === "processing";

  return (
    <>
      <PageHeader title={title}>
        <StatusBadge status={d.status} />
      </PageHeader>
      <p className="review-nav">
        <Link to={"/invoices" + (near.query ? "?" + near.query : "")}>← {t("review.back")}</Link>
        {near.prev && <Link to={"/invoices/" + near.prev}>{t("common.previous")}</Link>}
        {near.next && <Link to={"/invoices/" + near.next}>{t("common.next")}</Link>}
        <button type="button" className="link-button" onClick={() => setDialog("help")} aria-keyshortcuts="?">
          {t("review.shortcuts")}
        </button>
      </p>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {processing && <Notice kind="info">{t("review.processing")}</Notice>}
      {d.extraction.failure_reason && (
        <Notice kind="error">
          {t("review.failed", { reason: d.extraction.failure_reason })}
        </Notice>
      )}
      {d.not_an_invoice_reason && <Notice kind="info">{t("review.not_an_invoice", { reason: d.not_an_invoice_reason })}</Notice>}
      {d.duplicate && (
        <Notice kind="info">
          {t("review.duplicate")} <Link to={"/invoices/" + d.duplicate.of}>{t("review.open_original")}</Link>
        </Notice>
      )}
      {d.rejection && (
        <Notice kind="info">
          {t("review.rejected_because", { reason: d.rejection.reason ?? "—", at: formatDateTime(d.rejection.at, locale) })}
        </Notice>
      )}
      <div className="actions-bar">
        {can.approve && (
          <button
            type="button"
            className="primary"
            aria-keyshortcuts="a"
            disabled={command.isPending}
            onClick={() => command.mutate({ path: "/approve", done: "review.approved" })}
          >
            {t("action.approve")}
          </button>
        )}
        {can.reject && (
          <button type="button" aria-keyshortcuts="r" onClick={() => setDialog("reject")}>
            {t("action.reject")}
          </button>
        )}
        {can.paid && (
          <button type="button" className="primary" aria-keyshortcuts="p" onClick={() => setDialog("paid")}>
            {t("action.mark_paid")}
          </button>
        )}
        {can.unpaid && (
          <button
            type="button"
            onClick={() => command.mutate({ path: "/unpaid", done: "review.marked_unpaid" })}
            disabled={command.isPending}
          >
            {t("action.mark_unpaid")}
          </button>
        )}
        {can.edit && !editing && (
          <button type="button" aria-keyshortcuts="e" onClick={() => setEditing(true)}>
            {t("action.edit")}
          </button>
        )}
        {can.reprocess && (
          <button type="button" onClick={() => setDialog("reprocess")}>
            {t("action.reprocess")}
          </button>
        )}
        {can.delete && (
          <button type="button" className="danger" onClick={() => setDialog("delete")}>
            {t("action.delete")}
          </button>
        )}
      </div>
      <div className="review">
        <section className="card document" aria-label={t("review.document")}>
          <DocumentPane detail={d} />
        </section>
        <div className="review-side">
          {editing ? (
            <EditForm detail={d} onDone={() => setEditing(false)} onSaved={refresh} />
          ) : (
            <>
              <section className="card" aria-labelledby="fields-h">
                <h2 id="fields-h">{t("review.fields")}</h2>
                <dl className="fields">
                  {fieldOrder.map((name) => {
                    const f = d.fields[name];
                    const conf = confidenceOf(f?.confidence);
                    const low = !processing && conf != null && conf < lowConfidence && !f?.corrected;
                    const value = f?.value ?? null;
                    const shown =
                      value == null
                        ? "—"
                        : moneyFields.has(name)
                          ? formatMoney(value, currency, locale)
                          : dateFields.has(name)
                            ? formatDate(value, locale)
                            : value;
                    return (
                      <div key={name} className={low ? "field low" : "field"} data-field={name}>
                        <dt>{t(("field." + name) as MessageKey)}</dt>
                        <dd>
                          {shown}
                          {low && (
                            <span className="conf" title={t("review.confidence")}>
                              {t("review.low_confidence", { n: Math.round((conf ?? 0) * 100) })}
                            </span>
                          )}
                          {f?.corrected && <span className="tag">{t("review.corrected")}</span>}
                        </dd>
                      </div>
                    );
                  })}
                </dl>
              </section>
              <section className="card" aria-labelledby="lines-h">
                <h2 id="lines-h">
                  {t("review.lines")} <span className="muted">({d.lines.length})</span>
                </h2>
                {d.lines.length === 0 ? (
                  <p className="muted">{t("review.no_lines")}</p>
                ) : (
                  <div className="table-wrap">
                    <table className="lines">
                      <thead>
                        <tr>
                          <th scope="col">{t("line.description")}</th>
                          <th scope="col" className="num">
                            {t("line.quantity")}
                          </th>
                          <th scope="col" className="num">
                            {t("line.unit_price")}
                          </th>
                          <th scope="col" className="num">
                            {t("line.line_total")}
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.lines.map((l) => (
                          <tr key={l.line_no} className={l.total_mismatch ? "mismatch" : ""}>
                            <td data-label={t("line.description")}>
                              {l.description}
                              {l.total_mismatch && <span className="tag warn">{t("line.mismatch")}</span>}
                            </td>
                            <td data-label={t("line.quantity")} className="num">
                              {formatDecimal(l.quantity, locale)} {l.unit}
                            </td>
                            <td data-label={t("line.unit_price")} className="num">
                              {currency ? formatUnitPrice(l.unit_price, currency, locale) : l.unit_price}
                            </td>
                            <td data-label={t("line.line_total")} className="num">
                              {formatMoney(l.line_total, currency, locale)}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
                {d.taxes.length > 0 && (
                  <dl className="taxes">
                    {d.taxes.map((tx, i) => (
                      <div key={i}>
                        <dt>
                          {tx.kind.toUpperCase()} {formatPercent(tx.rate_percent, locale).replace("+", "")}
                        </dt>
                        <dd>{formatMoney(tx.amount, currency, locale)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </section>
            </>
          )}
          <section className="card" aria-labelledby="pay-h">
            <h2 id="pay-h">{t("review.payment")}</h2>
            <p>
              {d.payment.paid
                ? t("review.paid_line", {
                    date: formatDate(d.payment.paid_on, locale),
                    method: d.payment.method ? t(("method." + d.payment.method) as MessageKey) : "—",
                  })
                : t("review.unpaid")}
              {d.payment.reference && <> · {d.payment.reference}</>}
            </p>
            <p className="muted small">
              {t("review.extraction", {
                provider: d.extraction.provider ?? "—",
                attempts: d.extraction.attempts,
              })}
              {" · "}
              {d.document.file_name} ({formatBytes(d.document.size_bytes, locale)})
            </p>
          </section>
          <section className="card" aria-labelledby="hist-h">
            <h2 id="hist-h">{t("review.history")}</h2>
            {history.isPending ? (
              <Skeleton rows={3} height={28} />
            ) : history.isError ? (
              <p className="muted">{errorText(history.error, t("error.generic"))}</p>
            ) : (
              <ol className="timeline" data-testid="timeline">
                {history.data.entries.map((e) => (
                  <li key={e.version} data-type={e.type}>
                    <time dateTime={e.at}>{formatDateTime(e.at, locale)}</time>
                    <strong>{e.summary || e.type}</strong>
                    <span className="muted">
                      {e.actor.email || t(("actor." + e.actor.kind) as MessageKey)}
                      {e.source ? " · " + e.source : ""}
                    </span>
                    {e.changes.length > 0 && (
                      <ul className="changes">
                        {e.changes.map((c, i) => (
                          <li key={i}>
                            {c.field}: <del>{c.from || "—"}</del> → <ins>{c.to || "—"}</ins>
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </section>
        </div>
      </div>
      <RejectDialog
        open={dialog === "reject"}
        onClose={() => setDialog(null)}
        busy={command.isPending}
        onConfirm={(reason) => command.mutate({ path: "/reject", body: { reason }, done: "review.rejected" })}
      />
      <PaidDialog
        open={dialog === "paid"}
        onClose={() => setDialog(null)}
        busy={command.isPending}
        onConfirm={(body) => command.mutate({ path: "/paid", body, done: "review.marked_paid" })}
      />
      <ReasonDialog
        open={dialog === "reprocess"}
        title={t("action.reprocess")}
        label={t("review.reprocess_reason")}
        required={false}
        confirm={t("action.reprocess")}
        busy={command.isPending}
        onClose={() => setDialog(null)}
        onConfirm={(reason) =>
          command.mutate({ path: "/reprocess", body: reason ? { reason } : {}, done: "review.reprocessing" })
        }
      />
      <ReasonDialog
        open={dialog === "delete"}
        title={t("action.delete")}
        label={t("review.delete_reason")}
        required={false}
        confirm={t("action.delete")}
        danger
        busy={command.isPending}
        onClose={() => setDialog(null)}
        onConfirm={(reason) =>
          command.mutate({
            path: reason ? "?reason=" + encodeURIComponent(reason) : "",
            method: "DELETE",
            done: "review.deleted",
          })
        }
      >
        <p>{t("review.delete_text")}</p>
      </ReasonDialog>
      <Dialog open={dialog === "help"} title={t("review.shortcuts")} onClose={() => setDialog(null)}>
        <dl className="shortcuts">
          {(
            [
              ["j", "keys.next"],
              ["k", "keys.previous"],
              ["a", "keys.approve"],
              ["r", "keys.reject"],
              ["p", "keys.paid"],
              ["e", "keys.edit"],
              ["u", "keys.list"],
              ["?", "keys.help"],
              ["Esc", "keys.close"],
            ] as [string, MessageKey][]
          ).map(([k, label]) => (
            <div key={k}>
              <dt>
                <kbd>{k}</kbd>
              </dt>
              <dd>{t(label)}</dd>
            </div>
          ))}
        </dl>
        <div className="dialog-actions">
          <button type="button" onClick={() => setDialog(null)}>
            {t("common.close")}
          </button>
        </div>
      </Dialog>
    </>
  );
}

function ReasonDialog({
  open,
  title,
  label,
  required,
  confirm,
  danger,
  busy,
  onClose,
  onConfirm,
  children,
}: {
  open: boolean;
  title: string;
  label: string;
  required: boolean;
  confirm: string;
  danger?: boolean;
  busy: boolean;
  onClose: () => void;
  onConfirm: (reason: string) => void;
  children?: React.ReactNode;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm(reason.trim());
        }}
      >
        {children}
        <label htmlFor={"reason-" + title}>{label}</label>
        <textarea
          id={"reason-" + title}
          required={required}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className={danger ? "danger" : "primary"} disabled={busy}>
            {confirm}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DocumentPane({ detail }: { detail: InvoiceDetail }) {
  const { t } = useI18n();
  const [zoom, setZoom] = useState(1);
  const url = "/api/invoices/" + encodeURIComponent(detail.id) + "/document";
  const type = detail.document.media_type;
  const zoomBar = (
    <div className="zoom" role="group" aria-label={t("review.zoom")}>
      <button type="button" onClick={() => setZoom((z) => Math.max(0.5, z - 0.25))} aria-label={t("review.zoom_out")}>
        −
      </button>
      <span aria-live="polite">{Math.round(zoom * 100)}%</span>
      <button type="button" onClick={() => setZoom((z) => Math.min(3, z + 0.25))} aria-label={t("review.zoom_in")}>
        +
      </button>
      <a href={url} download={detail.document.file_name}>
        {t("review.download")}
      </a>
    </div>
  );
  if (type === "application/pdf")
    return (
      <>
        {zoomBar}
        <div className="doc-scroll">
          <Suspense fallback={<Loading label={t("review.loading_document")} />}>
            <PdfView url={url} zoom={zoom} title={detail.document.file_name} />
          </Suspense>
        </div>
      </>
    );
  if (type.startsWith("image/") && type !== "image/heic")
    return (
      <>
        {zoomBar}
        <div className="doc-scroll">
          <img
            src={url}
            alt={t("review.document_of", { name: detail.document.file_name })}
            style={{ width: zoom * 100 + "%" }}
          />
        </div>
      </>
    );
  return (
    <div className="state">
      <p>{t("review.structured", { type })}</p>
      <a href={url} download={detail.document.file_name}>
        {t("review.download")}
      </a>
    </div>
  );
}

type Drafts = Record<string, string>;

function EditForm({ detail, onDone, onSaved }: { detail: InvoiceDetail; onDone: () => void; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const initial: Drafts = {};
  for (const n of fieldOrder) initial[n] = detail.fields[n]?.value ?? "";
  const [fields, setFields] = useState<Drafts>(initial);
  const [lines, setLines] = useState<LineDraft[]>(detail.lines.map(toDraft));
  const [linesTouched, setLinesTouched] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldProblems = Object.fromEntries(fieldOrder.map((n) => [n, validateField(n, fields[n] ?? "")]));
  const lineProblems = lines.map(validateLine);
  const invalid =
    Object.values(fieldProblems).some(Boolean) || lineProblems.some((p) => Object.keys(p).length > 0);

  const save = async () => {
    setError(null);
    const changed: Record<string, string | null> = {};
    for (const n of fieldOrder) {
      const before = initial[n] ?? "";
      const now = (fields[n] ?? "").trim();
      if (now !== before.trim()) changed[n] = now === "" ? null : moneyFields.has(n) ? now.replace(",", ".") : now;
    }
    const payload = linesTouched ? linesPayload(lines) : null;
    if (linesTouched && !payload) return;
    setBusy(true);
    try {
      const base = "/api/invoices/" + encodeURIComponent(detail.id);
      if (Object.keys(changed).length) await api(base + "/fields", { method: "PATCH", body: { fields: changed } });
      if (payload) await api(base + "/lines", { method: "PUT", body: { lines: payload } });
      await onSaved();
      onDone();
    } catch (e) {
      setError(errorText(e, t("error.generic")));
    } finally {
      setBusy(false);
    }
  };
  const setLine = (i: number, key: LineField, value: string) => {
    setLinesTouched(true);
    setLines((ls) => ls.map((l, j) => (j === i ? { ...l, [key]: value } : l)));
  };
  const problemText = (p: string) => t(("problem." + p) as MessageKey);
  return (
    <form
      className="card edit"
      aria-labelledby="edit-h"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") onDone();
      }}
    >
      <h2 id="edit-h">{t("review.edit_title")}</h2>
      {error && <Notice kind="error">{error}</Notice>}
      <div className="field-grid">
        {fieldOrder.map((n) => {
          const p = fieldProblems[n];
          const conf = confidenceOf(detail.fields[n]?.confidence);
          const low = conf != null && conf < lowConfidence;
          return (
            <div key={n} className={low ? "low" : ""}>
              <label htmlFor={"edit-" + n}>
                {t(("field." + n) as MessageKey)}
                {low && <span className="conf"> · {t("review.check_this")}</span>}
              </label>
              <input
                id={"edit-" + n}
                name={n}
                type={dateFields.has(n) ? "date" : "text"}
                inputMode={moneyFields.has(n) ? "decimal" : undefined}
                value={fields[n] ?? ""}
                aria-invalid={!!p}
                aria-describedby={p ? "err-" + n : undefined}
                onChange={(e) => setFields((f) => ({ ...f, [n]: e.target.value }))}
                autoFocus={n === fieldOrder[0]}
              />
              {p && (
                <span className="field-error" id={"err-" + n}>
                  {problemText(p)}
                </span>
              )}
            </div>
          );
        })}
      </div>
      <h3>{t("review.lines")}</h3>
      <div className="line-edit">
        {lines.map((l, i) => {
          const p = lineProblems[i] ?? {};
          const mismatch = totalMismatch(l);
          const suggestion = mismatch ? suggestTotal(l) : null;
          const cell = (key: LineField, label: MessageKey, mode?: "decimal") => (
            <div className={"cell cell-" + key}>
              <label htmlFor={`line-${i}-${key}`}>{t(label)}</label>
              <input
                id={`line-${i}-${key}`}
                value={l[key]}
                inputMode={mode}
                aria-invalid={!!p[key]}
                aria-describedby={p[key] ? `line-${i}-${key}-err` : undefined}
                onChange={(e) => setLine(i, key, e.target.value)}
              />
              {p[key] && (
                <span className="field-error" id={`line-${i}-${key}-err`}>
                  {problemText(p[key]!)}
                </span>
              )}
            </div>
          );
          return (
            <fieldset key={i} className="line-row">
              <legend>{t("line.number", { n: i + 1 })}</legend>
              {cell("description", "line.description")}
              {cell("quantity", "line.quantity", "decimal")}
              {cell("unit", "line.unit")}
              {cell("unit_price", "line.unit_price", "decimal")}
              {cell("line_total", "line.line_total", "decimal")}
              {cell("tax_code", "line.tax_code")}
              <div className="line-tools">
                {mismatch && (
                  <span className="tag warn" role="status">
                    {t("line.mismatch")}
                    {suggestion && (
                      <button type="button" className="link-button" onClick={() => setLine(i, "line_total", suggestion)}>
                        {t("line.use_total", { total: suggestion })}
                      </button>
                    )}
                  </span>
                )}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setLinesTouched(true);
                    setLines((ls) => ls.filter((_, j) => j !== i));
                  }}
                >
                  {t("line.remove", { n: i + 1 })}
                </button>
              </div>
            </fieldset>
          );
        })}
        <button
          type="button"
          onClick={() => {
            setLinesTouched(true);
            setLines((ls) => [...ls, emptyLine()]);
          }}
        >
          {t("line.add")}
        </button>
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={onDone}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="primary" disabled={busy || invalid}>
          {busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
    </form>
  );
}

