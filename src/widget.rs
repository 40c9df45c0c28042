//! The widget: loads the tenant's verified extract into the engine worker,
//! asks questions by text, and answers with a table, a chart and the SQL.

use std::collections::BTreeMap;

use futures::future::join;
use leptos::prelude::*;
use leptos::task::spawn_local;
use slicewise_core::translate::starter_questions;
use slicewise_core::wire::{
    AskRequest, AskResponse, AskStatus, FeedbackRequest, NameCandidate, NamePick, TranslatorEngine,
};
use slicewise_core::{Catalog, Manifest, QueryResult};
use slicewise_engine::protocol::{LoadReport, LoadRequest, DEFAULT_BUDGET_BYTES};
use web_time::Instant;

use crate::answer::{AnswerActions, AnswerView, ErrorBox};
use crate::api::Api;
use crate::columns::Glossary;
use crate::dashboard::{Dashboard, LocalData};
use crate::engine_client::{sleep, EngineClient};
use crate::error::WidgetError;
use crate::extract_tables::{self, KeptTables, StoreWrite, TableProgress};
use crate::format::data_age;
use crate::i18n::{Locale, Text};
use crate::saved::SavedAnswers;
use crate::token::{self, TokenSource};

/// Rows of a result handed to the UI.
pub const DISPLAY_LIMIT: u32 = 100_000;
/// A query running longer is stopped and the engine replaced (a host may
/// set another limit with `queryTimeoutSeconds`).
pub const QUERY_TIMEOUT_MS: u32 = 30_000;

/// Where the widget is in its life.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Starting,
    /// Bytes in hand of the total; `stored`: tables taken from the
    /// browser's store (not downloaded).
    Downloading(TableProgress),
    Loading,
    Ready(LoadReport),
    Failed(WidgetError),
}

/// Most characters of a thread sent as the previous questions (the
/// server takes at most 1,000).
const MAX_THREAD_CHARS: usize = 1_000;

/// Most questions of a thread sent: as many as the built-in translator
/// reads.
const MAX_THREAD: usize = slicewise_core::translate::MAX_CHAIN;

/// The thread the next question follows up on: the questions of a chain of
/// follow-ups, one a line, oldest first (the translator reads them in
/// order), at most `MAX_THREAD` of them and
/// `MAX_THREAD_CHARS` in all; the oldest go first.
pub fn next_context(thread: Option<&str>, question: &str) -> String {
    let mut lines: Vec<&str> = thread
        .map(|t| t.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
        .unwrap_or_default();
    lines.push(question.trim());
    if lines.len() > MAX_THREAD {
        lines.drain(..lines.len() - MAX_THREAD);
    }
    while lines.len() > 1
        && lines.iter().map(|l| l.chars().count() + 1).sum::<usize>() > MAX_THREAD_CHARS
    {
        lines.remove(0);
    }
    lines.join("\n")
}

/// The last question of a thread: the one shown as followed up on.
pub fn last_question(thread: &str) -> &str {
    thread
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// One asked question and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub question: String,
    /// The question sent as context for this one, if any.
    pub previous: Option<String>,
    /// Whether the SQL on screen is the user's edit, not the answer's.
    pub edited: bool,
    pub response: AskResponse,
    pub result: Option<QueryResult>,
    pub error: Option<WidgetError>,
    /// Milliseconds from pressing Ask to the answer on screen.
    pub total_ms: f64,
}

/// Options a host (or the demo page) mounts the widget with.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetOptions {
    /// Server origin ("" for the page's own).
    pub server: String,
    pub token: TokenSource,
    pub locale: Locale,
    /// `light`, `dark`, or none to follow `prefers-color-scheme`.
    pub theme: Option<String>,
    /// Reload the extract this often (seconds); none: only on demand.
    pub refresh_seconds: Option<u32>,
    /// Stop a query running longer (milliseconds).
    pub query_timeout_ms: u32,
    /// Keep verified tables in the browser's store for the next visit.
    pub persist: bool,
}

/// What the browser's store did with the last load's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreState {
    /// The host did not opt in.
    Off,
    /// Writing the tables the store lacked.
    Saving,
    /// Every table of the load is stored.
    Saved,
    /// Denied, full or missing: tables are downloaded as usual.
    Unavailable,
}

