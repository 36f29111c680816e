import { describe, expect, it } from "vitest";
import {
  activeFilterCount,
  compareDecimal,
  defaultFilters,
  filterProblems,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
} from "./filters";

describe("invoice list filters", () => {
  it("round-trips through the URL, leaving defaults out", () => {
    const f = {
      ...defaultFilters,
      statuses: ["awaiting_approval" as const, "approved_unpaid" as const],
      supplier: "Fromagerie",
      issueFrom: "2026-11-01",
      minTotal: "10.5",
      page: 3,
    };
    const p = filtersToParams(f);
    expect(p.toString()).toBe(
      "status=awaiting_approval%2Capproved_unpaid&supplier=Fromagerie&issue_from=2026-11-01&min_total=10.5&page=3",
    );
    expect(filtersFromParams(p)).toEqual(f);
    expect(filtersToParams(defaultFilters).toString()).toBe("");
  });

  it("drops what the API would refuse from a hand-edited URL", () => {
    const f = filtersFromParams(
      new URLSearchParams("status=paid,rejected,bogus&issue_from=yesterday&min_total=1e3&sort=price&order=up&page=-2&size=7&source=fax"),
    );
    expect(f.statuses).toEqual(["rejected"]);
    expect(f.issueFrom).toBe("");
    expect(f.minTotal).toBe("");
    expect(f.sort).toBe("received_at");
    expect(f.order).toBe("desc");
    expect(f.page).toBe(1);
    expect(f.pageSize).toBe(50);
    expect(f.source).toBe("");
  });

  it("asks the API for the page as an offset", () => {
    const q = new URLSearchParams(filtersToQuery({ ...defaultFilters, page: 4, pageSize: 25, q: "  lait " }));
    expect(q.get("offset")).toBe("75");
    expect(q.get("limit")).toBe("25");
    expect(q.get("q")).toBe("lait");
    expect(q.get("sort")).toBe("received_at");
    expect(q.get("order")).toBe("desc");
    expect(q.has("status")).toBe(false);
  });

  it("finds ranges in the wrong order before the API does", () => {
    expect(filterProblems({ ...defaultFilters, issueFrom: "2026-12-01", issueTo: "2026-11-01" })).toEqual(["issue_range"]);
    expect(filterProblems({ ...defaultFilters, minTotal: "100", maxTotal: "99.99" })).toEqual(["amount_range"]);
    expect(filterProblems({ ...defaultFilters, minTotal: "9.5", maxTotal: "10" })).toEqual([]);
    expect(filterProblems({ ...defaultFilters, minTotal: "abc" })).toEqual(["min_total"]);
  });

  it("compares amounts as decimals, not as text or floats", () => {
    expect(compareDecimal("9.5", "10")).toBe(-1);
    expect(compareDecimal("10.10", "10.1")).toBe(0);
    expect(compareDecimal("0010", "9.999")).toBe(1);
    expect(compareDecimal("12345678901234567890.01", "12345678901234567890.001")).toBe(1);
  });

  it("counts the filters that are set", () => {
    expect(activeFilterCount(defaultFilters)).toBe(0);
    expect(activeFilterCount({ ...defaultFilters, statuses: ["failed"], supplier: "x", dueTo: "2026-01-01" })).toBe(3);
  });
});
