import { describe, expect, it } from "vitest";
import { emptyLine, linesPayload, normalizeDecimal, suggestTotal, totalMismatch, validateField, validateLine } from "./lines";

const line = (over: Partial<ReturnType<typeof emptyLine>> = {}) => ({
  ...emptyLine(),
  description: "Beurre doux 454 g",
  quantity: "12",
  unit: "ea",
  unit_price: "4.25",
  line_total: "51.00",
  ...over,
});

describe("line-item editing", () => {
  it("accepts amounts typed the French or the English way", () => {
    expect(normalizeDecimal("1 234,50")).toBe("1234.50");
    expect(normalizeDecimal("1.234,50")).toBe("1234.50");
    expect(normalizeDecimal("1,234.50")).toBe("1234.50");
    expect(normalizeDecimal("-3")).toBe("-3");
    expect(normalizeDecimal("12 kg")).toBeNull();
    expect(normalizeDecimal("")).toBeNull();
  });

  it("says which cell is wrong and why", () => {
    expect(validateLine(line())).toEqual({});
    expect(validateLine(line({ description: "  " }))).toEqual({ description: "required" });
    expect(validateLine(line({ quantity: "douze" }))).toEqual({ quantity: "not_a_number" });
    expect(validateLine(line({ unit_price: "" }))).toEqual({ unit_price: "required" });
    expect(validateLine(line({ unit: "x".repeat(21) }))).toEqual({ unit: "too_long" });
    expect(validateLine(line({ line_total: "1.123456789" }))).toEqual({ line_total: "too_many_decimals" });
    expect(validateLine(line({ quantity: "1000000000001" }))).toEqual({ quantity: "out_of_range" });
  });

  it("flags a total more than a cent from quantity × price, exactly", () => {
    expect(totalMismatch(line())).toBe(false);
    expect(totalMismatch(line({ line_total: "51.01" }))).toBe(false);
    expect(totalMismatch(line({ line_total: "51.02" }))).toBe(true);
    // 0.1 × 3 is 0.30000000000000004 in floats; here it is exact.
    expect(totalMismatch(line({ quantity: "3", unit_price: "0.1", line_total: "0.3" }))).toBe(false);
    expect(suggestTotal(line({ quantity: "3", unit_price: "0.105" }))).toBe("0.32");
    expect(suggestTotal(line({ quantity: "1", unit_price: "0.125" }))).toBe("0.12");
    expect(suggestTotal(line({ quantity: "-2", unit_price: "1.5" }))).toBe("-3.00");
  });

  it("builds the body larder takes, or nothing while a line is wrong", () => {
    expect(linesPayload([line({ quantity: "1,5", line_total: "6,375", category: " dairy " })])).toEqual([
      { description: "Beurre doux 454 g", quantity: "1.5", unit: "ea", unit_price: "4.25", line_total: "6.375", tax_code: "", category: "dairy" },
    ]);
    expect(linesPayload([line(), line({ description: "" })])).toBeNull();
  });

  it("checks header fields the way the invoice does", () => {
    expect(validateField("issue_date", "2026-02-30")).toBe("date");
    expect(validateField("issue_date", "2026-02-28")).toBeNull();
    expect(validateField("total", "12,50")).toBeNull();
    expect(validateField("total", "twelve")).toBe("amount");
    expect(validateField("currency", "cad")).toBeNull();
    expect(validateField("currency", "dollars")).toBe("currency");
    expect(validateField("supplier_name", "")).toBeNull();
  });
});
