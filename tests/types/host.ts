// Compiled by `tsc -p tests/types` in `cargo xtask test`: a host app's use of
// the typed module must type-check, and each misuse marked
// `@ts-expect-error` must be rejected (an unused marker fails the build).
import {
  EVENTS,
  SlicewiseApiError,
  clear,
  load,
  mount,
  savedAnswers,
  type AnswerDetail,
  type MountedWidget,
  type SavedAnswer,
} from "@slicewise/embed";

async function tokenFromBackend(): Promise<string> {
  const response = await fetch("/portal/slicewise-token", { method: "POST" });
  return ((await response.json()) as { token: string }).token;
}

export async function start(el: HTMLElement): Promise<MountedWidget> {
  const widget = await mount(el, {
    server: "https://analytics.example.com",
    getToken: tokenFromBackend,
    locale: "de",
    theme: "dark",
    refreshSeconds: 300,
    persist: true,
  });
  await widget.ready;
  return widget;
}

export async function logout(): Promise<void> {
  const stores: number = await clear();
  console.info(`deleted ${stores} stores`);
  await window.Slicewise?.clear();
}

export async function viaNamespace(el: HTMLElement): Promise<void> {
  const api = await load("https://analytics.example.com");
  const widget = api.mount(el, { getToken: () => "a-token", locale: "en-GB" });
  widget.unmount();
  window.Slicewise?.mount(el, { getToken: () => "a-token" });
}

export function listen(): void {
  const element = document.createElement("slicewise-widget");
  element.setAttribute("token-provider", "getSlicewiseToken");
  element.addEventListener("slicewise:answer", (event) => {
    const detail: AnswerDetail = event.detail;
    console.info(detail.question, detail.rows.toFixed(0));
  });
  element.addEventListener("slicewise:error", (event) => console.warn(event.detail.code));
  document.body.addEventListener(EVENTS.ready, (event) => console.info(event.detail.tenant));
}

export async function dashboard(): Promise<SavedAnswer[]> {
  const saved = savedAnswers({ server: "https://analytics.example.com", getToken: tokenFromBackend });
  const created = await saved.create({
    title: "Revenue by month",
    question: "revenue by month",
    sql: "SELECT 1",
    chart: "line",
    visibility: "tenant",
    pinned: true,
  });
  await saved.update(created.id, { position: 0, title: "Revenue" });
  try {
    await saved.remove(created.id);
  } catch (e) {
    if (e instanceof SlicewiseApiError && e.code === "saved_not_owner") console.info(e.status);
  }
  const answers = await saved.list();
  return answers.filter((a) => a.status === "broken" ? console.warn(a.reason?.code) : a.pinned);
}

export async function misuseSaved(): Promise<void> {
  const saved = savedAnswers({ server: "https://a.example", getToken: () => "t" });
  // @ts-expect-error a saved answer needs its SQL
  await saved.create({ title: "t", question: "q" });
  // @ts-expect-error visibility is private or tenant
  await saved.create({ title: "t", question: "q", sql: "SELECT 1", visibility: "public" });
  // @ts-expect-error a chart is one of the widget's kinds
  await saved.update("id", { chart: "pie" });
  // @ts-expect-error the tenant comes from the token, never from a call
  await saved.update("id", { tenant: "globex" });
  const one = await saved.get("id");
  // @ts-expect-error a saved answer holds no rows
  console.info(one.rows);
}

export async function misuse(el: HTMLElement): Promise<void> {
  // @ts-expect-error getToken is required
  await mount(el, { server: "https://analytics.example.com" });
  // @ts-expect-error a theme is light, dark or auto
  await mount(el, { server: "https://a.example", getToken: () => "t", theme: "blue" });
  // @ts-expect-error persist is a boolean
  await mount(el, { server: "https://a.example", getToken: () => "t", persist: "yes" });
  // @ts-expect-error refreshSeconds is a number
  await mount(el, { server: "https://a.example", getToken: () => "t", refreshSeconds: "60" });
  document.createElement("slicewise-widget").addEventListener("slicewise:answer", (event) => {
    // @ts-expect-error an answer event carries no data
    console.info(event.detail.rows_data);
  });
}
