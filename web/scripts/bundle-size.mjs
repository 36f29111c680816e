// Prints the gzipped size of the JavaScript the first screen loads (the
// entry chunk and what index.html preloads) and fails over the budget.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const dist = new URL("../dist/", import.meta.url).pathname;
const budget = 250 * 1024;
const html = readFileSync(join(dist, "index.html"), "utf8");
const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const f of first) {
  const gz = gzipSync(readFileSync(join(dist, f))).length;
  total += gz;
  console.log(`first screen  ${f}  ${(gz / 1024).toFixed(1)} KiB gzipped`);
}
let all = 0;
for (const f of readdirSync(join(dist, "assets"))) if (f.endsWith(".js") || f.endsWith(".mjs")) all += gzipSync(readFileSync(join(dist, "assets", f))).length;
console.log(`first-screen JavaScript: ${(total / 1024).toFixed(1)} KiB gzipped (budget 250 KiB); all chunks ${(all / 1024).toFixed(1)} KiB`);
if (total > budget) {
  console.error("over the 250 KiB budget");
  process.exit(1);
}
