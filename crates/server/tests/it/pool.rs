//! Connection reuse over real HTTP on loopback: many asks open no more
//! connections than the pools hold, on SQLite and PostgreSQL; one pooled
//! PostgreSQL connection serves tenants in turn and each read sees only its
//! own tenant; a connection comes back from the pool unbound, outside any
//! transaction, as the role it was opened as.

use slicewise_core::wire::Privacy;
use slicewise_server::metrics::DbConnections;
use slicewise_server::pg::tenant_mac;
use slicewise_server::pool::{checkout, pg_pool, sqlite_pool};
use slicewise_server::source_pg::PgSource;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{metrics_app, AppConfig, DataSource, Quotas, SqliteStore, Store};

use crate::metrics::{inner_manifest, json, scrape, Scrape};
use crate::postgres::{seeded, PgDb};
use crate::support::{listen, seeded_copy, TestServer};

/// Asks sent by each test, some at once.
const ASKS: usize = 50;
/// Asks in flight at once.
const IN_FLIGHT: usize = 10;

/// No quota in the way of the asks.
fn unlimited() -> AppConfig {
    AppConfig {
        quotas: Quotas {
            free_daily: None,
            pro_daily: None,
            burst_per_minute: 10_000,
            ..Quotas::default()
        },
        ..AppConfig::default()
    }
}

/// Sends [`ASKS`] asks of `tokens` in turn, [`IN_FLIGHT`] at a time: their statuses.
async fn ask_many(api: &str, tokens: &[String]) -> Vec<u16> {
    let client = reqwest::Client::new();
    let questions = ["total revenue", "revenue by month", "orders by channel"];
    let mut statuses = Vec::new();
    for wave in 0..ASKS / IN_FLIGHT {
        let asks = (0..IN_FLIGHT).map(|i| {
            let n = wave * IN_FLIGHT + i;
            client
                .post(format!("{api}/api/v1/ask"))
                .bearer_auth(&tokens[n % tokens.len()])
                .header("content-type", "application/json")
                .body(serde_json::json!({ "question": questions[n % questions.len()] }).to_string())
                .send()
        });
        for res in futures_util::future::join_all(asks).await {
            statuses.push(res.expect("response").status().as_u16());
        }
    }
    statuses
}

fn opened(s: &Scrape, database: &str) -> f64 {
    s.get(&format!(
        "slicewise_db_connections_opened_total{{database=\"{database}\"}}"
    ))
}

fn open(s: &Scrape, database: &str) -> f64 {
    s.get(&format!(
        "slicewise_db_connections_open{{database=\"{database}\"}}"
    ))
}

#[tokio::test]
async fn fifty_asks_on_sqlite_open_no_more_connections_than_the_pools_hold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded_copy(dir.path());
    let store = Store::Sqlite(SqliteStore::new(&db).with_pool_size(2));
    let s = TestServer::over(dir, store, unlimited());
    let api = listen(s.router.clone()).await;
    let metrics = listen(metrics_app(s.state.clone())).await;
    let tokens = [
        s.token("acme", Privacy::Standard),
        s.token("globex", Privacy::Standard),
    ];

    let statuses = ask_many(&api, &tokens).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let after = scrape(&metrics).await;
    // Each ask takes a quota unit, writes an audit row and reads the
    // tenant's tier: three connections an ask without a pool.
    for database in ["state", "source"] {
        assert!(opened(&after, database) >= 1.0, "{}", after.text);
        assert!(
            opened(&after, database) <= 2.0,
            "{database}: {}",
            after.text
        );
        assert!(open(&after, database) <= 2.0, "{database}: {}", after.text);
    }
    let audited: i64 = s
        .sql()
        .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
        .expect("audit rows");
    assert_eq!(audited, ASKS as i64);
}

/// A server over `db` whose state and source pools hold `pool` connections
/// each, rebuilding extracts on every request when `rebuild`.
async fn pg_pooled_server(db: &PgDb, pool: usize, rebuild: bool) -> TestServer {
    let store = Store::Postgres(
        PgStore::new(&db.url)
            .allow_privileged_role(true)
            .with_pool_size(pool),
    );
    store.migrate_state().await.expect("migrate");
    let dir = tempfile::tempdir().expect("tempdir");
    let (keys, _) =
        slicewise_server::ServerKeys::load_or_create(&dir.path().join("data")).expect("keys");
    db.bind(&keys).await;
    let source = DataSource::Postgres(
        PgSource::new(&db.url)
            .allow_privileged_role(true)
            .with_pool_size(pool),
    );
    let mut config = unlimited();
    if rebuild {
        config.extract_ttl = std::time::Duration::ZERO;
    }
    TestServer::with_source(dir, source, store, keys, config)
}

/// Client connections to `db` other than the asking one.
async fn backends(db: &PgDb) -> i64 {
    db.admin()
        .await
        .query_one(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            &[&db.name()],
        )
        .await
        .expect("pg_stat_activity")
        .get(0)
}

#[tokio::test]
async fn fifty_asks_on_postgres_open_no_more_connections_than_the_pools_hold() {
    let db = seeded().await;
    let s = pg_pooled_server(&db, 2, false).await;
    let api = listen(s.router.clone()).await;
    let metrics = listen(metrics_app(s.state.clone())).await;
    let tokens = [
        s.token("acme", Privacy::Standard),
        s.token("globex", Privacy::Standard),
    ];

    let statuses = ask_many(&api, &tokens).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let after = scrape(&metrics).await;
    for database in ["state", "source"] {
        assert!(opened(&after, database) >= 1.0, "{}", after.text);
        assert!(
            opened(&after, database) <= 2.0,
            "{database}: {}",
            after.text
        );
    }
    // What PostgreSQL sees: the two pools' connections, still open.
    let seen = backends(&db).await;
    assert!((2..=4).contains(&seen), "{seen} connections");
    let audited: i64 = db
        .client()
        .await
        .query_one("SELECT COUNT(*) FROM slicewise.audit", &[])
        .await
        .expect("audit")
        .get(0);
    assert_eq!(audited, ASKS as i64);
}

