//! `cargo xtask bench`: the server's extracts over HTTP (SQLite and
//! PostgreSQL), then the engine on the bench tables natively, then in
//! headless Chromium through the real worker beside DuckDB-WASM, then the
//! download sizes of dist/.
//!
//! xtask stays free of Polars and of the server: the server half is the
//! server's `extract_bench` example, the native half is the engine's `bench`
//! example, the browser half is tests/bench/run.mjs.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::run::{cmd, prints, root, run, target_dir};
use crate::{setup, web};

/// What to bench and how.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Table sizes in rows.
    pub rows: Vec<u64>,
    /// Timed runs per query (after one untimed first run).
    pub runs: u32,
    /// dist/ to serve the engine from; built when absent or `rebuild`.
    pub dist: PathBuf,
    /// Build dist/ as shipped first even when it exists (the default dist/).
    pub rebuild: bool,
    /// Skip the browser half.
    pub native_only: bool,
    /// Skip the native engine half (its load requests are still signed,
    /// by a dev build of the example).
    pub browser_only: bool,
    /// Only the server's extracts.
    pub server_only: bool,
    /// Skip the server's extracts.
    pub no_server: bool,
    /// Demo data scale of the server half and of the visits (1: acme has
    /// 1,000,000 orders).
    pub server_scale: f64,
    /// Only the first and second visit of the demo page.
    pub visits_only: bool,
}

/// Runs the whole bench and prints its tables.
pub fn bench(options: &BenchOptions) -> anyhow::Result<()> {
    if options.visits_only {
        return visits(&options.dist, options.server_scale);
    }
    if !options.no_server {
        server(options.server_scale)?;
    }
    if options.server_only {
        return Ok(());
    }
    let data = target_dir().join("slicewise-bench");
    let tables = generate(&data, &options.rows)?;
    let table_args: Vec<String> = tables.iter().map(|p| p.display().to_string()).collect();
    let runs = options.runs.to_string();

    // Release, default threads: what a native caller of the engine gets.
    // Browser only: a dev build just signs the load requests (its Polars
    // features differ from `cargo xtask test`'s, so the first run builds
    // Polars in dev once; later runs reuse it).
    let mut native = if options.browser_only {
        run(cmd("cargo").args(["build", "--quiet", "--workspace", "--examples"]))?;
        let signer_path = target_dir().join("debug/examples/bench");
        let mut signer = cmd(&signer_path.display().to_string());
        signer.arg("--requests-only");
        signer
    } else {
        let mut bench = cmd("cargo");
        bench.args(["run", "--quiet", "--release"]);
        bench.args(["-p", "slicewise-engine", "--example", "bench", "--"]);
        bench.args(["--runs", &runs, "--write-requests"]);
        bench
    };
    run(native
        .arg("--queries")
        .arg(root().join("tests/bench/queries.json"))
        .args(&table_args))?;
    if options.native_only {
        return Ok(());
    }

    let worker = options.dist.join("engine/slicewise_engine_worker_bg.wasm");
    if options.rebuild || !worker.exists() {
        if options.dist != root().join("dist") {
            bail!(
                "{} has no engine; build it with `cargo xtask web`",
                options.dist.display()
            );
        }
        setup::toolchain()?;
        web::build(web::EngineOpt::Ship)?;
    }
    setup::browser()?;
    setup::node_packages()?;
    if !root().join("node_modules/@duckdb/duckdb-wasm").exists() {
        run(cmd("npm").args(["install", "--no-audit", "--no-fund", "--loglevel=error"]))?;
    }
    run(cmd("node")
        .arg(root().join("tests/bench/run.mjs"))
        .arg("--dist")
        .arg(&options.dist)
        .arg("--data")
        .arg(&data)
        .args(["--runs", &runs])
        .args(&table_args))?;
    visits(&options.dist, options.server_scale)?;
    print_download_sizes(&options.dist)
}

