//! The engine on real Arrow IPC bytes: verified loads, guarded queries, limits.

use ed25519_dalek::SigningKey;
use polars::prelude::*;
use slicewise_core::manifest::{public_key, sha256_hex, MANIFEST_VERSION};
use slicewise_core::result::ColumnValues;
use slicewise_core::wire::{KeySet, Privacy};
use slicewise_core::{Catalog, Manifest, SignedManifest, TableEntry};
use slicewise_engine::protocol::LoadRequest;
use slicewise_engine::Engine;

const NOW: i64 = 1_750_000_000;

/// A small `orders` table as an Arrow IPC stream.
fn orders_ipc(rows: usize) -> Vec<u8> {
    let ids: Vec<i64> = (0..rows as i64).collect();
    let amounts: Vec<f64> = (0..rows).map(|i| (i % 7) as f64 * 10.0).collect();
    let statuses: Vec<&str> = (0..rows)
        .map(|i| if i % 5 == 0 { "refunded" } else { "completed" })
        .collect();
    let mut df = df!(
        "order_id" => ids,
        "amount" => amounts,
        "status" => statuses,
    )
    .expect("frame");
    slicewise_engine::ipc::write_stream(&mut df).expect("ipc")
}

fn signed(tables: &[(&str, &[u8])], tenant: &str, expires_at: i64) -> (SignedManifest, KeySet) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        tenant: tenant.into(),
        privacy: Privacy::Standard,
        issued_at: NOW - 10,
        expires_at,
        schema_hash: Catalog::demo().schema_hash(),
        tables: tables
            .iter()
            .map(|(name, bytes)| TableEntry {
                name: name.to_string(),
                rows: 0,
                bytes: bytes.len() as u64,
                sha256: sha256_hex(bytes),
                url: format!("/t/{name}"),
            })
            .collect(),
    };
    let keys = KeySet {
        keys: vec![public_key("k1", &key.verifying_key())],
    };
    (SignedManifest::sign(&manifest, &key, "k1"), keys)
}

/// The code of the error a load or stage ended in.
fn refused<T>(outcome: Result<T, slicewise_engine::EngineError>) -> &'static str {
    match outcome {
        Ok(_) => panic!("accepted"),
        Err(e) => e.code(),
    }
}

fn request(signed: SignedManifest, keys: KeySet, budget: u64) -> LoadRequest {
    LoadRequest {
        catalog: Catalog::demo().canonical_json(),
        signed,
        keys,
        tenant: Some("acme".into()),
        now: NOW,
        tables: vec!["orders".into()],
        budget_bytes: budget,
    }
}

fn load(bytes: &[u8]) -> Engine {
    let (s, k) = signed(&[("orders", bytes)], "acme", NOW + 60);
    let (engine, report) = Engine::load_verified(&request(s, k, 1 << 30), &[bytes]).expect("load");
    assert_eq!(report.tables[0].rows, 1000);
    assert_eq!(report.tenant, "acme");
    engine
}

#[test]
fn loads_a_verified_extract_and_answers_guarded_sql() {
    let bytes = orders_ipc(1000);
    let mut engine = load(&bytes);
    let r = engine
        .query(
            "SELECT status, COUNT(*) AS n, SUM(amount) AS revenue FROM orders GROUP BY status ORDER BY status",
            100,
        )
        .expect("query");
    assert_eq!(r.rows, 2);
    assert_eq!(
        r.column("status").expect("status").values,
        ColumnValues::Text(vec![Some("completed".into()), Some("refunded".into())])
    );
    assert_eq!(
        r.column("n").expect("n").values,
        ColumnValues::Number(vec![Some(800.0), Some(200.0)])
    );
    assert!(!r.truncated);
}

