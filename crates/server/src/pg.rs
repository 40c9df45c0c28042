//! PostgreSQL: the production source, with row-level security.
//!
//! Every data table has `ENABLE` and `FORCE ROW LEVEL SECURITY` and a policy
//! `tenant_id = current_setting('slicewise.tenant', true)`. The server works
//! as the non-owner role `slicewise_app` (`SET ROLE` right after connecting)
//! and reads a tenant's rows in a transaction that sets the tenant locally,
//! so isolation holds even if a `WHERE` clause were wrong. A connection is
//! opened per operation: simple, and a restarted database is picked up at
//! once.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use futures_util::pin_mut;
use slicewise_core::wire::PublicKey;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls};

use crate::seed::{demo_tenants, generate_tenant, IdBase};
use crate::sqlite::SeedSummary;
use crate::store::{AuditFilter, AuditRecord, KeyPublication, StoreError, Usage};

/// The role the server works as: not the tables' owner, no `BYPASSRLS`.
pub const APP_ROLE: &str = "slicewise_app";

const DATA_TABLES: [&str; 5] = [
    "tenants",
    "customers",
    "products",
    "orders",
    "support_tickets",
];

const DATA_SCHEMA: &str = "
CREATE TABLE tenants (tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL);
CREATE TABLE customers (tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id), customer_id BIGINT PRIMARY KEY,
  name TEXT NOT NULL, email TEXT NOT NULL, country TEXT NOT NULL, segment TEXT NOT NULL,
  signup_date DATE NOT NULL, privacy_consent BOOLEAN NOT NULL);
CREATE TABLE products (tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id), product_id BIGINT PRIMARY KEY,
  name TEXT NOT NULL, category TEXT NOT NULL, unit_price DOUBLE PRECISION NOT NULL);
CREATE TABLE orders (tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id), order_id BIGINT PRIMARY KEY,
  customer_id BIGINT NOT NULL, product_id BIGINT NOT NULL, ordered_at TIMESTAMP NOT NULL,
  quantity INTEGER NOT NULL, unit_price DOUBLE PRECISION NOT NULL, discount DOUBLE PRECISION NOT NULL,
  amount DOUBLE PRECISION NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE support_tickets (tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id), ticket_id BIGINT PRIMARY KEY,
  customer_id BIGINT NOT NULL, opened_at TIMESTAMP NOT NULL, closed_at TIMESTAMP, priority TEXT NOT NULL,
  topic TEXT NOT NULL, satisfaction INTEGER);
";

const DATA_INDEXES: &str = "
CREATE INDEX customers_tenant ON customers(tenant_id, customer_id);
CREATE INDEX products_tenant ON products(tenant_id, product_id);
CREATE INDEX orders_tenant ON orders(tenant_id, order_id);
CREATE INDEX support_tickets_tenant ON support_tickets(tenant_id, ticket_id);
";

const STATE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, sub TEXT NOT NULL,
  question TEXT NOT NULL, status TEXT NOT NULL, sql TEXT, engine TEXT NOT NULL, cached BOOLEAN NOT NULL,
  counted BOOLEAN NOT NULL, latency_ms DOUBLE PRECISION NOT NULL, tables TEXT NOT NULL, columns TEXT NOT NULL,
  privacy TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_tenant_time ON audit(tenant, created_at);
CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, answer_id TEXT NOT NULL REFERENCES audit(id),
  tenant TEXT NOT NULL, sub TEXT NOT NULL, helpful BOOLEAN NOT NULL, comment TEXT, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, x TEXT NOT NULL,
  created_at BIGINT NOT NULL, retired_at BIGINT, expires_at BIGINT);
";

/// What the app role may do with the state tables.
fn state_grants() -> String {
    format!(
        "GRANT USAGE ON SCHEMA public TO {APP_ROLE};
         GRANT SELECT, INSERT ON audit, feedback TO {APP_ROLE};
         GRANT SELECT, INSERT, UPDATE ON signing_keys TO {APP_ROLE};"
    )
}

/// Upsert of an active key (see the SQLite twin).
const ACTIVATE_KEY: &str =
    "INSERT INTO signing_keys (kid, alg, x, created_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (kid) DO UPDATE SET retired_at = NULL, expires_at = NULL";

