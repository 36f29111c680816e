import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import { ErrorBox, Notice, PageHeader, Skeleton, errorText } from "../components/ui";
import type { Role, Tenant } from "../types";

export const accountPurposes = [
  "expenses",
  "accounts_payable",
  "gst_itc",
  "qst_itc",
  "hst_itc",
  "vat_input",
  "sales_tax",
  "bank",
] as const;
const roles: Role[] = ["admin", "member", "auditor"];

/// One mutation shape for every tenant command: it answers the tenant.
function useTenantCommand() {
  const qc = useQueryClient();
  const { t } = useI18n();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const m = useMutation({
    mutationFn: (c: { path: string; method: string; body?: unknown }) =>
      api<Tenant>(c.path, { method: c.method, body: c.body }),
    onSuccess: (data) => {
      if (data && typeof data === "object" && "id" in data) qc.setQueryData(["tenant-full"], data);
      qc.invalidateQueries({ queryKey: ["tenant"] });
      qc.invalidateQueries({ queryKey: ["tenant-full"] });
      setMessage({ kind: "ok", text: t("common.saved") });
    },
    onError: (e) => setMessage({ kind: "error", text: errorText(e, t("error.generic")) }),
  });
  return { ...m, message, setMessage };
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card" id={id} aria-labelledby={id + "-h"}>
      <h2 id={id + "-h"}>{title}</h2>
      {children}
    </section>
  );
}

export default function Settings() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const tenant = useQuery({ queryKey: ["tenant-full"], queryFn: () => api<Tenant>("/api/tenant") });
  useEffect(() => {
    if (tenant.isSuccess && window.location.hash)
      document.getElementById(window.location.hash.slice(1))?.scrollIntoView();
  }, [tenant.isSuccess]);
  if (tenant.isPending)
    return (
      <>
        <PageHeader title={t("nav.settings")} />
        <Skeleton rows={5} height={80} />
      </>
    );
  if (tenant.isError) return <ErrorBox error={tenant.error} retry={() => tenant.refetch()} />;
  const d = tenant.data;
  return (
    <>
      <PageHeader title={t("nav.settings")} />
      {!isAdmin && <Notice kind="info">{t("settings.read_only")}</Notice>}
      <Business tenant={d} />
      <Members tenant={d} />
      <WhatsApp tenant={d} />
      <Preferences tenant={d} />
      <Accounts tenant={d} />
    </>
  );
}

function Business({ tenant }: { tenant: Tenant }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <Section id="business" title={t("settings.business")}>
      <dl className="fields">
        <div className="field">
          <dt>{t("onboarding.name")}</dt>
          <dd>{tenant.name}</dd>
        </div>
        <div className="field">
          <dt>{t("onboarding.region")}</dt>
          <dd>
            {tenant.region} · {tenant.taxes.map((x) => x.kind.toUpperCase() + " " + x.rate_percent + "%").join(" + ")}
          </dd>
        </div>
        <div className="field">
          <dt>{t("onboarding.currency")}</dt>
          <dd>{tenant.currency}</dd>
        </div>
        <div className="field">
          <dt>{t("settings.inbound")}</dt>
          <dd>
            <code data-testid="inbound-address">{tenant.inbound_address}</code>{" "}
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard?.writeText(tenant.inbound_address).catch(() => undefined);
                setCopied(true);
              }}
            >
              {copied ? t("common.copied") : t("common.copy")}
            </button>
          </dd>
        </div>
      </dl>
      <p className="muted small">{t("settings.inbound_hint")}</p>
    </Section>
  );
}

