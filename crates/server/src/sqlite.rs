//! SQLite: the embedded source, one file, nothing to install.
//!
//! A connection is opened per operation (cheap for SQLite) and never with
//! `CREATE`, so a missing or unreadable file is reported as the database
//! being down and the next request recovers once it is back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use slicewise_core::wire::PublicKey;

use crate::rows::{format_date, format_timestamp};
use crate::seed::{demo_tenants, generate_tenant, IdBase, TenantSpec};
use crate::store::{AuditFilter, AuditRecord, KeyPublication, StoreError, Usage};

/// Data tables, created by the seeder.
pub const DATA_SCHEMA: &str = "
CREATE TABLE tenants (tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL);
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
  name TEXT NOT NULL, email TEXT NOT NULL, country TEXT NOT NULL, segment TEXT NOT NULL,
  signup_date TEXT NOT NULL, privacy_consent INTEGER NOT NULL);
CREATE TABLE products (product_id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
  name TEXT NOT NULL, category TEXT NOT NULL, unit_price REAL NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
  customer_id INTEGER NOT NULL, product_id INTEGER NOT NULL, ordered_at TEXT NOT NULL,
  quantity INTEGER NOT NULL, unit_price REAL NOT NULL, discount REAL NOT NULL, amount REAL NOT NULL,
  channel TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE support_tickets (ticket_id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
  customer_id INTEGER NOT NULL, opened_at TEXT NOT NULL, closed_at TEXT, priority TEXT NOT NULL,
  topic TEXT NOT NULL, satisfaction INTEGER);
";

const DATA_INDEXES: &str = "
CREATE INDEX customers_tenant ON customers(tenant_id, customer_id);
CREATE INDEX products_tenant ON products(tenant_id, product_id);
CREATE INDEX orders_tenant ON orders(tenant_id, order_id);
CREATE INDEX support_tickets_tenant ON support_tickets(tenant_id, ticket_id);
";

/// Server state: the audit log, feedback and the published manifest-signing
/// keys (public halves; `expires_at` NULL while a server signs with the key).
pub const STATE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, sub TEXT NOT NULL,
  question TEXT NOT NULL, status TEXT NOT NULL, sql TEXT, engine TEXT NOT NULL, cached INTEGER NOT NULL,
  counted INTEGER NOT NULL, latency_ms REAL NOT NULL, tables TEXT NOT NULL, columns TEXT NOT NULL,
  privacy TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS audit_tenant_time ON audit(tenant, created_at);
CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, answer_id TEXT NOT NULL REFERENCES audit(id),
  tenant TEXT NOT NULL, sub TEXT NOT NULL, helpful INTEGER NOT NULL, comment TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, x TEXT NOT NULL,
  created_at INTEGER NOT NULL, retired_at INTEGER, expires_at INTEGER);
";

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

/// What the seeder wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedSummary {
    pub tenants: Vec<TenantSpec>,
    /// False when `--if-missing` found data and left it.
    pub written: bool,
}

