//! The engine proper: verified tables in a Polars SQL context.

use polars::prelude::*;
use polars::sql::SQLContext;
use slicewise_core::manifest::sha256_hex;
use slicewise_core::{Catalog, Manifest, QueryResult, SqlGuard};
use web_time::Instant;

use crate::aggregate;
use crate::frame::to_query_result;
use crate::protocol::{LoadPhases, LoadReport, LoadRequest, TableReport};
use crate::rewrite::{for_polars, HIDDEN_PREFIX};
use crate::EngineError;

fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// One table held by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedTable {
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
}

/// A tenant's extract, loaded and queryable.
pub struct Engine {
    guard: SqlGuard,
    catalog: Catalog,
    ctx: SQLContext,
    tables: Vec<LoadedTable>,
    /// Group-bys and distinct counts by crate::aggregate (else all Polars').
    own_aggregation: bool,
}

impl Engine {
    /// An empty engine that will admit SQL over this catalog.
    pub fn new(catalog: &Catalog) -> Engine {
        Engine {
            guard: SqlGuard::new(catalog),
            catalog: catalog.clone(),
            own_aggregation: true,
            ctx: SQLContext::new().with_function_registry(crate::udf::registry()),
            tables: Vec::new(),
        }
    }

    /// Verifies a signed extract and loads its tables: the signature, tenant
    /// and expiry first, then the catalog's hash, the budget, and each
    /// table's hash before its bytes are parsed. On any failure nothing is
    /// kept.
    pub fn load_verified(
        request: &LoadRequest,
        buffers: &[&[u8]],
    ) -> Result<(Engine, LoadReport), EngineError> {
        let mut staged = StagedLoad::verify(request, buffers)?;
        let hashing = Instant::now();
        let digests: Vec<String> = buffers.iter().map(|b| sha256_hex(b)).collect();
        staged.phases.hash_ms = ms_since(hashing);
        staged.check_digests(&digests)?;
        staged.parse(buffers);
        staged.into_engine()
    }

    /// As [`Engine::load_verified`], with each buffer's SHA-256 (hex)
    /// already computed over these very bytes: in the browser the worker
    /// hashes with WebCrypto, several times faster than SHA-256 in wasm.
    /// Lengths and digests are still checked against the signed manifest.
    pub fn load_verified_with_digests(
        request: &LoadRequest,
        buffers: &[&[u8]],
        digests: &[String],
    ) -> Result<(Engine, LoadReport), EngineError> {
        let mut staged = StagedLoad::verify(request, buffers)?;
        staged.check_digests(digests)?;
        staged.parse(buffers);
        staged.into_engine()
    }

    /// The first half of a load whose digests are computed elsewhere while
    /// the engine parses (the worker's WebCrypto runs on its own thread):
    /// the signature, tenant, expiry, catalog, budget and lengths are
    /// checked, then the tables parsed, and nothing is queryable until
    /// [`StagedLoad::commit`] has compared every digest with the manifest.
    pub fn stage(request: &LoadRequest, buffers: &[&[u8]]) -> Result<StagedLoad, EngineError> {
        let mut staged = StagedLoad::verify(request, buffers)?;
        staged.parse(buffers);
        Ok(staged)
    }

    /// Parses one Arrow IPC stream and registers it under `name`.
    /// (No signature check: `load_verified` is the path for extracts.)
    pub fn load_ipc(&mut self, name: &str, bytes: &[u8]) -> Result<LoadedTable, EngineError> {
        let df = parse_table(name, bytes, &mut LoadPhases::default())?;
        Ok(self.register(name, df, bytes.len() as u64))
    }

    fn register(&mut self, name: &str, df: DataFrame, bytes: u64) -> LoadedTable {
        let table = LoadedTable {
            name: name.to_string(),
            rows: df.height() as u64,
            bytes,
        };
        self.ctx.register(name, df.lazy());
        self.tables.retain(|t| t.name != name);
        self.tables.push(table.clone());
        table
    }

    /// Whether group-bys and distinct counts run as the engine's own (on by
    /// default) or all as Polars' own, to compare the two (`cargo xtask
    /// eval` does, over its corpus).
    pub fn set_own_aggregation(&mut self, on: bool) {
        self.own_aggregation = on;
    }