function Members({ tenant }: { tenant: Tenant }) {
  const { t } = useI18n();
  const { isAdmin, me } = useSession();
  const cmd = useTenantCommand();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const invite = (e: FormEvent) => {
    e.preventDefault();
    cmd.mutate(
      { path: "/api/tenant/invitations", method: "POST", body: { email: email.trim(), role } },
      { onSuccess: () => setEmail("") },
    );
  };
  return (
    <Section id="members" title={t("settings.members")}>
      {cmd.message && <Notice kind={cmd.message.kind}>{cmd.message.text}</Notice>}
      <ul className="people">
        {tenant.members.map((m) => (
          <li key={m.user_id}>
            <span>{m.email}</span>
            {isAdmin && m.user_id !== me.user.id ? (
              <>
                <label className="visually-hidden" htmlFor={"role-" + m.user_id}>
                  {t("settings.role_of", { email: m.email })}
                </label>
                <select
                  id={"role-" + m.user_id}
                  value={m.role}
                  onChange={(e) =>
                    cmd.mutate({ path: "/api/tenant/members/" + m.user_id, method: "PATCH", body: { role: e.target.value } })
                  }
                >
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {t(("role." + r) as MessageKey)}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => cmd.mutate({ path: "/api/tenant/members/" + m.user_id, method: "DELETE" })}
                >
                  {t("settings.remove")}
                </button>
              </>
            ) : (
              <span className="tag">{t(("role." + m.role) as MessageKey)}</span>
            )}
          </li>
        ))}
        {tenant.invitations.map((i) => (
          <li key={i.email} className="invited">
            <span>
              {i.email} <span className="muted">({t("settings.invited")})</span>
            </span>
            <span className="tag">{t(("role." + i.role) as MessageKey)}</span>
            {isAdmin && (
              <button
                type="button"
                className="link-button"
                onClick={() =>
                  cmd.mutate({ path: "/api/tenant/invitations/" + encodeURIComponent(i.email), method: "DELETE" })
                }
              >
                {t("settings.withdraw")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {isAdmin && (
        <form className="inline-form" onSubmit={invite}>
          <div>
            <label htmlFor="inv-email">{t("settings.invite_email")}</label>
            <input id="inv-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <div>
            <label htmlFor="inv-role">{t("settings.role")}</label>
            <select id="inv-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t(("role." + r) as MessageKey)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={cmd.isPending}>
            {t("settings.invite")}
          </button>
        </form>
      )}
      <p className="muted small">{t("settings.roles_hint")}</p>
    </Section>
  );
}

function WhatsApp({ tenant }: { tenant: Tenant }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const cmd = useTenantCommand();
  const [number, setNumber] = useState("");
  const [label, setLabel] = useState("");
  const path = (n: string) => "/api/tenant/whatsapp/" + encodeURIComponent(n);
  return (
    <Section id="whatsapp" title={t("settings.whatsapp")}>
      {cmd.message && <Notice kind={cmd.message.kind}>{cmd.message.text}</Notice>}
      {tenant.whatsapp_senders.length === 0 ? (
        <p className="muted">{t("settings.no_senders")}</p>
      ) : (
        <ul className="people">
          {tenant.whatsapp_senders.map((s) => (
            <li key={s.number}>
              <span>
                {s.number} {s.label && <span className="muted">({s.label})</span>}
              </span>
              {isAdmin ? (
                <>
                  <label className="switch">
                    <input
                      type="checkbox"
                      checked={s.enabled}
                      onChange={(e) => cmd.mutate({ path: path(s.number), method: "PATCH", body: { enabled: e.target.checked } })}
                    />
                    {t("settings.enabled")}
                  </label>
                  <button type="button" className="link-button" onClick={() => cmd.mutate({ path: path(s.number), method: "DELETE" })}>
                    {t("settings.remove")}
                  </button>
                </>
              ) : (
                <span className="tag">{s.enabled ? t("settings.enabled") : t("settings.disabled")}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {isAdmin && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            cmd.mutate(
              { path: "/api/tenant/whatsapp", method: "POST", body: { number: number.trim(), label: label.trim() } },
              {
                onSuccess: () => {
                  setNumber("");
                  setLabel("");
                },
              },
            );
          }}
        >
          <div>
            <label htmlFor="wa-number">{t("settings.number")}</label>
            <input
              id="wa-number"
              type="tel"
              required
              placeholder="+15145550123"
              pattern="\+[1-9][0-9]{6,14}"
              value={number}
              onChange={(e) => setNumber(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="wa-label">{t("settings.label")}</label>
            <input id="wa-label" maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} />
          </div>
          <button type="submit" disabled={cmd.isPending}>
            {t("settings.add_sender")}
          </button>
        </form>
      )}
    </Section>
  );
}

function Preferences({ tenant }: { tenant: Tenant }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const cmd = useTenantCommand();
  const [threshold, setThreshold] = useState(tenant.settings.price_alert_threshold_percent);
  const [days, setDays] = useState(String(tenant.settings.rejected_retention_days));
  const [salesTax, setSalesTax] = useState(tenant.settings.sales_tax_percent);
  const us = tenant.region.startsWith("US-");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      price_alert_threshold_percent: threshold.trim().replace(",", "."),
      rejected_retention_days: Number(days),
    };
    if (us) body.sales_tax_percent = salesTax.trim().replace(",", ".");
    cmd.mutate({ path: "/api/tenant/settings", method: "PATCH", body });
  };
  return (
    <Section id="preferences" title={t("settings.preferences")}>
      {cmd.message && <Notice kind={cmd.message.kind}>{cmd.message.text}</Notice>}
      <form className="form" onSubmit={submit}>
        <fieldset disabled={!isAdmin}>
          <label htmlFor="set-threshold">{t("settings.threshold")}</label>
          <input
            id="set-threshold"
            inputMode="decimal"
            required
            pattern="[0-9]+([.,][0-9]{1,2})?"
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
            aria-describedby="set-threshold-hint"
          />
          <p className="hint" id="set-threshold-hint">
            {t("settings.threshold_hint")}
          </p>
          <label htmlFor="set-days">{t("settings.retention")}</label>
          <input
            id="set-days"
            type="number"
            min={1}
            max={3650}
            required
            value={days}
            onChange={(e) => setDays(e.target.value)}
            aria-describedby="set-days-hint"
          />
          <p className="hint" id="set-days-hint">
            {t("settings.retention_hint")}
          </p>
          {us && (
            <>
              <label htmlFor="set-sales">{t("settings.sales_tax")}</label>
              <input id="set-sales" inputMode="decimal" value={salesTax} onChange={(e) => setSalesTax(e.target.value)} />
            </>
          )}
          {isAdmin && (
            <button type="submit" className="primary" disabled={cmd.isPending}>
              {t("common.save")}
            </button>
          )}
        </fieldset>
      </form>
    </Section>
  );
}

function Accounts({ tenant }: { tenant: Tenant }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const cmd = useTenantCommand();
  const [rows, setRows] = useState(() =>
    Object.fromEntries(
      accountPurposes.map((p) => [p, { name: tenant.settings.export_accounts[p]?.name ?? "", code: tenant.settings.export_accounts[p]?.code ?? "" }]),
    ),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const accounts: Record<string, { name: string; code: string }> = {};
    for (const p of accountPurposes) {
      const r = rows[p]!;
      if (r.name.trim()) accounts[p] = { name: r.name.trim(), code: r.code.trim() };
    }
    cmd.mutate({ path: "/api/tenant/settings", method: "PATCH", body: { export_accounts: accounts } });
  };
  return (
    <Section id="accounts" title={t("settings.accounts")}>
      {cmd.message && <Notice kind={cmd.message.kind}>{cmd.message.text}</Notice>}
      <p className="muted small">{t("settings.accounts_hint")}</p>
      <form onSubmit={submit}>
        <fieldset disabled={!isAdmin} className="accounts">
          <legend className="visually-hidden">{t("settings.accounts")}</legend>
          {accountPurposes.map((p) => (
            <div key={p} className="account-row">
              <span className="account-purpose" id={"acc-" + p}>
                {t(("account." + p) as MessageKey)}
              </span>
              <input
                aria-label={t("settings.account_name", { purpose: t(("account." + p) as MessageKey) })}
                placeholder={t("settings.account_name_ph")}
                maxLength={200}
                value={rows[p]!.name}
                onChange={(e) => setRows({ ...rows, [p]: { ...rows[p]!, name: e.target.value } })}
              />
              <input
                aria-label={t("settings.account_code", { purpose: t(("account." + p) as MessageKey) })}
                placeholder={t("settings.account_code_ph")}
                maxLength={50}
                value={rows[p]!.code}
                onChange={(e) => setRows({ ...rows, [p]: { ...rows[p]!, code: e.target.value } })}
              />
            </div>
          ))}
          {isAdmin && (
            <button type="submit" className="primary" disabled={cmd.isPending}>
              {t("common.save")}
            </button>
          )}
        </fieldset>
      </form>
    </Section>
  );
}
