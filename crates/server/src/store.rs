//! Slicewise's own state (the audit log, quota windows, feedback, the
//! published signing keys and saved answers): in a SQLite file or a
//! PostgreSQL database.
//!
//! Both hold the same tables; every method here is scoped to one tenant
//! except the admin reports. The vendor's data is never here: it is read
//! through a `source`. Errors never carry SQL text to a client: the
//! API maps them all to `database_unavailable` and logs the detail.

use serde::Serialize;
use slicewise_core::wire::{KeySet, PublicKey, SavedChart, SavedVisibility};

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
        StoreError(crate::pg::detail(&e))
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

/// An embed token minted with the admin key.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenMint {
    pub id: String,
    pub tenant: String,
    pub sub: String,
    pub privacy: String,
    /// Hex SHA-256 of the token: matches it in logs, never replays it.
    pub token_sha256: String,
    /// Unix seconds.
    pub expires_at: i64,
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

/// Limits of one scope and subject: per clock minute and per UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u64,
    /// `None`: no daily limit.
    pub per_day: Option<u64>,
}

impl RateLimit {
    /// The limits as the SQL compares them (`used < limit`).
    pub(crate) fn sql_limits(self) -> (i64, i64) {
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        (self.per_day.map_or(i64::MAX, clamp), clamp(self.per_minute))
    }
}

/// The fixed windows an instant falls in: its UTC day and its clock minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindows {
    /// Unix milliseconds of the day's start.
    pub day_start: i64,
    /// Unix milliseconds of the minute's start.
    pub minute_start: i64,
}

impl RateWindows {
    /// The windows of `now_ms` (unix milliseconds).
    pub fn at(now_ms: i64) -> RateWindows {
        RateWindows {
            day_start: now_ms - now_ms.rem_euclid(86_400_000),
            minute_start: now_ms - now_ms.rem_euclid(60_000),
        }
    }
}

/// What a reservation got: a unit of both windows, or which one is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    Granted,
    MinuteFull,
    DayFull,
}

/// Which window a refused reservation found full, from the row as it is now.
pub(crate) fn full_window(
    windows: RateWindows,
    limit: RateLimit,
    row: Option<(i64, i64, i64, i64)>,
) -> Reservation {
    let (_, minute_limit) = limit.sql_limits();
    match row {
        Some((_, _, minute_start, minute_used))
            if minute_start >= windows.minute_start && minute_used >= minute_limit =>
        {
            Reservation::MinuteFull
        }
        _ if limit.per_minute == 0 => Reservation::MinuteFull,
        _ => Reservation::DayFull,
    }
}

/// A saved answer as stored: a definition, never rows or cell values.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRecord {
    pub id: String,
    pub tenant: String,
    /// The token's `sub` of the user who saved it.
    pub owner: String,
    pub visibility: SavedVisibility,
    pub title: String,
    pub question: String,
    pub sql: String,
    pub chart: Option<SavedChart>,
    pub pinned: bool,
    /// Place on the dashboard, lower first; the store sets it at creation.
    pub position: i64,
    /// Schema hash of the catalog it was saved under.
    pub schema_hash: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
}

impl SavedRecord {
    /// A stored visibility; an unknown name reads as the narrowest.
    pub(crate) fn visibility_of(name: &str) -> SavedVisibility {
        SavedVisibility::parse(name).unwrap_or(SavedVisibility::Private)
    }
}

/// What a change of a saved answer sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedChange {
    pub title: Option<String>,
    pub chart: Option<SavedChart>,
    pub visibility: Option<SavedVisibility>,
    pub pinned: Option<bool>,
    pub position: Option<i64>,
    /// Unix milliseconds.
    pub updated_at: i64,
}

