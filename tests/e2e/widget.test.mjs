// The widget's features in headless Chromium: follow-ups, clarify, sorting,
// paging, chart switching, editable SQL, CSV export, feedback, dark theme,
// German, keyboard-only use. Screenshots of the main states are saved.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
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

/** Opens the SQL panel (a <details>) unless it is open already. */
async function openSql(page) {
  if (!(await page.$eval(".sw-sql", (d) => d.open))) await page.click(".sw-sql summary");
}

const columnTexts = (page, n) =>
  page.$$eval(`.sw-table tbody tr td:nth-child(${n})`, (tds) => tds.map((t) => t.textContent));

test("a follow-up refines the last answer, sending only question text", async () => {
  const { page, requests } = await readyPage();
  await ask(page, "revenue by month");
  await ask(page, "only in Germany");
  await page.waitForSelector(".sw-answer[data-status=answered]");
  assert.match(await page.textContent(".sw-interpretation"), /Germany/);
  assert.equal((await columnTexts(page, 1)).length, 24);
  const followUp = requests.find((r) => r.url.endsWith("/api/v1/ask") && r.body.includes("only in Germany"));
  assert.deepEqual(JSON.parse(followUp.body), { question: "only in Germany", previous_question: "revenue by month" });
  await screenshot(page, "follow-up");
});

test("a clarify answer offers choices, and a choice answers", async () => {
  const { page } = await readyPage();
  await ask(page, "best products");
  await page.waitForSelector(".sw-answer[data-status=clarify]");
  const options = await page.$$eval(".sw-clarify .sw-chip", (b) => b.map((x) => x.textContent));
  assert.ok(options.length >= 2, `options: ${options}`);
  assert.equal(await page.$(".sw-answer .sw-error"), null, "not shown as an error");
  await screenshot(page, "clarify");
  await page.click(".sw-clarify .sw-chip >> nth=0");
  await page.waitForSelector(".sw-answer[data-status=answered]");
  assert.equal(await page.textContent(".sw-question-echo"), options[0]);
});

