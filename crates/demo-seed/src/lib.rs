//! The retail demo data: twelve tenants of orders, customers, products and
//! support tickets, generated deterministically and written into a SQLite
//! file or a PostgreSQL database.
//!
//! This is example data, not part of the server: `slicewise seed-demo`, the
//! tests, the extract benchmark and the eval runner write it; the server
//! reads it like any vendor's database, through the retail catalog.

pub mod generate;
pub mod postgres;
pub mod rows;
pub mod sqlite;

pub use generate::{demo_tenants, generate_tenant, IdBase, TenantSpec, DEMO_LAST_DAY, DEMO_SEED};
pub use postgres::{seed_postgres, seed_postgres_summary};
pub use rows::TenantRows;
pub use sqlite::seed_sqlite;

/// Why the demo data could not be written; the message names the database.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The SQLite file could not be created or written.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused a connection or a statement.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The file's folder could not be created.
    #[error("creating the data folder: {0}")]
    Io(#[from] std::io::Error),
}

/// What the seeder wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedSummary {
    pub tenants: Vec<TenantSpec>,
    /// False when `--if-missing` found data and left it.
    pub written: bool,
}