/// Writes the demo dataset into a SQLite file, replacing its data tables.
pub fn seed_sqlite(path: &Path, scale: f64, if_missing: bool) -> Result<SeedSummary, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError(e.to_string()))?;
    }
    let tenants = demo_tenants(scale);
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    if if_missing {
        let has: Option<i64> = conn
            .query_row("SELECT COUNT(*) FROM tenants", [], |r| r.get(0))
            .optional()
            .ok()
            .flatten();
        if has.unwrap_or(0) > 0 {
            return Ok(SeedSummary {
                tenants,
                written: false,
            });
        }
    }
    let tx = conn.transaction()?;
    tx.execute_batch(
        "DROP TABLE IF EXISTS support_tickets; DROP TABLE IF EXISTS orders;
         DROP TABLE IF EXISTS products; DROP TABLE IF EXISTS customers; DROP TABLE IF EXISTS tenants;",
    )?;
    tx.execute_batch(DATA_SCHEMA)?;
    tx.execute_batch(STATE_SCHEMA)?;
    {
        let mut tenant_stmt = tx.prepare("INSERT INTO tenants VALUES (?1, ?2, ?3)")?;
        let mut cust =
            tx.prepare("INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        let mut prod = tx.prepare("INSERT INTO products VALUES (?1, ?2, ?3, ?4, ?5)")?;
        let mut ord =
            tx.prepare("INSERT INTO orders VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?;
        let mut tick =
            tx.prepare("INSERT INTO support_tickets VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        let mut ids = IdBase::default();
        for (index, spec) in tenants.iter().enumerate() {
            let rows = generate_tenant(spec, index, ids);
            ids = ids.after(spec);
            let t = spec.tenant_id.as_str();
            tenant_stmt.execute(params![t, spec.name, spec.tier.as_str()])?;
            let c = &rows.customers;
            for i in 0..c.customer_id.len() {
                cust.execute(params![
                    c.customer_id[i],
                    t,
                    c.name[i],
                    c.email[i],
                    c.country[i],
                    c.segment[i],
                    format_date(c.signup_date[i]),
                    c.privacy_consent[i]
                ])?;
            }
            let p = &rows.products;
            for i in 0..p.product_id.len() {
                prod.execute(params![
                    p.product_id[i],
                    t,
                    p.name[i],
                    p.category[i],
                    p.unit_price[i]
                ])?;
            }
            let o = &rows.orders;
            for i in 0..o.order_id.len() {
                ord.execute(params![
                    o.order_id[i],
                    t,
                    o.customer_id[i],
                    o.product_id[i],
                    format_timestamp(o.ordered_at[i]),
                    o.quantity[i],
                    o.unit_price[i],
                    o.discount[i],
                    o.amount[i],
                    o.channel[i],
                    o.status[i]
                ])?;
            }
            let s = &rows.tickets;
            for i in 0..s.ticket_id.len() {
                tick.execute(params![
                    s.ticket_id[i],
                    t,
                    s.customer_id[i],
                    format_timestamp(s.opened_at[i]),
                    s.closed_at[i].map(format_timestamp),
                    s.priority[i],
                    s.topic[i],
                    s.satisfaction[i]
                ])?;
            }
        }
    }
    tx.execute_batch(DATA_INDEXES)?;
    tx.commit()?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(SeedSummary {
        tenants,
        written: true,
    })
}

/// The SQLite source at a path.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    path: PathBuf,
}

impl SqliteStore {
    /// A store over an existing file (it is opened per operation).
    pub fn new(path: impl Into<PathBuf>) -> SqliteStore {
        SqliteStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(path: &Path) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(conn)
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = Self::open(&path)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError(e.to_string()))?
    }

    /// Creates the state tables when missing.
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        self.run(|c| Ok(c.execute_batch(STATE_SCHEMA)?)).await
    }

    /// Counted asks since two instants (unix ms).
    pub async fn usage(
        &self,
        tenant: &str,
        day_start: i64,
        minute_start: i64,
    ) -> Result<Usage, StoreError> {
        let tenant = tenant.to_string();
        self.run(move |c| {
            let (today, minute): (i64, i64) = c.query_row(
                "SELECT COUNT(*), COALESCE(SUM(created_at >= ?3), 0) FROM audit
                 WHERE tenant = ?1 AND counted = 1 AND created_at >= MIN(?2, ?3)",
                params![tenant, day_start, minute_start],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            // The minute may reach into yesterday; today's count must not.
            let today = if minute_start < day_start {
                c.query_row(
                    "SELECT COUNT(*) FROM audit WHERE tenant = ?1 AND counted = 1 AND created_at >= ?2",
                    params![tenant, day_start],
                    |r| r.get::<_, i64>(0),
                )?
            } else {
                today
            };
            Ok(Usage {
                today: today.max(0) as u64,
                last_minute: minute.max(0) as u64,
            })
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

    /// Stores feedback when the answer is the tenant's.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_feedback(
        &self,
        id: String,
        tenant: &str,
        sub: &str,
        answer_id: &str,
        helpful: bool,
        comment: Option<String>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let (tenant, sub, answer_id) = (tenant.to_string(), sub.to_string(), answer_id.to_string());
        self.run(move |c| {
            let owned: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM audit WHERE id = ?1 AND tenant = ?2",
                    params![answer_id, tenant],
                    |r| r.get(0),
                )
                .optional()?;
            if owned.is_none() {
                return Ok(false);
            }
            c.execute(
                "INSERT INTO feedback VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, answer_id, tenant, sub, helpful, comment, now_ms],
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
