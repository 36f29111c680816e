import { useEffect, useState, type ReactNode } from "react";
import { NavLink, useLocation } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n } from "../i18n";
import { useSession, useSignOut } from "../session";
import { useLiveUpdates } from "../live";
import type { Me } from "../types";

export function Layout({ children, bare = false }: { children: ReactNode; bare?: boolean }) {
  const { t, lang, setLang } = useI18n();
  const { me, canExport } = useSession();
  const signOut = useSignOut();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const live = useLiveUpdates(!bare && !!me.tenant);
  const qc = useQueryClient();
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const alerts = useQuery({
    queryKey: ["alerts", "count"],
    queryFn: () => api<{ unacknowledged: number }>("/api/price-alerts/count"),
    enabled: !bare && !!me.tenant,
    staleTime: 30_000,
  });
  const switchTenant = async (id: string) => {
    const next = await api<Me>("/api/auth/tenant", { method: "POST", body: { tenant_id: id } });
    qc.clear();
    qc.setQueryData(["me"], next);
    window.location.assign("/");
  };
  const links: [string, string, boolean?][] = bare
    ? []
    : [
        ["/", t("nav.dashboard"), true],
        ["/invoices", t("nav.invoices")],
        ["/upload", t("nav.upload")],
        ["/suppliers", t("nav.suppliers")],
        ["/alerts", t("nav.alerts")],
      ];
  if (!bare && canExport) links.push(["/exports", t("nav.exports")]);
  if (!bare) links.push(["/settings", t("nav.settings")]);
  if (me.user.global_admin) links.push(["/admin", t("nav.admin")]);
  const unacked = alerts.data?.unacknowledged ?? 0;
  return (
    <>
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="topbar">
        <div className="topbar-row">
          <NavLink to="/" className="brand" aria-label={t("nav.home")}>
            <img src="/favicon.svg" alt="" width="24" height="24" />
            <span>larder</span>
          </NavLink>
          {me.tenant && <span className="tenant-name">{me.tenant.name}</span>}
          {!bare && (
            <span className={"live live-" + live} title={t(("live." + live) as "live.live")}>
              <span className="visually-hidden">{t(("live." + live) as "live.live")}</span>
            </span>
          )}
          <button
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((o) => !o)}
          >
            {t("nav.menu")}
          </button>
        </div>
        <nav id="main-nav" className={"main-nav" + (menuOpen ? " open" : "")} aria-label={t("nav.main")}>
          <ul>
            {links.map(([to, label, end]) => (
              <li key={to}>
                <NavLink to={to} end={end}>
                  {label}
                  {to === "/alerts" && unacked > 0 && (
                    <span className="count" aria-label={t("alerts.unacknowledged", { n: unacked })}>
                      {unacked}
                    </span>
                  )}
                </NavLink>
              </li>
            ))}
          </ul>
          <div className="nav-tools">
            {me.tenants.length > 1 && (
              <label>
                <span className="visually-hidden">{t("nav.business")}</span>
                <select value={me.tenant?.id ?? ""} onChange={(e) => void switchTenant(e.target.value)}>
                  {me.tenants.map((tn) => (
                    <option key={tn.id} value={tn.id}>
                      {tn.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button
              type="button"
              className="link-button"
              lang={lang === "en" ? "fr" : "en"}
              onClick={() => setLang(lang === "en" ? "fr" : "en")}
            >
              {lang === "en" ? "Français" : "English"}
            </button>
            <span className="who" title={me.user.email}>
              {me.user.email}
            </span>
            <button type="button" className="link-button" onClick={() => void signOut()}>
              {t("nav.sign_out")}
            </button>
          </div>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
