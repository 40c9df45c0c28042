//! Bounded pools of database connections, one per database the server
//! uses (its state, the source, a read replica), so an ask reuses open
//! connections instead of opening three.
//!
//! A connection is handed out again only once it is back to how it was
//! opened. On PostgreSQL that means: no transaction left open (a tenant's
//! read binds its tenant locally to its own transaction, so none carries
//! over), the session's settings reset (`RESET ALL`: a binding set at
//! session level is gone too), the role it was opened as, and not older
//! than [`MAX_AGE`], so a login role changed in the database is checked
//! again within minutes (the privileged-role check runs on every new
//! connection, in `pg::app_connect`). On SQLite: no transaction left open,
//! and the path still names the file it was opened on, so a file moved
//! away reads as the database being down and its return is picked up.
//!
//! Built on `deadpool`'s managed pool (the core that `deadpool-postgres`
//! and `deadpool-sqlite` share) with a manager of our own per database:
//! theirs open connections their own way, where ours must open SQLite
//! read-only or without `CREATE`, and PostgreSQL through the role check,
//! counting each connection for the metrics.

use std::path::{Path, PathBuf};
use std::time::Duration;

use deadpool::managed::{self, Manager, RecycleError, RecycleResult};
use rusqlite::{Connection, OpenFlags};
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::metrics::{Counted, DbConnections};
use crate::pg::{app_connect, APP_ROLE};

/// Connections a pool keeps at most unless told otherwise: a few extract
/// builds and the asks beside them on a small machine.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// Longest a request waits for a connection (a free one, a new one, or one
/// made clean), whatever it waits for.
pub const CHECKOUT_WAIT: Duration = Duration::from_secs(10);

/// Age at which a PostgreSQL connection is closed instead of handed out.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// Why no connection could be had.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError<E> {
    /// The database refused or failed a new connection.
    #[error(transparent)]
    Connect(E),
    /// Every connection stayed busy (or the database silent) for [`CHECKOUT_WAIT`].
    #[error("no database connection could be had within {0:?}")]
    Busy(Duration),
}

/// A pool of at most `size` connections (at least one).
fn bounded<M: Manager>(manager: M, size: usize) -> managed::Pool<M> {
    managed::Pool::builder(manager)
        .max_size(size.max(1))
        .build()
        // A build fails only for timeouts without a runtime; the wait is ours (`checkout`).
        .unwrap_or_else(|e| unreachable!("{e}"))
}

/// A connection from `pool`, waiting at most [`CHECKOUT_WAIT`].
pub async fn checkout<M: Manager>(
    pool: &managed::Pool<M>,
) -> Result<managed::Object<M>, CheckoutError<M::Error>> {
    match tokio::time::timeout(CHECKOUT_WAIT, pool.get()).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(managed::PoolError::Backend(e))) => Err(CheckoutError::Connect(e)),
        Ok(Err(_)) | Err(_) => Err(CheckoutError::Busy(CHECKOUT_WAIT)),
    }
}

/// Opens PostgreSQL connections as the server works (`pg::app_connect`).
pub struct PgConnector {
    url: String,
    allow_privileged: bool,
    connections: DbConnections,
}

impl std::fmt::Debug for PgConnector {
    // The URL may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnector")
            .field("allow_privileged", &self.allow_privileged)
            .finish_non_exhaustive()
    }
}

/// A pool of PostgreSQL connections.
pub type PgPool = managed::Pool<PgConnector>;

/// A pool of at most `size` connections to `url`, counted in `connections`.
pub fn pg_pool(
    url: &str,
    allow_privileged: bool,
    size: usize,
    connections: DbConnections,
) -> PgPool {
    let connector = PgConnector {
        url: url.to_string(),
        allow_privileged,
        connections,
    };
    bounded(connector, size)
}

