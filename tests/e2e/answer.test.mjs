// The whole answer on screen is right, not only its SQL (issue 18): the
// direction of a comparison, periods as periods, insights that hold for
// the result, charts that say what they leave out, visible follow-up
// context, and the age of the data. Every expected figure is computed here
// from what the screen shows, never written in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { SERVER, launch, recordedPage, widgetReady, ask, screenshot } from "./browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function readyPage(options = {}) {
  const rec = await recordedPage(browser, options);
  await rec.page.goto(`${SERVER}/`);
  await widgetReady(rec.page);
  return rec;
}

/** A figure as shown ("1,234.50", "−3.2") as a number. */
const num = (s) => Number(s.replace(/[,\s]/g, "").replace("−", "-"));

const columnTexts = (page, n) =>
  page.$$eval(`.sw-table tbody tr td:nth-child(${n})`, (tds) => tds.map((t) => t.textContent));

const insightTexts = (page) => page.$$eval(".sw-insights li", (l) => l.map((x) => x.textContent));

/** The table's first two columns as label -> figure. */
async function tableByLabel(page) {
  const labels = await columnTexts(page, 1);
  const values = (await columnTexts(page, 2)).map(num);
  return Object.fromEntries(labels.map((l, i) => [l, values[i]]));
}

/** Runs edited SQL from the answer's SQL panel and waits for its result. */
async function runSql(page, sql) {
  if (!(await page.$eval(".sw-sql", (d) => d.open))) await page.click(".sw-sql summary");
  await page.fill(".sw-sql-edit", sql);
  await page.click(".sw-run-sql");
  await page.waitForFunction(
    ([s]) => document.querySelector(".sw-sql pre code")?.textContent === s
      && !document.querySelector(".sw-busy .sw-spinner"),
    [sql],
    { timeout: 60_000 },
  );
}

/** The growth in percent from `previous` to `current`. */
const growth = (current, previous) => ((current - previous) / Math.abs(previous)) * 100;

/** One big figure: the current period's value, its change against the previous one. */
async function assertComparison(page, { current, previous, currentName, previousName }) {
  const figure = page.locator(".sw-big-number");
  assert.equal(await figure.count(), 1, "one figure for one compared measure");
  assert.match(await figure.locator("figcaption").textContent(), new RegExp(currentName));
  assert.ok(Math.abs(num(await figure.locator(".sw-big-value").textContent()) - current) < 0.01,
    `the figure is ${currentName}'s ${current}`);
  const base = await figure.locator(".sw-change-base").textContent();
  assert.match(base, new RegExp(previousName));
  const expected = growth(current, previous);
  const shown = num((await figure.locator(".sw-change-pct").textContent()).replace(/[▲▼%+]/g, ""));
  assert.ok(Math.abs(shown - expected) < 0.06, `shown ${shown}%, computed ${expected}%`);
  const direction = await figure.locator(".sw-change").getAttribute("class");
  assert.match(direction, expected > 0 ? /sw-up/ : /sw-down/);
}

test("a comparison of two years shows the later one as current, with the growth's sign", async () => {
  const { page } = await readyPage();
  await ask(page, "revenue by year");
  const byYear = await tableByLabel(page);
  const [earlier, later] = Object.keys(byYear).sort().slice(-2);
  const expected = { current: byYear[later], previous: byYear[earlier], currentName: later, previousName: earlier };

  // Asked with the earlier year first.
  await ask(page, `compare revenue ${earlier} vs ${later}`);
  await assertComparison(page, expected);
  await screenshot(page, "compare-years");

  // Columns named for the years, the earlier one first: the calendar decides.
  const year = (y) => `ordered_at >= TIMESTAMP '${y}-01-01 00:00:00' AND ordered_at < TIMESTAMP '${Number(y) + 1}-01-01 00:00:00'`;
  await runSql(page, `SELECT SUM(CASE WHEN ${year(earlier)} THEN amount END) AS revenue_${earlier}, `
    + `SUM(CASE WHEN ${year(later)} THEN amount END) AS revenue_${later} FROM orders WHERE status = 'completed'`);
  await assertComparison(page, expected);
});

