//! Slicewise's own state in PostgreSQL: the audit log, feedback and the
//! published signing keys, in a schema of its own (`slicewise`), created by
//! versioned migrations (`migrations/postgres`), read and written as the
//! app role.

use slicewise_core::wire::PublicKey;
use tokio_postgres::Client;

use crate::pg::{connect, ensure_role, APP_ROLE};
use crate::store::{AuditFilter, AuditRecord, Feedback, KeyPublication, StoreError, Usage};

/// Slicewise's schema: its state tables never meet the vendor's.
pub const SCHEMA: &str = "slicewise";

/// Refinery's record of the applied migrations, in Slicewise's schema.
const HISTORY: &str = "slicewise.refinery_schema_history";

/// Key of the advisory lock a server holds while it migrates, so replicas
/// starting together apply each migration once.
const MIGRATION_LOCK: i64 = 0x0051_1CE1_715E;

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// What the app role may do with the state tables.
fn state_grants() -> String {
    format!(
        "GRANT USAGE ON SCHEMA {SCHEMA} TO {APP_ROLE};
         GRANT SELECT, INSERT ON {SCHEMA}.audit, {SCHEMA}.feedback TO {APP_ROLE};
         GRANT SELECT, INSERT, UPDATE ON {SCHEMA}.signing_keys TO {APP_ROLE};"
    )
}

/// Upsert of an active key (see the SQLite twin).
const ACTIVATE_KEY: &str =
    "INSERT INTO slicewise.signing_keys (kid, alg, x, created_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (kid) DO UPDATE SET retired_at = NULL, expires_at = NULL";

/// Upsert of a retired key: the first retirement sets its end.
const RETIRE_KEY: &str =
    "INSERT INTO slicewise.signing_keys AS k (kid, alg, x, created_at, retired_at, expires_at)
  VALUES ($1, $2, $3, $4, $4, $5)
  ON CONFLICT (kid) DO UPDATE SET retired_at = excluded.retired_at, expires_at = excluded.expires_at
  WHERE k.retired_at IS NULL";

/// Slicewise's state in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    url: String,
}

impl PgStore {
    /// A store over a connection string (URL or `key=value` form).
    pub fn new(url: impl Into<String>) -> PgStore {
        PgStore { url: url.into() }
    }

    /// The connection string.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A connection working as the app role.
    async fn app_client(&self) -> Result<Client, StoreError> {
        let client = connect(&self.url).await?;
        client
            .batch_execute(&format!("SET ROLE {APP_ROLE}"))
            .await?;
        Ok(client)
    }

    /// Brings the state tables up to date in Slicewise's schema (as the
    /// connecting user): each versioned migration once, one server at a time.
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        let mut client = connect(&self.url).await?;
        // Held until this connection closes, also when a migration fails.
        client
            .query_one("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
            .await?;
        embedded::migrations::runner()
            .set_migration_table_name(HISTORY)
            .run_async(&mut client)
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        ensure_role(&client).await?;
        client.batch_execute(&state_grants()).await?;
        Ok(())
    }

    /// Counted asks since two instants (unix ms).
    pub async fn usage(
        &self,
        tenant: &str,
        day_start: i64,
        minute_start: i64,
    ) -> Result<Usage, StoreError> {
        let client = self.app_client().await?;
        let row = client
            .query_one(
                "SELECT COUNT(*) FILTER (WHERE created_at >= $2), COUNT(*) FILTER (WHERE created_at >= $3)
                 FROM slicewise.audit WHERE tenant = $1 AND counted AND created_at >= LEAST($2, $3)",
                &[&tenant, &day_start, &minute_start],
            )
            .await?;
        Ok(Usage {
            today: row.get::<_, i64>(0).max(0) as u64,
            last_minute: row.get::<_, i64>(1).max(0) as u64,
        })
    }

    /// Records one ask.
    pub async fn record_audit(&self, r: AuditRecord) -> Result<(), StoreError> {
        let client = self.app_client().await?;
        client
            .execute(
                "INSERT INTO slicewise.audit (id, tenant, sub, question, status, sql, engine, cached, counted,
                 latency_ms, tables, columns, privacy, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                &[
                    &r.id, &r.tenant, &r.sub, &r.question, &r.status, &r.sql, &r.engine, &r.cached,
                    &r.counted, &r.latency_ms, &r.tables, &r.columns, &r.privacy, &r.created_at,
                ],
            )
            .await?;
        Ok(())
    }

    /// Stores feedback when the answer is the tenant's.
    pub async fn record_feedback(&self, f: Feedback) -> Result<bool, StoreError> {
        let client = self.app_client().await?;
        let n = client
            .execute(
                "INSERT INTO slicewise.feedback (id, answer_id, tenant, sub, helpful, comment, created_at)
                 SELECT $1, id, tenant, $4, $5, $6, $7 FROM slicewise.audit WHERE id = $2 AND tenant = $3",
                &[
                    &f.id,
                    &f.answer_id,
                    &f.tenant,
                    &f.sub,
                    &f.helpful,
                    &f.comment,
                    &f.created_at,
                ],
            )
            .await?;
        Ok(n == 1)
    }

    /// Audit records, newest first.
    pub async fn list_audit(&self, f: AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        let client = self.app_client().await?;
        let limit = f.limit as i64;
        let rows = client
            .query(
                "SELECT id, tenant, sub, question, status, sql, engine, cached, counted, latency_ms,
                 tables, columns, privacy, created_at FROM slicewise.audit
                 WHERE ($1::text IS NULL OR tenant = $1) AND ($2::text IS NULL OR status = $2)
                   AND ($3::bigint IS NULL OR created_at >= $3)
                 ORDER BY created_at DESC LIMIT $4",
                &[&f.tenant, &f.status, &f.since, &limit],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get(0)?,
                    tenant: r.try_get(1)?,
                    sub: r.try_get(2)?,
                    question: r.try_get(3)?,
                    status: r.try_get(4)?,
                    sql: r.try_get(5)?,
                    engine: r.try_get(6)?,
                    cached: r.try_get(7)?,
                    counted: r.try_get(8)?,
                    latency_ms: r.try_get(9)?,
                    tables: r.try_get(10)?,
                    columns: r.try_get(11)?,
                    privacy: r.try_get(12)?,
                    created_at: r.try_get(13)?,
                })
            })
            .collect()
    }
}

impl PgStore {
    /// Records signing keys as active or retired, in one transaction.
    pub async fn publish_signing_keys(&self, p: KeyPublication) -> Result<(), StoreError> {
        let mut client = self.app_client().await?;
        let tx = client.transaction().await?;
        for k in &p.active {
            tx.execute(ACTIVATE_KEY, &[&k.kid, &k.alg, &k.x, &p.now])
                .await?;
        }
        let end = p.now + p.lifetime;
        for k in &p.retired {
            tx.execute(RETIRE_KEY, &[&k.kid, &k.alg, &k.x, &p.now, &end])
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Keys still valid at `now`, oldest first.
    pub async fn published_keys(&self, now: i64) -> Result<Vec<PublicKey>, StoreError> {
        let client = self.app_client().await?;
        let rows = client
            .query(
                "SELECT kid, alg, x FROM slicewise.signing_keys WHERE expires_at IS NULL OR expires_at > $1
                 ORDER BY created_at, kid",
                &[&now],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PublicKey {
                    kid: r.try_get(0)?,
                    alg: r.try_get(1)?,
                    x: r.try_get(2)?,
                })
            })
            .collect()
    }
}
