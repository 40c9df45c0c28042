//! One answer on screen: the interpretation, insights, a chart (switchable),
//! the table (sortable, paged), the SQL (editable), export and feedback; or
//! the choices of a clarify answer; or an error that says what to do.

use leptos::prelude::*;
use slicewise_core::wire::AskStatus;
use slicewise_core::QueryResult;

use crate::chart::{self, ChartInput, ChartKind};
use crate::columns::{Glossary, Reading, Role};
use crate::error::WidgetError;
use crate::export::{download, download_png, file_stem, standalone_svg};
use crate::format::{format_number, format_value, period_text};
use crate::i18n::{Locale, Text};
use crate::insight::insights;
use crate::saved::{SaveAnswer, SavedAnswers};
use crate::widget::Exchange;

/// Rows per page of the result table.
const PAGE_SIZE: usize = 50;

/// What to tell people about an error, and what to do about it.
pub fn error_message(err: &WidgetError, text: &Text) -> String {
    match err.code() {
        "token_expired" | "token_invalid" | "token_missing" => text.error_token_expired.into(),
        "offline" => text.error_offline.into(),
        "quota_exceeded" => match err {
            WidgetError::Api {
                retry_after: Some(s),
                ..
            } => format!("{} ({} s)", text.error_quota, s),
            _ => text.error_quota.into(),
        },
        code if code.starts_with("extract_") => text.error_tampered.into(),
        "engine_out_of_memory" => text.error_out_of_memory.into(),
        "engine_crashed" => text.error_engine_crashed.into(),
        "query_timeout" => text.error_query_timeout.into(),
        "saved_not_found" => text.error_saved_not_found.into(),
        "saved_not_owner" => text.error_saved_not_owner.into(),
        "saved_limit_reached" => text.error_saved_limit.into(),
        "saved_title_invalid" => text.error_saved_title.into(),
        code if code.starts_with("sql_") => text.error_sql_refused.into(),
        _ => text.error_generic.into(),
    }
}

/// An error box with its code for hosts and tests.
#[component]
pub fn ErrorBox(err: WidgetError, text: &'static Text) -> impl IntoView {
    view! {
        <div class="sw-error" role="alert" data-code=err.code().to_string()>
            <strong>{error_message(&err, text)}</strong>
            <span class="sw-error-detail">{err.to_string()}</span>
        </div>
    }
}

/// What an answer can ask the widget to do.
#[derive(Clone, Copy)]
pub struct AnswerActions {
    /// Ask another question (a suggestion or a clarify option).
    pub ask: Callback<String>,
    /// Run edited SQL (it passes the guard in the engine).
    pub run_sql: Callback<String>,
    /// Thumbs up or down, with an optional comment.
    pub feedback: Callback<(bool, Option<String>)>,
}

