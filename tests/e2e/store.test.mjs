// Verified tables kept in the browser across visits (the Cache API): a
// second visit downloads no unchanged table and answers; another tenant or
// user never reads the first one's tables; a changed table is the only one
// downloaded; a stored table whose bytes were tampered with is thrown away
// and downloaded again; a denied or full storage is a plain download.
// Table downloads are counted at the network level, on a server of this
// file's own whose data the tests change (its extracts live one second).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { launch, launchProfile, widgetReady, widgetReadyIn, ask, askIn } from "./browser.mjs";

const BIN = process.env.SLICEWISE_BIN;
const DATA = path.join(process.env.SLICEWISE_DATA_DIR ?? "/tmp", "store");
const DB = path.join(DATA, "store.db");
// src/table_store.rs: cache names and the index entry's key.
const PREFIX = "slicewise-tables-v1:";
const INDEX = "https://tables.slicewise.invalid/index";
const TABLES = "/api/v1/extract/tables/";
const skip = !BIN && "SLICEWISE_BIN not set";

let browser;
let server;
let URL_;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (skip) return;
  fs.rmSync(DATA, { recursive: true, force: true });
  fs.mkdirSync(DATA, { recursive: true });
  execFileSync(BIN, ["seed-demo", "--db", DB, "--scale", "0.02"], { stdio: "inherit" });
  const config = path.join(DATA, "store.toml");
  fs.writeFileSync(config, "extract_ttl_seconds = 1\n[quotas]\nburst_per_minute = 1000000\nfree_daily = 1000000\npro_daily = 1000000\n");
  const port = await freePort();
  server = spawn(BIN, ["--config", config, "serve", "--demo", "--db", DB, "--data-dir", DATA,
    "--static-dir", process.env.SLICEWISE_STATIC_DIR, "--addr", `127.0.0.1:${port}`], { stdio: "inherit" });
  URL_ = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try { if ((await fetch(`${URL_}/healthz`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.kill();
});

/** Table requests of a page or context, as they leave the browser. */
function countTables(target) {
  const seen = [];
  target.on("request", (r) => { if (r.url().includes(TABLES)) seen.push(r); });
  return seen;
}

/** `{tenant, table}` of a table URL: /api/v1/extract/tables/{tenant}/{privacy}/{table}/{sha}.arrow */
const tableOf = (r) => {
  const parts = new URL(r.url()).pathname.split("/");
  return { tenant: parts[5], table: parts[7] };
};

/** Bytes received for the requests (bodies as sent, compressed). */
async function wireBytes(requests) {
  let n = 0;
  for (const r of requests) n += (await r.sizes()).responseBodySize;
  return n;
}

/** The name the widget gives a partition (src/table_store.rs, `Partition::cache_name`). */
function cacheName(origin, tenant, privacy, user) {
  return PREFIX + crypto.createHash("sha256").update(JSON.stringify([origin, tenant, privacy, user])).digest("hex");
}

/** Every partition in the page's browser storage: its entries and index. */
function stores(page) {
  return page.evaluate(async ([prefix, index]) => {
    const out = {};
    for (const name of await caches.keys()) {
      if (!name.startsWith(prefix)) continue;
      const cache = await caches.open(name);
      const found = await cache.match(index);
      out[name] = { keys: (await cache.keys()).map((r) => r.url), index: found ? await found.json() : null };
    }
    return out;
  }, [PREFIX, INDEX]);
}

/** Opens the demo page (persist is on there) and waits until its tables are stored. */
async function demoVisit(page, tenant = "acme") {
  await page.goto(`${URL_}/`);
  await widgetReady(page);
  await page.waitForSelector(`.sw-ready[data-tenant=${tenant}][data-store=saved]`, { timeout: 60_000 });
}

const rows = (page) => page.$$eval(".sw-table tbody tr", (trs) => trs.map((tr) => tr.textContent));
const stored = (page) => page.getAttribute(".sw-ready", "data-stored");

test("a second visit in the same profile downloads no table and answers", { timeout: 600_000, skip }, async () => {
  const profile = fs.mkdtempSync(path.join(DATA, "profile-"));
  const visit = async () => {
    const context = await launchProfile(profile);
    const page = context.pages()[0] ?? await context.newPage();
    const tables = countTables(page);
    const started = Date.now();
    await demoVisit(page);
    const readyMs = Date.now() - started;
    await ask(page, "revenue by channel");
    const answer = await rows(page);
    const seen = { tables: tables.length, bytes: await wireBytes(tables), readyMs, answer, stored: await stored(page) };
    await context.close();
    return seen;
  };
  const first = await visit();
  const second = await visit();
  console.log(`stored tables: first visit ${first.tables} tables, ${first.bytes} bytes, ready in ${first.readyMs} ms; `
    + `second visit ${second.tables} tables, ${second.bytes} bytes, ready in ${second.readyMs} ms`);
  assert.equal(first.tables, 4, "the first visit downloads every table");
  assert.ok(first.bytes > 0);
  assert.equal(first.stored, "0");
  assert.equal(second.tables, 0, "the second visit downloads no table");
  assert.equal(second.bytes, 0);
  assert.equal(second.stored, "4", "the status says the tables came from the store");
  assert.equal(second.answer.length, 4);
  assert.deepEqual(second.answer, first.answer);
});

test("another tenant never reads the first tenant's tables, and each comes back from its own", { timeout: 600_000, skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const tables = countTables(page);
  await demoVisit(page, "acme");
  assert.equal(tables.length, 4);
  await page.selectOption("#sw-tenant", "globex");
  await page.waitForSelector(".sw-ready[data-tenant=globex][data-store=saved]", { timeout: 180_000 });
  const globex = tables.slice(4);
  assert.equal(globex.length, 4, "globex downloads all its tables");
  assert.ok(globex.every((r) => tableOf(r).tenant === "globex"));
  assert.equal(await stored(page), "0", "none of acme's stored tables was read");
  const names = Object.keys(await stores(page)).sort();
  const expected = ["acme", "globex"].map((t) => cacheName(URL_, t, "standard", "demo-user")).sort();
  assert.deepEqual(names, expected, "one store per tenant");
  // Back to acme on the same page: its own store, nothing downloaded.
  await page.selectOption("#sw-tenant", "acme");
  await page.waitForSelector(".sw-ready[data-tenant=acme][data-store=saved]", { timeout: 180_000 });
  assert.equal(tables.length, 8);
  assert.equal(await stored(page), "4");
  await ask(page, "revenue by channel");
  assert.equal((await rows(page)).length, 4);
  await context.close();
});

test("another user of the same tenant has a store of its own; Slicewise.clear() deletes them all", { timeout: 600_000, skip }, async () => {
  const context = await browser.newContext();
  const token = async (sub) => (await (await fetch(`${URL_}/api/v1/demo/token`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tenant: "acme", sub }),
  })).json()).token;
  const tokens = { alice: await token("alice"), bob: await token("bob") };
  // A host page on the server's origin, embedding by script tag with `persist`.
  await context.route(`${URL_}/host/*`, (route) => {
    const user = new URL(route.request().url()).pathname.split("/").pop();
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">
        <script src="/widget.js"></script>
        <slicewise-widget persist token="${tokens[user]}" height="700"></slicewise-widget>`,
    });
  });
  const page = await context.newPage();
  const tables = countTables(page);
  const widget = page.locator("slicewise-widget");
  const open = async (user) => {
    const before = tables.length;
    await page.goto(`${URL_}/host/${user}`);
    await widgetReadyIn(widget);
    await widget.locator(".sw-ready[data-store=saved]").waitFor({ timeout: 60_000 });
    return { downloaded: tables.length - before, stored: await widget.locator(".sw-ready").getAttribute("data-stored") };
  };
  assert.deepEqual(await open("alice"), { downloaded: 4, stored: "0" });
  assert.deepEqual(await open("alice"), { downloaded: 0, stored: "4" }, "alice's second visit");
  assert.deepEqual(await open("bob"), { downloaded: 4, stored: "0" }, "bob never reads alice's tables");
  assert.equal(await askIn(widget, "revenue by channel"), "answered");
  const names = Object.keys(await stores(page)).sort();
  assert.deepEqual(names, ["alice", "bob"].map((u) => cacheName(URL_, "acme", "standard", u)).sort());

  // Logout: the host clears the store; the next visit downloads again.
  assert.equal(await page.evaluate(() => window.Slicewise.clear()), 2);
  assert.deepEqual(await stores(page), {});
  assert.deepEqual(await open("alice"), { downloaded: 4, stored: "0" }, "after clear()");
  await context.close();
});

test("when one table changes on the server, only that table is downloaded", { timeout: 600_000, skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const tables = countTables(page);
  await demoVisit(page);
  assert.equal(tables.length, 4);
  const [before] = Object.values(await stores(page));
  // One of acme's support tickets goes; no other table reads that one.
  const count = execFileSync("python3", ["-c", `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM support_tickets WHERE ticket_id = (SELECT MIN(ticket_id) FROM support_tickets WHERE tenant_id = 'acme')")
db.commit()
print(db.execute("SELECT COUNT(*) FROM support_tickets WHERE tenant_id = 'acme'").fetchone()[0])
`, DB]).toString().trim();
  await new Promise((r) => setTimeout(r, 1500)); // the server's extract lives a second

  const next = await context.newPage();
  const again = countTables(next);
  await demoVisit(next);
  assert.deepEqual(again.map((r) => tableOf(r).table), ["support_tickets"], "only the changed table");
  assert.equal(await stored(next), "3");
  assert.match(await next.textContent(".sw-counts"), new RegExp(`support_tickets ${count}\\b`));
  await ask(next, "revenue by channel");
  assert.equal((await rows(next)).length, 4);
  // The store now holds the new table, not the old one.
  const [after] = Object.values(await stores(next));
  const hashOf = (s, name) => Object.entries(s.index.tables).find(([, n]) => n === name)[0];
  assert.notEqual(hashOf(after, "support_tickets"), hashOf(before, "support_tickets"));
  assert.equal(hashOf(after, "orders"), hashOf(before, "orders"));
  assert.ok(!after.keys.some((k) => k.endsWith(hashOf(before, "support_tickets"))), "the old entry is pruned");
  assert.equal(after.keys.length, 5, "four tables and the index");
  await context.close();
});

test("a stored table whose bytes were tampered with is thrown away and downloaded again", { timeout: 600_000, skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const warnings = [];
  await demoVisit(page);
  await ask(page, "revenue by channel");
  const expected = await rows(page);
  // Overwrite the stored orders table: the same length, one byte changed.
  const tampered = await page.evaluate(async (prefix) => {
    const name = (await caches.keys()).find((n) => n.startsWith(prefix));
    const cache = await caches.open(name);
    const index = await (await cache.match("https://tables.slicewise.invalid/index")).json();
    const sha = Object.entries(index.tables).find(([, n]) => n === "orders")[0];
    const url = `https://tables.slicewise.invalid/${sha}`;
    const bytes = new Uint8Array(await (await cache.match(url)).arrayBuffer());
    bytes[bytes.length >> 1] ^= 0xff;
    await cache.put(url, new Response(bytes));
    return sha;
  }, PREFIX);

  const next = await context.newPage();
  next.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  const again = countTables(next);
  await demoVisit(next);
  assert.deepEqual(again.map((r) => tableOf(r).table), ["orders"], "only the tampered table is downloaded");
  assert.equal(await stored(next), "3");
  assert.equal(await next.$(".sw-header .sw-error"), null);
  assert.ok(warnings.some((w) => /orders did not match its hash/.test(w)), warnings.join("\n"));
  await ask(next, "revenue by channel");
  assert.deepEqual(await rows(next), expected, "the answer is the one from the right bytes");
  // The right bytes are stored again.
  const restored = await next.evaluate(async ([prefix, sha]) => {
    const cache = await caches.open((await caches.keys()).find((n) => n.startsWith(prefix)));
    const bytes = await (await cache.match(`https://tables.slicewise.invalid/${sha}`)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  }, [PREFIX, tampered]);
  assert.equal(restored, tampered);
  await context.close();
});

