// @slicewise/embed: Slicewise for host apps built with a bundler.
//
// A thin layer over the script-tag loader: `load(server)` adds
// `<script src="SERVER/widget.js">` once and resolves to `window.Slicewise`;
// `mount` and `<slicewise-widget>` then work as on any page. The heavy parts
// (widget module, engine) still load lazily from the server, so this module
// adds almost nothing to a host's bundle. `savedAnswers` is a client of the
// server's saved-answers API for the host's own dashboard. Types: index.d.ts.

const loaders = new Map();

/** The server's origin, without a trailing slash or path. */
function origin(server) {
  if (!server) throw new TypeError("Slicewise: the server's URL is needed");
  return new URL(server, typeof location === "undefined" ? undefined : location.href).origin;
}

/**
 * Loads the Slicewise loader from `server` once per page and resolves to the
 * `Slicewise` namespace (which also defines `<slicewise-widget>`).
 */
export function load(server) {
  const base = origin(server);
  if (window.Slicewise) return Promise.resolve(window.Slicewise);
  let loading = loaders.get(base);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${base}/widget.js`;
      script.async = true;
      script.onload = () => window.Slicewise
        ? resolve(window.Slicewise)
        : reject(new Error(`Slicewise: ${script.src} did not define Slicewise`));
      script.onerror = () => reject(new Error(`Slicewise: could not load ${script.src}`));
      document.head.append(script);
    });
    loading.catch(() => loaders.delete(base));
    loaders.set(base, loading);
  }
  return loading;
}

/**
 * Mounts a widget into `element` (in its shadow root). Resolves to the
 * mounted widget once the loader is there; `ready` settles when the widget
 * module has started.
 */
export async function mount(element, options) {
  const api = await load(options.server);
  return api.mount(element, options);
}

// Names of the caches that hold verified tables (the loader's STORE_PREFIX).
const STORE_PREFIX = "slicewise-tables-v1:";

/**
 * Deletes every table Slicewise widgets kept in this browser (all tenants
 * and users), with or without the loader on the page: call it at logout.
 * Resolves to the number of stores deleted.
 */
export async function clear() {
  if (window.Slicewise?.clear) return window.Slicewise.clear();
  if (typeof caches === "undefined") return 0;
  const names = (await caches.keys()).filter((n) => n.startsWith(STORE_PREFIX));
  await Promise.all(names.map((n) => caches.delete(n)));
  return names.length;
}

/** Event names the widget dispatches on its element (bubbling, composed). */
export const EVENTS = Object.freeze({
  ready: "slicewise:ready",
  answer: "slicewise:answer",
  error: "slicewise:error",
});

/** An error the Slicewise API answered: its stable code, message and HTTP status. */
export class SlicewiseApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.name = "SlicewiseApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

/**
 * A client of the server's saved-answers API (`/api/v1/saved`) for the
 * host's own UI: a dashboard page, a list, a share link. Each call sends the
 * user's embed token from `getToken` (the server takes tenant and user from
 * it, never from a call's arguments) and asks for a fresh one once after a
 * 401. Saved answers are definitions (title, question, SQL, chart), never
 * rows: the widget re-runs them in the browser.
 */
export function savedAnswers({ server, getToken, fetch: fetchImpl }) {
  if (typeof getToken !== "function") throw new TypeError("Slicewise: getToken is needed");
  const base = `${origin(server)}/api/v1/saved`;
  const send = fetchImpl ?? ((...args) => globalThis.fetch(...args));

  async function call(method, path, body) {
    for (let attempt = 0; ; attempt += 1) {
      const headers = { Authorization: `Bearer ${await getToken()}` };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const response = await send(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
      });
      if (response.status === 401 && attempt === 0) continue;
      if (response.status === 204) return undefined;
      const json = await response.json().catch(() => null);
      if (!response.ok) {
        const error = json?.error ?? {};
        throw new SlicewiseApiError(
          response.status,
          error.code ?? "http_error",
          error.message ?? `Slicewise: ${method} ${path || "/"} answered ${response.status}`,
          error.request_id,
        );
      }
      return json;
    }
  }

  const one = (id) => {
    if (typeof id !== "string" || !id) throw new TypeError("Slicewise: a saved answer's id is needed");
    return `/${encodeURIComponent(id)}`;
  };

  return Object.freeze({
    /** The user's answers and those shared with its tenant, in dashboard order. */
    list: async () => (await call("GET", "")).answers,
    get: async (id) => call("GET", one(id)),
    create: async (answer) => call("POST", "", answer),
    update: async (id, change) => call("PATCH", one(id), change),
    remove: async (id) => {
      await call("DELETE", one(id));
    },
  });
}
