//! Slicewise server: embed tokens, signed per-tenant Arrow extracts of a
//! vendor's database read through its catalog, and the ask API.
//!
//! The library holds everything; `main.rs` is only the command line, so
//! tests and tools (the eval runner, benchmarks) call the extract builder and
//! the router directly. The retail demo data is not here: it is the
//! `slicewise-demo-seed` crate, which only the command line (`seed-demo`,
//! `serve --demo`), tests and tools use.

pub mod app;
pub mod ask;
pub mod auth;
pub mod catalog_check;
pub mod catalog_draft;
pub mod config;
pub mod embed;
pub mod error;
pub mod extract;
pub mod extract_limit;
pub mod introspect;
pub mod json_body;
pub mod keys;
pub mod llm;
pub mod metrics;
pub mod params;
pub mod pg;
pub mod pg_setup;
pub mod pool;
pub mod privacy;
pub mod request_id;
pub mod saved;
pub mod scratch_db;
pub mod serve;
pub mod source;
pub mod source_pg;
pub mod source_sqlite;
pub mod state;
pub mod store;
pub mod store_pg;
pub mod store_sqlite;
pub mod tier;
pub mod token;

pub use app::{app, metrics_app};
pub use config::{AppConfig, LlmConfig, Quotas, TranslatorKind};
pub use error::AppError;
pub use extract::{build_extract, ExtractError, TenantExtract};
pub use keys::ServerKeys;
pub use serve::{serve, ServeLimits};
pub use source::{DataSource, SourceError, TableSource};
pub use state::AppState;
pub use store::{Store, StoreError};
pub use store_sqlite::SqliteStore;
pub use tier::Tier;
