import { useState } from "react";
import { Link } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n } from "../i18n";
import { formatDate, formatMoney } from "../format";
import { Empty, ErrorBox, PageHeader, Skeleton } from "../components/ui";
import type { Supplier, SupplierTotals } from "../types";

const pageSize = 50;
type Sort = "name" | "spend" | "last_invoice" | "invoice_count";

export function TotalsCell({ totals, pick }: { totals: SupplierTotals[]; pick: (t: SupplierTotals) => string }) {
  const { locale } = useI18n();
  if (!totals.length) return <>—</>;
  return <>{totals.map((t) => formatMoney(pick(t), t.currency, locale)).join(" + ")}</>;
}

export default function Suppliers() {
  const { t, locale } = useI18n();
  const [q, setQ] = useState("");
  const [sort, setSort] = useState<Sort>("spend");
  const [offset, setOffset] = useState(0);
  const query = new URLSearchParams({ sort, limit: String(pageSize), offset: String(offset) });
  if (q.trim()) query.set("q", q.trim());
  const list = useQuery({
    queryKey: ["suppliers", query.toString()],
    queryFn: () => api<{ suppliers: Supplier[]; total: number }>("/api/suppliers?" + query.toString()),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader title={t("nav.suppliers")} />
      <div className="searchbar">
        <label htmlFor="sup-q" className="visually-hidden">
          {t("suppliers.search")}
        </label>
        <input
          id="sup-q"
          type="search"
          placeholder={t("suppliers.search")}
          value={q}
          maxLength={200}
          onChange={(e) => {
            setQ(e.target.value);
            setOffset(0);
          }}
        />
        <label htmlFor="sup-sort" className="visually-hidden">
          {t("invoices.sort")}
        </label>
        <select id="sup-sort" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
          <option value="spend">{t("suppliers.by_spend")}</option>
          <option value="name">{t("suppliers.by_name")}</option>
          <option value="last_invoice">{t("suppliers.by_last")}</option>
          <option value="invoice_count">{t("suppliers.by_count")}</option>
        </select>
      </div>
      {list.isPending ? (
        <Skeleton rows={6} />
      ) : list.isError ? (
        <ErrorBox error={list.error} retry={() => list.refetch()} />
      ) : list.data.suppliers.length === 0 ? (
        <Empty title={q ? t("suppliers.none_match") : t("suppliers.none")} />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("suppliers.name")}</th>
                <th scope="col" className="num">
                  {t("suppliers.invoices")}
                </th>
                <th scope="col" className="num">
                  {t("suppliers.spend")}
                </th>
                <th scope="col" className="num">
                  {t("suppliers.average")}
                </th>
                <th scope="col" className="num">
                  {t("suppliers.unpaid")}
                </th>
                <th scope="col">{t("suppliers.last")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.suppliers.map((s) => (
                <tr key={s.id}>
                  <td data-label={t("suppliers.name")} className="primary-cell">
                    <Link to={"/suppliers/" + s.id}>{s.name}</Link>
                    {s.tax_id && <span className="muted small"> · {s.tax_id}</span>}
                  </td>
                  <td data-label={t("suppliers.invoices")} className="num">
                    {s.invoice_count}
                  </td>
                  <td data-label={t("suppliers.spend")} className="num">
                    <TotalsCell totals={s.totals} pick={(x) => x.spend} />
                  </td>
                  <td data-label={t("suppliers.average")} className="num">
                    <TotalsCell totals={s.totals} pick={(x) => x.average} />
                  </td>
                  <td data-label={t("suppliers.unpaid")} className="num">
                    <TotalsCell totals={s.totals} pick={(x) => x.unpaid} />
                  </td>
                  <td data-label={t("suppliers.last")}>{formatDate(s.last_invoice_date, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && list.data.total > pageSize && (
        <nav className="pager" aria-label={t("invoices.pages")}>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - pageSize))}>
            {t("common.previous")}
          </button>
          <span>
            {offset + 1}–{Math.min(offset + pageSize, list.data.total)} / {list.data.total}
          </span>
          <button type="button" disabled={offset + pageSize >= list.data.total} onClick={() => setOffset(offset + pageSize)}>
            {t("common.next")}
          </button>
        </nav>
      )}
    </>
  );
}
