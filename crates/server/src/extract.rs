//! Tenant extracts: one tenant's four tables as Arrow IPC streams.
//!
//! Privacy is applied before encoding, so pseudonymised or left-out values
//! never reach the bytes that get hashed, signed and served.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, TimeUnit};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use slicewise_core::manifest::sha256_hex;
use slicewise_core::wire::Privacy;
use slicewise_core::Catalog;
use tokio::sync::OnceCell;

use crate::rows::TenantRows;

/// The tables of an extract, in manifest order.
pub const EXTRACT_TABLES: [&str; 4] = ["orders", "customers", "products", "support_tickets"];

/// Label columns, sent as Arrow dictionaries: each distinct value once per
/// table, then 4-byte keys. The engine turns them into categoricals by
/// mapping the dictionary, not every row.
const LOW_CARDINALITY: [&str; 7] = [
    "channel", "status", "country", "segment", "category", "priority", "topic",
];

/// One encoded table.
#[derive(Debug, Clone)]
pub struct ExtractTable {
    pub name: String,
    pub rows: u64,
    pub bytes: Bytes,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
    /// `bytes` compressed, made on first request and kept with the extract.
    compressed: Arc<[std::sync::OnceLock<Bytes>; 2]>,
}

impl PartialEq for ExtractTable {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.rows == other.rows && self.sha256 == other.sha256
    }
}

/// A content coding the table endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    /// The `Content-Encoding` name.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }

    /// The preferred coding an `Accept-Encoding` header admits (br first).
    pub fn negotiate(accept: &str) -> Option<Coding> {
        let admits = |name: &str| {
            accept.split(',').any(|part| {
                let mut it = part.split(';');
                let coding = it.next().unwrap_or_default().trim();
                let q_zero = it.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                coding.eq_ignore_ascii_case(name) && !q_zero
            })
        };
        if admits("br") {
            Some(Coding::Brotli)
        } else if admits("gzip") {
            Some(Coding::Gzip)
        } else {
            None
        }
    }
}

impl ExtractTable {
    fn new(name: &str, rows: u64, bytes: Vec<u8>) -> ExtractTable {
        ExtractTable {
            name: name.to_string(),
            rows,
            sha256: sha256_hex(&bytes),
            bytes: Bytes::from(bytes),
            compressed: Arc::new([std::sync::OnceLock::new(), std::sync::OnceLock::new()]),
        }
    }

    /// The bytes in a coding, compressed once (CPU-heavy: call off the async runtime).
    pub fn encoded(&self, coding: Coding) -> Bytes {
        let slot = match coding {
            Coding::Brotli => &self.compressed[0],
            Coding::Gzip => &self.compressed[1],
        };
        slot.get_or_init(|| Bytes::from(compress(&self.bytes, coding)))
            .clone()
    }
}

impl TenantExtract {
    /// Compresses every table in every coding now, so requests find them ready.
    pub fn precompress(&self) {
        for t in &self.tables {
            for coding in [Coding::Brotli, Coding::Gzip] {
                let _ = t.encoded(coding);
            }
        }
    }
}

fn compress(bytes: &[u8], coding: Coding) -> Vec<u8> {
    use std::io::Write as _;
    match coding {
        Coding::Brotli => {
            let mut out = Vec::with_capacity(bytes.len() / 3);
            {
                // Quality 4, window 22: most of brotli's gain at a fraction of its time
                // (acme's 83 MB orders: about 20 MB in well under 3 s on one core).
                let mut w = brotli::CompressorWriter::new(&mut out, 1 << 16, 4, 22);
                let _ = w.write_all(bytes);
            }
            out
        }
        Coding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(
                Vec::with_capacity(bytes.len() / 3),
                // Level 1: gzip is the fallback for old clients; speed matters more.
                flate2::Compression::fast(),
            );
            let _ = w.write_all(bytes);
            w.finish().unwrap_or_default()
        }
    }
}

/// A tenant's extract at one privacy level.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantExtract {
    pub tenant: String,
    pub privacy: Privacy,
    pub tables: Vec<ExtractTable>,
}

