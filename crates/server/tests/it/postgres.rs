//! PostgreSQL: row-level security holds, each tenant's extract equals its
//! rows, and both sources give byte-identical extracts. Needs the PostgreSQL on
//! 127.0.0.1:5432 (trust auth); a test fails, never skips, without it.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use slicewise_core::wire::{AskResponse, AskStatus, Privacy};
use slicewise_core::Catalog;
use slicewise_server::pg::tenant_mac;
use slicewise_server::pg_setup::{binding_key_sql, setup_sql};
use slicewise_server::scratch_db::{ScratchDb, LOCAL_ADMIN_URL};
use slicewise_server::source_pg::PgSource;
use slicewise_server::source_sqlite::SqliteSource;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{app, build_extract, AppConfig, AppState, DataSource, ServerKeys, Store};
use tokio_postgres::NoTls;
use tower::ServiceExt;

use crate::support::{i64_column, read_stream, string_column, TestServer, SCALE};

/// How many asks of `tenant` a state database audited.
pub async fn audit_rows(client: &tokio_postgres::Client, tenant: &str) -> i64 {
    client
        .query_one(
            "SELECT COUNT(*) FROM slicewise.audit WHERE tenant = $1",
            &[&tenant],
        )
        .await
        .expect("audit")
        .get(0)
}

/// A database of its own, dropped when the test ends (even on panic).
pub struct PgDb {
    scratch: ScratchDb,
    pub url: String,
}

impl PgDb {
    pub async fn create() -> PgDb {
        let scratch = ScratchDb::create(LOCAL_ADMIN_URL, "slicewise_test")
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 for these tests");
        PgDb {
            url: scratch.url().to_string(),
            scratch,
        }
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }

    /// A connection to the database the test's was created from.
    pub async fn admin(&self) -> tokio_postgres::Client {
        connect(self.scratch.admin_url()).await
    }

    pub fn name(&self) -> &str {
        self.scratch.name()
    }

