//! The engine's errors, each with a stable code for the widget.

use slicewise_core::{GuardError, ManifestError};

/// Why the engine refused or failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("the catalog does not match the extract's schema hash")]
    CatalogMismatch,
    #[error("the catalog cannot be read: {0}")]
    BadCatalog(String),
    #[error("the extract is {bytes} bytes, over the budget of {budget} bytes")]
    OverBudget { bytes: u64, budget: u64 },
    #[error("table {table} could not be read: {message}")]
    Load { table: String, message: String },
    #[error("no extract is loaded yet")]
    NotLoaded,
    #[error("the query failed: {0}")]
    Query(String),
}

impl EngineError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Guard(e) => e.code(),
            EngineError::Manifest(e) => e.code(),
            EngineError::CatalogMismatch => "extract_catalog_mismatch",
            EngineError::BadCatalog(_) => "catalog_malformed",
            EngineError::OverBudget { .. } => "extract_over_budget",
            EngineError::Load { .. } => "extract_unreadable",
            EngineError::NotLoaded => "engine_not_loaded",
            EngineError::Query(_) => "query_failed",
        }
    }
}