impl TenantExtract {
    /// The table of that name.
    pub fn table(&self, name: &str) -> Option<&ExtractTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// The pseudonym key of one tenant, derived from the server's root key.
pub fn tenant_pseudonym_key(root: &[u8], tenant: &str) -> [u8; 32] {
    hmac(root, &[b"slicewise-pseudonym\0", tenant.as_bytes()])
}

/// A stable pseudonym: the same value and tenant key always give the same one.
pub fn pseudonym(tenant_key: &[u8], column: &str, value: &str) -> String {
    let digest = hex::encode(&hmac(tenant_key, &[column.as_bytes(), b"\0", value.as_bytes()])[..4]);
    if column == "email" {
        format!("user_{digest}@example.invalid")
    } else {
        format!("cust_{digest}")
    }
}

/// Applies a privacy level to a tenant's rows in place.
pub fn apply_privacy(rows: &mut TenantRows, privacy: Privacy, tenant_key: &[u8]) {
    if privacy == Privacy::Standard {
        return;
    }
    if privacy == Privacy::Gdpr {
        let keep = rows.customers.privacy_consent.clone();
        let consenting: std::collections::HashSet<i64> = rows
            .customers
            .customer_id
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(id, _)| *id)
            .collect();
        rows.customers.retain(&keep);
        let orders: Vec<bool> = rows
            .orders
            .customer_id
            .iter()
            .map(|c| consenting.contains(c))
            .collect();
        rows.orders.retain(&orders);
        let tickets: Vec<bool> = rows
            .tickets
            .customer_id
            .iter()
            .map(|c| consenting.contains(c))
            .collect();
        rows.tickets.retain(&tickets);
    }
    // The catalog says which columns are personal; the rows know customers' name and email.
    let catalog = Catalog::demo();
    let personal = |col: &str| {
        catalog
            .table("customers")
            .and_then(|t| t.column(col))
            .is_some_and(|c| c.personal)
    };
    if personal("name") {
        for v in &mut rows.customers.name {
            *v = pseudonym(tenant_key, "name", v);
        }
    }
    if personal("email") {
        for v in &mut rows.customers.email {
            *v = pseudonym(tenant_key, "email", v);
        }
    }
}

fn string_column(name: &str, values: &[String]) -> (Field, ArrayRef) {
    if LOW_CARDINALITY.contains(&name) {
        let array: DictionaryArray<Int32Type> = values.iter().map(String::as_str).collect();
        let field = Field::new(
            name,
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        );
        (field, Arc::new(array))
    } else {
        let array = StringArray::from_iter_values(values.iter());
        (Field::new(name, DataType::Utf8, false), Arc::new(array))
    }
}

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

fn batch(columns: Vec<(Field, ArrayRef)>) -> Result<RecordBatch, ArrowError> {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
}

fn int64(name: &str, v: &[i64]) -> (Field, ArrayRef) {
    (
        Field::new(name, DataType::Int64, false),
        Arc::new(Int64Array::from(v.to_vec())),
    )
}

fn float64(name: &str, v: &[f64]) -> (Field, ArrayRef) {
    (
        Field::new(name, DataType::Float64, false),
        Arc::new(Float64Array::from(v.to_vec())),
    )
}

fn timestamp(name: &str, v: &[i64]) -> (Field, ArrayRef) {
    (
        Field::new(name, ts_type(), false),
        Arc::new(TimestampMicrosecondArray::from(v.to_vec())),
    )
}

