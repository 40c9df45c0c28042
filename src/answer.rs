//! One answer on screen: the interpretation, a chart, the table and the SQL;
//! or the choices of a clarify answer; or an error that says what to do.

use leptos::prelude::*;
use slicewise_core::wire::AskStatus;
use slicewise_core::QueryResult;

use crate::chart;
use crate::format::format_number;
use crate::i18n::{Locale, Text};
use crate::error::WidgetError;
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
        _ => text.error_generic.into(),
    }
}

/// An exchange as the user sees it.
#[component]
pub fn AnswerView(
    exchange: Exchange,
    text: &'static Text,
    locale: Locale,
    on_ask: Callback<String>,
) -> impl IntoView {
    let response = exchange.response.clone();
    let choices = |items: Vec<String>, heading: &'static str| {
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
                                    <button class="sw-button sw-chip" type="button" on:click=move |_| on_ask.run(q.clone())>
                                        {label}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    };
    if let Some(err) = exchange.error.clone() {
        return view! {
            <article class="sw-answer">
                <p class="sw-question-echo">{exchange.question.clone()}</p>
                <div class="sw-error" role="alert" data-code=err.code().to_string()>
                    <strong>{error_message(&err, text)}</strong>
                    <span class="sw-error-detail">{err.to_string()}</span>
                </div>
                {response.sql.clone().map(|sql| view! { <details class="sw-sql"><summary>{text.show_sql}</summary><pre><code>{sql}</code></pre></details> })}
            </article>
        }
        .into_any();
    }
    match response.status {
        AskStatus::Clarify => view! {
            <article class="sw-answer sw-clarify" data-status="clarify">
                <p class="sw-question-echo">{exchange.question.clone()}</p>
                <p class="sw-reason">{response.reason.clone().unwrap_or_default()}</p>
                {choices(response.options.clone(), text.did_you_mean)}
            </article>
        }
        .into_any(),
        AskStatus::Unsupported => view! {
            <article class="sw-answer sw-unsupported" data-status="unsupported">
                <p class="sw-question-echo">{exchange.question.clone()}</p>
                <p class="sw-reason">{response.reason.clone().unwrap_or_default()}</p>
                {choices(response.suggestions.clone(), text.try_instead)}
            </article>
        }
        .into_any(),
        AskStatus::Answered => {
            let result = exchange.result.clone().unwrap_or_default();
            let kind = chart::choose(response.chart, &result);
            let timing = format!(
                "{} {} — {} {} ms",
                result.rows,
                text.rows,
                text.ran_in,
                format_number(result.elapsed_ms, locale)
            );
            view! {
                <article class="sw-answer" data-status="answered" data-chart=format!("{kind:?}").to_lowercase()>
                    <p class="sw-question-echo">{exchange.question.clone()}</p>
                    <p class="sw-interpretation">{response.interpretation.clone().unwrap_or_default()}</p>
                    <p class="sw-timing">{timing}</p>
                    <figure class="sw-chart-wrap" aria-label=text.chart_label>
                        {chart::render(kind, &result, locale)}
                    </figure>
                    {result.truncated.then(|| view! { <p class="sw-notice">{text.truncated}</p> })}
                    <ResultTable result=result text=text locale=locale/>
                    <details class="sw-sql">
                        <summary>{text.show_sql}</summary>
                        <pre><code>{response.sql.clone().unwrap_or_default()}</code></pre>
                    </details>
                    {(!response.suggestions.is_empty()).then(|| choices(response.suggestions.clone(), text.try_instead))}
                </article>
            }
            .into_any()
        }
    }
}

/// The result as a paged table.
#[component]
fn ResultTable(result: QueryResult, text: &'static Text, locale: Locale) -> impl IntoView {
    let page = RwSignal::new(0usize);
    let pages = result.rows.div_ceil(PAGE_SIZE).max(1);
    let headers: Vec<_> = result
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.is_numeric()))
        .collect();
    let result = StoredValue::new(result);
    let rows = move || {
        let p = page.get();
        result.with_value(|r| {
            let start = p * PAGE_SIZE;
            let end = (start + PAGE_SIZE).min(r.rows);
            (start..end)
                .map(|row| {
                    r.columns
                        .iter()
                        .map(|c| {
                            let value = match c.values.number_at(row) {
                                Some(n) if c.is_numeric() => format_number(n, locale),
                                _ => c.values.text_at(row),
                            };
                            (value, c.is_numeric())
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="sw-table-wrap">
            <table class="sw-table" aria-label=text.table_label>
                <thead>
                    <tr>
                        {headers
                            .into_iter()
                            .map(|(name, numeric)| view! { <th scope="col" class:sw-num=numeric>{name}</th> })
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
                    <button class="sw-button" type="button" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>{text.previous_page}</button>
                    <span>{move || format!("{} {} / {}", text.page, page.get() + 1, pages)}</span>
                    <button class="sw-button" type="button" disabled=move || page.get() + 1 >= pages on:click=move |_| page.update(|p| *p += 1)>{text.next_page}</button>
                </nav>
            })}
        </div>
    }
}
