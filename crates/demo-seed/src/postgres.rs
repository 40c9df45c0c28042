//! The retail demo data written into PostgreSQL (the tables and rows only).
//!
//! Row-level security is not set here: like any vendor's database, the demo
//! gets it from `slicewise pg setup` (the server's `pg_setup::setup_sql`
//! over the retail catalog), so the demo goes through the vendor's path.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls};

use crate::generate::{demo_tenants, generate_tenant, IdBase};
use crate::{SeedError, SeedSummary};

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

/// A connection to PostgreSQL, its driver task spawned.
async fn connect(url: &str) -> Result<Client, SeedError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

async fn copy_in(
    client: &tokio_postgres::Transaction<'_>,
    sql: &str,
    types: &[Type],
    rows: impl Iterator<Item = Vec<Box<dyn ToSql + Sync + Send>>>,
) -> Result<(), SeedError> {
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

/// Writes the demo dataset into PostgreSQL, replacing its data tables;
/// returns false when `if_missing` found data and kept it.
pub async fn seed_postgres(url: &str, scale: f64, if_missing: bool) -> Result<bool, SeedError> {
    Ok(seed_postgres_summary(url, scale, if_missing).await?.written)
}

/// As [`seed_postgres`], with the tenants written.
pub async fn seed_postgres_summary(
    url: &str,
    scale: f64,
    if_missing: bool,
) -> Result<SeedSummary, SeedError> {
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
    let tx = client.transaction().await?;
    tx.batch_execute(
        "DROP TABLE IF EXISTS support_tickets, orders, products, customers, tenants CASCADE",
    )
    .await?;
    tx.batch_execute(DATA_SCHEMA).await?;
    let mut ids = IdBase::default();
    for (index, spec) in tenants.iter().enumerate() {
        let rows = generate_tenant(spec, index, ids);
        ids = ids.after(spec);
        let t = spec.tenant_id.clone();
        tx.execute(
            "INSERT INTO tenants VALUES ($1, $2, $3)",
            &[&t, &spec.name, &spec.tier],
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
    tx.commit().await?;
    client.batch_execute("ANALYZE").await?;
    Ok(SeedSummary {
        tenants,
        written: true,
    })
}
