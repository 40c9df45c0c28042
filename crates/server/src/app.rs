//! The router: every endpoint of the HTTP API and the static files.
//!
//! The tenant always comes from a verified embed token (or, for table
//! streams, from a URL the server signed itself), never from a query
//! parameter or a body. The shared state is in `state`, the callers'
//! identities in `auth`.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use slicewise_core::manifest::MANIFEST_VERSION;
use slicewise_core::wire::{TokenRequest, TokenResponse};
use slicewise_core::{Manifest, SignedManifest, TableEntry};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::ask;
use crate::auth::{Admin, Caller};
use crate::error::AppError;
use crate::extract::ExtractError;
use crate::extract::{signed_table_url, verify_table_url, Coding, TableRef};
use crate::json_body::JsonBody;
use crate::params::{PathParams, QueryParams};
use crate::saved;
use crate::source::TableSource;
use crate::state::{now_unix, AppState, EXTRACT_LIFETIME};
use crate::store::TokenMint;
use crate::token;

/// Content type of extract tables.
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// The whole HTTP API and static files.
pub fn app(state: AppState) -> Router {
    let config = state.config().clone();
    let metrics = state.metrics().clone();
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/api/v1/keys", get(keys))
        .route("/api/v1/catalog", get(catalog))
        .route("/api/v1/extract/manifest", get(manifest))
        .route(
            "/api/v1/extract/tables/{tenant}/{privacy}/{table}/{file}",
            get(table),
        )
        .route("/api/v1/embed/token", post(embed_token))
        .route("/api/v1/demo/token", post(demo_token))
        .route("/api/v1/demo/tenants", get(demo_tenants))
        .route("/api/v1/ask", post(ask::ask))
        .route("/api/v1/ask/batch", post(ask::ask_batch))
        .route("/api/v1/feedback", post(ask::feedback))
        .route("/api/v1/saved", get(saved::list).post(saved::create))
        .route(
            "/api/v1/saved/{id}",
            get(saved::one).patch(saved::change).delete(saved::remove),
        )
        .route("/api/v1/admin/audit", get(ask::admin_audit))
        .route("/api/v1/admin/usage", get(ask::admin_usage))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .merge(crate::embed::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state);

    let statics = ServeDir::new(&config.static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    let mut router = api
        .fallback_service(statics)
        .layer(middleware::from_fn(response_headers))
        .layer(middleware::from_fn(crate::request_id::request_id))
        // Per route (a `Router::layer`), so it sees the matched template.
        .layer(middleware::from_fn_with_state(
            metrics,
            crate::metrics::record_request,
        ))
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
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PATCH,
                    Method::DELETE,
                    Method::OPTIONS,
                ])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_NONE_MATCH,
                ])
                .expose_headers([
                    header::ETAG,
                    header::LOCATION,
                    header::RETRY_AFTER,
                    header::HeaderName::from_static(crate::request_id::REQUEST_ID),
                ])
                .max_age(std::time::Duration::from_secs(600)),
        );
    }
    router
}

/// The router of the metrics listener (`--metrics-addr`): `GET /metrics`
/// and nothing else, on an address of its own that a load balancer never
/// forwards to (the API's listener does not serve it).
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(api_not_found)
        .with_state(state)
}

/// `GET /metrics`: the server's metrics in the text format.
async fn scrape(State(state): State<AppState>) -> Result<Response, AppError> {
    let text = state
        .metrics()
        .encode()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, crate::metrics::OPENMETRICS_TEXT),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
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

/// Whether a response is a document a browser renders (and runs scripts in).
fn is_document(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start().to_ascii_lowercase())
        .is_some_and(|v| {
            ["text/html", "application/xhtml+xml", "image/svg+xml"]
                .iter()
                .any(|t| v.starts_with(t))
        })
}

/// A redirect target that stays on this server: a `Location` of `//host/...`
/// (or `/\host`) would send the browser to another host.
fn same_origin_location(location: &str) -> Option<String> {
    let rest = location.trim_start_matches(['/', '\\']);
    (location.len() - rest.len() > 1 && location.starts_with('/')).then(|| format!("/{rest}"))
}

/// Headers every response gets, keyed on what the response is rather than
/// on the path asked for (`//index.html`, `/%69ndex.html`, `/./embed.html`
/// are the same page): `nosniff` and `Referrer-Policy` everywhere; the
/// pages' CSP on every document that has none of its own (the demo's and
/// every other page: not to be framed; `/embed` sets its own); redirects
/// kept on this server; cache lifetimes for static files.
async fn response_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut response = next.run(req).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    if is_document(headers) {
        if let Ok(csp) = HeaderValue::from_str(&crate::embed::page_csp("'none'")) {
            headers
                .entry(header::CONTENT_SECURITY_POLICY)
                .or_insert(csp);
        }
    }
    if status.is_redirection() {
        let fixed = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(same_origin_location)
            .and_then(|l| HeaderValue::from_str(&l).ok());
        if let Some(location) = fixed {
            headers.insert(header::LOCATION, location);
        }
    }
    if path.starts_with("/api/") || headers.contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let value = if status.is_success() && is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

