//! Extracts: each tenant gets exactly its rows, privacy does what it says,
//! manifests verify, links and caches behave.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use slicewise_core::wire::Privacy;
use slicewise_core::{Catalog, Manifest};
use slicewise_server::extract::{signed_table_url, TableRef};

use crate::support::{i64_column, query_param, read_stream, string_column, Reply, TestServer};

const TENANTS: [&str; 12] = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "oscorp",
];

const ID_COLUMNS: [(&str, &str); 4] = [
    ("orders", "order_id"),
    ("customers", "customer_id"),
    ("products", "product_id"),
    ("support_tickets", "ticket_id"),
];

fn db_ids(s: &TestServer, table: &str, id: &str, tenant: &str) -> Vec<i64> {
    db_column(s, table, id, id, tenant)
}

/// One column of a tenant's rows in the database, ordered by another.
fn db_column<T: rusqlite::types::FromSql>(
    s: &TestServer,
    table: &str,
    column: &str,
    order_by: &str,
    tenant: &str,
) -> Vec<T> {
    let c = s.sql();
    let mut stmt = c
        .prepare(&format!(
            "SELECT {column} FROM {table} WHERE tenant_id = ?1 ORDER BY {order_by}"
        ))
        .expect("prepare");
    let values = stmt
        .query_map([tenant], |r| r.get(0))
        .expect("query")
        .collect::<Result<Vec<T>, _>>()
        .expect("rows");
    values
}

async fn verified(s: &TestServer, tenant: &str, privacy: Privacy) -> Manifest {
    let token = s.token(tenant, privacy);
    let signed = s.manifest(&token).await;
    signed
        .verify(
            &s.key_set().await,
            Some(tenant),
            chrono::Utc::now().timestamp(),
        )
        .expect("manifest verifies")
}

async fn fetch(s: &TestServer, m: &Manifest, table: &str) -> axum::body::Bytes {
    let entry = m.table(table).expect("table in manifest");
    let r = s.get(&entry.url, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.apache.arrow.stream")
    );
    m.check_table(table, &r.body)
        .expect("bytes match the signed hash");
    r.body
}

/// Labels travel as Arrow dictionaries (each distinct value once, then
/// keys) and decode to exactly the database's values, row for row.
#[tokio::test]
async fn label_columns_are_dictionaries_of_the_rows_values() {
    let s = TestServer::new();
    let m = verified(&s, "globex", Privacy::Standard).await;
    let batches = read_stream(&fetch(&s, &m, "orders").await);
    let schema = batches[0].schema();
    for label in ["channel", "status"] {
        let field = schema.field_with_name(label).expect("label column");
        assert!(
            matches!(field.data_type(), arrow_schema::DataType::Dictionary(_, _)),
            "{label}: {:?}",
            field.data_type()
        );
        let db: Vec<String> = db_column(&s, "orders", label, "order_id", "globex");
        let ids = i64_column(&batches, "order_id");
        let mut sent: Vec<(i64, String)> = ids
            .into_iter()
            .zip(string_column(&batches, label))
            .collect();
        sent.sort();
        let sent: Vec<String> = sent.into_iter().map(|(_, v)| v).collect();
        assert_eq!(sent, db, "{label}");
        assert!(
            db.iter().collect::<BTreeSet<_>>().len() <= 8,
            "{label} is a label"
        );
    }
    // Free text stays plain.
    let customers = read_stream(&fetch(&s, &m, "customers").await);
    let name = customers[0]
        .schema()
        .field_with_name("name")
        .expect("name")
        .clone();
    assert_eq!(name.data_type(), &arrow_schema::DataType::Utf8);
}