    /// Tables loaded so far.
    pub fn tables(&self) -> &[LoadedTable] {
        &self.tables
    }

    /// Runs one guarded SQL query; at most `limit` rows come back, and the
    /// result says when there were more.
    pub fn query(&mut self, sql: &str, limit: usize) -> Result<QueryResult, EngineError> {
        if self.tables.is_empty() {
            return Err(EngineError::NotLoaded);
        }
        let guarded = self.guard.check(sql)?;
        let started = Instant::now();
        let lf = self
            .ctx
            .execute(&for_polars(&guarded.sql, &|name| {
                self.catalog.has_column(name)
            }))
            .map_err(|e| EngineError::Query(e.to_string()))?;
        let limit_plus_one = u32::try_from(limit.saturating_add(1)).unwrap_or(u32::MAX);
        let mut df = lf
            .limit(limit_plus_one as IdxSize)
            ._collect_post_opt(|root, lp_arena, expr_arena, _| {
                if self.own_aggregation {
                    aggregate::plan(root, lp_arena, expr_arena);
                }
                Ok(())
            })
            .map_err(|e| EngineError::Query(e.to_string()))?;
        let hidden: Vec<_> = df
            .get_column_names()
            .into_iter()
            .filter(|n| n.starts_with(HIDDEN_PREFIX))
            .cloned()
            .collect();
        if !hidden.is_empty() {
            df = df.drop_many(hidden);
        }
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        to_query_result(&df, limit, elapsed_ms).map_err(|e| EngineError::Query(e.to_string()))
    }
}

/// An extract whose manifest checked out, on its way to an [`Engine`]: its
/// tables are parsed (or not yet), and not queryable until their digests
/// are compared with the manifest.
pub struct StagedLoad {
    manifest: Manifest,
    catalog: Catalog,
    /// Name and byte length of each table, in the request's order.
    tables: Vec<(String, u64)>,
    /// Each table's frame, or why it could not be read, once parsed.
    frames: Vec<Result<DataFrame, EngineError>>,
    digests_checked: bool,
    phases: LoadPhases,
    started: Instant,
}

impl StagedLoad {
    /// The signature, tenant and expiry, the catalog's hash, the budget, and
    /// each table's length against the manifest.
    fn verify(request: &LoadRequest, buffers: &[&[u8]]) -> Result<StagedLoad, EngineError> {
        let started = Instant::now();
        let manifest: Manifest =
            request
                .signed
                .verify(&request.keys, request.tenant.as_deref(), request.now)?;
        let catalog = Catalog::from_json(&request.catalog)
            .map_err(|e| EngineError::BadCatalog(e.to_string()))?;
        if catalog.schema_hash() != manifest.schema_hash {
            return Err(EngineError::CatalogMismatch);
        }
        if buffers.len() != request.tables.len() {
            return Err(EngineError::Load {
                table: String::new(),
                message: format!(
                    "{} buffers for {} tables",
                    buffers.len(),
                    request.tables.len()
                ),
            });
        }
        let total: u64 = buffers.iter().map(|b| b.len() as u64).sum();
        if total > request.budget_bytes {
            return Err(EngineError::OverBudget {
                bytes: total,
                budget: request.budget_bytes,
            });
        }
        let mut tables = Vec::with_capacity(buffers.len());
        for (name, bytes) in request.tables.iter().zip(buffers) {
            manifest.check_length(name, bytes.len() as u64)?;
            tables.push((name.clone(), bytes.len() as u64));
        }
        let phases = LoadPhases {
            verify_ms: ms_since(started),
            ..LoadPhases::default()
        };
        Ok(StagedLoad {
            manifest,
            catalog,
            tables,
            frames: Vec::new(),
            digests_checked: false,
            phases,
            started,
        })
    }

