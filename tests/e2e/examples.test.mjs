// The banking example served the way a vendor's database is: written by its
// own seed (examples/banking/seed.py), described by its catalog file alone,
// served by `slicewise serve --catalog` without `--demo`; the host's backend
// mints each bank's token with the admin key and its page mounts the widget
// by the JS API, from another origin. Once from SQLite, once from PostgreSQL
// under row-level security. In headless Chromium: the widget's figures equal
// the same figures computed from the database for that bank, a bank's
// browser gets exactly its own rows (a bank id put in a URL or a body
// changes nothing), and no request carries a cell value.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { launch, recordedPage, widgetReadyIn, askIn, screenshot, assertNoCellValues } from "./browser.mjs";

const BIN = process.env.SLICEWISE_BIN;
const STATIC_DIR = process.env.SLICEWISE_STATIC_DIR;
/** A PostgreSQL URL whose user may create databases (trust auth on loopback). */
const PG_ADMIN = process.env.SLICEWISE_E2E_POSTGRES;
const EXAMPLE = path.join(import.meta.dirname, "../../examples/banking");
const CATALOG = path.join(EXAMPLE, "catalog.toml");
/** Small and fast: 136 clients, 43,250 transactions over seven banks. */
const SCALE = "0.05";
/** The day relative periods are resolved against, as in the example's README. */
const TODAY = "2025-11-15";
/** The catalog's tables (its `balances` and `transactions` are SELECTs over the same-named tables). */
const TABLES = ["accounts", "balances", "clients", "transactions"];
/** Two banks (tenants) of different sizes. */
const A = "1";
const B = "2";
/** The three ordinary questions: a count, money in cents shown in EUR, a split. */
const CLIENTS = "how many clients do we have";
const SPEND = "card spend in 2024";
const BY_PRODUCT = "accounts by product";

const skipNoBin = !(BIN && STATIC_DIR) && "SLICEWISE_BIN or SLICEWISE_STATIC_DIR not set (cargo xtask test sets both)";
const skipNoPg = skipNoBin || (!PG_ADMIN && "SLICEWISE_E2E_POSTGRES not set (cargo xtask test sets it)");

let browser;
before(async () => { if (!skipNoBin) browser = await launch(); });
after(async () => { await browser?.close(); });

// ---- the database, read directly ----------------------------------------

/** Rows of a query on the SQLite file, read-only (Python's sqlite3: seed.py needs Python already). */
function sqliteRows(file, sql) {
  const py = "import json, sqlite3, sys\n"
    + "db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n"
    + "print(json.dumps(db.execute(sys.argv[2]).fetchall()))";
  return JSON.parse(execFileSync("python3", ["-c", py, file, sql], { encoding: "utf8" }));
}

/** Rows of a query on PostgreSQL through psql (seed.py's own way in), as text. */
function pgRows(url, sql) {
  const out = execFileSync("psql", ["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
    { encoding: "utf8" });
  return out.split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
}

/**
 * What the widget must show for one bank, computed from the database with
 * plain SQL (the same text on SQLite and PostgreSQL), never through Slicewise.
 */
function expectedFor(rows, bank) {
  const one = (sql) => Number(rows(sql)[0][0]);
  const mine = `bank_id = ${Number(bank)}`;
  return {
    rows: Object.fromEntries(TABLES.map((t) => [t, one(`SELECT COUNT(*) FROM ${t} WHERE ${mine}`)])),
    clients: one(`SELECT COUNT(*) FROM clients WHERE ${mine}`),
    // Card spend: booked card payments as a positive amount; cents to EUR.
    spend2024: one(`SELECT SUM(-amount_cents) FROM transactions WHERE ${mine} AND kind = 'card'
      AND status = 'booked' AND booked_at >= '2024-01-01' AND booked_at < '2025-01-01'`) / 100,
    byProduct: Object.fromEntries(rows(`SELECT product, COUNT(*) FROM accounts WHERE ${mine} GROUP BY product`)
      .map(([product, n]) => [product, Number(n)])),
    // The exact set of ids, fingerprinted: ids are unique across banks.
    ids: {
      clients: one(`SELECT SUM(client_id) FROM clients WHERE ${mine}`),
      accounts: one(`SELECT SUM(account_id) FROM accounts WHERE ${mine}`),
      transactions: one(`SELECT SUM(txn_id) FROM transactions WHERE ${mine}`),
    },
  };
}

const totalRows = (rows) => Object.fromEntries(TABLES.map((t) => [t, Number(rows(`SELECT COUNT(*) FROM ${t}`)[0][0])]));

// ---- the vendor's set-up: Slicewise's server and the host's portal ------

/** A free loopback port. */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The environment without SLICEWISE_* settings, so the server reads only its flags. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SLICEWISE_")));
}

