//! Slicewise engine: a tenant's verified extract in Polars, queried with
//! guarded SQL, answers as compact columnar results.
//!
//! With the default `polars` feature it holds the engine; without it only the
//! protocol the widget speaks to the engine's Web Worker, so the UI's wasm
//! does not carry Polars.

#[cfg(feature = "polars")]
mod aggregate;
mod error;
pub mod protocol;

#[cfg(feature = "polars")]
mod date_trunc;
#[cfg(feature = "polars")]
mod engine;
#[cfg(feature = "polars")]
mod frame;
#[cfg(feature = "polars")]
pub mod ipc;
#[cfg(feature = "polars")]
mod rewrite;
#[cfg(feature = "polars")]
mod strftime;
#[cfg(feature = "polars")]
mod udf;

pub use error::EngineError;

#[cfg(feature = "polars")]
pub use engine::{Engine, LoadedTable, StagedLoad};
