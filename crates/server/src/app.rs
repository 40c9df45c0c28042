//! The router: every endpoint of the HTTP API and the static files.
//!
//! The tenant always comes from a verified embed token (or, for table
//! streams, from a URL the server signed itself), never from a query
//! parameter or a body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use slicewise_core::manifest::MANIFEST_VERSION;
use slicewise_core::wire::{KeySet, Privacy, TokenRequest, TokenResponse};
use slicewise_core::{Catalog, Manifest, SignedManifest, SqlGuard, TableEntry};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::ask::{self, AnswerCache};
use crate::config::{AppConfig, TranslatorKind};
use crate::error::AppError;
use crate::extract::ExtractError;
use crate::extract::{
    build_extract, signed_table_url, verify_table_url, Coding, ExtractCache, TableRef,
    TenantExtract,
};
use crate::keys::ServerKeys;
use crate::llm::LlmTranslator;
use crate::source::{DataSource, TableSource};
use crate::store::{Store, StoreError};
use crate::tier::Tier;
use crate::token::{self, EmbedClaims};

/// Content type of extract tables.
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";
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
    keys: ServerKeys,
    config: AppConfig,
    catalog: Catalog,
    catalog_json: String,
    schema_hash: String,
    guard: SqlGuard,
    extracts: ExtractCache,
    answers: AnswerCache,
    llm: Option<LlmTranslator>,
    /// When this server last published its signing keys to the database.
    keys_published: Mutex<Option<Instant>>,
}

impl AppState {
    /// State over one database holding both the data and the server's own
    /// state, the server's keys and settings.
    pub fn new(store: Store, keys: ServerKeys, config: AppConfig) -> AppState {
        let source = DataSource::of_store(&store);
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
        let catalog = config.catalog.clone();
        let public = catalog.public();
        let llm = llm_translator(&config, &catalog);
        AppState {
            inner: Arc::new(Inner {
                source,
                store,
                keys,
                catalog_json: public.canonical_json(),
                schema_hash: public.schema_hash(),
                guard: SqlGuard::new(&catalog),
                catalog,
                extracts: ExtractCache::new(config.extract_ttl),
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
    async fn ensure_keys_published(&self) -> Result<(), StoreError> {
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

    /// The tenant's extract at a privacy level, from cache or built now.
    pub async fn extract(
        &self,
        tenant: &str,
        privacy: Privacy,
    ) -> Result<Arc<TenantExtract>, AppError> {
        self.inner
            .extracts
            .get_or_build(tenant, privacy, || async {
                let started = std::time::Instant::now();
                let extract = build_extract(
                    &self.inner.catalog,
                    &self.inner.source,
                    tenant,
                    privacy,
                    &self.inner.keys.pseudonym_key,
                )
                .await?;
                tracing::info!(
                    tenant,
                    privacy = privacy.as_str(),
                    ms = started.elapsed().as_millis() as u64,
                    "extract built"
                );
                // Compress in the background (clones share the compressed
                // slots): the table requests after the manifest find it done.
                let background = extract.clone();
                tokio::task::spawn_blocking(move || background.precompress());
                Ok::<_, AppError>(extract)
            })
            .await
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

/// A caller with a verified embed token of a known tenant.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: EmbedClaims,
    pub tier: Tier,
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts).ok_or(AppError::MissingToken)?;
        let claims = token::verify(&state.keys().embed_secret, token, now_unix())?;
        let tier = state
            .tenant_tier(&claims.tenant, claims.tier.as_deref())
            .await?
            .ok_or(AppError::UnknownTenant)?;
        Ok(Caller { claims, tier })
    }
}

/// A caller holding the admin API key.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let given = bearer(parts).ok_or(AppError::AdminKey)?;
        // Compare digests so the time taken says nothing about the key.
        let a = Sha256::digest(given.as_bytes());
        let b = Sha256::digest(state.keys().admin_key.as_bytes());
        if a == b {
            Ok(Admin)
        } else {
            Err(AppError::AdminKey)
        }
    }
}

/// A JSON body, whatever its content type; errors are ours (400, 413).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::bad_request("body_invalid", "The request body could not be read.")
            }
        })?;
        if std::str::from_utf8(&bytes).is_err() {
            return Err(AppError::bad_request(
                "body_invalid",
                "The request body is not UTF-8 text.",
            ));
        }
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            tracing::info!(error = %e, "unreadable JSON body");
            AppError::bad_request("body_invalid", "The request body is not the expected JSON.")
        })
    }
}