#[tokio::test]
async fn every_tenant_gets_exactly_its_rows() {
    let s = TestServer::new();
    let mut seen: BTreeSet<(String, i64)> = BTreeSet::new();
    for tenant in TENANTS {
        let m = verified(&s, tenant, Privacy::Standard).await;
        assert_eq!(m.tenant, tenant);
        assert_eq!(m.schema_hash, Catalog::demo().public().schema_hash());
        for (table, id) in ID_COLUMNS {
            let batches = read_stream(&fetch(&s, &m, table).await);
            assert!(batches[0].schema().field_with_name("tenant_id").is_err());
            let got = i64_column(&batches, id);
            let want = db_ids(&s, table, id, tenant);
            assert!(!want.is_empty(), "{tenant}.{table} has rows");
            assert_eq!(got, want, "{tenant}.{table} ids");
            assert_eq!(m.table(table).map(|t| t.rows), Some(want.len() as u64));
            for i in got {
                // Ids are unique across tenants: no id may show up for two of them.
                assert!(
                    seen.insert((table.to_string(), i)),
                    "{table} {i} seen twice"
                );
            }
        }
    }
}

#[tokio::test]
async fn extract_columns_have_the_documented_types() {
    use arrow_schema::{DataType, TimeUnit};
    let s = TestServer::new();
    let m = verified(&s, "globex", Privacy::Standard).await;
    let orders = read_stream(&fetch(&s, &m, "orders").await);
    let schema = orders[0].schema();
    let ty = |n: &str| schema.field_with_name(n).expect(n).data_type().clone();
    assert_eq!(ty("order_id"), DataType::Int64);
    assert_eq!(ty("quantity"), DataType::Int64);
    assert_eq!(ty("amount"), DataType::Float64);
    assert_eq!(
        ty("ordered_at"),
        DataType::Timestamp(TimeUnit::Microsecond, None)
    );
    // Labels as dictionaries of text, free text plain.
    assert_eq!(
        ty("status"),
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    );
    let customers = read_stream(&fetch(&s, &m, "customers").await);
    let schema = customers[0].schema();
    assert_eq!(
        schema
            .field_with_name("signup_date")
            .expect("date")
            .data_type(),
        &DataType::Date32
    );
    assert_eq!(
        schema
            .field_with_name("privacy_consent")
            .expect("bool")
            .data_type(),
        &DataType::Boolean
    );
    let tickets = read_stream(&fetch(&s, &m, "support_tickets").await);
    let f = tickets[0]
        .schema()
        .field_with_name("satisfaction")
        .expect("sat")
        .clone();
    assert!(f.is_nullable());
    assert_eq!(f.data_type(), &DataType::Int64);
}

#[tokio::test]
async fn high_privacy_pseudonymises_names_and_emails_stably() {
    let s = TestServer::new();
    let standard = verified(&s, "initech", Privacy::Standard).await;
    let high = verified(&s, "initech", Privacy::High).await;
    assert_eq!(high.privacy, Privacy::High);
    let plain = read_stream(&fetch(&s, &standard, "customers").await);
    let masked = read_stream(&fetch(&s, &high, "customers").await);
    assert_eq!(
        i64_column(&plain, "customer_id"),
        i64_column(&masked, "customer_id")
    );
    let real_names = string_column(&plain, "name");
    let names = string_column(&masked, "name");
    let emails = string_column(&masked, "email");
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("anon_") && n.len() == 13),
        "{names:?}"
    );
    assert!(emails
        .iter()
        .all(|e| e.starts_with("user_") && e.ends_with("@example.invalid")));
    for real in &real_names {
        assert!(!names.contains(real));
    }
    // Same name, same pseudonym; and a rebuilt extract gives the same bytes.
    for (i, a) in real_names.iter().enumerate() {
        for (j, b) in real_names.iter().enumerate().skip(i + 1).take(50) {
            assert_eq!(a == b, names[i] == names[j]);
        }
    }
    let again = verified(&s, "initech", Privacy::High).await;
    assert_eq!(
        again.table("customers").map(|t| &t.sha256),
        high.table("customers").map(|t| &t.sha256)
    );
}

