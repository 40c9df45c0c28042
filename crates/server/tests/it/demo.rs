//! The retail demo data lives in its own crate, outside the server's
//! library: `slicewise seed-demo` writes it, into SQLite or into PostgreSQL
//! with row-level security set up as for any vendor's database.

use std::process::Command;

use slicewise_server::pg_setup::POLICY;
use slicewise_server::Tier;

use crate::postgres::PgDb;

fn seed_demo(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_slicewise"))
        .arg("seed-demo")
        .args(["--scale", "0.002"])
        .args(args)
        .output()
        .expect("run slicewise seed-demo");
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn every_demo_tenant_has_a_tier_the_server_knows() {
    for spec in slicewise_demo_seed::demo_tenants(0.01) {
        assert!(
            Tier::parse(spec.tier).is_some(),
            "{}: {}",
            spec.tenant_id,
            spec.tier
        );
    }
}

#[test]
fn no_module_of_the_library_imports_the_demo_seeder() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).expect("src") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n == "main.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            !text.contains("slicewise_demo_seed"),
            "{} imports the demo seeder",
            path.display()
        );
    }
}

#[test]
fn seed_demo_writes_a_sqlite_file_of_twelve_tenants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    seed_demo(&["--db", &db.display().to_string()]);
    let c = rusqlite::Connection::open(&db).expect("open");
    let tenants: i64 = c
        .query_row("SELECT COUNT(*) FROM tenants", [], |r| r.get(0))
        .expect("tenants");
    assert_eq!(tenants, 12);
    // Slicewise's own state is not the seeder's business.
    let audit: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audit, 0);
}

#[tokio::test]
async fn seed_demo_into_postgres_forces_row_level_security_on_every_table() {
    let db = PgDb::create().await;
    seed_demo(&["--database-url", &db.url]);
    let c = db.client().await;
    for table in [
        "tenants",
        "customers",
        "products",
        "orders",
        "support_tickets",
    ] {
        let row = c
            .query_one(
                "SELECT c.relrowsecurity AND c.relforcerowsecurity,
                        EXISTS (SELECT 1 FROM pg_policies p
                                WHERE p.tablename = c.relname AND p.policyname = $2)
                 FROM pg_class c WHERE c.relname = $1",
                &[&table, &POLICY],
            )
            .await
            .expect("pg_class");
        assert!(row.get::<_, bool>(0), "{table}: forced row-level security");
        assert!(row.get::<_, bool>(1), "{table}: the tenant policy");
    }
}