    /// Each table's SHA-256 (hex, computed over the very bytes loaded)
    /// against the manifest.
    fn check_digests(&mut self, digests: &[String]) -> Result<(), EngineError> {
        let hashing = Instant::now();
        if digests.len() != self.tables.len() {
            return Err(EngineError::Load {
                table: String::new(),
                message: format!("{} digests for {} tables", digests.len(), self.tables.len()),
            });
        }
        for ((name, len), digest) in self.tables.iter().zip(digests) {
            self.manifest.check_digest(name, *len, digest)?;
        }
        self.phases.hash_ms += ms_since(hashing);
        self.digests_checked = true;
        Ok(())
    }

    /// Parses every table, keeping a table's error for later: a tampered
    /// table must be reported as tampered, not as unreadable.
    fn parse(&mut self, buffers: &[&[u8]]) {
        self.frames = self
            .tables
            .iter()
            .zip(buffers)
            .map(|((name, _), bytes)| parse_table(name, bytes, &mut self.phases))
            .collect();
    }

    /// Compares each table's digest with the manifest, then makes the
    /// parsed tables queryable. On any failure nothing is kept.
    pub fn commit(mut self, digests: &[String]) -> Result<(Engine, LoadReport), EngineError> {
        self.check_digests(digests)?;
        self.into_engine()
    }

    /// The engine over the parsed tables (their digests checked).
    fn into_engine(self) -> Result<(Engine, LoadReport), EngineError> {
        if !self.digests_checked && !self.tables.is_empty() {
            return Err(EngineError::Load {
                table: String::new(),
                message: "the tables' digests were not checked".into(),
            });
        }
        let mut engine = Engine::new(&self.catalog);
        let mut reports = Vec::with_capacity(self.tables.len());
        for ((name, bytes), frame) in self.tables.iter().zip(self.frames) {
            let table = engine.register(name, frame?, *bytes);
            reports.push(TableReport {
                name: table.name,
                rows: table.rows,
                bytes: table.bytes,
            });
        }
        let report = LoadReport {
            tenant: self.manifest.tenant,
            privacy: self.manifest.privacy,
            expires_at: self.manifest.expires_at,
            tables: reports,
            elapsed_ms: ms_since(self.started),
            phases: self.phases,
        };
        Ok((engine, report))
    }
}

/// One Arrow IPC stream as a frame: one chunk per column, labels as
/// categoricals.
fn parse_table(
    name: &str,
    bytes: &[u8],
    phases: &mut LoadPhases,
) -> Result<DataFrame, EngineError> {
    let load_error = |e: PolarsError| EngineError::Load {
        table: name.to_string(),
        message: e.to_string(),
    };
    let step = Instant::now();
    let mut df = crate::ipc::read_stream(bytes).map_err(load_error)?;
    phases.parse_ms += ms_since(step);
    // One contiguous chunk per column: every later query scans faster.
    let step = Instant::now();
    df.rechunk_mut();
    phases.rechunk_ms += ms_since(step);
    // Measured on the bench table (1M rows, one thread): group-bys on
    // labels 2-3x faster, for about 60 ms more at load.
    let step = Instant::now();
    categorize_strings(&mut df).map_err(load_error)?;
    phases.categorize_ms += ms_since(step);
    Ok(df)
}

/// Rows sampled to judge a string column's cardinality.
const CARDINALITY_SAMPLE: usize = 8_192;

/// Casts low-cardinality string columns (statuses, regions, products) to
/// categoricals: group-bys and equality filters then work on integer codes.
/// The cardinality is judged on a sample of leading rows, so the cost of the
/// judgement does not grow with the table. Dictionary-encoded IPC columns
/// arrive as categoricals already.
fn categorize_strings(df: &mut DataFrame) -> PolarsResult<()> {
    let names: Vec<PlSmallStr> = df
        .get_columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .map(|c| c.name().clone())
        .collect();
    // The global categories: tables that share a column's values can join on it.
    let categorical = DataType::from_categories(Categories::global());
    for name in names {
        let column = df.column(&name)?;
        let sample = column.head(Some(CARDINALITY_SAMPLE));
        // At most one distinct value in 16 sampled rows: a label, not free text.
        if sample.n_unique()? * 16 > sample.len().max(16) {
            continue;
        }
        let cast = column.cast(&categorical)?;
        df.with_column(cast)?;
    }
    Ok(())
}