#[tokio::test]
async fn gdpr_leaves_out_customers_without_consent_and_their_rows() {
    let s = TestServer::new();
    let m = verified(&s, "umbrella", Privacy::Gdpr).await;
    let c = s.sql();
    let ids = |sql: &str| -> Vec<i64> {
        let mut stmt = c.prepare(sql).expect("prepare");
        let v = stmt
            .query_map(["umbrella"], |r| r.get(0))
            .expect("query")
            .collect::<Result<Vec<i64>, _>>()
            .expect("rows");
        v
    };
    let customers = read_stream(&fetch(&s, &m, "customers").await);
    assert_eq!(
        i64_column(&customers, "customer_id"),
        ids("SELECT customer_id FROM customers WHERE tenant_id = ?1 AND privacy_consent = 1 ORDER BY customer_id")
    );
    assert!(string_column(&customers, "name")
        .iter()
        .all(|n| n.starts_with("anon_")));
    let orders = read_stream(&fetch(&s, &m, "orders").await);
    let want = ids(
        "SELECT o.order_id FROM orders o JOIN customers c ON c.customer_id = o.customer_id
         WHERE o.tenant_id = ?1 AND c.privacy_consent = 1 ORDER BY o.order_id",
    );
    assert_eq!(i64_column(&orders, "order_id"), want);
    let all = db_ids(&s, "orders", "order_id", "umbrella");
    assert!(want.len() < all.len(), "some orders are left out");
    let tickets = read_stream(&fetch(&s, &m, "support_tickets").await);
    assert_eq!(
        i64_column(&tickets, "ticket_id"),
        ids("SELECT t.ticket_id FROM support_tickets t JOIN customers c ON c.customer_id = t.customer_id
             WHERE t.tenant_id = ?1 AND c.privacy_consent = 1 ORDER BY t.ticket_id")
    );
}

#[tokio::test]
async fn a_tampered_byte_fails_the_manifest_hash() {
    let s = TestServer::new();
    let m = verified(&s, "hooli", Privacy::Standard).await;
    for table in ["orders", "customers", "products", "support_tickets"] {
        let bytes = fetch(&s, &m, table).await;
        let mut tampered = bytes.to_vec();
        let mid = tampered.len() / 2;
        tampered[mid] ^= 0x01;
        let err = m.check_table(table, &tampered).expect_err("tampered");
        assert_eq!(err.code(), "extract_tampered");
    }
}

#[tokio::test]
async fn manifest_signature_needs_the_published_key() {
    let s = TestServer::new();
    let token = s.token("stark", Privacy::Standard);
    let mut signed = s.manifest(&token).await;
    let keys = s.key_set().await;
    let now = chrono::Utc::now().timestamp();
    let m = signed.verify(&keys, Some("stark"), now).expect("verifies");
    assert!(m.expires_at <= now + 3_600 && m.expires_at > now);
    assert!(signed.verify(&keys, Some("acme"), now).is_err());
    signed.manifest = signed.manifest.replace("\"stark\"", "\"starl\"");
    assert_eq!(
        signed.verify(&keys, None, now).map_err(|e| e.code()).err(),
        Some("extract_bad_signature")
    );
}

#[tokio::test]
async fn tampered_or_expired_table_links_are_refused() {
    let s = TestServer::new();
    let m = verified(&s, "wayne", Privacy::Standard).await;
    let url = m.table("orders").expect("orders").url.clone();
    let forbidden = |r: &Reply| {
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::FORBIDDEN, "url_invalid"),
            "{}",
            r.text()
        )
    };
    // Another table, tenant or privacy level with the same signature.
    for (from, to) in [
        ("/orders/", "/customers/"),
        ("/wayne/", "/acme/"),
        ("/standard/", "/high/"),
    ] {
        forbidden(&s.get(&url.replacen(from, to, 1), None).await);
    }
    // A later expiry.
    let exp = query_param(&url, "exp");
    let later = url.replace(
        &format!("exp={exp}"),
        &format!("exp={}", exp.parse::<i64>().expect("exp") + 60),
    );
    forbidden(&s.get(&later, None).await);
    // No signature at all, or not a table's file name.
    let path = url.split_once('?').expect("query").0;
    forbidden(&s.get(path, None).await);
    forbidden(&s.get(&url.replace(".arrow?", ".csv?"), None).await);
    // Correctly signed but expired.
    let sha = &m.table("orders").expect("orders").sha256;
    let expired = signed_table_url(
        &s.keys().url_key,
        &TableRef {
            tenant: "wayne".into(),
            privacy: Privacy::Standard,
            table: "orders".into(),
            sha256: sha.clone(),
        },
        chrono::Utc::now().timestamp() - 1,
    );
    let r = s.get(&expired, None).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "url_expired")
    );
}

