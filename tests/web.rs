//! The widget's components in headless Chromium (wasm-bindgen-test): mount,
//! act, assert on the DOM.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use slicewise_core::result::{ColumnValues, ResultColumn, ResultType};
use slicewise_core::wire::{AskResponse, AskStatus, ChartHint, TranslatorEngine};
use slicewise_core::QueryResult;
use slicewise_widget::answer::{AnswerActions, AnswerView};
use slicewise_widget::i18n::Locale;
use slicewise_widget::saved::SavedAnswers;
use slicewise_widget::widget::Exchange;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn answered(chart: ChartHint, labels: &[&str], values: &[f64]) -> Exchange {
    Exchange {
        question: "revenue by channel".into(),
        previous: None,
        edited: false,
        response: AskResponse {
            id: "a1".into(),
            status: AskStatus::Answered,
            sql: Some("SELECT channel, SUM(amount) AS revenue FROM orders GROUP BY channel".into()),
            interpretation: Some("Revenue by channel, completed orders".into()),
            chart: Some(chart),
            options: vec![],
            reason: None,
            suggestions: vec!["revenue by month".into()],
            engine: TranslatorEngine::Builtin,
            cached: false,
            notice: None,
            as_of: None,
            follows: None,
            compared: None,
            names: None,
        },
        result: Some(QueryResult {
            columns: vec![
                ResultColumn {
                    name: "channel".into(),
                    result_type: ResultType::Text,
                    values: ColumnValues::Text(
                        labels.iter().map(|l| Some(l.to_string())).collect(),
                    ),
                },
                ResultColumn {
                    name: "revenue".into(),
                    result_type: ResultType::Float,
                    values: ColumnValues::Number(values.iter().map(|v| Some(*v)).collect()),
                },
            ],
            rows: labels.len(),
            total_rows: labels.len(),
            truncated: false,
            elapsed_ms: 3.5,
        }),
        error: None,
        total_ms: 10.0,
    }
}

fn mount(exchange: Exchange) -> web_sys::HtmlElement {
    mount_with(exchange, false)
}

/// Mounts an answer; `saving`: inside a widget that saves answers.
fn mount_with(exchange: Exchange, saving: bool) -> web_sys::HtmlElement {
    let document = document();
    let root: web_sys::HtmlElement = document
        .create_element("div")
        .expect("div")
        .unchecked_into();
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let actions = AnswerActions {
        ask: Callback::new(|_: String| {}),
        run_sql: Callback::new(|_: String| {}),
        feedback: Callback::new(|_: (bool, Option<String>)| {}),
    };
    let text = Locale::En.text();
    leptos::mount::mount_to(root.clone(), move || {
        if saving {
            provide_context(SavedAnswers::new(RwSignal::new(None)));
        }
        view! { <AnswerView exchange=exchange.clone() text=text locale=Locale::En actions=actions/> }
    })
    .forget();
    root
}

/// Lets Leptos run its effects and the browser update the DOM.
async fn tick() {
    slicewise_widget::engine_client::sleep(0).await;
}

fn texts(root: &web_sys::HtmlElement, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).expect("selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

#[wasm_bindgen_test]
async fn an_answer_shows_bars_a_table_and_sorts_on_click() {
    let root = mount(answered(
        ChartHint::Bar,
        &["web", "store", "mobile"],
        &[50.0, 20.0, 30.0],
    ));
    tick().await;
    assert_eq!(
        texts(&root, ".sw-table tbody td:first-child"),
        ["web", "store", "mobile"]
    );
    assert_eq!(
        root.query_selector_all("svg.sw-bar rect")
            .expect("rects")
            .length(),
        3
    );
    assert!(texts(&root, ".sw-insights li")[0].contains("web"));

    let sort: web_sys::HtmlElement = root
        .query_selector(".sw-table th:nth-child(2) .sw-sort")
        .expect("query")
        .expect("sort button")
        .unchecked_into();
    sort.click();
    tick().await;
    assert_eq!(
        texts(&root, ".sw-table tbody td:first-child"),
        ["store", "mobile", "web"]
    );
    sort.click();
    tick().await;
    assert_eq!(
        texts(&root, ".sw-table tbody td:first-child"),
        ["web", "mobile", "store"]
    );
}

#[wasm_bindgen_test]
async fn a_single_figure_is_a_big_number() {
    let mut exchange = answered(ChartHint::BigNumber, &["x"], &[1234.5]);
    if let Some(result) = exchange.result.as_mut() {
        result.columns.remove(0);
    }
    let root = mount(exchange);
    tick().await;
    assert_eq!(texts(&root, ".sw-big-value"), ["1,234.5"]);
}

#[wasm_bindgen_test]
async fn an_answer_offers_to_save_itself_with_the_question_as_title() {
    let plain = mount(answered(ChartHint::Bar, &["web"], &[1.0]));
    tick().await;
    assert!(
        plain
            .query_selector(".sw-save-open")
            .expect("query")
            .is_none(),
        "no saving outside a widget"
    );

    let root = mount_with(
        answered(ChartHint::Bar, &["web", "store"], &[2.0, 1.0]),
        true,
    );
    tick().await;
    let open: web_sys::HtmlElement = root
        .query_selector(".sw-save-open")
        .expect("query")
        .expect("a save button")
        .unchecked_into();
    assert_eq!(
        open.get_attribute("aria-label").as_deref(),
        Some("Save this answer")
    );
    assert!(open.query_selector("svg.sw-icon").expect("query").is_some());
    open.click();
    tick().await;
    let title: web_sys::HtmlInputElement = root
        .query_selector(".sw-save-title")
        .expect("query")
        .expect("a title field")
        .unchecked_into();
    assert_eq!(title.value(), "revenue by channel");
    let cancel: web_sys::HtmlElement = root
        .query_selector(".sw-save-cancel")
        .expect("query")
        .expect("cancel")
        .unchecked_into();
    cancel.click();
    tick().await;
    assert!(root
        .query_selector(".sw-save-form")
        .expect("query")
        .is_none());
}
