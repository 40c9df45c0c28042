//! The server-wide limit on extract builds, over real HTTP on loopback and
//! the PostgreSQL on 127.0.0.1:5432: with the `orders` table locked, builds
//! start and stay running, so what runs and what waits can be read from
//! `/metrics`. Past the limit a build waits for a slot; past the wait it is
//! refused with `builds_busy` and a `Retry-After`; identical requests
//! share one build.

use std::time::Duration;

use slicewise_core::wire::Privacy;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{metrics_app, AppConfig, Store};
use tokio::task::JoinHandle;

use crate::metrics::{inner_manifest, json, scrape, Scrape};
use crate::postgres::{seeded, PgDb};
use crate::support::{listen, TestServer};

/// A server over `db` building at most `max` extracts at once, each
/// waiting at most `wait` for a slot; its API and metrics addresses.
async fn limited_server(db: &PgDb, max: usize, wait: Duration) -> (TestServer, String, String) {
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    store.migrate_state().await.expect("migrate");
    let config = AppConfig {
        max_extract_builds: max,
        extract_build_wait: wait,
        ..AppConfig::default()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let s = TestServer::over(dir, store, config);
    db.bind(s.keys()).await;
    let api = listen(s.router.clone()).await;
    let metrics = listen(metrics_app(s.state.clone())).await;
    (s, api, metrics)
}

/// A transaction holding `orders` locked against every read until dropped.
async fn lock_orders(db: &PgDb) -> tokio_postgres::Client {
    let client = db.client().await;
    client
        .batch_execute("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock orders");
    client
}

/// A manifest request in the background: its status, the `orders` rows or
/// the error code, and the `Retry-After` header.
fn manifest(api: &str, token: String) -> JoinHandle<(u16, serde_json::Value, Option<String>)> {
    let url = format!("{api}/api/v1/extract/manifest");
    tokio::spawn(async move {
        let res = reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            // Without a limit, a build would wait for the lock as long as it is held.
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .expect("manifest");
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = json(res).await;
        let orders = inner_manifest(&body)["tables"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["name"] == "orders"))
            .map(|t| t["rows"].clone())
            .unwrap_or_else(|| body["error"].clone());
        (status, orders, retry_after)
    })
}

/// Scrapes until `done` holds, checking `always` on every scrape (a test
/// that would otherwise wait forever fails after 30 s).
async fn scrape_until(
    metrics: &str,
    always: impl Fn(&Scrape),
    done: impl Fn(&Scrape) -> bool,
) -> Scrape {
    for _ in 0..600 {
        let s = scrape(metrics).await;
        always(&s);
        if done(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the metrics never got there: {}",
        scrape(metrics).await.text
    );
}

const RUNNING: &str = "slicewise_extract_builds_running";
const WAITING: &str = "slicewise_extract_builds_waiting";
const BUILDS: &str = "slicewise_extract_builds_total";

#[tokio::test]
async fn builds_past_the_limit_wait_for_a_slot_and_identical_ones_share_a_build() {
    let db = seeded().await;
    let (s, api, metrics) = limited_server(&db, 2, Duration::from_secs(60)).await;
    let token = |t: &str| s.token(t, Privacy::Standard);
    let locked = lock_orders(&db).await;

    let first = [
        manifest(&api, token("acme")),
        manifest(&api, token("globex")),
        manifest(&api, token("initech")),
    ];
    // Two run (held by the lock), the third waits for a slot.
    let at_limit = scrape_until(
        &metrics,
        |s| assert!(s.get(RUNNING) <= 2.0, "{}", s.text),
        |s| s.get(RUNNING) == 2.0 && s.get(WAITING) == 1.0,
    )
    .await;
    assert_eq!(at_limit.get(BUILDS), 2.0);
    // The same tenant and privacy again: it joins a build, takes no slot.
    let again = [
        manifest(&api, token("acme")),
        manifest(&api, token("globex")),
        manifest(&api, token("initech")),
    ];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let joined = scrape(&metrics).await;
    assert_eq!(
        (joined.get(RUNNING), joined.get(WAITING), joined.get(BUILDS)),
        (2.0, 1.0, 2.0),
        "{}",
        joined.text
    );

    drop(locked);
    let mut answers = Vec::new();
    for request in first.into_iter().chain(again) {
        answers.push(request.await.expect("request"));
    }
    for (i, (status, orders, _)) in answers.iter().enumerate() {
        assert_eq!(*status, 200, "{orders}");
        assert_eq!(orders, &answers[i % 3].1);
    }
    let done = scrape(&metrics).await;
    assert_eq!(
        (done.get(RUNNING), done.get(WAITING), done.get(BUILDS)),
        (0.0, 0.0, 3.0),
        "{}",
        done.text
    );
}

#[tokio::test]
async fn a_build_that_waits_past_the_bound_gets_builds_busy_and_retry_after() {
    let db = seeded().await;
    let (s, api, metrics) = limited_server(&db, 1, Duration::from_millis(300)).await;
    let token = |t: &str| s.token(t, Privacy::Standard);
    let locked = lock_orders(&db).await;

    let running = manifest(&api, token("acme"));
    scrape_until(&metrics, |_| (), |s| s.get(RUNNING) == 1.0).await;
    let (status, error, retry_after) = manifest(&api, token("globex")).await.expect("request");
    assert_eq!(
        (status, error["code"].as_str(), retry_after.as_deref()),
        (503, Some("builds_busy"), Some("1")),
        "{error}"
    );
    assert_eq!(error["retry_after"], 1);
    let counted = scrape(&metrics).await;
    assert_eq!(
        (
            counted.get(RUNNING),
            counted.get(WAITING),
            counted.get(BUILDS)
        ),
        (1.0, 0.0, 1.0),
        "{}",
        counted.text
    );

    drop(locked);
    assert_eq!(running.await.expect("request").0, 200);
    // Once the slot is free, the refused request succeeds.
    assert_eq!(
        manifest(&api, token("globex")).await.expect("request").0,
        200
    );
}