/**
 * `slicewise serve` over one data source (`--db FILE` or `--database-url
 * URL`) through the example's catalog, as a vendor runs it: no `--demo`,
 * the portal's origin allowed, quotas lifted as in `cargo xtask test`.
 * Its log is `banking-<label>.log`.
 */
async function startSlicewise(dir, source, hostOrigin, label) {
  const data = path.join(dir, "data");
  fs.mkdirSync(data, { recursive: true });
  // The tests ask more in a minute than a free bank's quota allows; quotas have tests of their own.
  const config = path.join(dir, "e2e.toml");
  fs.writeFileSync(config, "[quotas]\nburst_per_minute = 1000000\nfree_daily = 1000000\npro_daily = 1000000\nfeedback_per_minute = 1000000\n");
  const url = `http://127.0.0.1:${await freePort()}`;
  // The server's log outlives the run in xtask's scratch folder (emptied by the next run).
  const logs = process.env.SLICEWISE_DATA_DIR ?? dir;
  fs.mkdirSync(logs, { recursive: true });
  const log = path.join(logs, `banking-${label}.log`);
  const out = fs.openSync(log, "w");
  const child = spawn(BIN, ["--config", config, "serve", "--catalog", CATALOG, ...source,
    "--data-dir", data, "--static-dir", STATIC_DIR, "--addr", url.slice("http://".length),
    "--allowed-origins", hostOrigin, "--today", TODAY], { stdio: ["ignore", out, out], env: cleanEnv() });
  fs.closeSync(out);
  let exited = null;
  child.on("exit", (code) => { exited = code; });
  for (let i = 0; i < 300 && exited === null; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) {
        const adminKey = fs.readFileSync(path.join(data, "admin_key"), "utf8").trim();
        return { url, child, adminKey, log };
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`slicewise serve did not get ready (exit ${exited}):\n${fs.readFileSync(log, "utf8").slice(-3000)}`);
}

/** Stops a child process and waits until it has gone. */
function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => { child.once("exit", resolve); child.kill(); });
}

