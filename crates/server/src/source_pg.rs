//! Reading a catalog table for one tenant from PostgreSQL: as the login
//! role (see `pg`), in a read-only transaction bound to the tenant for the
//! row-level security policies, with the catalog's columns cast to its types.

use arrow_array::RecordBatch;
use chrono::{NaiveDate, NaiveDateTime};
use futures_util::{pin_mut, TryStreamExt};
use slicewise_core::catalog::{ColumnDef, ColumnType, TableDef, TenantRegistry};
use tokio_postgres::Row;

use crate::metrics::DbConnections;
use crate::pg::{tenant_mac, TENANT_FUNCTION};
use crate::pool::{checkout, pg_pool, CheckoutError, PgConnector, PgPool, DEFAULT_POOL_SIZE};
use crate::source::{
    quote, tenants_sql, tier_sql, BatchBuilder, Cell, SourceError, TableSource, BATCH_ROWS,
};

/// A vendor's PostgreSQL database.
#[derive(Clone)]
pub struct PgSource {
    url: String,
    /// The server's tenant binding key; without it no tenant's rows are read.
    binding_key: Option<Vec<u8>>,
    /// A development setup: a superuser or `BYPASSRLS` login is allowed.
    allow_privileged: bool,
    /// Its connections, for the metrics.
    connections: DbConnections,
    /// Connections as the server works, shared by clones.
    pool: PgPool,
}

impl std::fmt::Debug for PgSource {
    // The key stays out of logs (and the URL may hold a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSource")
            .field("binding_key", &self.binding_key.as_ref().map(|_| "***"))
            .field("allow_privileged", &self.allow_privileged)
            .finish_non_exhaustive()
    }
}

impl PgSource {
    /// Whether the database answers, as the app role.
    pub async fn ping(&self) -> Result<(), SourceError> {
        let client = self.app_client().await?;
        client.simple_query("SELECT 1").await.map_err(unavailable)?;
        Ok(())
    }

    /// The source over a connection string (URL or `key=value` form),
    /// refusing a privileged login, with a pool of [`DEFAULT_POOL_SIZE`].
    pub fn new(url: impl Into<String>) -> PgSource {
        let url = url.into();
        let connections = DbConnections::default();
        PgSource {
            pool: pg_pool(&url, false, DEFAULT_POOL_SIZE, connections.clone()),
            url,
            binding_key: None,
            allow_privileged: false,
            connections,
        }
    }

    /// The source keeping at most `size` connections open (before any is used).
    pub fn with_pool_size(mut self, size: usize) -> PgSource {
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

    /// The source binding each read to its tenant with this key.
    pub fn with_binding_key(mut self, key: &[u8]) -> PgSource {
        self.binding_key = Some(key.to_vec());
        self
    }

    /// Whether it has a tenant binding key.
    pub fn has_binding_key(&self) -> bool {
        self.binding_key.is_some()
    }

    /// A development setup: a superuser or `BYPASSRLS` login is allowed (the
    /// session then switches to the read role).
    pub fn allow_privileged_role(mut self, allow: bool) -> PgSource {
        self.allow_privileged = allow;
        self.pool = pg_pool(&self.url, allow, self.pool_size(), self.connections.clone());
        self
    }

    /// The connection string.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its connections (clones of the source share them).
    pub fn connections(&self) -> &DbConnections {
        &self.connections
    }
}

fn cast(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Int => "bigint",
        ColumnType::Float => "double precision",
        ColumnType::Text => "text",
        ColumnType::Bool => "boolean",
        ColumnType::Date => "date",
        ColumnType::Timestamp => "timestamp",
    }
}

/// The SELECT of a table's catalog columns, cast to the catalog's types, for
/// the tenant `$1`. The row policy scopes it too; the WHERE is belt and braces.
pub fn select_sql(table: &TableDef) -> String {
    let column = |c: &ColumnDef| format!("s.{}::{}", quote(&c.name), cast(c.column_type));
    crate::source::select_sql(table, column, |t| format!("{t}::text"), "$1")
}

fn unavailable(e: tokio_postgres::Error) -> SourceError {
    SourceError::Unavailable(crate::pg::detail(&e))
}

fn changed(table: &TableDef, e: &tokio_postgres::Error) -> SourceError {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::UNDEFINED_COLUMN || *c == SqlState::UNDEFINED_TABLE => {
            SourceError::Changed {
                table: table.name.clone(),
                detail: crate::pg::detail(e),
            }
        }
        Some(c) if *c == SqlState::INVALID_TEXT_REPRESENTATION || *c == SqlState::CANNOT_COERCE => {
            SourceError::BadValue {
                table: table.name.clone(),
                column: String::new(),
                detail: crate::pg::detail(e),
            }
        }
        _ => SourceError::Unavailable(crate::pg::detail(e)),
    }
}

