//! Tenant extracts: one tenant's catalog tables as Arrow IPC streams, signed
//! URLs to them, and the cache of built extracts.
//!
//! The builder knows Arrow and the catalog, not any table: a source reads
//! each table for the tenant in batches, the privacy rules are applied to
//! each batch before encoding, so pseudonymised or left-out values never
//! reach the bytes that get hashed, signed and served.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use slicewise_core::catalog::TableDef;
use slicewise_core::manifest::sha256_hex;
use slicewise_core::wire::Privacy;
use slicewise_core::Catalog;
use tokio::sync::OnceCell;

use crate::privacy::{consent_chain, hmac, tenant_pseudonym_key, KeptKeys, TablePrivacy};
use crate::source::{arrow_schema, SourceError, TableSource};

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

/// Why a tenant's extract could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExtractError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("table {table} could not be encoded: {detail}")]
    Encode { table: String, detail: String },
}

impl ExtractError {
    /// A stable machine code (the API's for the same failure).
    pub fn code(&self) -> &'static str {
        match self {
            ExtractError::Source(e) => e.code(),
            ExtractError::Encode { .. } => "internal",
        }
    }
}

/// One table's IPC stream writer, fed batch by batch.
struct TableWriter {
    name: String,
    rows: u64,
    writer: arrow_ipc::writer::StreamWriter<Vec<u8>>,
}

impl TableWriter {
    fn new(table: &TableDef) -> Result<TableWriter, ExtractError> {
        let writer = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &arrow_schema(table))
            .map_err(|e| encode_error(&table.name, e))?;
        Ok(TableWriter {
            name: table.name.clone(),
            rows: 0,
            writer,
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), ExtractError> {
        // An empty batch adds nothing but framing.
        if batch.num_rows() == 0 && self.rows > 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        self.writer
            .write(batch)
            .map_err(|e| encode_error(&self.name, e))
    }

    fn finish(mut self) -> Result<ExtractTable, ExtractError> {
        self.writer
            .finish()
            .map_err(|e| encode_error(&self.name, e))?;
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| encode_error(&self.name, e))?;
        Ok(ExtractTable::new(&self.name, self.rows, bytes))
    }
}

fn encode_error(table: &str, e: impl std::fmt::Display) -> ExtractError {
    ExtractError::Encode {
        table: table.to_string(),
        detail: e.to_string(),
    }
}

/// Reads one table for a tenant and encodes it, the rules applied per batch.
async fn encode_table<S: TableSource + Sync>(
    source: &S,
    table: &TableDef,
    tenant: &str,
    rule: &TablePrivacy<'_>,
    keys: &mut KeptKeys,
) -> Result<ExtractTable, ExtractError> {
    let mut out = TableWriter::new(table)?;
    let mut failed = None;
    let read = {
        let mut sink = |batch: RecordBatch| -> Result<(), SourceError> {
            let written = rule
                .apply(batch, keys)
                .map_err(|detail| encode_error(&table.name, detail))
                .and_then(|b| out.write(&b));
            written.map_err(|e| {
                let detail = e.to_string();
                failed = Some(e);
                SourceError::Changed {
                    table: table.name.clone(),
                    detail,
                }
            })
        };
        source.read_table(table, tenant, &mut sink).await
    };
    if let Some(e) = failed {
        return Err(e);
    }
    read?;
    out.finish()
}

