// Shared by the example host pages: which Slicewise server, its loader, and
// the token providers.
//
// The server: the page's own origin (the pages are served by Slicewise at
// /examples/), or `?server=https://slicewise.example.com` when the pages are
// served from elsewhere (a host's own origin, as the e2e tests do). A real
// host writes its server into the page instead:
//   <script src="https://SLICEWISE/widget.js" async></script>
// and its CSP names that server (README, "Embedding"), which also keeps a
// `?server=` of someone else's from loading anything.
//
// The tokens: a real host calls its own backend, which holds the Slicewise
// admin key and calls POST /api/v1/embed/token; these examples use the demo
// server's /api/v1/demo/token instead (only with `slicewise serve --demo`).
"use strict";
const params = new URLSearchParams(location.search);
const SLICEWISE = (() => {
  const given = params.get("server");
  if (!given) return location.origin;
  const url = new URL(given);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`?server= must be an http(s) URL: ${given}`);
  return url.origin;
})();
window.SLICEWISE_SERVER = SLICEWISE;

/**
 * Loads SLICEWISE/widget.js once (the script tag a real host writes);
 * resolves when `Slicewise` is there.
 */
window.loadSlicewise = (() => {
  let loaded = null;
  return () => {
    loaded ??= new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${SLICEWISE}/widget.js`;
      script.async = true;
      script.onload = () => resolve(window.Slicewise);
      script.onerror = () => reject(new Error(`could not load ${script.src}`));
      document.head.append(script);
    });
    return loaded;
  };
})();
if (document.currentScript?.hasAttribute("data-load-widget")) window.loadSlicewise();
const TTL = Number(params.get("ttl") || 600);
let tokenCalls = 0;

async function demoToken(tenant) {
  tokenCalls += 1;
  document.documentElement.dataset.tokenCalls = String(tokenCalls);
  const response = await fetch(`${SLICEWISE}/api/v1/demo/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tenant, sub: "example-user", ttl_seconds: TTL }),
  });
  if (!response.ok) throw new Error(`token: HTTP ${response.status}`);
  return (await response.json()).token;
}

window.getAcmeToken = () => demoToken("acme");
window.getGlobexToken = () => demoToken("globex");

/** Shows the widgets' events on the page (question and row count only). */
function logEvent(event) {
  const list = document.getElementById("events");
  if (!list) return;
  const item = document.createElement("li");
  item.textContent = `${event.type} ${JSON.stringify(event.detail ?? event)}`;
  list.append(item);
}
for (const type of ["slicewise:ready", "slicewise:answer", "slicewise:error"]) {
  document.addEventListener(type, logEvent);
}
