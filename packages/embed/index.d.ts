// Types of @slicewise/embed and of the script-tag loader's `Slicewise`
// namespace, `<slicewise-widget>` element and events.

/** Returns the current embed token: minted by the host's backend for one tenant and user. */
export type TokenProvider = () => string | Promise<string>;

export type Theme = "light" | "dark" | "auto";

/** "en" or "de"; any BCP 47 tag is accepted and falls back to English. */
export type Locale = "en" | "de" | (string & {});

export interface MountOptions {
  /** The Slicewise server, e.g. "https://analytics.example.com". */
  server: string;
  /** Called at start, again before the token expires, and after a 401. */
  getToken: TokenProvider;
  locale?: Locale;
  theme?: Theme;
  /** Re-download changed tables every so many seconds (at least 1). */
  refreshSeconds?: number;
  /** Stop a query running longer than this (default 30); the data stays loaded. */
  queryTimeoutSeconds?: number;
  /**
   * Keep verified tables in this browser (Cache API, per server, tenant,
   * privacy level and user) so the next visit downloads only changed tables.
   * Off by default; call `clear()` at logout.
   */
  persist?: boolean;
}

export interface MountedWidget {
  /** Settles when the widget module has started (the extract loads after). */
  readonly ready: Promise<void>;
  /** Removes the widget and stops its engine. */
  unmount(): void;
}

/** The loader's global namespace (the script tag defines it). */
export interface SlicewiseApi {
  mount(element: HTMLElement, options: Omit<MountOptions, "server"> & { server?: string }): MountedWidget;
  /** Deletes every table widgets kept in this browser; resolves to the stores deleted. */
  clear(): Promise<number>;
  /** The origin the loader was served from. */
  readonly server: string;
}

/** `slicewise:ready`: the tenant's extract is verified and loaded. */
export interface ReadyDetail {
  tenant: string;
}

/** `slicewise:answer`: a question was answered; never any data. */
export interface AnswerDetail {
  question: string;
  rows: number;
}

/** `slicewise:error`: a stable machine code and a human message. */
export interface ErrorDetail {
  /**
   * Stable machine code, e.g. "origin_not_allowed" (the server's
   * --allowed-origins does not name this page's origin; `message` says what
   * to set), "load_failed" (the widget's files could not be loaded).
   */
  code: string;
  message: string;
}

export interface SlicewiseEventMap {
  "slicewise:ready": CustomEvent<ReadyDetail>;
  "slicewise:answer": CustomEvent<AnswerDetail>;
  "slicewise:error": CustomEvent<ErrorDetail>;
}

export declare const EVENTS: {
  readonly ready: "slicewise:ready";
  readonly answer: "slicewise:answer";
  readonly error: "slicewise:error";
};

/** Loads `SERVER/widget.js` once and resolves to the `Slicewise` namespace. */
export declare function load(server: string): Promise<SlicewiseApi>;

/** Deletes every table Slicewise widgets kept in this browser (call it at logout). */
export declare function clear(): Promise<number>;

/** Loads the loader if needed and mounts a widget into `element`. */
export declare function mount(element: HTMLElement, options: MountOptions): Promise<MountedWidget>;

/** Who sees a saved answer besides its owner: nobody, or every user of its tenant. */
export type SavedVisibility = "private" | "tenant";

/** The chart kinds of the widget, as a saved answer names them. */
export type ChartKind = "big_number" | "line" | "bar" | "grouped" | "stacked" | "share" | "table";

/** An answer to save: its definition, never its rows. */
export interface NewSavedAnswer {
  /** 1 to 200 characters. */
  title: string;
  /** The question as asked (1 to 1,000 characters). */
  question: string;
  /** Must pass the server's SQL guard for the current catalog. */
  sql: string;
  chart?: ChartKind;
  /** Default "private". */
  visibility?: SavedVisibility;
  /** On the dashboard; default false. */
  pinned?: boolean;
}

/** What `update` changes; the fields left out stay (the owner only). */
export interface SavedAnswerChange {
  title?: string;
  chart?: ChartKind;
  visibility?: SavedVisibility;
  pinned?: boolean;
  /** Place on the dashboard, lower first (0 to 1,000,000). */
  position?: number;
}

/** A saved answer as the server returns it. */
export interface SavedAnswer {
  id: string;
  title: string;
  question: string;
  sql: string;
  chart?: ChartKind;
  visibility: SavedVisibility;
  /** Whether this user owns it (and so may change or delete it). */
  mine: boolean;
  pinned: boolean;
  position: number;
  /** Schema hash of the catalog it was saved under (the manifest's `schema_hash`). */
  schema_hash: string;
  /** "broken": the current catalog's SQL guard refuses it; `reason` says why. */
  status: "ok" | "broken";
  reason?: ErrorDetail;
  /** Unix milliseconds. */
  created_at: number;
  updated_at: number;
}

export interface SavedAnswersOptions {
  /** The Slicewise server, e.g. "https://analytics.example.com". */
  server: string;
  /** The user's embed token: it alone says which tenant and user. */
  getToken: TokenProvider;
  /** A fetch of the host's own (tests, instrumentation); default the global one. */
  fetch?: typeof fetch;
}

/** The saved-answers API (`/api/v1/saved`); failures reject with a `SlicewiseApiError`. */
export interface SavedAnswersClient {
  /** The user's own answers and those shared with its tenant, in dashboard order. */
  list(): Promise<SavedAnswer[]>;
  get(id: string): Promise<SavedAnswer>;
  create(answer: NewSavedAnswer): Promise<SavedAnswer>;
  /** The owner only (others get `saved_not_owner`). */
  update(id: string, change: SavedAnswerChange): Promise<SavedAnswer>;
  /** The owner only. */
  remove(id: string): Promise<void>;
}

/** An error the Slicewise API answered. */
export declare class SlicewiseApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Stable machine code: "saved_not_found", "sql_unknown_table", "saved_limit_reached", ... */
  readonly code: string;
  readonly requestId?: string;
}

/** A client of the server's saved-answers API for the host's own UI. */
export declare function savedAnswers(options: SavedAnswersOptions): SavedAnswersClient;

/**
 * `<slicewise-widget>`: attributes server, token, token-provider, locale,
 * theme, height, refresh-seconds, query-timeout, persist.
 */
export interface SlicewiseWidgetElement extends HTMLElement {
  addEventListener<K extends keyof SlicewiseEventMap>(
    type: K,
    listener: (this: SlicewiseWidgetElement, ev: SlicewiseEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

declare global {
  interface Window {
    Slicewise?: SlicewiseApi;
  }
  interface HTMLElementTagNameMap {
    "slicewise-widget": SlicewiseWidgetElement;
  }
  interface HTMLElementEventMap extends SlicewiseEventMap {}
}
