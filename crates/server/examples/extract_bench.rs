//! Extract benchmark: tenant `acme`'s signed extract built and served over
//! real HTTP on loopback, from SQLite and from PostgreSQL.
//!
//! Seeds the demo data into a temporary SQLite file and a temporary
//! PostgreSQL database (dropped after), starts the real router on
//! 127.0.0.1 with a real embed token, and prints min / median of:
//! the cold extract build (the first manifest of a fresh server: read rows,
//! privacy, Arrow encoding, SHA-256), the manifest served from cache, a
//! conditional table GET answered 304, and the extract's raw, gzip and
//! brotli size. `cargo xtask bench --server-only` runs it in release.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use slicewise_core::wire::{KeySet, Privacy};
use slicewise_core::{Catalog, Manifest, SignedManifest};
use slicewise_demo_seed::{seed_postgres, seed_sqlite};
use slicewise_server::extract::build_extract;
use slicewise_server::scratch_db::{ScratchDb, LOCAL_ADMIN_URL};
use slicewise_server::state::source_of_store;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{app, AppConfig, AppState, ServerKeys, SqliteStore, Store};

#[derive(Parser)]
#[command(about = "Times tenant extracts over HTTP from SQLite and PostgreSQL")]
struct Args {
    /// Demo data scale (1: acme has 1,000,000 orders).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Cold builds per source (each on a fresh server).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Timed requests per warm measurement.
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// The tenant to extract.
    #[arg(long, default_value = "acme")]
    tenant: String,
    /// PostgreSQL to create the temporary database in (`key=value` form).
    #[arg(long, env = "SLICEWISE_BENCH_PG", default_value = LOCAL_ADMIN_URL)]
    pg_admin_url: String,
    /// Skip PostgreSQL.
    #[arg(long)]
    sqlite_only: bool,
}

/// Milliseconds of each run.
#[derive(Debug, Default, Clone)]
struct Times(Vec<f64>);

impl Times {
    fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1e3);
    }

    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }

    fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    fn median(&self) -> f64 {
        let v = self.sorted();
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    fn min_median(&self) -> String {
        format!("{} / {}", ms(self.min()), ms(self.median()))
    }
}