impl StoreState {
    /// The name in the status line's `data-store`.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreState::Off => "off",
            StoreState::Saving => "saving",
            StoreState::Saved => "saved",
            StoreState::Unavailable => "unavailable",
        }
    }
}

/// The widget's two views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Ask a question, see its answer.
    Ask,
    /// The pinned saved answers, run again on the local data.
    Dashboard,
}

/// A finished load of the extract.
struct Loaded {
    api: Api,
    report: LoadReport,
    /// The newest record in the data.
    newest: Option<String>,
    kept: KeptTables,
    /// Tables taken from the browser's store.
    stored: u32,
    to_store: Option<StoreWrite>,
}

/// The widget.
#[component]
pub fn Widget(options: WidgetOptions) -> impl IntoView {
    let text: &'static Text = options.locale.text();
    let locale = options.locale;
    let phase = RwSignal::new(Phase::Starting);
    // The tenant's catalog's starter questions, once it has loaded.
    let starters = RwSignal::new(Vec::<String>::new());
    let api = RwSignal::new(None::<Api>);
    let engine = StoredValue::new_local(EngineClient::new(
        format!("{}/engine/engine-worker.js", options.server),
        options.query_timeout_ms,
    ));
    let question = RwSignal::new(String::new());
    let busy = RwSignal::new(None::<&'static str>);
    let exchange = RwSignal::new(None::<Exchange>);
    let history = RwSignal::new(Vec::<String>::new());
    // The question the next one follows up on, shown and clearable.
    let context = RwSignal::new(None::<String>);
    // What the catalog says of result columns (formats, periods, additivity).
    let glossary = RwSignal::new(Glossary::default());
    let recall = RwSignal::new(None::<usize>);
    let source = StoredValue::new_local(options.token.clone());
    let server = StoredValue::new(options.server.clone());
    let renewals = StoredValue::new(0u32);
    let root = NodeRef::<leptos::html::Section>::new();
    let view_now = RwSignal::new(View::Ask);
    // Saving (from an answer) and the dashboard share the API and a revision.
    let saved = SavedAnswers::new(api);
    provide_context(saved);
    let slot = InstanceSlot::take();
    let input_id = slot.input_id();

    on_cleanup(move || {
        engine.with_value(EngineClient::terminate);
        drop(slot);
    });

    // The newest record in the data (its time columns' latest value).
    let latest = RwSignal::new(None::<String>);
    // Successful loads so far (hosts and tests can tell a refresh finished).
    let loads = RwSignal::new(0u32);
    let kept = StoredValue::new_local(KeptTables::new());
    let loading = StoredValue::new(false);
    // Tables the last load took from the browser's store, and what the store
    // did with them (the status line says both, for hosts and tests).
    let stored = RwSignal::new(0u32);
    let store_state = RwSignal::new(if options.persist {
        StoreState::Saving
    } else {
        StoreState::Off
    });

    // Loads (or reloads) the extract; the page stays responsive since the
    // engine is a worker, and the question history stays as it is.
    let load = {
        let options = options.clone();
        move || {
            if loading.get_value() {
                return;
            }
            loading.set_value(true);
            let options = options.clone();
            spawn_local(async move {
                let client = engine.get_value();
                let first = api.get_untracked().is_none();
                let previous = kept.get_value();
                let outcome = load_extract(
                    &options,
                    api.get_untracked(),
                    &previous,
                    &client,
                    (phase, starters, glossary),
                )
                .await;
                loading.set_value(false);
                match outcome {
                    Ok(Loaded {
                        api: loaded_api,
                        report,
                        newest,
                        kept: fresh,
                        stored: from_store,
                        to_store,
                    }) => {
                        let token = loaded_api.token.clone();
                        kept.set_value(fresh);
                        latest.set(newest);
                        stored.set(from_store);
                        keep_in_store(to_store, options.persist, store_state);
                        loads.update(|n| *n += 1);
                        api.set(Some(loaded_api));
                        if first {
                            emit(
                                root,
                                "slicewise:ready",
                                &[("tenant", report.tenant.as_str().into())],
                            );
                        }
                        phase.set(Phase::Ready(report));
                        if first && source.with_value(TokenSource::renewable) {
                            schedule_renewal(&token, source, server, api, renewals);
                        }
                    }
                    Err(err) => {
                        web_sys::console::error_1(&format!("slicewise: {err:?}").into());
                        emit_error(root, &err);
                        phase.set(Phase::Failed(err));
                    }
                }
            });
        }
    };
    load();
    let refresh = Callback::new({
        let load = load.clone();
        move |()| load()
    });
    if let Some(seconds) = options.refresh_seconds.filter(|s| *s > 0) {
        let load = load.clone();
        let alive = StoredValue::new(true);
        on_cleanup(move || alive.set_value(false));
        spawn_local(async move {
            loop {
                crate::engine_client::sleep(seconds.saturating_mul(1000)).await;
                if !alive.try_get_value().unwrap_or(false) {
                    break;
                }
                if matches!(phase.get_untracked(), Phase::Ready(_)) {
                    load();
                }
            }
        });
    }

    let ask = move |q: String| {
        let q = q.trim().to_string();
        if q.is_empty() || busy.get_untracked().is_some() {
            return;
        }
        let Some(current) = api.get_untracked() else {
            return;
        };
        let previous = context.get_untracked();
        history.update(|h| {
            h.retain(|x| x != &q);
            h.push(q.clone());
        });
        recall.set(None);
        question.set(q.clone());
        busy.set(Some(text.thinking));
        spawn_local(async move {
            let client = engine.get_value();
            let mut outcome =
                run_question(&current, &client, &q, previous.clone(), busy, text).await;
            let unauthorised = matches!(&outcome, Err(WidgetError::Api { status: 401, .. }));
            if unauthorised && source.with_value(TokenSource::renewable) {
                // The token expired or was revoked: ask the host for a fresh
                // one and try once more; the widget and its history stay.
                outcome = match renew(source, server, api, renewals).await {
                    Ok(fresh) => run_question(&fresh, &client, &q, previous, busy, text).await,
                    Err(err) => Err(err),
                };
            }
            busy.set(None);
            match outcome {
                Ok(done) => {
                    match (&done.result, &done.error) {
                        (_, Some(err)) => emit_error(root, err),
                        (Some(result), None) => emit(
                            root,
                            "slicewise:answer",
                            &[
                                ("question", done.question.as_str().into()),
                                ("rows", (result.total_rows as f64).into()),
                            ],
                        ),
                        (None, None) => {}
                    }
                    // A follow-up extends the thread it followed; a question
                    // of its own starts a new one.
                    let followed = done.response.follows.is_some();
                    context.set(Some(next_context(
                        done.previous.as_deref().filter(|_| followed),
                        &done.question,
                    )));
                    exchange.set(Some(done))
                }
                Err(err) => {
                    web_sys::console::error_1(&format!("slicewise: {err:?}").into());
                    emit_error(root, &err);
                    exchange.set(Some(Exchange {
                        question: q,
                        previous: None,
                        edited: false,
                        response: AskResponse::empty(TranslatorEngine::Builtin),
                        result: None,
                        error: Some(err),
                        total_ms: 0.0,
                    }))
                }
            }
        });
    };

    let run_sql = move |sql: String| {
        let Some(mut current) = exchange.get_untracked() else {
            return;
        };
        busy.set(Some(text.running));
        spawn_local(async move {
            let client = engine.get_value();
            let outcome = client.query(&sql, DISPLAY_LIMIT).await;
            busy.set(None);
            // What the answer said of its own SQL does not hold for the
            // user's: no heading, chart hint or follow-ups carry over.
            current.response.sql = Some(sql);
            current.response.status = AskStatus::Answered;
            current.response.interpretation = None;
            current.response.chart = None;
            current.response.suggestions.clear();
            current.response.notice = None;
            current.edited = true;
            match outcome {
                Ok(result) => {
                    current.result = Some(result);
                    current.error = None;
                }
                Err(err) => {
                    current.result = None;
                    current.error = Some(err);
                }
            }
            exchange.set(Some(current));
        });
    };

    let send_feedback = move |(helpful, comment): (bool, Option<String>)| {
        let (Some(current), Some(answer)) = (api.get_untracked(), exchange.get_untracked()) else {
            return;
        };
        spawn_local(async move {
            let request = FeedbackRequest {
                answer_id: answer.response.id,
                helpful,
                comment,
            };
            if let Err(err) = current.feedback(&request).await {
                web_sys::console::warn_1(&format!("slicewise: feedback not sent: {err}").into());
            }
        });
    };

    let actions = AnswerActions {
        ask: Callback::new(ask),
        run_sql: Callback::new(run_sql),
        feedback: Callback::new(send_feedback),
    };

    let on_key = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            ask(question.get_untracked());
        }
        "ArrowUp" => {
            let h = history.get_untracked();
            if h.is_empty() {
                return;
            }
            ev.prevent_default();
            let next = recall
                .get_untracked()
                .map(|i| i.saturating_sub(1))
                .unwrap_or(h.len() - 1);
            recall.set(Some(next));
            question.set(h[next].clone());
        }
        "ArrowDown" => {
            let h = history.get_untracked();
            if let Some(i) = recall.get_untracked() {
                ev.prevent_default();
                if i + 1 < h.len() {
                    recall.set(Some(i + 1));
                    question.set(h[i + 1].clone());
                } else {
                    recall.set(None);
                    question.set(String::new());
                }
            }
        }
        _ => {}
    };

    let ready = move || matches!(phase.get(), Phase::Ready(_));
    let local = LocalData {
        engine,
        glossary,
        latest,
        loads,
    };

    view! {
        <section node_ref=root class="sw-widget" aria-label=text.title data-theme=options.theme.clone() lang=locale.tag()>
            <header class="sw-header">
                <h2 class="sw-title">{text.title}</h2>
                <StatusLine phase=phase text=text latest=latest loads=loads refresh=refresh
                    stored=stored store_state=store_state/>
            </header>
            <div class="sw-tabs" role="tablist" aria-label=text.views>
                {[(View::Ask, text.ask, "sw-tab-ask"), (View::Dashboard, text.dashboard, "sw-tab-dashboard")]
                    .into_iter()
                    .map(|(v, label, class)| view! {
                        <button type="button" role="tab" class=format!("sw-tab {class}")
                            aria-selected=move || (view_now.get() == v).to_string()
                            on:click=move |_| view_now.set(v)
                            on:keydown=move |ev: web_sys::KeyboardEvent| {
                                if matches!(ev.key().as_str(), "ArrowLeft" | "ArrowRight") {
                                    ev.prevent_default();
                                    view_now.update(|now| *now = if *now == View::Ask { View::Dashboard } else { View::Ask });
                                    focus_other_tab(&ev);
                                }
                            }>{label}</button>
                    })
                    .collect_view()}
            </div>
            <div class="sw-panel sw-panel-ask" role="tabpanel" aria-label=text.ask hidden=move || view_now.get() != View::Ask>
            <form class="sw-ask" on:submit=move |ev| {
                ev.prevent_default();
                ask(question.get_untracked());
            }>
                <label class="sw-sr-only" for=input_id.clone()>{text.question_label}</label>
                <input
                    id=input_id
                    class="sw-input"
                    type="text"
                    autocomplete="off"
                    maxlength="1000"
                    placeholder=text.question_placeholder
                    prop:value=move || question.get()
                    on:input=move |ev| question.set(event_target_value(&ev))
                    on:keydown=on_key
                />
                <button class="sw-button sw-primary" type="submit" disabled=move || !ready() || busy.get().is_some()>
                    {text.ask}
                </button>
            </form>
            {move || context.get().map(|chain| last_question(&chain).to_string()).map(|q| view! {
                <p class="sw-context">
                    <span>{text.following_up}</span>
                    " "
                    <q class="sw-context-question">{q}</q>
                    <button type="button" class="sw-button sw-chip sw-context-clear"
                        aria-label=text.clear_context title=text.clear_context
                        on:click=move |_| context.set(None)>"×"</button>
                </p>
            })}
            <div class="sw-busy" aria-live="polite">
                {move || busy.get().map(|b| view! { <span class="sw-spinner" aria-hidden="true"></span> <span>{b}</span> })}
            </div>
            <Show when=move || exchange.with(Option::is_none) && ready()>
                <div class="sw-suggestions">
                    <p>{text.suggested}</p>
                    <ul>
                        {move || starters.get()
                            .into_iter()
                            .map(|q| {
                                let label = q.clone();
                                view! { <li><button type="button" class="sw-button sw-chip" on:click=move |_| ask(q.clone())>{label}</button></li> }
                            })
                            .collect_view()}
                    </ul>
                </div>
            </Show>
            <div class="sw-answer-region" aria-live="polite">
                {move || exchange.get().map(|e| view! { <AnswerView exchange=e text=text locale=locale actions=actions glossary=glossary.get()/> })}
            </div>
            <Show when=move || history.with(|h| h.len() > 1)>
                <details class="sw-history">
                    <summary>{text.history}</summary>
                    <ul>
                        {move || history.get().into_iter().rev().map(|q| {
                            let label = q.clone();
                            view! { <li><button type="button" class="sw-button sw-chip" on:click=move |_| ask(q.clone())>{label}</button></li> }
                        }).collect_view()}
                    </ul>
                </details>
            </Show>
            </div>
            <Show when=move || view_now.get() == View::Dashboard>
                <div class="sw-panel sw-panel-dashboard" role="tabpanel" aria-label=text.dashboard>
                    <Show when=ready fallback=move || view! { <p class="sw-dashboard-loading" role="status">{text.starting}</p> }>
                        <Dashboard saved=saved data=local text=text locale=locale/>
                    </Show>
                </div>
            </Show>
        </section>
    }
}

