import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import { aliasFrom, regionByCode, regions } from "../regions";
import { errorText, Notice, PageHeader, Skeleton } from "../components/ui";
import type { Tenant } from "../types";

export default function Onboarding() {
  const { me } = useSession();
  return me.tenant ? <Checklist /> : <CreateBusiness />;
}

function CreateBusiness() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [region, setRegion] = useState("CA-QC");
  const [currency, setCurrency] = useState("CAD");
  const [alias, setAlias] = useState("");
  const [aliasTouched, setAliasTouched] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api<Tenant>("/api/onboarding/complete", {
        method: "POST",
        body: { name: name.trim(), region, currency, inbound_alias: aliasTouched ? alias : aliasFrom(name) },
      }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ["me"] });
      navigate("/welcome");
    },
    onError: (e) => setError(errorText(e, t("error.generic"))),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    create.mutate();
  };
  const r = regionByCode(region);
  return (
    <section className="narrow">
      <PageHeader title={t("onboarding.title")} />
      <p>{t("onboarding.intro")}</p>
      <form className="card form" onSubmit={submit}>
        {error && <Notice kind="error">{error}</Notice>}
        <label htmlFor="ob-name">{t("onboarding.name")}</label>
        <input
          id="ob-name"
          required
          maxLength={200}
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="organization"
        />
        <label htmlFor="ob-region">{t("onboarding.region")}</label>
        <select
          id="ob-region"
          value={region}
          onChange={(e) => {
            setRegion(e.target.value);
            setCurrency(regionByCode(e.target.value)?.currency ?? currency);
          }}
        >
          {regions.map((rg) => (
            <option key={rg.code} value={rg.code}>
              {rg.name}
            </option>
          ))}
        </select>
        {r && <p className="hint">{t("onboarding.taxes", { taxes: r.taxes })}</p>}
        <label htmlFor="ob-currency">{t("onboarding.currency")}</label>
        <input
          id="ob-currency"
          required
          pattern="[A-Za-z]{3}"
          maxLength={3}
          value={currency}
          onChange={(e) => setCurrency(e.target.value.toUpperCase())}
          aria-describedby="ob-currency-hint"
        />
        <p className="hint" id="ob-currency-hint">
          {t("onboarding.currency_hint")}
        </p>
        <label htmlFor="ob-alias">{t("onboarding.alias")}</label>
        <input
          id="ob-alias"
          required
          pattern="[a-z0-9][a-z0-9\-]{1,38}[a-z0-9]"
          value={aliasTouched ? alias : aliasFrom(name)}
          onChange={(e) => {
            setAliasTouched(true);
            setAlias(e.target.value.toLowerCase());
          }}
          aria-describedby="ob-alias-hint"
        />
        <p className="hint" id="ob-alias-hint">
          {t("onboarding.alias_hint")}
        </p>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? t("common.saving") : t("onboarding.create")}
        </button>
      </form>
    </section>
  );
}

const stepLinks: Record<string, string> = {
  whatsapp_added: "/settings#whatsapp",
  member_invited: "/settings#members",
  first_invoice_uploaded: "/upload",
};

function Checklist() {
  const { t } = useI18n();
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const tenant = useQuery({ queryKey: ["tenant-full"], queryFn: () => api<Tenant>("/api/tenant") });
  const [copied, setCopied] = useState(false);
  const tick = useMutation({
    mutationFn: (step: string) => api<Tenant>("/api/onboarding/checklist/" + step, { method: "POST" }),
    onSuccess: (data) => {
      qc.setQueryData(["tenant-full"], data);
      qc.invalidateQueries({ queryKey: ["tenant"] });
    },
  });
  if (tenant.isPending) return <Skeleton rows={5} />;
  if (tenant.isError) return <Notice kind="error">{errorText(tenant.error, t("error.generic"))}</Notice>;
  const data = tenant.data;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(data.inbound_address);
    } catch {
      // Clipboard refused (no permission): the address is on screen to copy.
    }
    setCopied(true);
    if (canWrite) tick.mutate("inbound_address_copied");
  };
  const done = data.steps.filter((s) => s.done).length;
  return (
    <section className="narrow">
      <PageHeader title={t("onboarding.welcome", { name: data.name })} />
      <p>{t("onboarding.progress", { done, total: data.steps.length })}</p>
      <progress max={data.steps.length} value={done} aria-label={t("onboarding.checklist")} />
      <ol className="checklist">
        {data.steps.map((s) => (
          <li key={s.step} className={s.done ? "done" : ""} data-step={s.step}>
            <span className="check" aria-hidden="true">
              {s.done ? "✓" : ""}
            </span>
            <div>
              <strong>{t(("step." + s.step) as MessageKey)}</strong>
              {s.done && <span className="visually-hidden"> — {t("onboarding.done")}</span>}
              {s.step === "inbound_address_copied" && (
                <p className="inbound">
                  <code>{data.inbound_address}</code>{" "}
                  <button type="button" onClick={() => void copy()}>
                    {copied ? t("common.copied") : t("common.copy")}
                  </button>
                </p>
              )}
              {stepLinks[s.step] && !s.done && (
                <p>
                  <Link to={stepLinks[s.step]!}>{t(("step." + s.step + ".go") as MessageKey)}</Link>
                </p>
              )}
            </div>
          </li>
        ))}
      </ol>
      <p>
        <Link to="/" className="button primary">
          {t("onboarding.to_dashboard")}
        </Link>
      </p>
    </section>
  );
}