fn choices(items: Vec<String>, heading: &'static str, ask: Callback<String>) -> impl IntoView {
    view! {
        <div class="sw-choices">
            <p>{heading}</p>
            <ul>
                {items
                    .into_iter()
                    .map(|q| {
                        let label = q.clone();
                        view! {
                            <li>
                                <button class="sw-button sw-chip" type="button" on:click=move |_| ask.run(q.clone())>
                                    {label}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// The two periods an interpretation line compares, current first
/// ("Revenue, 2025 vs 2024, completed orders" -> 2025, 2024).
// For answers without `compared` (LLM, edited SQL): the built-in line is
// written from the same plan as the SQL, current period first.
pub fn compared_periods(interpretation: &str) -> Option<(String, String)> {
    interpretation.split(", ").find_map(|clause| {
        let (current, previous) = clause.split_once(" vs ")?;
        Some((current.trim().to_string(), previous.trim().to_string()))
    })
}

/// The context line of an answer that followed up on another question.
fn context_line(previous: Option<String>, text: &'static Text) -> impl IntoView {
    previous.map(|q| {
        view! {
            <p class="sw-answer-context">{text.following_up} " " <q>{q}</q></p>
        }
    })
}

/// An exchange as the user sees it.
#[component]
pub fn AnswerView(
    exchange: Exchange,
    text: &'static Text,
    locale: Locale,
    actions: AnswerActions,
    /// What the catalog says of result columns; none: read from the SQL.
    #[prop(optional)]
    glossary: Glossary,
) -> impl IntoView {
    let response = exchange.response.clone();
    let echo = if exchange.edited {
        text.edited_sql.to_string()
    } else {
        exchange.question.clone()
    };
    // The context the server says it used; a question it read on its own
    // shows none, even when a previous question was sent.
    let context = context_line(
        response.follows.clone().or_else(|| {
            exchange
                .error
                .is_some()
                .then(|| exchange.previous.clone())
                .flatten()
        }),
        text,
    );
    match (exchange.error.clone(), response.status) {
        (Some(err), _) => view! {
            <article class="sw-answer" data-status="error">
                {context}
                <p class="sw-question-echo">{echo}</p>
                <ErrorBox err=err text=text/>
                {response.sql.clone().map(|sql| view! { <SqlEditor sql=sql text=text run=actions.run_sql/> })}
            </article>
        }
        .into_any(),
        (None, AskStatus::Clarify) => view! {
            <article class="sw-answer sw-clarify" data-status="clarify">
                {context}
                <p class="sw-question-echo">{echo}</p>
                <p class="sw-reason">{response.reason.clone().unwrap_or_default()}</p>
                {choices(response.options.clone(), text.did_you_mean, actions.ask)}
            </article>
        }
        .into_any(),
        (None, AskStatus::Unsupported) => view! {
            <article class="sw-answer sw-unsupported" data-status="unsupported">
                {context}
                <p class="sw-question-echo">{echo}</p>
                <p class="sw-reason">{response.reason.clone().unwrap_or_default()}</p>
                {choices(response.suggestions.clone(), text.try_instead, actions.ask)}
            </article>
        }
        .into_any(),
        (None, AskStatus::Answered) => {
            let result = exchange.result.clone().unwrap_or_default();
            let sql = response.sql.clone().unwrap_or_default();
            let reading = Reading::of(&result, &glossary, &sql);
            let chosen = chart::choose(response.chart, &result, &reading);
            let kind = RwSignal::new(chosen);
            let notes = insights(&result, &reading, locale, text);
            // The server names the compared periods; an answer from elsewhere
            // (an edited or LLM answer) only has its interpretation line.
            let periods = response
                .compared
                .clone()
                .map(|[current, other]| (current, other))
                .or_else(|| response.interpretation.as_deref().and_then(compared_periods));
            let alternatives = chosen.alternatives(reading.ordered_axis());
            let timing = format!(
                "{} {} — {} {} ms{}",
                result.rows,
                text.rows,
                text.ran_in,
                format_number(result.elapsed_ms, locale),
                if response.cached { format!(" · {}", text.cached) } else { String::new() }
            );
            let stem = file_stem(&exchange.question);
            let csv = result.to_csv();
            // Saving keeps the chart on screen at the moment of saving.
            let save = use_context::<SavedAnswers>().filter(|_| !sql.is_empty()).map(|saved| view! {
                <SaveAnswer saved=saved question=exchange.question.clone() sql=sql.clone()
                    chart=Signal::derive(move || kind.get().saved()) text=text/>
            });
            let switchable = !alternatives.is_empty();
            let chart_ref = NodeRef::<leptos::html::Figure>::new();
            let csv_name = format!("{stem}.csv");
            let svg_name = format!("{stem}.svg");
            let png_name = format!("{stem}.png");
            view! {
                <article class="sw-answer" data-status="answered" data-chart=move || kind.get().name()>
                    {context}
                    <p class="sw-question-echo">{echo}</p>
                    <p class="sw-interpretation">
                        {response.interpretation.clone().unwrap_or_default()}
                        {response.as_of.clone().map(|d| view! {
                            <span class="sw-as-of">" · " {text.as_of} " " <time datetime=d.clone()>{d.clone()}</time></span>
                        })}
                    </p>
                    {response.notice.clone().map(|n| view! { <p class="sw-notice">{n}</p> })}
                    <p class="sw-timing">{timing}</p>
                    {(!notes.is_empty()).then(|| view! {
                        <ul class="sw-insights">{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                    })}
                    <div class="sw-toolbar">
                        {switchable.then(|| view! {
                            <div class="sw-segmented" role="group" aria-label=text.chart_type>
                                {alternatives
                                    .iter()
                                    .map(|k| (*k, kind_label(*k, text)))
                                    .map(|(k, label)| view! {
                                        <button type="button" class="sw-button sw-seg" data-kind=k.name()
                                            aria-pressed=move || (kind.get() == k).to_string()
                                            on:click=move |_| kind.set(k)>{label}</button>
                                    })
                                    .collect_view()}
                            </div>
                        })}
                        <button type="button" class="sw-button sw-export-csv" on:click=move |_| download(&csv_name, "text/csv", &csv)>{text.export_csv}</button>
                        {move || (kind.get() != ChartKind::None).then(|| {
                            let (svg_name, png_name) = (svg_name.clone(), png_name.clone());
                            view! {
                                <button type="button" class="sw-button sw-export-svg" on:click=move |_| {
                                    if let Some(svg) = chart_svg(chart_ref) {
                                        download(&svg_name, "image/svg+xml", &standalone_svg(&svg));
                                    }
                                }>{text.export_svg}</button>
                                <button type="button" class="sw-button sw-export-png" on:click=move |_| {
                                    if let Some(svg) = chart_svg(chart_ref) {
                                        download_png(&png_name, &svg);
                                    }
                                }>{text.export_png}</button>
                            }
                        })}
                    </div>
                    {save}
                    <ChartFigure result=result.clone() reading=reading.clone() periods=periods kind=kind
                        figure_ref=chart_ref text=text locale=locale/>
                    {result.truncated.then(|| view! { <p class="sw-notice sw-truncated">{text.truncated}</p> })}
                    <ResultTable result=result reading=reading text=text locale=locale/>
                    <SqlEditor sql=sql text=text run=actions.run_sql/>
                    <Feedback text=text send=actions.feedback/>
                    {(!response.suggestions.is_empty()).then(|| choices(response.suggestions.clone(), text.try_instead, actions.ask))}
                </article>
            }
            .into_any()
        }
    }
}

/// A result's chart in the kind of the moment: an answer's (switchable)
/// or a dashboard tile's.
#[component]
pub fn ChartFigure(
    result: QueryResult,
    reading: Reading,
    /// (current, previous) period names of a comparison.
    periods: Option<(String, String)>,
    #[prop(into)] kind: Signal<ChartKind>,
    /// The figure, for exports.
    figure_ref: NodeRef<leptos::html::Figure>,
    text: &'static Text,
    locale: Locale,
) -> impl IntoView {
    let result = StoredValue::new(result);
    let reading = StoredValue::new(reading);
    let periods = StoredValue::new(periods);
    view! {
        <figure class="sw-chart-wrap" aria-label=text.chart_label node_ref=figure_ref>
            {move || result.with_value(|r| reading.with_value(|reading| {
                let input = ChartInput { result: r, reading, periods: periods.get_value() };
                chart::render(kind.get(), &input, locale, text)
            }))}
        </figure>
    }
}

/// The switcher's name for a chart kind.
fn kind_label(kind: ChartKind, text: &'static Text) -> &'static str {
    match kind {
        ChartKind::Line => text.chart_line,
        ChartKind::Bar => text.chart_bar,
        ChartKind::Grouped => text.chart_grouped,
        ChartKind::Stacked => text.chart_stacked,
        ChartKind::Share => text.chart_share,
        ChartKind::BigNumber | ChartKind::None => text.chart_table,
    }
}

/// The chart's `<svg>` on screen, if one is drawn.
fn chart_svg(chart_ref: NodeRef<leptos::html::Figure>) -> Option<web_sys::Element> {
    chart_ref
        .get_untracked()
        .and_then(|f| f.query_selector("svg").ok().flatten())
}

/// The SQL, shown and editable; edited SQL runs through the same guard.
#[component]
fn SqlEditor(sql: String, text: &'static Text, run: Callback<String>) -> impl IntoView {
    let draft = RwSignal::new(sql.clone());
    view! {
        <details class="sw-sql">
            <summary>{text.show_sql}</summary>
            <pre><code>{sql}</code></pre>
            <label class="sw-sr-only" for="sw-sql-edit">{text.edit_sql_label}</label>
            <textarea id="sw-sql-edit" class="sw-sql-edit" rows="5" spellcheck="false"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
            <button type="button" class="sw-button sw-run-sql" on:click=move |_| run.run(draft.get_untracked())>{text.run_sql}</button>
        </details>
    }
}

/// Thumbs up or down with an optional comment; sends the answer's id only.
#[component]
fn Feedback(text: &'static Text, send: Callback<(bool, Option<String>)>) -> impl IntoView {
    let sent = RwSignal::new(false);
    let comment = RwSignal::new(String::new());
    let choose = move |helpful: bool| {
        let c = comment.get_untracked();
        send.run((helpful, (!c.trim().is_empty()).then_some(c)));
        sent.set(true);
    };
    view! {
        <div class="sw-feedback">
            <Show when=move || !sent.get() fallback=move || view! { <span class="sw-feedback-done" role="status">{text.feedback_thanks}</span> }>
                <input class="sw-input sw-feedback-comment" type="text" maxlength="500"
                    aria-label=text.feedback_comment placeholder=text.feedback_comment
                    on:input=move |ev| comment.set(event_target_value(&ev))/>
                <button type="button" class="sw-button sw-thumb-up" aria-label=text.helpful on:click=move |_| choose(true)>"👍"</button>
                <button type="button" class="sw-button sw-thumb-down" aria-label=text.not_helpful on:click=move |_| choose(false)>"👎"</button>
            </Show>
        </div>
    }
}

/// The row order after sorting by `column` (stable; nulls last).
pub fn sorted_rows(result: &QueryResult, column: usize, descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..result.rows).collect();
    let Some(col) = result.columns.get(column) else {
        return order;
    };
    order.sort_by(|&a, &b| {
        let ordering = match (col.values.number_at(a), col.values.number_at(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => col.values.text_at(a).cmp(&col.values.text_at(b)),
        };
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    order
}

/// One table cell as shown, and whether it is a figure: a period in its
/// calendar spelling, a measure in its catalog format.
fn cell(
    c: &slicewise_core::result::ResultColumn,
    row: usize,
    i: usize,
    reading: &Reading,
    locale: Locale,
) -> (String, bool) {
    match (reading.roles.get(i), c.values.number_at(row)) {
        (Some(Role::Period { .. } | Role::Key), _) => (period_text(&c.values, row), false),
        (Some(Role::Measure(m)), Some(n)) => (format_value(n, m.format, locale), true),
        (Some(Role::Share), Some(n)) => (format_number(n, locale), true),
        (_, Some(n)) if c.is_numeric() => (format_number(n, locale), true),
        _ => (c.values.text_at(row), false),
    }
}

/// The result as a sortable, paged table.
#[component]
pub fn ResultTable(
    result: QueryResult,
    reading: Reading,
    text: &'static Text,
    locale: Locale,
) -> impl IntoView {
    let page = RwSignal::new(0usize);
    let sort = RwSignal::new(None::<(usize, bool)>);
    let pages = result.rows.div_ceil(PAGE_SIZE).max(1);
    // Figures align right; a period, even a numeric year, reads as text.
    let figure = |i: usize| matches!(reading.roles.get(i), Some(Role::Measure(_) | Role::Share));
    let headers: Vec<_> = result
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.name.clone(), figure(i) && c.is_numeric()))
        .collect();
    let reading = StoredValue::new(reading);
    let result = StoredValue::new(result);
    let order = Memo::new(move |_| {
        result.with_value(|r| match sort.get() {
            Some((column, descending)) => sorted_rows(r, column, descending),
            None => (0..r.rows).collect(),
        })
    });
    let rows = move || {
        let p = page.get();
        order.with(|order| {
            result.with_value(|r| {
                order
                    .iter()
                    .skip(p * PAGE_SIZE)
                    .take(PAGE_SIZE)
                    .map(|&row| {
                        r.columns
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                reading.with_value(|reading| cell(c, row, i, reading, locale))
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    view! {
        <div class="sw-table-wrap">
            <table class="sw-table" aria-label=text.table_label>
                <thead>
                    <tr>
                        {headers
                            .into_iter()
                            .map(|(i, name, numeric)| {
                                let aria = move || match sort.get() {
                                    Some((c, true)) if c == i => "descending",
                                    Some((c, false)) if c == i => "ascending",
                                    _ => "none",
                                };
                                view! {
                                    <th scope="col" class:sw-num=numeric aria-sort=aria>
                                        <button type="button" class="sw-sort" title=format!("{} {name}", text.sort_by)
                                            on:click=move |_| {
                                                sort.update(|s| {
                                                    *s = match *s {
                                                        Some((c, false)) if c == i => Some((i, true)),
                                                        Some((c, true)) if c == i => None,
                                                        _ => Some((i, false)),
                                                    }
                                                });
                                                page.set(0);
                                            }>{name.clone()}</button>
                                    </th>
                                }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        rows()
                            .into_iter()
                            .map(|cells| {
                                view! {
                                    <tr>
                                        {cells
                                            .into_iter()
                                            .map(|(v, numeric)| view! { <td class:sw-num=numeric>{v}</td> })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            {(pages > 1).then(|| view! {
                <nav class="sw-pager" aria-label=text.page>
                    <button class="sw-button sw-prev" type="button" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>{text.previous_page}</button>
                    <span class="sw-page">{move || format!("{} {} / {}", text.page, page.get() + 1, pages)}</span>
                    <button class="sw-button sw-next" type="button" disabled=move || { page.get() + 1 >= pages } on:click=move |_| page.update(|p| *p += 1)>{text.next_page}</button>
                </nav>
            })}
        </div>
    }
}
