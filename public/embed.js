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
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="slicewise-allowed-origins"]');
  const allowed = new Set((meta?.content ?? "").split(/[\s,]+/).filter(Boolean));
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

  if (allowed.size === 0) {
    console.error("slicewise: no allowed origins: start the server with --allowed-origins");
  }
  // Say `ready` until a token comes: the parent's listener may not be there
  // yet when this page first loads.
  send({ type: "slicewise:ready" });
  let tries = 0;
  const again = setInterval(() => {
    if (mounted || ++tries > 60) clearInterval(again);
    else send({ type: "slicewise:ready" });
  }, 500);
})();