/// The whole HTTP API and static files.
pub fn app(state: AppState) -> Router {
    let config = state.config().clone();
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/keys", get(keys))
        .route("/api/v1/catalog", get(catalog))
        .route("/api/v1/extract/manifest", get(manifest))
        .route("/api/v1/extract/tables/{table}", get(table))
        .route("/api/v1/embed/token", post(embed_token))
        .route("/api/v1/demo/token", post(demo_token))
        .route("/api/v1/demo/tenants", get(demo_tenants))
        .route("/api/v1/ask", post(ask::ask))
        .route("/api/v1/ask/batch", post(ask::ask_batch))
        .route("/api/v1/feedback", post(ask::feedback))
        .route("/api/v1/admin/audit", get(ask::admin_audit))
        .route("/api/v1/admin/usage", get(ask::admin_usage))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .merge(crate::embed::routes())
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state);

    let statics = ServeDir::new(&config.static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    let mut router = api
        .fallback_service(statics)
        .layer(middleware::from_fn(static_headers))
        .layer(
            CompressionLayer::new()
                .br(true)
                .gzip(true)
                .quality(tower_http::CompressionLevel::Fastest),
        );
    if !config.allowed_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .allowed_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
            .collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_NONE_MATCH,
                ])
                .expose_headers([header::ETAG, header::RETRY_AFTER])
                .max_age(std::time::Duration::from_secs(600)),
        );
    }
    router
}

/// Whether a file name carries a content hash (`name-0123456789abcdef.ext`).
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    // Trunk appends `_bg` to the wasm of a hashed name: `app-<hash>_bg.wasm`.
    stem.rsplit_once('-').is_some_and(|(_, tail)| {
        let hex = tail
            .bytes()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        hex >= 16 && (hex == tail.len() || tail.as_bytes()[hex] == b'_')
    })
}

/// Cache lifetimes for static files, and the demo page's CSP (it is not to
/// be framed: `/embed` is the page for iframes).
async fn static_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut response = next.run(req).await;
    let page = matches!(path.as_str(), "/" | "/index.html") && response.status().is_success();
    if let (true, Ok(csp)) = (
        page,
        HeaderValue::from_str(&crate::embed::page_csp("'none'")),
    ) {
        response
            .headers_mut()
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(csp);
    }
    if path.starts_with("/api/") || response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let value = if response.status().is_success() && is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

async fn api_not_found() -> AppError {
    AppError::not_found("not_found", "No such API endpoint.")
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn keys(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(state.key_set().await?),
    )
        .into_response())
}

async fn catalog(State(state): State<AppState>, _caller: Caller) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        state.inner.catalog_json.clone(),
    )
        .into_response()
}

async fn manifest(State(state): State<AppState>, caller: Caller) -> Result<Response, AppError> {
    let tenant = caller.claims.tenant.as_str();
    let privacy = caller.claims.privacy;
    let extract = state.extract(tenant, privacy).await?;
    let now = now_unix();
    let expires_at = caller.claims.exp.min(now + EXTRACT_LIFETIME);
    let tables = extract
        .tables
        .iter()
        .map(|t| TableEntry {
            name: t.name.clone(),
            rows: t.rows,
            bytes: t.bytes.len() as u64,
            sha256: t.sha256.clone(),
            url: signed_table_url(
                &state.keys().url_key,
                &t.name,
                &TableRef {
                    tenant: tenant.to_string(),
                    privacy,
                    sha_prefix: t.sha256[..16].to_string(),
                },
                expires_at,
            ),
        })
        .collect();
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        tenant: tenant.to_string(),
        privacy,
        issued_at: now,
        expires_at,
        schema_hash: state.schema_hash().to_string(),
        tables,
    };
    // Never sign with a key clients cannot find.
    state.ensure_keys_published().await?;
    let (kid, key) = state
        .keys()
        .signing_key()
        .ok_or_else(|| AppError::Internal("no manifest signing key".into()))?;
    let signed: SignedManifest = SignedManifest::sign(&manifest, key, kid);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(signed)).into_response())
}

/// Query of a signed table URL.
#[derive(Debug, Deserialize)]
struct TableQuery {
    x: Option<String>,
    exp: Option<i64>,
    sig: Option<String>,
}