test("a year is a period: the axis, written as a year, never plotted as a value", async () => {
  const { page } = await readyPage();
  await ask(page, "revenue by year");
  const answer = page.locator(".sw-answer[data-status=answered]");
  const byYear = await tableByLabel(page);
  const years = Object.keys(byYear);
  assert.ok(years.length >= 2, `years: ${years}`);
  for (const y of years) assert.match(y, /^\d{4}$/, "a year has no thousands separator");
  assert.equal(await answer.getAttribute("data-chart"), "line");
  // Each point is a year at the height of that year's revenue.
  const tips = await page.$$eval("svg.sw-line circle title", (t) => t.map((x) => x.textContent));
  assert.equal(tips.length, years.length);
  for (const tip of tips) {
    const [label, value] = tip.split(": ");
    assert.ok(label in byYear, `point label ${label}`);
    assert.ok(Math.abs(num(value) - byYear[label]) < 0.01, `point ${tip}`);
  }
  const assertChange = async () => {
    const sorted = [...years].sort();
    const [first, last] = [sorted[0], sorted.at(-1)];
    const change = (await insightTexts(page)).find((n) => n.includes("→"));
    assert.ok(change?.includes(`${first} → ${last}`), `change ${change}`);
    const pct = Number(change.match(/([+-][\d.]+)%/)[1]);
    assert.ok(Math.abs(pct - growth(byYear[last], byYear[first])) < 0.06, `${change}`);
  };
  await assertChange();
  await screenshot(page, "revenue-by-year");

  // Rows newest first: the change still runs along the calendar.
  // (Polars groups by a column, not by an expression's alias: a CTE first.)
  await runSql(page, "WITH f AS (SELECT EXTRACT(year FROM ordered_at) AS year, amount FROM orders "
    + "WHERE status = 'completed') SELECT year, ROUND(SUM(amount), 2) AS revenue FROM f GROUP BY year ORDER BY year DESC");
  assert.deepEqual(Object.keys(await tableByLabel(page)).sort(), [...years].sort());
  await assertChange();
});

test("insights hold for the result: no share of a top N or an average, no trend over categories", async () => {
  const { page } = await readyPage();
  // The whole is known and revenue adds up: the share is of the true total.
  await ask(page, "revenue by channel");
  const byChannel = await tableByLabel(page);
  const total = Object.values(byChannel).reduce((a, b) => a + b, 0);
  const largest = (await insightTexts(page)).find((n) => n.includes("of total"));
  const [, name, pct] = largest.match(/: (.+) \(.*, ([\d.]+)% of total\)/);
  assert.ok(Math.abs(Number(pct) - (byChannel[name] / total) * 100) < 0.06, largest);
  assert.ok(!(await insightTexts(page)).some((n) => n.startsWith("Trend")), "no trend over channels");

  // A top 5 is not the whole: no "% of total".
  await ask(page, "top 5 customers by revenue");
  await page.waitForSelector(".sw-answer[data-status=answered]");
  const top = await insightTexts(page);
  assert.ok(top.length > 0, "the top rows still get insights");
  assert.ok(!top.some((n) => n.includes("%")), `no share of a top 5: ${top}`);

  // An average does not add up: no share of it.
  await ask(page, "aov by country");
  await page.waitForSelector(".sw-answer[data-status=answered]");
  const averages = await insightTexts(page);
  assert.ok(!averages.some((n) => n.includes("%")), `no share of an average: ${averages}`);
  assert.ok(!averages.some((n) => n.startsWith("Trend")), "no trend over countries");
  await screenshot(page, "insights-average");
});

test("edited SQL drops the answer's heading, chart and insights for its own", async () => {
  const { page } = await readyPage();
  await ask(page, "revenue by month");
  const heading = await page.textContent(".sw-interpretation");
  assert.ok(heading.length > 0);
  await runSql(page, "SELECT channel, COUNT(*) AS n FROM orders GROUP BY channel ORDER BY channel");
  const answer = await page.textContent(".sw-answer");
  assert.ok(!answer.includes(heading), "the old heading is gone");
  assert.notEqual(await page.textContent(".sw-question-echo"), "revenue by month");
  assert.equal(await page.getAttribute(".sw-answer[data-status=answered]", "data-chart"), "bar");
  const notes = await insightTexts(page);
  assert.ok(!notes.some((n) => n.startsWith("Trend") || n.includes("→")), `no trend over channels: ${notes}`);
});

test("bars are never cut silently, and a line is offered only along the calendar", async () => {
  const { page } = await readyPage();
  await ask(page, "revenue by month");
  const months = await columnTexts(page, 1);
  await page.click(".sw-seg[data-kind=bar]");
  const bars = await page.$$eval("svg.sw-bar .sw-bar-row .sw-tick", (t) => t.map((x) => x.textContent));
  assert.deepEqual(bars, [...months].sort(), "every month, in calendar order");

  // More days than a chart draws: it says how many it shows of how many.
  await ask(page, "revenue by day");
  const rows = Number((await page.textContent(".sw-timing")).match(/^(\d+)/)[1]);
  await page.click(".sw-seg[data-kind=bar]");
  const drawn = await page.locator("svg.sw-bar .sw-bar-row").count();
  if (drawn < rows) {
    const note = await page.textContent("svg.sw-bar .sw-chart-note");
    assert.match(note, new RegExp(`^${drawn} / ${rows} `), note);
  }

  // Channels are categories: bars, and no line to switch to.
  await ask(page, "revenue by channel");
  assert.equal(await page.getAttribute(".sw-answer[data-status=answered]", "data-chart"), "bar");
  assert.equal(await page.$(".sw-seg[data-kind=line]"), null, "no line over categories");
});

