import { describe, expect, it } from "vitest";
import {
  defaultExportFilters,
  exportFilterProblem,
  exportHref,
  exportQuery,
  reasonPhrase,
  recordFilterPhrases,
  xeroZipFiles,
} from "./exports";
import { en } from "./i18n/en";
import { fr } from "./i18n/fr";

describe("export query", () => {
  it("starts with what can go to the books", () => {
    expect(exportQuery(defaultExportFilters)).toBe("status=approved_unpaid%2Capproved_paid");
  });

  it("writes every filter the server takes, statuses in list order", () => {
    const q = exportQuery({
      issueFrom: "2026-11-01",
      issueTo: "2026-11-30",
      statuses: ["approved_paid", "awaiting_approval"],
      paid: "no",
      supplier: "  Fromagerie Lune ",
    });
    expect(q).toBe(
      "issue_from=2026-11-01&issue_to=2026-11-30&status=awaiting_approval%2Capproved_paid&paid=no&supplier=Fromagerie+Lune",
    );
  });

  it("leaves out what is not set", () => {
    expect(exportQuery({ issueFrom: "", issueTo: "", statuses: [], paid: "", supplier: " " })).toBe("");
  });

  it("finds a reversed date range before asking", () => {
    expect(exportFilterProblem({ ...defaultExportFilters, issueFrom: "2026-12-01", issueTo: "2026-11-01" })).toBe(
      "issue_range",
    );
    expect(exportFilterProblem({ ...defaultExportFilters, issueFrom: "2026-11-01", issueTo: "2026-11-01" })).toBeNull();
  });
});

describe("download address", () => {
  const none = { issueFrom: "", issueTo: "", statuses: [], paid: "" as const, supplier: "" };

  it("names the format and carries the filters", () => {
    expect(exportHref("journal", defaultExportFilters, "invoices")).toBe(
      "/api/exports/journal?status=approved_unpaid%2Capproved_paid",
    );
    expect(exportHref("excel", none, "invoices")).toBe("/api/exports/excel");
  });

  it("asks for lines only of the universal CSV", () => {
    expect(exportHref("universal", none, "lines")).toBe("/api/exports/universal?file=lines");
    expect(exportHref("universal", none, "invoices")).toBe("/api/exports/universal");
    // The server refuses `file` for the other formats.
    expect(exportHref("xero", none, "lines")).toBe("/api/exports/xero");
  });

  it("waits for the last write it made (read-your-writes)", () => {
    expect(exportHref("excel", none, "invoices", 42)).toBe("/api/exports/excel?after=42");
    expect(exportHref("excel", none, "invoices", 0)).toBe("/api/exports/excel");
  });
});

describe("xero zip note", () => {
  it("is for Xero beyond one file only", () => {
    expect(xeroZipFiles("xero", 3)).toBe(3);
    expect(xeroZipFiles("xero", 1)).toBeNull();
    expect(xeroZipFiles("xero", 0)).toBeNull();
    expect(xeroZipFiles("excel", 3)).toBeNull();
  });
});

describe("reasons an invoice is left out", () => {
  it("reads the server's reasons", () => {
    expect(reasonPhrase("not approved (awaiting_approval)")).toEqual({
      key: "exports.reason.not_approved",
      vars: { status: "awaiting_approval" },
    });
    expect(reasonPhrase("no supplier")).toEqual({ key: "exports.reason.no_supplier" });
    expect(reasonPhrase("no issue date")).toEqual({ key: "exports.reason.no_issue_date" });
    expect(reasonPhrase("no currency")).toEqual({ key: "exports.reason.no_currency" });
    expect(reasonPhrase("no total")).toEqual({ key: "exports.reason.no_total" });
  });

  it("leaves an unknown reason as the server wrote it", () => {
    expect(reasonPhrase("not approved (someday)")).toBeNull();
    expect(reasonPhrase("the moon is full")).toBeNull();
  });

  it("has every phrase in both languages", () => {
    for (const p of [
      reasonPhrase("not approved (failed)")!,
      reasonPhrase("no total")!,
      ...recordFilterPhrases({ issue_from: "2026-01-01", issue_to: "2026-02-01", status: ["approved_paid"], paid: "yes", supplier: "x", file: "lines" }),
    ]) {
      expect(en[p.key]).toBeTruthy();
      expect(fr[p.key]).toBeTruthy();
    }
  });
});

describe("an earlier export's filters", () => {
  it("says each filter once", () => {
    const phrases = recordFilterPhrases(
      { issue_from: "2026-11-01", issue_to: "2026-11-30", status: ["approved_unpaid", "approved_paid"], paid: "no", supplier: "Lune", file: "lines" },
      (d) => "<" + d + ">",
      (s) => s.toUpperCase(),
    );
    expect(phrases).toEqual([
      { key: "exports.filter.issued_between", vars: { from: "<2026-11-01>", to: "<2026-11-30>" } },
      { key: "exports.filter.statuses", vars: { statuses: "APPROVED_UNPAID, APPROVED_PAID" } },
      { key: "exports.paid_no" },
      { key: "exports.filter.supplier", vars: { supplier: "Lune" } },
      { key: "exports.file.lines" },
    ]);
  });

  it("is empty for an export of everything", () => {
    expect(recordFilterPhrases({})).toEqual([]);
    expect(recordFilterPhrases({ file: "invoices" })).toEqual([]);
    expect(recordFilterPhrases({ issue_to: "2026-01-31" })).toEqual([
      { key: "exports.filter.issued_to", vars: { to: "2026-01-31" } },
    ]);
  });
});