/// Most saved answers one listing returns (pinned ones first).
pub const MAX_SAVED_LISTED: i64 = 1_000;

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
    /// Its connections, for the metrics.
    pub fn connections(&self) -> &crate::metrics::DbConnections {
        match self {
            Store::Sqlite(s) => s.connections(),
            Store::Postgres(p) => p.connections(),
        }
    }

    /// Connections its pool keeps at most.
    pub fn pool_size(&self) -> usize {
        match self {
            Store::Sqlite(s) => s.pool_size(),
            Store::Postgres(p) => p.pool_size(),
        }
    }

    /// Brings the state tables up to date: each versioned migration once.
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.migrate_state().await,
            Store::Postgres(p) => p.migrate_state().await,
        }
    }

    /// Takes one unit of `subject`'s minute and day windows in `scope`, both
    /// or neither, in one conditional statement: concurrent requests on any
    /// replica never take more than the limits.
    pub async fn reserve(
        &self,
        scope: &str,
        subject: &str,
        windows: RateWindows,
        limit: RateLimit,
    ) -> Result<Reservation, StoreError> {
        if limit.per_minute == 0 {
            return Ok(Reservation::MinuteFull);
        }
        if limit.per_day == Some(0) {
            return Ok(Reservation::DayFull);
        }
        match self {
            Store::Sqlite(s) => s.reserve(scope, subject, windows, limit).await,
            Store::Postgres(p) => p.reserve(scope, subject, windows, limit).await,
        }
    }

    /// Gives back a unit taken by [`Store::reserve`] in these windows (the
    /// work it was taken for failed); a window since replaced is left alone.
    pub async fn release(
        &self,
        scope: &str,
        subject: &str,
        windows: RateWindows,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.release(scope, subject, windows).await,
            Store::Postgres(p) => p.release(scope, subject, windows).await,
        }
    }

    /// Counts one refused request of the day (never a row per refusal).
    pub async fn count_refusal(
        &self,
        scope: &str,
        subject: &str,
        windows: RateWindows,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.count_refusal(scope, subject, windows.day_start).await,
            Store::Postgres(p) => p.count_refusal(scope, subject, windows.day_start).await,
        }
    }

    /// Refused requests per subject of a scope, over the days from `since_ms` on.
    pub async fn refusals(
        &self,
        scope: &str,
        subject: Option<String>,
        since_ms: i64,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let since_day = RateWindows::at(since_ms).day_start;
        match self {
            Store::Sqlite(s) => s.refusals(scope, subject, since_day).await,
            Store::Postgres(p) => p.refusals(scope, subject, since_day).await,
        }
    }

    /// Whether the state database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.ping().await,
            Store::Postgres(p) => p.ping().await,
        }
    }

    /// Records one ask.
    pub async fn record_audit(&self, record: AuditRecord) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.record_audit(record).await,
            Store::Postgres(p) => p.record_audit(record).await,
        }
    }

    /// Records an embed token minted with the admin key.
    pub async fn record_token_mint(&self, mint: TokenMint) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.record_token_mint(mint).await,
            Store::Postgres(p) => p.record_token_mint(mint).await,
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

    /// Stores a new saved answer at the end of its tenant's dashboard order,
    /// unless its owner already has `max_per_owner` (then `None`); the count
    /// and the insert are one transaction, so concurrent saves never pass it.
    pub async fn create_saved(
        &self,
        record: SavedRecord,
        max_per_owner: u64,
    ) -> Result<Option<SavedRecord>, StoreError> {
        let max = i64::try_from(max_per_owner).unwrap_or(i64::MAX);
        match self {
            Store::Sqlite(s) => s.create_saved(record, max).await,
            Store::Postgres(p) => p.create_saved(record, max).await,
        }
    }

    /// The saved answers of `tenant` that `sub` may see (its own and those
    /// shared with the tenant), pinned first, then by position.
    pub async fn saved_visible(
        &self,
        tenant: &str,
        sub: &str,
    ) -> Result<Vec<SavedRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.saved_visible(tenant, sub).await,
            Store::Postgres(p) => p.saved_visible(tenant, sub).await,
        }
    }

    /// One saved answer of `tenant` that `sub` may see.
    pub async fn saved_one(
        &self,
        tenant: &str,
        sub: &str,
        id: &str,
    ) -> Result<Option<SavedRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.saved_one(tenant, sub, id).await,
            Store::Postgres(p) => p.saved_one(tenant, sub, id).await,
        }
    }

    /// Changes a saved answer `owner` owns in `tenant`; `None` when there is none.
    pub async fn change_saved(
        &self,
        tenant: &str,
        owner: &str,
        id: &str,
        change: SavedChange,
    ) -> Result<Option<SavedRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.change_saved(tenant, owner, id, change).await,
            Store::Postgres(p) => p.change_saved(tenant, owner, id, change).await,
        }
    }

    /// Deletes a saved answer `owner` owns in `tenant`; false when there is none.
    pub async fn delete_saved(
        &self,
        tenant: &str,
        owner: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.delete_saved(tenant, owner, id).await,
            Store::Postgres(p) => p.delete_saved(tenant, owner, id).await,
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
