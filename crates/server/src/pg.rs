//! PostgreSQL: the production source, with row-level security.
//!
//! Filled in below the SQLite source; until then every call fails cleanly.

use crate::rows::TenantRows;
use crate::seed::Tier;
use crate::store::{AuditFilter, AuditRecord, StoreError, Usage};

/// The PostgreSQL source.
#[derive(Debug, Clone)]
pub struct PgStore {
    url: String,
}

impl PgStore {
    /// A store over a connection URL.
    pub fn new(url: impl Into<String>) -> PgStore {
        PgStore { url: url.into() }
    }

    fn unavailable(&self) -> StoreError {
        StoreError(format!(
            "postgres source not available ({} chars url)",
            self.url.len()
        ))
    }

    /// Creates the state tables.
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        Err(self.unavailable())
    }

    /// The tier of a tenant.
    pub async fn tenant_tier(&self, _tenant: &str) -> Result<Option<Tier>, StoreError> {
        Err(self.unavailable())
    }

    /// All rows of one tenant.
    pub async fn load_tenant(&self, _tenant: &str) -> Result<TenantRows, StoreError> {
        Err(self.unavailable())
    }

    /// Counted asks.
    pub async fn usage(&self, _t: &str, _d: i64, _m: i64) -> Result<Usage, StoreError> {
        Err(self.unavailable())
    }

    /// Records one ask.
    pub async fn record_audit(&self, _r: AuditRecord) -> Result<(), StoreError> {
        Err(self.unavailable())
    }

    /// Stores feedback.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_feedback(
        &self,
        _id: String,
        _tenant: &str,
        _sub: &str,
        _answer_id: &str,
        _helpful: bool,
        _comment: Option<String>,
        _now_ms: i64,
    ) -> Result<bool, StoreError> {
        Err(self.unavailable())
    }

    /// Audit records.
    pub async fn list_audit(&self, _f: AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        Err(self.unavailable())
    }
}

/// Writes the demo dataset into PostgreSQL; false when `if_missing` kept existing data.
pub async fn seed_postgres(_url: &str, _scale: f64, _if_missing: bool) -> Result<bool, StoreError> {
    Err(StoreError("postgres seeding not available yet".into()))
}