#[test]
fn digests_computed_outside_are_checked_against_the_manifest() {
    let bytes = orders_ipc(1000);
    let (s, k) = signed(&[("orders", &bytes)], "acme", NOW + 60);
    let req = request(s, k, 1 << 30);
    // The digest of other bytes (as if WebCrypto had hashed tampered data).
    let mut tampered = bytes.clone();
    tampered[10] ^= 1;
    let wrong = vec![slicewise_core::manifest::sha256_hex(&tampered)];
    assert_eq!(
        refused(Engine::load_verified_with_digests(&req, &[&bytes], &wrong)),
        "extract_tampered"
    );
    assert_eq!(
        refused(Engine::load_verified_with_digests(&req, &[&bytes], &[])),
        "extract_unreadable"
    );

    let right = vec![slicewise_core::manifest::sha256_hex(&bytes).to_uppercase()];
    let (_, report) = Engine::load_verified_with_digests(&req, &[&bytes], &right).expect("load");
    assert_eq!(report.tables[0].rows, 1000);
    let p = &report.phases;
    assert!(p.parse_ms > 0.0, "phases are timed: {p:?}");
    let sum = p.verify_ms + p.hash_ms + p.parse_ms + p.rechunk_ms + p.categorize_ms;
    assert!(
        sum <= report.elapsed_ms + 0.001,
        "{p:?} within {}",
        report.elapsed_ms
    );
}

/// The worker's overlapped load: the engine parses while WebCrypto hashes,
/// and nothing is queryable until the digests match. A tampered table is
/// reported as tampered even when its bytes no longer parse.
#[test]
fn a_staged_load_commits_only_with_the_manifests_digests() {
    let bytes = orders_ipc(1000);
    let (s, k) = signed(&[("orders", &bytes)], "acme", NOW + 60);
    let req = request(s.clone(), k.clone(), 1 << 30);
    let digest = |b: &[u8]| vec![slicewise_core::manifest::sha256_hex(b)];

    let (mut engine, report) = Engine::stage(&req, &[&bytes])
        .expect("stage")
        .commit(&digest(&bytes))
        .expect("commit");
    assert_eq!(report.tables[0].rows, 1000);
    assert!(report.phases.parse_ms > 0.0);
    assert!(engine.query("SELECT COUNT(*) AS n FROM orders", 1).is_ok());

    // Garbage of the right length: it stages (its parse error is kept) and
    // the commit reports the tampering, not the parse error.
    let garbage = vec![0xA5u8; bytes.len()];
    let staged = Engine::stage(&req, &[&garbage]).expect("lengths match");
    assert_eq!(
        refused(staged.commit(&digest(&garbage))),
        "extract_tampered"
    );
    // Honest digests of bytes the manifest did not sign: tampered too.
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 1;
    assert_eq!(
        refused(
            Engine::stage(&req, &[&flipped])
                .expect("stage")
                .commit(&digest(&flipped))
        ),
        "extract_tampered"
    );

    // The manifest is checked before any parsing: a wrong length, an
    // expired manifest or an oversized extract never stage.
    assert_eq!(
        refused(Engine::stage(&req, &[&bytes[..bytes.len() - 1]])),
        "extract_tampered"
    );
    let (old, keys) = signed(&[("orders", &bytes)], "acme", NOW - 1);
    assert_eq!(
        refused(Engine::stage(&request(old, keys, 1 << 30), &[&bytes])),
        "extract_expired"
    );
    assert_eq!(
        refused(Engine::stage(&request(s, k, 100), &[&bytes])),
        "extract_over_budget"
    );
}

#[test]
fn refuses_tampered_expired_foreign_and_oversized_extracts() {
    let bytes = orders_ipc(1000);
    let (s, k) = signed(&[("orders", &bytes)], "acme", NOW + 60);
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    assert_eq!(
        refused(Engine::load_verified(
            &request(s.clone(), k.clone(), 1 << 30),
            &[&tampered]
        )),
        "extract_tampered"
    );

    assert_eq!(
        refused(Engine::load_verified(
            &request(s.clone(), k.clone(), 100),
            &[&bytes]
        )),
        "extract_over_budget"
    );

    let (old, keys) = signed(&[("orders", &bytes)], "acme", NOW - 1);
    assert_eq!(
        refused(Engine::load_verified(
            &request(old, keys, 1 << 30),
            &[&bytes]
        )),
        "extract_expired"
    );

    let (other, keys) = signed(&[("orders", &bytes)], "globex", NOW + 60);
    assert_eq!(
        refused(Engine::load_verified(
            &request(other, keys, 1 << 30),
            &[&bytes]
        )),
        "extract_wrong_tenant"
    );

    let mut wrong_catalog = request(s, k, 1 << 30);
    wrong_catalog.catalog = wrong_catalog
        .catalog
        .replace("\"version\":1", "\"version\":2");
    assert_eq!(
        refused(Engine::load_verified(&wrong_catalog, &[&bytes])),
        "extract_catalog_mismatch"
    );
}

