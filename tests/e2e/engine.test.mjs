// The engine's limits in a real browser: a query that needs more memory than
// wasm has is caught and the widget recovers from the bytes it kept, and the
// page stays responsive while a 1,000,000-row extract loads in the worker.
// (The query timeout, a host option, is tested in embed.test.mjs.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { SERVER, launch, recordedPage, widgetReady, ask, screenshot } from "./browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Runs edited SQL in the answer's SQL panel and waits for the outcome. */
async function runSql(page, sql) {
  if (!(await page.$eval(".sw-sql", (d) => d.open))) await page.click(".sw-sql summary");
  await page.fill(".sw-sql-edit", sql);
  await page.click(".sw-run-sql");
  await page.waitForSelector(".sw-answer .sw-error, .sw-answer[data-status=answered] .sw-table", { timeout: 120_000 });
  await page.locator(".sw-busy .sw-spinner").waitFor({ state: "detached", timeout: 120_000 });
}

const tableRequests = (requests) => requests.filter((r) => r.url.includes("/api/v1/extract/tables/")).length;

test("a query needing more memory than wasm has is caught; the widget recovers without a new download", { timeout: 300_000 }, async () => {
  const { page, requests } = await recordedPage(browser);
  await page.goto(`${SERVER}/`);
  await widgetReady(page);
  const downloads = tableRequests(requests);
  await ask(page, "total revenue");
  // 50,000 x 50,000 rows, sorted: far beyond wasm's 4 GiB.
  await runSql(page, "SELECT a.order_id + b.order_id AS s FROM orders a CROSS JOIN orders b ORDER BY s");
  const error = page.locator(".sw-answer .sw-error");
  assert.equal(await error.getAttribute("data-code"), "engine_out_of_memory");
  assert.match(await error.textContent(), /memory/);
  await screenshot(page, "engine-out-of-memory");
  // A fresh worker, loaded from the kept bytes: the next question answers.
  await ask(page, "revenue by channel");
  await page.waitForSelector(".sw-answer[data-status=answered] .sw-table");
  assert.equal((await page.$$(".sw-table tbody tr")).length, 4);
  assert.equal(tableRequests(requests), downloads, "no table was downloaded again");
});

/** A free loopback port. */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test("the page stays responsive while a 1,000,000-row extract loads", { timeout: 900_000, skip: !process.env.SLICEWISE_BIN && "SLICEWISE_BIN not set" }, async () => {
  // A server of its own, with the demo data at full scale (acme: 1M orders).
  const bin = process.env.SLICEWISE_BIN;
  const data = path.join(process.env.SLICEWISE_DATA_DIR, "full-scale");
  const db = path.join(data, "full.db");
  execFileSync(bin, ["seed-demo", "--db", db, "--scale", "1"], { stdio: "inherit" });
  const port = await freePort();
  const server = spawn(bin, ["serve", "--demo", "--db", db, "--data-dir", data,
    "--static-dir", process.env.SLICEWISE_STATIC_DIR, "--addr", `127.0.0.1:${port}`], { stdio: "inherit" });
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(`${url}/api/v1/health`)).ok) break; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 200));
    }
    // Build acme's extract once, so the browser's wait is the load itself.
    const { token } = await (await fetch(`${url}/api/v1/demo/token`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tenant: "acme" }),
    })).json();
    const manifest = await (await fetch(`${url}/api/v1/extract/manifest`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const orders = JSON.parse(manifest.manifest).tables.find((t) => t.name === "orders");
    assert.equal(orders.rows, 1_000_000);

    const { page } = await recordedPage(browser);
    await page.addInitScript(() => {
      window.__latency = [];
      // Key press to the next frame after it: what a user sees as lag.
      document.addEventListener("keydown", () => {
        const t = performance.now();
        requestAnimationFrame(() => setTimeout(() => window.__latency.push(performance.now() - t), 0));
      }, true);
    });
    await page.goto(`${url}/`);
    const input = page.locator("#sw-question");
    await page.locator(".sw-status[data-phase=downloading], .sw-status[data-phase=loading]").first().waitFor({ timeout: 120_000 });
    await input.click();
    const typed = "revenue by month";
    let overlapped = 0;
    for (const ch of typed) {
      await page.keyboard.type(ch);
      if (await page.locator(".sw-status[data-phase]").count()) overlapped++;
      await page.waitForTimeout(25);
    }
    assert.equal(await input.inputValue(), typed, "every key landed while loading");
    assert.ok(overlapped >= typed.length / 2, `typing overlapped the load (${overlapped} of ${typed.length} keys)`);
    const latency = await page.evaluate(() => window.__latency);
    assert.equal(latency.length, typed.length);
    const worst = Math.max(...latency);
    console.log(`typing during the 1M-row load: worst ${worst.toFixed(1)} ms, keys ${latency.length}`);
    assert.ok(worst < 100, `a key took ${worst.toFixed(1)} ms to show`);
    await widgetReady(page);
    assert.match(await page.textContent(".sw-ready"), /orders 1,000,000|orders 1000000/);
    await page.press("#sw-question", "Enter");
    await page.waitForSelector(".sw-answer[data-status=answered] .sw-table", { timeout: 120_000 });
    await screenshot(page, "full-scale-answer");
  } finally {
    server.kill();
  }
});
