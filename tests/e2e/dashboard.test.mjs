// Saved answers and the dashboard (issue 17), in the widget: an answer is
// saved (its definition, never its rows), pinned, run again on the local
// data as a tile with its data's age, renamed and moved; after a reload the
// dashboard is the same, in the same order. A colleague of the same tenant
// sees a shared answer and never a private one; an answer the guard no
// longer admits is a tile that says why; the dashboard works in the
// script-tag and iframe embeds. No request carries a row or a cell value.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  SERVER, launch, recordedPage, widgetReady, widgetReadyIn, ask, screenshot,
  assertNoCellValues, BODY_FIELDS, SAVED_FIELDS,
} from "./browser.mjs";

/** Users of this run (the server's state outlives a spec run when reused). */
const RUN = Date.now().toString(36);
const OWNER = `dash-owner-${RUN}`;
const COLLEAGUE = `dash-colleague-${RUN}`;
/** What the demo page's requests may hold: text and ids, a saved answer's definition. */
const ALLOWED = [...BODY_FIELDS, "tenant", "sub", "privacy", "ttl_seconds", ...SAVED_FIELDS];
const CHANNELS = "revenue by channel";
const MONTHS = "revenue by month";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A page whose demo tokens name `sub` as the user (the demo page says "demo-user"). */
async function pageAs(sub) {
  const rec = await recordedPage(browser);
  await rec.context.route("**/api/v1/demo/token", async (route) => {
    const body = JSON.parse(route.request().postData() || "{}");
    await route.continue({ postData: JSON.stringify({ ...body, sub }) });
  });
  return rec;
}

async function openDemo(rec) {
  await rec.page.goto(`${SERVER}/`);
  await widgetReady(rec.page);
}

/** A demo token for a user of acme, as the host's backend would mint one. */
async function tokenFor(sub) {
  const r = await fetch(`${SERVER}/api/v1/demo/token`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tenant: "acme", sub }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

/** Calls the API with a user's token; returns the parsed body (or null). */
async function api(token, method, path, body) {
  const r = await fetch(`${SERVER}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${await r.clone().text()}`);
  return r.status === 204 ? null : r.json();
}

/** The SQL the server writes for a question. */
async function sqlOf(token, question) {
  const answer = await api(token, "POST", "/api/v1/ask", { question });
  assert.equal(answer.status, "answered", question);
  return answer.sql;
}

/** A table's first two columns as label -> text, as shown. */
const tableOf = (scope) => scope.locator(".sw-table tbody tr").evaluateAll((trs) =>
  Object.fromEntries(trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent))));

const cellsOf = (scope) => scope.locator(".sw-table td").evaluateAll((tds) => tds.map((t) => t.textContent.trim()));

/** Opens the dashboard view and waits until every tile has run (or failed). */
async function openDashboard(scope) {
  await scope.locator(".sw-tab-dashboard").click();
  await scope.locator(".sw-dashboard").waitFor();
  await scope.locator(".sw-dashboard-loading").waitFor({ state: "detached", timeout: 30_000 });
  await scope.locator(".sw-tile[data-status=running]").first().waitFor({ state: "detached", timeout: 60_000 });
}

const tileTitles = (scope) => scope.locator(".sw-tile .sw-tile-title").allTextContents();

