//! The engine worker's wasm in headless Chromium: a signed extract loads,
//! a guarded query answers, a tampered byte and a DELETE are refused.
#![cfg(target_arch = "wasm32")]

use ed25519_dalek::SigningKey;
use polars::prelude::*;
use slicewise_core::manifest::{public_key, sha256_hex, MANIFEST_VERSION};
use slicewise_core::wire::{KeySet, Privacy};
use slicewise_core::{Catalog, Manifest, QueryResult, SignedManifest, TableEntry};
use slicewise_engine::protocol::{LoadReport, LoadRequest};
use slicewise_engine_worker::WorkerEngine;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn orders_ipc() -> Vec<u8> {
    let mut df = df!(
        "order_id" => (0..500i64).collect::<Vec<_>>(),
        "amount" => (0..500).map(|i| i as f64).collect::<Vec<_>>(),
        "status" => (0..500).map(|i| if i % 2 == 0 { "completed" } else { "pending" }).collect::<Vec<_>>(),
    )
    .expect("frame");
    // From 2025-01-01 00:00 UTC, a tenth of a day apart: 310 in January, 190 in February.
    let ordered_at = Int64Chunked::from_vec(
        "ordered_at".into(),
        (0..500i64)
            .map(|i| 1_735_689_600_000_000 + i * 8_640_000_000)
            .collect(),
    )
    .into_datetime(TimeUnit::Microseconds, None);
    df.with_column(ordered_at.into_column())
        .expect("ordered_at");
    slicewise_engine::ipc::write_stream(&mut df).expect("ipc")
}

fn answer(engine: &mut WorkerEngine, sql: &str) -> QueryResult {
    serde_json::from_str(
        &engine
            .query(sql, 100)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}")),
    )
    .expect("result")
}

fn request_json(bytes: &[u8]) -> String {
    let key = SigningKey::from_bytes(&[3; 32]);
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        tenant: "acme".into(),
        privacy: Privacy::Standard,
        issued_at: now,
        expires_at: now + 600,
        schema_hash: Catalog::demo().schema_hash(),
        tables: vec![TableEntry {
            name: "orders".into(),
            rows: 500,
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            url: "/t/orders".into(),
        }],
    };
    let request = LoadRequest {
        catalog: Catalog::demo().canonical_json(),
        signed: SignedManifest::sign(&manifest, &key, "k1"),
        keys: KeySet {
            keys: vec![public_key("k1", &key.verifying_key())],
        },
        tenant: Some("acme".into()),
        now,
        tables: vec!["orders".into()],
        budget_bytes: 1 << 30,
    };
    serde_json::to_string(&request).expect("json")
}

fn buffers(bytes: &[u8]) -> js_sys::Array {
    js_sys::Array::of1(&js_sys::Uint8Array::from(bytes))
}

fn error_code(err: wasm_bindgen::JsValue) -> String {
    let text = err.as_string().expect("errors are JSON text");
    let wire: serde_json::Value = serde_json::from_str(&text).expect("json");
    wire["code"].as_str().unwrap_or_default().to_string()
}