    /// Refuses new connections and cuts the open ones (a database
    /// restarting, a replica gone), or lets them in again.
    pub async fn set_reachable(&self, reachable: bool) {
        let admin = self.admin().await;
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {} ALLOW_CONNECTIONS {reachable}",
                self.name()
            ))
            .await
            .expect("allow connections");
        if !reachable {
            admin
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                    &[&self.name()],
                )
                .await
                .expect("terminate");
        }
    }

    /// Stores a server's tenant binding key, as `slicewise pg setup` does.
    pub async fn bind(&self, keys: &ServerKeys) {
        self.client()
            .await
            .batch_execute(&binding_key_sql(&keys.tenant_binding_key))
            .await
            .expect("binding key");
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

/// The demo data with row-level security, as `slicewise seed-demo` writes it.
pub async fn seeded() -> PgDb {
    let db = PgDb::create().await;
    assert!(slicewise_demo_seed::seed_postgres(&db.url, SCALE, false)
        .await
        .expect("seed postgres"));
    db.client()
        .await
        .batch_execute(&setup_sql(&Catalog::demo()))
        .await
        .expect("row-level security");
    db
}

#[tokio::test]
async fn row_level_security_scopes_every_read_to_the_bound_tenant() {
    let db = seeded().await;
    let key = [7u8; 32];
    db.client()
        .await
        .batch_execute(&binding_key_sql(&key))
        .await
        .expect("key");
    let mut c = db.client().await;
    c.batch_execute("SET ROLE slicewise_app")
        .await
        .expect("set role");
    // No tenant set: nothing visible, whatever the query says.
    let n: i64 = c
        .query_one("SELECT COUNT(*) FROM orders", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);
    let tx = c.transaction().await.expect("tx");
    tx.execute(
        "SELECT set_config('slicewise.tenant', $1, true), set_config('slicewise.tenant_mac', $2, true)",
        &[&"globex", &tenant_mac(&key, "globex")],
    )
    .await
    .expect("bind tenant");
    let tenants: Vec<String> = tx
        .query("SELECT DISTINCT tenant_id FROM orders", &[])
        .await
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tenants, ["globex"]);
    let visible: Vec<String> = tx
        .query("SELECT tenant_id FROM tenants", &[])
        .await
        .expect("tenants")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(visible, ["globex"]);
    // The app role cannot write tenant data either.
    assert!(tx.execute("DELETE FROM orders", &[]).await.is_err());
    drop(tx);
    // Set locally: gone after the transaction.
    let n: i64 = c
        .query_one("SELECT COUNT(*) FROM customers", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn both_sources_hold_the_same_rows() {
    let db = seeded().await;
    let sqlite = TestServer::new();
    db.bind(sqlite.keys()).await;
    let pg = DataSource::Postgres(
        PgSource::new(&db.url)
            .allow_privileged_role(true)
            .with_binding_key(&sqlite.keys().tenant_binding_key),
    );
    let lite = DataSource::Sqlite(SqliteSource::new(&sqlite.db));
    let catalog = Catalog::demo();
    // The generic builder over either database gives the same bytes.
    for tenant in ["acme", "globex", "oscorp"] {
        for privacy in [Privacy::Standard, Privacy::Gdpr] {
            let a = build_extract(&catalog, &pg, tenant, privacy, b"root")
                .await
                .expect("pg extract");
            let b = build_extract(&catalog, &lite, tenant, privacy, b"root")
                .await
                .expect("sqlite extract");
            assert!(a.tables.iter().map(|t| t.rows).sum::<u64>() > 0, "{tenant}");
            assert_eq!(a, b, "{tenant} {privacy:?}");
        }
    }
}

#[tokio::test]
async fn each_tenant_extract_over_http_equals_its_rows() {
    let db = seeded().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (keys, _) = ServerKeys::load_or_create(dir.path()).expect("keys");
    db.bind(&keys).await;
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    store.migrate_state().await.expect("migrate");
    let state = AppState::new(store, keys.clone(), AppConfig::default());
    let router = app(state);
    let admin = db.client().await;
    let key_set = keys.key_set();
    let mut seen = BTreeSet::new();
    let get = |uri: String, token: Option<String>| {
        let router = router.clone();
        async move {
            let mut b = axum::http::Request::get(uri);
            if let Some(t) = token {
                b = b.header("authorization", format!("Bearer {t}"));
            }
            let res = router
                .oneshot(b.body(axum::body::Body::empty()).expect("req"))
                .await
                .expect("infallible");
            let status = res.status();
            let body = http_body_util::BodyExt::collect(res.into_body())
                .await
                .expect("body")
                .to_bytes();
            (status, body)
        }
    };
    for tenant in ["acme", "umbrella", "soylent"] {
        for privacy in [Privacy::Standard, Privacy::Gdpr] {
            let now = chrono::Utc::now().timestamp();
            let (token, _) =
                slicewise_server::token::mint(&keys.embed_secret, tenant, "u", privacy, 600, now)
                    .expect("mint");
            let (status, body) = get("/api/v1/extract/manifest".into(), Some(token)).await;
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
            let signed: slicewise_core::SignedManifest =
                serde_json::from_slice(&body).expect("json");
            let m = signed
                .verify(&key_set, Some(tenant), now)
                .expect("verifies");
            for (table, id) in [
                ("orders", "order_id"),
                ("customers", "customer_id"),
                ("products", "product_id"),
                ("support_tickets", "ticket_id"),
            ] {
                let (status, bytes) = get(m.table(table).expect("entry").url.clone(), None).await;
                assert_eq!(status, StatusCode::OK);
                m.check_table(table, &bytes).expect("hash");
                let batches = read_stream(&bytes);
                let got = i64_column(&batches, id);
                let consent = match (privacy, table) {
                    (Privacy::Gdpr, "customers") => " AND privacy_consent",
                    (Privacy::Gdpr, "orders" | "support_tickets") => {
                        " AND customer_id IN (SELECT customer_id FROM customers WHERE privacy_consent)"
                    }
                    _ => "",
                };
                let want: Vec<i64> = admin
                    .query(
                        &format!(
                            "SELECT {id} FROM {table} WHERE tenant_id = $1{consent} ORDER BY {id}"
                        ),
                        &[&tenant],
                    )
                    .await
                    .expect("ids")
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                assert!(!want.is_empty());
                assert_eq!(got, want, "{tenant} {table} {privacy:?}");
                if privacy == Privacy::Standard {
                    for i in &got {
                        assert!(seen.insert((table, *i)), "{table} {i} in two tenants");
                    }
                }
                if privacy == Privacy::Gdpr && table == "customers" {
                    assert!(string_column(&batches, "email")
                        .iter()
                        .all(|e| e.ends_with("@example.invalid")));
                }
            }
        }
    }
}

#[tokio::test]
async fn asks_are_audited_in_postgres() {
    let db = seeded().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (keys, _) = ServerKeys::load_or_create(dir.path()).expect("keys");
    db.bind(&keys).await;
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    store.migrate_state().await.expect("migrate");
    let router = app(AppState::new(store, keys.clone(), AppConfig::default()));
    let now = chrono::Utc::now().timestamp();
    let (token, _) =
        slicewise_server::token::mint(&keys.embed_secret, "hooli", "u", Privacy::High, 600, now)
            .expect("mint");
    let req = axum::http::Request::post("/api/v1/ask")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::from(r#"{"question":"total revenue"}"#))
        .expect("req");
    let res = router.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .expect("body")
        .to_bytes();
    let a: AskResponse = serde_json::from_slice(&body).expect("answer");
    assert_eq!(a.status, AskStatus::Answered);
    let c = db.client().await;
    let row = c
        .query_one(
            "SELECT tenant, privacy, status FROM slicewise.audit WHERE id = $1",
            &[&a.id],
        )
        .await
        .expect("audit row");
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2)
        ),
        (
            "hooli".to_string(),
            "high".to_string(),
            "answered".to_string()
        )
    );
    let fb = serde_json::json!({"answer_id": a.id, "helpful": false}).to_string();
    let req = axum::http::Request::post("/api/v1/feedback")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::from(fb))
        .expect("req");
    let res = router.oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

/// A server over a seeded PostgreSQL database of its own.
pub async fn pg_server(db: &PgDb) -> TestServer {
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    store.migrate_state().await.expect("migrate");
    let dir = tempfile::tempdir().expect("tempdir");
    let s = TestServer::over(dir, store, AppConfig::default());
    db.bind(s.keys()).await;
    s
}

#[tokio::test]
async fn database_down_is_503_and_recovers() {
    let db = seeded().await;
    let s = pg_server(&db).await;
    let token = s.token("acme", Privacy::Standard);
    // What a restarting database looks like: open connections cut, new ones refused.
    db.set_reachable(false).await;
    for r in [
        s.get("/api/v1/extract/manifest", Some(&token)).await,
        s.post(
            "/api/v1/ask",
            Some(&token),
            r#"{"question":"total revenue"}"#,
        )
        .await,
        s.get("/api/v1/keys", None).await,
    ] {
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
        );
        let text = r.text().to_lowercase();
        assert!(
            !text.contains("postgres") && !text.contains(db.name()),
            "{text}"
        );
    }
    db.set_reachable(true).await;
    let r = s.get("/api/v1/extract/manifest", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = s
        .post(
            "/api/v1/ask",
            Some(&token),
            r#"{"question":"total revenue"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}