/// Moves the focus to the other tab (of two), as the arrow keys select it.
fn focus_other_tab(ev: &web_sys::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let other = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|tab| {
            tab.next_element_sibling()
                .or_else(|| tab.previous_element_sibling())
        })
        .and_then(|tab| tab.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(tab) = other {
        let _ = tab.focus();
    }
}

#[component]
fn StatusLine(
    phase: RwSignal<Phase>,
    text: &'static Text,
    latest: RwSignal<Option<String>>,
    loads: RwSignal<u32>,
    refresh: Callback<()>,
    stored: RwSignal<u32>,
    store_state: RwSignal<StoreState>,
) -> impl IntoView {
    move || match phase.get() {
        Phase::Starting => {
            view! { <p class="sw-status" role="status" data-phase="starting">{text.starting}</p> }
                .into_any()
        }
        Phase::Downloading(TableProgress {
            received,
            total,
            stored,
        }) => {
            let pct = if total > 0 {
                received as f64 / total as f64 * 100.0
            } else {
                0.0
            };
            view! {
                <div class="sw-status" role="status" data-phase="downloading" data-stored=stored>
                    <span>{format!("{} {:.1} / {:.1} MB", text.downloading, mb(received), mb(total))}</span>
                    {(stored > 0).then(|| view! {
                        <span class="sw-stored">{format!("{stored} {}", text.tables_from_store)}</span>
                    })}
                    <progress class="sw-progress" max="100" value=format!("{pct:.0}")></progress>
                </div>
            }
            .into_any()
        }
        Phase::Loading => {
            view! { <p class="sw-status" role="status" data-phase="loading">{text.verifying}</p> }
                .into_any()
        }
        Phase::Ready(report) => {
            let counts: BTreeMap<_, _> = report
                .tables
                .iter()
                .map(|t| (t.name.clone(), t.rows))
                .collect();
            let summary = counts
                .iter()
                .map(|(name, rows)| format!("{name} {rows}"))
                .collect::<Vec<_>>()
                .join(" · ");
            let newest = latest.get();
            let age = data_age(newest.as_deref(), text);
            let from_store = stored.get();
            view! {
                <p class="sw-status sw-ready" role="status" data-tenant=report.tenant.clone() data-loads=loads.get()
                    data-stored=from_store data-store=move || store_state.get().as_str()>
                    <span class="sw-badge">{text.ready}</span>
                    <span class="sw-counts">{format!("{} — {summary} {}", report.tenant, text.rows)}</span>
                    {(from_store > 0).then(|| view! {
                        <span class="sw-stored">{format!("{from_store} {}", text.tables_from_store)}</span>
                    })}
                    <span class="sw-age" data-latest=newest>{age}</span>
                    <button type="button" class="sw-button sw-chip sw-refresh" on:click=move |_| refresh.run(())>
                        {text.refresh}
                    </button>
                </p>
            }
            .into_any()
        }
        Phase::Failed(err) => view! { <ErrorBox err=err text=text/> }.into_any(),
    }
}

