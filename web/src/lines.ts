// Line-item editing: the rules larder holds lines to (actors/values
// validate_line), checked in the browser first so a person sees the
// problem beside the cell, and the exact arithmetic check that flags a
// line whose quantity × unit price is more than a cent from its total.

export interface LineDraft {
  description: string;
  quantity: string;
  unit: string;
  unit_price: string;
  line_total: string;
  tax_code: string;
  category: string;
}

export type LineField = keyof LineDraft;
export type LineProblem =
  | "required"
  | "too_long"
  | "not_a_number"
  | "too_many_decimals"
  | "out_of_range";

export const lineLimits = {
  description: 500,
  unit: 20,
  tax_code: 20,
  category: 100,
  lines: 1000,
};

const decimalText = /^-?\d+(\.\d+)?$/;

/// Accepts "1 234,50" or "1,234.50" as typed and returns the plain decimal
/// larder stores ("1234.50"), or null when it is not a number.
export function normalizeDecimal(typed: string): string | null {
  let s = typed.trim().replace(/[\s\u00a0\u202f]/g, "");
  if (s === "") return null;
  const lastComma = s.lastIndexOf(",");
  const lastDot = s.lastIndexOf(".");
  if (lastComma > -1 && lastDot > -1) {
    // The later separator is the decimal one; the other groups thousands.
    if (lastComma > lastDot) s = s.replace(/\./g, "").replace(",", ".");
    else s = s.replace(/,/g, "");
  } else if (lastComma > -1) {
    s = s.replace(",", ".");
  }
  return decimalText.test(s) ? s : null;
}

/// A decimal string as an integer count of 1e-8 units (exact).
export function toUnits(decimal: string): bigint {
  const negative = decimal.startsWith("-");
  const [i = "0", f = ""] = (negative ? decimal.slice(1) : decimal).split(".");
  const units = BigInt(i) * 100_000_000n + BigInt((f + "00000000").slice(0, 8));
  return negative ? -units : units;
}

const maxUnits = 1_000_000_000_000n * 100_000_000n;

function checkDecimal(text: string, maxDecimals: number): LineProblem | null {
  const d = normalizeDecimal(text);
  if (d == null) return text.trim() === "" ? "required" : "not_a_number";
  const fraction = d.split(".")[1] ?? "";
  if (fraction.length > maxDecimals) return "too_many_decimals";
  const u = toUnits(d);
  if (u > maxUnits || u < -maxUnits) return "out_of_range";
  return null;
}

/// The problems of one line, by field.
export function validateLine(line: LineDraft): Partial<Record<LineField, LineProblem>> {
  const out: Partial<Record<LineField, LineProblem>> = {};
  const desc = line.description.trim();
  if (!desc) out.description = "required";
  else if ([...desc].length > lineLimits.description) out.description = "too_long";
  if ([...line.unit.trim()].length > lineLimits.unit) out.unit = "too_long";
  if ([...line.tax_code.trim()].length > lineLimits.tax_code) out.tax_code = "too_long";
  if ([...line.category.trim()].length > lineLimits.category) out.category = "too_long";
  const q = checkDecimal(line.quantity, 8);
  if (q) out.quantity = q;
  const p = checkDecimal(line.unit_price, 8);
  if (p) out.unit_price = p;
  const t = checkDecimal(line.line_total, 8);
  if (t) out.line_total = t;
  return out;
}

/// Whether quantity × unit price is more than one cent from the total,
/// compared exactly as larder does (in 1e-8 units, never floats).
export function totalMismatch(line: LineDraft): boolean {
  const q = normalizeDecimal(line.quantity);
  const p = normalizeDecimal(line.unit_price);
  const t = normalizeDecimal(line.line_total);
  if (q == null || p == null || t == null) return false;
  const product = toUnits(q) * toUnits(p);
  const total = toUnits(t) * 100_000_000n;
  let diff = product - total;
  if (diff < 0n) diff = -diff;
  return diff > (100_000_000n * 100_000_000n) / 100n;
}

/// quantity × unit price rounded half-even to `decimals` places, as text.
export function suggestTotal(line: LineDraft, decimals = 2): string | null {
  const q = normalizeDecimal(line.quantity);
  const p = normalizeDecimal(line.unit_price);
  if (q == null || p == null) return null;
  const product = toUnits(q) * toUnits(p); // 1e-16 units
  const scale = 10n ** BigInt(16 - decimals);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  let whole = abs / scale;
  const rest = abs % scale;
  if (rest * 2n > scale || (rest * 2n === scale && whole % 2n === 1n)) whole += 1n;
  const s = whole.toString().padStart(decimals + 1, "0");
  const text = decimals > 0 ? s.slice(0, -decimals) + "." + s.slice(-decimals) : s;
  return (negative && whole !== 0n ? "-" : "") + text;
}

/// The body of PUT /api/invoices/{id}/lines, or null when a line has a
/// problem.
export function linesPayload(lines: LineDraft[]): object[] | null {
  if (lines.length > lineLimits.lines) return null;
  const out: object[] = [];
  for (const l of lines) {
    if (Object.keys(validateLine(l)).length) return null;
    const row: Record<string, string> = {
      description: l.description.trim(),
      quantity: normalizeDecimal(l.quantity)!,
      unit: l.unit.trim(),
      unit_price: normalizeDecimal(l.unit_price)!,
      line_total: normalizeDecimal(l.line_total)!,
      tax_code: l.tax_code.trim(),
    };
    if (l.category.trim()) row.category = l.category.trim();
    out.push(row);
  }
  return out;
}

export function emptyLine(): LineDraft {
  return { description: "", quantity: "1", unit: "", unit_price: "", line_total: "", tax_code: "", category: "" };
}

/// Field-level checks of the header fields an invoice can correct.
export type FieldProblem = "date" | "amount" | "currency" | "too_long";

export function validateField(name: string, value: string): FieldProblem | null {
  const v = value.trim();
  if (v === "") return null; // clearing a field is allowed
  if ([...v].length > 200) return "too_long";
  if (name === "issue_date" || name === "due_date") {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (!m) return "date";
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return "date";
    return null;
  }
  if (name === "subtotal" || name === "tax_total" || name === "total")
    return normalizeDecimal(v) == null ? "amount" : null;
  if (name === "currency") return /^[A-Za-z]{3}$/.test(v) ? null : "currency";
  return null;
}
