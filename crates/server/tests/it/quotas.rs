//! Quotas under concurrency: asks reserve their unit in the state database
//! before any work, so a burst spread over replicas (over real HTTP on
//! loopback) never passes the per-minute or the per-day limit, on SQLite
//! and on PostgreSQL.

use std::collections::BTreeMap;

use futures_util::future::join_all;
use slicewise_core::wire::Privacy;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{AppConfig, Quotas, SqliteStore, Store};

use crate::postgres::{audit_rows, pg_server, seeded};
use crate::support::{listen, TestServer};

/// A second replica of `first`: the same secrets and shared state, its own
/// caches and router.
fn replica(first: &TestServer, store: Store, config: AppConfig) -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = first.state.source().clone();
    TestServer::with_source(dir, source, store, first.keys().clone(), config)
}

/// Fires `n` distinct questions at once, spread over the replicas' URLs;
/// returns the HTTP statuses.
async fn burst(urls: &[String], token: &str, n: usize) -> Vec<u16> {
    let client = reqwest::Client::new();
    let asks = (0..n).map(|i| {
        let url = format!("{}/api/v1/ask", urls[i % urls.len()]);
        let req = client
            .post(url)
            .bearer_auth(token)
            .body(serde_json::json!({ "question": format!("total revenue {i}") }).to_string());
        async move { req.send().await.expect("response").status().as_u16() }
    });
    join_all(asks).await
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Asks audited per clock minute for a tenant, from the admin audit.
async fn audited_per_minute(s: &TestServer, tenant: &str) -> BTreeMap<i64, usize> {
    let admin = s.keys().admin_key.clone();
    let r = s
        .get(
            &format!("/api/v1/admin/audit?tenant={tenant}&limit=100000"),
            Some(&admin),
        )
        .await;
    let mut minutes = BTreeMap::new();
    for record in r.json()["records"].as_array().expect("records") {
        let at = record["created_at"].as_i64().expect("created_at");
        *minutes.entry(at.div_euclid(60_000)).or_default() += 1;
    }
    minutes
}

fn daily(limit: u64) -> AppConfig {
    AppConfig {
        quotas: Quotas {
            free_daily: Some(limit),
            burst_per_minute: 1_000,
            ..Quotas::default()
        },
        ..AppConfig::default()
    }
}

/// Two replicas over `store`, listening on loopback.
async fn two_replicas(
    first: TestServer,
    store: Store,
    config: AppConfig,
) -> (TestServer, Vec<String>) {
    let second = replica(&first, store, config);
    let urls = vec![
        listen(first.router.clone()).await,
        listen(second.router.clone()).await,
    ];
    (first, urls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_over_two_replicas_never_passes_the_daily_quota() {
    let config = daily(7);
    let first = TestServer::with_config(config.clone());
    let store = Store::Sqlite(SqliteStore::new(&first.db));
    let (s, urls) = two_replicas(first, store, config).await;
    // globex is on the free tier.
    let token = s.token("globex", Privacy::Standard);
    let statuses = burst(&urls, &token, 40).await;
    assert_eq!(count(&statuses, 200), 7, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 33, "{statuses:?}");
    let audited: usize = audited_per_minute(&s, "globex").await.values().sum();
    assert_eq!(audited, 7, "one audit row per answer, none per refusal");
    let admin = s.keys().admin_key.clone();
    let usage = s.get("/api/v1/admin/usage", Some(&admin)).await.json();
    assert_eq!(usage["globex"]["questions"], 7);
    assert_eq!(usage["globex"]["quota_rejections"], 33);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_over_two_replicas_never_passes_the_minute_limit() {
    let config = AppConfig {
        quotas: Quotas {
            burst_per_minute: 5,
            ..Quotas::default()
        },
        ..AppConfig::default()
    };
    let first = TestServer::with_config(config.clone());
    let store = Store::Sqlite(SqliteStore::new(&first.db));
    let (s, urls) = two_replicas(first, store, config).await;
    // acme is on the enterprise tier: no daily limit, only the burst one.
    let token = s.token("acme", Privacy::Standard);
    let statuses = burst(&urls, &token, 30).await;
    let minutes = audited_per_minute(&s, "acme").await;
    assert!(minutes.values().all(|n| *n <= 5), "{minutes:?}");
    let answered = count(&statuses, 200);
    assert!(answered >= 5, "{statuses:?}");
    assert_eq!(answered, minutes.values().sum::<usize>());
    assert_eq!(answered + count(&statuses, 429), 30, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_replicas_share_one_daily_quota() {
    let db = seeded().await;
    let config = daily(6);
    let mut first = pg_server(&db).await;
    // pg_server uses the default quotas: rebuild it with ours, same secrets.
    first = replica(
        &first,
        Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true)),
        config.clone(),
    );
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    let (s, urls) = two_replicas(first, store, config).await;
    let token = s.token("globex", Privacy::Standard);
    let statuses = burst(&urls, &token, 30).await;
    assert_eq!(count(&statuses, 200), 6, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 24, "{statuses:?}");
    let audited = audit_rows(&db.client().await, "globex").await;
    assert_eq!(audited, 6);
}