/// This widget's number among those alive on the page, so element ids stay
/// unique; the first keeps the plain ids. Freed when the widget goes.
struct InstanceSlot(usize);

thread_local! {
    static LIVE_SLOTS: std::cell::RefCell<std::collections::BTreeSet<usize>> =
        const { std::cell::RefCell::new(std::collections::BTreeSet::new()) };
}

impl InstanceSlot {
    fn take() -> InstanceSlot {
        LIVE_SLOTS.with_borrow_mut(|live| {
            let n = (0..).find(|n| !live.contains(n)).unwrap_or_default();
            live.insert(n);
            InstanceSlot(n)
        })
    }

    fn input_id(&self) -> String {
        match self.0 {
            0 => "sw-question".to_string(),
            n => format!("sw-question-{n}"),
        }
    }
}

impl Drop for InstanceSlot {
    fn drop(&mut self) {
        LIVE_SLOTS.with_borrow_mut(|live| live.remove(&self.0));
    }
}

/// Fetches a fresh token from the source and swaps it into the widget's
/// API, keeping everything else; schedules the next renewal.
async fn renew(
    source: StoredValue<TokenSource, LocalStorage>,
    server: StoredValue<String>,
    api: RwSignal<Option<Api>>,
    renewals: StoredValue<u32>,
) -> Result<Api, WidgetError> {
    let (Some(source_now), Some(base)) = (source.try_get_value(), server.try_get_value()) else {
        return Err(WidgetError::Unexpected("the widget was removed".into()));
    };
    let token = source_now.token(&base).await?;
    let previous = api.try_get_untracked().flatten().map(|a| a.token);
    let fresh = Api {
        base,
        token: token.clone(),
    };
    api.try_set(Some(fresh.clone()));
    // The same token again (a host that only sets an attribute): wait for a
    // 401 rather than polling as it nears expiry.
    if previous.as_deref() != Some(token.as_str()) {
        schedule_renewal(&token, source, server, api, renewals);
    }
    Ok(fresh)
}