/** The embed token the host's backend mints for one bank with the admin key. */
async function mintToken(slicewise, bank) {
  const response = await fetch(`${slicewise.url}/api/v1/embed/token`, {
    method: "POST",
    headers: { Authorization: `Bearer ${slicewise.adminKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ tenant: bank, sub: `portal-user-${bank}`, privacy: "standard", ttl_seconds: 900 }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).token;
}

/**
 * The host: a bank's portal page at `/bank/<id>/`, which loads widget.js from
 * Slicewise and mounts the widget, and its backend at `/bank/<id>/token`.
 * Which bank a page is for is the host's own business (here its path).
 */
function startPortal(port, slicewise) {
  const server = http.createServer(async (req, res) => {
    const m = new URL(req.url, "http://x").pathname.match(/^\/bank\/(\w+)\/(token)?$/);
    if (!m) return res.writeHead(404).end();
    if (m[2]) {
      try {
        const token = await mintToken(slicewise, m[1]);
        res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
        return res.end(JSON.stringify({ token }));
      } catch (e) {
        return res.writeHead(500).end(String(e));
      }
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bank portal</title>
      <link rel="icon" href="data:,"><script src="${slicewise.url}/widget.js"></script></head>
      <body><h1>Your bank's figures</h1><div id="analytics"></div><script>
      Slicewise.mount(document.getElementById("analytics"), {
        getToken: async () => {
          const r = await fetch("token");
          if (!r.ok) throw new Error("token: HTTP " + r.status);
          return (await r.json()).token;
        },
        locale: "en",
      });
      </script></body></html>`);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

// ---- the widget, driven as a user would --------------------------------

/** A figure as shown ("1,234.50", "−3.2") as a number. */
const num = (s) => Number(s.replace(/[,\s€]/g, "").replace("−", "-").replace(/EUR/, ""));

/** Opens a bank's portal page; records its requests and the manifests it received. */
async function openPortal(portal, bank, prepare) {
  const rec = await recordedPage(browser);
  rec.manifests = [];
  rec.page.on("response", (r) => {
    if (new URL(r.url()).pathname === "/api/v1/extract/manifest" && r.ok()) {
      rec.manifests.push(r.json().then((m) => JSON.parse(m.manifest)));
    }
  });
  if (prepare) await prepare(rec.page);
  await rec.page.goto(`${portal}/bank/${bank}/`);
  rec.widget = rec.page.locator("#analytics");
  await widgetReadyIn(rec.widget);
  return rec;
}

/** The table counts the widget shows once loaded ("1 — accounts 31 · balances 624 ..."). */
async function shownCounts(widget) {
  const text = await widget.locator(".sw-ready .sw-counts").textContent();
  return Object.fromEntries([...text.matchAll(/([a-z_]+) ([\d,]+)/g)].map(([, t, n]) => [t, num(n)]));
}

/** The single figure of the newest answer. */
async function bigNumber(widget) {
  const values = widget.locator(".sw-answer").first().locator(".sw-big-value");
  assert.equal(await values.count(), 1, "one figure");
  return num(await values.textContent());
}

/** The newest answer's table as rows of cell texts. */
function tableRows(widget) {
  return widget.locator(".sw-answer").first().locator(".sw-table tbody tr")
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())));
}

/** Runs SQL from the newest answer's SQL panel (in the browser, no request) and returns its table. */
async function runSql(widget, sql) {
  const answer = widget.locator(".sw-answer").first();
  if (!(await answer.locator(".sw-sql").evaluate((d) => d.open))) await answer.locator(".sw-sql summary").click();
  await answer.locator(".sw-sql-edit").fill(sql);
  await answer.locator(".sw-run-sql").click();
  await widget.locator(".sw-answer[data-status=answered]").first().locator(".sw-sql pre code", { hasText: sql })
    .waitFor({ timeout: 60_000 });
  await widget.locator(".sw-busy .sw-spinner").waitFor({ state: "detached", timeout: 60_000 });
  return tableRows(widget);
}

/** Asks a question the built-in translator answers and checks it was answered. */
async function answered(widget, question) {
  assert.equal(await askIn(widget, question), "answered", `"${question}" was answered`);
}

/** The rows the browser holds, fingerprinted by the sum of their ids. */
async function idsInBrowser(widget) {
  const sums = {
    clients: "SELECT SUM(client_id) AS s FROM clients",
    accounts: "SELECT SUM(account_id) AS s FROM accounts",
    transactions: "SELECT SUM(txn_id) AS s FROM transactions",
  };
  const out = {};
  for (const [table, sql] of Object.entries(sums)) out[table] = num((await runSql(widget, sql))[0][0]);
  return out;
}

/** The data source's counts and figures agree with the widget's for one bank. */
async function assertBankShown(rec, bank, expected) {
  const { widget } = rec;
  assert.equal(await widget.locator(".sw-ready").getAttribute("data-tenant"), bank);
  assert.deepEqual(await shownCounts(widget), expected.rows, "each table holds the bank's rows, as counted in the database");
  const manifests = await Promise.all(rec.manifests);
  assert.ok(manifests.length >= 1, "the manifest reached the page");
  for (const m of manifests) {
    assert.equal(m.tenant, bank);
    assert.deepEqual(Object.fromEntries(m.tables.map((t) => [t.name, t.rows])), expected.rows);
  }
  await answered(widget, CLIENTS);
  assert.equal(await bigNumber(widget), expected.clients);
}