test("a denied or full storage is a notice, and the tables download as usual", { timeout: 600_000, skip }, async () => {
  const cases = {
    denied: () => { CacheStorage.prototype.open = () => Promise.reject(new DOMException("denied", "SecurityError")); },
    full: () => { Cache.prototype.put = () => Promise.reject(new DOMException("quota", "QuotaExceededError")); },
  };
  for (const [name, script] of Object.entries(cases)) {
    const context = await browser.newContext();
    await context.addInitScript(script);
    const page = await context.newPage();
    const warnings = [];
    const errors = [];
    page.on("console", (m) => {
      if (m.type() === "warning") warnings.push(m.text());
      if (m.type() === "error") errors.push(m.text());
    });
    const tables = countTables(page);
    await page.goto(`${URL_}/`);
    await widgetReady(page);
    await page.waitForSelector(".sw-ready[data-store=unavailable]", { timeout: 60_000 });
    assert.equal(tables.length, 4, name);
    assert.ok(warnings.some((w) => /not kept in this browser/.test(w)), `${name}: ${warnings.join("\n")}`);
    await ask(page, "revenue by channel");
    assert.equal((await rows(page)).length, 4, name);
    assert.deepEqual(errors, [], name);
    if (name === "full") {
      const left = await page.evaluate(async (prefix) => (await caches.keys()).filter((n) => n.startsWith(prefix)), PREFIX);
      assert.deepEqual(left, [], "nothing half kept");
    }
    await context.close();
  }
});
