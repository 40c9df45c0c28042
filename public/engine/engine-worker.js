// Slicewise engine worker: runs Polars (wasm) off the page's main thread.
// Messages in:  {id, kind: "load", request: <LoadRequest JSON>, buffers: [Uint8Array]}
//               {id, kind: "query", sql, limit}
// Messages out: {kind: "ready", startup_ms}
//               {id, kind: "ok", json}  |  {id, kind: "error", json: <{code, message}>}
// A wasm trap (panic, out of memory) leaves the instance unusable: the worker
// reports `engine_crashed` or `engine_out_of_memory` and the widget starts a
// fresh worker, loaded from the bytes it kept.
import init, { WorkerEngine, outOfMemory } from "./slicewise_engine_worker.js";

const started = performance.now();
let engine = null;
let broken = false;

const ready = init({ module_or_path: new URL("./slicewise_engine_worker_bg.wasm", import.meta.url) })
  .then(() => {
    engine = new WorkerEngine();
    postMessage({ kind: "ready", startup_ms: performance.now() - started });
  })
  .catch((e) => {
    broken = true;
    postMessage({ kind: "fatal", json: JSON.stringify({ code: "engine_start_failed", message: String(e) }) });
  });

/**
 * SHA-256 (hex) of each table by WebCrypto: native code on the browser's
 * own thread, several times faster than hashing in wasm. The engine still
 * compares them with the signed manifest. None where WebCrypto is missing
 * (an insecure context) or fails: then the engine hashes.
 */
async function digests(buffers) {
  if (!self.crypto?.subtle) return undefined;
  try {
    const sums = await Promise.all(buffers.map((b) => crypto.subtle.digest("SHA-256", b)));
    return sums.map((sum) => Array.from(new Uint8Array(sum), (x) => x.toString(16).padStart(2, "0")).join(""));
  } catch {
    return undefined;
  }
}

/**
 * A verified load. WebCrypto hashes the tables while the engine checks the
 * manifest and parses them (stage); nothing is queryable until every digest
 * matched the manifest (commit). Without WebCrypto the engine hashes first.
 */
async function load({ request, buffers }) {
  if (!self.crypto?.subtle) return engine.load(request, buffers, undefined);
  const hashing = digests(buffers); // WebCrypto copies the bytes at once
  engine.stage(request, buffers);
  const sums = await hashing;
  return sums ? engine.commit(sums) : engine.load(request, buffers, undefined);
}

function safely(f) {
  try { return f(); } catch { return false; }
}

function failure(e) {
  if (typeof e === "string") return e; // the engine's own {code, message} JSON
  const trapped = e instanceof WebAssembly.RuntimeError || e instanceof RangeError;
  if (trapped) broken = true;
  // With panic = "abort" a failed allocation and a panic both end in an
  // `unreachable` trap; the engine knows which it was.
  const aborted = String(e).includes("unreachable") && safely(outOfMemory);
  const oom = trapped && (aborted || String(e).includes("memory"));
  const code = trapped ? (oom ? "engine_out_of_memory" : "engine_crashed") : "engine_failed";
  return JSON.stringify({ code, message: String(e && e.message ? e.message : e) });
}

async function handle(data) {
  await ready;
  const { id, kind } = data;
  if (broken || !engine) {
    postMessage({ id, kind: "error", json: JSON.stringify({ code: "engine_crashed", message: "the engine stopped; restarting" }) });
    return;
  }
  try {
    let json;
    if (kind === "load") json = await load(data);
    else if (kind === "query") json = engine.query(data.sql, data.limit);
    else throw JSON.stringify({ code: "engine_bad_request", message: `unknown message ${kind}` });
    postMessage({ id, kind: "ok", json });
  } catch (e) {
    postMessage({ id, kind: "error", json: failure(e) });
  }
}

// One message at a time, in order: a query sent during a load waits for it.
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};
