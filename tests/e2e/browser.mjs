// Shared set-up for the end-to-end tests: Debian's Chromium, headless,
// driven by playwright-core, against the server that `cargo xtask test` runs.
import { chromium } from "playwright-core";
import path from "node:path";

export const SERVER = process.env.SLICEWISE_URL ?? "http://127.0.0.1:8080";
const SHOTS = process.env.SLICEWISE_SCREENSHOTS;

const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
};

export async function launch() {
  return chromium.launch(CHROMIUM);
}

/** A browser on a profile folder of its own: closed and launched again, it is the same profile. */
export async function launchProfile(dir) {
  return chromium.launchPersistentContext(dir, CHROMIUM);
}

/** A page that records every request it makes and every error it shows. */
export async function recordedPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? "" }));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return { page, requests, errors, context };
}

/** Waits until the widget has loaded the extract (or shown an error). */
export async function widgetReady(page) {
  await page.waitForSelector(".sw-ready, .sw-widget .sw-error", { timeout: 180_000 });
  const failed = await page.$(".sw-header .sw-error");
  if (failed) throw new Error(`widget failed: ${await failed.textContent()}`);
}

/**
 * Waits until the widget inside `scope` (a locator or a frame locator: they
 * reach into the widget's shadow root) has loaded the extract.
 */
export async function widgetReadyIn(scope) {
  await scope.locator(".sw-ready, .sw-widget .sw-error").first().waitFor({ timeout: 180_000 });
  const failed = scope.locator(".sw-header .sw-error");
  if (await failed.count()) throw new Error(`widget failed: ${await failed.first().textContent()}`);
}

/** Asks in the widget inside `scope` and waits for its answer; returns the answer's status. */
export async function askIn(scope, question) {
  const input = scope.locator(".sw-ask .sw-input");
  await input.fill(question);
  await input.press("Enter");
  await scope.locator(".sw-answer .sw-question-echo", { hasText: question }).first().waitFor({ timeout: 60_000 });
  await scope.locator(".sw-busy .sw-spinner").waitFor({ state: "detached", timeout: 60_000 });
  return scope.locator(".sw-answer").first().getAttribute("data-status");
}

/** Types a question and waits for its answer. */
export async function ask(page, question) {
  const before = await page.$$eval(".sw-answer", (a) => a.length);
  await page.fill("#sw-question", question);
  await page.press("#sw-question", "Enter");
  await page.waitForFunction(
    ([q]) => {
      const echo = document.querySelector(".sw-answer .sw-question-echo");
      return echo && echo.textContent === q && !document.querySelector(".sw-busy .sw-spinner");
    },
    [question],
    { timeout: 60_000 },
  );
  return before;
}

export async function screenshot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
