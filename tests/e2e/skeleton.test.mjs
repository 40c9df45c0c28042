// The walking skeleton, end to end: demo page -> token -> signed extract ->
// engine worker -> question -> SQL run in the browser -> table and chart.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { SERVER, launch, recordedPage, widgetReady, ask, screenshot, assertNoCellValues, BODY_FIELDS } from "./browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Fields a request body from the demo page may hold: text and ids (its token request's too), never data. */
const ALLOWED_BODY_FIELDS = [...BODY_FIELDS, "tenant", "sub", "privacy", "ttl_seconds"];

test("revenue by month answers with a table and a line chart under a strict CSP; no request carries data", async () => {
  const { page, requests, errors, context } = await recordedPage(browser);
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`), true);
  });
  const response = await page.goto(`${SERVER}/`);
  // The demo page itself runs with no inline script and no eval.
  const csp = response.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
  await widgetReady(page);
  const status = await page.textContent(".sw-ready");
  assert.match(status, /orders \d+/, "row counts are shown");

  await ask(page, "revenue by month");
  const answer = page.locator(".sw-answer[data-status=answered]");
  await answer.waitFor();
  assert.equal(await answer.getAttribute("data-chart"), "line");
  const months = await page.$$eval(".sw-table tbody tr td:first-child", (tds) => tds.map((t) => t.textContent));
  assert.equal(months.length, 24, "24 months from 2024-01 to 2025-12");
  assert.equal(months[0], "2024-01");
  assert.equal(months[23], "2025-12");
  assert.ok(await page.$("svg.sw-line polyline"), "a line is drawn");
  assert.match(await page.textContent(".sw-sql code"), /^(WITH|SELECT) /);
  assert.match(await page.textContent(".sw-timing"), /ms/);
  await screenshot(page, "answer-revenue-by-month");

  await ask(page, "top 10 products by revenue");
  assert.equal(await page.$$eval(".sw-table tbody tr", (r) => r.length), 10);
  assert.ok(await page.$("svg.sw-bar rect"));
  const cells = await page.$$eval(".sw-table td", (tds) => tds.map((t) => t.textContent.trim()));

  await ask(page, "total revenue");
  assert.ok(await page.$(".sw-big-value"));

  // Invariant 1: bodies hold only question text and ids; no cell value anywhere in a request.
  assertNoCellValues(requests, cells, ALLOWED_BODY_FIELDS);
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(errors, []);
});

test("a question it cannot answer gets suggestions, not an error", async () => {
  const { page } = await recordedPage(browser);
  await page.goto(`${SERVER}/`);
  await widgetReady(page);
  await ask(page, "what is the weather on mars");
  const article = page.locator(".sw-answer[data-status=unsupported]");
  await article.waitFor();
  assert.ok((await page.$$(".sw-answer .sw-chip")).length > 0, "suggestions are offered");
  await page.click(".sw-answer .sw-chip >> nth=0");
  await page.waitForSelector(".sw-answer[data-status=answered]");
});

test("a tampered extract byte is refused with a visible error", async () => {
  const { page } = await recordedPage(browser);
  await page.route("**/api/v1/extract/tables/**", async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[Math.floor(body.length / 2)] ^= 0x01;
    const headers = { ...response.headers() };
    delete headers["content-encoding"];
    delete headers["content-length"];
    await route.fulfill({ status: response.status(), headers, body });
  });
  await page.goto(`${SERVER}/`);
  const error = page.locator(".sw-header .sw-error");
  await error.waitFor({ timeout: 120_000 });
  assert.equal(await error.getAttribute("data-code"), "extract_tampered");
  assert.match(await error.textContent(), /integrity/);
  assert.equal(await page.$(".sw-ready"), null, "nothing was loaded");
  await screenshot(page, "error-tampered");
});

test("an expired or forged token gets a clear error", async () => {
  const { page } = await recordedPage(browser);
  await page.route("**/api/v1/demo/token", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ token: "not.a.token", expires_at: 0 }) }),
  );
  await page.goto(`${SERVER}/`);
  const error = page.locator(".sw-header .sw-error");
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.getAttribute("data-code"), /^token_/);
  assert.match(await error.textContent(), /session/i);
});

test("an engine that cannot load is an error, not an endless wait", async () => {
  const { page } = await recordedPage(browser);
  await page.route("**/engine/slicewise_engine_worker.js", (route) => route.fulfill({ status: 404, body: "" }));
  await page.goto(`${SERVER}/`);
  const error = page.locator(".sw-header .sw-error");
  await error.waitFor({ timeout: 60_000 });
  assert.equal(await error.getAttribute("data-code"), "engine_start_failed");
});
