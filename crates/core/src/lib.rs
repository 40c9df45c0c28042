//! Slicewise core: what the server and the browser must agree on.
//!
//! Everything here builds natively and for `wasm32-unknown-unknown`, so the
//! guard, the manifest checks and the translator are tested natively and run
//! unchanged in the widget's engine worker.

pub mod catalog;
pub mod catalog_file;
mod catalog_lint;
pub mod corpus;
pub mod guard;
pub mod manifest;
pub mod result;
pub mod translate;
pub mod wire;

pub use catalog::Catalog;
pub use guard::{GuardError, GuardedSql, SqlGuard};
pub use manifest::{Manifest, ManifestError, SignedManifest, TableEntry};
pub use result::QueryResult;