fn push_row(b: &mut BatchBuilder<'_>, table: &TableDef, row: &Row) -> Result<(), SourceError> {
    let get_err = |e: tokio_postgres::Error| changed(table, &e);
    for (i, c) in table.columns.iter().enumerate() {
        match c.column_type {
            ColumnType::Int => {
                let v: Option<i64> = row.try_get(i).map_err(get_err)?;
                b.push(i, v.map_or(Cell::Null, Cell::Int))?;
            }
            ColumnType::Float => {
                let v: Option<f64> = row.try_get(i).map_err(get_err)?;
                b.push(i, v.map_or(Cell::Null, Cell::Float))?;
            }
            ColumnType::Text => {
                let v: Option<&str> = row.try_get(i).map_err(get_err)?;
                b.push(i, v.map_or(Cell::Null, Cell::Text))?;
            }
            ColumnType::Bool => {
                let v: Option<bool> = row.try_get(i).map_err(get_err)?;
                b.push(i, v.map_or(Cell::Null, Cell::Bool))?;
            }
            ColumnType::Date => {
                let v: Option<NaiveDate> = row.try_get(i).map_err(get_err)?;
                let days = v.map(|d| (d - NaiveDate::default()).num_days());
                b.push(
                    i,
                    days.and_then(|d| i32::try_from(d).ok())
                        .map_or(Cell::Null, Cell::Date),
                )?;
            }
            ColumnType::Timestamp => {
                let v: Option<NaiveDateTime> = row.try_get(i).map_err(get_err)?;
                b.push(
                    i,
                    v.map_or(Cell::Null, |t| {
                        Cell::Timestamp(t.and_utc().timestamp_micros())
                    }),
                )?;
            }
        }
    }
    Ok(())
}

impl PgSource {
    /// A pooled connection as the server works (see `pool`): the reads of
    /// one tenant happen in a read-only transaction bound to it.
    async fn app_client(&self) -> Result<deadpool::managed::Object<PgConnector>, SourceError> {
        checkout(&self.pool).await.map_err(|e| match e {
            CheckoutError::Connect(e) => unavailable(e),
            busy => SourceError::Unavailable(busy.to_string()),
        })
    }

    /// A read-only transaction bound to `tenant`: the tenant and its MAC set
    /// locally, and checked, so a database whose key is not this server's
    /// fails loudly instead of serving empty extracts. Bound anew in each
    /// transaction, on whichever pooled connection: the check also proves
    /// that no other tenant's binding is in force.
    async fn tenant_transaction<'c>(
        &self,
        client: &'c mut tokio_postgres::Client,
        tenant: &str,
    ) -> Result<tokio_postgres::Transaction<'c>, SourceError> {
        let mac = self
            .binding_key
            .as_deref()
            .map(|k| tenant_mac(k, tenant))
            .unwrap_or_default();
        let tx = client
            .build_transaction()
            .read_only(true)
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .start()
            .await
            .map_err(unavailable)?;
        tx.execute(
            "SELECT set_config('slicewise.tenant', $1, true), set_config('slicewise.tenant_mac', $2, true)",
            &[&tenant, &mac],
        )
        .await
        .map_err(unavailable)?;
        let bound: Option<String> = tx
            .query_one(&format!("SELECT {TENANT_FUNCTION}"), &[])
            .await
            .map_err(|e| match e.code() {
                // No binding set up (or not for this role): `slicewise pg setup`.
                Some(_) => SourceError::TenantBinding(crate::pg::detail(&e)),
                None => unavailable(e),
            })?
            .get(0);
        if bound.as_deref() != Some(tenant) {
            return Err(SourceError::TenantBinding(
                "the database's tenant binding key is not this server's".into(),
            ));
        }
        Ok(tx)
    }
}

impl TableSource for PgSource {
    async fn list_tenants(
        &self,
        registry: &TenantRegistry,
        limit: usize,
    ) -> Result<Vec<String>, SourceError> {
        let client = self.app_client().await?;
        let rows = client
            .query(&tenants_sql(registry, limit), &[])
            .await
            .map_err(unavailable)?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    async fn tenant_tier(
        &self,
        registry: &TenantRegistry,
        tenant: &str,
    ) -> Result<Option<Option<String>>, SourceError> {
        let mut client = self.app_client().await?;
        let tx = self.tenant_transaction(&mut client, tenant).await?;
        let row = tx
            .query_opt(&tier_sql(registry, "$1"), &[&tenant])
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(row.map(|r| r.get::<_, Option<String>>(0)))
    }

    async fn read_table(
        &self,
        table: &TableDef,
        tenant: &str,
        sink: &mut (dyn FnMut(RecordBatch) -> Result<(), SourceError> + Send),
    ) -> Result<(), SourceError> {
        let mut client = self.app_client().await?;
        let tx = self.tenant_transaction(&mut client, tenant).await?;
        // Zoned timestamps read as UTC wall time.
        tx.batch_execute("SET LOCAL TimeZone = 'UTC'")
            .await
            .map_err(unavailable)?;
        let rows = tx
            .query_raw(&select_sql(table), [tenant])
            .await
            .map_err(|e| changed(table, &e))?;
        pin_mut!(rows);
        let mut builder = BatchBuilder::new(table);
        while let Some(row) = rows.try_next().await.map_err(|e| changed(table, &e))? {
            push_row(&mut builder, table, &row)?;
            if builder.rows() >= BATCH_ROWS {
                sink(builder.finish()?)?;
            }
        }
        sink(builder.finish()?)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(())
    }
}
