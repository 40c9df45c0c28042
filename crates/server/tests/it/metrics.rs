//! `/metrics` over real HTTP on loopback, on its own listener: requests
//! counted by route template and status, extract builds, the answer cache,
//! quota refusals and audit write failures move by exactly what was done,
//! and no tenant, user, question or token appears in a scrape.

use std::collections::BTreeMap;

use slicewise_core::wire::Privacy;
use slicewise_server::pool::DEFAULT_POOL_SIZE as POOL;
use slicewise_server::{metrics_app, AppConfig, Quotas};

use crate::support::{listen, TestServer};

/// One scrape: each sample's `name{labels}` and value, and the text.
pub struct Scrape {
    pub samples: BTreeMap<String, f64>,
    pub text: String,
}

impl Scrape {
    /// The value of a sample, 0 when it is absent (a family not yet seen).
    pub fn get(&self, sample: &str) -> f64 {
        self.samples.get(sample).copied().unwrap_or_default()
    }
}

/// Scrapes `{base}/metrics`, checking the content type and the text's end.
pub async fn scrape(base: &str) -> Scrape {
    let res = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = res.text().await.expect("text");
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    let samples = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').expect("sample line");
            (name.to_string(), value.parse().expect("sample value"))
        })
        .collect();
    Scrape { samples, text }
}

/// A response's JSON body.
pub async fn json(res: reqwest::Response) -> serde_json::Value {
    let bytes = res.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("JSON body")
}

/// The manifest inside a signed manifest's JSON body.
pub fn inner_manifest(signed: &serde_json::Value) -> serde_json::Value {
    signed["manifest"]
        .as_str()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default()
}

/// What `after` has more of than `before`, for one sample.
fn moved(before: &Scrape, after: &Scrape, sample: &str) -> f64 {
    after.get(sample) - before.get(sample)
}

fn requests(route: &str, status: u16) -> String {
    format!("slicewise_http_requests_total{{route=\"{route}\",status=\"{status}\"}}")
}

async fn get(base: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("response")
}

async fn ask(base: &str, token: &str, question: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/ask"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "question": question }).to_string())
        .send()
        .await
        .expect("response")
        .status()
        .as_u16()
}

/// Makes every audit insert of a SQLite state file fail, or lets it pass again.
fn break_audit(s: &TestServer, broken: bool) {
    let sql = if broken {
        "CREATE TRIGGER audit_refused BEFORE INSERT ON audit
         BEGIN SELECT RAISE(FAIL, 'disk full'); END;"
    } else {
        "DROP TRIGGER audit_refused;"
    };
    s.sql().execute_batch(sql).expect("audit trigger");
}