impl PgConnector {
    /// One round trip: the session's settings back to their defaults, then
    /// whether this statement began its own transaction (`statement_timestamp`
    /// equals `transaction_timestamp` only in a transaction's first
    /// statement) and the role is still the one the connection works as.
    fn reset_sql(&self) -> String {
        let role = if self.allow_privileged {
            format!("'{APP_ROLE}'")
        } else {
            "session_user".to_string()
        };
        format!(
            "RESET ALL; SELECT pg_catalog.transaction_timestamp() = pg_catalog.statement_timestamp()
               AND current_user = {role}"
        )
    }
}

impl Manager for PgConnector {
    type Type = Counted<Client>;
    type Error = tokio_postgres::Error;

    async fn create(&self) -> Result<Counted<Client>, tokio_postgres::Error> {
        match app_connect(&self.url, self.allow_privileged).await {
            Ok(client) => Ok(self.connections.opened(client)),
            Err(e) => {
                self.connections.failed();
                Err(e)
            }
        }
    }

    async fn recycle(
        &self,
        client: &mut Counted<Client>,
        metrics: &managed::Metrics,
    ) -> RecycleResult<tokio_postgres::Error> {
        if client.is_closed() {
            return Err(RecycleError::message("closed"));
        }
        if metrics.age() > MAX_AGE {
            return Err(RecycleError::message("old"));
        }
        let clean = client
            .simple_query(&self.reset_sql())
            .await?
            .iter()
            .any(|m| matches!(m, SimpleQueryMessage::Row(r) if r.get(0) == Some("t")));
        if clean {
            Ok(())
        } else {
            Err(RecycleError::message(
                "left in a transaction or as another role",
            ))
        }
    }
}

/// Opens one SQLite file with fixed flags (never `CREATE`).
#[derive(Debug)]
pub struct SqliteConnector {
    path: PathBuf,
    flags: OpenFlags,
    connections: DbConnections,
}

/// A pool of connections to a SQLite file.
pub type SqlitePool = managed::Pool<SqliteConnector>;

/// A pool of at most `size` connections to the file at `path`, read-only
/// or read-write, counted in `connections`.
pub fn sqlite_pool(
    path: &Path,
    read_only: bool,
    size: usize,
    connections: DbConnections,
) -> SqlitePool {
    let mode = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    };
    let connector = SqliteConnector {
        path: path.to_path_buf(),
        flags: mode | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        connections,
    };
    bounded(connector, size)
}

/// A connection to a SQLite file and which file it was opened on.
pub struct SqliteConnection {
    connection: Counted<Connection>,
    file: Option<FileId>,
}

impl std::fmt::Debug for SqliteConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConnection")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for SqliteConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.connection
    }
}

impl std::ops::DerefMut for SqliteConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }
}

/// What tells one file from another at the same path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    device: u64,
    inode: u64,
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| FileId {
        device: m.dev(),
        inode: m.ino(),
    })
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<FileId> {
    // Only whether it is there.
    path.exists().then_some(FileId {
        device: 0,
        inode: 0,
    })
}

impl SqliteConnector {
    fn open(&self) -> rusqlite::Result<SqliteConnection> {
        let connection = Connection::open_with_flags(&self.path, self.flags)?;
        connection.busy_timeout(Duration::from_secs(5))?;
        Ok(SqliteConnection {
            file: file_id(&self.path),
            connection: self.connections.opened(connection),
        })
    }
}

impl Manager for SqliteConnector {
    type Type = SqliteConnection;
    type Error = rusqlite::Error;

    async fn create(&self) -> Result<SqliteConnection, rusqlite::Error> {
        // Opening a file is quick, and a blocking thread would cost more.
        self.open().inspect_err(|_| self.connections.failed())
    }

    async fn recycle(
        &self,
        c: &mut SqliteConnection,
        _: &managed::Metrics,
    ) -> RecycleResult<rusqlite::Error> {
        if !c.is_autocommit() {
            return Err(RecycleError::message("left in a transaction"));
        }
        if c.file.is_none() || file_id(&self.path) != c.file {
            return Err(RecycleError::message("the file moved"));
        }
        Ok(())
    }
}