test("columns sort both ways and long results page", async () => {
  const { page } = await readyPage();
  await ask(page, "revenue by channel");
  await page.waitForSelector(".sw-answer[data-status=answered]");
  const number = (s) => Number(s.replace(/,/g, ""));
  await page.click(".sw-table th:nth-child(2) .sw-sort");
  assert.equal(await page.getAttribute(".sw-table th:nth-child(2)", "aria-sort"), "ascending");
  const up = (await columnTexts(page, 2)).map(number);
  assert.deepEqual(up, [...up].sort((a, b) => a - b));
  await page.click(".sw-table th:nth-child(2) .sw-sort");
  assert.equal(await page.getAttribute(".sw-table th:nth-child(2)", "aria-sort"), "descending");
  const down = (await columnTexts(page, 2)).map(number);
  assert.deepEqual(down, [...up].reverse());
  await page.click(".sw-table th:nth-child(1) .sw-sort");
  const names = await columnTexts(page, 1);
  assert.deepEqual(names, [...names].sort());

  await ask(page, "revenue by day");
  await page.waitForSelector(".sw-pager");
  const firstPage = await columnTexts(page, 1);
  assert.equal(firstPage.length, 50);
  assert.match(await page.textContent(".sw-page"), /1 \/ (\d+)/);
  await page.click(".sw-next");
  const secondPage = await columnTexts(page, 1);
  assert.equal(secondPage.length, 50);
  assert.notEqual(secondPage[0], firstPage[0]);
  assert.match(await page.textContent(".sw-page"), /2 \//);
});

test("the chart type can be switched", async () => {
  const { page } = await readyPage();
  await ask(page, "revenue by month");
  const answer = page.locator(".sw-answer[data-status=answered]");
  assert.equal(await answer.getAttribute("data-chart"), "line");
  await page.click(".sw-seg[data-kind=bar]");
  assert.equal(await answer.getAttribute("data-chart"), "bar");
  assert.ok(await page.$("svg.sw-bar rect"));
  await page.click(".sw-seg[data-kind=table]");
  assert.equal(await page.$(".sw-chart-wrap svg"), null);
  assert.equal(await page.getAttribute(".sw-seg[data-kind=table]", "aria-pressed"), "true");
});

test("edited SQL runs through the same guard", async () => {
  const { page, requests } = await readyPage();
  await ask(page, "total revenue");
  await openSql(page);
  await page.fill(".sw-sql-edit", "SELECT channel, COUNT(*) AS n FROM orders GROUP BY channel ORDER BY channel");
  const before = requests.length;
  await page.click(".sw-run-sql");
  await page.waitForFunction(() => document.querySelectorAll(".sw-table tbody tr").length === 4);
  assert.deepEqual(await columnTexts(page, 1), ["mobile", "partner", "store", "web"]);
  assert.ok(requests.slice(before).every((r) => !r.url.includes("/api/")), "edited SQL runs locally");

  await openSql(page);
  await page.fill(".sw-sql-edit", "DELETE FROM orders");
  await page.click(".sw-run-sql");
  await page.waitForSelector(".sw-answer .sw-error[data-code=sql_not_select]");
  await screenshot(page, "guard-refused");
});

test("CSV export holds exactly the result", async () => {
  const { page } = await readyPage({ acceptDownloads: true });
  await ask(page, "revenue by channel");
  const shown = await columnTexts(page, 1);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(".sw-export-csv")]);
  assert.equal(download.suggestedFilename(), "revenue-by-channel.csv");
  const csv = await fs.readFile(await download.path(), "utf8");
  const lines = csv.trim().split("\r\n");
  assert.equal(lines.length, 5);
  const header = lines[0].split(",");
  assert.equal(header[0], "channel");
  assert.deepEqual(lines.slice(1).map((l) => l.split(",")[0]), shown);
  assert.ok(lines.slice(1).every((l) => Number.isFinite(Number(l.split(",")[1]))));
});

test("feedback sends the answer's id, never data", async () => {
  const { page, requests } = await readyPage();
  await ask(page, "revenue by channel");
  await page.fill(".sw-feedback-comment", "wrong channel names");
  await page.click(".sw-thumb-down");
  await page.waitForSelector(".sw-feedback-done");
  const sent = requests.find((r) => r.url.endsWith("/api/v1/feedback"));
  const body = JSON.parse(sent.body);
  assert.deepEqual(Object.keys(body).sort(), ["answer_id", "comment", "helpful"]);
  assert.equal(body.helpful, false);
  assert.ok(body.answer_id.length > 0);
});

test("dark theme follows prefers-color-scheme", async () => {
  const { page } = await readyPage({ colorScheme: "dark" });
  await ask(page, "revenue by month");
  const bg = await page.$eval(".sw-widget", (e) => getComputedStyle(e).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `dark background, got ${bg}`);
  await screenshot(page, "dark-theme");
});

test("German by the browser's language, with German number formats", async () => {
  const { page } = await readyPage({ locale: "de-DE" });
  assert.equal((await page.textContent(".sw-ask button")).trim(), "Fragen");
  await ask(page, "total revenue");
  const figure = await page.textContent(".sw-big-value");
  assert.match(figure, /^\d{1,3}(\.\d{3})*(,\d+)?$/, `German number, got ${figure}`);
  await screenshot(page, "german");
});

test("keyboard only: Tab to the box, Enter asks, Up recalls", async () => {
  const { page } = await readyPage();
  await page.keyboard.press("Tab");
  for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.id === "sw-question")); i++) {
    await page.keyboard.press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), "sw-question");
  await page.keyboard.type("revenue by channel");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".sw-answer[data-status=answered]");
  await page.focus("#sw-question");
  await page.fill("#sw-question", "");
  await page.keyboard.press("ArrowUp");
  assert.equal(await page.inputValue("#sw-question"), "revenue by channel");
  assert.equal(await page.getAttribute(".sw-answer-region", "aria-live"), "polite");
});