/// Renews the token a little before it expires (a fifth of its life, at
/// most a minute, early). Only the latest schedule fires.
fn schedule_renewal(
    token: &str,
    source: StoredValue<TokenSource, LocalStorage>,
    server: StoredValue<String>,
    api: RwSignal<Option<Api>>,
    renewals: StoredValue<u32>,
) {
    let Some(exp) = token::expiry(token) else {
        return;
    };
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let life = (exp - now).max(1);
    let lead = (life / 5).clamp(1, 60);
    let delay_ms = ((life - lead).max(1) * 1000).min(i64::from(i32::MAX)) as u32;
    let Some(generation) = renewals.try_update_value(|g| {
        *g += 1;
        *g
    }) else {
        return;
    };
    spawn_local(async move {
        sleep(delay_ms).await;
        if renewals.try_get_value() != Some(generation) {
            return;
        }
        if let Err(err) = renew(source, server, api, renewals).await {
            web_sys::console::warn_1(&format!("slicewise: token renewal failed: {err}").into());
        }
    });
}

/// Dispatches a DOM event from the widget's root. It bubbles and is
/// composed, so it reaches the host element outside a shadow root.
fn emit(
    root: NodeRef<leptos::html::Section>,
    name: &str,
    fields: &[(&str, wasm_bindgen::JsValue)],
) {
    let Some(Some(el)) = root.try_get_untracked() else {
        return;
    };
    let detail = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&detail, &(*key).into(), value);
    }
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = el.dispatch_event(&event);
    }
}

