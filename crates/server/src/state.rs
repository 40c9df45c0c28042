//! The server's shared state: the catalog and its guard, the data source,
//! Slicewise's own store, the secrets, the extract and answer caches and the
//! LLM translator, built once at start and handed to every handler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slicewise_core::wire::{KeySet, Privacy};
use slicewise_core::{Catalog, SqlGuard};

use crate::ask::AnswerCache;
use crate::config::{AppConfig, TranslatorKind};
use crate::error::AppError;
use crate::extract::{build_extract, ExtractCache, ExtractError, TenantExtract};
use crate::extract_limit::ExtractBuildLimit;
use crate::keys::ServerKeys;
use crate::llm::LlmTranslator;
use crate::metrics::Metrics;
use crate::source::{DataSource, TableSource};
use crate::source_pg::PgSource;
use crate::source_sqlite::SqliteSource;
use crate::store::{Store, StoreError};
use crate::tier::Tier;

/// Longest an extract's manifest and links stay valid, in seconds.
pub const EXTRACT_LIFETIME: i64 = 3_600;
/// How often a server publishes its signing key again: it re-activates a key
/// another replica retired while this one still signs with it.
pub const KEY_REPUBLISH_INTERVAL: Duration = Duration::from_secs(300);

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    source: DataSource,
    /// Where extracts are read when not from `source`: a read replica.
    read_source: Option<DataSource>,
    metrics: Arc<Metrics>,
    keys: ServerKeys,
    config: AppConfig,
    catalog: Catalog,
    catalog_json: String,
    schema_hash: String,
    guard: SqlGuard,
    extracts: ExtractCache,
    /// Slots of the builds running at once.
    build_limit: ExtractBuildLimit,
    answers: AnswerCache,
    llm: Option<LlmTranslator>,
    /// When this server last published its signing keys to the database.
    keys_published: Mutex<Option<Instant>>,
}

impl AppState {
    /// State over one database holding both the data and the server's own
    /// state, the server's keys and settings.
    pub fn new(store: Store, keys: ServerKeys, config: AppConfig) -> AppState {
        let source = source_of_store(&store);
        Self::with_source(source, store, keys, config)
    }

    /// State reading tenant data from `source` and keeping the server's own
    /// state (audit, quotas, feedback, keys) in `store`.
    pub fn with_source(
        source: DataSource,
        store: Store,
        keys: ServerKeys,
        config: AppConfig,
    ) -> AppState {
        Self::with_read_source(source, None, store, keys, config)
    }

    /// State reading extracts from `read_source` when given (a read
    /// replica of `source`), everything else as [`AppState::with_source`]:
    /// the tenant registry from `source` (a tenant removed there is refused
    /// at once, whatever a lagging replica still holds), the server's own
    /// state from and to `store`.
    pub fn with_read_source(
        source: DataSource,
        read_source: Option<DataSource>,
        store: Store,
        keys: ServerKeys,
        config: AppConfig,
    ) -> AppState {
        // Reads from PostgreSQL bind their tenant with this server's key.
        let source = source.with_binding_key(&keys.tenant_binding_key);
        let read_source = read_source.map(|s| s.with_binding_key(&keys.tenant_binding_key));
        let mut databases = vec![
            ("state", store.connections().clone()),
            ("source", source.connections().clone()),
        ];
        if let Some(s) = &read_source {
            databases.push(("read", s.connections().clone()));
        }
        let metrics = Arc::new(Metrics::new(databases));
        let catalog = config.catalog.clone();
        let public = catalog.public();
        let llm = llm_translator(&config, &catalog);
        AppState {
            inner: Arc::new(Inner {
                source,
                read_source,
                metrics,
                store,
                keys,
                catalog_json: public.canonical_json(),
                schema_hash: public.schema_hash(),
                guard: SqlGuard::new(&catalog),
                catalog,
                extracts: ExtractCache::new(config.extract_ttl),
                build_limit: ExtractBuildLimit::new(
                    config.max_extract_builds,
                    config.extract_build_wait,
                ),
                answers: Mutex::new(HashMap::new()),
                llm,
                config,
                keys_published: Mutex::new(None),
            }),
        }
    }

    /// The data source.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The server's secrets.
    pub fn keys(&self) -> &ServerKeys {
        &self.inner.keys
    }

    /// The settings.
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// The catalog every extract follows.
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// The catalog as the widget gets it (canonical JSON of its public part).
    pub fn catalog_json(&self) -> &str {
        &self.inner.catalog_json
    }

    /// The vendor's database: its tenant registry, and its extracts
    /// unless a read replica serves them.
    pub fn source(&self) -> &DataSource {
        &self.inner.source
    }

    /// The read replica extracts are read from, when there is one.
    pub fn read_source(&self) -> Option<&DataSource> {
        self.inner.read_source.as_ref()
    }

    /// Where extracts are read: the read replica, else the source.
    pub fn extract_source(&self) -> &DataSource {
        self.read_source().unwrap_or(&self.inner.source)
    }

    /// The server's metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The catalog's schema hash.
    pub fn schema_hash(&self) -> &str {
        &self.inner.schema_hash
    }

