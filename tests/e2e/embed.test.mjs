// Embedding on another origin: the example host pages of public/examples
// are served from a second loopback origin (SLICEWISE_HOST_ORIGIN, allowed by
// the server) and must work in each mode under the documented CSP, keep host
// CSS out, renew short-lived tokens without losing history, and the iframe
// must refuse a token posted from an origin that is not allowed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs/promises";
import path from "node:path";
import * as esbuild from "esbuild";
import { SERVER, launch, recordedPage, screenshot, widgetReadyIn as ready, askIn as ask } from "./browser.mjs";

const HOST = process.env.SLICEWISE_HOST_ORIGIN ?? "http://localhost:8091";
const EXAMPLES = path.join(import.meta.dirname, "../../public/examples");
// The examples name the default `cargo xtask demo` server; served here, they
// name the server under test.
const PLACEHOLDER = "http://127.0.0.1:8080";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

let browser;
let hostServer;
let evilServer;
let EVIL;
let reactApp;

/** The React host app, bundled as a host's bundler would (dev build: StrictMode mounts twice). */
async function bundleReactApp() {
  const out = await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, "react-host/app.jsx")],
    bundle: true,
    write: false,
    format: "esm",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"development"' },
    logLevel: "error",
  });
  return out.outputFiles[0].text;
}

/** The React host page, under the same CSP as the examples. */
async function reactPage() {
  const example = await fs.readFile(path.join(EXAMPLES, "js-api.html"), "utf8");
  const csp = example.match(/<meta http-equiv="Content-Security-Policy"[^>]*>/)[0];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${csp}
    <meta name="slicewise-server" content="${PLACEHOLDER}"><title>React portal</title>
    <link rel="icon" href="data:,"><link rel="stylesheet" href="host.css">
    <script type="module" src="react-app.js"></script></head>
    <body><div id="root"></div></body></html>`.replaceAll(PLACEHOLDER, SERVER);
}

/** Serves the examples; `/plain/...` drops the host stylesheet and the second widget. */
function serveExamples(port, host) {
  const server = http.createServer(async (req, res) => {
    let name = new URL(req.url, "http://x").pathname;
    const plain = name.startsWith("/plain/");
    name = path.basename(name);
    let body;
    if (name === "refusal.html") {
      body = `<!doctype html><title>refusal</title>
        <iframe id="embed" src="${SERVER}/embed"></iframe>
        <iframe id="evil" src="${EVIL}/evil.html"></iframe>`;
    } else if (name === "react.html") {
      body = await reactPage();
    } else if (name === "react-app.js") {
      body = reactApp;
    } else if (name === "evil.html") {
      body = "<!doctype html><title>not allowed</title><p>another origin</p>";
    } else {
      try {
        body = (await fs.readFile(path.join(EXAMPLES, name), "utf8")).replaceAll(PLACEHOLDER, SERVER);
      } catch {
        res.writeHead(404).end();
        return;
      }
      if (plain) body = body.replace(/.*host\.css.*\n/, "").replace(/.*id="second".*\n/, "");
    }
    res.writeHead(200, { "Content-Type": `${TYPES[path.extname(name)] ?? "text/plain"}; charset=utf-8` });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

before(async () => {
  browser = await launch();
  reactApp = await bundleReactApp();
  evilServer = await serveExamples(0, "127.0.0.1");
  EVIL = `http://127.0.0.1:${evilServer.address().port}`;
  hostServer = await serveExamples(Number(new URL(HOST).port));
});
after(async () => {
  await browser?.close();
  hostServer?.close();
  evilServer?.close();
});

