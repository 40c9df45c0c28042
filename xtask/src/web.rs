//! Builds the browser side into dist/: the widget (Trunk), the engine worker
//! (cargo + wasm-bindgen + wasm-opt), then precompresses everything.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::run::{cmd, root, run, target_dir};

/// wasm features rustc 1.95 emits for wasm32-unknown-unknown; wasm-opt must accept them.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// wasm-opt's optimisation passes for the engine: none, it only strips the
/// names and producers. Measured by `cargo xtask bench` on 1M rows in
/// Chromium, the same cargo output after `-O3` parsed IPC in 154 ms instead
/// of 80, answered revenue by region in 16.0 ms instead of 4.0 and was 2.68
/// MB brotli instead of 2.43 (probably its inlining; not profiled).
const ENGINE_OPT: &[&str] = &[];

/// How much to spend on the engine's wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineOpt {
    /// wasm-opt as shipped (strips names; cached by input hash).
    Ship,
    /// No wasm-opt: the same code with its names; for tests.
    Fast,
}

/// Builds dist/ for release.
pub fn build(opt: EngineOpt) -> anyhow::Result<()> {
    let dist = root().join("dist");
    run(cmd("trunk").args([
        "build",
        "--release",
        "--cargo-profile",
        "wasm-release",
        "--dist",
        &dist.display().to_string(),
    ]))?;
    externalise_inline_scripts(&dist.join("index.html"))?;
    embed_files(&dist)?;
    build_engine(&dist.join("engine"), opt)?;
    // Brotli 11 on the engine takes a minute or two; tests only need valid files.
    compress_tree(&dist, if opt == EngineOpt::Ship { 11 } else { 5 })?;
    print_sizes(&dist)
}

/// Moves Trunk's inline bootstrap `<script type="module">` of the demo page
/// into a hashed file, so the page runs under a CSP without
/// `'unsafe-inline'` (the server sends one for `/`).
fn externalise_inline_scripts(index: &Path) -> anyhow::Result<()> {
    let mut html =
        fs::read_to_string(index).with_context(|| format!("reading {}", index.display()))?;
    let dir = index.parent().context("index.html has no folder")?;
    let open = "<script type=\"module\">";
    while let Some(start) = html.find(open) {
        let body_start = start + open.len();
        let end = html[body_start..]
            .find("</script>")
            .map(|i| body_start + i)
            .context("unclosed inline script in index.html")?;
        let code = html[body_start..end].trim().to_string();
        let hash = hex::encode(Sha256::digest(code.as_bytes()));
        let name = format!("boot-{}.js", &hash[..16]);
        fs::write(dir.join(&name), format!("{code}\n"))?;
        html.replace_range(
            start..end + "</script>".len(),
            &format!("<script type=\"module\" src=\"/{name}\"></script>"),
        );
    }
    anyhow::ensure!(
        !html.contains("<script>"),
        "index.html has an inline script the CSP would block"
    );
    fs::write(index, html)?;
    Ok(())
}

/// The script-tag loader (with this build's hashed names written in), the
/// iframe page and the example host pages.
fn embed_files(dist: &Path) -> anyhow::Result<()> {
    let public = root().join("public");
    let names: Vec<String> = fs::read_dir(dist)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let find = |prefix: &str, suffix: &str| {
        names
            .iter()
            .find(|n| n.starts_with(prefix) && n.ends_with(suffix))
            .map(|n| format!("/{n}"))
            .with_context(|| format!("no {prefix}*{suffix} in {}", dist.display()))
    };
    let assets = format!(
        r#"{{"module":"{}","wasm":"{}","css":"{}"}}"#,
        find("slicewise-widget-", ".js")?,
        find("slicewise-widget-", "_bg.wasm")?,
        find("widget-", ".css")?,
    );
    let placeholder = "/*SLICEWISE_ASSETS*/ null";
    let loader = fs::read_to_string(public.join("widget.js"))?;
    anyhow::ensure!(
        loader.contains(placeholder),
        "public/widget.js lost its {placeholder}"
    );
    fs::write(dist.join("widget.js"), loader.replace(placeholder, &assets))?;
    for name in ["embed.html", "embed.js"] {
        fs::copy(public.join(name), dist.join(name))?;
    }
    let examples = dist.join("examples");
    fs::create_dir_all(&examples)?;
    for path in files(&public.join("examples"))? {
        if let Some(name) = path.file_name() {
            fs::copy(&path, examples.join(name))?;
        }
    }
    Ok(())
}

