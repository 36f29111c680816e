// The regions larder knows taxes for (actors/tenant/tenant.cpp
// tax_profile_for), with the taxes each brings, for the onboarding form.

export interface Region {
  code: string;
  name: string;
  currency: string;
  taxes: string;
}

const provinces: [string, string, string][] = [
  ["AB", "Alberta", "GST 5%"],
  ["BC", "British Columbia", "GST 5% + PST 7%"],
  ["MB", "Manitoba", "GST 5% + RST 7%"],
  ["NB", "New Brunswick", "HST 15%"],
  ["NL", "Newfoundland and Labrador", "HST 15%"],
  ["NS", "Nova Scotia", "HST 14%"],
  ["NT", "Northwest Territories", "GST 5%"],
  ["NU", "Nunavut", "GST 5%"],
  ["ON", "Ontario", "HST 13%"],
  ["PE", "Prince Edward Island", "HST 15%"],
  ["QC", "Québec", "GST 5% + QST 9.975%"],
  ["SK", "Saskatchewan", "GST 5% + PST 6%"],
  ["YT", "Yukon", "GST 5%"],
];

const states =
  "AL AK AZ AR CA CO CT DC DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split(
    " ",
  );

export const regions: Region[] = [
  ...provinces.map(([c, n, tx]) => ({ code: "CA-" + c, name: n + " (Canada)", currency: "CAD", taxes: tx })),
  { code: "GB", name: "United Kingdom", currency: "GBP", taxes: "VAT 20% / 5% / 0%" },
  ...states.map((s) => ({ code: "US-" + s, name: "US-" + s, currency: "USD", taxes: "sales tax" })),
];

export function regionByCode(code: string): Region | undefined {
  return regions.find((r) => r.code === code);
}

/// "Le Petit Bistro" → "le-petit-bistro" (3–40 of a-z, 0-9 and '-').
export function aliasFrom(name: string): string {
  const slug = name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return slug.length >= 3 ? slug : slug.padEnd(3, "0");
}
