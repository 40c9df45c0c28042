//! The LLM translator against a real OpenAI-compatible server on loopback:
//! the prompt carries the schema and no data, a refused SQL is retried with
//! the guard's error, and failures fall back to the built-in translator.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use slicewise_core::wire::{AskResponse, AskStatus, Privacy, TranslatorEngine};
use slicewise_server::{AppConfig, LlmConfig, Quotas, TranslatorKind};

use crate::support::TestServer;

/// One canned reply of the fake backend.
#[derive(Clone)]
enum Canned {
    /// A chat completion whose message content is this text.
    Content(String),
    /// An HTTP error status.
    Status(u16),
    /// A reply that comes too late.
    Sleep(Duration),
}

/// What the fake backend was asked, and what it will answer.
#[derive(Default)]
struct Fake {
    replies: Mutex<VecDeque<Canned>>,
    requests: Mutex<Vec<(HeaderMap, Value)>>,
}

impl Fake {
    fn requests(&self) -> Vec<(HeaderMap, Value)> {
        self.requests.lock().expect("lock").clone()
    }
}

async fn completions(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    fake.requests.lock().expect("lock").push((headers, body));
    let next = fake.replies.lock().expect("lock").pop_front();
    match next {
        Some(Canned::Content(text)) => Json(json!({
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        }))
        .into_response(),
        Some(Canned::Status(code)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "backend trouble",
        )
            .into_response(),
        Some(Canned::Sleep(d)) => {
            tokio::time::sleep(d).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        None => (StatusCode::INTERNAL_SERVER_ERROR, "no canned reply left").into_response(),
    }
}

/// Starts the fake backend on 127.0.0.1 with these replies; its base URL.
async fn fake_backend(replies: Vec<Canned>) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        replies: Mutex::new(replies.into()),
        requests: Mutex::default(),
    });
    let router = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), fake)
}

fn llm_server(base_url: String, timeout: Duration, quotas: Quotas) -> TestServer {
    TestServer::with_config(AppConfig {
        translator: TranslatorKind::Llm,
        llm: Some(LlmConfig {
            base_url,
            model: "test-model".into(),
            api_key: Some("sk-test".into()),
            timeout,
        }),
        today: chrono::NaiveDate::from_ymd_opt(2025, 11, 15),
        quotas,
        ..AppConfig::default()
    })
}