fn ms(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2} ms")
    } else {
        format!("{x:.0} ms")
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// What one source measured.
#[derive(Debug, Default)]
struct Figures {
    seed: Duration,
    rows: u64,
    bytes: u64,
    gzip: u64,
    brotli: u64,
    cold: Times,
    build: Times,
    /// Peak resident memory above the start of one in-process build, MB.
    peak_mb: Vec<f64>,
    manifest: Times,
    not_modified: Times,
}

/// A server on a loopback port, stopped on drop.
struct LiveServer {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl LiveServer {
    async fn start(state: AppState) -> anyhow::Result<LiveServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app(state)).await {
                eprintln!("server stopped: {e}");
            }
        });
        Ok(LiveServer { base, task })
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn get(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<reqwest::Response> {
    let mut req = client.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    Ok(req.send().await?)
}

async fn ok_body(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<bytes::Bytes> {
    let res = get(client, url, headers).await?;
    let status = res.status();
    let body = res.bytes().await?;
    if !status.is_success() {
        bail!("GET {url}: {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(body)
}

/// A field of /proc/self/status in kB (Linux).
fn status_kb(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the process's peak RSS to its current RSS and returns that (kB).
fn reset_peak_rss() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    status_kb("VmRSS:")
}

/// Measures one source: cold builds on fresh servers, then warm requests.
async fn measure(store: Store, args: &Args, seed: Duration) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir()?;
    let (keys, _) = ServerKeys::load_or_create(dir.path())?;
    if let Store::Postgres(p) = &store {
        // This server's tenant binding key, as `slicewise pg setup` stores it.
        slicewise_server::pg::connect(p.url())
            .await?
            .batch_execute(&slicewise_server::pg_setup::binding_key_sql(
                &keys.tenant_binding_key,
            ))
            .await?;
    }
    let client = reqwest::Client::new();
    let (token, _) = slicewise_server::token::mint(
        &keys.embed_secret,
        &args.tenant,
        "bench",
        Privacy::Standard,
        3_600,
        chrono::Utc::now().timestamp(),
    )?;
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    let mut f = Figures {
        seed,
        ..Figures::default()
    };
    let mut last = None;
    for run in 0..args.runs.max(1) {
        // One build in-process, with the memory it holds at its peak.
        let source = source_of_store(&store).with_binding_key(&keys.tenant_binding_key);
        let catalog = Catalog::demo();
        let base = reset_peak_rss();
        let started = Instant::now();
        let extract = build_extract(
            &catalog,
            &source,
            &args.tenant,
            Privacy::Standard,
            &keys.pseudonym_key,
        )
        .await?;
        f.build.push(started.elapsed());
        if let (Some(base), Some(peak)) = (base, status_kb("VmHWM:")) {
            f.peak_mb.push(peak.saturating_sub(base) as f64 / 1024.0);
        }
        drop(extract);

        // The whole cold path over HTTP: a fresh server has nothing cached.
        let state = AppState::new(store.clone(), keys.clone(), AppConfig::default());
        state.publish_signing_keys().await?;
        let server = LiveServer::start(state).await?;
        let manifest_url = format!("{}/api/v1/extract/manifest", server.base);
        let started = Instant::now();
        let body = ok_body(&client, &manifest_url, &auth).await?;
        f.cold.push(started.elapsed());
        let signed: SignedManifest = serde_json::from_slice(&body)?;
        let key_set: KeySet = serde_json::from_slice(
            &ok_body(&client, &format!("{}/api/v1/keys", server.base), &[]).await?,
        )?;
        let m: Manifest = signed
            .verify(&key_set, Some(&args.tenant), chrono::Utc::now().timestamp())
            .context("the manifest does not verify")?;
        // Compressed sizes; this also waits for the background compression,
        // so the next run's build has the cores to itself.
        let (mut gzip, mut brotli) = (0, 0);
        for t in &m.tables {
            let url = format!("{}{}", server.base, t.url);
            let bytes = ok_body(&client, &url, &[("accept-encoding", "br")]).await?;
            brotli += bytes.len() as u64;
            let bytes = ok_body(&client, &url, &[("accept-encoding", "gzip")]).await?;
            gzip += bytes.len() as u64;
        }
        if run == 0 {
            let raw = ok_body(&client, &format!("{}{}", server.base, m.tables[0].url), &[]).await?;
            m.check_table(&m.tables[0].name, &raw)
                .context("served bytes differ from the signed hash")?;
        }
        f.rows = m.tables.iter().map(|t| t.rows).sum();
        f.bytes = m.tables.iter().map(|t| t.bytes).sum();
        (f.gzip, f.brotli) = (gzip, brotli);
        last = Some((server, m));
    }
    let Some((server, m)) = last else {
        bail!("no run");
    };
    let manifest_url = format!("{}/api/v1/extract/manifest", server.base);
    let orders = m
        .table("orders")
        .context("no orders table in the manifest")?;
    let orders_url = format!("{}{}", server.base, orders.url);
    let etag = format!("\"{}\"", orders.sha256);
    for _ in 0..args.requests {
        let started = Instant::now();
        ok_body(&client, &manifest_url, &auth).await?;
        f.manifest.push(started.elapsed());
        let started = Instant::now();
        let res = get(&client, &orders_url, &[("if-none-match", etag.as_str())]).await?;
        let status = res.status();
        res.bytes().await?;
        f.not_modified.push(started.elapsed());
        if status != reqwest::StatusCode::NOT_MODIFIED {
            bail!("conditional GET answered {status}, not 304");
        }
    }
    Ok(f)
}

fn print(args: &Args, columns: &[(&str, Figures)], skipped: Option<&str>) {
    println!(
        "\nServer extracts: tenant {}, demo data scale {} ({} cold builds on fresh servers, {} warm requests; min / median)",
        args.tenant, args.scale, args.runs, args.requests
    );
    let row = |label: &str, cell: &dyn Fn(&Figures) -> String| {
        let mut line = format!("  {label:<44}");
        for (_, f) in columns {
            line.push_str(&format!(" {:>22}", cell(f)));
        }
        println!("{line}");
    };
    let mut header = format!("  {:<44}", "");
    for (name, _) in columns {
        header.push_str(&format!(" {name:>22}"));
    }
    println!("{header}");
    row("seed the demo data (12 tenants)", &|f| {
        format!("{:.1} s", f.seed.as_secs_f64())
    });
    row("extract rows (all tables)", &|f| f.rows.to_string());
    row("extract Arrow IPC bytes", &|f| mb(f.bytes));
    row("cold extract build (first manifest)", &|f| {
        f.cold.min_median()
    });
    row("  build in-process (read, privacy, Arrow, SHA-256)", &|f| {
        f.build.min_median()
    });
    row("  peak memory of one build, MB (x extract)", &|f| {
        let peak = f.peak_mb.iter().copied().fold(0.0, f64::max);
        format!(
            "{peak:.0} ({:.2}x)",
            peak * 1024.0 * 1024.0 / f.bytes.max(1) as f64
        )
    });
    let per_s = |n: u64, f: &Figures| n as f64 / (f.cold.median() / 1e3);
    row("throughput at the median build, rows/s", &|f| {
        format!("{:.0}", per_s(f.rows, f))
    });
    row("throughput at the median build, MB/s", &|f| {
        format!("{:.1}", per_s(f.bytes, f) / 1e6)
    });
    row("manifest from cache", &|f| f.manifest.min_median());
    row("orders, If-None-Match (304)", &|f| {
        f.not_modified.min_median()
    });
    row("extract size raw / gzip / brotli (MB)", &|f| {
        format!(
            "{:.2} / {:.2} / {:.2}",
            f.bytes as f64 / 1e6,
            f.gzip as f64 / 1e6,
            f.brotli as f64 / 1e6
        )
    });
    if let Some(why) = skipped {
        println!("  PostgreSQL skipped: {why}");
    }
    let targets: Vec<String> = columns
        .iter()
        .map(|(name, f)| {
            format!(
                "{name}: cold build {} 2 s, cached manifest {} 50 ms, 304 {} 50 ms",
                if f.cold.median() < 2_000.0 { "<" } else { ">=" },
                if f.manifest.median() < 50.0 {
                    "<"
                } else {
                    ">="
                },
                if f.not_modified.median() < 50.0 {
                    "<"
                } else {
                    ">="
                },
            )
        })
        .collect();
    println!("  targets (medians): {}", targets.join("; "));
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut columns = Vec::new();

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    eprintln!("seeding SQLite at scale {} ...", args.scale);
    let started = Instant::now();
    let (p, scale) = (path.clone(), args.scale);
    tokio::task::spawn_blocking(move || seed_sqlite(&p, scale, false)).await??;
    let seed = started.elapsed();
    eprintln!("measuring SQLite ...");
    let store = Store::Sqlite(SqliteStore::new(&path));
    store.migrate_state().await?;
    columns.push(("SQLite", measure(store, &args, seed).await?));
    drop(dir);

    let mut skipped = None;
    if args.sqlite_only {
        skipped = Some("--sqlite-only".to_string());
    } else {
        match ScratchDb::create(&args.pg_admin_url, "slicewise_bench").await {
            Err(e) => skipped = Some(format!("unreachable at {} ({e})", args.pg_admin_url)),
            Ok(db) => {
                eprintln!("seeding PostgreSQL database {} ...", db.name());
                let started = Instant::now();
                seed_postgres(db.url(), args.scale, false).await?;
                // Row-level security as for any vendor's database (`slicewise pg setup`).
                slicewise_server::pg::connect(db.url())
                    .await?
                    .batch_execute(&slicewise_server::pg_setup::setup_sql(&Catalog::demo()))
                    .await?;
                let seed = started.elapsed();
                eprintln!("measuring PostgreSQL ...");
                // A development setup: the bench logs in as the admin.
                let store = Store::Postgres(PgStore::new(db.url()).allow_privileged_role(true));
                store.migrate_state().await?;
                columns.push(("PostgreSQL", measure(store, &args, seed).await?));
            }
        }
    }
    print(&args, &columns, skipped.as_deref());
    Ok(())
}
