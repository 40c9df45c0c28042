//! What the widget and the engine worker say to each other.
//!
//! Messages are JSON text, plus the tables' bytes as transferable buffers on
//! a load. All of it stays inside the browser.

use serde::{Deserialize, Serialize};

/// Default ceiling on the extract bytes one widget loads (512 MiB).
pub const DEFAULT_BUDGET_BYTES: u64 = 512 * 1024 * 1024;
/// Default number of result rows handed to the UI.
pub const DEFAULT_DISPLAY_LIMIT: usize = 100_000;

/// The part of a load request that is not bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadRequest {
    /// The catalog's JSON; its hash must equal the manifest's schema hash.
    pub catalog: String,
    /// The signed manifest exactly as served.
    pub signed: slicewise_core::SignedManifest,
    /// The server's published keys.
    pub keys: slicewise_core::wire::KeySet,
    /// The tenant the host asked for, when it knows.
    pub tenant: Option<String>,
    /// Unix seconds, from the browser's clock.
    pub now: i64,
    /// Table names, in the order of the byte buffers.
    pub tables: Vec<String>,
    /// Largest total of table bytes accepted.
    pub budget_bytes: u64,
}

/// What a load did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    pub tenant: String,
    pub privacy: slicewise_core::wire::Privacy,
    pub expires_at: i64,
    pub tables: Vec<TableReport>,
    pub elapsed_ms: f64,
    /// Where the load's time went.
    #[serde(default)]
    pub phases: LoadPhases,
}

/// Milliseconds per step of a load, over all tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadPhases {
    /// Signature, tenant, expiry, catalog hash and budget.
    pub verify_ms: f64,
    /// Each table's length and SHA-256 against the manifest (in wasm, or
    /// only the comparison when the worker hashed with WebCrypto).
    pub hash_ms: f64,
    /// Arrow IPC stream to DataFrame.
    pub parse_ms: f64,
    /// One chunk per column.
    pub rechunk_ms: f64,
    /// Low-cardinality strings to categoricals.
    pub categorize_ms: f64,
}

/// One loaded table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableReport {
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
}

/// An error crossing the worker boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireError {
    pub code: String,
    pub message: String,
}

impl From<&crate::EngineError> for WireError {
    fn from(e: &crate::EngineError) -> Self {
        WireError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}
