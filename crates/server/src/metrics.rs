//! What an operator scrapes: request counts and latencies per route, extract
//! builds, the answer cache, quota refusals, audit write failures and the
//! database connections, in Prometheus' text format (OpenMetrics).
//!
//! Every label value is one of a set fixed in code: a route template of the
//! router (never the path asked for, which holds tenants and signatures), a
//! status code, a stable error code, a scope or a database role. No tenant,
//! user, question or token can reach a label, however a request is written.
//!
//! One [`Metrics`] per server state (not a process-wide recorder), so tests
//! running side by side in one process each count only their own requests.

use std::fmt::Write as _;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// Content type of a scrape.
pub const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route label of requests no route matched (static files, unknown paths).
pub const STATIC_ROUTE: &str = "static";

/// Upper bounds of the request latency buckets, in seconds.
const REQUEST_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds of the extract build buckets, in seconds (a build reads a
/// tenant's every table: a million rows take about a second).
const BUILD_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The matched route template, or [`STATIC_ROUTE`].
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QuotaLabels {
    scope: &'static str,
    window: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DatabaseLabels {
    database: &'static str,
}

fn request_histogram() -> Histogram {
    Histogram::new(REQUEST_BUCKETS)
}

/// The server's metrics and the registry that writes them out.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    extract_builds: Counter,
    extract_build_failures: Family<CodeLabels, Counter>,
    extract_build_seconds: Histogram,
    extract_builds_running: Gauge,
    extract_builds_waiting: Gauge,
    answer_cache: Family<CacheLabels, Counter>,
    quota_refusals: Family<QuotaLabels, Counter>,
    audit_write_failures: Counter,
    connections_open: Family<DatabaseLabels, Gauge>,
    connections_opened: Family<DatabaseLabels, Counter>,
    connect_failures: Family<DatabaseLabels, Counter>,
    /// The databases whose connections are sampled at each scrape.
    databases: Vec<(&'static str, DbConnections)>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Metrics watching the connections of these databases, each named by
    /// its role (`state`, `source`, `read`).
    pub fn new(databases: Vec<(&'static str, DbConnections)>) -> Metrics {
        let mut registry = Registry::with_prefix("slicewise");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by matched route and status code",
            requests.clone(),
        );
        let latency = Family::new_with_constructor(request_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time to the response head, by matched route",
            Unit::Seconds,
            latency.clone(),
        );
        let extract_builds = Counter::default();
        registry.register(
            "extract_builds",
            "Extract builds started (a tenant and privacy level not in the cache)",
            extract_builds.clone(),
        );
        let extract_build_failures = Family::<CodeLabels, Counter>::default();
        registry.register(
            "extract_build_failures",
            "Extract builds that failed, by error code",
            extract_build_failures.clone(),
        );
        let extract_build_seconds = Histogram::new(BUILD_BUCKETS);
        registry.register_with_unit(
            "extract_build_duration",
            "Duration of extract builds that succeeded",
            Unit::Seconds,
            extract_build_seconds.clone(),
        );
        let extract_builds_running = Gauge::default();
        registry.register(
            "extract_builds_running",
            "Extract builds in progress",
            extract_builds_running.clone(),
        );
        let extract_builds_waiting = Gauge::default();
        registry.register(
            "extract_builds_waiting",
            "Extract builds waiting for one of the server's build slots",
            extract_builds_waiting.clone(),
        );
        let answer_cache = Family::<CacheLabels, Counter>::default();
        registry.register(
            "answer_cache_lookups",
            "Answer cache lookups of granted asks, by result (hit, miss)",
            answer_cache.clone(),
        );
        let quota_refusals = Family::<QuotaLabels, Counter>::default();
        registry.register(
            "quota_refusals",
            "Requests refused by a quota, by scope (ask, feedback) and full window (minute, day)",
            quota_refusals.clone(),
        );
        let audit_write_failures = Counter::default();
        registry.register(
            "audit_write_failures",
            "Answers not served because their audit row could not be written",
            audit_write_failures.clone(),
        );
        let connections_open = Family::<DatabaseLabels, Gauge>::default();
        registry.register(
            "db_connections_open",
            "Database connections open now, in use or idle in the pool",
            connections_open.clone(),
        );
        let connections_opened = Family::<DatabaseLabels, Counter>::default();
        registry.register(
            "db_connections_opened",
            "Database connections opened",
            connections_opened.clone(),
        );
        let connect_failures = Family::<DatabaseLabels, Counter>::default();
        registry.register(
            "db_connect_failures",
            "Database connections that could not be opened",
            connect_failures.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            extract_builds,
            extract_build_failures,
            extract_build_seconds,
            extract_builds_running,
            extract_builds_waiting,
            answer_cache,
            quota_refusals,
            audit_write_failures,
            connections_open,
            connections_opened,
            connect_failures,
            databases,
        }
    }

    /// Counts a request answered by `route` (a template or [`STATIC_ROUTE`]).
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts an extract build started; the build is running until the
    /// returned guard is finished or dropped (a cancelled build).
    pub fn extract_build(&self) -> ExtractBuild<'_> {
        self.extract_builds.inc();
        self.extract_builds_running.inc();
        ExtractBuild {
            metrics: self,
            started: Instant::now(),
        }
    }

    /// Counts an extract build waiting for a slot until the returned guard is dropped.
    pub fn extract_build_waiting(&self) -> WaitingBuild<'_> {
        self.extract_builds_waiting.inc();
        WaitingBuild { metrics: self }
    }

    /// Counts an answer cache lookup.
    pub fn answer_cache(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.answer_cache
            .get_or_create(&CacheLabels { result })
            .inc();
    }

    /// Counts a request refused by a quota of `scope` whose `window`
    /// (`minute` or `day`) is full.
    pub fn quota_refused(&self, scope: &'static str, window: &'static str) {
        self.quota_refusals
            .get_or_create(&QuotaLabels { scope, window })
            .inc();
    }

    /// Counts an audit row that could not be written.
    pub fn audit_write_failed(&self) {
        self.audit_write_failures.inc();
    }

    /// Everything in the text format, the connections sampled now.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        for (database, connections) in &self.databases {
            let labels = DatabaseLabels { database };
            self.connections_open
                .get_or_create(&labels)
                .set(connections.open());
            // Counters kept by the connections themselves: copied, never added.
            self.connections_opened
                .get_or_create(&labels)
                .inner()
                .store(connections.opened_total(), Ordering::Relaxed);
            self.connect_failures
                .get_or_create(&labels)
                .inner()
                .store(connections.failed_total(), Ordering::Relaxed);
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        if !text.ends_with('\n') {
            text.write_char('\n')?;
        }
        Ok(text)
    }
}

