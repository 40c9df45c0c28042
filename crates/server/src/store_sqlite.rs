//! Slicewise's own state in a SQLite file: the audit log, quota windows,
//! feedback, the published signing keys and saved answers, created by versioned migrations
//! (`migrations/sqlite`).
//!
//! Connections come from a bounded pool (see `pool`) and are never opened
//! with `CREATE`, so a missing or unreadable file is reported as the
//! database being down and the next request recovers once it is back.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use slicewise_core::wire::{PublicKey, SavedChart};

use crate::metrics::DbConnections;
use crate::pool::{checkout, sqlite_pool, SqlitePool, DEFAULT_POOL_SIZE};
use crate::store::{
    full_window, AuditFilter, AuditRecord, Feedback, KeyPublication, RateLimit, RateWindows,
    Reservation, SavedChange, SavedRecord, StoreError, TokenMint, MAX_SAVED_LISTED,
};

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

/// Brings a state file's tables up to date: each versioned migration
/// (`migrations/sqlite`) once, in order, recorded in the file. The file is
/// put in write-ahead-log mode (kept in the file): asks that read quotas and
/// cached answers then never wait on another's audit write.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode = %mode, "the state file stays out of write-ahead-log mode");
    }
    embedded::migrations::runner()
        .run(conn)
        .map_err(|e| StoreError(e.to_string()))?;
    Ok(())
}

/// Upsert of an active key: a server signs with it, so it has no end (again).
const ACTIVATE_KEY: &str =
    "INSERT INTO signing_keys (kid, alg, x, created_at) VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (kid) DO UPDATE SET retired_at = NULL, expires_at = NULL";

/// Upsert of a retired key: the first retirement sets its end.
const RETIRE_KEY: &str =
    "INSERT INTO signing_keys (kid, alg, x, created_at, retired_at, expires_at)
  VALUES (?1, ?2, ?3, ?4, ?4, ?5)
  ON CONFLICT (kid) DO UPDATE SET retired_at = excluded.retired_at, expires_at = excluded.expires_at
  WHERE signing_keys.retired_at IS NULL";

/// One unit of the minute and the day window, both or neither: the row is
/// inserted, or updated only while both windows have room (a later window
/// starts at 1). A replica whose clock is behind counts into the newer window.
/// Returns a row when granted.
const RESERVE: &str = "INSERT INTO rate_windows AS w
  (scope, subject, day_start, day_used, minute_start, minute_used) VALUES (?1, ?2, ?3, 1, ?4, 1)
  ON CONFLICT (scope, subject) DO UPDATE SET
    day_used = CASE WHEN excluded.day_start > w.day_start THEN 1 ELSE w.day_used + 1 END,
    day_start = MAX(w.day_start, excluded.day_start),
    minute_used = CASE WHEN excluded.minute_start > w.minute_start THEN 1 ELSE w.minute_used + 1 END,
    minute_start = MAX(w.minute_start, excluded.minute_start)
  WHERE (excluded.day_start > w.day_start OR w.day_used < ?5)
    AND (excluded.minute_start > w.minute_start OR w.minute_used < ?6)
  RETURNING day_used";

/// Gives back one unit of each window that is still the one it was taken in.
const RELEASE: &str = "UPDATE rate_windows SET
    day_used = CASE WHEN day_start = ?3 AND day_used > 0 THEN day_used - 1 ELSE day_used END,
    minute_used = CASE WHEN minute_start = ?4 AND minute_used > 0 THEN minute_used - 1 ELSE minute_used END
  WHERE scope = ?1 AND subject = ?2";

/// Slicewise's state in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    path: PathBuf,
    /// Its connections, for the metrics.
    connections: DbConnections,
    /// Read-write connections to the file, shared by clones.
    pool: SqlitePool,
}

impl SqliteStore {
    /// A store over an existing file, with a pool of [`DEFAULT_POOL_SIZE`].
    pub fn new(path: impl Into<PathBuf>) -> SqliteStore {
        let path = path.into();
        let connections = DbConnections::default();
        SqliteStore {
            pool: sqlite_pool(&path, false, DEFAULT_POOL_SIZE, connections.clone()),
            path,
            connections,
        }
    }

    /// The store keeping at most `size` connections open (before any is used).
    pub fn with_pool_size(mut self, size: usize) -> SqliteStore {
        self.pool = sqlite_pool(&self.path, false, size, self.connections.clone());
        self
    }

