import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, formatMonth, formatPercent, formatUnitPrice, isDecimal, localeFor, today } from "./format";

// Intl uses narrow and non-breaking spaces; compare with plain ones.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("money", () => {
  it("follows the tenant's region in the chosen language", () => {
    expect(localeFor("fr", "CA-QC")).toBe("fr-CA");
    expect(localeFor("en", "US-NY")).toBe("en-US");
    expect(localeFor("en", "GB")).toBe("en-GB");
    expect(localeFor("en", null)).toBe("en-CA");
    expect(plain(formatMoney("1234.5", "CAD", "fr-CA"))).toBe("1 234,50 $");
    expect(formatMoney("1234.5", "CAD", "en-CA")).toBe("$1,234.50");
    expect(formatMoney("1234.5", "GBP", "en-GB")).toBe("£1,234.50");
    expect(formatMoney("-80", "USD", "en-US")).toBe("-$80.00");
  });

  it("never passes through a binary float", () => {
    // 2^53 + 1 is not a double; as a decimal string it stays exact.
    expect(formatMoney("9007199254740993.01", "USD", "en-US")).toBe("$9,007,199,254,740,993.01");
    expect(formatMoney("0.1", "USD", "en-US")).toBe("$0.10");
  });

  it("shows unknowns plainly", () => {
    expect(formatMoney(null, "CAD", "en-CA")).toBe("—");
    expect(formatMoney("", "CAD", "en-CA")).toBe("—");
    expect(formatMoney("n/a", "CAD", "en-CA")).toBe("n/a");
    expect(formatMoney("12.5", null, "en-CA")).toBe("12.5");
    expect(isDecimal("-1.25")).toBe(true);
    expect(isDecimal("1,25")).toBe(false);
  });

  it("keeps four decimals on unit prices", () => {
    expect(formatUnitPrice("3.1415", "CAD", "en-CA")).toBe("$3.1415");
    expect(formatUnitPrice("3", "CAD", "en-CA")).toBe("$3.00");
  });

  it("writes percentages with their sign", () => {
    expect(plain(formatPercent("12.5", "fr-CA"))).toBe("+12,5 %");
    expect(plain(formatPercent("-3", "en-CA"))).toBe("-3 %");
  });
});

describe("dates", () => {
  it("shows a calendar date without shifting it across time zones", () => {
    expect(formatDate("2026-01-01", "en-CA")).toBe("Jan 1, 2026");
    expect(formatDate("2026-12-31", "fr-CA")).toBe("31 déc. 2026");
    expect(formatDate(null, "en-CA")).toBe("—");
    expect(formatDate("someday", "en-CA")).toBe("someday");
  });

  it("names months", () => {
    expect(formatMonth("2026-11", "en-CA")).toBe("Nov");
    expect(formatMonth("2026-11", "fr-CA", true)).toBe("nov. 2026");
  });

  it("knows today in the viewer's zone", () => {
    expect(today(new Date(2026, 11, 4, 23, 59))).toBe("2026-12-04");
  });
});
