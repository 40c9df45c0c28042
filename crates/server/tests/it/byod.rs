//! Bring your own data: a schema nobody on the team has seen
//! (`tests/fixtures/clinic/schema.sql`) is drafted by `catalog draft`,
//! edited, checked against the database and served, from SQLite and from
//! PostgreSQL, with no code change; tenants stay apart.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use slicewise_core::catalog_file::{parse_with_warnings, Severity};
use slicewise_core::wire::{AskResponse, AskStatus, Privacy};
use slicewise_core::Catalog;
use slicewise_server::catalog_check::against_database;
use slicewise_server::catalog_draft::draft_database;
use slicewise_server::scratch_db::{ScratchDb, LOCAL_ADMIN_URL};
use slicewise_server::source_pg::PgSource;
use slicewise_server::source_sqlite::SqliteSource;
use slicewise_server::{AppConfig, DataSource, ServerKeys, SqliteStore, Store};

use crate::support::{i64_column, read_stream, TestServer};

const SCHEMA: &str = include_str!("../fixtures/clinic/schema.sql");
const PRACTICES: [&str; 3] = ["p-north", "p-south", "p-east"];
const SPECIES: [&str; 3] = ["cat", "dog", "rabbit"];
const REASONS: [&str; 4] = ["checkup", "vaccination", "surgery", "dental"];

/// Deterministic rows: (practice, visit_no, fee_cents) of every visit, and the INSERTs.
fn rows() -> (Vec<(String, i64, i64)>, String) {
    let mut sql = String::new();
    let mut visits = Vec::new();
    for (p, practice) in PRACTICES.iter().enumerate() {
        sql += &format!(
            "INSERT INTO practices VALUES ('{practice}', 'Practice {p}', '{}');\n",
            ["free", "pro", "enterprise"][p]
        );
    }
    let mut visit_no = 0;
    for pet in 0..60i64 {
        let p = (pet % 3) as usize;
        let practice = PRACTICES[p];
        sql += &format!(
            "INSERT INTO pets VALUES ({}, '{practice}', 'Pet {}', 'owner{pet}@example.org', '{}', '2020-0{}-1{}', '2024-0{}-0{} 10:1{}:00', {});\n",
            1000 + pet,
            pet / 2, // two pets share each name
            SPECIES[(pet / 3 % 3) as usize],
            1 + pet % 9,
            pet % 10,
            1 + pet % 9,
            1 + pet % 9,
            pet % 10,
            if pet % 4 == 0 { "FALSE" } else { "TRUE" }
        );
        for v in 0..(3 + pet % 4) {
            visit_no += 1;
            let fee = 2_500 + 1_250 * ((pet + v) % 7);
            sql += &format!(
                "INSERT INTO visits VALUES ({visit_no}, '{practice}', {}, '2025-0{}-1{} 09:30:00', '2025-0{}-2{}', {fee}, '{}');\n",
                1000 + pet,
                1 + (pet + v) % 9,
                v % 10,
                1 + (pet + v) % 9,
                v % 8,
                REASONS[((pet + v) % 4) as usize]
            );
            visits.push((practice.to_string(), visit_no, fee));
        }
    }
    (visits, sql)
}

