import { useState } from "react";
import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "../api";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { formatDate, formatMoney, formatPercent, formatUnitPrice } from "../format";
import { PriceChart } from "../components/charts";
import { ErrorBox, PageHeader, Skeleton, StatusBadge } from "../components/ui";
import { NotFound } from "./NotFound";
import { TotalsCell } from "./Suppliers";
import type { PricePoint, Supplier, SupplierInvoice, SupplierItem } from "../types";

export default function SupplierPage() {
  const { id = "" } = useParams();
  const { t, locale } = useI18n();
  const [item, setItem] = useState<string | null>(null);
  const [invOffset, setInvOffset] = useState(0);
  const base = "/api/suppliers/" + encodeURIComponent(id);
  const supplier = useQuery({ queryKey: ["suppliers", id], queryFn: () => api<Supplier>(base) });
  const invoices = useQuery({
    queryKey: ["suppliers", id, "invoices", invOffset],
    queryFn: () => api<{ invoices: SupplierInvoice[]; total: number }>(base + "/invoices?limit=20&offset=" + invOffset),
    enabled: supplier.isSuccess,
  });
  const items = useQuery({
    queryKey: ["suppliers", id, "items"],
    queryFn: () => api<{ items: SupplierItem[]; total: number }>(base + "/items?limit=200"),
    enabled: supplier.isSuccess,
  });
  if (supplier.isPending) return <Skeleton rows={5} height={60} />;
  if (supplier.isError) {
    if (supplier.error instanceof ApiError && (supplier.error.status === 404 || supplier.error.status === 400))
      return <NotFound />;
    return <ErrorBox error={supplier.error} retry={() => supplier.refetch()} />;
  }
  const s = supplier.data;
  const chosen = item ?? items.data?.items[0]?.id ?? null;
  return (
    <>
      <PageHeader title={s.name} />
      <p className="muted">
        <Link to="/suppliers">← {t("nav.suppliers")}</Link>
        {s.tax_id && <> · {t("suppliers.tax_id")}: {s.tax_id}</>}
      </p>
      <div className="tiles">
        <div className="tile">
          <span className="tile-label">{t("suppliers.invoices")}</span>
          <span className="tile-value" data-testid="supplier-invoices">
            {s.invoice_count}
          </span>
          <span className="tile-sub">{t("suppliers.approved_n", { n: s.approved_count })}</span>
        </div>
        <div className="tile">
          <span className="tile-label">{t("suppliers.spend")}</span>
          <span className="tile-value" data-testid="supplier-spend">
            <TotalsCell totals={s.totals} pick={(x) => x.spend} />
          </span>
          <span className="tile-sub">
            {t("suppliers.average")}: <TotalsCell totals={s.totals} pick={(x) => x.average} />
          </span>
        </div>
        <div className="tile">
          <span className="tile-label">{t("suppliers.unpaid")}</span>
          <span className="tile-value">
            <TotalsCell totals={s.totals} pick={(x) => x.unpaid} />
          </span>
          <span className="tile-sub">{t("suppliers.last")}: {formatDate(s.last_invoice_date, locale)}</span>
        </div>
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="items-h">
          <h2 id="items-h">{t("suppliers.items")}</h2>
          {items.isPending ? (
            <Skeleton rows={4} height={28} />
          ) : items.isError ? (
            <ErrorBox error={items.error} />
          ) : items.data.items.length === 0 ? (
            <p className="muted">{t("suppliers.no_items")}</p>
          ) : (
            <>
              <ul className="ranked items">
                {items.data.items.map((it) => (
                  <li key={it.id} className={it.id === chosen ? "chosen" : ""}>
                    <button
                      type="button"
                      className="link-button"
                      aria-pressed={it.id === chosen}
                      onClick={() => setItem(it.id)}
                    >
                      {it.description}
                      {it.unit && <span className="muted"> / {it.unit}</span>}
                    </button>
                    <span>
                      {formatUnitPrice(it.latest_price, it.currency, locale)}
                      {it.change_percent && (
                        <span className={Number(it.change_percent) > 0 ? "up" : "down"}>
                          {" "}
                          {formatPercent(it.change_percent, locale)}
                        </span>
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section className="card" aria-labelledby="price-h">
          <h2 id="price-h">{t("suppliers.price_history")}</h2>
          {chosen ? <PriceHistory itemId={chosen} /> : <p className="muted">{t("suppliers.no_items")}</p>}
        </section>
      </div>
      <section className="card" aria-labelledby="sinv-h">
        <h2 id="sinv-h">{t("nav.invoices")}</h2>
        {invoices.isPending ? (
          <Skeleton rows={4} />
        ) : invoices.isError ? (
          <ErrorBox error={invoices.error} />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("invoices.number")}</th>
                  <th scope="col">{t("invoices.issued")}</th>
                  <th scope="col" className="num">
                    {t("invoices.total")}
                  </th>
                  <th scope="col">{t("invoices.status")}</th>
                </tr>
              </thead>
              <tbody>
                {invoices.data.invoices.map((i) => (
                  <tr key={i.id}>
                    <td data-label={t("invoices.number")} className="primary-cell">
                      <Link to={"/invoices/" + i.id}>{i.number ?? "—"}</Link>
                    </td>
                    <td data-label={t("invoices.issued")}>{formatDate(i.issue_date ?? i.invoice_date, locale)}</td>
                    <td data-label={t("invoices.total")} className="num">
                      {formatMoney(i.total, i.currency, locale)}
                    </td>
                    <td data-label={t("invoices.status")}>
                      <StatusBadge status={i.display_status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {invoices.data && invoices.data.total > 20 && (
          <nav className="pager" aria-label={t("invoices.pages")}>
            <button type="button" disabled={invOffset === 0} onClick={() => setInvOffset(Math.max(0, invOffset - 20))}>
              {t("common.previous")}
            </button>
            <button type="button" disabled={invOffset + 20 >= invoices.data.total} onClick={() => setInvOffset(invOffset + 20)}>
              {t("common.next")}
            </button>
          </nav>
        )}
      </section>
    </>
  );
}

function PriceHistory({ itemId }: { itemId: string }) {
  const { t, locale } = useI18n();
  const { tenant } = useSession();
  const history = useQuery({
    queryKey: ["suppliers", "item", itemId],
    queryFn: () =>
      api<{ item: SupplierItem; prices: PricePoint[]; total: number }>(
        "/api/items/" + encodeURIComponent(itemId) + "/prices?limit=200",
      ),
  });
  if (history.isPending) return <Skeleton rows={1} height={200} />;
  if (history.isError) return <ErrorBox error={history.error} />;
  const { item, prices } = history.data;
  // Oldest first, left to right.
  const ordered = [...prices].sort((a, b) => a.observed_on.localeCompare(b.observed_on));
  const threshold = tenant ? Number(tenant.settings.price_alert_threshold_percent) : null;
  return (
    <>
      <p>
        <strong>{item.description}</strong>
        {item.unit && <span className="muted"> / {item.unit}</span>}
      </p>
      <PriceChart
        label={t("suppliers.chart_label", { item: item.description })}
        thresholdPercent={threshold}
        points={ordered.map((p) => ({
          key: p.invoice_id + p.observed_on,
          x: formatDate(p.observed_on, locale),
          value: Number(p.unit_price),
          alert: p.alert,
          title:
            formatDate(p.observed_on, locale) +
            ": " +
            formatUnitPrice(p.unit_price, item.currency, locale) +
            (p.change_percent ? " (" + formatPercent(p.change_percent, locale) + ")" : ""),
        }))}
      />
      {threshold != null && <p className="muted small">{t("suppliers.threshold", { n: threshold })}</p>}
    </>
  );
}
