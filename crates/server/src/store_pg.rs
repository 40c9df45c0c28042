//! Slicewise's own state in PostgreSQL: the audit log, quota windows,
//! feedback, the published signing keys and saved answers, in a schema of its own (`slicewise`), created by
//! versioned migrations (`migrations/postgres`) applied by a role that may
//! create them (`slicewise pg setup`, or a development server), read and
//! written by the login role with only the rights each table needs.

use slicewise_core::wire::{PublicKey, SavedChart};
use tokio_postgres::Row;

use crate::metrics::DbConnections;
use crate::pg::{connect, ensure_role, APP_ROLE};
use crate::pool::{checkout, pg_pool, CheckoutError, PgConnector, PgPool, DEFAULT_POOL_SIZE};
use crate::store::{
    full_window, AuditFilter, AuditRecord, Feedback, KeyPublication, RateLimit, RateWindows,
    Reservation, SavedChange, SavedRecord, StoreError, TokenMint, MAX_SAVED_LISTED,
};

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

/// What the server's roles may do with the state tables: the audit,
/// feedback and minted tokens are append-only; nothing may be deleted but
/// a saved answer (its owner deletes it through the API).
fn state_grants() -> String {
    format!(
        "GRANT USAGE ON SCHEMA {SCHEMA} TO {APP_ROLE};
         GRANT SELECT ON {HISTORY} TO {APP_ROLE};
         GRANT SELECT, INSERT ON {SCHEMA}.audit, {SCHEMA}.feedback, {SCHEMA}.token_mints
           TO {APP_ROLE};
         GRANT SELECT, INSERT, UPDATE ON {SCHEMA}.signing_keys, {SCHEMA}.rate_windows,
           {SCHEMA}.quota_refusals TO {APP_ROLE};
         GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.saved_answers TO {APP_ROLE};"
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

/// One unit of the minute and the day window, both or neither (see the
/// SQLite twin); the row lock of `ON CONFLICT DO UPDATE` orders replicas.
const RESERVE: &str = "INSERT INTO slicewise.rate_windows AS w
  (scope, subject, day_start, day_used, minute_start, minute_used) VALUES ($1, $2, $3, 1, $4, 1)
  ON CONFLICT (scope, subject) DO UPDATE SET
    day_used = CASE WHEN excluded.day_start > w.day_start THEN 1 ELSE w.day_used + 1 END,
    day_start = GREATEST(w.day_start, excluded.day_start),
    minute_used = CASE WHEN excluded.minute_start > w.minute_start THEN 1 ELSE w.minute_used + 1 END,
    minute_start = GREATEST(w.minute_start, excluded.minute_start)
  WHERE (excluded.day_start > w.day_start OR w.day_used < $5)
    AND (excluded.minute_start > w.minute_start OR w.minute_used < $6)
  RETURNING day_used";

/// Gives back one unit of each window that is still the one it was taken in.
const RELEASE: &str = "UPDATE slicewise.rate_windows SET
    day_used = CASE WHEN day_start = $3 AND day_used > 0 THEN day_used - 1 ELSE day_used END,
    minute_used = CASE WHEN minute_start = $4 AND minute_used > 0 THEN minute_used - 1 ELSE minute_used END
  WHERE scope = $1 AND subject = $2";

/// Slicewise's state in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    url: String,
    /// A development setup: a superuser or `BYPASSRLS` login is allowed.
    allow_privileged: bool,
    /// Its connections, for the metrics.
    connections: DbConnections,
    /// Connections as the server works, shared by clones.
    pool: PgPool,
}

impl PgStore {
    /// A store over a connection string (URL or `key=value` form),
    /// refusing a privileged login, with a pool of [`DEFAULT_POOL_SIZE`].
    pub fn new(url: impl Into<String>) -> PgStore {
        let url = url.into();
        let connections = DbConnections::default();
        PgStore {
            pool: pg_pool(&url, false, DEFAULT_POOL_SIZE, connections.clone()),
            url,
            allow_privileged: false,
            connections,
        }
    }

    /// A development setup: a superuser or `BYPASSRLS` login is allowed.
    pub fn allow_privileged_role(mut self, allow: bool) -> PgStore {
        self.allow_privileged = allow;
        self.pool = pg_pool(&self.url, allow, self.pool_size(), self.connections.clone());
        self
    }

    /// The store keeping at most `size` connections open (before any is used).
    pub fn with_pool_size(mut self, size: usize) -> PgStore {
        self.pool = pg_pool(
            &self.url,
            self.allow_privileged,
            size,
            self.connections.clone(),
        );
        self
    }

    /// Connections its pool keeps at most.
    pub fn pool_size(&self) -> usize {
        self.pool.status().max_size
    }

    /// Whether a privileged login is allowed (a development setup).
    pub fn allows_privileged_role(&self) -> bool {
        self.allow_privileged
    }

    /// The connection string.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A pooled connection as the server works (see `pool`).
    async fn app_client(&self) -> Result<deadpool::managed::Object<PgConnector>, StoreError> {
        checkout(&self.pool).await.map_err(|e| match e {
            CheckoutError::Connect(e) => e.into(),
            busy => StoreError(busy.to_string()),
        })
    }

    /// Its connections (clones of the store share them).
    pub fn connections(&self) -> &DbConnections {
        &self.connections
    }

    /// Brings the state tables up to date in Slicewise's schema (as the
    /// connecting user): each versioned migration once, one server at a
    /// time. A login role that may not create them (the production one)
    /// only checks that they are up to date.
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        let mut client = connect(&self.url).await?;
        let may_create: Option<bool> = client
            .query_one(
                &format!(
                    "SELECT COALESCE(has_schema_privilege(to_regnamespace('{SCHEMA}'), 'CREATE'),
                       has_database_privilege(current_database(), 'CREATE'))"
                ),
                &[],
            )
            .await?
            .get(0);
        if may_create != Some(true) {
            return self.check_migrated().await;
        }
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

    /// Whether every migration this server knows is applied, read as the
    /// server works.
    async fn check_migrated(&self) -> Result<(), StoreError> {
        let runner = embedded::migrations::runner();
        let want = runner
            .get_migrations()
            .iter()
            .map(|m| i64::from(m.version()))
            .max()
            .unwrap_or(0);
        let client = self.app_client().await?;
        let have: i64 = client
            .query_one(
                &format!("SELECT COALESCE(MAX(version), 0)::bigint FROM {HISTORY}"),
                &[],
            )
            .await
            .map_err(|e| StoreError(format!("reading the state tables' version: {e}")))?
            .get(0);
        if have < want {
            return Err(StoreError(format!(
                "the state tables are at version {have}, this server needs {want}, and its \
                 login role may not migrate them: run `slicewise pg setup`"
            )));
        }
        Ok(())
    }

    /// Takes a unit of both windows, or none (see the SQLite twin).
    pub async fn reserve(
        &self,
        scope: &str,
        subject: &str,
        w: RateWindows,
        limit: RateLimit,
    ) -> Result<Reservation, StoreError> {
        let client = self.app_client().await?;
        let (day_limit, minute_limit) = limit.sql_limits();
        let granted = client
            .query_opt(
                RESERVE,
                &[
                    &scope,
                    &subject,
                    &w.day_start,
                    &w.minute_start,
                    &day_limit,
                    &minute_limit,
                ],
            )
            .await?
            .is_some();
        if granted {
            return Ok(Reservation::Granted);
        }
        let row = client
            .query_opt(
                "SELECT day_start, day_used, minute_start, minute_used FROM slicewise.rate_windows
                 WHERE scope = $1 AND subject = $2",
                &[&scope, &subject],
            )
            .await?
            .map(|r| {
                Ok::<_, StoreError>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
            })
            .transpose()?;
        Ok(full_window(w, limit, row))
    }

    /// Gives back a unit of the windows that are still current.
    pub async fn release(
        &self,
        scope: &str,
        subject: &str,
        w: RateWindows,
    ) -> Result<(), StoreError> {
        let client = self.app_client().await?;
        client
            .execute(RELEASE, &[&scope, &subject, &w.day_start, &w.minute_start])
            .await?;
        Ok(())
    }

    /// Counts one refusal of the day.
    pub async fn count_refusal(
        &self,
        scope: &str,
        subject: &str,
        day_start: i64,
    ) -> Result<(), StoreError> {
        let client = self.app_client().await?;
        client
            .execute(
                "INSERT INTO slicewise.quota_refusals AS q (scope, subject, day_start, refused)
                 VALUES ($1, $2, $3, 1)
                 ON CONFLICT (scope, subject, day_start) DO UPDATE SET refused = q.refused + 1",
                &[&scope, &subject, &day_start],
            )
            .await?;
        Ok(())
    }

    /// Refusals per subject since a day.
    pub async fn refusals(
        &self,
        scope: &str,
        subject: Option<String>,
        since_day: i64,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let client = self.app_client().await?;
        let rows = client
            .query(
                "SELECT subject, SUM(refused)::bigint FROM slicewise.quota_refusals
                 WHERE scope = $1 AND ($2::text IS NULL OR subject = $2) AND day_start >= $3
                 GROUP BY subject ORDER BY subject",
                &[&scope, &subject, &since_day],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get::<_, i64>(1)?.max(0) as u64)))
            .collect()
    }

    /// Whether the database answers, as the app role, with the state tables.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let client = self.app_client().await?;
        client
            .simple_query("SELECT 1 FROM slicewise.rate_windows WHERE false")
            .await?;
        Ok(())
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

    /// Records a minted token.
    pub async fn record_token_mint(&self, m: TokenMint) -> Result<(), StoreError> {
        let client = self.app_client().await?;
        client
            .execute(
                "INSERT INTO slicewise.token_mints (id, tenant, sub, privacy, token_sha256, expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&m.id, &m.tenant, &m.sub, &m.privacy, &m.token_sha256, &m.expires_at, &m.created_at],
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

/// The columns of a saved answer, in [`saved_row`]'s order.
const SAVED_COLUMNS: &str = "id, tenant, owner, visibility, title, question, sql, chart, pinned, \
  position, schema_hash, created_at, updated_at";

/// What a user may see: its own answers and those shared with its tenant.
const SAVED_VISIBLE: &str = "tenant = $1 AND (owner = $2 OR visibility = 'tenant')";

/// Dashboard order: pinned first, then by position, then oldest first.
const SAVED_ORDER: &str = "ORDER BY pinned DESC, position, created_at, id";

fn saved_row(r: &Row) -> Result<SavedRecord, StoreError> {
    Ok(SavedRecord {
        id: r.try_get(0)?,
        tenant: r.try_get(1)?,
        owner: r.try_get(2)?,
        visibility: SavedRecord::visibility_of(r.try_get(3)?),
        title: r.try_get(4)?,
        question: r.try_get(5)?,
        sql: r.try_get(6)?,
        chart: r.try_get::<_, Option<&str>>(7)?.and_then(SavedChart::parse),
        pinned: r.try_get(8)?,
        position: r.try_get(9)?,
        schema_hash: r.try_get(10)?,
        created_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
    })
}

impl PgStore {
    /// Stores a saved answer unless its owner has `max` (see `Store::create_saved`).
    pub async fn create_saved(
        &self,
        s: SavedRecord,
        max: i64,
    ) -> Result<Option<SavedRecord>, StoreError> {
        let mut client = self.app_client().await?;
        let tx = client.transaction().await?;
        // One save of a tenant at a time, on every replica, until commit:
        // the count and the next position hold until the insert.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('slicewise.saved_answers:' || $1::text, 0))",
            &[&s.tenant],
        )
        .await?;
        let owned: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM slicewise.saved_answers WHERE tenant = $1 AND owner = $2",
                &[&s.tenant, &s.owner],
            )
            .await?
            .try_get(0)?;
        if owned >= max {
            return Ok(None);
        }
        let position: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(position) + 1, 0)::bigint FROM slicewise.saved_answers
                 WHERE tenant = $1",
                &[&s.tenant],
            )
            .await?
            .try_get(0)?;
        let s = SavedRecord { position, ..s };
        tx.execute(
            &format!(
                "INSERT INTO slicewise.saved_answers ({SAVED_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ),
            &[
                &s.id,
                &s.tenant,
                &s.owner,
                &s.visibility.as_str(),
                &s.title,
                &s.question,
                &s.sql,
                &s.chart.map(SavedChart::as_str),
                &s.pinned,
                &s.position,
                &s.schema_hash,
                &s.created_at,
                &s.updated_at,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(s))
    }

    /// The saved answers a user may see, in dashboard order.
    pub async fn saved_visible(
        &self,
        tenant: &str,
        sub: &str,
    ) -> Result<Vec<SavedRecord>, StoreError> {
        let client = self.app_client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {SAVED_COLUMNS} FROM slicewise.saved_answers WHERE {SAVED_VISIBLE}
                     {SAVED_ORDER} LIMIT $3"
                ),
                &[&tenant, &sub, &MAX_SAVED_LISTED],
            )
            .await?;
        rows.iter().map(saved_row).collect()
    }

    /// One saved answer a user may see.
    pub async fn saved_one(
        &self,
        tenant: &str,
        sub: &str,
        id: &str,
    ) -> Result<Option<SavedRecord>, StoreError> {
        let client = self.app_client().await?;
        client
            .query_opt(
                &format!(
                    "SELECT {SAVED_COLUMNS} FROM slicewise.saved_answers
                     WHERE {SAVED_VISIBLE} AND id = $3"
                ),
                &[&tenant, &sub, &id],
            )
            .await?
            .as_ref()
            .map(saved_row)
            .transpose()
    }

    /// Changes a saved answer of its owner.
    pub async fn change_saved(
        &self,
        tenant: &str,
        owner: &str,
        id: &str,
        ch: SavedChange,
    ) -> Result<Option<SavedRecord>, StoreError> {
        let client = self.app_client().await?;
        client
            .query_opt(
                &format!(
                    "UPDATE slicewise.saved_answers SET title = COALESCE($4, title),
                       chart = COALESCE($5, chart), visibility = COALESCE($6, visibility),
                       pinned = COALESCE($7, pinned), position = COALESCE($8, position),
                       updated_at = $9
                     WHERE tenant = $1 AND owner = $2 AND id = $3
                     RETURNING {SAVED_COLUMNS}"
                ),
                &[
                    &tenant,
                    &owner,
                    &id,
                    &ch.title,
                    &ch.chart.map(SavedChart::as_str),
                    &ch.visibility.map(|v| v.as_str()),
                    &ch.pinned,
                    &ch.position,
                    &ch.updated_at,
                ],
            )
            .await?
            .as_ref()
            .map(saved_row)
            .transpose()
    }

    /// Deletes a saved answer of its owner.
    pub async fn delete_saved(
        &self,
        tenant: &str,
        owner: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let client = self.app_client().await?;
        let n = client
            .execute(
                "DELETE FROM slicewise.saved_answers WHERE tenant = $1 AND owner = $2 AND id = $3",
                &[&tenant, &owner, &id],
            )
            .await?;
        Ok(n == 1)
    }
}
