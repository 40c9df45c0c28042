//! `cargo xtask test`: format, lints (native and wasm32), unit and
//! integration tests, the engine in headless Chromium, and Playwright
//! end-to-end tests against a real server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::run::{cmd, root, run, target_dir};
use crate::{setup, web};

/// The local PostgreSQL (trust auth) as a user that may create databases;
/// `setup::postgres` starts it.
const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Crates that build for wasm32 (the server does not).
const WASM_CRATES: &[&str] = &[
    "slicewise-core",
    "slicewise-engine",
    "slicewise-engine-worker",
    "slicewise-widget",
];

/// Runs everything; the first failure stops the run.
pub fn all(browser: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    setup::toolchain()?;
    setup::postgres()?;
    if browser {
        setup::browser()?;
    }
    run(cmd("cargo").args(["fmt", "--all", "--", "--check"]))?;
    run(cmd("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    let mut wasm_clippy = cmd("cargo");
    wasm_clippy.args(["clippy", "--target", "wasm32-unknown-unknown"]);
    for krate in WASM_CRATES {
        wasm_clippy.args(["-p", krate]);
    }
    run(wasm_clippy.args(["--", "-D", "warnings"]))?;
    run(cmd("cargo").args(["test", "--workspace"]))?;
    // The host-facing TypeScript declarations: a host's code must compile,
    // each marked misuse must not.
    run(cmd("tsc").args(["-p", "tests/types"]))?;
    // The typed module's own logic (the saved-answers client) under node.
    run(cmd("node").args(["--test", "packages/embed/test/"]))?;
    if browser {
        browser_unit_tests()?;
        // The engine's wasm-opt pass only strips names: tests skip it.
        web::build(web::EngineOpt::Fast)?;
        end_to_end(&[root().join("tests/e2e")])?;
    }
    eprintln!(
        "xtask: all checks passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Builds dist/ as the full run does and runs only the Playwright tests:
/// all of them, or the spec files named (`store` is tests/e2e/store.test.mjs).
pub fn e2e_only(specs: &[String]) -> anyhow::Result<()> {
    let files = spec_files(specs)?;
    setup::toolchain()?;
    setup::postgres()?;
    setup::browser()?;
    web::build(web::EngineOpt::Fast)?;
    end_to_end(&files)
}

/// The spec files of tests/e2e a run names; none named: the folder.
fn spec_files(specs: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let dir = root().join("tests/e2e");
    if specs.is_empty() {
        return Ok(vec![dir]);
    }
    specs
        .iter()
        .map(|spec| {
            let name = spec.trim_start_matches("tests/e2e/");
            let file = if name.ends_with(".mjs") {
                dir.join(name)
            } else {
                dir.join(format!("{name}.test.mjs"))
            };
            anyhow::ensure!(file.is_file(), "no spec {}", file.display());
            Ok(file)
        })
        .collect()
}

/// A temporary folder (browser profiles, the e2e servers' data), emptied
/// first. One per clone: clones share the warm target dir and may test at
/// the same time, and one run emptying another's folder deleted the
/// database under its running server.
fn scratch(name: &str) -> anyhow::Result<PathBuf> {
    let dir = target_dir().join(format!("tmp-{}", clone_key())).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A digest of this clone's path, short: Chromium's profile socket lives
/// below the folder, and a Unix socket's path has at most 107 bytes.
fn clone_key() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    root().hash(&mut hasher);
    format!("{:08x}", hasher.finish() as u32)
}

/// wasm-bindgen-test in headless Chromium: the engine and the widget in a real browser.
fn browser_unit_tests() -> anyhow::Result<()> {
    let tmp = scratch("wasm-test")?;
    for krate in ["slicewise-engine-worker", "slicewise-widget"] {
        run(cmd("cargo")
            .args([
                "test",
                "-p",
                krate,
                "--test",
                "web",
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                "wasm-release",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
            .env("TMPDIR", &tmp))?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

/// A running `slicewise serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    /// The `slicewise` binary it runs, for tests that start servers of their own.
    bin: PathBuf,
    /// A second loopback origin the embedding tests serve host pages from;
    /// the server allows it by CORS and `frame-ancestors`.
    host_origin: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Seeds a fresh database and serves the built dist/ on a free port.
fn start_server(data: &Path) -> anyhow::Result<Server> {
    run(cmd("cargo").args(["build", "-p", "slicewise-server"]))?;
    // A copy of its own: clones share the target dir, and another clone's
    // build would replace the binary under this run's tests.
    let bin = data.join("slicewise");
    std::fs::copy(target_dir().join("debug/slicewise"), &bin).context("copying slicewise")?;
    let db = data.join("e2e.db");
    run(Command::new(&bin).args([
        "seed-demo",
        "--db",
        &db.display().to_string(),
        "--scale",
        "0.05",
    ]))?;
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let host_origin = format!("http://localhost:{}", free_port()?);
    // The browser tests ask far more than a tenant's quotas allow in a
    // minute (every ask counts, cache hits too); quotas have tests of their own.
    let config = data.join("e2e.toml");
    std::fs::create_dir_all(data)?;
    std::fs::write(
        &config,
        "[quotas]\nburst_per_minute = 1000000\nfree_daily = 1000000\npro_daily = 1000000\nfeedback_per_minute = 1000000\n",
    )?;
    let child = Command::new(&bin)
        .args([
            "--config",
            &config.display().to_string(),
            "serve",
            "--demo",
            "--db",
            &db.display().to_string(),
            "--data-dir",
            &data.display().to_string(),
            "--static-dir",
            &root().join("dist").display().to_string(),
            "--addr",
            &addr,
            "--allowed-origins",
            &host_origin,
        ])
        .spawn()
        .context("starting slicewise serve")?;
    let server = Server {
        child,
        url: format!("http://{addr}"),
        bin,
        host_origin,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(&addr).is_ok() {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("the server did not start on {addr}")
}

/// Playwright tests (node:test) in headless Chromium against a real server:
/// the spec files or folders given.
fn end_to_end(specs: &[PathBuf]) -> anyhow::Result<()> {
    let data = scratch("e2e-data")?;
    let server = start_server(&data)?;
    let tmp = scratch("e2e-browser")?;
    let shots = root().join("tests/screenshots-out");
    std::fs::create_dir_all(&shots)?;
    let mut node = cmd("node");
    node.args(["--test", "--test-concurrency=1"])
        .args(specs)
        .env("SLICEWISE_URL", &server.url)
        .env("SLICEWISE_HOST_ORIGIN", &server.host_origin)
        .env("SLICEWISE_DATA_DIR", &data)
        // For tests that need a server of their own (the 1M-row load, the examples).
        .env("SLICEWISE_BIN", &server.bin)
        .env("SLICEWISE_STATIC_DIR", root().join("dist"))
        // The examples are served from PostgreSQL too, each run in a database of its own.
        .env("SLICEWISE_E2E_POSTGRES", PG_ADMIN_URL)
        .env("SLICEWISE_SCREENSHOTS", &shots)
        .env("TMPDIR", &tmp);
    let result = run(&mut node);
    drop(server);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}