fn emit_error(root: NodeRef<leptos::html::Section>, err: &WidgetError) {
    emit(
        root,
        "slicewise:error",
        &[
            ("code", err.code().into()),
            ("message", err.to_string().as_str().into()),
        ],
    );
}

/// The newest value of each table's time column, as the engine holds it:
/// when the data was last written to, whatever the extract's age.
async fn latest_record(engine: &EngineClient, catalog: &Catalog) -> Option<String> {
    let mut newest: Option<String> = None;
    for table in &catalog.tables {
        let Some(column) = table
            .time_column
            .as_ref()
            .or_else(|| table.time_columns.first())
        else {
            continue;
        };
        let sql = format!("SELECT MAX({column}) AS latest FROM {}", table.name);
        let Ok(result) = engine.query(&sql, 1).await else {
            continue;
        };
        let value = result
            .columns
            .first()
            .map(|c| c.values.text_at(0))
            .filter(|v| !v.is_empty());
        if value > newest {
            newest = value;
        }
    }
    newest
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Writes a verified load's new tables to the browser's store in the
/// background (the widget is ready meanwhile); a failure is a notice.
fn keep_in_store(to_store: Option<StoreWrite>, persist: bool, state: RwSignal<StoreState>) {
    let Some(write) = to_store else {
        state.set(if persist {
            StoreState::Unavailable
        } else {
            StoreState::Off
        });
        return;
    };
    state.set(StoreState::Saving);
    spawn_local(async move {
        let next = match write.run(now_unix()).await {
            Ok(_) => StoreState::Saved,
            Err(err) => {
                extract_tables::notice(&format!("tables are not kept in this browser: {err}"));
                StoreState::Unavailable
            }
        };
        state.try_set(next);
    });
}

fn now_unix() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Token, keys, catalog and manifest, then every table (from memory, the
/// browser's store or the network) with progress, then the worker verifies
/// and loads. The worker starts while bytes download.
async fn load_extract(
    options: &WidgetOptions,
    current: Option<Api>,
    kept: &KeptTables,
    engine: &EngineClient,
    (phase, starters, glossary): (RwSignal<Phase>, RwSignal<Vec<String>>, RwSignal<Glossary>),
) -> Result<Loaded, WidgetError> {
    let api = match current {
        Some(api) => api,
        None => Api {
            base: options.server.clone(),
            token: options.token.token(&options.server).await?,
        },
    };
    let download = async {
        let keys = api.keys().await?;
        let catalog = api.catalog().await?;
        let parsed = Catalog::from_json(&catalog).ok();
        if let Some(c) = &parsed {
            starters.set(starter_questions(c));
            glossary.set(Glossary::from_catalog(c));
        }
        let signed = api.manifest().await?;
        // Read (not trusted) for URLs and sizes; the worker checks the signature.
        let manifest: Manifest =
            serde_json::from_str(&signed.manifest).map_err(|e| WidgetError::Engine {
                code: "extract_malformed".into(),
                message: e.to_string(),
            })?;
        let total: u64 = manifest.tables.iter().map(|t| t.bytes).sum();
        if total > DEFAULT_BUDGET_BYTES {
            return Err(WidgetError::Engine {
                code: "extract_over_budget".into(),
                message: format!(
                    "the extract is {total} bytes, over the budget of {DEFAULT_BUDGET_BYTES}"
                ),
            });
        }
        let store = match options.persist {
            true => extract_tables::open_store(&api, &manifest, now_unix()).await,
            false => None,
        };
        let tables = extract_tables::gather(&api, &manifest, kept, store, |at| {
            phase.set(Phase::Downloading(at))
        })
        .await?;
        let request = LoadRequest {
            catalog,
            signed,
            keys,
            tenant: None,
            now: now_unix(),
            tables: manifest.tables.iter().map(|t| t.name.clone()).collect(),
            budget_bytes: DEFAULT_BUDGET_BYTES,
        };
        Ok((request, parsed, tables))
    };
    let (started, downloaded) = join(engine.start(), download).await;
    let (request, parsed, tables) = downloaded?;
    if matches!(&started, Err(e) if e.code() == "engine_start_failed") {
        // Seen when widgets on one page fetch the engine at once (a browser
        // cache write fails): one more try with a fresh worker.
        engine.terminate();
        engine.start().await?;
    } else {
        started?;
    }
    phase.set(Phase::Loading);
    let report = engine.load(&request, tables.buffers).await?;
    let newest = match &parsed {
        Some(c) => latest_record(engine, c).await,
        None => None,
    };
    Ok(Loaded {
        api,
        report,
        newest,
        kept: tables.kept,
        stored: tables.stored,
        to_store: tables.to_store,
    })
}

async fn run_question(
    api: &Api,
    engine: &EngineClient,
    question: &str,
    previous: Option<String>,
    busy: RwSignal<Option<&'static str>>,
    text: &'static Text,
) -> Result<Exchange, WidgetError> {
    let started = Instant::now();
    let response = api
        .ask(&AskRequest {
            question: question.to_string(),
            previous_question: previous.clone(),
        })
        .await?;
    let response = match resolve_name(response, engine, busy, text).await {
        Ok(r) => r,
        Err((response, err)) => {
            return Ok(Exchange {
                question: question.to_string(),
                previous,
                edited: false,
                response,
                result: None,
                error: Some(err),
                total_ms: started.elapsed().as_secs_f64() * 1000.0,
            })
        }
    };
    let (result, error) = match (&response.status, &response.sql) {
        (AskStatus::Answered, Some(sql)) => {
            busy.set(Some(text.running));
            match engine.query(sql, DISPLAY_LIMIT).await {
                Ok(result) => (Some(result), None),
                Err(err) => (None, Some(err)),
            }
        }
        _ => (None, None),
    };
    Ok(Exchange {
        question: question.to_string(),
        previous,
        edited: false,
        response,
        result,
        error,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// An answer about a typed name ("Giulia Thomas total balance"): the server
/// never sees rows, so each kind of row the name may be is counted here, in
/// the local data, and the kind that has it gives the SQL. No kind has it:
/// said so, never answered; several: asked which. Nothing leaves the browser.
async fn resolve_name(
    mut response: AskResponse,
    engine: &EngineClient,
    busy: RwSignal<Option<&'static str>>,
    text: &'static Text,
) -> Result<AskResponse, (AskResponse, WidgetError)> {
    let Some(names) = response.names.clone() else {
        return Ok(response);
    };
    if response.status != AskStatus::Answered {
        return Ok(response);
    }
    busy.set(Some(text.looking_up));
    let mut found = Vec::with_capacity(names.candidates.len());
    for c in &names.candidates {
        match engine.query(&c.check_sql, 1).await {
            Ok(r) => found.push(c.found(&r)),
            Err(err) => return Err((response, err)),
        }
    }
    let fill = |template: &str, cs: &[&NameCandidate]| {
        let kinds: Vec<&str> = cs.iter().map(|c| c.kind.as_str()).collect();
        template
            .replace("{name}", &names.name)
            .replace("{kinds}", &kinds.join(" / "))
    };
    match names.pick(&found) {
        NamePick::One(one) => {
            response.sql = Some(one.sql.clone());
            response.interpretation = Some(one.interpretation.clone());
            response.chart = Some(one.chart);
        }
        NamePick::Nobody => {
            response.status = AskStatus::Unsupported;
            response.sql = None;
            response.interpretation = None;
            response.chart = None;
            let all: Vec<&NameCandidate> = names.candidates.iter().collect();
            response.reason = Some(fill(text.no_such_name, &all));
        }
        NamePick::Several(several) => {
            response.status = AskStatus::Clarify;
            response.sql = None;
            response.interpretation = None;
            response.chart = None;
            response.reason = Some(fill(text.which_name, &several));
            response.options = several.iter().map(|c| c.question.clone()).collect();
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::{last_question, next_context};

    #[test]
    fn a_follow_up_extends_the_thread_and_a_question_of_its_own_starts_one() {
        let t = next_context(None, "revenue by month in 2025");
        let t = next_context(Some(&t), "only web");
        assert_eq!(t, "revenue by month in 2025\nonly web");
        assert_eq!(last_question(&t), "only web");
        // The newest five questions at most.
        let mut t = t;
        for q in ["a", "b", "c", "d"] {
            t = next_context(Some(&t), q);
        }
        assert_eq!(t, "only web\na\nb\nc\nd");
        // Never more than the server takes: the oldest go first.
        let long = "x".repeat(600);
        let t = next_context(Some(&long), &"y".repeat(600));
        assert_eq!(t, "y".repeat(600));
    }
}