/** Waits until the tiles' titles are `titles`, in that order. */
async function waitForTiles(scope, titles) {
  const deadline = Date.now() + 30_000;
  let shown = [];
  while (Date.now() < deadline) {
    shown = await tileTitles(scope);
    const running = await scope.locator(".sw-tile[data-status=running]").count();
    if (running === 0 && JSON.stringify(shown) === JSON.stringify(titles)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(shown, titles, "tiles in order");
}

/** Saves the answer on screen from its Save button, by keyboard. */
async function saveAnswer(page, { title, shared = false, pin = false }) {
  await page.locator(".sw-answer .sw-save-open").focus();
  await page.keyboard.press("Enter");
  const form = page.locator(".sw-save-form");
  await form.waitFor();
  const input = form.locator(".sw-save-title");
  assert.equal(await input.evaluate((el) => el === el.getRootNode().activeElement), true, "the title has the focus");
  if (title !== undefined) await input.fill(title);
  if (shared) await form.locator(".sw-save-visibility").selectOption("tenant");
  if (pin) await form.locator(".sw-save-pin").check();
  await input.press("Enter");
  const done = page.locator(".sw-save-done");
  await done.waitFor({ timeout: 30_000 });
  return done.getAttribute("data-id");
}

test("save, pin, run on local data, rename, reorder; after a reload the same dashboard in the same order; no request carries a cell", { timeout: 300_000 }, async () => {
  const rec = await pageAs(OWNER);
  const { page, requests, errors } = rec;
  await openDemo(rec);

  // Two answers, saved from the answer itself.
  await ask(page, CHANNELS);
  const byChannel = await tableOf(page.locator(".sw-answer"));
  const chart = await page.getAttribute(".sw-answer[data-status=answered]", "data-chart");
  const sqlChannels = await page.textContent(".sw-answer .sw-sql pre code");
  const cells = await cellsOf(page.locator(".sw-answer"));
  const channelsId = await saveAnswer(page, { title: "Channel revenue", shared: true, pin: true });
  const post = requests.filter((r) => r.method === "POST" && r.url.endsWith("/api/v1/saved")).at(-1);
  assert.deepEqual(JSON.parse(post.body), {
    title: "Channel revenue", question: CHANNELS, sql: sqlChannels, chart, visibility: "tenant", pinned: true,
  }, "the definition, never its rows");

  await ask(page, MONTHS);
  const byMonth = await tableOf(page.locator(".sw-answer"));
  cells.push(...await cellsOf(page.locator(".sw-answer")));
  const monthsId = await saveAnswer(page, {});
  assert.equal(JSON.parse(requests.filter((r) => r.method === "POST" && r.url.endsWith("/api/v1/saved")).at(-1).body).title,
    MONTHS, "the title is the question unless edited");

  // The dashboard: the pinned answer runs here, on the local data.
  const asked = requests.filter((r) => r.url.endsWith("/api/v1/ask")).length;
  await openDashboard(page);
  await waitForTiles(page, ["Channel revenue"]);
  const tile = page.locator(`.sw-tile[data-id="${channelsId}"]`);
  assert.equal(await tile.getAttribute("data-status"), "ok");
  assert.deepEqual(await tableOf(tile), byChannel, "the tile's figures are the answer's, computed again");
  assert.equal(await tile.locator(".sw-tile-body").getAttribute("data-chart"), chart, "drawn as saved");
  const latest = await page.getAttribute(".sw-age", "data-latest");
  assert.match(await tile.locator(".sw-tile-age").textContent(), new RegExp(latest.slice(0, 10)), "the data's age");
  // Both saved answers are listed; the unsaved one is pinned from the list.
  assert.equal(await page.locator(".sw-saved-item").count(), 2);
  assert.equal(await page.getAttribute(`.sw-saved-item[data-id="${monthsId}"]`, "data-visibility"), "private");
  await page.click(`.sw-saved-item[data-id="${monthsId}"] .sw-saved-pin`);
  await waitForTiles(page, ["Channel revenue", MONTHS]);
  assert.deepEqual(await tableOf(page.locator(`.sw-tile[data-id="${monthsId}"]`)), byMonth);
  assert.equal(requests.filter((r) => r.url.endsWith("/api/v1/ask")).length, asked, "tiles ask the server nothing");
  for (const t of await page.locator(".sw-tile").all()) cells.push(...await cellsOf(t));

  // Rename by keyboard; an empty title is refused with the server's code and words.
  await tile.locator(".sw-tile-rename").focus();
  await page.keyboard.press("Enter");
  await tile.locator(".sw-tile-rename-input").fill("   ");
  await tile.locator(".sw-tile-rename-input").press("Enter");
  const refused = page.locator(".sw-dashboard-error .sw-error");
  await refused.waitFor();
  assert.equal(await refused.getAttribute("data-code"), "saved_title_invalid");
  assert.match(await refused.textContent(), /1 to 200 characters/);
  await page.locator(`.sw-tile[data-id="${channelsId}"] .sw-tile-rename`).click();
  await page.locator(`.sw-tile[data-id="${channelsId}"] .sw-tile-rename-input`).fill("Revenue per channel");
  await page.locator(`.sw-tile[data-id="${channelsId}"] .sw-tile-rename-input`).press("Enter");
  await waitForTiles(page, ["Revenue per channel", MONTHS]);

  // Reorder: the first tile one place down, by keyboard.
  await page.locator(`.sw-tile[data-id="${channelsId}"] .sw-tile-down`).focus();
  await page.keyboard.press("Enter");
  await waitForTiles(page, [MONTHS, "Revenue per channel"]);
  assert.equal(await page.locator(`.sw-tile[data-id="${monthsId}"] .sw-tile-up`).isDisabled(), true, "the first tile cannot move up");
  await screenshot(page, "dashboard");

  // A reload: the same dashboard, in the same order, run again here.
  await page.reload();
  await widgetReady(page);
  await openDashboard(page);
  await waitForTiles(page, [MONTHS, "Revenue per channel"]);
  assert.deepEqual(await tableOf(page.locator(`.sw-tile[data-id="${channelsId}"]`)), byChannel);
  assert.deepEqual(await tableOf(page.locator(`.sw-tile[data-id="${monthsId}"]`)), byMonth);

  // Unpin, then delete (after a confirmation).
  await page.locator(`.sw-tile[data-id="${monthsId}"] .sw-tile-unpin`).click();
  await waitForTiles(page, ["Revenue per channel"]);
  await page.click(`.sw-saved-item[data-id="${monthsId}"] .sw-saved-delete`);
  await page.click(`.sw-saved-item[data-id="${monthsId}"] .sw-saved-delete-yes`);
  await page.locator(`.sw-saved-item[data-id="${monthsId}"]`).waitFor({ state: "detached" });
  assert.ok(requests.some((r) => r.method === "DELETE" && r.url.endsWith(`/api/v1/saved/${monthsId}`)));

  // Saving, pinning, renaming, moving and deleting sent definitions and ids only.
  assert.ok(requests.some((r) => r.method === "PATCH"), "changes were sent");
  assertNoCellValues(requests, cells, ALLOWED);
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
});

test("a colleague of the same tenant sees a shared answer, never a private one", { timeout: 300_000 }, async () => {
  const owner = await tokenFor(`${OWNER}-share`);
  const sql = await sqlOf(owner, CHANNELS);
  const shared = await api(owner, "POST", "/api/v1/saved",
    { title: "Shared channels", question: CHANNELS, sql, chart: "bar", visibility: "tenant", pinned: true });
  const secret = await api(owner, "POST", "/api/v1/saved",
    { title: "My private channels", question: CHANNELS, sql, visibility: "private", pinned: true });

  const rec = await pageAs(COLLEAGUE);
  const { page } = rec;
  await openDemo(rec);
  await openDashboard(page);
  const tile = page.locator(`.sw-tile[data-id="${shared.id}"]`);
  await tile.waitFor();
  assert.equal(await tile.getAttribute("data-status"), "ok", "run on the colleague's own extract");
  assert.equal(await tile.locator(".sw-tile-title").textContent(), "Shared channels");
  assert.equal(await tile.locator(".sw-tile-actions").count(), 0, "only its owner moves or renames it");
  assert.equal(await page.locator(`[data-id="${secret.id}"]`).count(), 0, "a private answer is not there");
  const item = page.locator(`.sw-saved-item[data-id="${shared.id}"]`);
  assert.equal(await item.getAttribute("data-mine"), "false");
  assert.equal(await item.locator(".sw-saved-delete").count(), 0);
});

test("an answer the guard no longer admits is a tile with the reason; a list that fails says so", { timeout: 300_000 }, async () => {
  const sub = `${OWNER}-broken`;
  const owner = await tokenFor(sub);
  const sql = await sqlOf(owner, CHANNELS);
  const kept = await api(owner, "POST", "/api/v1/saved", { title: "Still fine", question: CHANNELS, sql, pinned: true });
  const gone = await api(owner, "POST", "/api/v1/saved", { title: "Dropped column", question: CHANNELS, sql, pinned: true });
  const rec = await pageAs(sub);
  const { page, context } = rec;
  // The server's verdict after a catalog change, as it sends it.
  const reason = { code: "sql_unknown_column", message: "This answer no longer passes the SQL checks of the current data: unknown column channel." };
  await context.route("**/api/v1/saved", async (route) => {
    if (route.request().method() !== "GET") return route.continue();
    const response = await route.fetch();
    const body = await response.json();
    for (const a of body.answers) if (a.id === gone.id) Object.assign(a, { status: "broken", reason });
    await route.fulfill({ response, json: body });
  });
  await openDemo(rec);
  await openDashboard(page);
  const broken = page.locator(`.sw-tile[data-id="${gone.id}"]`);
  assert.equal(await broken.getAttribute("data-status"), "broken", "shown, never dropped");
  assert.equal(await broken.locator(".sw-tile-broken").getAttribute("data-code"), reason.code);
  assert.match(await broken.locator(".sw-tile-broken").textContent(), /unknown column channel/);
  assert.equal(await broken.locator(".sw-table").count(), 0, "nothing was run for it");
  assert.equal(await page.getAttribute(`.sw-tile[data-id="${kept.id}"]`, "data-status"), "ok");
  assert.equal(await page.getAttribute(`.sw-saved-item[data-id="${gone.id}"]`, "data-status"), "broken");
  await screenshot(page, "dashboard-broken");

  // The list itself failing: its code and words, not an empty dashboard.
  await context.unroute("**/api/v1/saved");
  await context.route("**/api/v1/saved", (route) => route.fulfill({
    status: 503, contentType: "application/json",
    body: JSON.stringify({ error: { code: "database_unavailable", message: "The state database is not answering." } }),
  }));
  await page.click(".sw-tab-ask");
  await openDashboard(page);
  const error = page.locator(".sw-dashboard-error .sw-error");
  await error.waitFor();
  assert.equal(await error.getAttribute("data-code"), "database_unavailable");
  assert.match(await error.textContent(), /not answering/);
});

test("the dashboard is part of the widget in the script-tag and iframe embeds", { timeout: 300_000 }, async () => {
  const sub = `${OWNER}-embeds`;
  const owner = await tokenFor(sub);
  const sql = await sqlOf(owner, CHANNELS);
  const saved = await api(owner, "POST", "/api/v1/saved", { title: "Embedded channels", question: CHANNELS, sql, pinned: true });
  for (const [page_, scopeOf] of [
    ["script-tag.html", (page) => page.locator("#first")],
    ["iframe.html", (page) => page.frameLocator("iframe").first()],
  ]) {
    const rec = await pageAs(sub);
    await rec.page.goto(`${SERVER}/examples/${page_}`);
    const scope = scopeOf(rec.page);
    await widgetReadyIn(scope);
    await scope.locator(".sw-tab-dashboard").click();
    const tile = scope.locator(`.sw-tile[data-id="${saved.id}"]`);
    await tile.waitFor({ timeout: 60_000 });
    await scope.locator(`.sw-tile[data-id="${saved.id}"][data-status=ok]`).waitFor({ timeout: 60_000 });
    assert.ok(await tile.locator(".sw-table tbody tr").count() > 0, `${page_}: the tile ran`);
    await rec.context.close();
  }
});