/// Whether an `If-None-Match` header matches an entity tag.
fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

async fn table(
    State(state): State<AppState>,
    Path(table): Path<String>,
    Query(q): Query<TableQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (Some(x), Some(exp), Some(sig)) = (q.x, q.exp, q.sig) else {
        return Err(AppError::Url(crate::extract::UrlError::Invalid));
    };
    let now = now_unix();
    let r = verify_table_url(&state.keys().url_key, &table, &x, exp, &sig, now)?;
    if state.catalog().table(&table).is_none() {
        return Err(AppError::not_found(
            "table_not_found",
            "No such extract table.",
        ));
    }
    let extract = state.extract(&r.tenant, r.privacy).await?;
    let t = extract
        .table(&table)
        .ok_or_else(|| AppError::not_found("table_not_found", "No such extract table."))?;
    if !t.sha256.starts_with(&r.sha_prefix) {
        return Err(AppError::StaleExtract);
    }
    let etag = format!("\"{}\"", t.sha256);
    let max_age = (exp - now).max(0);
    let cache_control = format!("public, max-age={max_age}, immutable");
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::ACCESS_CONTROL_EXPOSE_HEADERS, "ETag")
        .header(header::VARY, "Accept-Encoding");
    if etag_matches(&headers, &etag) {
        builder = builder.status(StatusCode::NOT_MODIFIED);
        return builder
            .body(Body::empty())
            .map_err(|e| AppError::Internal(e.to_string()));
    }
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let body = match Coding::negotiate(accept) {
        Some(coding) => {
            builder = builder.header(header::CONTENT_ENCODING, coding.name());
            let extract = extract.clone();
            let name = table.clone();
            tokio::task::spawn_blocking(move || {
                extract
                    .table(&name)
                    .map(|t| t.encoded(coding))
                    .unwrap_or_default()
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
        }
        None => t.bytes.clone(),
    };
    builder
        .header(header::CONTENT_TYPE, ARROW_STREAM)
        .body(Body::from(body))
        .map_err(|e| AppError::Internal(e.to_string()))
}

async fn mint_response(
    state: &AppState,
    req: TokenRequest,
) -> Result<Json<TokenResponse>, AppError> {
    if state.tenant_tier(&req.tenant, None).await?.is_none() {
        return Err(AppError::not_found("tenant_not_found", "No such tenant."));
    }
    let sub = req.sub.unwrap_or_else(|| "anonymous".to_string());
    if sub.is_empty() || sub.len() > 200 {
        return Err(AppError::bad_request(
            "sub_invalid",
            "sub must be 1 to 200 characters.",
        ));
    }
    let ttl = req.ttl_seconds.unwrap_or(token::MAX_TTL_SECONDS as u64);
    if ttl == 0 || ttl > token::MAX_TTL_SECONDS as u64 {
        return Err(AppError::bad_request(
            "ttl_invalid",
            "ttl_seconds must be between 1 and 3600.",
        ));
    }
    let (token, expires_at) = token::mint(
        &state.keys().embed_secret,
        &req.tenant,
        &sub,
        req.privacy.unwrap_or_default(),
        ttl as i64,
        now_unix(),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(TokenResponse { token, expires_at }))
}

async fn embed_token(
    State(state): State<AppState>,
    _admin: Admin,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    mint_response(&state, req).await
}

async fn demo_token(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    if !state.config().demo {
        return Err(AppError::not_found("not_found", "No such API endpoint."));
    }
    mint_response(&state, req).await
}

/// The demo page's tenant picker: the first tenants of the registry
/// (`--demo` only; a production server lists no tenants to anyone).
async fn demo_tenants(State(state): State<AppState>) -> Result<Response, AppError> {
    if !state.config().demo {
        return Err(AppError::not_found("not_found", "No such API endpoint."));
    }
    let tenants = match &state.catalog().tenants {
        Some(registry) => state
            .inner
            .source
            .list_tenants(registry, 50)
            .await
            .map_err(ExtractError::from)?,
        None => Vec::new(),
    };
    Ok(Json(serde_json::json!({ "tenants": tenants })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("/slicewise-0123456789abcdef.js"));
        assert!(is_hashed_asset("/a/b/app-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("/widget-89abcdef01234567.wasm"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/demo-page.js"));
    }
}