#[test]
fn the_guard_stands_before_polars() {
    let bytes = orders_ipc(1000);
    let mut engine = load(&bytes);
    let err = engine.query("DELETE FROM orders", 10).expect_err("delete");
    assert_eq!(err.code(), "sql_not_select");
    let err = engine
        .query("SELECT * FROM read_ipc('/etc/passwd')", 10)
        .expect_err("file");
    assert_eq!(err.code(), "sql_table_function");
    // The table is intact after the refused DELETE.
    let r = engine
        .query("SELECT COUNT(*) AS n FROM orders", 10)
        .expect("count");
    assert_eq!(r.column("n").expect("n").values.number_at(0), Some(1000.0));
}

#[test]
fn results_over_the_display_limit_are_truncated_with_a_notice() {
    let bytes = orders_ipc(1000);
    let mut engine = load(&bytes);
    let r = engine
        .query("SELECT order_id, amount FROM orders ORDER BY order_id", 25)
        .expect("list");
    assert_eq!(r.rows, 25);
    assert!(r.truncated);
    assert_eq!(
        r.column("order_id").expect("id").values.number_at(24),
        Some(24.0)
    );
}

#[test]
fn polars_errors_are_errors_and_the_engine_stays_usable() {
    let bytes = orders_ipc(1000);
    let mut engine = load(&bytes);
    let err = engine
        .query("SELECT DATE_TRUNC('month', amount) AS m FROM orders", 10)
        .expect_err("unsupported function");
    assert!(matches!(
        err.code(),
        "query_failed" | "sql_function_not_allowed"
    ));
    assert!(engine.query("SELECT COUNT(*) AS n FROM orders", 10).is_ok());
}

#[test]
fn unreadable_bytes_are_a_load_error_not_a_panic() {
    let mut engine = Engine::new(&Catalog::demo());
    let err = engine
        .load_ipc("orders", b"definitely not arrow")
        .expect_err("garbage");
    assert_eq!(err.code(), "extract_unreadable");
    assert_eq!(
        engine
            .query("SELECT COUNT(*) AS n FROM orders", 1)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("engine_not_loaded")
    );
}

#[test]
fn plain_group_bys_run_in_memory_instead_of_panicking() {
    let bytes = orders_ipc(1000);
    let mut engine = load(&bytes);
    for sql in [
        "SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status",
        "SELECT status, SUM(amount) AS s, MIN(amount) AS lo, MAX(amount) AS hi FROM orders GROUP BY status",
        "SELECT status FROM orders GROUP BY status",
        "WITH g AS (SELECT status, SUM(amount) AS s FROM orders GROUP BY status) SELECT * FROM g ORDER BY s DESC",
    ] {
        let r = engine.query(sql, 100).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(r.rows, 2, "{sql}");
        assert!(
            r.columns.iter().all(|c| !c.name.starts_with("__sw")),
            "hidden columns are dropped: {sql}"
        );
    }
}

/// Labels load as categoricals (fast group-bys), yet the SQL written for
/// text keeps working on them: LIKE, string functions, concatenation, IN.
#[test]
fn string_functions_work_on_label_columns() {
    let bytes = orders_ipc(1000);
    let mut engine = load(&bytes);
    let count = |engine: &mut Engine, sql: &str| -> f64 {
        let r = engine
            .query(sql, 100)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        match &r.columns[0].values {
            ColumnValues::Number(v) => v[0].unwrap_or(f64::NAN),
            other => panic!("{sql}: {other:?}"),
        }
    };
    for sql in [
        "SELECT COUNT(*) AS n FROM orders WHERE status LIKE 'ref%'",
        "SELECT COUNT(*) AS n FROM orders WHERE status ILIKE 'REF%'",
        "SELECT COUNT(*) AS n FROM orders WHERE LOWER(status) = 'refunded'",
        "SELECT COUNT(*) AS n FROM orders WHERE UPPER(status) = 'REFUNDED'",
        "SELECT COUNT(*) AS n FROM orders WHERE SUBSTR(status, 1, 3) = 'ref'",
        "SELECT COUNT(*) AS n FROM orders WHERE LENGTH(status) = 8",
        "SELECT COUNT(*) AS n FROM orders WHERE status || '!' = 'refunded!'",
        "SELECT COUNT(*) AS n FROM orders WHERE status IN ('refunded')",
        "SELECT COUNT(*) AS n FROM orders WHERE o.status = 'refunded'"
            .replace("orders", "orders o")
            .as_str(),
    ] {
        assert_eq!(count(&mut engine, sql), 200.0, "{sql}");
    }
    let r = engine
        .query(
            "SELECT UPPER(status) AS s, COUNT(*) AS n FROM orders GROUP BY UPPER(status) ORDER BY s",
            10,
        )
        .expect("upper");
    assert_eq!(
        r.column("s").expect("s").values,
        ColumnValues::Text(vec![Some("COMPLETED".into()), Some("REFUNDED".into())])
    );
}