/// A tenant's orders, counted by the database's owner.
async fn orders_of(db: &PgDb, tenant: &str) -> i64 {
    db.client()
        .await
        .query_one(
            "SELECT COUNT(*) FROM orders WHERE tenant_id = $1",
            &[&tenant],
        )
        .await
        .expect("count")
        .get(0)
}

#[tokio::test]
async fn one_pooled_connection_serves_tenants_in_turn_each_read_bound_to_its_own() {
    let db = seeded().await;
    // One connection per pool, and every manifest builds its extract anew.
    let s = pg_pooled_server(&db, 1, true).await;
    let api = listen(s.router.clone()).await;
    let metrics = listen(metrics_app(s.state.clone())).await;
    let tenants = ["acme", "globex", "initech"];
    let mut want = Vec::new();
    for t in tenants {
        want.push(orders_of(&db, t).await);
    }
    assert!(want[0] != want[1] && want[1] != want[2], "{want:?}");
    let client = reqwest::Client::new();

    for round in 0..4 {
        for (tenant, rows) in tenants.iter().zip(&want) {
            let token = s.token(tenant, Privacy::Standard);
            let res = client
                .get(format!("{api}/api/v1/extract/manifest"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("manifest");
            assert_eq!(res.status().as_u16(), 200);
            let manifest = inner_manifest(&json(res).await);
            assert_eq!(manifest["tenant"], *tenant, "round {round}");
            let orders = manifest["tables"]
                .as_array()
                .and_then(|ts| ts.iter().find(|t| t["name"] == "orders"))
                .map(|t| t["rows"].as_i64())
                .unwrap_or_default();
            assert_eq!(orders, Some(*rows), "{tenant}, round {round}");
            // An ask between reads: the tier lookup binds its tenant too.
            assert_eq!(ask_one(&api, &token).await, 200);
        }
    }
    let after = scrape(&metrics).await;
    assert_eq!(opened(&after, "source"), 1.0, "{}", after.text);
    assert_eq!(after.get("slicewise_extract_builds_total"), 12.0);
}

async fn ask_one(api: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{api}/api/v1/ask"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"question": "total revenue"}"#)
        .send()
        .await
        .expect("ask")
        .status()
        .as_u16()
}

/// The backend's pid, the tenant bound, and the role, as a connection sees them.
async fn session(client: &tokio_postgres::Client) -> (i32, Option<String>, String) {
    let row = client
        .query_one(
            "SELECT pg_backend_pid(), slicewise_rls.tenant(), current_user::text",
            &[],
        )
        .await
        .expect("session");
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn a_pooled_connection_comes_back_unbound_outside_any_transaction() {
    let db = seeded().await;
    let key = [5u8; 32];
    db.client()
        .await
        .batch_execute(&slicewise_server::pg_setup::binding_key_sql(&key))
        .await
        .expect("binding key");
    let connections = DbConnections::default();
    // A development setup: the privileged login works as the read role.
    let pool = pg_pool(&db.url, true, 1, connections.clone());

    // A binding set for the whole session, by hand, not by a transaction.
    let first = checkout(&pool).await.expect("connection");
    first
        .batch_execute(&format!(
            "SET slicewise.tenant = 'acme'; SET slicewise.tenant_mac = '{}'",
            tenant_mac(&key, "acme")
        ))
        .await
        .expect("bind by hand");
    let (pid, bound, role) = session(&first).await;
    assert_eq!(
        (bound.as_deref(), role.as_str()),
        (Some("acme"), "slicewise_app")
    );
    drop(first);

    // The same connection, its binding gone, its role kept.
    let second = checkout(&pool).await.expect("connection");
    assert_eq!(session(&second).await, (pid, None, "slicewise_app".into()));
    // Left inside a transaction: not handed out again.
    second.batch_execute("BEGIN").await.expect("begin");
    drop(second);
    let third = checkout(&pool).await.expect("connection");
    let (other, bound, _) = session(&third).await;
    assert_ne!(other, pid);
    assert_eq!(bound, None);
    assert_eq!(connections.opened_total(), 2);
    assert_eq!(connections.open(), 1);
}

#[tokio::test]
async fn a_sqlite_connection_left_in_a_transaction_is_not_handed_out_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded_copy(dir.path());
    let connections = DbConnections::default();
    let pool = sqlite_pool(&db, false, 1, connections.clone());
    let first = checkout(&pool).await.expect("connection");
    drop(first);
    let second = checkout(&pool).await.expect("connection");
    assert_eq!(connections.opened_total(), 1);
    second.execute_batch("BEGIN").expect("begin");
    drop(second);
    let third = checkout(&pool).await.expect("connection");
    assert!(third.is_autocommit());
    assert_eq!(connections.opened_total(), 2);
    // Moved away: the pooled connection is let go, and none can be opened.
    drop(third);
    let aside = db.with_extension("aside");
    std::fs::rename(&db, &aside).expect("move away");
    assert!(checkout(&pool).await.is_err());
    assert_eq!(connections.open(), 0);
    std::fs::rename(&aside, &db).expect("move back");
    assert!(checkout(&pool).await.is_ok());
}
