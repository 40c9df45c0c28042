// First and second visit of the demo page in one browser profile (closed
// and started again between them), with `persist` on (the demo's default):
// table bytes received over the network and the time from navigation to the
// first answer on screen. Usage: node tests/bench/visits.mjs SERVER_URL [TENANT]
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [server, tenant = "acme"] = process.argv.slice(2);
if (!server) throw new Error("usage: visits.mjs SERVER_URL [TENANT]");
const QUESTION = "revenue by month";
const profile = fs.mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), "sw-visits-"));

async function visit() {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const tables = [];
  page.on("request", (r) => { if (r.url().includes("/api/v1/extract/tables/")) tables.push(r); });
  const started = Date.now();
  await page.goto(`${server}/`);
  if (tenant !== "acme") await page.selectOption("#sw-tenant", tenant);
  await page.waitForSelector(`.sw-ready[data-tenant="${tenant}"]`, { timeout: 600_000 });
  const readyMs = Date.now() - started;
  await page.fill("#sw-question", QUESTION);
  await page.press("#sw-question", "Enter");
  await page.waitForSelector(".sw-answer[data-status=answered] .sw-table", { timeout: 120_000 });
  const answerMs = Date.now() - started;
  // The next visit needs the tables written.
  await page.waitForSelector(".sw-ready[data-store=saved]", { timeout: 600_000 });
  let bytes = 0;
  for (const r of tables) bytes += (await r.sizes()).responseBodySize;
  const stored = await page.getAttribute(".sw-ready", "data-stored");
  await context.close();
  return { tables: tables.length, bytes, stored, readyMs, answerMs };
}

// The server builds the tenant's extract once, before the first visit.
const { token } = await (await fetch(`${server}/api/v1/demo/token`, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tenant }),
})).json();
await (await fetch(`${server}/api/v1/extract/manifest`, { headers: { Authorization: `Bearer ${token}` } })).text();

try {
  const first = await visit();
  const second = await visit();
  const row = (name, v) => console.log(
    `${name.padEnd(14)} ${String(v.tables).padStart(6)} ${String(v.bytes).padStart(12)} ${String(v.stored).padStart(7)} ${String(v.readyMs).padStart(9)} ${String(v.answerMs).padStart(13)}`);
  console.log(`visits of ${tenant} (${QUESTION}), one profile, persist on`);
  console.log("visit          tables  table bytes  stored  ready ms  first answer ms");
  row("first", first);
  row("second", second);
} finally {
  fs.rmSync(profile, { recursive: true, force: true });
}
