//! Slicewise's own state tables come from versioned migrations: each applied
//! once, state files of the code before them still open, and on PostgreSQL
//! they live in the `slicewise` schema, never among the vendor's tables.

use std::path::Path;

use slicewise_server::store::AuditFilter;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{SqliteStore, Store};

use crate::postgres::PgDb;

/// Versions in a SQLite file's migration history.
fn sqlite_history(path: &Path) -> Vec<i64> {
    let c = rusqlite::Connection::open(path).expect("open");
    let mut stmt = c
        .prepare("SELECT version FROM refinery_schema_history ORDER BY version")
        .expect("history table");
    let versions = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<Vec<i64>, _>>()
        .expect("versions");
    versions
}

#[tokio::test]
async fn a_fresh_state_file_is_migrated_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state").join("state.db");
    let store = SqliteStore::create(&path).expect("create");
    let once = sqlite_history(&path);
    assert_eq!(once.first(), Some(&1), "{once:?}");
    SqliteStore::create(&path).expect("create again");
    Store::Sqlite(store)
        .migrate_state()
        .await
        .expect("migrate again");
    assert_eq!(sqlite_history(&path), once);
    // Readers never wait on a writer: the file is in WAL mode.
    let c = rusqlite::Connection::open(&path).expect("open");
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode.to_lowercase(), "wal");
}

#[tokio::test]
async fn a_state_file_from_before_migrations_opens_with_its_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/state/sqlite_before_migrations.sql");
    rusqlite::Connection::open(&path)
        .expect("create")
        .execute_batch(&std::fs::read_to_string(fixture).expect("fixture"))
        .expect("old tables");
    let store = Store::Sqlite(SqliteStore::create(&path).expect("migrate"));
    assert_eq!(sqlite_history(&path).first(), Some(&1));
    let audit = store
        .list_audit(AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].question, "total revenue");
    let keys = store.published_keys(0).await.expect("keys");
    assert_eq!(keys.keys.len(), 1);
}

#[tokio::test]
async fn postgres_state_lives_in_its_own_schema_beside_the_vendors_tables() {
    let db = PgDb::create().await;
    let c = db.client().await;
    // The vendor already has a table called audit: not Slicewise's.
    c.batch_execute("CREATE TABLE public.audit (entry_id BIGINT PRIMARY KEY, note TEXT)")
        .await
        .expect("vendor table");
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    // Replicas starting together: one migrates, the other waits its turn.
    let (a, b) = tokio::join!(store.migrate_state(), store.migrate_state());
    a.expect("migrate");
    b.expect("migrate beside it");
    store.migrate_state().await.expect("migrate again");
    let schemas: Vec<(String, String)> = c
        .query(
            "SELECT table_schema::text, table_name::text FROM information_schema.tables
             WHERE table_name IN ('audit', 'feedback', 'signing_keys', 'refinery_schema_history')
             ORDER BY 1, 2",
            &[],
        )
        .await
        .expect("tables")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let expected: Vec<(String, String)> = [
        ("public", "audit"),
        ("slicewise", "audit"),
        ("slicewise", "feedback"),
        ("slicewise", "refinery_schema_history"),
        ("slicewise", "signing_keys"),
    ]
    .iter()
    .map(|(s, t)| (s.to_string(), t.to_string()))
    .collect();
    assert_eq!(schemas, expected);
    let applied: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM slicewise.refinery_schema_history WHERE version = 1",
            &[],
        )
        .await
        .expect("history")
        .get(0);
    assert_eq!(applied, 1, "applied once");
    // The server, as the app role, writes and reads its own audit.
    let record = slicewise_server::store::AuditRecord {
        id: "a-1".into(),
        tenant: "acme".into(),
        sub: "u".into(),
        question: "total revenue".into(),
        status: "ok".into(),
        sql: None,
        engine: "builtin".into(),
        cached: false,
        counted: true,
        latency_ms: 1.0,
        tables: "orders".into(),
        columns: "amount".into(),
        privacy: "standard".into(),
        created_at: 1,
    };
    store.record_audit(record.clone()).await.expect("record");
    let listed = store
        .list_audit(AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(listed, [record]);
    let vendor_rows: i64 = c
        .query_one("SELECT COUNT(*) FROM public.audit", &[])
        .await
        .expect("vendor audit")
        .get(0);
    assert_eq!(vendor_rows, 0, "the vendor's table is untouched");
}