    /// Connections its pool keeps at most.
    pub fn pool_size(&self) -> usize {
        self.pool.status().max_size
    }

    /// Creates the file (and its folder) when missing and brings its state
    /// tables up to date, then the store over it.
    pub fn create(path: impl Into<PathBuf>) -> Result<SqliteStore, StoreError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError(e.to_string()))?;
        }
        migrate(&mut Connection::open(&path)?)?;
        Ok(SqliteStore::new(path))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its connections (clones of the store share them).
    pub fn connections(&self) -> &DbConnections {
        &self.connections
    }

    /// Runs `f` on a pooled connection, on a blocking thread.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let mut conn = checkout(&self.pool)
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        tokio::task::spawn_blocking(move || f(&mut conn))
            .await
            .map_err(|e| StoreError(e.to_string()))?
    }

    /// Brings the state tables up to date.
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        self.run(migrate).await
    }

    /// Takes a unit of both windows, or none (see [`RESERVE`]).
    pub async fn reserve(
        &self,
        scope: &str,
        subject: &str,
        w: RateWindows,
        limit: RateLimit,
    ) -> Result<Reservation, StoreError> {
        let (scope, subject) = (scope.to_string(), subject.to_string());
        let (day_limit, minute_limit) = limit.sql_limits();
        self.run(move |c| {
            let granted = c
                .query_row(
                    RESERVE,
                    params![
                        scope,
                        subject,
                        w.day_start,
                        w.minute_start,
                        day_limit,
                        minute_limit
                    ],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .is_some();
            if granted {
                return Ok(Reservation::Granted);
            }
            let row = c
                .query_row(
                    "SELECT day_start, day_used, minute_start, minute_used FROM rate_windows
                     WHERE scope = ?1 AND subject = ?2",
                    params![scope, subject],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            Ok(full_window(w, limit, row))
        })
        .await
    }

    /// Gives back a unit of the windows that are still current.
    pub async fn release(
        &self,
        scope: &str,
        subject: &str,
        w: RateWindows,
    ) -> Result<(), StoreError> {
        let (scope, subject) = (scope.to_string(), subject.to_string());
        self.run(move |c| {
            c.execute(
                RELEASE,
                params![scope, subject, w.day_start, w.minute_start],
            )?;
            Ok(())
        })
        .await
    }

    /// Counts one refusal of the day.
    pub async fn count_refusal(
        &self,
        scope: &str,
        subject: &str,
        day_start: i64,
    ) -> Result<(), StoreError> {
        let (scope, subject) = (scope.to_string(), subject.to_string());
        self.run(move |c| {
            c.execute(
                "INSERT INTO quota_refusals (scope, subject, day_start, refused) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (scope, subject, day_start) DO UPDATE SET refused = refused + 1",
                params![scope, subject, day_start],
            )?;
            Ok(())
        })
        .await
    }

    /// Refusals per subject since a day.
    pub async fn refusals(
        &self,
        scope: &str,
        subject: Option<String>,
        since_day: i64,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let scope = scope.to_string();
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT subject, SUM(refused) FROM quota_refusals
                 WHERE scope = ?1 AND (?2 IS NULL OR subject = ?2) AND day_start >= ?3
                 GROUP BY subject ORDER BY subject",
            )?;
            let rows = stmt.query_map(params![scope, subject, since_day], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Whether the file opens and answers, with the state tables in it.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run(|c| {
            c.query_row("SELECT COUNT(*) FROM rate_windows WHERE 0", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(())
        })
        .await
    }

    /// Records one ask.
    pub async fn record_audit(&self, r: AuditRecord) -> Result<(), StoreError> {
        self.run(move |c| {
            c.execute(
                "INSERT INTO audit (id, tenant, sub, question, status, sql, engine, cached, counted,
                 latency_ms, tables, columns, privacy, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    r.id, r.tenant, r.sub, r.question, r.status, r.sql, r.engine, r.cached,
                    r.counted, r.latency_ms, r.tables, r.columns, r.privacy, r.created_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// Records a minted token.
    pub async fn record_token_mint(&self, m: TokenMint) -> Result<(), StoreError> {
        self.run(move |c| {
            c.execute(
                "INSERT INTO token_mints (id, tenant, sub, privacy, token_sha256, expires_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![m.id, m.tenant, m.sub, m.privacy, m.token_sha256, m.expires_at, m.created_at],
            )?;
            Ok(())
        })
        .await
    }

    /// Stores feedback when the answer is the tenant's.
    pub async fn record_feedback(&self, f: Feedback) -> Result<bool, StoreError> {
        self.run(move |c| {
            let owned: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM audit WHERE id = ?1 AND tenant = ?2",
                    params![f.answer_id, f.tenant],
                    |r| r.get(0),
                )
                .optional()?;
            if owned.is_none() {
                return Ok(false);
            }
            c.execute(
                "INSERT INTO feedback VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    f.id,
                    f.answer_id,
                    f.tenant,
                    f.sub,
                    f.helpful,
                    f.comment,
                    f.created_at
                ],
            )?;
            Ok(true)
        })
        .await
    }

    /// Audit records, newest first.
    pub async fn list_audit(&self, f: AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, tenant, sub, question, status, sql, engine, cached, counted, latency_ms,
                 tables, columns, privacy, created_at FROM audit
                 WHERE (?1 IS NULL OR tenant = ?1) AND (?2 IS NULL OR status = ?2)
                   AND (?3 IS NULL OR created_at >= ?3)
                 ORDER BY created_at DESC LIMIT ?4",
            )?;
            let rows =
                stmt.query_map(params![f.tenant, f.status, f.since, f.limit as i64], |r| {
                    Ok(AuditRecord {
                        id: r.get(0)?,
                        tenant: r.get(1)?,
                        sub: r.get(2)?,
                        question: r.get(3)?,
                        status: r.get(4)?,
                        sql: r.get(5)?,
                        engine: r.get(6)?,
                        cached: r.get(7)?,
                        counted: r.get(8)?,
                        latency_ms: r.get(9)?,
                        tables: r.get(10)?,
                        columns: r.get(11)?,
                        privacy: r.get(12)?,
                        created_at: r.get(13)?,
                    })
                })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}

impl SqliteStore {
    /// Records signing keys as active or retired, in one transaction.
    pub async fn publish_signing_keys(&self, p: KeyPublication) -> Result<(), StoreError> {
        self.run(move |c| {
            let tx = c.transaction()?;
            for k in &p.active {
                tx.execute(ACTIVATE_KEY, params![k.kid, k.alg, k.x, p.now])?;
            }
            for k in &p.retired {
                tx.execute(
                    RETIRE_KEY,
                    params![k.kid, k.alg, k.x, p.now, p.now + p.lifetime],
                )?;
            }
            Ok(tx.commit()?)
        })
        .await
    }

    /// Keys still valid at `now`, oldest first.
    pub async fn published_keys(&self, now: i64) -> Result<Vec<PublicKey>, StoreError> {
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT kid, alg, x FROM signing_keys WHERE expires_at IS NULL OR expires_at > ?1
                 ORDER BY created_at, kid",
            )?;
            let keys = stmt.query_map([now], |r| {
                Ok(PublicKey {
                    kid: r.get(0)?,
                    alg: r.get(1)?,
                    x: r.get(2)?,
                })
            })?;
            Ok(keys.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}

/// The columns of a saved answer, in [`saved_row`]'s order.
const SAVED_COLUMNS: &str = "id, tenant, owner, visibility, title, question, sql, chart, pinned, \
  position, schema_hash, created_at, updated_at";

/// What a user may see: its own answers and those shared with its tenant.
const SAVED_VISIBLE: &str = "tenant = ?1 AND (owner = ?2 OR visibility = 'tenant')";

/// Dashboard order: pinned first, then by position, then oldest first.
const SAVED_ORDER: &str = "ORDER BY pinned DESC, position, created_at, id";

fn saved_row(r: &Row<'_>) -> rusqlite::Result<SavedRecord> {
    Ok(SavedRecord {
        id: r.get(0)?,
        tenant: r.get(1)?,
        owner: r.get(2)?,
        visibility: SavedRecord::visibility_of(&r.get::<_, String>(3)?),
        title: r.get(4)?,
        question: r.get(5)?,
        sql: r.get(6)?,
        chart: r
            .get::<_, Option<String>>(7)?
            .as_deref()
            .and_then(SavedChart::parse),
        pinned: r.get(8)?,
        position: r.get(9)?,
        schema_hash: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

impl SqliteStore {
    /// Stores a saved answer unless its owner has `max` (see `Store::create_saved`).
    pub async fn create_saved(
        &self,
        s: SavedRecord,
        max: i64,
    ) -> Result<Option<SavedRecord>, StoreError> {
        self.run(move |c| {
            // IMMEDIATE: the write lock first, so the count holds until the insert.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let owned: i64 = tx.query_row(
                "SELECT COUNT(*) FROM saved_answers WHERE tenant = ?1 AND owner = ?2",
                params![s.tenant, s.owner],
                |r| r.get(0),
            )?;
            if owned >= max {
                return Ok(None);
            }
            let position: i64 = tx.query_row(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM saved_answers WHERE tenant = ?1",
                params![s.tenant],
                |r| r.get(0),
            )?;
            let s = SavedRecord { position, ..s };
            tx.execute(
                &format!(
                    "INSERT INTO saved_answers ({SAVED_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                ),
                params![
                    s.id,
                    s.tenant,
                    s.owner,
                    s.visibility.as_str(),
                    s.title,
                    s.question,
                    s.sql,
                    s.chart.map(SavedChart::as_str),
                    s.pinned,
                    s.position,
                    s.schema_hash,
                    s.created_at,
                    s.updated_at
                ],
            )?;
            tx.commit()?;
            Ok(Some(s))
        })
        .await
    }

    /// The saved answers a user may see, in dashboard order.
    pub async fn saved_visible(
        &self,
        tenant: &str,
        sub: &str,
    ) -> Result<Vec<SavedRecord>, StoreError> {
        let (tenant, sub) = (tenant.to_string(), sub.to_string());
        self.run(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {SAVED_COLUMNS} FROM saved_answers WHERE {SAVED_VISIBLE}
                 {SAVED_ORDER} LIMIT ?3"
            ))?;
            let rows = stmt.query_map(params![tenant, sub, MAX_SAVED_LISTED], saved_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// One saved answer a user may see.
    pub async fn saved_one(
        &self,
        tenant: &str,
        sub: &str,
        id: &str,
    ) -> Result<Option<SavedRecord>, StoreError> {
        let (tenant, sub, id) = (tenant.to_string(), sub.to_string(), id.to_string());
        self.run(move |c| {
            Ok(c.query_row(
                &format!(
                    "SELECT {SAVED_COLUMNS} FROM saved_answers WHERE {SAVED_VISIBLE} AND id = ?3"
                ),
                params![tenant, sub, id],
                saved_row,
            )
            .optional()?)
        })
        .await
    }

    /// Changes a saved answer of its owner.
    pub async fn change_saved(
        &self,
        tenant: &str,
        owner: &str,
        id: &str,
        ch: SavedChange,
    ) -> Result<Option<SavedRecord>, StoreError> {
        let (tenant, owner, id) = (tenant.to_string(), owner.to_string(), id.to_string());
        self.run(move |c| {
            Ok(c.query_row(
                &format!(
                    "UPDATE saved_answers SET title = COALESCE(?4, title), chart = COALESCE(?5, chart),
                       visibility = COALESCE(?6, visibility), pinned = COALESCE(?7, pinned),
                       position = COALESCE(?8, position), updated_at = ?9
                     WHERE tenant = ?1 AND owner = ?2 AND id = ?3
                     RETURNING {SAVED_COLUMNS}"
                ),
                params![
                    tenant,
                    owner,
                    id,
                    ch.title,
                    ch.chart.map(SavedChart::as_str),
                    ch.visibility.map(|v| v.as_str()),
                    ch.pinned,
                    ch.position,
                    ch.updated_at
                ],
                saved_row,
            )
            .optional()?)
        })
        .await
    }

    /// Deletes a saved answer of its owner.
    pub async fn delete_saved(
        &self,
        tenant: &str,
        owner: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let (tenant, owner, id) = (tenant.to_string(), owner.to_string(), id.to_string());
        self.run(move |c| {
            let n = c.execute(
                "DELETE FROM saved_answers WHERE tenant = ?1 AND owner = ?2 AND id = ?3",
                params![tenant, owner, id],
            )?;
            Ok(n == 1)
        })
        .await
    }
}
