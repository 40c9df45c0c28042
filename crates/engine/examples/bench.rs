//! Native benchmark of the engine on the bench tables (`cargo xtask bench`
//! runs it): verified load time, then min and median of N runs per query.
//!
//! Usage: `bench [--runs N] [--queries tests/bench/queries.json]
//! [--write-requests] [--requests-only] [--show] T.arrows...`. Each file is an Arrow IPC stream of the
//! table `t`. With `--write-requests` it also writes `T.arrows.request.json`
//! beside each file: a signed `LoadRequest` for it, so the browser bench
//! measures the real verified load path of the worker. `--show` prints each
//! query's answer, to compare with DuckDB's.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use ed25519_dalek::SigningKey;
use serde::Deserialize;
use slicewise_core::catalog::Catalog;
use slicewise_core::manifest::{public_key, sha256_hex, MANIFEST_VERSION};
use slicewise_core::wire::{KeySet, Privacy};
use slicewise_core::{Manifest, SignedManifest, TableEntry};
use slicewise_engine::protocol::LoadRequest;
use slicewise_engine::Engine;

/// Tenant named in the bench's manifests.
const TENANT: &str = "bench";
/// Rows handed back per query: every bench query answers in fewer.
const LIMIT: usize = 1_000;

/// One benchmark query in its DuckDB and Polars SQL forms.
#[derive(Debug, Deserialize)]
struct BenchQuery {
    id: String,
    name: String,
    polars: String,
}

struct Args {
    runs: usize,
    queries: PathBuf,
    write_requests: bool,
    /// Write the requests and time nothing (for a browser-only bench).
    requests_only: bool,
    show: bool,
    files: Vec<PathBuf>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        runs: 20,
        queries: PathBuf::from("tests/bench/queries.json"),
        write_requests: false,
        requests_only: false,
        show: false,
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => args.runs = it.next().context("--runs N")?.parse()?,
            "--queries" => args.queries = it.next().context("--queries FILE")?.into(),
            "--write-requests" => args.write_requests = true,
            "--requests-only" => {
                args.write_requests = true;
                args.requests_only = true;
            }
            "--show" => args.show = true,
            flag if flag.starts_with("--") => bail!("unknown flag {flag}"),
            file => args.files.push(file.into()),
        }
    }
    if args.files.is_empty() {
        bail!("usage: bench [--runs N] [--queries FILE] [--write-requests] [--show] T.arrows...");
    }
    Ok(args)
}

/// The catalog of shared/bench/gen.py's table `t`.
fn bench_catalog() -> anyhow::Result<Catalog> {
    const FILE: &str = "tests/bench/catalog.toml";
    let text = include_str!("../../../tests/bench/catalog.toml");
    Ok(slicewise_core::catalog_file::parse(text, FILE)?)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A signed load request for one table `t` (a fixed bench key, valid a day).
fn load_request(catalog: &Catalog, bytes: &[u8]) -> LoadRequest {
    let key = SigningKey::from_bytes(&[42; 32]);
    let now = unix_now();
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        tenant: TENANT.into(),
        privacy: Privacy::Standard,
        issued_at: now,
        expires_at: now + 86_400,
        schema_hash: catalog.schema_hash(),
        tables: vec![TableEntry {
            name: "t".into(),
            rows: 0,
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            url: "/t".into(),
        }],
    };
    LoadRequest {
        catalog: catalog.canonical_json(),
        signed: SignedManifest::sign(&manifest, &key, "bench"),
        keys: KeySet {
            keys: vec![public_key("bench", &key.verifying_key())],
        },
        tenant: Some(TENANT.into()),
        now,
        tables: vec!["t".into()],
        budget_bytes: 1 << 30,
    }
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// (min, median) of some timings.
fn min_median(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let mid = times.len() / 2;
    let median = if times.len().is_multiple_of(2) {
        (times[mid - 1] + times[mid]) / 2.0
    } else {
        times[mid]
    };
    (times[0], median)
}

fn bench_file(path: &Path, queries: &[BenchQuery], args: &Args) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let catalog = bench_catalog()?;
    let request = load_request(&catalog, &bytes);
    if args.write_requests {
        let mut out = path.as_os_str().to_owned();
        out.push(".request.json");
        std::fs::write(&out, serde_json::to_string(&request)?)?;
    }
    if args.requests_only {
        return Ok(());
    }
    // Verified load (signature, SHA-256, IPC parse, rechunk): best of three.
    let mut loads = Vec::new();
    let mut engine = None;
    for _ in 0..3 {
        drop(engine.take());
        let started = Instant::now();
        let (loaded, report) = Engine::load_verified(&request, &[&bytes])?;
        loads.push(ms(started));
        engine = Some((loaded, report.tables[0].rows));
    }
    let (mut engine, rows) = engine.context("loaded")?;
    let (load_min, load_median) = min_median(&mut loads);
    println!(
        "native, {} ({rows} rows, {:.1} MB): verified load min {load_min:.1} ms, median {load_median:.1} ms",
        path.file_name().unwrap_or_default().to_string_lossy(),
        bytes.len() as f64 / 1e6,
    );
    println!(
        "{:<5} {:<32} {:>10} {:>10} {:>10}",
        "query", "", "first ms", "min ms", "median ms"
    );
    for query in queries {
        let started = Instant::now();
        let answer = match engine.query(&query.polars, LIMIT) {
            Ok(answer) => answer,
            Err(e) => {
                println!("{:<5} {:<32} failed: {e}", query.id, query.name);
                continue;
            }
        };
        let first = ms(started);
        if args.show {
            println!("{}", serde_json::to_string(&answer.columns)?);
        }
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let started = Instant::now();
            engine.query(&query.polars, LIMIT)?;
            times.push(ms(started));
        }
        let (min, median) = min_median(&mut times);
        println!(
            "{:<5} {:<32} {first:>10.2} {min:>10.2} {median:>10.2}",
            query.id, query.name
        );
    }
    println!();
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("reading {}", args.queries.display()))?;
    let queries: Vec<BenchQuery> = serde_json::from_str(&text)?;
    let threads = std::env::var("POLARS_MAX_THREADS").unwrap_or_else(|_| "all cores".into());
    if !args.requests_only {
        println!(
            "native engine (release, Polars threads: {threads}), {} runs per query",
            args.runs
        );
    }
    for file in &args.files {
        bench_file(file, &queries, &args)?;
    }
    Ok(())
}
