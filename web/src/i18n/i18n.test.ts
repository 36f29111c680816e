import { describe, expect, it } from "vitest";
import { en } from "./en";
import { fr } from "./fr";
import { translate } from "./index";

describe("UI text", () => {
  it("has French for every English text, with the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key], key).toBeTruthy();
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(fr[key]), key).toEqual(names(en[key]));
    }
  });

  it("fills placeholders", () => {
    expect(translate("fr", "invoices.page", { page: 2, pages: 9 })).toBe("Page 2 sur 9");
  });
});
