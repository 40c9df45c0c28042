// Slicewise loader: one line on a host page,
//   <script src="https://SLICEWISE/widget.js" async></script>
// then <slicewise-widget token-provider="getSlicewiseToken"></slicewise-widget>
// or Slicewise.mount(element, { getToken: async () => token }).
//
// This file is small and stays unhashed; the widget's module, wasm and CSS
// (hashed names, cached for a year) load lazily on the first mount. Each
// widget renders in an open shadow root, so host CSS stays out and ours
// stays in. The only global is `Slicewise`. No eval, no inline code: the page
// may run under a CSP with only 'wasm-unsafe-eval' (README, "Embedding").
(() => {
  "use strict";
  if (window.Slicewise) return;

  // `cargo xtask web` writes the hashed names of the Trunk build here.
  const ASSETS = /*SLICEWISE_ASSETS*/ null;

  const script = document.currentScript
    ?? document.querySelector('script[src$="/widget.js"]');
  const SERVER = new URL(script ? script.src : location.href).origin;

  // Inherited properties (font, colour, text-transform...) stop at our own
  // container, which host CSS cannot select; `all` leaves custom properties
  // alone, so `--sw-*` theming still passes in.
  const HOST_CSS = ":host{display:block}.sw-root{all:initial;display:block;height:100%;overflow:auto}";

  // Names of the caches that hold verified tables (src/table_store.rs).
  const STORE_PREFIX = "slicewise-tables-v1:";

  let runtime = null;
  // Mounted widgets, held until unmounted: a host may drop what `mount`
  // returns, and a collected handle would take its widget with it.
  const live = new Set();

  /** Imports the widget's module and CSS once, for every widget on the page. */
  function load(server) {
    if (!runtime) {
      runtime = (async () => {
        if (!ASSETS) throw new Error("widget.js was not built by `cargo xtask web`");
        const [mod, css] = await Promise.all([
          import(server + ASSETS.module),
          fetch(server + ASSETS.css).then((r) => {
            if (!r.ok) throw new Error(`widget CSS: HTTP ${r.status}`);
            return r.text();
          }),
        ]);
        await mod.default({ module_or_path: server + ASSETS.wasm });
        // A constructed sheet needs no style-src exception on the host.
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(HOST_CSS + "\n" + css);
        return { mod, sheet };
      })();
      runtime.catch(() => { runtime = null; });
    }
    return runtime;
  }

  // What a widget that could not load shows in its place (the widget's own
  // CSS did not load either); a constructed sheet, as above.
  const FAILED_CSS = ".sw-load-failed{margin:0;padding:12px 14px;border:1px solid #e0a3a3;"
    + "border-radius:6px;background:#fdf1f1;color:#7a1f1f;font:14px/1.45 system-ui,sans-serif}";
  let failedSheet = null;

  /**
   * Why the widget's files could not be loaded from `server`, when the
   * reason is that the server refuses this page's origin (CORS blocks the
   * module import with a bare network error, so the server is asked, by an
   * endpoint any origin may read): `{code, message}`, else null.
   */
  async function originRefusal(server) {
    if (new URL(server).origin === location.origin) return null;
    try {
      const response = await fetch(`${server}/api/v1/embed/origin`, { credentials: "omit", cache: "no-store" });
      if (!response.ok) return null;
      const answer = await response.json();
      return answer.allowed === false ? { code: answer.code, message: answer.message } : null;
    } catch {
      return null;
    }
  }

  /** Says on screen, and in a `slicewise:error` event, why the widget is not there. */
  function fail(el, shadow, container, err, refusal) {
    const message = refusal
      ? refusal.message
      : `The Slicewise widget could not load: ${String(err && err.message ? err.message : err)}`;
    const code = refusal ? refusal.code : "load_failed";
    console.error("slicewise:", message);
    if (container.isConnected) {
      if (!failedSheet) {
        failedSheet = new CSSStyleSheet();
        failedSheet.replaceSync(HOST_CSS + "\n" + FAILED_CSS);
      }
      shadow.adoptedStyleSheets = [failedSheet];
      const note = document.createElement("p");
      note.className = "sw-load-failed";
      note.setAttribute("role", "alert");
      note.dataset.code = code;
      note.textContent = message;
      container.replaceChildren(note);
    }
    el.dispatchEvent(new CustomEvent("slicewise:error", {
      bubbles: true, composed: true, detail: { code, message },
    }));
  }

  /**
   * Mounts a widget into `el` (inside its open shadow root).
   * options: { getToken: async () => token (or token), server, locale, theme,
   *            refreshSeconds, queryTimeoutSeconds, persist }
   * Returns { ready: Promise, unmount() }.
   */
  function mount(el, options = {}) {
    if (!(el instanceof HTMLElement)) throw new TypeError("Slicewise.mount: an element is needed");
    const server = (options.server || SERVER).replace(/\/+$/, "");
    const shadow = el.shadowRoot ?? el.attachShadow({ mode: "open" });
    const container = document.createElement("div");
    container.className = "sw-root";
    shadow.replaceChildren(container);
    let handle = null;
    let stopped = false;
    const ready = load(server).then(({ mod, sheet }) => {
      if (stopped) return;
      shadow.adoptedStyleSheets = [sheet];
      handle = mod.mountWidget(container, { ...options, server });
      live.add(mounted);
    }).catch(async (err) => {
      const refusal = await originRefusal(server);
      if (!stopped) fail(el, shadow, container, err, refusal);
    });
    const mounted = {
      ready,
      unmount() {
        stopped = true;
        live.delete(mounted);
        handle?.unmount();
        handle?.free();
        handle = null;
        // Only this mount's own container: a newer mount on the same element
        // (React's StrictMode mounts, unmounts and mounts again) stays.
        container.remove();
        if (!shadow.hasChildNodes()) shadow.adoptedStyleSheets = [];
      },
    };
    return mounted;
  }

  /**
   * Deletes every table the widgets kept in this browser (every tenant and
   * user): call it at logout. Resolves to the number of stores deleted.
   * Widgets already loaded keep their data in memory until unmounted.
   */
  async function clear() {
    if (typeof caches === "undefined") return 0;
    const names = (await caches.keys()).filter((n) => n.startsWith(STORE_PREFIX));
    await Promise.all(names.map((n) => caches.delete(n)));
    return names.length;
  }

  /**
   * `<slicewise-widget>`: attributes server, token, token-provider, locale,
   * theme, height, refresh-seconds, query-timeout (seconds), persist (keep
   * verified tables in this browser for the next visit; `persist="false"`
   * or no attribute: off).
   */
  class SlicewiseWidget extends HTMLElement {
    static observedAttributes = ["server", "token", "token-provider", "locale", "theme", "height", "refresh-seconds", "query-timeout", "persist"];
    #mounted = null;

    connectedCallback() {
      this.#size();
      if (!this.#mounted) this.#render();
    }

    disconnectedCallback() {
      this.#mounted?.unmount();
      this.#mounted = null;
    }

    attributeChangedCallback(name, before, after) {
      if (before === after) return;
      if (name === "height") this.#size();
      // A new token is picked up at the next renewal: the widget and its
      // history stay. Other attributes mount afresh.
      else if (name !== "token" && this.#mounted) {
        this.#mounted.unmount();
        this.#render();
      }
    }

    #size() {
      const h = this.getAttribute("height");
      if (h) this.style.height = /^\d+$/.test(h) ? `${h}px` : h;
    }

    #render() {
      const provider = this.getAttribute("token-provider");
      const getToken = provider
        ? () => {
          const f = window[provider];
          if (typeof f !== "function") throw new Error(`no global function ${provider}`);
          return f();
        }
        : () => this.getAttribute("token") ?? "";
      this.#mounted = mount(this, {
        server: this.getAttribute("server") || undefined,
        getToken,
        locale: this.getAttribute("locale") || undefined,
        theme: this.getAttribute("theme") || undefined,
        refreshSeconds: this.getAttribute("refresh-seconds") || undefined,
        queryTimeoutSeconds: this.getAttribute("query-timeout") || undefined,
        persist: this.hasAttribute("persist") && this.getAttribute("persist") !== "false",
      });
    }
  }

  Object.defineProperty(window, "Slicewise", {
    value: Object.freeze({ mount, clear, server: SERVER }),
    enumerable: false,
  });
  if (!customElements.get("slicewise-widget")) {
    customElements.define("slicewise-widget", SlicewiseWidget);
  }
})();
