import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { formatDate, formatMoney, formatMonth, formatPercent, formatUnitPrice, today } from "../format";
import { BarChart } from "../components/charts";
import { ErrorBox, PageHeader, Skeleton, Sums } from "../components/ui";
import { displayStatuses, type MoneySum, type Overview, type PriceAlert } from "../types";

function dayBefore(date: string): string {
  const d = new Date(date + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function pick(sums: MoneySum[], currency: string | null): MoneySum | undefined {
  return sums.find((s) => s.currency === currency) ?? sums[0];
}

export default function Dashboard() {
  const { t, locale } = useI18n();
  const { tenant } = useSession();
  const day = today();
  const overview = useQuery({
    queryKey: ["overview", day],
    queryFn: () => api<Overview>("/api/stats/overview?today=" + day),
  });
  const alerts = useQuery({
    queryKey: ["alerts", "recent"],
    queryFn: () => api<{ alerts: PriceAlert[]; total: number }>("/api/price-alerts?acknowledged=false&limit=5"),
  });
  if (overview.isPending)
    return (
      <>
        <PageHeader title={t("nav.dashboard")} />
        <Skeleton rows={4} height={96} />
      </>
    );
  if (overview.isError) return <ErrorBox error={overview.error} retry={() => overview.refetch()} />;
  const o = overview.data;
  const currency = o.currency ?? tenant?.currency ?? null;
  const monthStart = o.today.slice(0, 8) + "01";
  const thisMonth = pick(o.spend_this_month, currency);
  const lastMonth = pick(o.spend_last_month, currency);
  const bars = o.spend_by_month.map((m) => {
    const s = pick(m.spend, currency);
    return {
      key: m.month,
      label: formatMonth(m.month, locale),
      value: s ? Number(s.amount) : 0,
      title: formatMonth(m.month, locale, true) + ": " + (s ? formatMoney(s.amount, s.currency, locale) : "0"),
    };
  });
  const approved = "status=approved_unpaid,approved_paid";
  const empty = displayStatuses.every((s) => !o.counts[s]);
  return (
    <>
      <PageHeader title={t("nav.dashboard")}>
        <Link to="/upload" className="button primary">
          {t("nav.upload")}
        </Link>
      </PageHeader>
      {empty && (
        <div className="card callout">
          <p>{t("dashboard.empty")}</p>
          <Link to="/welcome">{t("onboarding.checklist")}</Link>
        </div>
      )}
      <div className="tiles">
        <Link className="tile" to={`/invoices?${approved}&issue_from=${monthStart}`} data-tile="spend">
          <span className="tile-label">{t("dashboard.spend_this_month")}</span>
          <span className="tile-value" data-testid="spend-this-month">
            {thisMonth ? formatMoney(thisMonth.amount, thisMonth.currency, locale) : formatMoney("0", currency, locale)}
          </span>
          <span className="tile-sub">
            {t("dashboard.last_month")}:{" "}
            {lastMonth ? formatMoney(lastMonth.amount, lastMonth.currency, locale) : formatMoney("0", currency, locale)}
          </span>
        </Link>
        <Link className="tile" to="/invoices?status=awaiting_approval" data-tile="awaiting">
          <span className="tile-label">{t("dashboard.awaiting")}</span>
          <span className="tile-value" data-testid="awaiting-count">
            {o.awaiting_approval.count}
          </span>
          <span className="tile-sub">
            <Sums sums={o.awaiting_approval.totals} />
          </span>
        </Link>
        <Link className="tile" to="/invoices?status=approved_unpaid" data-tile="unpaid">
          <span className="tile-label">{t("dashboard.unpaid")}</span>
          <span className="tile-value" data-testid="unpaid-count">
            {o.unpaid.count}
          </span>
          <span className="tile-sub">
            <Sums sums={o.unpaid.totals} />
          </span>
        </Link>
        <Link
          className={"tile" + (o.overdue.count ? " tile-warn" : "")}
          to={`/invoices?status=approved_unpaid&due_to=${dayBefore(o.today)}&sort=due_date&order=asc`}
          data-tile="overdue"
        >
          <span className="tile-label">{t("dashboard.overdue")}</span>
          <span className="tile-value">{o.overdue.count}</span>
          <span className="tile-sub">
            <Sums sums={o.overdue.totals} />
          </span>
        </Link>
      </div>
      <div className="grid-2">
        <section className="card">
          <h2>{t("dashboard.spend_12_months")}</h2>
          <BarChart bars={bars} label={t("dashboard.spend_12_months")} />
        </section>
        <section className="card">
          <h2>{t("dashboard.top_suppliers")}</h2>
          {o.top_suppliers.length === 0 ? (
            <p className="muted">{t("dashboard.no_spend")}</p>
          ) : (
            <ol className="ranked">
              {o.top_suppliers.map((s) => (
                <li key={s.supplier_id + s.currency} data-supplier={s.supplier_id}>
                  <Link to={"/suppliers/" + encodeURIComponent(s.supplier_id)}>{s.supplier_name}</Link>
                  <span>{formatMoney(s.amount, s.currency, locale)}</span>
                </li>
              ))}
            </ol>
          )}
        </section>
        <section className="card">
          <h2>{t("dashboard.by_status")}</h2>
          <ul className="ranked">
            {displayStatuses.map((s) => (
              <li key={s}>
                <Link to={"/invoices?status=" + s}>{t(("status." + s) as "status.processing")}</Link>
                <span data-count={s}>{o.counts[s] ?? 0}</span>
              </li>
            ))}
          </ul>
        </section>
        <section className="card">
          <h2>
            <Link to="/alerts">{t("dashboard.recent_alerts")}</Link>
          </h2>
          {alerts.isPending ? (
            <Skeleton rows={3} height={24} />
          ) : alerts.isError || !alerts.data.alerts.length ? (
            <p className="muted">{t("alerts.none")}</p>
          ) : (
            <ul className="ranked">
              {alerts.data.alerts.map((a) => (
                <li key={a.id}>
                  <Link to={"/suppliers/" + a.supplier.id}>
                    {a.item.description} · {a.supplier.name}
                  </Link>
                  <span>
                    {formatUnitPrice(a.new_price, a.currency, locale)} ({formatPercent(a.percent, locale)}),{" "}
                    {formatDate(a.observed_on, locale)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
