// The browser test: a real larder and PostgreSQL, Debian's chromium driven
// by playwright-core (the browser is never downloaded).
//
//   LARDER_TEST_PG   "host=127.0.0.1 port=N" of a cluster where the user
//                    postgres may create databases (./dev test starts one)
//   LARDER_BIN       the larder binary (larder-extract beside it)
//   E2E_INVOICES     invoices seeded for the list measurement (10000)
//   E2E_ARTIFACTS    screenshots and numbers (../build/web-artifacts)
//   CHROMIUM         the browser (/usr/bin/chromium)
//
// It creates its own database, runs the flow a new owner follows, then
// seeds a second business with E2E_INVOICES invoices and measures the list.

import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, "..");
const root = resolve(web, "..");
const corpus = join(root, "tests/corpus");
const artifacts = resolve(process.env.E2E_ARTIFACTS ?? join(root, "build/web-artifacts"));
const larderBin = resolve(process.env.LARDER_BIN ?? join(root, "build/dev/larder"));
const perfCount = Number(process.env.E2E_INVOICES ?? 10000);
const pgSpec = process.env.LARDER_TEST_PG;
if (!pgSpec) throw new Error("set LARDER_TEST_PG (host=… port=…), as ./dev test does");
if (!existsSync(larderBin)) throw new Error("no larder binary at " + larderBin + " (set LARDER_BIN)");
if (!existsSync(join(web, "dist/index.html"))) throw new Error("build the app first: npm run build");
const pg = Object.fromEntries(pgSpec.split(/\s+/).filter(Boolean).map((kv) => kv.split("=")));

const started = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
mkdirSync(artifacts, { recursive: true });
const numbers = {};

// -- PostgreSQL and larder ------------------------------------------------------

function psql(sql, db = "postgres") {
  return execFileSync("psql", ["-X", "-qtA", "-h", pg.host, "-p", pg.port, "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-c", sql], {
    encoding: "utf8",
    env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" },
  }).trim();
}

const dbName = "larder_web_e2e_" + process.pid;
psql(`DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'larder_owner') THEN CREATE ROLE larder_owner LOGIN CREATEDB; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'larder_app') THEN CREATE ROLE larder_app LOGIN; END IF;
END $$;`);
psql(`DROP DATABASE IF EXISTS ${dbName}`);
psql(`CREATE DATABASE ${dbName} OWNER larder_owner`);

async function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const dataDir = mkdtempSync(join(tmpdir(), "larder-web-e2e-"));
const outbox = join(dataDir, "outbox");
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  LARDER_DATABASE_URL: `postgresql://larder_app@${pg.host}:${pg.port}/${dbName}`,
  LARDER_MIGRATE_URL: `postgresql://larder_owner@${pg.host}:${pg.port}/${dbName}`,
  LARDER_HTTP_ADDR: `127.0.0.1:${port}`,
  LARDER_PUBLIC_URL: base,
  LARDER_DATA_DIR: dataDir,
  LARDER_DEV_OUTBOX: outbox,
  LARDER_WEB_DIR: join(web, "dist"),
  LARDER_TEMPLATES_DIR: join(root, "templates"),
  LARDER_ADMIN_EMAIL: "owner@e2e.larder.test",
  LARDER_SECRET_KEY: "web-e2e-secret-key-not-for-production-0123456789",
  LARDER_RATE_LIMIT_API: "1000000/min",
  LARDER_RATE_LIMIT_SIGNIN: "1000/min",
  OMP_THREAD_LIMIT: "1",
};
execFileSync(larderBin, ["migrate"], { env, stdio: ["ignore", "ignore", "inherit"] });