// ---- the same checks over each data source ------------------------------

/**
 * Registers the checks over one way of serving the example. `prepare(dir)`
 * writes the vendor's database and returns `{ source, rows, cleanup }`:
 * serve's data-source flags, a query runner on the same data, and what to
 * undo afterwards.
 */
function servedFrom(name, skip, prepare) {
  describe(`the banking example served from ${name}`, { skip }, () => {
    let dir;
    let db;
    let slicewise;
    let portal;
    let portalServer;
    let expected;
    let total;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "slicewise-banking-"));
      db = await prepare(dir);
      expected = { [A]: expectedFor(db.rows, A), [B]: expectedFor(db.rows, B) };
      total = totalRows(db.rows);
      // The example's own check of the catalog against the database, as the README says.
      execFileSync(BIN, ["catalog", "check", "--catalog", CATALOG, ...(db.check ?? db.source)], { stdio: "pipe", env: cleanEnv() });
      const portalPort = await freePort();
      const hostOrigin = `http://localhost:${portalPort}`;
      slicewise = await startSlicewise(dir, db.source, hostOrigin, name.toLowerCase());
      portalServer = await startPortal(portalPort, slicewise);
      portal = hostOrigin;
    });

    after(async () => {
      portalServer?.close();
      await stop(slicewise?.child);
      await db?.cleanup?.();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test(`bank ${A}'s widget answers with the figures of its own rows; no request carries a cell value`, { timeout: 180_000 }, async () => {
      const want = expected[A];
      for (const t of TABLES) assert.ok(want.rows[t] > 0 && want.rows[t] < total[t], `${t}: bank ${A} has some rows, not all`);
      assert.ok(want.spend2024 > 0 && Object.keys(want.byProduct).length > 1, "figures worth comparing");
      const rec = await openPortal(portal, A);
      const { widget } = rec;
      await assertBankShown(rec, A, want);

      await answered(widget, SPEND);
      const spend = await bigNumber(widget);
      assert.ok(Math.abs(spend - want.spend2024) < 0.005, `card spend ${spend}, in the database ${want.spend2024}`);

      await answered(widget, BY_PRODUCT);
      const byProduct = Object.fromEntries((await tableRows(widget)).map(([p, n]) => [p, num(n)]));
      assert.deepEqual(byProduct, want.byProduct);
      const cells = (await tableRows(widget)).flat();
      await screenshot(rec.page, `banking-${name.toLowerCase()}-accounts-by-product`);

      // The very rows: every id in the browser is one of this bank's.
      assert.deepEqual(await idsInBrowser(widget), want.ids);

      assertNoCellValues(rec.requests, [...cells, spend.toFixed(2), String(want.clients)]);
      assert.deepEqual(rec.errors, []);
      await rec.context.close();
    });

    test(`a bank id in a URL or a request body changes nothing: bank ${A}'s token reads bank ${A}'s rows`, { timeout: 180_000 }, async () => {
      const tampered = { manifest: 0, ask: 0 };
      const rec = await openPortal(portal, A, async (page) => {
        // Bank B's id as a query parameter of every API request, and in every ask's body.
        await page.route(`${slicewise.url}/api/v1/**`, (route) => {
          const request = route.request();
          const url = new URL(request.url());
          url.searchParams.set("tenant", B);
          url.searchParams.set("bank_id", B);
          if (url.pathname === "/api/v1/extract/manifest") tampered.manifest++;
          if (url.pathname === "/api/v1/ask" && request.method() === "POST") {
            tampered.ask++;
            const body = { ...JSON.parse(request.postData()), tenant: B, bank_id: Number(B) };
            return route.continue({ url: url.toString(), postData: JSON.stringify(body) });
          }
          return route.continue({ url: url.toString() });
        });
      });
      await assertBankShown(rec, A, expected[A]);
      assert.ok(tampered.manifest >= 1 && tampered.ask >= 1, `requests rewritten: ${JSON.stringify(tampered)}`);
      assert.deepEqual(await idsInBrowser(rec.widget), expected[A].ids);
      await rec.context.close();

      // Straight at the API: a table link of bank A's, its tenant changed to B, is refused.
      const token = await mintToken(slicewise, A);
      const signed = await (await fetch(`${slicewise.url}/api/v1/extract/manifest?tenant=${B}`,
        { headers: { Authorization: `Bearer ${token}` } })).json();
      const manifest = JSON.parse(signed.manifest);
      assert.equal(manifest.tenant, A);
      const link = manifest.tables.find((t) => t.name === "transactions").url;
      const own = await fetch(new URL(link, slicewise.url));
      assert.equal(own.status, 200);
      const swapped = await fetch(new URL(link.replace(`/tables/${A}/`, `/tables/${B}/`), slicewise.url));
      assert.equal(swapped.status, 403, `a link edited to bank ${B}`);
      assert.equal((await swapped.json()).error.code, "url_invalid");
    });

    test(`bank ${B}'s token gets bank ${B}'s rows and figures, none of bank ${A}'s`, { timeout: 180_000 }, async () => {
      const want = expected[B];
      assert.notDeepEqual(want.rows, expected[A].rows);
      const rec = await openPortal(portal, B);
      await assertBankShown(rec, B, want);
      assert.notEqual(want.clients, expected[A].clients);
      assert.deepEqual(await idsInBrowser(rec.widget), want.ids);
      assert.deepEqual(rec.errors, []);
      await rec.context.close();
    });
  });
}