test("follow-up context is shown on the answer and before the next question, and can be cleared", async () => {
  const { page, requests } = await readyPage();
  const sent = (q) => requests.filter((r) => r.url.endsWith("/api/v1/ask") && JSON.parse(r.body).question === q).at(-1);
  await ask(page, "revenue by month");
  assert.match(await page.textContent(".sw-context"), /revenue by month/, "the next question's context is shown");
  await ask(page, "only in Germany");
  assert.equal(JSON.parse(sent("only in Germany").body).previous_question, "revenue by month");
  assert.match(await page.textContent(".sw-answer-context"), /revenue by month/, "the answer says what it followed up on");
  await screenshot(page, "follow-up-context");

  // A follow-up of a follow-up: the thread is sent, oldest first, and read
  // in order (the figure and the filter are kept).
  await ask(page, "by channel instead");
  assert.equal(JSON.parse(sent("by channel instead").body).previous_question, "revenue by month\nonly in Germany");
  assert.match(await page.textContent(".sw-answer-context"), /only in Germany/, "it follows the last question");
  assert.match(await page.textContent(".sw-context"), /by channel instead/, "the thread's last question is shown");
  const sql = await page.textContent(".sw-sql pre code");
  assert.match(sql, /Germany/, sql);
  assert.match(sql, /channel/, sql);

  // Sent with context, read on its own: the answer shows no context.
  await ask(page, "tickets by priority");
  assert.equal(
    JSON.parse(sent("tickets by priority").body).previous_question,
    "revenue by month\nonly in Germany\nby channel instead",
  );
  assert.equal(await page.$(".sw-answer .sw-answer-context"), null, "a question that stands alone is read alone");

  await page.click(".sw-context-clear");
  assert.equal(await page.$(".sw-context"), null);
  await ask(page, "revenue by channel");
  assert.equal(JSON.parse(sent("revenue by channel").body).previous_question, undefined, "cleared: asked on its own");
  assert.equal(await page.$(".sw-answer-context"), null);
});

test("data age is the age of the newest record, not of the extract", async () => {
  const { page } = await readyPage();
  const latest = await page.getAttribute(".sw-age", "data-latest");
  assert.ok(latest, "the newest record's time is known");
  // The newest order is no newer than the newest record of all tables.
  await ask(page, "total revenue");
  await runSql(page, "SELECT MAX(ordered_at) AS newest FROM orders");
  const newestOrder = (await columnTexts(page, 1))[0];
  assert.ok(newestOrder <= latest, `${newestOrder} <= ${latest}`);
  const days = Math.floor((Date.now() - Date.parse(`${latest.replace(" ", "T")}Z`)) / 86_400_000);
  const age = await page.textContent(".sw-age");
  assert.ok(age.includes(latest.slice(0, 10)), age);
  if (days >= 2) assert.match(age, new RegExp(`\\b${days} days\\b`), age);
});

test("an answer that depends on today says which day it was resolved against", async () => {
  const { page } = await readyPage();
  await ask(page, "revenue last month");
  const asOf = await page.getAttribute(".sw-answer[data-status=answered] .sw-as-of time", "datetime");
  assert.match(asOf, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(await page.textContent(".sw-interpretation"), new RegExp(`as of ${asOf}`));
  await ask(page, "revenue in 2024");
  assert.equal(await page.$(".sw-answer[data-status=answered] .sw-as-of"), null, "a named year needs no date");
});

test("a name typed without its kind is looked up in the browser: the kind that has it answers, none is said so", async () => {
  const { page, requests } = await readyPage();
  await ask(page, "top 5 customers by revenue");
  const headers = await page.$$eval(".sw-table thead th", (th) => th.map((h) => h.textContent.trim().toLowerCase()));
  const nameAt = headers.findIndex((h) => h.startsWith("customer") && !h.includes("id"));
  assert.ok(nameAt >= 0, `a customer column: ${headers}`);
  const names = await columnTexts(page, nameAt + 1);
  const revenues = (await columnTexts(page, headers.length)).map(num);
  const name = names[0];
  assert.match(name, /^\p{Lu}\S* \p{Lu}/u, `a person's name: ${name}`);

  // "customer" is not said: customers and products both have names.
  await ask(page, `revenue of ${name}`);
  const answer = page.locator(".sw-answer").first();
  assert.equal(await answer.getAttribute("data-status"), "answered");
  const shownNames = await columnTexts(page, (await page.$$eval(".sw-table thead th", (th) =>
    th.findIndex((h) => h.textContent.trim().toLowerCase().startsWith("customer") && !h.textContent.includes("id")))) + 1);
  assert.ok(shownNames.every((n) => n === name), `only ${name}: ${shownNames}`);
  const figures = (await columnTexts(page, headers.length)).map(num);
  assert.ok(figures.some((f) => Math.abs(f - revenues[0]) < 0.01), `${name}'s revenue ${revenues[0]} in ${figures}`);

  // Nobody of that name: said so, with no figure.
  await ask(page, "revenue of Zelda Quixotic");
  assert.equal(await answer.getAttribute("data-status"), "unsupported");
  assert.match(await answer.locator(".sw-reason").textContent(), /Zelda Quixotic/);
  assert.equal(await answer.locator(".sw-table").count(), 0);
  // The lookup ran here: the server got the question and nothing else.
  for (const r of requests.filter((r) => r.url.includes("/api/v1/ask"))) {
    assert.deepEqual(Object.keys(JSON.parse(r.body)).sort().filter((k) => k !== "previous_question"), ["question"]);
  }
});