#[wasm_bindgen_test]
fn loads_and_answers_in_the_browser() {
    let bytes = orders_ipc();
    let mut engine = WorkerEngine::new();
    let report: LoadReport = serde_json::from_str(
        &engine
            .load(&request_json(&bytes), buffers(&bytes), None)
            .expect("load"),
    )
    .expect("report");
    assert_eq!(report.tables[0].rows, 500);
    let result: QueryResult = serde_json::from_str(
        &engine
            .query(
                "SELECT status, SUM(amount) AS revenue FROM orders GROUP BY status ORDER BY status",
                100,
            )
            .expect("query"),
    )
    .expect("result");
    assert_eq!(result.rows, 2);
    let revenue = result.column("revenue").expect("revenue");
    // 0 + 2 + ... + 498 and 1 + 3 + ... + 499
    assert_eq!(revenue.values.number_at(0), Some(62_250.0));
    assert_eq!(revenue.values.number_at(1), Some(62_500.0));
    // The engine's own STRFTIME and text functions over a label, in wasm.
    let months = answer(
        &mut engine,
        "WITH m AS (SELECT STRFTIME(ordered_at, '%Y-%m') AS month FROM orders) \
         SELECT month, COUNT(*) AS n FROM m GROUP BY month ORDER BY month",
    );
    assert_eq!(months.rows, 2);
    let month = months.column("month").expect("month");
    assert_eq!(
        (month.values.text_at(0), month.values.text_at(1)),
        ("2025-01".to_string(), "2025-02".to_string())
    );
    let n = months.column("n").expect("n");
    assert_eq!(
        (n.values.number_at(0), n.values.number_at(1)),
        (Some(310.0), Some(190.0))
    );
    let pending = answer(
        &mut engine,
        "SELECT COUNT(*) AS n FROM orders WHERE status LIKE 'pend%' AND UPPER(status) = 'PENDING'",
    );
    assert_eq!(pending.columns[0].values.number_at(0), Some(250.0));
}

#[wasm_bindgen_test]
fn refuses_tampering_and_writes_in_the_browser() {
    let bytes = orders_ipc();
    let request = request_json(&bytes);
    let mut tampered = bytes.clone();
    let at = tampered.len() - 40;
    tampered[at] ^= 0x10;
    let mut engine = WorkerEngine::new();
    let err = engine
        .load(&request, buffers(&tampered), None)
        .expect_err("tampered");
    assert_eq!(error_code(err), "extract_tampered");
    let err = engine
        .query("SELECT 1 AS x FROM orders", 1)
        .expect_err("nothing loaded");
    assert_eq!(error_code(err), "engine_not_loaded");

    // Digests from WebCrypto: a digest that is not the signed one is
    // refused like tampered bytes; the right one loads.
    let wrong = vec!["00".repeat(32)];
    let err = engine
        .load(&request, buffers(&bytes), Some(wrong))
        .expect_err("wrong digest");
    assert_eq!(error_code(err), "extract_tampered");
    let right = vec![slicewise_core::manifest::sha256_hex(&bytes)];
    engine
        .load(&request, buffers(&bytes), Some(right))
        .expect("load");
    let err = engine.query("DELETE FROM orders", 1).expect_err("delete");
    assert_eq!(error_code(err), "sql_not_select");
    let count: QueryResult = serde_json::from_str(
        &engine
            .query("SELECT COUNT(*) AS n FROM orders", 1)
            .expect("count"),
    )
    .expect("result");
    assert_eq!(
        count.column("n").and_then(|c| c.values.number_at(0)),
        Some(500.0)
    );
}

/// The worker's overlapped load: stage (manifest checked, tables parsed),
/// then commit with WebCrypto's digests. Nothing answers in between, and a
/// digest that is not the signed one drops the staged tables.
#[wasm_bindgen_test]
fn a_staged_load_answers_only_after_its_digests_match() {
    let bytes = orders_ipc();
    let request = request_json(&bytes);
    let mut engine = WorkerEngine::new();
    engine.stage(&request, buffers(&bytes)).expect("stage");
    let err = engine
        .query("SELECT COUNT(*) AS n FROM orders", 1)
        .expect_err("staged, not loaded");
    assert_eq!(error_code(err), "engine_not_loaded");
    let err = engine
        .commit(vec!["00".repeat(32)])
        .expect_err("wrong digest");
    assert_eq!(error_code(err), "extract_tampered");
    let err = engine
        .commit(vec![slicewise_core::manifest::sha256_hex(&bytes)])
        .expect_err("the staged tables were dropped");
    assert_eq!(error_code(err), "engine_bad_request");

    engine.stage(&request, buffers(&bytes)).expect("stage");
    engine
        .commit(vec![slicewise_core::manifest::sha256_hex(&bytes)])
        .expect("commit");
    let count = answer(&mut engine, "SELECT COUNT(*) AS n FROM orders");
    assert_eq!(
        count.column("n").and_then(|c| c.values.number_at(0)),
        Some(500.0)
    );
}