    /// The SQL guard over the catalog.
    pub fn guard(&self) -> &SqlGuard {
        &self.inner.guard
    }

    /// The LLM translator, when the settings choose it.
    pub fn llm(&self) -> Option<&LlmTranslator> {
        self.inner.llm.as_ref()
    }

    /// The in-memory answer cache.
    pub fn answers(&self) -> &AnswerCache {
        &self.inner.answers
    }

    /// Publishes this server's signing key (and retires its older ones) in
    /// the database, where every replica's `GET /api/v1/keys` reads them.
    pub async fn publish_signing_keys(&self) -> Result<(), StoreError> {
        let publication = self.keys().publication(now_unix(), EXTRACT_LIFETIME);
        self.store().publish_signing_keys(publication).await?;
        *self
            .inner
            .keys_published
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        Ok(())
    }

    /// Publishes the signing keys unless done within [`KEY_REPUBLISH_INTERVAL`].
    pub async fn ensure_keys_published(&self) -> Result<(), StoreError> {
        let fresh = self
            .inner
            .keys_published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < KEY_REPUBLISH_INTERVAL);
        if fresh {
            return Ok(());
        }
        self.publish_signing_keys().await
    }

    /// The keys clients may verify manifests with: every replica's, from the database.
    pub async fn key_set(&self) -> Result<KeySet, StoreError> {
        self.ensure_keys_published().await?;
        self.store().published_keys(now_unix()).await
    }

    /// A tenant's tier, `None` when the vendor's registry does not list it:
    /// the token's claim, else the registry's, else the default. Without a
    /// registry in the catalog every tenant a token names is served.
    pub async fn tenant_tier(
        &self,
        tenant: &str,
        claim: Option<&str>,
    ) -> Result<Option<Tier>, AppError> {
        let default = self.inner.config.default_tier;
        let claimed = claim.and_then(Tier::parse);
        let Some(registry) = &self.inner.catalog.tenants else {
            return Ok(Some(claimed.unwrap_or(default)));
        };
        let listed = self
            .inner
            .source
            .tenant_tier(registry, tenant)
            .await
            .map_err(ExtractError::from)?;
        Ok(listed.map(|t| {
            claimed
                .or_else(|| t.as_deref().and_then(Tier::parse))
                .unwrap_or(default)
        }))
    }

    /// The tenant's extract at a privacy level, from cache or built now:
    /// identical requests share one build, and a build waits for one of the
    /// server's slots until the request has waited the configured bound.
    pub async fn extract(
        &self,
        tenant: &str,
        privacy: Privacy,
    ) -> Result<Arc<TenantExtract>, AppError> {
        // The request's bound, also when it takes the build over from an
        // identical request that gave up.
        let deadline = tokio::time::Instant::now() + self.inner.build_limit.wait();
        self.inner
            .extracts
            .get_or_build(tenant, privacy, || async {
                let slot = self
                    .inner
                    .build_limit
                    .slot(deadline, &self.inner.metrics)
                    .await?;
                let started = std::time::Instant::now();
                let build = self.inner.metrics.extract_build();
                let built = build_extract(
                    &self.inner.catalog,
                    self.extract_source(),
                    tenant,
                    privacy,
                    &self.inner.keys.pseudonym_key,
                )
                .await;
                build.finish(built.as_ref().err().map(ExtractError::code));
                let extract = built?;
                tracing::info!(
                    tenant,
                    privacy = privacy.as_str(),
                    ms = started.elapsed().as_millis() as u64,
                    "extract built"
                );
                // Compress in the background (clones share the compressed
                // slots): the table requests after the manifest find it done.
                // The build's slot is held until then: compressing is CPU-heavy too.
                let background = extract.clone();
                tokio::task::spawn_blocking(move || {
                    background.precompress();
                    drop(slot);
                });
                Ok::<_, AppError>(extract)
            })
            .await
    }
}

/// The vendor data in the database a store lives in: the demo's and the
/// tests' one database holding both (a vendor's data has a source of its own).
/// Its pool is as large as the store's.
pub fn source_of_store(store: &Store) -> DataSource {
    let size = store.pool_size();
    match store {
        Store::Sqlite(s) => DataSource::Sqlite(SqliteSource::new(s.path()).with_pool_size(size)),
        Store::Postgres(p) => DataSource::Postgres(
            PgSource::new(p.url())
                .allow_privileged_role(p.allows_privileged_role())
                .with_pool_size(size),
        ),
    }
}

/// The LLM translator the settings ask for, if any; without a usable backend
/// the built-in translator answers alone.
fn llm_translator(config: &AppConfig, catalog: &Catalog) -> Option<LlmTranslator> {
    if config.translator != TranslatorKind::Llm {
        return None;
    }
    let Some(llm) = config.llm.clone() else {
        tracing::warn!("translator = llm without an LLM base URL; the built-in translator answers");
        return None;
    };
    let today = config
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    match LlmTranslator::new(llm, catalog, today) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!(error = %e, "LLM translator unavailable; the built-in translator answers");
            None
        }
    }
}

/// Unix seconds now.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}
