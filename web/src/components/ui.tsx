// Small shared pieces: states (loading, empty, error), status badges,
// money, a dialog. Plain elements with the right roles; no UI library.

import { useEffect, useRef, type ReactNode } from "react";
import { Link } from "react-router";
import { ApiError } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { formatMoney } from "../format";
import type { DisplayStatus, MoneySum } from "../types";

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t("common.loading")}
    </div>
  );
}

/// Grey bars of the final layout's height, so nothing jumps when data comes.
export function Skeleton({ rows = 5, height = 44 }: { rows?: number; height?: number }) {
  const { t } = useI18n();
  return (
    <div role="status" aria-label={t("common.loading")} className="skeleton-list">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" style={{ height }} />
      ))}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

/// An error in plain words, with a way forward.
export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useI18n();
  let message = t("error.generic");
  let title = t("error.title");
  if (error instanceof ApiError) {
    if (error.status === 404) title = t("error.not_found");
    else if (error.status === 403) title = t("error.forbidden");
    else if (error.status === 0) title = t("error.offline");
    else if (error.status === 429) title = t("error.busy");
    message = error.message;
  }
  return (
    <div className="state error" role="alert">
      <p className="state-title">{title}</p>
      <p>{message}</p>
      <p className="actions">
        {retry && (
          <button type="button" onClick={retry}>
            {t("common.retry")}
          </button>
        )}
        <Link to="/">{t("nav.dashboard")}</Link>
      </p>
    </div>
  );
}

export function errorText(error: unknown, fallback: string): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message || fallback;
  return fallback;
}

export function StatusBadge({ status }: { status: DisplayStatus | string | null }) {
  const { t } = useI18n();
  const s = status ?? "deleted";
  const key = ("status." + s) as MessageKey;
  return (
    <span className={"badge badge-" + s} data-status={s}>
      {t(key)}
    </span>
  );
}

/// Totals per currency: "$1,234.00 + €80.00".
export function Sums({ sums, empty = "—" }: { sums: MoneySum[]; empty?: string }) {
  const { locale } = useI18n();
  if (!sums.length) return <>{empty}</>;
  return <>{sums.map((s) => formatMoney(s.amount, s.currency, locale)).join(" + ")}</>;
}

/// A modal dialog on <dialog>: focus moves in, Escape closes, focus
/// returns to the opener.
export function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <h2 id="dialog-title">{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}

/// A polite announcement for screen readers and a visible toast.
export function Notice({ kind, children }: { kind: "ok" | "error" | "info"; children: ReactNode }) {
  return (
    <div className={"notice notice-" + kind} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = title + " · larder";
  }, [title]);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}
