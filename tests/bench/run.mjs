// Browser half of `cargo xtask bench`: serves dist/, node_modules/ and the
// bench data on a free loopback port, then runs Slicewise's engine worker and
// DuckDB-WASM on the same tables in headless Chromium and prints a table.
//
// Usage: node tests/bench/run.mjs --dist DIR --data DIR [--runs 20] T.arrows...
// (each T.arrows needs its T.arrows.request.json, written by the native bench).
//
// Each engine and table runs in a fresh browser (Playwright gives each a
// fresh temporary profile), so the renderer's peak
// resident memory (VmHWM, read from /proc) belongs to that engine alone.

import { createServer } from "node:http";
import { createReadStream, readFileSync, statSync, readdirSync } from "node:fs";
import { join, extname, resolve, basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

function parseArgs(argv) {
  const args = { dist: join(root, "dist"), data: null, runs: 20, tables: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--dist") args.dist = resolve(argv[++i]);
    else if (a === "--data") args.data = resolve(argv[++i]);
    else if (a === "--runs") args.runs = Number(argv[++i]);
    else if (a.startsWith("--")) throw new Error(`unknown flag ${a}`);
    else args.tables.push(basename(a));
  }
  if (!args.data || args.tables.length === 0) throw new Error("usage: run.mjs --dist DIR --data DIR [--runs N] T.arrows...");
  return args;
}

const TYPES = {
  ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
  ".wasm": "application/wasm", ".json": "application/json", ".arrows": "application/vnd.apache.arrow.stream",
};

/// A static server: /bench -> tests/bench, /dist -> dist, /node_modules, /data.
function serve(mounts) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const mount = Object.keys(mounts).find((m) => path.startsWith(m + "/"));
    const file = mount && resolve(mounts[mount], "." + path.slice(mount.length));
    if (!file || !file.startsWith(mounts[mount]) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": statSync(file).size,
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/// Peak resident memory (MiB) over the renderer processes of the browser
/// whose command line carries `marker`.
function rendererPeakMiB(marker) {
  const children = new Map();
  const roots = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) roots.push(Number(pid));
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(pid));
    } catch { /* the process ended */ }
  }
  let peak = 0;
  const todo = roots;
  while (todo.length) {
    const pid = todo.pop();
    todo.push(...(children.get(pid) ?? []));
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--type=renderer")) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch { /* the process ended */ }
  }
  return peak;
}

async function runOne(origin, engine, options) {
  // An unknown switch Chromium ignores: it tells this browser's processes apart.
  const marker = `--slicewise-bench=${process.pid}-${engine}-${Date.now()}`;
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", marker],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${origin}/bench/bench.html`);
    await page.waitForFunction(() => window.bench !== undefined);
    const result = await page.evaluate(([name, opts]) => window.bench[name](opts), [engine, options]);
    result.peakMiB = rendererPeakMiB(marker);
    if (errors.length) result.pageErrors = errors;
    return result;
  } finally {
    await browser.close();
  }
}

const f = (x, digits = 1) => (x === undefined ? "-" : x.toFixed(digits));
const pad = (s, n) => String(s).padStart(n);

function printTable(name, queries, ours, duck) {
  console.log(`\nbrowser (headless Chromium, one worker each), ${name}: ${ours.rows} rows`);
  console.log(`${"".padEnd(36)} ${pad("Slicewise", 12)} ${pad("DuckDB-WASM", 12)} ${pad("ours/theirs", 12)}`);
  const line = (label, a, b) =>
    console.log(`${label.padEnd(36)} ${pad(f(a), 12)} ${pad(f(b), 12)} ${pad(a && b ? f(a / b, 2) : "-", 12)}`);
  line("engine start-up ms", ours.startup, duck.startup);
  line("load ms (ours: verify + parse)", ours.load, duck.load);
  line("  of which inside the engine ms", ours.engineLoad, undefined);
  for (const [phase, label] of [["verify_ms", "verify"], ["hash_ms", "SHA-256 check"], ["parse_ms", "IPC parse"],
    ["rechunk_ms", "rechunk"], ["categorize_ms", "categoricals"]]) {
    line(`    ${label} ms`, ours.phases?.[phase], undefined);
  }
  line("start-up to first answer ms", ours.firstAnswer, duck.firstAnswer);
  line("renderer peak RSS MiB", ours.peakMiB, duck.peakMiB);
  console.log(`${"query (min / median ms of runs)".padEnd(36)} ${pad("ours min", 12)} ${pad("theirs min", 12)} ${pad("ours/theirs", 12)} ${pad("ours med", 10)} ${pad("theirs med", 10)} ${pad("ours 1st", 10)}`);
  for (const q of queries) {
    const a = ours.queries.find((r) => r.id === q.id);
    const b = duck.queries.find((r) => r.id === q.id);
    const label = `${q.id} ${q.name}`.slice(0, 36).padEnd(36);
    if (a.error || b.error) {
      console.log(`${label} ${a.error ? "ours failed: " + a.error : ""} ${b.error ? "duckdb failed: " + b.error : ""}`);
      continue;
    }
    console.log(`${label} ${pad(f(a.min, 2), 12)} ${pad(f(b.min, 2), 12)} ${pad(f(a.min / b.min, 2), 12)} ${pad(f(a.median, 2), 10)} ${pad(f(b.median, 2), 10)} ${pad(f(a.first, 1), 10)}`);
  }
  for (const [who, r] of [["ours", ours], ["duckdb", duck]]) {
    if (r.pageErrors) console.log(`${who} page errors: ${r.pageErrors.join("; ")}`);
  }
}

const args = parseArgs(process.argv.slice(2));
const queries = JSON.parse(readFileSync(join(here, "queries.json"), "utf8"));
const server = await serve({
  "/bench": here,
  "/dist": args.dist,
  "/node_modules": join(root, "node_modules"),
  "/data": args.data,
});
const origin = `http://127.0.0.1:${server.address().port}`;
console.log(`browser bench on ${origin}, dist ${args.dist}, ${args.runs} runs per query, files served uncompressed`);
try {
  for (const table of args.tables) {
    const options = { table: `/data/${table}`, requestUrl: `/data/${table}.request.json`, queries, runs: args.runs };
    const ours = await runOne(origin, "ours", options);
    const duck = await runOne(origin, "duckdb", options);
    printTable(table, queries, ours, duck);
  }
} finally {
  server.close();
}