servedFrom("SQLite", skipNoBin, async (dir) => {
  const file = path.join(dir, "bank.db");
  execFileSync("python3", [path.join(EXAMPLE, "seed.py"), "--sqlite", file, "--scale", SCALE], { stdio: "pipe" });
  return { source: ["--db", file], rows: (sql) => sqliteRows(file, sql) };
});

servedFrom("PostgreSQL", skipNoPg, async (dir) => {
  // A database of its own for this run, dropped afterwards.
  const name = `slicewise_e2e_banking_${process.pid}_${Date.now()}`;
  const admin = new URL(PG_ADMIN);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  pgRows(admin.toString(), `CREATE DATABASE ${name}`);
  const cleanup = () => pgRows(admin.toString(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    execFileSync("python3", [path.join(EXAMPLE, "seed.py"), "--postgres", url.toString(), "--scale", SCALE], { stdio: "pipe" });
    // Row-level security for the catalog's tables, the tenant binding with the
    // server's key (its data dir) and the login role it connects as (README step 3)...
    execFileSync(BIN, ["pg", "setup", "--catalog", CATALOG, "--data-dir", path.join(dir, "data"),
      "--database-url", url.toString()], { stdio: "pipe", env: cleanEnv() });
    // ...and, as the example's README tells the DBA, for the tables its SELECT sources read.
    pgRows(url.toString(), ["transactions", "balances"].map((t) => `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
      ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
      CREATE POLICY slicewise_tenant ON ${t} FOR SELECT TO slicewise_app
        USING (bank_id::text = (SELECT slicewise_rls.tenant()));
      GRANT SELECT ON ${t} TO slicewise_app;`).join("\n"));
  } catch (e) {
    cleanup();
    throw e;
  }
  // The server logs in as the least-privileged role pg setup made (trust auth on loopback);
  // the catalog is checked as the tables' owner, as the README says.
  const login = new URL(url);
  login.username = "slicewise_server";
  return {
    source: ["--database-url", login.toString()],
    check: ["--database-url", url.toString()],
    rows: (sql) => pgRows(url.toString(), sql),
    cleanup,
  };
});
