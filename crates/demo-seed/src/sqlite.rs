//! The retail demo data written into a SQLite file: one file, nothing to
//! install.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::generate::{demo_tenants, generate_tenant, IdBase};
use crate::rows::{format_date, format_timestamp};
use crate::{SeedError, SeedSummary};

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

/// Writes the demo dataset into a SQLite file, replacing its data tables.
pub fn seed_sqlite(path: &Path, scale: f64, if_missing: bool) -> Result<SeedSummary, SeedError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
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
            tenant_stmt.execute(params![t, spec.name, spec.tier])?;
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
