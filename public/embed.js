// Slicewise in an iframe (/embed). The handshake:
//   iframe -> parent  {type: "slicewise:ready"}
//   parent -> iframe  {type: "slicewise:token", token, theme?, locale?, persist?}
//   parent -> iframe  {type: "slicewise:clear"} at logout: deletes the tables
//                     kept in this browser (with `persist: true`)
//   iframe -> parent  {type: "slicewise:token-request"} when the token nears
//                     expiry or was refused; the parent answers with a token
//   iframe -> parent  {type: "slicewise:height", height} as the content grows
//   iframe -> parent  {type: "slicewise:loaded" | "slicewise:answer" | "slicewise:error", ...}
// Messages are accepted only from the parent window, from an origin in the
// server's allow-list; they are sent only to that exact origin.
//
// Framed by a page whose origin the server refuses, the server sends a
// refusal page instead (README, "Embedding"): it says so in words, and this
// script posts {type: "slicewise:error", code: "origin_not_allowed", message}
// to the parent (to any origin: it carries nothing but the refusal).
(() => {
  "use strict";
  const refusedMeta = document.querySelector('meta[name="slicewise-refused-origin"]');
  if (refusedMeta) {
    const note = document.getElementById("slicewise-refused");
    const known = refusedMeta.content || location.ancestorOrigins?.[0];
    // The server could not tell the origin (the host sends no Referer);
    // the browser may.
    if (!refusedMeta.content && known && note) {
      note.textContent = `This page's origin ${known} is not allowed by the Slicewise server; `
        + `start it with --allowed-origins ${known}.`;
    }
    const sheet = new CSSStyleSheet();
    sheet.replaceSync("body{margin:0;font:14px/1.45 system-ui,sans-serif}"
      + "#slicewise-refused{margin:0;padding:12px 14px;border:1px solid #e0a3a3;border-radius:6px;"
      + "background:#fdf1f1;color:#7a1f1f}");
    document.adoptedStyleSheets = [sheet];
    if (window.parent !== window) {
      const message = note?.textContent ?? "This page's origin is not allowed by the Slicewise server.";
      window.parent.postMessage({ type: "slicewise:error", code: "origin_not_allowed", message }, "*");
      const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      window.parent.postMessage({ type: "slicewise:height", height }, "*");
    }
    console.error(`slicewise: ${note?.textContent ?? "origin not allowed"}`);
    return;
  }
  const meta = document.querySelector('meta[name="slicewise-allowed-origins"]');
  // The server's own origin is always allowed: its own pages (/examples/)
  // may frame /embed, as its `frame-ancestors 'self'` says.
  const allowed = new Set([location.origin, ...(meta?.content ?? "").split(/[\s,]+/).filter(Boolean)]);
  const parentWindow = window.parent;
  const root = document.getElementById("slicewise-frame");
  const TOKEN_WAIT_MS = 30_000;

  // The embedding origin, once known: from the browser, else from the first
  // accepted message. Until then `ready` goes to each allowed origin, and
  // postMessage delivers it only where the target origin matches.
  const hinted = location.ancestorOrigins?.[0]
    ?? (document.referrer ? new URL(document.referrer).origin : null);
  let parentOrigin = hinted && allowed.has(hinted) ? hinted : null;
  let latest = null;
  let handedOut = false;
  let waiting = [];
  let refused = 0;
  let mounted = false;

  function send(message) {
    if (parentWindow === window) return;
    for (const origin of parentOrigin ? [parentOrigin] : allowed) {
      parentWindow.postMessage(message, origin);
    }
  }

  function getToken() {
    if (!handedOut && latest) {
      handedOut = true;
      return Promise.resolve(latest);
    }
    send({ type: "slicewise:token-request" });
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      setTimeout(() => reject(new Error("the host page sent no fresh token")), TOKEN_WAIT_MS);
    });
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "slicewise:clear") {
      const fromParent = event.source === parentWindow && allowed.has(event.origin)
        && (!parentOrigin || event.origin === parentOrigin);
      if (fromParent) window.Slicewise.clear();
      return;
    }
    if (data.type !== "slicewise:token") return;
    const trusted = event.source === parentWindow
      && allowed.has(event.origin)
      && (!parentOrigin || event.origin === parentOrigin)
      && typeof data.token === "string" && data.token.length > 0;
    if (!trusted) {
      refused += 1;
      document.documentElement.dataset.refused = String(refused);
      console.warn(`slicewise: token from ${event.origin} refused (not the allowed parent)`);
      return;
    }
    parentOrigin = event.origin;
    latest = data.token;
    const resolvers = waiting;
    waiting = [];
    if (resolvers.length) {
      handedOut = true;
      resolvers.forEach((resolve) => resolve(latest));
    }
    if (!mounted) {
      mounted = true;
      window.Slicewise.mount(root, {
        server: location.origin,
        getToken,
        theme: typeof data.theme === "string" ? data.theme : undefined,
        locale: typeof data.locale === "string" ? data.locale : undefined,
        persist: data.persist === true,
      });
    }
  });

  // The widget's own events, forwarded; its `ready` (extract loaded) becomes
  // `slicewise:loaded`, since `slicewise:ready` is the handshake.
  const forwarded = { "slicewise:ready": "slicewise:loaded", "slicewise:answer": "slicewise:answer", "slicewise:error": "slicewise:error" };
  for (const [type, as] of Object.entries(forwarded)) {
    root.addEventListener(type, (event) => send({ ...event.detail, type: as }));
  }

  document.body.style.margin = "0";
  let lastHeight = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      send({ type: "slicewise:height", height });
    }
  }).observe(document.body);

  // Say `ready` until a token comes: the parent's listener may not be there
  // yet when this page first loads.
  send({ type: "slicewise:ready" });
  let tries = 0;
  const again = setInterval(() => {
    if (mounted || ++tries > 60) clearInterval(again);
    else send({ type: "slicewise:ready" });
  }, 500);
})();
