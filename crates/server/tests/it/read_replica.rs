//! A read database (`--read-database-url`): extracts are read there; the
//! tenant registry and every write (audit, quotas, keys) stay on the
//! primary. While the read database is unreachable, new extracts fail with
//! `database_unavailable` and come back with it, the server never restarted.
//!
//! Two databases on the local PostgreSQL stand for primary and replica:
//! the "replica" holds the same schema and half the orders, so where an
//! extract's rows come from is plain.

use slicewise_core::wire::Privacy;
use slicewise_server::pool::DEFAULT_POOL_SIZE as POOL;
use slicewise_server::source_pg::PgSource;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{app, metrics_app, AppConfig, AppState, DataSource, ServerKeys, Store};

use crate::metrics::{inner_manifest, json, scrape};
use crate::postgres::{audit_rows, seeded, PgDb};
use crate::support::listen;

const ORDERS_OF: &str = "SELECT COUNT(*) FROM orders WHERE tenant_id = $1";

async fn count(db: &PgDb, sql: &str, tenant: &str) -> i64 {
    db.client()
        .await
        .query_one(sql, &[&tenant])
        .await
        .expect("count")
        .get(0)
}

/// A manifest's status and its `orders` row count (0 when refused), or error code.
pub(crate) async fn orders_in_manifest(api: &str, token: &str) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new()
        .get(format!("{api}/api/v1/extract/manifest"))
        .bearer_auth(token)
        .send()
        .await
        .expect("response");
    let status = res.status().as_u16();
    let body = json(res).await;
    let orders = inner_manifest(&body)["tables"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["name"] == "orders"))
        .map(|t| t["rows"].clone())
        .unwrap_or_else(|| body["error"]["code"].clone());
    (status, orders)
}

/// An ask of the tenant's token: its status.
pub(crate) async fn ask(api: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{api}/api/v1/ask"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"question": "total revenue"}"#)
        .send()
        .await
        .expect("response")
        .status()
        .as_u16()
}

async fn ready(api: &str) -> (u16, serde_json::Value) {
    let res = reqwest::get(format!("{api}/readyz")).await.expect("readyz");
    let status = res.status().as_u16();
    (status, json(res).await)
}

#[tokio::test]
async fn extracts_read_the_read_database_and_writes_stay_on_the_primary() {
    let (primary, replica) = tokio::join!(seeded(), seeded());
    replica
        .client()
        .await
        .batch_execute("DELETE FROM orders WHERE order_id % 2 = 0")
        .await
        .expect("thin the replica out");
    let dir = tempfile::tempdir().expect("tempdir");
    let (keys, _) = ServerKeys::load_or_create(dir.path()).expect("keys");
    primary.bind(&keys).await;
    replica.bind(&keys).await;
    let store = Store::Postgres(PgStore::new(&primary.url).allow_privileged_role(true));
    store.migrate_state().await.expect("migrate");
    let pg = |url: &str| DataSource::Postgres(PgSource::new(url).allow_privileged_role(true));
    let config = AppConfig {
        static_dir: dir.path().join("dist"),
        ..AppConfig::default()
    };
    let state = AppState::with_read_source(
        pg(&primary.url),
        Some(pg(&replica.url)),
        store,
        keys.clone(),
        config,
    );
    let api = listen(app(state.clone())).await;
    let metrics = listen(metrics_app(state)).await;
    let token = |tenant: &str| {
        let now = chrono::Utc::now().timestamp();
        slicewise_server::token::mint(&keys.embed_secret, tenant, "u", Privacy::Standard, 600, now)
            .expect("mint")
            .0
    };
    let (acme, globex) = (token("acme"), token("globex"));

    // The rows are the replica's.
    let on_replica = count(&replica, ORDERS_OF, "acme").await;
    assert_ne!(on_replica, count(&primary, ORDERS_OF, "acme").await);
    assert_eq!(
        orders_in_manifest(&api, &acme).await,
        (200, on_replica.into())
    );
    // The ask's audit row is the primary's; the replica has no state tables.
    assert_eq!(ask(&api, &acme).await, 200);
    assert_eq!(audit_rows(&primary.client().await, "acme").await, 1);
    let state_tables: Option<String> = replica
        .client()
        .await
        .query_one("SELECT to_regclass('slicewise.audit')::text", &[])
        .await
        .expect("regclass")
        .get(0);
    assert_eq!(state_tables, None);
    assert_eq!(ready(&api).await.1["read_database"], "ok");
    let before = scrape(&metrics).await;
    assert!(before.get("slicewise_db_connections_opened_total{database=\"read\"}") >= 1.0);

    // The replica vanishes: a new extract fails with a stable code; the
    // cached one, asks and readiness go on.
    replica.set_reachable(false).await;
    assert_eq!(
        orders_in_manifest(&api, &globex).await,
        (503, "database_unavailable".into())
    );
    assert_eq!(
        orders_in_manifest(&api, &acme).await,
        (200, on_replica.into())
    );
    assert_eq!(ask(&api, &globex).await, 200);
    let (status, body) = ready(&api).await;
    assert_eq!(
        (status, &body["read_database"]),
        (200, &"unavailable".into())
    );

    // It comes back: the same server builds the extract from it.
    replica.set_reachable(true).await;
    let globex_rows = count(&replica, ORDERS_OF, "globex").await;
    assert_eq!(
        orders_in_manifest(&api, &globex).await,
        (200, globex_rows.into())
    );
    assert_eq!(ready(&api).await.1["read_database"], "ok");
    let after = scrape(&metrics).await;
    let failures = "slicewise_extract_build_failures_total{code=\"database_unavailable\"}";
    assert_eq!(after.get(failures), 1.0);
    assert_eq!(after.get("slicewise_extract_builds_total"), 3.0);
    assert!(after.get("slicewise_db_connect_failures_total{database=\"read\"}") >= 1.0);
    assert_eq!(
        after.get("slicewise_db_connect_failures_total{database=\"source\"}"),
        0.0
    );
    // The pool holds the read database's connections opened since it came back.
    let open = after.get("slicewise_db_connections_open{database=\"read\"}");
    assert!((1.0..=POOL as f64).contains(&open), "{}", after.text);
}
