//! Slicewise's own state (the audit log, quotas' counts, feedback and the
//! published signing keys): in a SQLite file or a PostgreSQL database.
//!
//! Both hold the same tables; every method here is scoped to one tenant
//! except the admin reports. The vendor's data is never here: it is read
//! through a `source`. Errors never carry SQL text to a client: the
//! API maps them all to `database_unavailable` and logs the detail.

use serde::Serialize;
use slicewise_core::wire::{KeySet, PublicKey};

use crate::store_pg::PgStore;
use crate::store_sqlite::SqliteStore;

/// A database failure; the message is for the log only.
#[derive(Debug, Clone, thiserror::Error)]
#[error("database error: {0}")]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Feedback on one answer, by the user who asked it.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub id: String,
    pub tenant: String,
    pub sub: String,
    pub answer_id: String,
    pub helpful: bool,
    pub comment: Option<String>,
    pub created_at: i64,
}

/// One recorded ask.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: String,
    pub tenant: String,
    pub sub: String,
    pub question: String,
    pub status: String,
    pub sql: Option<String>,
    pub engine: String,
    pub cached: bool,
    /// Whether it counted against the tenant's quota.
    pub counted: bool,
    pub latency_ms: f64,
    /// Comma-separated.
    pub tables: String,
    /// Comma-separated.
    pub columns: String,
    pub privacy: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// Filters of the admin audit listing.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub tenant: Option<String>,
    pub status: Option<String>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    pub limit: usize,
}

/// Asks counted against a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub today: u64,
    pub last_minute: u64,
}

/// Which manifest-signing keys to publish, and until when retired ones stay listed.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPublication {
    /// Keys a server signs with (or is about to): listed with no end.
    pub active: Vec<PublicKey>,
    /// Keys no longer signing: listed until `now + lifetime`, when the last
    /// manifest they signed has expired. Already retired keys keep their end.
    pub retired: Vec<PublicKey>,
    /// Unix seconds.
    pub now: i64,
    /// Longest life of a signed manifest, in seconds.
    pub lifetime: i64,
}

/// Where Slicewise keeps its own state.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// Brings the state tables up to date: each versioned migration once.
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.migrate_state().await,
            Store::Postgres(p) => p.migrate_state().await,
        }
    }

    /// Counted asks of a tenant today (UTC) and in the last minute.
    pub async fn usage(&self, tenant: &str, now_ms: i64) -> Result<Usage, StoreError> {
        let day_start = now_ms - now_ms.rem_euclid(86_400_000);
        let minute_start = now_ms - 60_000;
        match self {
            Store::Sqlite(s) => s.usage(tenant, day_start, minute_start).await,
            Store::Postgres(p) => p.usage(tenant, day_start, minute_start).await,
        }
    }

    /// Records one ask.
    pub async fn record_audit(&self, record: AuditRecord) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.record_audit(record).await,
            Store::Postgres(p) => p.record_audit(record).await,
        }
    }

    /// Stores feedback on an answer of its tenant; false when the answer is not that tenant's.
    pub async fn record_feedback(&self, feedback: Feedback) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.record_feedback(feedback).await,
            Store::Postgres(p) => p.record_feedback(feedback).await,
        }
    }

    /// Audit records, newest first.
    pub async fn list_audit(&self, filter: AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.list_audit(filter).await,
            Store::Postgres(p) => p.list_audit(filter).await,
        }
    }

    /// Records signing keys' public halves (never a secret) as active or retired.
    pub async fn publish_signing_keys(&self, p: KeyPublication) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.publish_signing_keys(p).await,
            Store::Postgres(pg) => pg.publish_signing_keys(p).await,
        }
    }

    /// The published keys still valid at `now` (unix seconds), oldest first.
    pub async fn published_keys(&self, now: i64) -> Result<KeySet, StoreError> {
        let keys = match self {
            Store::Sqlite(s) => s.published_keys(now).await?,
            Store::Postgres(p) => p.published_keys(now).await?,
        };
        Ok(KeySet { keys })
    }
}