/// The record batch of one extract table.
pub fn table_batch(rows: &TenantRows, table: &str) -> Result<RecordBatch, ArrowError> {
    match table {
        "orders" => {
            let o = &rows.orders;
            batch(vec![
                int64("order_id", &o.order_id),
                int64("customer_id", &o.customer_id),
                int64("product_id", &o.product_id),
                timestamp("ordered_at", &o.ordered_at),
                (
                    Field::new("quantity", DataType::Int32, false),
                    Arc::new(Int32Array::from(o.quantity.clone())),
                ),
                float64("unit_price", &o.unit_price),
                float64("discount", &o.discount),
                float64("amount", &o.amount),
                string_column("channel", &o.channel),
                string_column("status", &o.status),
            ])
        }
        "customers" => {
            let c = &rows.customers;
            batch(vec![
                int64("customer_id", &c.customer_id),
                (
                    Field::new("name", DataType::Utf8, false),
                    Arc::new(StringArray::from_iter_values(c.name.iter())),
                ),
                (
                    Field::new("email", DataType::Utf8, false),
                    Arc::new(StringArray::from_iter_values(c.email.iter())),
                ),
                string_column("country", &c.country),
                string_column("segment", &c.segment),
                (
                    Field::new("signup_date", DataType::Date32, false),
                    Arc::new(Date32Array::from(c.signup_date.clone())),
                ),
                (
                    Field::new("privacy_consent", DataType::Boolean, false),
                    Arc::new(BooleanArray::from(c.privacy_consent.clone())),
                ),
            ])
        }
        "products" => {
            let p = &rows.products;
            batch(vec![
                int64("product_id", &p.product_id),
                (
                    Field::new("name", DataType::Utf8, false),
                    Arc::new(StringArray::from_iter_values(p.name.iter())),
                ),
                string_column("category", &p.category),
                float64("unit_price", &p.unit_price),
            ])
        }
        "support_tickets" => {
            let t = &rows.tickets;
            batch(vec![
                int64("ticket_id", &t.ticket_id),
                int64("customer_id", &t.customer_id),
                timestamp("opened_at", &t.opened_at),
                (
                    Field::new("closed_at", ts_type(), true),
                    Arc::new(TimestampMicrosecondArray::from(t.closed_at.clone())),
                ),
                string_column("priority", &t.priority),
                string_column("topic", &t.topic),
                (
                    Field::new("satisfaction", DataType::Int32, true),
                    Arc::new(Int32Array::from(t.satisfaction.clone())),
                ),
            ])
        }
        other => Err(ArrowError::InvalidArgumentError(format!(
            "no extract table named {other}"
        ))),
    }
}

/// Encodes a batch as an uncompressed Arrow IPC stream.
pub fn encode_stream(batch: &RecordBatch) -> Result<Vec<u8>, ArrowError> {
    let mut buf = Vec::new();
    {
        let mut writer = arrow_ipc::writer::StreamWriter::try_new(&mut buf, &batch.schema())?;
        writer.write(batch)?;
        writer.finish()?;
    }
    Ok(buf)
}

/// Builds the extract of a tenant's rows at a privacy level.
pub fn build_extract(
    tenant: &str,
    privacy: Privacy,
    mut rows: TenantRows,
    pseudonym_root: &[u8],
) -> Result<TenantExtract, ArrowError> {
    apply_privacy(
        &mut rows,
        privacy,
        &tenant_pseudonym_key(pseudonym_root, tenant),
    );
    let mut tables = Vec::with_capacity(EXTRACT_TABLES.len());
    for name in EXTRACT_TABLES {
        let b = table_batch(&rows, name)?;
        let bytes = encode_stream(&b)?;
        tables.push(ExtractTable::new(name, b.num_rows() as u64, bytes));
    }
    Ok(TenantExtract {
        tenant: tenant.to_string(),
        privacy,
        tables,
    })
}

type Slot = Arc<OnceCell<Arc<TenantExtract>>>;

/// Built extracts in memory, keyed by tenant and privacy, for a while.
pub struct ExtractCache {
    ttl: Duration,
    slots: Mutex<HashMap<(String, Privacy), (Instant, Slot)>>,
}

impl ExtractCache {
    /// A cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> ExtractCache {
        ExtractCache {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, tenant: &str, privacy: Privacy) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let key = (tenant.to_string(), privacy);
        match slots.get(&key) {
            Some((at, slot)) if at.elapsed() < self.ttl => slot.clone(),
            _ => {
                let slot: Slot = Arc::new(OnceCell::new());
                slots.insert(key, (Instant::now(), slot.clone()));
                slot
            }
        }
    }

    /// The cached extract, or the one `build` makes (built once even when asked concurrently).
    pub async fn get_or_build<E, F, Fut>(
        &self,
        tenant: &str,
        privacy: Privacy,
        build: F,
    ) -> Result<Arc<TenantExtract>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<TenantExtract, E>>,
    {
        let slot = self.slot(tenant, privacy);
        slot.get_or_try_init(|| async { build().await.map(Arc::new) })
            .await
            .cloned()
    }
}