/// Upsert of a retired key: the first retirement sets its end.
const RETIRE_KEY: &str =
    "INSERT INTO signing_keys (kid, alg, x, created_at, retired_at, expires_at)
  VALUES ($1, $2, $3, $4, $4, $5)
  ON CONFLICT (kid) DO UPDATE SET retired_at = excluded.retired_at, expires_at = excluded.expires_at
  WHERE signing_keys.retired_at IS NULL";

/// A connection to PostgreSQL, its driver task spawned.
pub async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "postgres connection closed");
        }
    });
    Ok(client)
}

fn timestamp(micros: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

fn date(days: i32) -> NaiveDate {
    DateTime::from_timestamp(i64::from(days) * 86_400, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// Creates the app role and lets the connecting user switch to it.
async fn ensure_role(client: &Client) -> Result<(), StoreError> {
    let exists = client
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&APP_ROLE])
        .await?
        .is_some();
    if !exists {
        // Roles are cluster-wide; another database's seeder may win the race.
        if let Err(e) = client
            .batch_execute(&format!(
                "CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS"
            ))
            .await
        {
            tracing::debug!(error = %e, "creating the app role");
        }
    }
    let me: String = client
        .query_one("SELECT current_user::text", &[])
        .await?
        .get(0);
    if me != APP_ROLE {
        let _ = client
            .batch_execute(&format!(
                "GRANT {APP_ROLE} TO \"{}\"",
                me.replace('"', "\"\"")
            ))
            .await;
    }
    Ok(())
}

async fn copy_in(
    client: &tokio_postgres::Transaction<'_>,
    sql: &str,
    types: &[Type],
    rows: impl Iterator<Item = Vec<Box<dyn ToSql + Sync + Send>>>,
) -> Result<(), StoreError> {
    let sink = client.copy_in(sql).await?;
    let writer = BinaryCopyInWriter::new(sink, types);
    pin_mut!(writer);
    for row in rows {
        let refs: Vec<&(dyn ToSql + Sync)> = row
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        writer.as_mut().write(&refs).await?;
    }
    writer.finish().await?;
    Ok(())
}

type Cell = Box<dyn ToSql + Sync + Send>;

/// Writes the demo dataset into PostgreSQL with row-level security; returns
/// false when `if_missing` found data and kept it.
pub async fn seed_postgres(url: &str, scale: f64, if_missing: bool) -> Result<bool, StoreError> {
    Ok(seed_postgres_summary(url, scale, if_missing).await?.written)
}

/// As [`seed_postgres`], with the tenants written.
pub async fn seed_postgres_summary(
    url: &str,
    scale: f64,
    if_missing: bool,
) -> Result<SeedSummary, StoreError> {
    let mut client = connect(url).await?;
    let tenants = demo_tenants(scale);
    if if_missing {
        let seeded = client
            .query_opt("SELECT 1 FROM pg_tables WHERE tablename = 'tenants' AND schemaname = current_schema()", &[])
            .await?
            .is_some();
        if seeded {
            let n: i64 = client
                .query_one("SELECT COUNT(*) FROM tenants", &[])
                .await?
                .get(0);
            if n > 0 {
                return Ok(SeedSummary {
                    tenants,
                    written: false,
                });
            }
        }
    }
    ensure_role(&client).await?;
    let tx = client.transaction().await?;
    tx.batch_execute(
        "DROP TABLE IF EXISTS support_tickets, orders, products, customers, tenants CASCADE",
    )
    .await?;
    tx.batch_execute(DATA_SCHEMA).await?;
    tx.batch_execute(STATE_SCHEMA).await?;
    let mut ids = IdBase::default();
    for (index, spec) in tenants.iter().enumerate() {
        let rows = generate_tenant(spec, index, ids);
        ids = ids.after(spec);
        let t = spec.tenant_id.clone();
        tx.execute(
            "INSERT INTO tenants VALUES ($1, $2, $3)",
            &[&t, &spec.name, &spec.tier.as_str()],
        )
        .await?;
        let c = rows.customers;
        copy_in(
            &tx,
            "COPY customers (tenant_id, customer_id, name, email, country, segment, signup_date, privacy_consent) FROM STDIN BINARY",
            &[Type::TEXT, Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::DATE, Type::BOOL],
            (0..c.customer_id.len()).map(|i| -> Vec<Cell> {
                vec![
                    Box::new(t.clone()),
                    Box::new(c.customer_id[i]),
                    Box::new(c.name[i].clone()),
                    Box::new(c.email[i].clone()),
                    Box::new(c.country[i].clone()),
                    Box::new(c.segment[i].clone()),
                    Box::new(date(c.signup_date[i])),
                    Box::new(c.privacy_consent[i]),
                ]
            }),
        )
        .await?;
        let p = rows.products;
        copy_in(
            &tx,
            "COPY products (tenant_id, product_id, name, category, unit_price) FROM STDIN BINARY",
            &[Type::TEXT, Type::INT8, Type::TEXT, Type::TEXT, Type::FLOAT8],
            (0..p.product_id.len()).map(|i| -> Vec<Cell> {
                vec![
                    Box::new(t.clone()),
                    Box::new(p.product_id[i]),
                    Box::new(p.name[i].clone()),
                    Box::new(p.category[i].clone()),
                    Box::new(p.unit_price[i]),
                ]
            }),
        )
        .await?;
        let o = rows.orders;
        copy_in(
            &tx,
            "COPY orders (tenant_id, order_id, customer_id, product_id, ordered_at, quantity, unit_price, discount, amount, channel, status) FROM STDIN BINARY",
            &[Type::TEXT, Type::INT8, Type::INT8, Type::INT8, Type::TIMESTAMP, Type::INT4, Type::FLOAT8, Type::FLOAT8, Type::FLOAT8, Type::TEXT, Type::TEXT],
            (0..o.order_id.len()).map(|i| -> Vec<Cell> {
                vec![
                    Box::new(t.clone()),
                    Box::new(o.order_id[i]),
                    Box::new(o.customer_id[i]),
                    Box::new(o.product_id[i]),
                    Box::new(timestamp(o.ordered_at[i])),
                    Box::new(o.quantity[i]),
                    Box::new(o.unit_price[i]),
                    Box::new(o.discount[i]),
                    Box::new(o.amount[i]),
                    Box::new(o.channel[i].clone()),
                    Box::new(o.status[i].clone()),
                ]
            }),
        )
        .await?;
        let s = rows.tickets;
        copy_in(
            &tx,
            "COPY support_tickets (tenant_id, ticket_id, customer_id, opened_at, closed_at, priority, topic, satisfaction) FROM STDIN BINARY",
            &[Type::TEXT, Type::INT8, Type::INT8, Type::TIMESTAMP, Type::TIMESTAMP, Type::TEXT, Type::TEXT, Type::INT4],
            (0..s.ticket_id.len()).map(|i| -> Vec<Cell> {
                vec![
                    Box::new(t.clone()),
                    Box::new(s.ticket_id[i]),
                    Box::new(s.customer_id[i]),
                    Box::new(timestamp(s.opened_at[i])),
                    Box::new(s.closed_at[i].map(timestamp)),
                    Box::new(s.priority[i].clone()),
                    Box::new(s.topic[i].clone()),
                    Box::new(s.satisfaction[i]),
                ]
            }),
        )
        .await?;
    }
    tx.batch_execute(DATA_INDEXES).await?;
    for table in DATA_TABLES {
        tx.batch_execute(&format!(
            "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
             ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
             CREATE POLICY tenant_isolation ON {table}
               USING (tenant_id = current_setting('slicewise.tenant', true));
             GRANT SELECT ON {table} TO {APP_ROLE};"
        ))
        .await?;
    }
    tx.batch_execute(&state_grants()).await?;
    tx.commit().await?;
    client.batch_execute("ANALYZE").await?;
    Ok(SeedSummary {
        tenants,
        written: true,
    })
}

/// The PostgreSQL source.
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

    /// Creates the state tables when missing (as the connecting user).
    pub async fn migrate_state(&self) -> Result<(), StoreError> {
        let client = connect(&self.url).await?;
        client.batch_execute(STATE_SCHEMA).await?;
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
                 FROM audit WHERE tenant = $1 AND counted AND created_at >= LEAST($2, $3)",
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
                "INSERT INTO audit (id, tenant, sub, question, status, sql, engine, cached, counted,
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
        let client = self.app_client().await?;
        let n = client
            .execute(
                "INSERT INTO feedback (id, answer_id, tenant, sub, helpful, comment, created_at)
                 SELECT $1, id, tenant, $4, $5, $6, $7 FROM audit WHERE id = $2 AND tenant = $3",
                &[&id, &answer_id, &tenant, &sub, &helpful, &comment, &now_ms],
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
                 tables, columns, privacy, created_at FROM audit
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
                "SELECT kid, alg, x FROM signing_keys WHERE expires_at IS NULL OR expires_at > $1
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
