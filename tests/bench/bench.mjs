// In-page half of the browser bench: runs one engine (ours through the real
// dist/engine worker, or DuckDB-WASM through its eh worker) on one table and
// returns its timings. tests/bench/run.mjs drives it with Playwright.
//
// Every time is wall-clock on the page's main thread, round trip through the
// engine's worker, as a widget would see it.

const now = () => performance.now();

function minMedian(times) {
  const s = [...times].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { min: s[0], median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2 };
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/// Times `runs` executions after a first (cold) one.
async function timeQueries(queries, field, runs, execute) {
  const out = [];
  for (const q of queries) {
    const sql = q[field];
    try {
      let t = now();
      await execute(sql);
      const first = now() - t;
      const times = [];
      for (let i = 0; i < runs; i++) {
        t = now();
        await execute(sql);
        times.push(now() - t);
      }
      out.push({ id: q.id, first, ...minMedian(times) });
    } catch (e) {
      out.push({ id: q.id, error: String(e && e.message ? e.message : e).slice(0, 200) });
    }
  }
  return out;
}

/// Slicewise: the worker exactly as the widget starts it.
async function ours({ table, requestUrl, queries, runs }) {
  const request = JSON.parse(await (await fetch(requestUrl)).text());
  request.now = Math.floor(Date.now() / 1000);
  const bytes = await fetchBytes(table);

  const t0 = now();
  const worker = new Worker("/dist/engine/engine-worker.js", { type: "module" });
  let nextId = 1;
  const pending = new Map();
  let readyResolve, readyReject;
  const ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
  worker.onmessage = ({ data }) => {
    if (data.kind === "ready") return readyResolve(data.startup_ms);
    if (data.kind === "fatal") return readyReject(new Error(data.json));
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.kind === "ok") p.resolve(data.json);
    else p.reject(new Error(data.json));
  };
  worker.onerror = (e) => readyReject(new Error(e.message));
  const call = (message, transfer = []) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, ...message }, transfer);
  });

  const workerStartup = await ready;
  const startup = now() - t0;
  let t = now();
  const report = JSON.parse(await call(
    { kind: "load", request: JSON.stringify(request), buffers: [bytes] }, [bytes.buffer]));
  const load = now() - t;
  t = now();
  await call({ kind: "query", sql: queries[0].polars, limit: 1000 });
  const firstAnswer = now() - t0;
  const results = await timeQueries(queries, "polars", runs,
    (sql) => call({ kind: "query", sql, limit: 1000 }));
  worker.terminate();
  return { startup, workerStartup, load, engineLoad: report.elapsed_ms, phases: report.phases, firstAnswer,
    rows: report.tables[0].rows, queries: results };
}

/// DuckDB-WASM 1.32, single-threaded eh bundle, served from node_modules.
async function duckdb({ table, queries, runs }) {
  const bytes = await fetchBytes(table);
  const t0 = now();
  const duck = await import("/node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs");
  const base = "/node_modules/@duckdb/duckdb-wasm/dist/";
  const worker = new Worker(base + "duckdb-browser-eh.worker.js");
  const db = new duck.AsyncDuckDB(new duck.VoidLogger(), worker);
  await db.instantiate(base + "duckdb-eh.wasm");
  const conn = await db.connect();
  await conn.query("SELECT 1");
  const startup = now() - t0;
  let t = now();
  await conn.insertArrowFromIPCStream(bytes, { name: "t", create: true });
  const load = now() - t;
  t = now();
  const rows = Number((await conn.query("SELECT count(*) AS n FROM t")).getChildAt(0).get(0));
  const firstAnswer = now() - t0;
  const results = await timeQueries(queries, "duckdb", runs, (sql) => conn.query(sql));
  await conn.close();
  await db.terminate();
  return { startup, load, firstAnswer, rows, queries: results };
}

window.bench = { ours, duckdb };
document.getElementById("status").textContent = "bench page ready";
