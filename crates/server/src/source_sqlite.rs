//! Reading a catalog table for one tenant from a SQLite file, opened
//! read-only: Slicewise never writes to the vendor's data. Connections
//! come from a bounded pool (see `pool`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use arrow_array::RecordBatch;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use slicewise_core::catalog::{TableDef, TenantRegistry};
use tokio::sync::mpsc;

use crate::metrics::DbConnections;
use crate::pool::{checkout, sqlite_pool, SqliteConnector, SqlitePool, DEFAULT_POOL_SIZE};
use crate::source::{
    quote, tenants_sql, tier_sql, BatchBuilder, Cell, SourceError, TableSource, BATCH_ROWS,
};

/// A vendor's SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteSource {
    path: PathBuf,
    /// Its connections, for the metrics.
    connections: DbConnections,
    /// Read-only connections to the file, shared by clones.
    pool: SqlitePool,
}

impl SqliteSource {
    /// The source over the file at `path` (opened read-only), with a pool
    /// of [`DEFAULT_POOL_SIZE`].
    pub fn new(path: impl Into<PathBuf>) -> SqliteSource {
        let path = path.into();
        let connections = DbConnections::default();
        SqliteSource {
            pool: sqlite_pool(&path, true, DEFAULT_POOL_SIZE, connections.clone()),
            path,
            connections,
        }
    }

    /// The source keeping at most `size` connections open (before any is used).
    pub fn with_pool_size(mut self, size: usize) -> SqliteSource {
        self.pool = sqlite_pool(&self.path, true, size, self.connections.clone());
        self
    }

    /// Its connections (clones of the source share them).
    pub fn connections(&self) -> &DbConnections {
        &self.connections
    }

    /// A pooled read-only connection.
    async fn connection(&self) -> Result<deadpool::managed::Object<SqliteConnector>, SourceError> {
        checkout(&self.pool)
            .await
            .map_err(|e| SourceError::Unavailable(e.to_string()))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file read-only; a missing file is an error, never created.
    pub fn open(path: &Path) -> Result<Connection, SourceError> {
        let c = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| SourceError::Unavailable(e.to_string()))?;
        c.busy_timeout(Duration::from_secs(5))
            .map_err(|e| SourceError::Unavailable(e.to_string()))?;
        Ok(c)
    }
}

/// The SELECT of a table's catalog columns for one tenant (`?1`).
pub fn select_sql(table: &TableDef) -> String {
    let column = |c: &slicewise_core::catalog::ColumnDef| format!("s.{}", quote(&c.name));
    crate::source::select_sql(table, column, str::to_string, "?1")
}

fn changed(table: &TableDef, e: &rusqlite::Error) -> SourceError {
    let detail = e.to_string();
    if detail.contains("no such column") || detail.contains("no such table") {
        SourceError::Changed {
            table: table.name.clone(),
            detail,
        }
    } else {
        SourceError::Unavailable(detail)
    }
}

/// Reads on the blocking thread, sending each full batch through `tx`.
fn read_blocking(
    conn: &Connection,
    table: &TableDef,
    tenant: &str,
    tx: &mpsc::Sender<RecordBatch>,
) -> Result<(), SourceError> {
    let mut stmt = conn
        .prepare(&select_sql(table))
        .map_err(|e| changed(table, &e))?;
    let mut rows = stmt.query([tenant]).map_err(|e| changed(table, &e))?;
    let mut builder = BatchBuilder::new(table);
    let n = table.columns.len();
    loop {
        let row = match rows.next() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => return Err(changed(table, &e)),
        };
        for i in 0..n {
            let cell = match row.get_ref(i).map_err(|e| changed(table, &e))? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) => Cell::Int(v),
                ValueRef::Real(v) => Cell::Float(v),
                ValueRef::Text(t) => {
                    Cell::Text(std::str::from_utf8(t).map_err(|_| SourceError::BadValue {
                        table: table.name.clone(),
                        column: table.columns[i].name.clone(),
                        detail: "text that is not UTF-8".into(),
                    })?)
                }
                ValueRef::Blob(_) => {
                    return Err(SourceError::BadValue {
                        table: table.name.clone(),
                        column: table.columns[i].name.clone(),
                        detail: "a blob".into(),
                    })
                }
            };
            builder.push(i, cell)?;
        }
        if builder.rows() >= BATCH_ROWS && tx.blocking_send(builder.finish()?).is_err() {
            return Ok(()); // the receiver gave up; its error is reported there
        }
    }
    let _ = tx.blocking_send(builder.finish()?);
    Ok(())
}

impl SqliteSource {
    /// Whether the file opens and answers.
    pub async fn ping(&self) -> Result<(), SourceError> {
        let conn = self.connection().await?;
        tokio::task::spawn_blocking(move || {
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(drop)
                .map_err(|e| SourceError::Unavailable(e.to_string()))
        })
        .await
        .map_err(|e| SourceError::Unavailable(e.to_string()))?
    }
}

impl TableSource for SqliteSource {
    async fn list_tenants(
        &self,
        registry: &TenantRegistry,
        limit: usize,
    ) -> Result<Vec<String>, SourceError> {
        let (conn, sql) = (self.connection().await?, tenants_sql(registry, limit));
        tokio::task::spawn_blocking(move || {
            let mut stmt = conn
                .prepare(&sql)
                .map_err(|e| SourceError::Unavailable(e.to_string()))?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| SourceError::Unavailable(e.to_string()));
            ids
        })
        .await
        .map_err(|e| SourceError::Unavailable(e.to_string()))?
    }

    async fn tenant_tier(
        &self,
        registry: &TenantRegistry,
        tenant: &str,
    ) -> Result<Option<Option<String>>, SourceError> {
        let (conn, sql, tenant) = (
            self.connection().await?,
            tier_sql(registry, "?1"),
            tenant.to_string(),
        );
        tokio::task::spawn_blocking(move || {
            conn.query_row(&sql, [tenant], |r| r.get::<_, Option<String>>(0))
                .optional()
                .map_err(|e| SourceError::Unavailable(e.to_string()))
        })
        .await
        .map_err(|e| SourceError::Unavailable(e.to_string()))?
    }

    async fn read_table(
        &self,
        table: &TableDef,
        tenant: &str,
        sink: &mut (dyn FnMut(RecordBatch) -> Result<(), SourceError> + Send),
    ) -> Result<(), SourceError> {
        // Two batches in flight at most: memory follows the batch size.
        let (tx, mut rx) = mpsc::channel(2);
        let (conn, t, tenant) = (self.connection().await?, table.clone(), tenant.to_string());
        let reader = tokio::task::spawn_blocking(move || read_blocking(&conn, &t, &tenant, &tx));
        let mut failed = None;
        while let Some(batch) = rx.recv().await {
            if let Err(e) = sink(batch) {
                failed = Some(e);
                break;
            }
        }
        drop(rx);
        let read = reader
            .await
            .map_err(|e| SourceError::Unavailable(e.to_string()))?;
        match failed {
            Some(e) => Err(e),
            None => read,
        }
    }
}
