import { useState, type FormEvent } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { formatDateTime } from "../format";
import { ErrorBox, Notice, PageHeader, Skeleton, errorText } from "../components/ui";
import { NotFound } from "./NotFound";

interface Platform {
  allowlist: string[];
  waitlist: { email: string; note: string; approved: boolean }[];
}
interface TenantRow {
  id: string;
  name: string;
  brand: string;
  region: string;
  currency: string;
  inbound_alias: string;
  created_at: string;
  deactivated: boolean;
  members: number;
}
interface UserRow {
  id: string;
  email: string;
  global_admin: boolean;
  founding_admin: boolean;
  disabled: boolean;
  registered_at: string;
  last_signed_in_at: string;
}

type Tab = "access" | "tenants" | "users";

export default function Admin() {
  const { t } = useI18n();
  const { me } = useSession();
  const [tab, setTab] = useState<Tab>("access");
  if (!me.user.global_admin) return <NotFound />;
  const tabs: Tab[] = ["access", "tenants", "users"];
  return (
    <>
      <PageHeader title={t("nav.admin")} />
      <div role="tablist" className="tabs" aria-label={t("nav.admin")}>
        {tabs.map((x) => (
          <button
            key={x}
            role="tab"
            type="button"
            id={"tab-" + x}
            aria-selected={tab === x}
            aria-controls={"panel-" + x}
            tabIndex={tab === x ? 0 : -1}
            onClick={() => setTab(x)}
            onKeyDown={(e) => {
              const i = tabs.indexOf(x);
              if (e.key === "ArrowRight") setTab(tabs[(i + 1) % tabs.length]!);
              if (e.key === "ArrowLeft") setTab(tabs[(i + tabs.length - 1) % tabs.length]!);
            }}
          >
            {t(("admin." + x) as "admin.access")}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={"panel-" + tab} aria-labelledby={"tab-" + tab}>
        {tab === "access" && <Access />}
        {tab === "tenants" && <Tenants />}
        {tab === "users" && <Users />}
      </div>
    </>
  );
}

function useAdminCommand() {
  const qc = useQueryClient();
  const { t } = useI18n();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const m = useMutation({
    mutationFn: (c: { path: string; method: string; body?: unknown }) => api(c.path, { method: c.method, body: c.body }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["admin"] });
      setMessage({ kind: "ok", text: t("common.saved") });
    },
    onError: (e) => setMessage({ kind: "error", text: errorText(e, t("error.generic")) }),
  });
  return { ...m, message };
}

function Access() {
  const { t } = useI18n();
  const platform = useQuery({ queryKey: ["admin", "platform"], queryFn: () => api<Platform>("/api/admin/allowlist") });
  const cmd = useAdminCommand();
  const [entry, setEntry] = useState("");
  if (platform.isPending) return <Skeleton rows={4} />;
  if (platform.isError) return <ErrorBox error={platform.error} retry={() => platform.refetch()} />;
  const add = (e: FormEvent) => {
    e.preventDefault();
    cmd.mutate({ path: "/api/admin/allowlist", method: "POST", body: { entry: entry.trim() } }, { onSuccess: () => setEntry("") });
  };
  const pending = platform.data.waitlist.filter((w) => !w.approved);
  return (
    <div className="grid-2">
      <section className="card" aria-labelledby="allow-h">
        <h2 id="allow-h">{t("admin.allowlist")}</h2>
        {cmd.message && <Notice kind={cmd.message.kind}>{cmd.message.text}</Notice>}
        <ul className="people">
          {platform.data.allowlist.map((a) => (
            <li key={a}>
              <span>{a}</span>
              <button
                type="button"
                className="link-button"
                onClick={() => cmd.mutate({ path: "/api/admin/allowlist/" + encodeURIComponent(a), method: "DELETE" })}
              >
                {t("settings.remove")}
              </button>
            </li>
          ))}
        </ul>
        <form className="inline-form" onSubmit={add}>
          <div>
            <label htmlFor="allow-entry">{t("admin.allow_entry")}</label>
            <input id="allow-entry" required value={entry} onChange={(e) => setEntry(e.target.value)} placeholder="chef@example.com, @example.com" />
          </div>
          <button type="submit">{t("admin.allow")}</button>
        </form>
      </section>
      <section className="card" aria-labelledby="wait-h">
        <h2 id="wait-h">{t("admin.waitlist")}</h2>
        {pending.length === 0 ? (
          <p className="muted">{t("admin.waitlist_empty")}</p>
        ) : (
          <ul className="people">
            {pending.map((w) => (
              <li key={w.email}>
                <span>
                  {w.email} {w.note && <span className="muted">— {w.note}</span>}
                </span>
                <button
                  type="button"
                  onClick={() =>
                    cmd.mutate({ path: "/api/admin/waitlist/" + encodeURIComponent(w.email) + "/approve", method: "POST" })
                  }
                >
                  {t("admin.approve")}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Tenants() {
  const { t, locale } = useI18n();
  const [search, setSearch] = useState("");
  const cmd = useAdminCommand();
  const q = new URLSearchParams({ limit: "100" });
  if (search.trim()) q.set("search", search.trim());
  const list = useQuery({
    queryKey: ["admin", "tenants", q.toString()],
    queryFn: () => api<{ tenants: TenantRow[]; total: number }>("/api/admin/tenants?" + q.toString()),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="card">
      <label htmlFor="ten-q">{t("admin.search")}</label>
      <input id="ten-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      {cmd.message && <Notice kind={cmd.message.kind}>{cmd.message.text}</Notice>}
      {list.isPending ? (
        <Skeleton rows={4} />
      ) : list.isError ? (
        <ErrorBox error={list.error} retry={() => list.refetch()} />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("onboarding.name")}</th>
                <th scope="col">{t("onboarding.region")}</th>
                <th scope="col" className="num">
                  {t("settings.members")}
                </th>
                <th scope="col">{t("admin.created")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("admin.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.tenants.map((tn) => (
                <tr key={tn.id}>
                  <td data-label={t("onboarding.name")} className="primary-cell">
                    {tn.name} <span className="muted small">{tn.inbound_alias}</span>
                  </td>
                  <td data-label={t("onboarding.region")}>
                    {tn.region} · {tn.currency}
                  </td>
                  <td data-label={t("settings.members")} className="num">
                    {tn.members}
                  </td>
                  <td data-label={t("admin.created")}>{formatDateTime(tn.created_at, locale)}</td>
                  <td>
                    {tn.deactivated ? (
                      <span className="tag">{t("admin.deactivated")}</span>
                    ) : (
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => {
                          const reason = window.prompt(t("admin.deactivate_reason", { name: tn.name }));
                          if (reason)
                            cmd.mutate({ path: "/api/admin/tenants/" + tn.id + "/deactivate", method: "POST", body: { reason } });
                        }}
                      >
                        {t("admin.deactivate")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Users() {
  const { t, locale } = useI18n();
  const { me } = useSession();
  const [search, setSearch] = useState("");
  const cmd = useAdminCommand();
  const q = new URLSearchParams({ limit: "100" });
  if (search.trim()) q.set("search", search.trim());
  const list = useQuery({
    queryKey: ["admin", "users", q.toString()],
    queryFn: () => api<{ users: UserRow[]; total: number }>("/api/admin/users?" + q.toString()),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="card">
      <label htmlFor="usr-q">{t("admin.search")}</label>
      <input id="usr-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      {cmd.message && <Notice kind={cmd.message.kind}>{cmd.message.text}</Notice>}
      {list.isPending ? (
        <Skeleton rows={4} />
      ) : list.isError ? (
        <ErrorBox error={list.error} retry={() => list.refetch()} />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("signin.email")}</th>
                <th scope="col">{t("admin.last_seen")}</th>
                <th scope="col">{t("admin.platform_admin")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("admin.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.users.map((u) => (
                <tr key={u.id}>
                  <td data-label={t("signin.email")} className="primary-cell">
                    {u.email} {u.disabled && <span className="tag">{t("admin.disabled")}</span>}
                  </td>
                  <td data-label={t("admin.last_seen")}>{formatDateTime(u.last_signed_in_at || null, locale)}</td>
                  <td data-label={t("admin.platform_admin")}>
                    <input
                      type="checkbox"
                      checked={u.global_admin}
                      disabled={u.id === me.user.id || u.disabled}
                      aria-label={t("admin.platform_admin_of", { email: u.email })}
                      onChange={(e) =>
                        cmd.mutate({ path: "/api/admin/users/" + u.id, method: "PATCH", body: { global_admin: e.target.checked } })
                      }
                    />
                  </td>
                  <td>
                    {!u.disabled && u.id !== me.user.id && (
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => {
                          const reason = window.prompt(t("admin.disable_reason", { email: u.email }));
                          if (reason) cmd.mutate({ path: "/api/admin/users/" + u.id + "/disable", method: "POST", body: { reason } });
                        }}
                      >
                        {t("admin.disable")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
