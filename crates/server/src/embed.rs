//! Embedding on other sites: the `/embed` page for iframes, with
//! `frame-ancestors` and the page's own allow-list both taken from the
//! configured origins (CORS for the script tag is in `app`).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::error::AppError;
use crate::state::AppState;

/// The element of `embed.html` the server fills with the allowed origins.
const ORIGINS_META: &str = r#"<meta name="slicewise-allowed-origins" content="">"#;

/// Routes of the embed page (`/embed`, and its file name so the static copy
/// is never served without its policy).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/embed", get(embed_page))
        .route("/embed.html", get(embed_page))
}

/// Origins from the config that are plain `scheme://host[:port]`; anything
/// else is left out of headers and HTML.
pub fn clean_origins(origins: &[String]) -> Vec<String> {
    origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| {
            (o.starts_with("https://") || o.starts_with("http://"))
                && o.split_once("://").is_some_and(|(_, rest)| {
                    !rest.is_empty()
                        && rest.chars().all(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                        })
                })
        })
        .collect()
}

/// The `/embed` page's policy: everything from this server only, wasm
/// compilation allowed, framed only by the allowed origins.
pub fn embed_csp(origins: &[String]) -> String {
    let ancestors = if origins.is_empty() {
        "'self'".to_string()
    } else {
        format!("'self' {}", origins.join(" "))
    };
    page_csp(&ancestors)
}

/// The policy of the server's own pages (the demo at `/`, `/embed`): no
/// inline script, no `eval`, only `'wasm-unsafe-eval'` to compile the
/// widget and the engine; `frame-ancestors` as given.
pub fn page_csp(frame_ancestors: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
         worker-src 'self' blob:; style-src 'self'; img-src 'self' data: blob:; \
         base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}"
    )
}

async fn embed_page(State(state): State<AppState>) -> Result<Response, AppError> {
    let path = state.config().static_dir.join("embed.html");
    let html = tokio::fs::read_to_string(&path).await.map_err(|e| {
        tracing::warn!(path = %path.display(), error = %e, "embed page missing");
        AppError::not_found(
            "not_found",
            "The embed page is not built (cargo xtask web).",
        )
    })?;
    let origins = clean_origins(&state.config().allowed_origins);
    let html = html.replace(
        ORIGINS_META,
        &format!(
            r#"<meta name="slicewise-allowed-origins" content="{}">"#,
            origins.join(" ")
        ),
    );
    let csp = HeaderValue::from_str(&embed_csp(&origins))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        html,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_origins_are_kept() {
        let given = [
            "https://portal.example.com/".to_string(),
            "http://localhost:5173".to_string(),
            "javascript:alert(1)".to_string(),
            "https://a.example\"><script>".to_string(),
        ];
        assert_eq!(
            clean_origins(&given),
            ["https://portal.example.com", "http://localhost:5173"]
        );
    }

    #[test]
    fn frame_ancestors_follow_the_allow_list() {
        assert!(embed_csp(&[]).ends_with("frame-ancestors 'self'"));
        let csp = embed_csp(&["https://portal.example.com".to_string()]);
        assert!(csp.ends_with("frame-ancestors 'self' https://portal.example.com"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains(" 'unsafe-eval'"));
        assert!(csp.contains("'wasm-unsafe-eval'"));
    }
}