/// The draft, as a vendor would edit it: review notes resolved.
fn edited(draft: &str) -> String {
    draft
        .lines()
        .filter(|l| !l.trim_start().starts_with("review ="))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn serve_unseen_schema(source: DataSource, pg_admin: Option<&str>) {
    let (visits, _) = rows();
    let draft = draft_database(&source, &[], None, "public")
        .await
        .expect("draft");
    let (catalog, warnings) =
        parse_with_warnings(&draft, "draft.toml").unwrap_or_else(|e| panic!("{e}\n{draft}"));
    assert!(warnings.iter().all(|w| w.severity == Severity::Warning));
    let pets = catalog.table("pets").expect("pets drafted");
    assert_eq!(pets.tenant_column.as_deref(), Some("practice_ref"));
    assert!(pets.column("owner_email").is_some_and(|c| c.personal));
    let fee = catalog
        .table("visits")
        .and_then(|t| t.column("fee_cents"))
        .expect("fee");
    assert_eq!(fee.scale, Some(100.0));
    assert_eq!(
        catalog.tenants.as_ref().map(|t| t.source.as_str()),
        Some("practices")
    );
    assert!(catalog.relationship("visits", "pets").is_some(), "{draft}");

    let text = edited(&draft);
    let (catalog, warnings) = parse_with_warnings(&text, "clinic.toml").expect("edited");
    assert!(warnings.is_empty(), "{warnings:?}");
    if let Some(admin) = pg_admin {
        let c = slicewise_server::pg::connect(admin).await.expect("admin");
        c.batch_execute(&slicewise_server::pg_setup::setup_sql(&catalog))
            .await
            .expect("pg setup");
    }
    let problems = against_database(&catalog, &source, &text, "clinic.toml").await;
    assert!(problems.is_empty(), "{problems:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let state_path = dir.path().join("state.db");
    rusqlite::Connection::open(&state_path).expect("state file");
    let state = Store::Sqlite(SqliteStore::new(&state_path));
    state.migrate_state().await.expect("state tables");
    let (keys, _) = ServerKeys::load_or_create(&dir.path().join("data")).expect("keys");
    if let Some(admin) = pg_admin {
        slicewise_server::pg::connect(admin)
            .await
            .expect("admin")
            .batch_execute(&slicewise_server::pg_setup::binding_key_sql(
                &keys.tenant_binding_key,
            ))
            .await
            .expect("binding key");
    }
    let config = AppConfig {
        catalog: catalog.clone(),
        today: chrono::NaiveDate::from_ymd_opt(2025, 11, 15),
        ..AppConfig::default()
    };
    let s = TestServer::with_source(dir, source, state, keys, config);
    let mut seen = BTreeSet::new();
    for practice in PRACTICES {
        let token = s.token(practice, Privacy::Standard);
        let m = s
            .manifest(&token)
            .await
            .verify(
                &s.key_set().await,
                Some(practice),
                chrono::Utc::now().timestamp(),
            )
            .expect("manifest verifies");
        assert_eq!(m.schema_hash, catalog.public().schema_hash());
        let table = m.table("visits").expect("visits");
        let body = s.get(&table.url, None).await;
        assert_eq!(body.status, StatusCode::OK);
        m.check_table("visits", &body.body).expect("signed hash");
        let batches = read_stream(&body.body);
        let got: Vec<i64> = i64_column(&batches, "visit_no");
        let want: Vec<i64> = visits
            .iter()
            .filter(|v| v.0 == practice)
            .map(|v| v.1)
            .collect();
        assert_eq!(got, want, "{practice} gets exactly its visits");
        assert!(batches[0].schema().field_with_name("practice_ref").is_err());
        // Money in cents arrives in currency units.
        use arrow_array::cast::AsArray;
        use arrow_array::types::Float64Type;
        let fees: Vec<f64> = batches
            .iter()
            .flat_map(|b| {
                b.column_by_name("fee_cents")
                    .expect("fee")
                    .as_primitive::<Float64Type>()
                    .values()
                    .to_vec()
            })
            .collect();
        let cents: Vec<f64> = visits
            .iter()
            .filter(|v| v.0 == practice)
            .map(|v| v.2 as f64 / 100.0)
            .collect();
        assert_eq!(fees, cents);
        for id in got {
            assert!(seen.insert(id), "visit {id} served to two practices");
        }
        // The built-in translator answers over a catalog it has never seen.
        for q in ["how many visits", "visits by reason"] {
            let r = s
                .post(
                    "/api/v1/ask",
                    Some(&token),
                    serde_json::json!({ "question": q }).to_string(),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let a: AskResponse = serde_json::from_slice(&r.body).expect("ask json");
            assert_eq!(a.status, AskStatus::Answered, "{q}: {}", r.text());
            assert!(a.sql.unwrap_or_default().contains("visits"), "{q}");
        }
    }
    assert_eq!(seen.len(), visits.len());
    // A practice the registry does not list gets nothing.
    let stranger = s.token("p-west", Privacy::Standard);
    let r = s.get("/api/v1/extract/manifest", Some(&stranger)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "token_unknown_tenant");
}

/// The clinic's SQLite file in `dir`, with its rows, and a connection to it.
fn clinic_sqlite(dir: &std::path::Path) -> (std::path::PathBuf, rusqlite::Connection) {
    let path = dir.join("clinic.db");
    let c = rusqlite::Connection::open(&path).expect("create");
    c.execute_batch(SCHEMA).expect("schema");
    c.execute_batch(&rows().1).expect("rows");
    (path, c)
}

#[tokio::test]
async fn an_unseen_schema_is_served_from_sqlite_by_a_catalog_file_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, c) = clinic_sqlite(dir.path());
    drop(c);
    serve_unseen_schema(DataSource::Sqlite(SqliteSource::new(&path)), None).await;
    // Slicewise never wrote to the vendor's file.
    let c = rusqlite::Connection::open(&path).expect("open");
    let tables: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(tables, 3);
}

#[tokio::test]
async fn a_column_dropped_under_a_running_server_fails_only_new_builds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, c) = clinic_sqlite(dir.path());
    let source = DataSource::Sqlite(SqliteSource::new(&path));
    let text = edited(
        &draft_database(&source, &[], None, "public")
            .await
            .expect("draft"),
    );
    let (catalog, _) = parse_with_warnings(&text, "clinic.toml").expect("catalog");
    let state_path = dir.path().join("state.db");
    rusqlite::Connection::open(&state_path).expect("state file");
    let state = Store::Sqlite(SqliteStore::new(&state_path));
    state.migrate_state().await.expect("state tables");
    let (keys, _) = ServerKeys::load_or_create(&dir.path().join("data")).expect("keys");
    let config = AppConfig {
        catalog,
        ..AppConfig::default()
    };
    let s = TestServer::with_source(
        tempfile::tempdir().expect("dir"),
        source,
        state,
        keys,
        config,
    );
    let north = s.token("p-north", Privacy::Standard);
    s.manifest(&north).await;
    c.execute_batch("ALTER TABLE visits DROP COLUMN reason")
        .expect("drop");
    // Built before the change: still served, same bytes.
    s.manifest(&north).await;
    let south = s.token("p-south", Privacy::Standard);
    let r = s.get("/api/v1/extract/manifest", Some(&south)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text());
    assert_eq!(r.code(), "source_changed");
    assert!(!r.text().contains("reason"), "the detail stays in the log");
}

#[tokio::test]
async fn an_unseen_schema_is_served_from_postgres_by_a_catalog_file_alone() {
    let db = ScratchDb::create(LOCAL_ADMIN_URL, "slicewise_byod")
        .await
        .expect("PostgreSQL must run on 127.0.0.1:5432 for these tests");
    let c = slicewise_server::pg::connect(db.url())
        .await
        .expect("connect");
    c.batch_execute(SCHEMA).await.expect("schema");
    c.batch_execute(&rows().1).await.expect("rows");
    serve_unseen_schema(
        // A development setup: the test logs in as the superuser.
        DataSource::Postgres(PgSource::new(db.url()).allow_privileged_role(true)),
        Some(db.url()),
    )
    .await;
}

#[test]
fn the_fixture_is_a_schema_the_examples_do_not_have() {
    let retail = Catalog::demo();
    for t in ["practices", "pets", "visits"] {
        assert!(retail.table(t).is_none());
    }
}