fn build_engine(out: &Path, opt: EngineOpt) -> anyhow::Result<()> {
    run(cmd("cargo").args([
        "build",
        "-p",
        "slicewise-engine-worker",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    let wasm =
        target_dir().join("wasm32-unknown-unknown/wasm-release/slicewise_engine_worker.wasm");
    fs::create_dir_all(out)?;
    run(cmd("wasm-bindgen").args([
        "--target",
        "web",
        "--no-typescript",
        "--out-dir",
        &out.display().to_string(),
        &wasm.display().to_string(),
    ]))?;
    if opt == EngineOpt::Fast {
        return Ok(());
    }
    let bg = out.join("slicewise_engine_worker_bg.wasm");
    let input = fs::read(&bg).with_context(|| format!("reading {}", bg.display()))?;
    // Reuse its output for identical input (seconds now, minutes with -O3).
    let passes = ENGINE_OPT.join(" ");
    let optimised = cached("wasm-opt", &[&input, passes.as_bytes()], |dir| {
        let tmp_in = dir.join("in.wasm");
        let tmp_out = dir.join("out.wasm");
        fs::write(&tmp_in, &input)?;
        run(cmd("wasm-opt")
            .args(ENGINE_OPT)
            .args(["--strip-debug", "--strip-producers"])
            .args(WASM_FEATURES)
            .arg(&tmp_in)
            .arg("-o")
            .arg(&tmp_out))?;
        Ok(fs::read(&tmp_out)?)
    })?;
    fs::write(&bg, optimised)?;
    Ok(())
}

/// Output of `produce` for these inputs, from the cache when it was made before.
fn cached(
    name: &str,
    inputs: &[&[u8]],
    produce: impl FnOnce(&Path) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<Vec<u8>> {
    let mut hasher = Sha256::new();
    for input in inputs {
        hasher.update((input.len() as u64).to_le_bytes());
        hasher.update(input);
    }
    let key = hex::encode(hasher.finalize());
    let dir = target_dir().join("slicewise-cache").join(name);
    fs::create_dir_all(&dir)?;
    let hit = dir.join(&key);
    if let Ok(bytes) = fs::read(&hit) {
        eprintln!("xtask: {name} cached ({})", &key[..12]);
        return Ok(bytes);
    }
    let work = dir.join(format!("{key}.work"));
    fs::create_dir_all(&work)?;
    let bytes = produce(&work)?;
    fs::write(&hit, &bytes)?;
    let _ = fs::remove_dir_all(&work);
    Ok(bytes)
}

fn compressible(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("js" | "wasm" | "css" | "html" | "svg" | "json")
    )
}

fn files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(files(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Writes `.br` and `.gz` beside every text and wasm file.
pub fn compress_tree(dir: &Path, quality: i32) -> anyhow::Result<()> {
    for path in files(dir)?.into_iter().filter(|p| compressible(p)) {
        let raw = fs::read(&path)?;
        let br = cached("brotli", &[&raw, &quality.to_le_bytes()], |_| {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality,
                lgwin: 24,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut raw.as_slice(), &mut out, &params)?;
            Ok(out)
        })?;
        fs::write(with_suffix(&path, "br"), br)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw)?;
        fs::write(with_suffix(&path, "gz"), gz.finish()?)?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Download sizes: raw, gzip and brotli, per file and in all.
fn print_sizes(dist: &Path) -> anyhow::Result<()> {
    let mut total = (0u64, 0u64, 0u64);
    println!(
        "{:<48} {:>12} {:>12} {:>12}",
        "file", "raw", "gzip", "brotli"
    );
    for path in files(dist)?.into_iter().filter(|p| compressible(p)) {
        let size = |p: &Path| fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let (raw, gz, br) = (
            size(&path),
            size(&with_suffix(&path, "gz")),
            size(&with_suffix(&path, "br")),
        );
        total = (total.0 + raw, total.1 + gz, total.2 + br);
        let name = path
            .strip_prefix(dist)
            .unwrap_or(&path)
            .display()
            .to_string();
        println!("{name:<48} {raw:>12} {gz:>12} {br:>12}");
    }
    println!(
        "{:<48} {:>12} {:>12} {:>12}",
        "total", total.0, total.1, total.2
    );
    Ok(())
}
