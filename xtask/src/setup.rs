//! Installs what the build and the tests need, skipping what is there.

use std::net::TcpStream;
use std::time::Duration;

use anyhow::Context;

use crate::run::{cmd, prints, root, run};

/// trunk's version: 0.22 needs a newer rustc than this machine has.
const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` pin in Cargo.toml and Trunk.toml.
const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// The build toolchain: wasm target, clang, trunk, wasm-bindgen, node tools.
pub fn toolchain() -> anyhow::Result<()> {
    if !prints(
        "rustup",
        &["target", "list", "--installed"],
        "wasm32-unknown-unknown",
    ) {
        run(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    // Polars' IPC reader compiles zstd and lz4 from C for wasm32.
    if !prints("clang", &["--version"], "clang") {
        apt(&["clang"])?;
    }
    if !prints("trunk", &["--version"], TRUNK_VERSION) {
        run(cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    }
    if !prints("wasm-bindgen", &["--version"], WASM_BINDGEN_VERSION) {
        // Not --locked: a locked dependency of 0.2.130 is gone from the registry.
        run(cmd("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ]))?;
    }
    node_packages()
}

/// npm packages of package.json (wasm-opt from binaryen, playwright-core,
/// esbuild, typescript, react), installed when any is missing.
pub fn node_packages() -> anyhow::Result<()> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("package.json"))?)?;
    let wanted = manifest["devDependencies"]
        .as_object()
        .map(|deps| deps.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let have = root().join("node_modules/.bin/wasm-opt").exists()
        && wanted.iter().all(|name| {
            root()
                .join("node_modules")
                .join(name)
                .join("package.json")
                .exists()
        });
    if !have {
        if !prints("npm", &["--version"], ".") {
            apt(&["nodejs", "npm"])?;
        }
        run(cmd("npm").args(["install", "--no-audit", "--no-fund", "--loglevel=error"]))?;
    }
    Ok(())
}

/// Debian's chromium and chromedriver for the browser tests.
pub fn browser() -> anyhow::Result<()> {
    if !std::path::Path::new("/usr/bin/chromium").exists()
        || !std::path::Path::new("/usr/bin/chromedriver").exists()
    {
        apt(&["chromium", "chromium-driver"])?;
    }
    Ok(())
}

/// PostgreSQL on 127.0.0.1:5432: started, or installed and started.
pub fn postgres() -> anyhow::Result<()> {
    if pg_up() {
        return Ok(());
    }
    if !std::path::Path::new("/etc/postgresql").exists() {
        apt(&["postgresql"])?;
    }
    let version = std::fs::read_dir("/etc/postgresql")
        .context("reading /etc/postgresql")?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .next()
        .context("no PostgreSQL cluster")?;
    run(cmd("pg_ctlcluster").args(["--skip-systemctl-redirect", &version, "main", "start"]))?;
    for _ in 0..50 {
        if pg_up() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    anyhow::bail!("PostgreSQL did not come up on 127.0.0.1:5432")
}

fn pg_up() -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], 5432).into(), Duration::from_millis(500)).is_ok()
}

fn apt(packages: &[&str]) -> anyhow::Result<()> {
    // apt-cache finds nothing before the first update on a fresh machine.
    run(cmd("apt-get").arg("update").arg("-qq"))?;
    run(cmd("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}
