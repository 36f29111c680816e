import { useState } from "react";
import { Link } from "react-router";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { formatDate, formatPercent, formatUnitPrice } from "../format";
import { Empty, ErrorBox, Notice, PageHeader, Skeleton, errorText } from "../components/ui";
import type { PriceAlert } from "../types";

const pageSize = 50;

export default function PriceAlerts() {
  const { t, locale } = useI18n();
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const [state, setState] = useState<"false" | "true" | "">("false");
  const [item, setItem] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const query = new URLSearchParams({ limit: String(pageSize), offset: String(offset) });
  if (state) query.set("acknowledged", state);
  if (item.trim()) query.set("item", item.trim());
  if (from) query.set("from", from);
  if (to) query.set("to", to);
  const badRange = !!from && !!to && from > to;
  const alerts = useQuery({
    queryKey: ["alerts", query.toString()],
    queryFn: () => api<{ alerts: PriceAlert[]; total: number }>("/api/price-alerts?" + query.toString()),
    placeholderData: keepPreviousData,
    enabled: !badRange,
  });
  const ack = useMutation({
    mutationFn: (id: string) => api("/api/tenant/price-alerts/" + id + "/acknowledge", { method: "POST" }),
    onSuccess: () => {
      setError(null);
      qc.invalidateQueries({ queryKey: ["alerts"] });
    },
    onError: (e) => setError(errorText(e, t("error.generic"))),
  });
  return (
    <>
      <PageHeader title={t("nav.alerts")} />
      <div className="filters open inline">
        <div>
          <label htmlFor="al-state">{t("alerts.show")}</label>
          <select
            id="al-state"
            value={state}
            onChange={(e) => {
              setState(e.target.value as typeof state);
              setOffset(0);
            }}
          >
            <option value="false">{t("alerts.open")}</option>
            <option value="true">{t("alerts.acknowledged")}</option>
            <option value="">{t("alerts.all")}</option>
          </select>
        </div>
        <div>
          <label htmlFor="al-item">{t("alerts.item")}</label>
          <input id="al-item" type="search" value={item} maxLength={200} onChange={(e) => setItem(e.target.value)} />
        </div>
        <div>
          <label htmlFor="al-from">{t("invoices.issued_from")}</label>
          <input id="al-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div>
          <label htmlFor="al-to">{t("invoices.issued_to")}</label>
          <input id="al-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
      </div>
      {badRange && <Notice kind="error">{t("filter.issue_range")}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {alerts.isPending ? (
        <Skeleton rows={5} />
      ) : alerts.isError ? (
        <ErrorBox error={alerts.error} retry={() => alerts.refetch()} />
      ) : alerts.data.alerts.length === 0 ? (
        <Empty title={t("alerts.none")}>
          <p className="muted">{t("alerts.explain")}</p>
        </Empty>
      ) : (
        <ul className="alert-list">
          {alerts.data.alerts.map((a) => (
            <li key={a.id} className={"card alert" + (a.acknowledged ? " acked" : "")}>
              <div>
                <strong>{a.item.description}</strong>
                {a.item.unit && <span className="muted"> / {a.item.unit}</span>}
                {" · "}
                <Link to={"/suppliers/" + a.supplier.id}>{a.supplier.name}</Link>
              </div>
              <div className="alert-prices">
                {formatUnitPrice(a.old_price, a.currency, locale)} → <strong>{formatUnitPrice(a.new_price, a.currency, locale)}</strong>{" "}
                <span className="up">{formatPercent(a.percent, locale)}</span>
                <span className="muted small">
                  {" "}
                  ({t("alerts.threshold", { n: formatPercent(a.threshold_percent, locale).replace("+", "") })})
                </span>
              </div>
              <div className="muted small">
                {formatDate(a.observed_on, locale)} ·{" "}
                <Link to={"/invoices/" + a.invoice.id}>
                  {t("alerts.invoice", { number: a.invoice.number ?? "—" })}
                </Link>{" "}
                · {t("alerts.before", { date: formatDate(a.previous_invoice.observed_on, locale) })}
              </div>
              {a.acknowledged ? (
                <span className="tag">
                  {t("alerts.acknowledged_on", { date: formatDate(a.acknowledged_at, locale) })}
                </span>
              ) : (
                canWrite && (
                  <button type="button" onClick={() => ack.mutate(a.id)} disabled={ack.isPending}>
                    {t("alerts.acknowledge")}
                  </button>
                )
              )}
            </li>
          ))}
        </ul>
      )}
      {alerts.data && alerts.data.total > pageSize && (
        <nav className="pager" aria-label={t("invoices.pages")}>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - pageSize))}>
            {t("common.previous")}
          </button>
          <button type="button" disabled={offset + pageSize >= alerts.data.total} onClick={() => setOffset(offset + pageSize)}>
            {t("common.next")}
          </button>
        </nav>
      )}
    </>
  );
}
