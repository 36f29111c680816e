import { memo, useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import { formatDate, formatMoney, today } from "../format";
import {
  activeFilterCount,
  defaultFilters,
  filterProblems,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
  invoiceListQuery,
  sortKeys,
  sources,
  type InvoiceFilters,
  type SortKey,
} from "../filters";
import { Dialog, Empty, ErrorBox, Notice, PageHeader, Skeleton, StatusBadge, errorText } from "../components/ui";
import { displayStatuses, type DisplayStatus, type InvoiceRow } from "../types";
import { rememberListOrder } from "../listOrder";

interface BulkResult {
  results: { id: string; ok: boolean; error?: { message: string } }[];
  succeeded: number;
  failed: number;
}

export default function Invoices() {
  const { t, locale } = useI18n();
  const { canWrite } = useSession();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const [showFilters, setShowFilters] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<"reject" | "paid" | null>(null);
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [search, setSearch] = useState(filters.q);
  const [supplier, setSupplier] = useState(filters.supplier);
  const qc = useQueryClient();
  const problems = filterProblems(filters);
  const query = filtersToQuery(filters);

  const list = useQuery({
    ...invoiceListQuery(query),
    placeholderData: keepPreviousData,
    enabled: problems.length === 0,
  });

  // The performance timeline mark the browser test measures to.
  useEffect(() => {
    if (list.data && !list.isPlaceholderData) {
      performance.mark("larder:invoices-rendered", { detail: query });
      rememberListOrder(list.data.invoices.map((i) => i.id), params.toString());
    }
  }, [list.data, list.isPlaceholderData, query, params]);

  const update = (change: Partial<InvoiceFilters>, keepPage = false) => {
    const next = { ...filters, ...change };
    if (!keepPage) next.page = 1;
    performance.mark("larder:invoices-filter", { detail: JSON.stringify(change) });
    // Ask now, while the list re-renders with the previous rows.
    if (filterProblems(next).length === 0) void qc.prefetchQuery(invoiceListQuery(filtersToQuery(next))).catch(() => undefined);
    setParams(filtersToParams(next));
    setSelected(new Set());
  };

  // Typing searches after a pause, not on every key.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h = window.setTimeout(() => {
      if (search !== filters.q || supplier !== filters.supplier) update({ q: search, supplier });
    }, 300);
    return () => window.clearTimeout(h);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, supplier]);
  useEffect(() => {
    setSearch(filters.q);
    setSupplier(filters.supplier);
  }, [filters.q, filters.supplier]);

  const bulk = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<BulkResult>("/api/invoices/bulk", { method: "POST", body: { ...body, ids: [...selected] } }),
    onSuccess: (r) => {
      for (const x of r.results) if (x.ok) qc.invalidateQueries({ queryKey: ["invoice", x.id] });
      qc.invalidateQueries({ queryKey: ["invoices"] });
      qc.invalidateQueries({ queryKey: ["overview"] });
      const failures = r.results.filter((x) => !x.ok);
      setNotice(
        failures.length
          ? {
              kind: "error",
              text:
                t("invoices.bulk_partial", { ok: r.succeeded, failed: r.failed }) +
                " " +
                (failures[0]?.error?.message ?? ""),
            }
          : { kind: "ok", text: t("invoices.bulk_done", { n: r.succeeded }) },
      );
      setSelected(new Set(failures.map((f) => f.id)));
      setDialog(null);
    },
    onError: (e) => setNotice({ kind: "error", text: errorText(e, t("error.generic")) }),
  });

  const rows = list.data?.invoices ?? [];
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)));
  const toggle = useCallback(
    (id: string) =>
      setSelected((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    [],
  );
  const day = today();
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / filters.pageSize));
  const sortBy = (key: SortKey) =>
    update({ sort: key, order: filters.sort === key && filters.order === "desc" ? "asc" : "desc" });
  const sortState = (key: SortKey): "ascending" | "descending" | "none" =>
    filters.sort === key ? (filters.order === "asc" ? "ascending" : "descending") : "none";
  const th = (key: SortKey, label: string, className?: string) => (
    <th scope="col" aria-sort={sortState(key)} className={className}>
      <button type="button" className="sort" onClick={() => sortBy(key)}>
        {label}
        <span aria-hidden="true">{filters.sort === key ? (filters.order === "asc" ? " ▲" : " ▼") : ""}</span>
      </button>
    </th>
  );
  const toggleStatus = (s: DisplayStatus) =>
    update({ statuses: filters.statuses.includes(s) ? filters.statuses.filter((x) => x !== s) : [...filters.statuses, s] });
  const n = activeFilterCount(filters);

  return (
    <>
      <PageHeader title={t("nav.invoices")}>
        {canWrite && (
          <Link to="/upload" className="button primary">
            {t("nav.upload")}
          </Link>
        )}
      </PageHeader>
      <form className="searchbar" role="search" onSubmit={(e: FormEvent) => (e.preventDefault(), update({ q: search, supplier }))}>
        <label htmlFor="inv-q" className="visually-hidden">
          {t("invoices.search")}
        </label>
        <input
          id="inv-q"
          type="search"
          placeholder={t("invoices.search")}
          value={search}
          maxLength={200}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button
          type="button"
          className="filters-toggle"
          aria-expanded={showFilters}
          aria-controls="inv-filters"
          onClick={() => setShowFilters((s) => !s)}
        >
          {t("invoices.filters")}
          {n > 0 && ` (${n})`}
        </button>
      </form>
      <div className="status-chips" role="group" aria-label={t("invoices.status")}>
        {displayStatuses.map((s) => (
          <button
            key={s}
            type="button"
            className={"chip" + (filters.statuses.includes(s) ? " on" : "")}
            aria-pressed={filters.statuses.includes(s)}
            onClick={() => toggleStatus(s)}
          >
            {t(("status." + s) as MessageKey)}
          </button>
        ))}
      </div>
      <fieldset id="inv-filters" className={"filters" + (showFilters ? " open" : "")}>
        <legend className="visually-hidden">{t("invoices.filters")}</legend>
        <div>
          <label htmlFor="f-supplier">{t("invoices.supplier")}</label>
          <input id="f-supplier" value={supplier} maxLength={200} onChange={(e) => setSupplier(e.target.value)} />
        </div>
        <div>
          <label htmlFor="f-from">{t("invoices.issued_from")}</label>
          <input id="f-from" type="date" value={filters.issueFrom} onChange={(e) => update({ issueFrom: e.target.value })} />
        </div>
        <div>
          <label htmlFor="f-to">{t("invoices.issued_to")}</label>
          <input id="f-to" type="date" value={filters.issueTo} onChange={(e) => update({ issueTo: e.target.value })} />
        </div>
        <div>
          <label htmlFor="f-due-to">{t("invoices.due_by")}</label>
          <input id="f-due-to" type="date" value={filters.dueTo} onChange={(e) => update({ dueTo: e.target.value })} />
        </div>
        <div>
          <label htmlFor="f-min">{t("invoices.min_total")}</label>
          <input
            id="f-min"
            inputMode="decimal"
            value={filters.minTotal}
            onChange={(e) => update({ minTotal: e.target.value.trim() })}
          />
        </div>
        <div>
          <label htmlFor="f-max">{t("invoices.max_total")}</label>
          <input
            id="f-max"
            inputMode="decimal"
            value={filters.maxTotal}
            onChange={(e) => update({ maxTotal: e.target.value.trim() })}
          />
        </div>
        <div>
          <label htmlFor="f-source">{t("invoices.source")}</label>
          <select id="f-source" value={filters.source} onChange={(e) => update({ source: e.target.value as InvoiceFilters["source"] })}>
            <option value="">{t("common.any")}</option>
            {sources.map((s) => (
              <option key={s} value={s}>
                {t(("source." + s) as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-sort">{t("invoices.sort")}</label>
          <select id="f-sort" value={filters.sort} onChange={(e) => update({ sort: e.target.value as SortKey })}>
            {sortKeys.map((k) => (
              <option key={k} value={k}>
                {t(("sort." + k) as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-actions">
          <button type="button" className="link-button" onClick={() => setParams(filtersToParams(defaultFilters))}>
            {t("invoices.clear")}
          </button>
        </div>
      </fieldset>
      {problems.length > 0 && (
        <Notice kind="error">{problems.map((p) => t(("filter." + p) as MessageKey)).join(" ")}</Notice>
      )}
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {canWrite && selected.size > 0 && (
        <div className="bulkbar" role="region" aria-label={t("invoices.bulk")}>
          <span>{t("invoices.selected", { n: selected.size })}</span>
          <button type="button" onClick={() => bulk.mutate({ action: "approve" })} disabled={bulk.isPending}>
            {t("action.approve")}
          </button>
          <button type="button" onClick={() => setDialog("reject")} disabled={bulk.isPending}>
            {t("action.reject")}
          </button>
          <button type="button" onClick={() => setDialog("paid")} disabled={bulk.isPending}>
            {t("action.mark_paid")}
          </button>
          <button type="button" className="link-button" onClick={() => setSelected(new Set())}>
            {t("invoices.clear_selection")}
          </button>
        </div>
      )}
      <div className="list-meta" aria-live="polite">
        {list.data &&
          (list.data.total_capped
            ? t("invoices.count_capped", { n: total.toLocaleString(locale) })
            : t("invoices.count", { n: total.toLocaleString(locale) }))}
        {list.isFetching && <span className="spinner small" aria-hidden="true" />}
      </div>
      {list.isPending ? (
        <Skeleton rows={8} />
      ) : list.isError ? (
        <ErrorBox error={list.error} retry={() => list.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title={n || filters.q ? t("invoices.none_match") : t("invoices.none")}>
          {n || filters.q ? (
            <button type="button" onClick={() => setParams(new URLSearchParams())}>
              {t("invoices.clear")}
            </button>
          ) : (
            canWrite && <Link to="/upload">{t("invoices.upload_first")}</Link>
          )}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="invoices" data-testid="invoice-table">
            <thead>
              <tr>
                {canWrite && (
                  <th scope="col" className="select">
                    <input type="checkbox" checked={allSelected} onChange={toggleAll} aria-label={t("invoices.select_all")} />
                  </th>
                )}
                {th("supplier", t("invoices.supplier"))}
                <th scope="col">{t("invoices.number")}</th>
                {th("issue_date", t("invoices.issued"))}
                {th("due_date", t("invoices.due"))}
                {th("total", t("invoices.total"), "num")}
                {th("status", t("invoices.status"))}
                {th("received_at", t("invoices.received"))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <InvoiceRowView
                  key={r.id}
                  row={r}
                  selected={selected.has(r.id)}
                  canWrite={canWrite}
                  onToggle={toggle}
                  day={day}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && total > filters.pageSize && (
        <nav className="pager" aria-label={t("invoices.pages")}>
          <button type="button" disabled={filters.page <= 1} onClick={() => update({ page: filters.page - 1 }, true)}>
            {t("common.previous")}
          </button>
          <span>{t("invoices.page", { page: filters.page, pages })}</span>
          <button type="button" disabled={filters.page >= pages} onClick={() => update({ page: filters.page + 1 }, true)}>
            {t("common.next")}
          </button>
          <label>
            <span className="visually-hidden">{t("invoices.page_size")}</span>
            <select value={filters.pageSize} onChange={(e) => update({ pageSize: Number(e.target.value) })}>
              {[25, 50, 100, 200].map((s) => (
                <option key={s} value={s}>
                  {t("invoices.per_page", { n: s })}
                </option>
              ))}
            </select>
          </label>
        </nav>
      )}
      <RejectDialog
        open={dialog === "reject"}
        onClose={() => setDialog(null)}
        busy={bulk.isPending}
        onConfirm={(reason) => bulk.mutate({ action: "reject", reason })}
      />
      <PaidDialog
        open={dialog === "paid"}
        onClose={() => setDialog(null)}
        busy={bulk.isPending}
        onConfirm={(body) => bulk.mutate({ action: "mark_paid", ...body })}
      />
    </>
  );
}

/// One row of the list. Memoized: a filter change first re-renders the list
/// with the rows it has (while the new page loads), and those rows have
/// not changed.
const InvoiceRowView = memo(function InvoiceRowView({
  row: r,
  selected,
  canWrite,
  onToggle,
  day,
}: {
  row: InvoiceRow;
  selected: boolean;
  canWrite: boolean;
  onToggle: (id: string) => void;
  day: string;
}) {
  const { t, locale } = useI18n();
  const overdue = r.status === "approved_unpaid" && r.due_date && r.due_date < day;
  return (
    <tr className={selected ? "selected" : ""} data-id={r.id} data-status={r.status}>
      {canWrite && (
        <td className="select">
          <input
            type="checkbox"
            checked={selected}
            onChange={() => onToggle(r.id)}
            aria-label={t("invoices.select", { name: r.supplier_name ?? r.file_name })}
          />
        </td>
      )}
      <td data-label={t("invoices.supplier")} className="primary-cell">
        <Link to={"/invoices/" + r.id}>{r.supplier_name ?? r.file_name}</Link>
        {r.duplicate_of && <span className="tag">{t("invoices.duplicate")}</span>}
      </td>
      <td data-label={t("invoices.number")}>{r.invoice_number ?? "—"}</td>
      <td data-label={t("invoices.issued")}>{formatDate(r.issue_date, locale)}</td>
      <td data-label={t("invoices.due")} className={overdue ? "overdue" : ""}>
        {formatDate(r.due_date, locale)}
      </td>
      <td data-label={t("invoices.total")} className="num">
        {formatMoney(r.total, r.currency, locale)}
      </td>
      <td data-label={t("invoices.status")}>
        <StatusBadge status={r.status} />
      </td>
      <td data-label={t("invoices.received")}>{formatDate(r.received_at, locale)}</td>
    </tr>
  );
});

export function RejectDialog({
  open,
  onClose,
  onConfirm,
  busy,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: (reason: string) => void;
  busy: boolean;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  return (
    <Dialog open={open} title={t("action.reject")} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) onConfirm(reason.trim());
        }}
      >
        <label htmlFor="reject-reason">{t("review.reject_reason")}</label>
        <textarea id="reject-reason" required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="danger" disabled={busy || !reason.trim()}>
            {t("action.reject")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export const paymentMethods = ["bank_transfer", "card", "cash", "cheque", "direct_debit", "other"] as const;

export function PaidDialog({
  open,
  onClose,
  onConfirm,
  busy,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: (body: { paid_on: string; method?: string; reference?: string }) => void;
  busy: boolean;
}) {
  const { t } = useI18n();
  const [paidOn, setPaidOn] = useState(today());
  const [method, setMethod] = useState("");
  const [reference, setReference] = useState("");
  return (
    <Dialog open={open} title={t("action.mark_paid")} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const body: { paid_on: string; method?: string; reference?: string } = { paid_on: paidOn };
          if (method) body.method = method;
          if (reference.trim()) body.reference = reference.trim();
          onConfirm(body);
        }}
      >
        <label htmlFor="paid-on">{t("review.paid_on")}</label>
        <input id="paid-on" type="date" required value={paidOn} onChange={(e) => setPaidOn(e.target.value)} autoFocus />
        <label htmlFor="paid-method">{t("review.method")}</label>
        <select id="paid-method" value={method} onChange={(e) => setMethod(e.target.value)}>
          <option value="">{t("common.not_said")}</option>
          {paymentMethods.map((m) => (
            <option key={m} value={m}>
              {t(("method." + m) as MessageKey)}
            </option>
          ))}
        </select>
        <label htmlFor="paid-ref">{t("review.reference")}</label>
        <input id="paid-ref" maxLength={200} value={reference} onChange={(e) => setReference(e.target.value)} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy || !paidOn}>
            {t("action.mark_paid")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