/// Orders one every 12 hours from 2025-01-01 00:00 (UTC), as microseconds.
fn orders_over_time_ipc(rows: usize) -> Vec<u8> {
    const START_US: i64 = 1_735_689_600_000_000;
    const HALF_DAY_US: i64 = 43_200_000_000;
    let ordered_at = Int64Chunked::from_vec(
        "ordered_at".into(),
        (0..rows as i64)
            .map(|i| START_US + i * HALF_DAY_US)
            .collect(),
    )
    .into_datetime(TimeUnit::Microseconds, None)
    .into_column();
    let amount = Column::new("amount".into(), vec![1.0f64; rows]);
    let mut df = DataFrame::new(vec![ordered_at, amount]).expect("frame");
    slicewise_engine::ipc::write_stream(&mut df).expect("ipc")
}

/// DATE_TRUNC, which Polars SQL lacks, groups by each period's first
/// instant, and agrees with the same grouping by STRFTIME's text.
#[test]
fn date_trunc_groups_by_the_start_of_each_period() {
    let bytes = orders_over_time_ipc(1000);
    let mut engine = load(&bytes);
    let by_trunc = engine
        .query(
            "SELECT DATE_TRUNC('month', ordered_at) AS month, COUNT(*) AS n \
             FROM orders GROUP BY DATE_TRUNC('month', ordered_at) ORDER BY month",
            100,
        )
        .expect("date_trunc");
    // 2025-01 .. 2026-05: 500 days of two orders each.
    assert_eq!(by_trunc.rows, 17);
    let months = by_trunc.column("month").expect("month");
    assert_eq!(months.values.text_at(0), "2025-01-01 00:00:00");
    assert_eq!(months.values.text_at(16), "2026-05-01 00:00:00");
    let by_text = engine
        .query(
            "WITH m AS (SELECT STRFTIME(ordered_at, '%Y-%m') AS month FROM orders) \
             SELECT month, COUNT(*) AS n FROM m GROUP BY month ORDER BY month",
            100,
        )
        .expect("strftime");
    let counts = |r: &slicewise_core::QueryResult| r.column("n").expect("n").values.clone();
    assert_eq!(counts(&by_trunc), counts(&by_text));
    // Grouped by the output's alias, as DuckDB and PostgreSQL allow.
    let by_alias = engine
        .query(
            "SELECT DATE_TRUNC('month', ordered_at) AS month, COUNT(*) AS n \
             FROM orders GROUP BY month ORDER BY month",
            100,
        )
        .expect("group by alias");
    assert_eq!(counts(&by_alias), counts(&by_text));
    assert_eq!(counts(&by_trunc).number_at(1), Some(56.0), "February 2025");
    // The CTE form and other units answer too; a bad unit is a query error.
    let weeks = engine
        .query(
            "WITH w AS (SELECT DATE_TRUNC('week', ordered_at) AS week, amount FROM orders) \
             SELECT week, SUM(amount) AS revenue FROM w GROUP BY week ORDER BY week LIMIT 2",
            10,
        )
        .expect("weeks");
    // 2025-01-01 was a Wednesday: its week started on Monday 2024-12-30.
    let week = weeks.column("week").expect("week");
    assert_eq!(week.values.text_at(0), "2024-12-30 00:00:00");
    assert_eq!(
        weeks
            .column("revenue")
            .expect("revenue")
            .values
            .number_at(0),
        Some(10.0)
    );
    let err = engine
        .query(
            "SELECT DATE_TRUNC('fortnight', ordered_at) AS f FROM orders",
            10,
        )
        .expect_err("unknown unit");
    assert_eq!(err.code(), "query_failed");
    assert!(err.to_string().contains("fortnight"), "{err}");
}