async fn api_not_found() -> AppError {
    AppError::not_found("not_found", "No such API endpoint.")
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Ready when the state database and the data source both answer. A read
/// replica that does not is reported, not a reason to leave the load
/// balancer: every replica shares it, and asks, feedback and cached
/// extracts are still served.
async fn ready(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    state.store().ping().await?;
    state.source().ping().await.map_err(ExtractError::from)?;
    let mut body = serde_json::json!({"status": "ready"});
    if let Some(read) = state.read_source() {
        let answers = read.ping().await.is_ok();
        body["read_database"] = (if answers { "ok" } else { "unavailable" }).into();
    }
    Ok(Json(body))
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
        state.catalog_json().to_string(),
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
                &TableRef {
                    tenant: tenant.to_string(),
                    privacy,
                    table: t.name.clone(),
                    sha256: t.sha256.clone(),
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

/// `GET /api/v1/extract/tables/{tenant}/{privacy}/{table}/{sha256}.arrow?exp=&sig=`.
async fn table(
    State(state): State<AppState>,
    PathParams((tenant, privacy, table, file)): PathParams<(String, String, String, String)>,
    QueryParams(q): QueryParams<TableQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (Some(exp), Some(sig)) = (q.exp, q.sig) else {
        return Err(AppError::Url(crate::extract::UrlError::Invalid));
    };
    let r = TableRef::from_segments(&tenant, &privacy, &table, &file)?;
    let now = now_unix();
    verify_table_url(&state.keys().url_key, &r, exp, &sig, now)?;
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
    if t.sha256 != r.sha256 {
        return Err(AppError::StaleExtract);
    }
    let etag = format!("\"{}\"", t.sha256);
    let max_age = (exp - now).max(0);
    // A bearer link to one tenant's rows: caches of the browser only, never
    // a shared proxy or CDN.
    let cache_control = format!("private, max-age={max_age}, immutable");
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

/// Mints a token as asked; the token, its claims' privacy level and expiry.
async fn mint_token(state: &AppState, req: &TokenRequest) -> Result<TokenResponse, AppError> {
    if state.tenant_tier(&req.tenant, None).await?.is_none() {
        return Err(AppError::not_found("tenant_not_found", "No such tenant."));
    }
    let sub = req.sub.as_deref().unwrap_or("anonymous");
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
        sub,
        req.privacy.unwrap_or_default(),
        ttl as i64,
        now_unix(),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(TokenResponse { token, expires_at })
}

/// `POST /api/v1/embed/token` (admin key): every token minted is recorded
/// (who for, until when, its digest) before it is handed out.
async fn embed_token(
    State(state): State<AppState>,
    _admin: Admin,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    let minted = mint_token(&state, &req).await?;
    let mint = TokenMint {
        id: uuid::Uuid::new_v4().to_string(),
        tenant: req.tenant.clone(),
        sub: req.sub.clone().unwrap_or_else(|| "anonymous".into()),
        privacy: req.privacy.unwrap_or_default().as_str().to_string(),
        token_sha256: slicewise_core::manifest::sha256_hex(minted.token.as_bytes()),
        expires_at: minted.expires_at,
        created_at: chrono::Utc::now().timestamp_millis(),
    };
    tracing::info!(
        tenant = mint.tenant,
        sub = mint.sub,
        privacy = mint.privacy,
        token_sha256 = mint.token_sha256,
        "embed token minted"
    );
    state.store().record_token_mint(mint).await?;
    Ok(Json(minted))
}

async fn demo_token(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    if !state.config().demo {
        return Err(AppError::not_found("not_found", "No such API endpoint."));
    }
    mint_token(&state, &req).await.map(Json)
}

/// The demo page's tenant picker: the first tenants of the registry
/// (`--demo` only; a production server lists no tenants to anyone).
async fn demo_tenants(State(state): State<AppState>) -> Result<Response, AppError> {
    if !state.config().demo {
        return Err(AppError::not_found("not_found", "No such API endpoint."));
    }
    let tenants = match &state.catalog().tenants {
        Some(registry) => state
            .source()
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

    #[test]
    fn redirects_stay_on_this_server() {
        assert_eq!(
            same_origin_location("//examples/"),
            Some("/examples/".into())
        );
        assert_eq!(
            same_origin_location("/\\\\evil.example/"),
            Some("/evil.example/".into())
        );
        assert_eq!(same_origin_location("/examples/"), None);
        assert_eq!(same_origin_location("https://a.example/"), None);
    }
}
