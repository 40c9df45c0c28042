// The parent's half of the /embed handshake: answer `ready` and
// `token-request` with a token, sent only to the Slicewise origin; size the
// iframe to the height it reports; ignore messages from anywhere else.
"use strict";
const frame = document.getElementById("slicewise");
const frameOrigin = new URL(window.SLICEWISE_SERVER).origin;

async function sendToken() {
  const token = await window.getAcmeToken();
  frame.contentWindow.postMessage({ type: "slicewise:token", token, theme: "light", locale: "en" }, frameOrigin);
}

window.addEventListener("message", (event) => {
  if (event.origin !== frameOrigin || event.source !== frame.contentWindow) return;
  const data = event.data ?? {};
  switch (data.type) {
    case "slicewise:ready":
    case "slicewise:token-request":
      sendToken().catch((e) => console.warn("no token:", e));
      break;
    case "slicewise:height":
      frame.style.height = `${Math.max(200, data.height)}px`;
      break;
    case "slicewise:loaded":
    case "slicewise:answer":
    case "slicewise:error":
      logEvent({ type: data.type, detail: data });
      break;
  }
});

// A real host writes the src into the page: <iframe src="https://SLICEWISE/embed">.
frame.src = `${frameOrigin}/embed`;
