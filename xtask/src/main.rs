//! `cargo xtask`: Slicewise's set-up, build, demo and test commands.
//!
//! Each command installs what it needs and is missing (wasm target, clang,
//! trunk, wasm-bindgen-cli, wasm-opt from npm binaryen, chromium) and skips
//! what is already there.

mod bench;
mod eval;
mod run;
mod setup;
mod test;
mod web;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Slicewise developer commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing, build the widget, seed the demo data and serve it.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        addr: String,
        /// Port to listen on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Demo data scale (1 = one million orders for acme).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Which example to serve: retail, or another folder of examples/
        /// with a catalog.toml and a seed.py.
        #[arg(long, default_value = "retail")]
        example: String,
    },
    /// Everything that proves the project works (what CI runs).
    Test {
        /// Skip the browser tests (wasm-bindgen-test and Playwright).
        #[arg(long)]
        no_browser: bool,
        /// Only build dist/ (without wasm-opt) and run the Playwright tests:
        /// the quick loop while working on the widget.
        #[arg(long, conflicts_with = "no_browser")]
        e2e_only: bool,
    },
    /// Build dist/ (without wasm-opt) and run the Playwright tests, all of
    /// them or the named spec files of tests/e2e (`store`, `widget.test.mjs`).
    E2e {
        /// Spec files to run (a name with or without `.test.mjs`); none: all.
        specs: Vec<String>,
    },
    /// Install the toolchain pieces only.
    Setup,
    /// Build the widget and engine into dist/ (release, precompressed).
    Web,
    /// Run the labelled corpus through the translator and native Polars; print
    /// accuracy, translator latency and ask throughput.
    Eval {
        /// List every wrong or missed question.
        #[arg(long)]
        verbose: bool,
    },
    /// Time the server's extracts (SQLite, PostgreSQL), the engine natively and
    /// in Chromium beside DuckDB-WASM; print sizes.
    Bench {
        /// Table sizes in rows, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
        rows: Vec<u64>,
        /// Timed runs per query.
        #[arg(long, default_value_t = 20)]
        runs: u32,
        /// A dist/ folder to run as it is; by default dist/ is built as
        /// shipped first (incremental; wasm-opt's output is cached), so a
        /// test build without wasm-opt is never measured by mistake.
        #[arg(long)]
        dist: Option<std::path::PathBuf>,
        /// Only the native half (server extracts and the engine), no browser.
        #[arg(long)]
        native_only: bool,
        /// Skip the native engine half (no release build of Polars).
        #[arg(long, conflicts_with = "native_only")]
        browser_only: bool,
        /// Only the server's extracts over HTTP.
        #[arg(long, conflicts_with = "no_server")]
        server_only: bool,
        /// Skip the server's extracts.
        #[arg(long)]
        no_server: bool,
        /// Demo data scale of the server's extracts and of the visits (1:
        /// acme has 1,000,000 orders).
        #[arg(long, default_value_t = 1.0)]
        server_scale: f64,
        /// Only the first and second visit of the demo page in one browser
        /// profile (tables kept in the browser): table bytes, first answer.
        #[arg(long, conflicts_with_all = ["native_only", "server_only"])]
        visits_only: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo {
            addr,
            port,
            scale,
            example,
        } => {
            setup::toolchain()?;
            web::build(web::EngineOpt::Ship)?;
            run::demo(&addr, port, scale, &example)
        }
        Command::Test {
            no_browser,
            e2e_only,
        } => {
            if e2e_only {
                test::e2e_only(&[])
            } else {
                test::all(!no_browser)
            }
        }
        Command::E2e { specs } => test::e2e_only(&specs),
        Command::Setup => {
            setup::toolchain()?;
            setup::browser()
        }
        Command::Web => {
            setup::toolchain()?;
            web::build(web::EngineOpt::Ship)
        }
        Command::Eval { verbose } => eval::eval(verbose),
        Command::Bench {
            rows,
            runs,
            dist,
            native_only,
            browser_only,
            server_only,
            no_server,
            server_scale,
            visits_only,
        } => bench::bench(&bench::BenchOptions {
            rows,
            runs,
            rebuild: dist.is_none(),
            dist: dist.unwrap_or_else(|| run::root().join("dist")),
            native_only,
            browser_only,
            server_only,
            no_server,
            server_scale,
            visits_only,
        }),
    }
}