/// What a signed table URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub tenant: String,
    pub privacy: Privacy,
    /// First 16 hex characters of the table's SHA-256.
    pub sha_prefix: String,
}

/// Why a table URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

/// Path of a table's stream.
pub fn table_path(table: &str) -> String {
    format!("/api/v1/extract/tables/{table}")
}

fn url_signature(key: &[u8], table: &str, x: &str, exp: i64) -> String {
    use base64::Engine as _;
    let signed = format!("{}?x={x}&exp={exp}", table_path(table));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hmac(key, &[signed.as_bytes()]))
}

/// A signed, expiring URL (relative) for one table of an extract.
pub fn signed_table_url(key: &[u8], table: &str, r: &TableRef, exp: i64) -> String {
    use base64::Engine as _;
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "{}\n{}\n{}",
        r.tenant,
        r.privacy.as_str(),
        r.sha_prefix
    ));
    let sig = url_signature(key, table, &x, exp);
    format!("{}?x={x}&exp={exp}&sig={sig}", table_path(table))
}

/// Checks a table URL's signature and expiry and decodes what it points at.
pub fn verify_table_url(
    key: &[u8],
    table: &str,
    x: &str,
    exp: i64,
    sig: &str,
    now: i64,
) -> Result<TableRef, UrlError> {
    use base64::Engine as _;
    let expected = url_signature(key, table, x, exp);
    // Compare digests, not strings, so timing says nothing about the signature.
    let a = hmac(key, &[expected.as_bytes()]);
    let b = hmac(key, &[sig.as_bytes()]);
    if a != b {
        return Err(UrlError::Invalid);
    }
    if now >= exp {
        return Err(UrlError::Expired);
    }
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(x)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(UrlError::Invalid)?;
    let mut parts = text.split('\n');
    let (Some(tenant), Some(privacy), Some(sha), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(UrlError::Invalid);
    };
    Ok(TableRef {
        tenant: tenant.to_string(),
        privacy: Privacy::parse(privacy).ok_or(UrlError::Invalid)?,
        sha_prefix: sha.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_urls_verify_and_refuse_edits() {
        let r = TableRef {
            tenant: "acme".into(),
            privacy: Privacy::High,
            sha_prefix: "0123456789abcdef".into(),
        };
        let url = signed_table_url(b"k", "orders", &r, 2_000);
        let q = url.split_once('?').map(|x| x.1).unwrap_or_default();
        let get = |k: &str| {
            q.split('&')
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .unwrap_or_default()
                .to_string()
        };
        let (x, sig) = (get("x"), get("sig"));
        assert_eq!(
            verify_table_url(b"k", "orders", &x, 2_000, &sig, 1_000),
            Ok(r)
        );
        assert_eq!(
            verify_table_url(b"k", "customers", &x, 2_000, &sig, 1_000),
            Err(UrlError::Invalid)
        );
        assert_eq!(
            verify_table_url(b"k", "orders", &x, 2_001, &sig, 1_000),
            Err(UrlError::Invalid)
        );
        assert_eq!(
            verify_table_url(b"k", "orders", &x, 2_000, &sig, 2_000),
            Err(UrlError::Expired)
        );
    }

    #[test]
    fn pseudonyms_are_stable_and_keyed() {
        let k1 = tenant_pseudonym_key(b"root", "acme");
        let k2 = tenant_pseudonym_key(b"root", "globex");
        assert_eq!(pseudonym(&k1, "name", "Ann"), pseudonym(&k1, "name", "Ann"));
        assert_ne!(pseudonym(&k1, "name", "Ann"), pseudonym(&k2, "name", "Ann"));
        assert!(pseudonym(&k1, "email", "a@b").ends_with("@example.invalid"));
    }
}
