//! `/api/v1/ask` throughput: the server's router on 127.0.0.1, real HTTP
//! requests from concurrent clients.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use slicewise_core::wire::Privacy;
use slicewise_server::{app, AppConfig, AppState, Quotas, ServerKeys, SqliteStore, Store};

/// Clients asking at once.
pub const CONCURRENCY: usize = 8;

/// Requests per second, first with every question new, then cached.
pub struct Throughput {
    pub uncached_requests: usize,
    pub uncached_per_s: f64,
    pub cached_requests: usize,
    pub cached_per_s: f64,
    pub errors: usize,
}

impl fmt::Display for Throughput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "/api/v1/ask on loopback, {CONCURRENCY} concurrent clients: {:.0} requests/s with distinct questions \
             ({} requests, cache misses, each audited in SQLite); {:.0} requests/s on cache hits ({} requests); {} errors",
            self.uncached_per_s, self.uncached_requests, self.cached_per_s, self.cached_requests, self.errors
        )
    }
}

/// Serves the router over the seeded database and asks: every question once
/// (cache misses), then the same questions again for `cached_for` (hits).
pub async fn measure(
    db: &Path,
    keys: ServerKeys,
    questions: &[String],
    cached_for: Duration,
) -> anyhow::Result<Throughput> {
    let store = Store::Sqlite(SqliteStore::new(db));
    store.migrate_state().await?;
    let (token, _) = slicewise_server::token::mint(
        &keys.embed_secret,
        "acme",
        "eval",
        Privacy::Standard,
        3_600,
        chrono::Utc::now().timestamp(),
    )?;
    let config = AppConfig {
        quotas: Quotas {
            free_daily: None,
            pro_daily: None,
            enterprise_daily: None,
            burst_per_minute: u64::MAX,
            ..Quotas::default()
        },
        today: chrono::NaiveDate::from_ymd_opt(2025, 11, 15),
        ..AppConfig::default()
    };
    let state = AppState::new(store, keys, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/api/v1/ask", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app(state)).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .context("HTTP client")?;
    let bodies: Arc<Vec<String>> = Arc::new(
        questions
            .iter()
            .map(|q| serde_json::json!({ "question": q }).to_string())
            .collect(),
    );
    let errors = Arc::new(AtomicUsize::new(0));

    let (uncached_requests, uncached) = run(
        &client,
        &url,
        &token,
        &bodies,
        Limit::Count(bodies.len()),
        &errors,
    )
    .await;
    let (cached_requests, cached) = run(
        &client,
        &url,
        &token,
        &bodies,
        Limit::Time(cached_for),
        &errors,
    )
    .await;
    server.abort();
    Ok(Throughput {
        uncached_requests,
        uncached_per_s: uncached_requests as f64 / uncached.as_secs_f64(),
        cached_requests,
        cached_per_s: cached_requests as f64 / cached.as_secs_f64(),
        errors: errors.load(Ordering::Relaxed),
    })
}

#[derive(Clone, Copy)]
enum Limit {
    Count(usize),
    Time(Duration),
}

/// Runs clients until the limit; the requests made and the time taken.
async fn run(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    bodies: &Arc<Vec<String>>,
    limit: Limit,
    errors: &Arc<AtomicUsize>,
) -> (usize, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(CONCURRENCY);
    for _ in 0..CONCURRENCY {
        let (client, url, token) = (client.clone(), url.to_string(), token.to_string());
        let (bodies, next, errors) = (bodies.clone(), next.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let done = match limit {
                    Limit::Count(n) => i >= n,
                    Limit::Time(d) => started.elapsed() >= d,
                };
                if done {
                    break;
                }
                let body = bodies[i % bodies.len()].clone();
                let ok = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().is_success());
                if !matches!(ok, Ok(true)) {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed();
    let made = match limit {
        Limit::Count(n) => n,
        Limit::Time(_) => next.load(Ordering::Relaxed).saturating_sub(CONCURRENCY),
    };
    (made, elapsed)
}