#[tokio::test]
async fn counters_move_by_what_was_done_and_name_no_tenant_or_question() {
    let config = AppConfig {
        quotas: Quotas {
            free_daily: Some(3),
            burst_per_minute: 100,
            ..Quotas::default()
        },
        ..AppConfig::default()
    };
    let s = TestServer::with_config(config);
    let api = listen(s.router.clone()).await;
    let metrics = listen(metrics_app(s.state.clone())).await;
    let token = s.token("acme", Privacy::Standard);
    // globex is on the free tier.
    let asker = s.token("globex", Privacy::Standard);
    let before = scrape(&metrics).await;

    // Two manifests (one build), one table, one refused manifest.
    let manifest = get(&api, "/api/v1/extract/manifest", Some(&token)).await;
    assert_eq!(manifest.status().as_u16(), 200);
    let manifest = inner_manifest(&json(manifest).await);
    let table_url = manifest["tables"][0]["url"]
        .as_str()
        .expect("table url")
        .to_string();
    let again = get(&api, "/api/v1/extract/manifest", Some(&token)).await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(get(&api, &table_url, None).await.status().as_u16(), 200);
    let refused = get(&api, "/api/v1/extract/manifest", None).await;
    assert_eq!(refused.status().as_u16(), 401);

    // Asks: a miss, a hit, a miss whose audit row cannot be written (its
    // unit given back), a miss, then the day's quota of 3 is full.
    let question = "zorblax revenue by month";
    assert_eq!(ask(&api, &asker, question).await, 200);
    assert_eq!(ask(&api, &asker, question).await, 200);
    break_audit(&s, true);
    assert_eq!(ask(&api, &asker, "zorblax orders by channel").await, 503);
    break_audit(&s, false);
    assert_eq!(ask(&api, &asker, "zorblax customers by city").await, 200);
    assert_eq!(ask(&api, &asker, "zorblax products by price").await, 429);

    // Paths no route knows: counted under a template or `static`, never as written.
    let unknown = get(&api, "/api/v1/acme/zorblax?sig=zorblax", Some(&token)).await;
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(
        get(&api, "/acme-zorblax.html", None)
            .await
            .status()
            .as_u16(),
        404
    );
    // The API's listener does not serve the metrics.
    assert_eq!(get(&api, "/metrics", None).await.status().as_u16(), 404);

    let after = scrape(&metrics).await;
    let tables = "/api/v1/extract/tables/{tenant}/{privacy}/{table}/{file}";
    for (sample, by) in [
        (requests("/api/v1/extract/manifest", 200), 2.0),
        (requests("/api/v1/extract/manifest", 401), 1.0),
        (requests(tables, 200), 1.0),
        (requests("/api/v1/ask", 200), 3.0),
        (requests("/api/v1/ask", 503), 1.0),
        (requests("/api/v1/ask", 429), 1.0),
        (requests("/api/{*rest}", 404), 1.0),
        (requests("static", 404), 2.0),
        (
            "slicewise_http_request_duration_seconds_count{route=\"/api/v1/ask\"}".into(),
            5.0,
        ),
        ("slicewise_extract_builds_total".into(), 1.0),
        ("slicewise_extract_build_duration_seconds_count".into(), 1.0),
        (
            "slicewise_answer_cache_lookups_total{result=\"hit\"}".into(),
            1.0,
        ),
        (
            "slicewise_answer_cache_lookups_total{result=\"miss\"}".into(),
            3.0,
        ),
        (
            "slicewise_quota_refusals_total{scope=\"ask\",window=\"day\"}".into(),
            1.0,
        ),
        ("slicewise_audit_write_failures_total".into(), 1.0),
    ] {
        assert_eq!(moved(&before, &after, &sample), by, "{sample}");
    }
    assert_eq!(after.get("slicewise_extract_builds_running"), 0.0);
    // The state file's connections are pooled: a few opened for all those
    // requests, and kept open between them.
    let opened = "slicewise_db_connections_opened_total{database=\"state\"}";
    let open = after.get("slicewise_db_connections_open{database=\"state\"}");
    assert!(moved(&before, &after, opened) >= 1.0, "{}", after.text);
    assert!(after.get(opened) <= POOL as f64, "{}", after.text);
    assert!((1.0..=POOL as f64).contains(&open), "{}", after.text);
    assert!(!after
        .samples
        .keys()
        .any(|k| k.starts_with("slicewise_extract_build_failures_total")));

    // Nothing of a tenant, user, question, token or signature.
    let sig = crate::support::query_param(&table_url, "sig");
    for secret in [
        "acme",
        "globex",
        "user-1",
        "zorblax",
        token.as_str(),
        asker.as_str(),
        sig.as_str(),
    ] {
        assert!(
            !after.text.contains(secret),
            "{secret:?} in\n{}",
            after.text
        );
    }
}

#[tokio::test]
async fn the_metrics_listener_serves_nothing_else() {
    let s = TestServer::new();
    let metrics = listen(metrics_app(s.state.clone())).await;
    for path in ["/api/v1/keys", "/healthz", "/index.html"] {
        assert_eq!(get(&metrics, path, None).await.status().as_u16(), 404);
    }
    let post = reqwest::Client::new()
        .post(format!("{metrics}/metrics"))
        .send()
        .await
        .expect("response");
    assert_eq!(post.status().as_u16(), 405);
}
