// Embedding on another origin: the example host pages of public/examples
// are served from a second loopback origin (SLICEWISE_HOST_ORIGIN, allowed by
// the server, the server named by `?server=`) and must work in each mode
// under the documented CSP, keep host CSS out, renew short-lived tokens
// without losing history, and the iframe must refuse a token posted from an
// origin that is not allowed. Served by Slicewise itself at /examples/ (a
// server with no --allowed-origins), they work with no parameter; a page on
// an origin the server refuses says so on screen and in `slicewise:error`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import http from "node:http";
import fs from "node:fs/promises";
import { mkdtempSync, mkdirSync, writeFileSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { SERVER, launch, recordedPage, screenshot, widgetReadyIn as ready, askIn as ask } from "./browser.mjs";

const HOST = process.env.SLICEWISE_HOST_ORIGIN ?? "http://localhost:8091";
const EXAMPLES = path.join(import.meta.dirname, "../../public/examples");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const BIN = process.env.SLICEWISE_BIN;
const STATIC_DIR = process.env.SLICEWISE_STATIC_DIR;
const skipNoBin = !(BIN && STATIC_DIR) && "SLICEWISE_BIN or SLICEWISE_STATIC_DIR not set (cargo xtask test sets both)";
/** The CSP a host page needs (README, "Embedding"), naming its Slicewise server. */
const hostCsp = (server) => `default-src 'self'; script-src 'self' ${server} 'wasm-unsafe-eval'; `
  + `connect-src 'self' ${server}; worker-src blob: ${server}; style-src 'self'; img-src 'self' data:; frame-src ${server}`;
/** An example page on a host origin, pointed at the server under test. */
const on = (origin, page, query = "") => `${origin}/${page}?server=${encodeURIComponent(SERVER)}${query}`;

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

/** The React host page (under the host CSP, as the examples). */
function reactPage() {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
    <meta name="slicewise-server" content="${SERVER}"><title>React portal</title>
    <link rel="icon" href="data:,"><link rel="stylesheet" href="host.css">
    <script type="module" src="react-app.js"></script></head>
    <body><div id="root"></div></body></html>`;
}

/**
 * Serves the examples as a host would, its pages under the host CSP for the
 * server they use (`?server=`, else the server under test); `/plain/...`
 * drops the host stylesheet and the second widget.
 */
function serveExamples(port, host) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    let name = url.pathname;
    const plain = name.startsWith("/plain/");
    name = path.basename(name);
    let body;
    // The example pages and the React page run under the host CSP.
    let csp = name.endsWith(".html");
    if (name === "refusal.html") {
      csp = false;
      body = `<!doctype html><title>refusal</title>
        <iframe id="embed" src="${SERVER}/embed"></iframe>
        <iframe id="evil" src="${EVIL}/evil.html"></iframe>`;
    } else if (name === "react.html") {
      body = reactPage();
    } else if (name === "react-app.js") {
      body = reactApp;
    } else if (name === "evil.html") {
      csp = false;
      body = "<!doctype html><title>not allowed</title><p>another origin</p>";
    } else {
      try {
        body = await fs.readFile(path.join(EXAMPLES, name), "utf8");
      } catch {
        res.writeHead(404).end();
        return;
      }
      if (plain) body = body.replace(/.*host\.css.*\n/, "").replace(/.*id="second".*\n/, "");
    }
    const headers = { "Content-Type": `${TYPES[path.extname(name)] ?? "text/plain"}; charset=utf-8` };
    if (csp) headers["Content-Security-Policy"] = hostCsp(url.searchParams.get("server") ?? SERVER);
    res.writeHead(200, headers);
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
  await page.goto(on(HOST, "script-tag.html"));
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
  await plain.page.goto(on(HOST, "plain/script-tag.html"));
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
  await page.goto(on(HOST, "js-api.html", `&ttl=${ttl}`));
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
  await page.goto(on(HOST, "iframe.html"));
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
  await page.goto(on(HOST, "js-api.html", `&ttl=${ttl}`));
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
  await page.goto(on(HOST, "js-api.html", "&query_timeout=0.5"));
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

// ---- the examples as served, and refused origins ------------------------

/** A free loopback port. */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * A second `slicewise serve --demo` as a developer first starts it: no
 * `--allowed-origins`, so only its own origin may use it. Its log is
 * `embed-no-origins.log` in xtask's scratch folder.
 */
async function startUnconfigured() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slicewise-embed-"));
  const data = path.join(dir, "data");
  mkdirSync(data, { recursive: true });
  const db = path.join(dir, "demo.db");
  execFileSync(BIN, ["seed-demo", "--db", db, "--scale", "0.01"], { stdio: "pipe" });
  const config = path.join(dir, "e2e.toml");
  writeFileSync(config, "[quotas]\nburst_per_minute = 1000000\nfree_daily = 1000000\npro_daily = 1000000\nfeedback_per_minute = 1000000\n");
  const url = `http://127.0.0.1:${await freePort()}`;
  const logs = process.env.SLICEWISE_DATA_DIR ?? dir;
  const log = path.join(logs, "embed-no-origins.log");
  const out = openSync(log, "w");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SLICEWISE_")));
  const child = spawn(BIN, ["--config", config, "serve", "--demo", "--db", db, "--data-dir", data,
    "--static-dir", STATIC_DIR, "--addr", url.slice("http://".length)], { stdio: ["ignore", out, out], env });
  closeSync(out);
  let exited = null;
  child.on("exit", (code) => { exited = code; });
  for (let i = 0; i < 300 && exited === null; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) {
        return {
          url,
          stop: () => new Promise((resolve) => {
            child.once("exit", () => { rmSync(dir, { recursive: true, force: true }); resolve(); });
            child.kill();
          }),
        };
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`slicewise serve did not get ready (exit ${exited}):\n${readFileSync(log, "utf8").slice(-3000)}`);
}

/** The `slicewise:error` events a host page listed (host.js logs them into #events). */
async function loggedErrors(page) {
  await page.locator("#events li", { hasText: "slicewise:error" }).first().waitFor({ timeout: 60_000 });
  const items = await page.locator("#events li", { hasText: "slicewise:error" }).allTextContents();
  return items.map((text) => JSON.parse(text.slice(text.indexOf("{"))));
}

test("/examples/ lists the example pages, each with what it shows", { timeout: 60_000 }, async () => {
  const listed = await fetch(`${SERVER}/examples/`);
  assert.equal(listed.status, 200);
  assert.match(listed.headers.get("content-type"), /^text\/html/);
  assert.doesNotMatch(listed.headers.get("content-security-policy"), /unsafe-inline/);
  const html = await listed.text();
  for (const page of ["script-tag.html", "iframe.html", "js-api.html"]) {
    assert.match(html, new RegExp(`<li><a href="${page}">${page}</a>: [^<]*\\w`), page);
  }
  assert.doesNotMatch(html, /<script/, "a list needs no script");
  const bare = await fetch(`${SERVER}/examples`, { redirect: "manual" });
  assert.ok(bare.status >= 300 && bare.status < 400, `GET /examples: ${bare.status}`);
  assert.equal(new URL(bare.headers.get("location"), SERVER).pathname, "/examples/");
  // Every page it links to is there.
  const { page, context } = await hostPage();
  await page.goto(`${SERVER}/examples`);
  const links = await page.locator("#examples a").evaluateAll((as) => as.map((a) => a.href));
  assert.equal(links.length, 3);
  for (const link of links) assert.equal((await fetch(link)).status, 200, link);
  await context.close();
});

test("served by a server without --allowed-origins: the examples work with no parameter; another origin is told what to configure", { skip: skipNoBin, timeout: 600_000 }, async () => {
  const own = await startUnconfigured();
  try {
    // Script tag: both widgets answer, the server taken from the page's origin.
    {
      const { page, errors, context } = await hostPage();
      await page.goto(`${own.url}/examples/script-tag.html`);
      await ready(page.locator("#first"));
      await ready(page.locator("#second"));
      assert.equal(await page.locator("#second .sw-ready").getAttribute("data-tenant"), "globex");
      assert.equal(await ask(page.locator("#first"), "revenue by month"), "answered");
      await assertNoCspViolations(page, errors);
      await context.close();
    }
    // Iframe: /embed framed by the server's own page takes its token.
    {
      const { page, errors, context } = await hostPage();
      await page.goto(`${own.url}/examples/iframe.html`);
      const frame = page.frameLocator("#slicewise");
      await ready(frame);
      assert.equal(await ask(frame, "total revenue"), "answered");
      await page.locator("#events li", { hasText: "slicewise:answer" }).first().waitFor();
      await assertNoCspViolations(page, errors);
      await context.close();
    }
    // JS API.
    {
      const { page, errors, context } = await hostPage();
      await page.goto(`${own.url}/examples/js-api.html`);
      await ready(page.locator("#analytics"));
      assert.equal(await ask(page.locator("#analytics"), "revenue by channel"), "answered");
      await assertNoCspViolations(page, errors);
      await context.close();
    }
    // The same pages on the host origin, which this server does not allow.
    const fix = `This page's origin ${HOST} is not allowed by the Slicewise server; start it with --allowed-origins ${HOST}.`;
    const onHost = (p) => `${HOST}/${p}?server=${encodeURIComponent(own.url)}`;
    {
      const { page, context } = await hostPage();
      await page.goto(onHost("script-tag.html"));
      for (const id of ["#first", "#second"]) {
        const note = page.locator(`${id} .sw-load-failed`);
        await note.waitFor({ timeout: 60_000 });
        assert.equal(await note.textContent(), fix);
        assert.equal(await note.getAttribute("data-code"), "origin_not_allowed");
        assert.ok(await note.isVisible());
      }
      const events = await loggedErrors(page);
      assert.ok(events.length >= 1 && events.every((e) => e.code === "origin_not_allowed" && e.message === fix), JSON.stringify(events));
      await screenshot(page, "embed-refused-script-tag");

      await page.goto(onHost("iframe.html"));
      const refused = page.frameLocator("#slicewise").locator("#slicewise-refused");
      await refused.waitFor({ timeout: 60_000 });
      assert.equal(await refused.textContent(), fix);
      assert.ok(await refused.isVisible());
      const framed = await loggedErrors(page);
      assert.deepEqual(framed.map((e) => [e.code, e.message]), [["origin_not_allowed", fix]]);
      await screenshot(page, "embed-refused-iframe");
      await context.close();
    }
  } finally {
    await own.stop();
  }
});

test("a page on an origin not in --allowed-origins: the refusal is on screen and in slicewise:error", { timeout: 300_000 }, async () => {
  const fix = `This page's origin ${EVIL} is not allowed by the Slicewise server; add ${EVIL} to its --allowed-origins.`;
  const { page, requests, context } = await hostPage();
  await page.goto(on(EVIL, "js-api.html"));
  const note = page.locator("#analytics .sw-load-failed");
  await note.waitFor({ timeout: 60_000 });
  assert.equal(await note.textContent(), fix);
  const detail = await page.evaluate(() => new Promise((resolve) => {
    // The event already fired: mount again to see one.
    const el = document.createElement("div");
    document.body.append(el);
    el.addEventListener("slicewise:error", (e) => resolve(e.detail));
    window.Slicewise.mount(el, { getToken: () => "unused" });
  }));
  assert.deepEqual(detail, { code: "origin_not_allowed", message: fix });
  // No token was asked for, and no request carried anything but the check.
  assert.equal(requests.filter((r) => r.method !== "GET").length, 0);

  await page.goto(on(EVIL, "iframe.html"));
  const refused = page.frameLocator("#slicewise").locator("#slicewise-refused");
  await refused.waitFor({ timeout: 60_000 });
  assert.equal(await refused.textContent(), fix);
  const events = await loggedErrors(page);
  assert.deepEqual(events.map((e) => e.code), ["origin_not_allowed"]);
  await context.close();
});