let server = null;
async function startLarder(extra = {}) {
  server = spawn(larderBin, ["serve"], { env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
  const out = [];
  server.stdout.on("data", (d) => out.push(d));
  server.stderr.on("data", (d) => out.push(d));
  server.on("exit", (code) => {
    if (code && code !== 0) writeFileSync(join(artifacts, "larder.log"), Buffer.concat(out));
  });
  server.logs = out;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(base + "/health")).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("larder did not start:\n" + Buffer.concat(out).toString());
}
async function stopLarder() {
  if (!server || server.exitCode !== null) return;
  const done = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await done;
  writeFileSync(join(artifacts, "larder.log"), Buffer.concat(server.logs));
}

// -- helpers ----------------------------------------------------------------------

/// The newest sign-in link mailed to `to` (the outbox holds RFC 5322 files,
/// quoted-printable).
async function linkFor(to, after = 0) {
  for (let i = 0; i < 100; i++) {
    const files = existsSync(outbox) ? readdirSync(outbox).map((f) => join(outbox, f)) : [];
    const mails = files
      .filter((f) => statSync(f).mtimeMs >= after)
      .map((f) => ({ f, t: statSync(f).mtimeMs, text: readFileSync(f, "utf8") }))
      .filter((m) => new RegExp("^To: " + to.replace(/[.+]/g, "\\$&") + "\\s*$", "mi").test(m.text))
      .sort((a, b) => b.t - a.t);
    if (mails.length) {
      const body = mails[0].text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      const m = body.match(/https?:\/\/\S+\/api\/auth\/verify\?token=[\w-]+/);
      if (m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no sign-in mail for " + to + " in " + outbox);
}

async function signIn(page, email) {
  const t0 = Date.now() - 1000;
  await page.goto(base + "/signin");
  await page.fill("#signin-email", email);
  await page.click("form button[type=submit]");
  await page.getByText("Check your inbox").waitFor();
  // larder says where it writes sign-in mail (GET /api/config), and the page says it.
  await page.locator("[data-testid=dev-outbox]", { hasText: outbox }).waitFor();
  await page.goto(await linkFor(email, t0));
  await page.locator("#main").waitFor();
}

async function shot(page, name) {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

const cspErrors = [];
function watch(page, who) {
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) cspErrors.push(who + ": " + m.text());
  });
  page.on("pageerror", (e) => {
    throw new Error(who + " page error: " + e.message);
  });
}

// -- the flow ---------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let failed = false;
try {
  await startLarder({ LARDER_EXTRACT_WORKERS: "2" });
  log("larder on", base);

  const owner = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, locale: "en-CA" });
  const page = await owner.newPage();
  watch(page, "owner");

  // Sign in through the dev outbox link, then create the business.
  await signIn(page, "owner@e2e.larder.test");
  await page.getByRole("heading", { name: "Set up your business" }).waitFor();
  await shot(page, "onboarding-1440");
  await page.fill("#ob-name", "Bistro Lune");
  await page.selectOption("#ob-region", "CA-QC");
  assert.equal(await page.inputValue("#ob-currency"), "CAD");
  await page.click("text=Create the business");
  await page.getByRole("heading", { name: "Welcome to Bistro Lune" }).waitFor();
  await page.click("li[data-step=inbound_address_copied] button");
  await page.locator("li[data-step=inbound_address_copied].done").waitFor();
  await shot(page, "checklist-1440");
  log("onboarded");

  // Upload a PDF, an e-invoice XML and a phone photo; watch them reach
  // "awaiting approval" without reloading.
  await page.click("nav >> text=Upload");
  await page.setInputFiles("#upload-files", [
    join(corpus, "invoice2data/samples/AzureInterior.pdf"),
    join(corpus, "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml"),
    join(corpus, "invoice2data/samples/oyo.png"),
  ]);
  const loadedAt = await page.evaluate(() => performance.timeOrigin);
  for (const name of ["AzureInterior.pdf", "ubl-tc434-example1.xml", "oyo.png"])
    await page.locator(`li[data-file="${name}"] .upload-status[data-status="awaiting_approval"]`).waitFor({ timeout: 90_000 });
  assert.equal(await page.evaluate(() => performance.timeOrigin), loadedAt, "the page was not reloaded");
  await shot(page, "upload-1440");
  log("three documents awaiting approval");

  // The same file again is a duplicate, an empty one is refused.
  await page.setInputFiles("#upload-files", [
    {
      name: "ubl-tc434-example1.xml",
      mimeType: "application/xml",
      buffer: readFileSync(join(corpus, "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml")),
    },
    { name: "empty.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(0) },
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an invoice") },
  ]);
  await page.getByText("Already in larder:").waitFor();
  await page.locator('li[data-file="empty.pdf"].upload-refused').waitFor();
  await page.locator('li[data-file="notes.txt"].upload-refused').waitFor();

  // The list, then one invoice: correct a field, approve, mark paid.
  await page.click("nav >> text=Invoices");
  await page.locator("table.invoices tbody tr").nth(2).waitFor();
  assert.equal(await page.locator("table.invoices tbody tr").count(), 3);
  await shot(page, "invoices-1440");
  const xmlRow = page.locator("table.invoices tbody tr", { hasText: "12115118" });
  const xmlId = await xmlRow.getAttribute("data-id");
  await xmlRow.locator("a").first().click();
  await page.locator("[data-field=invoice_number]").waitFor();
  await page.locator("canvas, .state").first().waitFor();
  await page.keyboard.press("?");
  await page.getByRole("heading", { name: "Keyboard shortcuts" }).waitFor();
  await page.keyboard.press("Escape");
  await page.keyboard.press("e");
  await page.fill("#edit-invoice_number", "12115118-A");
  await page.fill("#edit-issue_date", "2026-12-01");
  await page.fill("#edit-due_date", "2026-12-15");
  await page.click("form.edit button[type=submit]");
  await page.locator("[data-field=invoice_number] dd", { hasText: "12115118-A" }).waitFor();
  const xmlSupplier = (await page.$eval("[data-field=supplier_name] dd", (dd) => dd.firstChild.textContent)).trim();
  assert.ok(xmlSupplier.length > 0, "the approved invoice names its supplier");
  await page.click(".actions-bar >> text=Approve");
  await page.getByText("Approved.").waitFor();
  await page.click(".actions-bar >> text=Mark paid");
  await page.selectOption("#paid-method", "cheque");
  await page.fill("#paid-ref", "CHQ 1042");
  await page.click("dialog button[type=submit]");
  await page.getByText("Marked paid.").waitFor();
  await page.locator(".badge[data-status=approved_paid]").waitFor();
  for (const type of ["DocumentReceived", "FieldsCorrected", "InvoiceApproved", "InvoicePaid"])
    await page.locator(`[data-testid=timeline] li[data-type=${type}]`).first().waitFor();
  await shot(page, "review-1440");
  log("corrected, approved and paid", xmlId);

  // A PDF is drawn by pdf.js (the browser's viewer cannot be framed).
  await page.goto(base + "/invoices");
  await page.locator("table.invoices tbody tr", { hasText: "Azure Interior" }).locator("a").first().click();
  await page.locator(".pdf-pages canvas").first().waitFor();
  await page.locator("[data-field=supplier_name] dd", { hasText: "Azure Interior" }).waitFor();
  await shot(page, "review-pdf-1440");

  // The dashboard and the supplier's stats show it; its top supplier tile
  // opens the supplier's page, where the invoice shows as paid.
  await page.click("nav >> text=Dashboard");
  await page.locator("[data-count=approved_paid]", { hasText: "1" }).waitFor();
  assert.notEqual(await page.textContent("[data-testid=spend-this-month]"), "$0.00", "December spend counts the invoice");
  await shot(page, "dashboard-1440");
  await page.locator("li[data-supplier] a", { hasText: xmlSupplier }).click();
  await page.getByRole("heading", { name: xmlSupplier }).waitFor();
  await page.locator("[data-testid=supplier-invoices]").waitFor();
  await page.locator("table .badge[data-status=approved_paid]").waitFor();
  await shot(page, "supplier-1440");
  await page.click("nav >> text=Suppliers");
  await page.locator("table tbody tr").first().waitFor();
  await shot(page, "suppliers-1440");
  await page.click("nav >> text=Price alerts");
  await page.getByRole("heading", { name: "Price alerts" }).waitFor();
  await shot(page, "alerts-1440");

  // Exports: the summary says what goes and what is left out (and why),
  // then the journal and the workbook download and the history lists them.
  await page.click("nav >> text=Exports");
  await page.getByRole("heading", { name: "What the export holds" }).waitFor();
  await page.locator("[data-testid=export-counts] [data-count=exportable] dd", { hasText: "1" }).waitFor();
  await page.locator("[data-testid=export-totals] [data-currency=EUR]").first().waitFor();
  await page.click("form .status-chips >> text=Awaiting approval");
  await page.locator("[data-testid=export-counts] [data-count=excluded] dd", { hasText: "2" }).waitFor();
  await page.locator("[data-testid=excluded-invoices] li a").nth(1).waitFor();
  assert.match(await page.textContent("[data-testid=excluded-invoices]"), /not approved \(Awaiting approval\)/);
  await page.click("form .status-chips >> text=Awaiting approval");
  await page.locator("[data-testid=export-counts] [data-count=excluded] dd", { hasText: "0" }).waitFor();
  await page.check("input[value=universal]");
  await page.check("input[name=file][value=lines]");
  assert.match(await page.getAttribute("a[data-format=universal]", "href"), /[?&]file=lines(&|$)/);
  const exported = {};
  for (const [format, pattern] of [
    ["journal", /^larder-\d{4}-\d{2}-\d{2}\.journal$/],
    ["excel", /^larder-invoices-\d{4}-\d{2}-\d{2}\.xlsx$/],
  ]) {
    await page.check(`input[name=format][value=${format}]`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(`a[data-format=${format}]`)]);
    const name = download.suggestedFilename();
    assert.match(name, pattern, format + " file name");
    const path = join(artifacts, "export-" + name);
    await download.saveAs(path);
    assert.ok(statSync(path).size > 0, format + " export is not empty");
    exported[format] = path;
    log("exported", name, statSync(path).size, "bytes");
  }
  assert.ok(readFileSync(exported.journal, "utf8").includes(xmlSupplier), "the journal names the approved invoice's supplier");
  assert.equal(readFileSync(exported.excel).subarray(0, 2).toString(), "PK", "the workbook is a zip (xlsx)");
  for (const format of ["journal", "excel"])
    await page.locator(`[data-testid=export-history] tr[data-format=${format}]`, { hasText: "owner@e2e.larder.test" }).waitFor();
  await shot(page, "exports-1440");

  // Settings: invite a member and an auditor; the admin screens.
  await page.click("nav >> text=Settings");
  const inviteAt = Date.now() - 1000;
  await page.fill("#inv-email", "cook@e2e.larder.test");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  await page.locator(".people li.invited", { hasText: "cook@e2e.larder.test" }).waitFor();
  await page.fill("#inv-email", "books@e2e.larder.test");
  await page.selectOption("#inv-role", "auditor");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  await page.locator(".people li.invited", { hasText: "books@e2e.larder.test" }).waitFor();
  await shot(page, "settings-1440");
  await page.click("nav >> text=Admin");
  await page.fill("#allow-entry", "other@e2e.larder.test");
  await page.getByRole("button", { name: "Allow", exact: true }).click();
  await page.locator(".people li", { hasText: "other@e2e.larder.test" }).waitFor();
  await shot(page, "admin-1440");

  // A member cannot see admin screens.
  const memberCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const member = await memberCtx.newPage();
  watch(member, "member");
  await member.goto(await linkFor("cook@e2e.larder.test", inviteAt));
  await member.getByRole("heading", { name: "Dashboard" }).waitFor();
  assert.equal(await member.locator("nav >> text=Admin").count(), 0, "no admin link for a member");
  assert.equal(await member.locator("nav >> text=Exports").count(), 0, "no exports link for a member");
  await member.goto(base + "/admin");
  await member.getByRole("heading", { name: "Not found" }).waitFor();
  assert.equal((await member.request.get(base + "/api/admin/users")).status(), 403);
  assert.equal((await member.request.get(base + "/api/exports/summary")).status(), 403, "a member cannot export");
  log("member sees no admin and no exports");

  // An auditor reads everything and exports, but has no admin screens.
  const auditorCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const auditor = await auditorCtx.newPage();
  watch(auditor, "auditor");
  await auditor.goto(await linkFor("books@e2e.larder.test", inviteAt));
  await auditor.getByRole("heading", { name: "Dashboard" }).waitFor();
  assert.equal(await auditor.locator("nav >> text=Admin").count(), 0, "no admin link for an auditor");
  await auditor.click("nav >> text=Exports");
  await auditor.locator("[data-testid=export-counts] [data-count=exportable] dd", { hasText: "1" }).waitFor();
  await auditor.check("input[name=format][value=journal]");
  const [auditorDownload] = await Promise.all([auditor.waitForEvent("download"), auditor.click("a[data-format=journal]")]);
  assert.match(auditorDownload.suggestedFilename(), /\.journal$/);
  assert.ok(readFileSync(await auditorDownload.path(), "utf8").includes(xmlSupplier), "the auditor's journal holds the invoice");
  await auditor.locator("[data-testid=export-history] tr[data-format=journal]", { hasText: "books@e2e.larder.test" }).waitFor();
  log("an auditor exports");

  // Another business: its owner gets "not found" for our invoice.
  const otherCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const other = await otherCtx.newPage();
  watch(other, "other");
  await signIn(other, "other@e2e.larder.test");
  await other.fill("#ob-name", "Café Autre");
  await other.selectOption("#ob-region", "CA-ON");
  await other.click("text=Create the business");
  await other.getByRole("heading", { name: "Welcome to Café Autre" }).waitFor();
  await other.goto(base + "/invoices/" + xmlId);
  await other.getByRole("heading", { name: "Not found" }).waitFor();
  log("another business's invoice is not found");

  // Phones: every main screen at 360 px.
  const phone = await browser.newContext({
    viewport: { width: 360, height: 780 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    storageState: await owner.storageState(),
  });
  const p360 = await phone.newPage();
  watch(p360, "phone");
  for (const [name, path] of [
    ["dashboard", "/"],
    ["invoices", "/invoices"],
    ["review", "/invoices/" + xmlId],
    ["upload", "/upload"],
    ["suppliers", "/suppliers"],
    ["alerts", "/alerts"],
    ["exports", "/exports"],
    ["settings", "/settings"],
    ["admin", "/admin"],
  ]) {
    await p360.goto(base + path);
    await p360.locator("main h1").first().waitFor();
    const overflow = await p360.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${name} fits 360 px (overflows by ${overflow}px)`);
    await shot(p360, name + "-360");
  }
  const signedOut = await browser.newContext({ viewport: { width: 360, height: 780 } });
  const so = await signedOut.newPage();
  await so.goto(base + "/signin");
  await so.locator("#signin-email").waitFor();
  await shot(so, "signin-360");
  log("360 px screenshots saved");

  // Accessibility: axe-core on the main screens (serious or critical).
  const axeSource = readFileSync(join(web, "node_modules/axe-core/axe.min.js"), "utf8");
  const axeCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true, storageState: await owner.storageState() });
  const ap = await axeCtx.newPage();
  const violations = [];
  for (const path of ["/", "/invoices", "/invoices/" + xmlId, "/upload", "/suppliers", "/alerts", "/exports", "/settings", "/admin"]) {
    await ap.goto(base + path);
    await ap.locator("main h1").first().waitFor();
    await ap.waitForLoadState("networkidle").catch(() => undefined);
    await ap.addScriptTag({ content: axeSource });
    const found = await ap.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ["violations"] });
      return r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    });
    for (const v of found) violations.push(path + " " + v);
  }
  assert.deepEqual(violations, [], "axe-core found serious or critical violations");
  assert.deepEqual(cspErrors, [], "the app broke the Content-Security-Policy");
  log("axe: no serious or critical violations");

  // -- 10,000 invoices: the list's first render and a filter change ----------------
  if (perfCount > 0) {
    // Without extraction workers, seeded documents stay "processing"; the
    // list is what is measured, not the extractor.
    await stopLarder();
    await startLarder({ LARDER_EXTRACT_WORKERS: "0" });
    const cookies = (await otherCtx.cookies(base)).map((c) => `${c.name}=${c.value}`).join("; ");
    const me = await (await fetch(base + "/api/auth/me", { headers: { cookie: cookies } })).json();
    const template = readFileSync(join(corpus, "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml"), "utf8");
    const suppliers = ["Fromagerie Lune", "Boulangerie Soleil", "Poissonnerie du Port", "Ferme Tremblay", "Brasserie Nord"];
    const doc = (i) =>
      template
        .replace("<cbc:ID>12115118</cbc:ID>", `<cbc:ID>SEED-${i}</cbc:ID>`)
        .replace("<cbc:IssueDate>2015-01-09</cbc:IssueDate>", `<cbc:IssueDate>2026-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}</cbc:IssueDate>`);
    const t0 = Date.now();
    let next = 0;
    const perBatch = 10;
    const worker = async () => {
      for (;;) {
        const first = next;
        next += perBatch;
        if (first >= perfCount) return;
        const form = new FormData();
        for (let i = first; i < Math.min(first + perBatch, perfCount); i++)
          form.append("file", new Blob([doc(i)], { type: "application/xml" }), `${suppliers[i % suppliers.length]} ${i}.xml`);
        const res = await fetch(base + "/api/upload/batch", {
          method: "POST",
          headers: { cookie: cookies, "x-csrf-token": me.csrf_token, origin: base },
          body: form,
        });
        if (!res.ok) throw new Error("seeding: " + res.status + " " + (await res.text()));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    numbers.seed_seconds = (Date.now() - t0) / 1000;
    log(`seeded ${perfCount} invoices in ${numbers.seed_seconds.toFixed(1)} s`);

    const perf = await otherCtx.newPage();
    watch(perf, "perf");
    // Wait for the read model to hold them all (the list says how many).
    for (let i = 0; i < 600; i++) {
      const r = await perf.request.get(base + "/api/invoices?limit=1");
      const body = await r.json();
      if (body.total >= perfCount) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const measureFirst = async () => {
      await perf.goto(base + "/invoices");
      await perf.locator("table.invoices tbody tr").nth(49).waitFor();
      return perf.evaluate(() => {
        const m = performance.getEntriesByName("larder:invoices-rendered").at(-1);
        return m.startTime;
      });
    };
    // Each list timing's budget; see the report at the end.
    const budgetMs = 500;
    // A step over budget prints the API requests it made, each with its
    // status and how long the server took: one sort by total once took 9 s
    // in a full run and could not be told apart from a stalled machine.
    const measureFilter = async (action) => {
      const requests = [];
      const seen = (r) => {
        if (new URL(r.url()).pathname.startsWith("/api/")) requests.push(r);
      };
      perf.on("requestfinished", seen);
      perf.on("requestfailed", seen);
      await perf.evaluate(() => performance.clearMarks());
      await action();
      await perf.waitForFunction(() => performance.getEntriesByName("larder:invoices-rendered").length > 0);
      await perf.locator(".list-meta .spinner").waitFor({ state: "detached" });
      perf.off("requestfinished", seen);
      perf.off("requestfailed", seen);
      const ms = await perf.evaluate(() => {
        const a = performance.getEntriesByName("larder:invoices-filter").at(-1);
        const b = performance.getEntriesByName("larder:invoices-rendered").at(-1);
        return b.startTime - a.startTime;
      });
      if (ms >= budgetMs)
        for (const r of requests) {
          const t = r.timing();
          const status = (await r.response().catch(() => null))?.status() ?? r.failure()?.errorText;
          const waited = Math.round(t.responseStart - t.requestStart);
          log(`  over budget (${Math.round(ms)} ms): ${r.method()} ${r.url().replace(base, "")} → ${status}, answered after ${waited} ms`);
        }
      return ms;
    };
    await measureFirst(); // warm: the chunk is cached, as for anyone on their second visit
    // Three loads, the median counted (one sample on a busy 2-core machine
    // says more about the machine than the app); all three are printed.
    const firsts = [];
    for (let i = 0; i < 3; i++) firsts.push(Math.round(await measureFirst()));
    numbers.list_first_render_samples = firsts;
    numbers.list_first_render_ms = [...firsts].sort((a, b) => a - b)[1];
    await perf.getByText(`${perfCount.toLocaleString("en-CA")} invoices`).waitFor();
    numbers.filter_status_ms = Math.round(await measureFilter(() => perf.click(".status-chips >> text=Processing")));
    numbers.filter_sort_total_ms = Math.round(await measureFilter(() => perf.click("th >> text=Total")));
    numbers.filter_search_ms = Math.round(
      await measureFilter(async () => {
        await perf.fill("#inv-q", "Soleil");
        await perf.press("#inv-q", "Enter");
      }),
    );
    numbers.invoices = perfCount;
    await shot(perf, "invoices-10k-1440");
    log(
      `with ${perfCount} invoices: first render ${numbers.list_first_render_ms} ms (median of ${firsts.join(", ")}), status filter ${numbers.filter_status_ms} ms, ` +
        `sort by total ${numbers.filter_sort_total_ms} ms, search ${numbers.filter_search_ms} ms`,
    );
    // The budget is `budgetMs` each. On a loaded 2-core CI machine the first
    // render (which includes loading the app) can pass it; it is reported
    // always, and fails the run only with E2E_STRICT_PERF=1.
    const over = Object.entries(numbers).filter(([k, v]) => k.endsWith("_ms") && v >= budgetMs);
    for (const [k, v] of over) console.warn(`[e2e] OVER BUDGET: ${k} = ${v} ms (budget ${budgetMs} ms)`);
    if (process.env.E2E_STRICT_PERF === "1") assert.deepEqual(over, [], `list timings over ${budgetMs} ms`);
  }
  writeFileSync(join(artifacts, "numbers.json"), JSON.stringify(numbers, null, 2) + "\n");
  log("passed; screenshots in", artifacts);
} catch (e) {
  failed = true;
  console.error(e);
  for (const ctx of browser.contexts())
    for (const p of ctx.pages()) await p.screenshot({ path: join(artifacts, "failure-" + Date.now() + ".png"), fullPage: true }).catch(() => undefined);
} finally {
  await browser.close();
  await stopLarder();
  try {
    psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  } catch {
    // the cluster may be gone already
  }
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