test("refresh reloads only changed tables and keeps the answer and history", async () => {
  const { page, requests } = await readyPage();
  await ask(page, "revenue by channel");
  await ask(page, "revenue by month");
  assert.match(await page.textContent(".sw-age"), /\d+ (min|h|days)/);
  const before = requests.length;
  assert.equal(await page.getAttribute(".sw-ready", "data-loads"), "1");
  await page.click(".sw-refresh");
  await page.waitForSelector(".sw-ready[data-loads='2']");
  const after = requests.slice(before);
  assert.ok(after.some((r) => r.url.includes("/api/v1/extract/manifest")), "a fresh manifest was fetched");
  assert.ok(!after.some((r) => r.url.includes("/api/v1/extract/tables/")), "unchanged tables are not downloaded again");
  assert.equal(await page.textContent(".sw-question-echo"), "revenue by month");
  await ask(page, "orders by channel");
  assert.equal((await columnTexts(page, 1)).length, 4);
});

test("two dimensions: grouped bars with a legend, switchable to stacked", async () => {
  const { page } = await readyPage();
  await ask(page, "orders by channel and status");
  const answer = page.locator(".sw-answer[data-status=answered]");
  assert.equal(await answer.getAttribute("data-chart"), "grouped");
  const statuses = new Set(await columnTexts(page, 2));
  const channels = new Set(await columnTexts(page, 1));
  assert.equal(await page.locator("svg.sw-grouped .sw-legend .sw-swatch").count(), statuses.size);
  assert.equal(await page.locator("svg.sw-grouped .sw-bar-group").count(), channels.size);
  // One bar per row of the result, each with its tooltip.
  const rows = await page.locator(".sw-table tbody tr").count();
  assert.equal(await page.locator("svg.sw-grouped rect.sw-bar-rect").count(), rows);
  assert.match(await page.locator("svg.sw-grouped rect.sw-bar-rect title").first().textContent(), / · .+: \d/);
  await screenshot(page, "chart-grouped");
  await page.click(".sw-seg[data-kind=stacked]");
  assert.equal(await answer.getAttribute("data-chart"), "stacked");
  // Stacked: each channel's total is written at the end of its bar.
  const totals = await page.$$eval("svg.sw-stacked .sw-bar-value", (t) => t.map((x) => Number(x.textContent.replace(/,/g, ""))));
  const counts = (await columnTexts(page, 3)).map((t) => Number(t.replace(/,/g, "")));
  assert.equal(totals.reduce((a, b) => a + b, 0), counts.reduce((a, b) => a + b, 0));
  await screenshot(page, "chart-stacked");
});

test("share of total: bars with percentages that add up to 100", async () => {
  const { page } = await readyPage();
  await ask(page, "share of revenue by channel");
  assert.equal(await page.getAttribute(".sw-answer[data-status=answered]", "data-chart"), "share");
  const labels = await page.$$eval("svg.sw-share .sw-bar-value", (t) => t.map((x) => x.textContent));
  assert.equal(labels.length, 4);
  const pcts = labels.map((l) => Number(l.match(/([\d.]+) %$/)[1]));
  assert.ok(Math.abs(pcts.reduce((a, b) => a + b, 0) - 100) < 0.5, `shares ${pcts}`);
  assert.deepEqual([...pcts].sort((a, b) => b - a), pcts, "largest first");
});