#[tokio::test]
async fn table_links_name_tenant_privacy_and_hash_in_the_path_and_are_private() {
    let s = TestServer::new();
    let wayne = verified(&s, "wayne", Privacy::Standard).await;
    let high = verified(&s, "wayne", Privacy::High).await;
    let stark = verified(&s, "stark", Privacy::Standard).await;
    let path = |m: &slicewise_core::Manifest| {
        let entry = m.table("customers").expect("customers");
        let path = entry.url.split_once('?').expect("query").0.to_string();
        assert!(
            path.ends_with(&format!("/{}.arrow", entry.sha256)),
            "{path}"
        );
        path
    };
    // A cache keyed on the path alone (query string ignored) never mixes them.
    let paths = [path(&wayne), path(&high), path(&stark)];
    assert_eq!(
        paths[0],
        format!(
            "/api/v1/extract/tables/wayne/standard/customers/{}.arrow",
            wayne.table("customers").expect("customers").sha256
        )
    );
    assert!(paths[1].contains("/wayne/high/customers/"), "{}", paths[1]);
    assert!(
        paths[2].contains("/stark/standard/customers/"),
        "{}",
        paths[2]
    );
    let r = s
        .get(&wayne.table("customers").expect("customers").url, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let cache = r.header("cache-control").expect("cache-control");
    assert!(cache.starts_with("private,"), "{cache}");
    assert!(!cache.contains("public"), "{cache}");
}

#[tokio::test]
async fn etags_answer_304_and_compression_is_offered() {
    let s = TestServer::new();
    let m = verified(&s, "wonka", Privacy::Standard).await;
    let entry = m.table("orders").expect("orders");
    let r = s.get(&entry.url, None).await;
    let etag = r.header("etag").expect("etag").to_string();
    assert_eq!(etag, format!("\"{}\"", entry.sha256));
    assert!(r
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .contains("ETag"));
    let req = Request::get(&entry.url)
        .header("if-none-match", &etag)
        .body(Body::empty())
        .expect("request");
    let r = s.send(req).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
    let req = Request::get(&entry.url)
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .expect("request");
    let r = s.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!((r.body.len() as u64) < entry.bytes);
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&r.body[..]), &mut plain)
        .expect("gunzip");
    m.check_table("orders", &plain)
        .expect("gzip holds the signed bytes");
    let req = Request::get(&entry.url)
        .header("accept-encoding", "gzip, deflate, br;q=1.0")
        .body(Body::empty())
        .expect("request");
    let r = s.send(req).await;
    assert_eq!(r.header("content-encoding"), Some("br"));
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&r.body[..], 4096),
        &mut plain,
    )
    .expect("unbrotli");
    m.check_table("orders", &plain)
        .expect("br holds the signed bytes");
    let req = Request::get(&entry.url)
        .header("accept-encoding", "br;q=0, identity")
        .body(Body::empty())
        .expect("request");
    let r = s.send(req).await;
    assert_eq!(r.header("content-encoding"), None);
    m.check_table("orders", &r.body).expect("identity");
}

#[tokio::test]
async fn the_catalog_served_is_the_one_the_manifest_hashes() {
    let s = TestServer::new();
    let token = s.token("tyrell", Privacy::Standard);
    let r = s.get("/api/v1/catalog", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .header("content-type")
        .unwrap_or_default()
        .starts_with("application/json"));
    let hash = slicewise_core::manifest::sha256_hex(&r.body);
    assert_eq!(hash, Catalog::demo().public().schema_hash());
    let r = s.get("/api/v1/catalog", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