/// A customer (none for orders without one), the sum of their orders'
/// amounts and their largest quantity.
type Spend = (Option<i64>, f64, i64);

/// 1,000 orders of 101 customers (every ninth without one), with amounts
/// and quantities that make no two customers tie; and each one's [`Spend`].
fn orders_by_customer_ipc() -> (Vec<u8>, Vec<Spend>) {
    let rows = 1000i64;
    let customer: Vec<Option<i64>> = (0..rows)
        .map(|i| (i % 9 != 0).then_some(i * 37 % 101))
        .collect();
    let amount: Vec<f64> = (0..rows)
        .map(|i| (i % 13) as f64 + i as f64 / 1000.0)
        .collect();
    let quantity: Vec<i64> = (0..rows).map(|i| i % 5).collect();
    let mut by_customer: std::collections::BTreeMap<Option<i64>, (f64, i64)> = Default::default();
    for i in 0..rows as usize {
        let entry = by_customer.entry(customer[i]).or_default();
        entry.0 += amount[i];
        entry.1 = entry.1.max(quantity[i]);
    }
    let expected = by_customer
        .into_iter()
        .map(|(c, (s, q))| (c, s, q))
        .collect();
    let mut df = df!(
        "customer_id" => customer,
        "amount" => amount,
        "quantity" => quantity,
    )
    .expect("frame");
    (
        slicewise_engine::ipc::write_stream(&mut df).expect("ipc"),
        expected,
    )
}

/// The engine's own group-by (crate::aggregate) and distinct count answer
/// as a count by hand does, the customers without one as one group of
/// their own, not among the distinct customers.
#[test]
fn spend_per_customer_and_distinct_customers_match_a_count_by_hand() {
    let (bytes, expected) = orders_by_customer_ipc();
    let mut engine = load(&bytes);
    let r = engine
        .query(
            "SELECT customer_id, SUM(amount) AS spend, MAX(quantity) AS most, COUNT(*) AS n \
             FROM orders GROUP BY customer_id ORDER BY customer_id NULLS FIRST",
            1000,
        )
        .expect("group by");
    assert_eq!(r.rows, expected.len());
    assert_eq!(r.rows, 102, "101 customers and the orders without one");
    let ids = &r.column("customer_id").expect("customer_id").values;
    let spend = &r.column("spend").expect("spend").values;
    let most = &r.column("most").expect("most").values;
    for (row, (customer, sum, max)) in expected.iter().enumerate() {
        assert_eq!(ids.number_at(row), customer.map(|c| c as f64), "row {row}");
        let got = spend.number_at(row).expect("spend");
        assert!(
            (got - sum).abs() < 1e-9,
            "customer {customer:?}: {got} vs {sum}"
        );
        assert_eq!(
            most.number_at(row),
            Some(*max as f64),
            "customer {customer:?}"
        );
    }
    let top = engine
        .query(
            "SELECT customer_id, SUM(amount) AS spend FROM orders \
             GROUP BY customer_id ORDER BY spend DESC LIMIT 3",
            10,
        )
        .expect("top");
    let mut ranked = expected.clone();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top_ids = &top.column("customer_id").expect("customer_id").values;
    for (row, (customer, ..)) in ranked.iter().take(3).enumerate() {
        assert_eq!(
            top_ids.number_at(row),
            customer.map(|c| c as f64),
            "rank {row}"
        );
    }
    let distinct = engine
        .query(
            "SELECT COUNT(DISTINCT customer_id) AS customers FROM orders WHERE quantity > 0",
            10,
        )
        .expect("count distinct");
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..1000i64 {
        if i % 9 != 0 && i % 5 > 0 {
            seen.insert(i * 37 % 101);
        }
    }
    assert_eq!(
        distinct
            .column("customers")
            .expect("customers")
            .values
            .number_at(0),
        Some(seen.len() as f64)
    );
}