async fn ask(s: &TestServer, q: &str) -> AskResponse {
    let token = s.token("acme", Privacy::Standard);
    let r = s
        .post(
            "/api/v1/ask",
            Some(&token),
            json!({ "question": q }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    serde_json::from_slice(&r.body).expect("answer")
}

fn answer(sql: &str) -> Canned {
    Canned::Content(
        json!({"sql": sql, "interpretation": "Revenue by channel, completed orders", "chart": "bar"})
            .to_string(),
    )
}

const GOOD_SQL: &str = "SELECT x.channel AS channel, SUM(x.amount) AS revenue FROM orders x \
     WHERE x.status = 'completed' GROUP BY x.channel ORDER BY revenue DESC";

fn messages(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default().to_string(),
                m["content"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn prompt_holds_the_catalog_and_no_data() {
    let (url, fake) = fake_backend(vec![answer(GOOD_SQL)]).await;
    let s = llm_server(url, Duration::from_secs(5), Quotas::default());
    let a = ask(&s, "revenue per sales channel").await;
    assert_eq!(a.status, AskStatus::Answered);
    assert_eq!(a.engine, TranslatorEngine::Llm);
    assert_eq!(a.sql.as_deref(), Some(GOOD_SQL));
    assert_eq!(a.notice, None);

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let (headers, body) = &requests[0];
    assert_eq!(
        headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some("Bearer sk-test")
    );
    assert_eq!(body["model"], "test-model");
    let prompt = body.to_string();
    for schema in [
        "support_tickets",
        "signup_date",
        "orders.customer_id -> customers.customer_id",
        "SUM(amount) FROM orders WHERE status = 'completed'",
        "DATE_TRUNC",
        "revenue per sales channel",
        "Today is 2025-11-15",
    ] {
        assert!(prompt.contains(schema), "prompt lacks {schema:?}");
    }
    // No row of the tenant's data: names, e-mails, product names.
    let c = s.sql();
    let mut values: Vec<String> = Vec::new();
    for sql in [
        "SELECT name FROM customers WHERE tenant_id = 'acme' LIMIT 50",
        "SELECT email FROM customers WHERE tenant_id = 'acme' LIMIT 50",
        "SELECT name FROM products WHERE tenant_id = 'acme' LIMIT 50",
    ] {
        let mut st = c.prepare(sql).expect("prepare");
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|r| r.expect("row"));
        values.extend(rows);
    }
    assert!(values.len() > 50);
    for v in &values {
        assert!(!prompt.contains(v.as_str()), "prompt holds data: {v}");
    }

    // The audit says which engine wrote the SQL; the answer is cached.
    let engine: String = c
        .query_row("SELECT engine FROM audit WHERE id = ?1", [&a.id], |r| {
            r.get(0)
        })
        .expect("audit");
    assert_eq!(engine, "llm");
    let again = ask(&s, "Revenue per sales channel?").await;
    assert!(again.cached);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_sql_is_retried_with_the_guard_error() {
    let (url, fake) = fake_backend(vec![answer("DELETE FROM orders"), answer(GOOD_SQL)]).await;
    let s = llm_server(url, Duration::from_secs(5), Quotas::default());
    let a = ask(&s, "revenue by channel").await;
    assert_eq!(a.engine, TranslatorEngine::Llm);
    assert_eq!(a.sql.as_deref(), Some(GOOD_SQL));
    assert_eq!(a.notice, None);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let second = messages(&requests[1].1);
    assert_eq!(second.len(), 4, "system, question, bad answer, error");
    assert_eq!(second[2].0, "assistant");
    assert!(second[2].1.contains("DELETE FROM orders"));
    assert_eq!(second[3].0, "user");
    assert!(
        second[3].1.contains("refused by the SQL guard"),
        "{}",
        second[3].1
    );
}

#[tokio::test]
async fn answers_refused_three_times_fall_back_to_builtin() {
    let (url, fake) = fake_backend(vec![
        answer("SELECT secret FROM orders"),
        answer("DROP TABLE orders"),
        Canned::Content("I think the answer is 42.".into()),
    ])
    .await;
    let s = llm_server(url, Duration::from_secs(5), Quotas::default());
    let a = ask(&s, "total revenue").await;
    assert_eq!(fake.requests().len(), 3, "one ask and two retries");
    assert_eq!(a.status, AskStatus::Answered);
    assert_eq!(a.engine, TranslatorEngine::Builtin);
    assert!(a.notice.as_deref().is_some_and(|n| n.contains("built-in")));
    // A stand-in answer is not cached: the LLM gets the next ask.
    let b = ask(&s, "total revenue").await;
    assert!(!b.cached);
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn a_failing_backend_falls_back_to_builtin() {
    let (url, _fake) = fake_backend(vec![Canned::Status(500)]).await;
    let s = llm_server(url, Duration::from_secs(5), Quotas::default());
    let a = ask(&s, "revenue by month in 2025").await;
    assert_eq!(a.status, AskStatus::Answered);
    assert_eq!(a.engine, TranslatorEngine::Builtin);
    assert!(a.notice.is_some());
}

#[tokio::test]
async fn a_slow_backend_times_out_to_builtin() {
    let (url, _fake) = fake_backend(vec![Canned::Sleep(Duration::from_secs(5))]).await;
    let s = llm_server(url, Duration::from_millis(300), Quotas::default());
    let started = std::time::Instant::now();
    let a = ask(&s, "orders by channel").await;
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(a.engine, TranslatorEngine::Builtin);
    assert!(a.notice.is_some());
}

#[tokio::test]
async fn an_unreachable_backend_falls_back_to_builtin() {
    // A port nobody listens on: bound, then released.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let s = llm_server(url, Duration::from_secs(2), Quotas::default());
    let a = ask(&s, "total revenue").await;
    assert_eq!(a.engine, TranslatorEngine::Builtin);
    assert!(a.notice.is_some());
}

#[tokio::test]
async fn over_the_ai_quota_the_builtin_translator_answers() {
    let (url, fake) = fake_backend(vec![answer(GOOD_SQL)]).await;
    let quotas = Quotas {
        free_daily: Some(1),
        pro_daily: Some(1),
        enterprise_daily: Some(1),
        ..Quotas::default()
    };
    let s = llm_server(url, Duration::from_secs(5), quotas);
    let first = ask(&s, "revenue by channel").await;
    assert_eq!(first.engine, TranslatorEngine::Llm);
    let second = ask(&s, "total revenue").await;
    assert_eq!(second.engine, TranslatorEngine::Builtin);
    assert_eq!(second.status, AskStatus::Answered);
    assert!(second
        .notice
        .as_deref()
        .is_some_and(|n| n.contains("AI questions")));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn an_llm_refusal_is_passed_on() {
    let (url, _fake) = fake_backend(vec![Canned::Content(
        r#"{"status": "unsupported", "reason": "There is no weather data."}"#.into(),
    )])
    .await;
    let s = llm_server(url, Duration::from_secs(5), Quotas::default());
    let a = ask(&s, "what was the weather").await;
    assert_eq!(a.status, AskStatus::Unsupported);
    assert_eq!(a.engine, TranslatorEngine::Llm);
    assert_eq!(a.reason.as_deref(), Some("There is no weather data."));
    assert!(!a.suggestions.is_empty());
}