test("a figure compared with the previous period shows its change", async () => {
  const { page } = await readyPage();
  // The demo server's "today" is the data's last day, 2025-12-31.
  await ask(page, "revenue this month vs last month");
  const change = page.locator(".sw-big-number .sw-change");
  await change.waitFor();
  const [current, previous] = (await page.$$eval(".sw-table tbody tr td", (t) => t.map((x) => Number(x.textContent.replace(/,/g, "")))));
  const expected = ((current - previous) / Math.abs(previous)) * 100;
  const shown = Number((await change.locator(".sw-change-pct").textContent()).replace(/[▲▼\s%+]/g, "").replace("−", "-"));
  assert.ok(Math.abs(shown - expected) < 0.06, `shown ${shown}, expected ${expected}`);
  assert.equal(await change.evaluate((e, up) => e.classList.contains(up ? "sw-up" : "sw-down"), expected >= 0), true);
  assert.match(await change.locator(".sw-change-base").textContent(), /previous period/);
  await screenshot(page, "big-number-change");
});

test("chart export: SVG with its styles inlined, and a PNG at twice the size", async () => {
  const { page } = await readyPage({ acceptDownloads: true });
  await ask(page, "revenue by channel");
  const [svgFile] = await Promise.all([page.waitForEvent("download"), page.click(".sw-export-svg")]);
  assert.equal(svgFile.suggestedFilename(), "revenue-by-channel.svg");
  const svg = await fs.readFile(await svgFile.path(), "utf8");
  assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<rect[^>]+style="fill:rgb\(/, "bars carry their colour");
  const [pngFile] = await Promise.all([page.waitForEvent("download"), page.click(".sw-export-png")]);
  assert.equal(pngFile.suggestedFilename(), "revenue-by-channel.png");
  const png = await fs.readFile(await pngFile.path());
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "a PNG file");
  const width = png.readUInt32BE(16);
  const shownWidth = await page.$eval(".sw-chart", (s) => s.clientWidth);
  assert.equal(width, shownWidth * 2);
  // The PNG is not blank: it decodes in the browser and has coloured pixels.
  const coloured = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 2]) > 60) n++;
    return n;
  }, png.toString("base64"));
  assert.ok(coloured > 500, `coloured pixels: ${coloured}`);
});

/** WCAG contrast of every visible text in the widget against what is behind it. */
async function contrastFailures(page) {
  return page.evaluate(() => {
    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const failures = [];
    const texts = [...document.querySelectorAll(".sw-widget *")].filter((e) =>
      [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) && e.getClientRects().length > 0
      && !e.closest(".sw-sr-only, option, [disabled]"));
    for (const el of texts) {
      const cs = getComputedStyle(el);
      const inSvg = el instanceof SVGElement;
      const fg = rgb(inSvg ? cs.fill : cs.color);
      const bg = background(inSvg ? el.closest("figure") : el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const large = parseFloat(cs.fontSize) >= 24 || (parseFloat(cs.fontSize) >= 18.66 && Number(cs.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${el.className?.baseVal ?? el.className} "${el.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}`);
    }
    return { checked: texts.length, failures };
  });
}

test("contrast meets WCAG AA in the light and the dark theme", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const { page, context } = await readyPage({ colorScheme });
    await ask(page, "revenue this month vs last month");
    await ask(page, "orders by channel and status");
    await openSql(page);
    const { checked, failures } = await contrastFailures(page);
    assert.ok(checked > 40, `texts checked: ${checked}`);
    assert.deepEqual(failures, [], `${colorScheme} theme`);
    await context.close();
  }
});

test("works at 320 px wide: nothing overflows the page, and it answers", async () => {
  const { page } = await readyPage({ viewport: { width: 320, height: 720 } });
  await ask(page, "orders by channel and status");
  await page.waitForSelector(".sw-answer[data-status=answered] svg");
  const overflow = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    widget: document.querySelector(".sw-widget").getBoundingClientRect().right,
    chart: document.querySelector(".sw-chart").getBoundingClientRect().right,
    input: document.querySelector("#sw-question").getBoundingClientRect().right,
    button: document.querySelector(".sw-ask button").getBoundingClientRect().right,
  }));
  for (const [part, right] of Object.entries(overflow)) assert.ok(right <= 320, `${part} reaches ${right}px`);
  await screenshot(page, "narrow-320");
});