/// An extract build in progress (see [`Metrics::extract_build`]).
pub struct ExtractBuild<'m> {
    metrics: &'m Metrics,
    started: Instant,
}

impl ExtractBuild<'_> {
    /// The build ended: its duration when it succeeded, its error code when not.
    pub fn finish(self, failure: Option<&'static str>) {
        match failure {
            None => self
                .metrics
                .extract_build_seconds
                .observe(self.started.elapsed().as_secs_f64()),
            Some(code) => {
                self.metrics
                    .extract_build_failures
                    .get_or_create(&CodeLabels { code })
                    .inc();
            }
        }
    }
}

impl Drop for ExtractBuild<'_> {
    fn drop(&mut self) {
        self.metrics.extract_builds_running.dec();
    }
}

/// An extract build waiting for a slot (see [`Metrics::extract_build_waiting`]).
pub struct WaitingBuild<'m> {
    metrics: &'m Metrics,
}

impl Drop for WaitingBuild<'_> {
    fn drop(&mut self) {
        self.metrics.extract_builds_waiting.dec();
    }
}

/// Middleware: counts each request by its matched route template (the
/// router sets it before the route's layers run) and status, and times it.
pub async fn record_request(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(req).await;
    metrics.request(
        route.as_deref().unwrap_or(STATIC_ROUTE),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The connections of one database: open now, opened and failed so far.
/// Clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct DbConnections(Arc<ConnectionCounts>);

#[derive(Debug, Default)]
struct ConnectionCounts {
    open: AtomicI64,
    opened: AtomicU64,
    failed: AtomicU64,
}

impl DbConnections {
    /// Counts `connection` open until the returned wrapper is dropped.
    pub fn opened<C>(&self, connection: C) -> Counted<C> {
        self.0.open.fetch_add(1, Ordering::Relaxed);
        self.0.opened.fetch_add(1, Ordering::Relaxed);
        Counted {
            connection,
            counts: self.clone(),
        }
    }

    /// Counts a connection that could not be opened.
    pub fn failed(&self) {
        self.0.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// Connections open now.
    pub fn open(&self) -> i64 {
        self.0.open.load(Ordering::Relaxed)
    }

    /// Connections opened so far.
    pub fn opened_total(&self) -> u64 {
        self.0.opened.load(Ordering::Relaxed)
    }

    /// Connections that could not be opened so far.
    pub fn failed_total(&self) -> u64 {
        self.0.failed.load(Ordering::Relaxed)
    }
}

/// A connection counted open while it lives.
pub struct Counted<C> {
    connection: C,
    counts: DbConnections,
}

impl<C> std::fmt::Debug for Counted<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counted").finish_non_exhaustive()
    }
}

impl<C> Deref for Counted<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.connection
    }
}

impl<C> DerefMut for Counted<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.connection
    }
}

impl<C> Drop for Counted<C> {
    fn drop(&mut self) {
        self.counts.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_counts_open_until_dropped() {
        let c = DbConnections::default();
        let first = c.opened(());
        let second = c.clone().opened(());
        c.failed();
        assert_eq!((c.open(), c.opened_total(), c.failed_total()), (2, 2, 1));
        drop(first);
        drop(second);
        assert_eq!((c.open(), c.opened_total()), (0, 2));
    }

    #[test]
    fn a_scrape_samples_each_database_and_ends_the_text() {
        let state = DbConnections::default();
        let metrics = Metrics::new(vec![("state", state.clone())]);
        let _open = state.opened(());
        let text = metrics.encode().expect("encode");
        assert!(text.contains("slicewise_db_connections_open{database=\"state\"} 1\n"));
        assert!(text.contains("slicewise_db_connections_opened_total{database=\"state\"} 1\n"));
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_build_dropped_unfinished_stops_running_without_a_duration() {
        let metrics = Metrics::new(Vec::new());
        let build = metrics.extract_build();
        assert!(metrics
            .encode()
            .expect("encode")
            .contains("slicewise_extract_builds_running 1\n"));
        drop(build);
        let failed = metrics.extract_build();
        failed.finish(Some("database_unavailable"));
        let text = metrics.encode().expect("encode");
        assert!(
            text.contains("slicewise_extract_builds_running 0\n"),
            "{text}"
        );
        assert!(
            text.contains("slicewise_extract_builds_total 2\n"),
            "{text}"
        );
        assert!(
            text.contains("slicewise_extract_build_duration_seconds_count 0\n"),
            "{text}"
        );
        assert!(text
            .contains("slicewise_extract_build_failures_total{code=\"database_unavailable\"} 1\n"));
    }
}
