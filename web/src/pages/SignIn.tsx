import { useEffect, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { useI18n } from "../i18n";
import { errorText, Notice } from "../components/ui";
import type { ClientConfig } from "../types";

/// Where sign-in mail goes when it goes to no one's inbox: larder in
/// development without SMTP writes it to a directory and says which
/// (GET /api/config). Null otherwise, or when the server cannot say.
function useDevOutbox(): string | null {
  const config = useQuery({
    queryKey: ["config"],
    queryFn: () => api<ClientConfig>("/api/config"),
    staleTime: Infinity,
    retry: false,
  });
  return config.data?.dev_outbox ?? null;
}

export function SignIn() {
  const { t, lang, setLang } = useI18n();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(
    params.get("error") === "invalid_link" ? t("signin.invalid_link") : null,
  );
  const [waitlist, setWaitlist] = useState<"closed" | "open" | "sent">("closed");
  const [note, setNote] = useState("");
  useEffect(() => {
    document.title = t("signin.title") + " · larder";
  }, [t]);
  const outbox = useDevOutbox();
  const devNote = outbox && (
    <p className="dev-note" data-testid="dev-outbox">
      {t("signin.dev_outbox", { path: outbox })}
    </p>
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("/api/auth/magic/request", { method: "POST", body: { email: email.trim() } });
      setSent(email.trim());
    } catch (err) {
      setError(errorText(err, t("error.generic")));
    } finally {
      setBusy(false);
    }
  };
  const joinWaitlist = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api("/api/waitlist", { method: "POST", body: { email: email.trim(), note } });
      setWaitlist("sent");
    } catch (err) {
      setError(errorText(err, t("error.generic")));
    }
  };

  return (
    <main id="main" className="signed-out">
      <div className="card signin-card">
        <div className="signin-head">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <h1>{t("signin.title")}</h1>
          <button type="button" className="link-button" onClick={() => setLang(lang === "en" ? "fr" : "en")}>
            {lang === "en" ? "Français" : "English"}
          </button>
        </div>
        {sent ? (
          <div aria-live="polite">
            <h2>{t("signin.check_inbox")}</h2>
            <p>{t("signin.sent", { email: sent })}</p>
            {devNote}
            <button type="button" className="link-button" onClick={() => setSent(null)}>
              {t("signin.other_address")}
            </button>
          </div>
        ) : (
          <form onSubmit={submit}>
            <p>{t("signin.intro")}</p>
            {error && <Notice kind="error">{error}</Notice>}
            <label htmlFor="signin-email">{t("signin.email")}</label>
            <input
              id="signin-email"
              type="email"
              autoComplete="email"
              inputMode="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t("signin.sending") : t("signin.send")}
            </button>
            {devNote}
          </form>
        )}
        <div className="waitlist">
          {waitlist === "closed" && (
            <button type="button" className="link-button" onClick={() => setWaitlist("open")}>
              {t("signin.no_access")}
            </button>
          )}
          {waitlist === "open" && (
            <form onSubmit={joinWaitlist}>
              <label htmlFor="waitlist-email">{t("signin.email")}</label>
              <input
                id="waitlist-email"
                type="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
              <label htmlFor="waitlist-note">{t("signin.waitlist_note")}</label>
              <input id="waitlist-note" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
              <button type="submit">{t("signin.join_waitlist")}</button>
            </form>
          )}
          {waitlist === "sent" && <Notice kind="ok">{t("signin.waitlisted")}</Notice>}
        </div>
      </div>
    </main>
  );
}