/// The demo page visited twice in one browser profile, tables kept in the
/// browser (tests/bench/visits.mjs): table bytes and time to first answer.
/// The server is the debug build the e2e tests run, its extract built before
/// the first visit, so both visits measure the browser's side.
fn visits(dist: &Path, scale: f64) -> anyhow::Result<()> {
    anyhow::ensure!(
        dist.join("engine/slicewise_engine_worker_bg.wasm").exists(),
        "{} has no engine; build it with `cargo xtask web`",
        dist.display()
    );
    setup::browser()?;
    setup::node_packages()?;
    run(cmd("cargo").args(["build", "--quiet", "-p", "slicewise-server"]))?;
    let data = target_dir().join(format!("slicewise-bench/visits-{scale}"));
    fs::create_dir_all(&data)?;
    let bin = data.join("slicewise");
    fs::copy(target_dir().join("debug/slicewise"), &bin).context("copying slicewise")?;
    let db = data.join("demo.db").display().to_string();
    let scale = scale.to_string();
    run(std::process::Command::new(&bin).args([
        "seed-demo",
        "--db",
        &db,
        "--scale",
        &scale,
        "--if-missing",
    ]))?;
    let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut server = std::process::Command::new(&bin)
        .args(["serve", "--demo", "--db", &db, "--data-dir"])
        .arg(&data)
        .arg("--static-dir")
        .arg(dist)
        .args(["--addr", &addr.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting slicewise serve")?;
    let result = run(cmd("node")
        .arg(root().join("tests/bench/visits.mjs"))
        .arg(format!("http://{addr}")));
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// Tenant extracts built and served over loopback HTTP, from SQLite and
/// from PostgreSQL (skipped when it is not running), in release.
fn server(scale: f64) -> anyhow::Result<()> {
    run(cmd("cargo")
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "slicewise-server",
            "--example",
            "extract_bench",
            "--",
        ])
        .args(["--scale", &scale.to_string()]))
}

/// Generates each table (Arrow IPC file by gen.py, rewritten as a stream)
/// unless it is there already; returns the stream files.
fn generate(data: &Path, rows: &[u64]) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(data)?;
    let mut streams = Vec::new();
    for n in rows {
        let file = data.join(format!("t_{n}.arrow"));
        // "-labels": label columns as dictionaries (ipc_stream.py); older plain files are not reused.
        let stream = data.join(format!("t_{n}-labels.arrows"));
        if !stream.exists() {
            python_packages()?;
            run(cmd("python3")
                .arg(root().join("tests/bench/gen.py"))
                .arg(n.to_string())
                .arg(&file))?;
            run(cmd("python3")
                .arg(root().join("tests/bench/ipc_stream.py"))
                .arg(&file)
                .arg(&stream))?;
        }
        streams.push(stream);
    }
    Ok(streams)
}

/// numpy and pyarrow for gen.py, from PyPI when missing.
fn python_packages() -> anyhow::Result<()> {
    if !prints(
        "python3",
        &["-c", "import numpy, pyarrow; print('ok')"],
        "ok",
    ) {
        run(cmd("python3").args(["-m", "pip", "install", "--quiet", "numpy", "pyarrow"]))?;
    }
    Ok(())
}

/// Raw, gzip and brotli bytes of the files under `dir` that ship compressed.
fn sizes(dir: &Path) -> anyhow::Result<(u64, u64, u64)> {
    let mut total = (0, 0, 0);
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            let (r, g, b) = sizes(&path)?;
            total = (total.0 + r, total.1 + g, total.2 + b);
            continue;
        }
        let beside = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            fs::metadata(PathBuf::from(name)).map(|m| m.len()).ok()
        };
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "br" | "gz") {
            continue;
        }
        let raw = fs::metadata(&path)?.len();
        // Files without precompressed twins ship as they are.
        let gz = beside(".gz").unwrap_or(raw);
        let br = beside(".br").unwrap_or(raw);
        total = (total.0 + raw, total.1 + gz, total.2 + br);
    }
    Ok(total)
}

fn print_download_sizes(dist: &Path) -> anyhow::Result<()> {
    let mb = |b: u64| format!("{:.2} MB", b as f64 / 1e6);
    println!("\ndownload size of {}", dist.display());
    println!("{:<36} {:>12} {:>12} {:>12}", "", "raw", "gzip", "brotli");
    for (label, dir) in [
        ("engine (dist/engine)", dist.join("engine")),
        ("whole widget (dist/, UI + engine)", dist.to_path_buf()),
    ] {
        let (raw, gz, br) = sizes(&dir)?;
        println!("{label:<36} {:>12} {:>12} {:>12}", mb(raw), mb(gz), mb(br));
    }
    Ok(())
}
