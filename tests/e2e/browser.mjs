// Shared set-up for the end-to-end tests: Debian's Chromium, headless,
// driven by playwright-core, against the server that `cargo xtask test` runs.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
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

/** What a request body from the widget may hold: question text and ids, never data. */
export const BODY_FIELDS = ["question", "previous_question", "questions", "answer_id", "helpful", "comment"];
/** A saved answer's definition (title, question, SQL, chart, who sees it, its place): never rows. */
export const SAVED_FIELDS = ["title", "question", "sql", "chart", "visibility", "pinned", "position"];

/**
 * Every request the page made: bodies hold only the `allowed` fields (text
 * and ids), and no cell value shown on screen is in a body or a URL.
 */
export function assertNoCellValues(requests, cells, allowed = BODY_FIELDS) {
  const fields = new Set(allowed);
  const sent = requests.filter((r) => r.method !== "GET" && r.method !== "OPTIONS");
  assert.ok(sent.some((r) => new URL(r.url).pathname === "/api/v1/ask"), "questions went to /api/v1/ask");
  for (const r of sent) {
    for (const key of Object.keys(JSON.parse(r.body || "{}"))) {
      assert.ok(fields.has(key), `unexpected field ${key} in ${r.method} ${r.url}`);
    }
  }
  const values = [...new Set(cells)].filter((c) => c.length >= 4);
  assert.ok(values.length >= 3, `cells to look for: ${values}`);
  for (const r of requests) {
    const url = decodeURIComponent(r.url);
    for (const cell of values) {
      assert.ok(!r.body.includes(cell) && !url.includes(cell), `${cell} leaked in ${r.url}`);
    }
  }
}
