// Token providers of the example host pages. A real host calls its own
// backend, which holds the Slicewise admin key and calls
// POST /api/v1/embed/token; these examples use the demo server's
// /api/v1/demo/token instead (only with `slicewise serve --demo`).
"use strict";
const SLICEWISE = document.querySelector('meta[name="slicewise-server"]').content;
const params = new URLSearchParams(location.search);
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
