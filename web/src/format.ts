// Amounts and dates in the tenant's locale. Amounts arrive as decimal
// strings and are formatted as strings: Intl.NumberFormat formats a decimal
// string exactly, so no amount ever passes through a binary float.

export type Lang = "en" | "fr";

/// The locale for a UI language and a tenant region (CA-QC, GB, US-NY).
export function localeFor(lang: Lang, region: string | null | undefined): string {
  const country = (region ?? "").split("-")[0] || "CA";
  return `${lang}-${country}`;
}

const decimalPattern = /^-?\d+(\.\d+)?$/;

/// Whether `text` is a plain decimal as larder writes them ("-12.50").
export function isDecimal(text: string): boolean {
  return decimalPattern.test(text.trim());
}

// Making an Intl formatter costs far more than using one (a list of 50
// invoices formats 200 cells), so each is made once per locale and options.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = "n|" + locale + "|" + JSON.stringify(options);
  let f = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = "d|" + locale + "|" + JSON.stringify(options);
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = locale + "|" + currency;
  let f = moneyFormats.get(key);
  if (!f) {
    try {
      f = numberFormat(locale, { style: "currency", currency });
    } catch {
      // Not a currency Intl knows: the amount alone.
      f = numberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
    }
    moneyFormats.set(key, f);
  }
  return f;
}

/// "1234.5", "CAD" → "1 234,50 $" (fr-CA) or "$1,234.50" (en-CA).
/// Unknown currency or a non-decimal amount is shown as given.
export function formatMoney(
  amount: string | null | undefined,
  currency: string | null | undefined,
  locale: string,
): string {
  if (amount == null || amount === "") return "—";
  if (!isDecimal(amount)) return amount;
  if (!currency) return formatDecimal(amount, locale);
  // Intl formats a numeric string exactly (ECMA-402 NumberFormat v3).
  return moneyFormat(locale, currency).format(amount as unknown as number);
}

/// A unit price: up to 4 decimals, at least the currency's.
export function formatUnitPrice(amount: string | null | undefined, currency: string, locale: string): string {
  if (amount == null || amount === "") return "—";
  if (!isDecimal(amount)) return amount;
  try {
    return numberFormat(locale, { style: "currency", currency, maximumFractionDigits: 4 }).format(
      amount as unknown as number,
    );
  } catch {
    return formatDecimal(amount, locale);
  }
}

export function formatDecimal(amount: string, locale: string, maxFraction = 4): string {
  if (!isDecimal(amount)) return amount;
  return numberFormat(locale, { maximumFractionDigits: maxFraction }).format(amount as unknown as number);
}

/// "12.5" → "12.5 %" / "12,5 %".
export function formatPercent(percent: string | null | undefined, locale: string): string {
  if (percent == null || percent === "") return "—";
  if (!isDecimal(percent)) return percent;
  return numberFormat(locale, { maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(
    (percent as unknown as number),
  ) + "\u00a0%";
}

/// A calendar date (YYYY-MM-DD) shown without any time-zone shift.
export function formatDate(date: string | null | undefined, locale: string): string {
  if (!date) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return dateFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(d);
}

/// An instant (RFC 3339) in the viewer's time zone.
export function formatDateTime(at: string | null | undefined, locale: string): string {
  if (!at) return "—";
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  return dateFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/// "2026-11" → "Nov" / "nov."
export function formatMonth(month: string, locale: string, withYear = false): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return dateFormat(locale, withYear ? { month: "short", year: "numeric", timeZone: "UTC" } : { month: "short", timeZone: "UTC" }).format(d);
}

/// Today as YYYY-MM-DD in the viewer's time zone.
export function today(now: Date = new Date()): string {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, "0");
  const d = String(now.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/// A confidence "0.62" as a share 0..1, or null.
export function confidenceOf(text: string | null | undefined): number | null {
  if (text == null || text === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/// Below this, a field is shown as needing a look.
export const lowConfidence = 0.8;

export function formatBytes(n: number, locale: string): string {
  const units = ["B", "KB", "MB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return numberFormat(locale, { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v) + "\u00a0" + units[i];
}