/// Builds a tenant's extract at a privacy level: every catalog table read
/// from the source for that tenant, the privacy rules applied batch by
/// batch, each encoded as an Arrow IPC stream (tables in catalog order).
pub async fn build_extract<S: TableSource + Sync>(
    catalog: &Catalog,
    source: &S,
    tenant: &str,
    privacy: Privacy,
    pseudonym_root: &[u8],
) -> Result<TenantExtract, ExtractError> {
    let key = tenant_pseudonym_key(pseudonym_root, tenant);
    let chain = if privacy == Privacy::Gdpr {
        consent_chain(catalog)
    } else {
        Vec::new()
    };
    let rules: Vec<TablePrivacy> = catalog
        .tables
        .iter()
        .map(|t| TablePrivacy::new(catalog, t, privacy, &chain, key))
        .collect();
    // Who consented is known before the tables that follow consent are read.
    let mut order: Vec<usize> = (0..catalog.tables.len()).collect();
    order.sort_by_key(|i| {
        let name = catalog.tables[*i].name.as_str();
        chain
            .iter()
            .position(|(t, _)| *t == name)
            .unwrap_or(usize::MAX)
    });
    let mut keys = KeptKeys::default();
    let mut built: Vec<Option<ExtractTable>> = vec![None; catalog.tables.len()];
    for i in order {
        let table = &catalog.tables[i];
        built[i] = Some(encode_table(source, table, tenant, &rules[i], &mut keys).await?);
    }
    Ok(TenantExtract {
        tenant: tenant.to_string(),
        privacy,
        tables: built.into_iter().flatten().collect(),
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
    pub table: String,
    /// Hex SHA-256 of the table's bytes.
    pub sha256: String,
}

/// Why a table URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

/// What a path segment keeps as is: letters, digits, `-`, `_`, `~`. A dot
/// is escaped too, so no tenant is ever a `.` or `..` segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');

/// Prefix of table paths.
pub const TABLES_PATH: &str = "/api/v1/extract/tables";

impl TableRef {
    /// The table's path: tenant, privacy level, table and content hash are
    /// all in it, so a cache that ignores query strings still never serves
    /// one tenant's table for another's (and a browser may keep a table by
    /// its hash across visits).
    pub fn path(&self) -> String {
        format!(
            "{TABLES_PATH}/{}/{}/{}/{}.arrow",
            utf8_percent_encode(&self.tenant, SEGMENT),
            self.privacy.as_str(),
            utf8_percent_encode(&self.table, SEGMENT),
            self.sha256
        )
    }

    /// The reference of a path's decoded segments (`file` is `<sha256>.arrow`).
    pub fn from_segments(
        tenant: &str,
        privacy: &str,
        table: &str,
        file: &str,
    ) -> Result<TableRef, UrlError> {
        let sha256 = file.strip_suffix(".arrow").ok_or(UrlError::Invalid)?;
        let hex = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex || tenant.is_empty() || table.is_empty() {
            return Err(UrlError::Invalid);
        }
        Ok(TableRef {
            tenant: tenant.to_string(),
            privacy: Privacy::parse(privacy).ok_or(UrlError::Invalid)?,
            table: table.to_string(),
            sha256: sha256.to_string(),
        })
    }
}

fn url_signature(key: &[u8], r: &TableRef, exp: i64) -> String {
    use base64::Engine as _;
    let signed = format!("{}?exp={exp}", r.path());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hmac(key, &[signed.as_bytes()]))
}

/// A signed, expiring URL (relative) for one table of an extract.
pub fn signed_table_url(key: &[u8], r: &TableRef, exp: i64) -> String {
    let sig = url_signature(key, r, exp);
    format!("{}?exp={exp}&sig={sig}", r.path())
}

/// Checks a table URL's signature and expiry.
pub fn verify_table_url(
    key: &[u8],
    r: &TableRef,
    exp: i64,
    sig: &str,
    now: i64,
) -> Result<(), UrlError> {
    let expected = url_signature(key, r, exp);
    // Compare digests, not strings, so timing says nothing about the signature.
    let a = hmac(key, &[expected.as_bytes()]);
    let b = hmac(key, &[sig.as_bytes()]);
    if a != b {
        return Err(UrlError::Invalid);
    }
    if now >= exp {
        return Err(UrlError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders(tenant: &str) -> TableRef {
        TableRef {
            tenant: tenant.into(),
            privacy: Privacy::High,
            table: "orders".into(),
            sha256: "0123456789abcdef".repeat(4),
        }
    }

    #[test]
    fn signed_urls_verify_and_refuse_edits() {
        let r = orders("acme");
        let url = signed_table_url(b"k", &r, 2_000);
        let sig = url.rsplit_once("sig=").map(|x| x.1).unwrap_or_default();
        assert_eq!(verify_table_url(b"k", &r, 2_000, sig, 1_000), Ok(()));
        let customers = TableRef {
            table: "customers".into(),
            ..r.clone()
        };
        assert_eq!(
            verify_table_url(b"k", &customers, 2_000, sig, 1_000),
            Err(UrlError::Invalid)
        );
        assert_eq!(
            verify_table_url(b"k", &orders("globex"), 2_000, sig, 1_000),
            Err(UrlError::Invalid)
        );
        assert_eq!(
            verify_table_url(b"k", &r, 2_001, sig, 1_000),
            Err(UrlError::Invalid)
        );
        assert_eq!(
            verify_table_url(b"k", &r, 2_000, sig, 2_000),
            Err(UrlError::Expired)
        );
    }

    #[test]
    fn tenants_are_one_escaped_path_segment() {
        let sha = "0123456789abcdef".repeat(4);
        assert_eq!(
            orders("acme").path(),
            format!("/api/v1/extract/tables/acme/high/orders/{sha}.arrow")
        );
        assert_eq!(
            orders("../a b/c").path(),
            format!("/api/v1/extract/tables/%2E%2E%2Fa%20b%2Fc/high/orders/{sha}.arrow")
        );
        let file = format!("{sha}.arrow");
        assert_eq!(
            TableRef::from_segments("../a b/c", "high", "orders", &file),
            Ok(orders("../a b/c"))
        );
        for (privacy, file) in [
            ("high", "0123.arrow"),
            ("high", sha.as_str()),
            ("secret", file.as_str()),
        ] {
            assert_eq!(
                TableRef::from_segments("acme", privacy, "orders", file),
                Err(UrlError::Invalid)
            );
        }
    }
}
