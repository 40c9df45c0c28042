// Slicewise.mount with a token provider: called at start, before the token
// expires and after a 401; the widget keeps its state across renewals.
"use strict";
const el = document.getElementById("analytics");
el.addEventListener("slicewise:answer", (e) => console.info("answered", e.detail.question, e.detail.rows));
el.addEventListener("slicewise:error", (e) => console.warn("slicewise error", e.detail.code, e.detail.message));
const timeout = Number(new URLSearchParams(location.search).get("query_timeout"));
// A host with widget.js in a plain script tag calls Slicewise.mount directly.
window.loadSlicewise().then((Slicewise) => {
  window.slicewiseWidget = Slicewise.mount(el, {
    getToken: window.getAcmeToken,
    locale: "en",
    theme: "light",
    // Seconds; the default is 30.
    queryTimeoutSeconds: timeout > 0 ? timeout : undefined,
  });
});
