//! Running commands, and where things live.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// The workspace root (the folder above xtask/).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The cargo target directory: `CARGO_TARGET_DIR` if set, else a shared warm
/// folder outside the clone, so a fresh clone (CI) reuses compiled Polars.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    home().join(".cache/slicewise/target")
}

/// The user's home folder.
pub fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// PATH with cargo's bin folder and the project's node tools first.
pub fn path_env() -> String {
    let mut parts = vec![
        root().join("node_modules/.bin").display().to_string(),
        home().join(".cargo/bin").display().to_string(),
    ];
    if let Ok(path) = std::env::var("PATH") {
        parts.push(path);
    }
    parts.join(":")
}

/// A command with the project's environment.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root())
        .env("CARGO_TARGET_DIR", target_dir())
        .env("PATH", path_env())
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    c
}

/// Runs a command to completion; fails with its name when it fails.
pub fn run(c: &mut Command) -> anyhow::Result<()> {
    let shown = std::iter::once(c.get_program())
        .chain(c.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("xtask: {}", shown.chars().take(300).collect::<String>());
    let status = c.status().with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("failed ({status}): {shown}");
    }
    Ok(())
}

/// Whether a program runs and prints something containing `needle`.
pub fn prints(program: &str, args: &[&str], needle: &str) -> bool {
    cmd(program)
        .args(args)
        .output()
        .map(|o| {
            o.status.success()
                && (String::from_utf8_lossy(&o.stdout).contains(needle)
                    || String::from_utf8_lossy(&o.stderr).contains(needle))
        })
        .unwrap_or(false)
}

/// Builds the server in release and seeds the example's database if
/// absent, then serves it. Retail is seeded by `slicewise seed-demo`; every
/// other example by its own `examples/<name>/seed.py`, and served through
/// its catalog file, the path a vendor's database takes.
pub fn demo(addr: &str, port: u16, scale: f64, example: &str) -> anyhow::Result<()> {
    run(cmd("cargo").args(["build", "--release", "-p", "slicewise-server"]))?;
    let bin = target_dir().join("release/slicewise");
    let data = root().join("data");
    let folder = root().join("examples").join(example);
    let catalog = folder.join("catalog.toml");
    if !catalog.exists() {
        anyhow::bail!("no example {example}: {} is missing", catalog.display());
    }
    let (db, state_dir) = if example == "retail" {
        let db = data.join("slicewise.db");
        run(cmd(&bin.display().to_string()).args([
            "seed-demo",
            "--db",
            &db.display().to_string(),
            "--scale",
            &scale.to_string(),
            "--if-missing",
        ]))?;
        (db, data.clone())
    } else {
        let db = data.join(format!("{example}.db"));
        if !db.exists() {
            std::fs::create_dir_all(&data)?;
            run(cmd("python3").args([
                &folder.join("seed.py").display().to_string(),
                "--sqlite",
                &db.display().to_string(),
                "--scale",
                &scale.to_string(),
            ]))?;
        }
        (db, data.join(example))
    };
    eprintln!("xtask: Slicewise demo ({example}) at http://{addr}:{port}/ (Ctrl-C stops it)");
    run(cmd(&bin.display().to_string()).args([
        "serve",
        "--demo",
        "--catalog",
        &catalog.display().to_string(),
        "--db",
        &db.display().to_string(),
        "--data-dir",
        &state_dir.display().to_string(),
        "--static-dir",
        &root().join("dist").display().to_string(),
        "--addr",
        &format!("{addr}:{port}"),
    ]))
}