/** A recorded page that also collects CSP violations (in every frame). */
async function hostPage() {
  const rec = await recordedPage(browser);
  await rec.context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation",
      (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`), true);
  });
  return rec;
}

async function assertNoCspViolations(page, errors) {
  const violations = await page.evaluate(() => window.__csp);
  assert.deepEqual(violations, []);
  const refused = errors.filter((e) => /Content Security Policy|Refused to/i.test(e));
  assert.deepEqual(refused, []);
}

const PROPS = ["color", "background-color", "font-family", "font-size", "padding-top", "margin-top",
  "border-top-width", "border-top-style", "text-transform", "border-collapse"];
const PARTS = [".sw-widget", ".sw-title", ".sw-input", ".sw-button.sw-primary", ".sw-table", ".sw-table th", ".sw-table td", ".sw-chip"];

async function widgetStyles(page) {
  return page.evaluate(([parts, props]) => {
    const root = document.getElementById("first").shadowRoot;
    return Object.fromEntries(parts.map((sel) => {
      const el = root.querySelector(sel);
      const cs = el && getComputedStyle(el);
      return [sel, cs ? Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)])) : null];
    }));
  }, [PARTS, PROPS]);
}

test("script tag: two widgets answer on another origin, host CSS stays out, no CSP violations", { timeout: 600_000 }, async () => {
  const { page, errors } = await hostPage();
  await page.goto(`${HOST}/script-tag.html`);
  const first = page.locator("#first");
  const second = page.locator("#second");
  await ready(first);
  await ready(second);
  assert.equal(await first.locator(".sw-ready").getAttribute("data-tenant"), "acme");
  assert.equal(await second.locator(".sw-ready").getAttribute("data-tenant"), "globex");
  assert.equal(await ask(first, "revenue by month"), "answered");
  assert.ok(await first.locator(".sw-table tbody tr").count() > 0);
  // Separate state: the second widget has no answer, and ids differ.
  assert.equal(await second.locator(".sw-answer").count(), 0);
  const ids = await page.evaluate(() => ["first", "second"].map((id) =>
    document.getElementById(id).shadowRoot.querySelector(".sw-input").id));
  assert.notEqual(ids[0], ids[1]);
  // Events carry the question and a row count, never data.
  const answered = await page.locator("#events li", { hasText: "slicewise:answer" }).first().textContent();
  const detail = JSON.parse(answered.slice(answered.indexOf("{")));
  assert.deepEqual(Object.keys(detail).sort(), ["question", "rows"]);
  assert.equal(detail.question, "revenue by month");
  assert.ok(detail.rows > 0);
  await assertNoCspViolations(page, errors);
  await screenshot(page, "embed-script-tag");
  const styled = await widgetStyles(page);

  // The same widget on a page without the host stylesheet looks the same.
  const plain = await hostPage();
  await plain.page.goto(`${HOST}/plain/script-tag.html`);
  await ready(plain.page.locator("#first"));
  await ask(plain.page.locator("#first"), "revenue by month");
  const unstyled = await widgetStyles(plain.page);
  assert.ok(unstyled[".sw-table td"], "the answer has a table");
  assert.deepEqual(styled, unstyled);
  // ...while the host's own elements do take the host CSS.
  assert.equal(await page.locator("table td").first().evaluate((td) => getComputedStyle(td).textTransform), "uppercase");
  await page.context().close();
  await plain.context.close();
});

test("JS API: a token expiring mid-session is renewed through getToken; history survives", { timeout: 600_000 }, async () => {
  const { page, errors, context } = await hostPage();
  const ttl = 15;
  await page.goto(`${HOST}/js-api.html?ttl=${ttl}`);
  const widget = page.locator("#analytics");
  await ready(widget);
  const started = Date.now();
  assert.equal(await ask(widget, "revenue by month"), "answered");
  // The first token dies at `ttl`; getToken is called again before that.
  await page.waitForFunction(() => Number(document.documentElement.dataset.tokenCalls) >= 2, null, { timeout: ttl * 1000 });
  const waitMore = ttl * 1000 + 1500 - (Date.now() - started);
  if (waitMore > 0) await page.waitForTimeout(waitMore);
  assert.equal(await ask(widget, "total revenue"), "answered");
  await widget.locator(".sw-history summary").click();
  const history = await widget.locator(".sw-history li").allTextContents();
  assert.deepEqual(history, ["total revenue", "revenue by month"]);
  await assertNoCspViolations(page, errors);
  await context.close();
});

test("iframe: handshake by postMessage, answers, reports its height, under the CSP", { timeout: 600_000 }, async () => {
  const { page, errors, context } = await hostPage();
  const csp = (await fetch(`${SERVER}/embed`)).headers.get("content-security-policy");
  assert.match(csp, new RegExp(`frame-ancestors 'self' ${HOST}`));
  await page.goto(`${HOST}/iframe.html`);
  const frame = page.frameLocator("#slicewise");
  await ready(frame);
  assert.equal(await ask(frame, "revenue by month"), "answered");
  await page.waitForFunction(() => parseInt(document.getElementById("slicewise").style.height, 10) > 400);
  await page.locator("#events li", { hasText: "slicewise:answer" }).first().waitFor();
  await assertNoCspViolations(page, errors);
  await screenshot(page, "embed-iframe");
  await context.close();
});

test("iframe: a token posted from an origin not allowed is refused", { timeout: 120_000 }, async () => {
  const { page, context } = await hostPage();
  await page.goto(`${HOST}/refusal.html`);
  await page.waitForLoadState("load");
  const embed = page.frames().find((f) => f.url().startsWith(`${SERVER}/embed`));
  const evil = page.frames().find((f) => f.url().startsWith(EVIL));
  assert.ok(embed && evil, "both frames loaded");
  const response = await fetch(`${SERVER}/api/v1/demo/token`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tenant: "acme" }),
  });
  const { token } = await response.json();
  await evil.evaluate((t) => window.parent.frames[0].postMessage({ type: "slicewise:token", token: t }, "*"), token);
  await embed.waitForFunction(() => document.documentElement.dataset.refused === "1");
  const mounted = await embed.evaluate(() => document.getElementById("slicewise-frame").shadowRoot !== null);
  assert.equal(mounted, false, "no widget mounted with a token from another origin");
  await context.close();
});

test("React: <SlicewiseWidget> answers, survives re-renders with a new getToken, remounts on theme, unmounts", { timeout: 600_000 }, async () => {
  const { page, errors, context } = await hostPage();
  await page.goto(`${HOST}/react.html`);
  const widget = page.locator("[data-slicewise]");
  await ready(widget);
  assert.equal(await ask(widget, "revenue by month"), "answered");
  await page.locator("#answers li", { hasText: "revenue by month|" }).waitFor();
  const answered = await page.locator("#answers li").first().textContent();
  assert.ok(Number(answered.split("|")[1]) > 0, answered);
  // New props objects and a new getToken function: same widget, same history.
  await page.locator("#rerender").click();
  await page.locator("#rerender").click();
  assert.equal(await ask(widget, "total revenue"), "answered");
  await widget.locator(".sw-history summary").click();
  assert.deepEqual(await widget.locator(".sw-history li").allTextContents(), ["total revenue", "revenue by month"]);
  assert.equal(await page.evaluate(() => document.querySelectorAll("[data-slicewise]").length), 1);
  // A theme change mounts afresh, dark.
  await page.locator("#dark").click();
  await widget.locator(".sw-widget[data-theme='dark']").waitFor();
  await ready(widget);
  await assertNoCspViolations(page, errors);
  await screenshot(page, "embed-react");
  // Unmounting the component removes the widget and its shadow content.
  await page.locator("#hide").click();
  await widget.waitFor({ state: "detached" });
  assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), []);
  await context.close();
});

test("JS API: a 401 from the server (browser clock an hour slow) renews through getToken and retries", { timeout: 600_000 }, async () => {
  const { page, errors, context } = await hostPage();
  // With a slow clock the widget schedules its renewal an hour late, so the
  // server's real 401 is what tells it the token is gone.
  await context.addInitScript(() => {
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() - 3_600_000;
  });
  const statuses = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname === "/api/v1/ask") statuses.push(r.status());
  });
  // Long enough for the start-up downloads: table links expire with the token.
  const ttl = 6;
  const minted = Date.now();
  await page.goto(`${HOST}/js-api.html?ttl=${ttl}`);
  const widget = page.locator("#analytics");
  await ready(widget);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.tokenCalls), "1");
  // The server accepts a token for 30 s of clock leeway past its `exp`.
  const dead = minted + (ttl + 30 + 2) * 1000 - Date.now();
  if (dead > 0) await page.waitForTimeout(dead);
  assert.equal(await ask(widget, "revenue by month"), "answered");
  assert.deepEqual(statuses, [401, 200]);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.tokenCalls), "2");
  assert.equal(await page.locator("#events li", { hasText: "slicewise:error" }).count(), 0);
  assert.equal(await ask(widget, "total revenue"), "answered");
  assert.deepEqual(statuses, [401, 200, 200]);
  await widget.locator(".sw-history summary").click();
  assert.deepEqual(await widget.locator(".sw-history li").allTextContents(), ["total revenue", "revenue by month"]);
  assert.deepEqual(errors.filter((e) => !/401|Unauthorized|slicewise: /.test(e)), []);
  await context.close();
});

test("JS API: a query running past the host's queryTimeoutSeconds is stopped; the data stays ready", { timeout: 300_000 }, async () => {
  const { page, context, requests } = await hostPage();
  await page.goto(`${HOST}/js-api.html?query_timeout=0.5`);
  const widget = page.locator("#analytics");
  await ready(widget);
  const downloads = requests.filter((r) => r.url.includes("/api/v1/extract/tables/")).length;
  assert.equal(await ask(widget, "total revenue"), "answered");
  await widget.locator(".sw-sql summary").click();
  await widget.locator(".sw-sql-edit").fill(
    "SELECT COUNT(*) AS n FROM orders a CROSS JOIN orders b WHERE a.amount * b.quantity > b.amount * a.quantity");
  const started = Date.now();
  await widget.locator(".sw-run-sql").click();
  const error = widget.locator(".sw-answer .sw-error");
  await error.waitFor({ timeout: 60_000 });
  assert.equal(await error.getAttribute("data-code"), "query_timeout");
  assert.match(await error.textContent(), /too long/);
  assert.ok(Date.now() - started < 30_000, "stopped, not run to the end");
  // The worker was replaced and reloaded from the kept bytes.
  assert.equal(await ask(widget, "revenue by channel"), "answered");
  assert.equal(await widget.locator(".sw-table tbody tr").count(), 4);
  assert.equal(requests.filter((r) => r.url.includes("/api/v1/extract/tables/")).length, downloads, "no table was downloaded again");
  await context.close();
});
