//! Embedding on other sites: the `/embed` page for iframes, with
//! `frame-ancestors` and the page's own allow-list both taken from the
//! configured origins (CORS for the script tag is in `app`), and what a
//! refused host is told: a readable refusal page in the frame instead of a
//! blank one, and `GET /api/v1/embed/origin` for the script tag's loader.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

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
        .route("/api/v1/embed/origin", get(origin_check))
}

/// The stable code of a host refused by the origin list (the refusal page's
/// `slicewise:error` message, the loader's `slicewise:error` event).
pub const ORIGIN_NOT_ALLOWED: &str = "origin_not_allowed";

/// What a refused host is told, with what to configure; the allowed origins
/// themselves are not named. `None`: the origin is not known to the server.
pub fn refusal_message(origin: Option<&str>, any_allowed: bool) -> String {
    let fix = match (origin, any_allowed) {
        (Some(o), false) => format!("start it with --allowed-origins {o}"),
        (Some(o), true) => format!("add {o} to its --allowed-origins"),
        (None, _) => "start it with --allowed-origins and this page's origin".to_string(),
    };
    match origin {
        Some(o) => format!("This page's origin {o} is not allowed by the Slicewise server; {fix}."),
        None => format!("This page's origin is not allowed by the Slicewise server; {fix}."),
    }
}

/// The `scheme://host[:port]` of a URL (a `Referer`, an `Origin`), if it is a
/// plain http(s) origin.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    clean_origins(&[format!("{scheme}://{authority}")])
        .into_iter()
        .next()
}

/// Whether the frame's parent may embed Slicewise, as far as the request
/// tells: `None` when it is allowed or cannot be told (the page and its
/// `frame-ancestors` as usual); `Some(origin)` when it is refused, with the
/// parent's origin if its `Referer` names it.
fn refused_framer(headers: &HeaderMap, origins: &[String]) -> Option<Option<String>> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Only a frame gets a refusal page: a top-level visit, or a client
    // without fetch metadata, gets the page (its policy still applies).
    if !matches!(header("sec-fetch-dest"), Some("iframe" | "frame")) {
        return None;
    }
    if header("sec-fetch-site") == Some("same-origin") {
        return None;
    }
    match header(header::REFERER.as_str()).and_then(origin_of) {
        Some(parent) if origins.contains(&parent) => None,
        Some(parent) => Some(Some(parent)),
        // A host whose referrer policy hides its origin: refused for sure only
        // when no origin is allowed at all.
        None if origins.is_empty() => Some(None),
        None => None,
    }
}

/// The page a refused frame shows: the refusal in words (no widget, no
/// token taken), framable by any site so that it is seen; `embed.js` posts
/// it to the parent as `slicewise:error`.
fn refusal_page(origin: Option<&str>, any_allowed: bool) -> String {
    let message = refusal_message(origin, any_allowed);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="slicewise-refused-origin" content="{origin}">
  <title>Slicewise: origin not allowed</title>
  <link rel="icon" href="data:,">
  <script src="/embed.js" defer></script>
</head>
<body>
  <p id="slicewise-refused" role="alert" data-code="{ORIGIN_NOT_ALLOWED}">{message}</p>
</body>
</html>
"#,
        origin = html_escape(origin.unwrap_or_default()),
        message = html_escape(&message),
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /api/v1/embed/origin`: whether the calling page's origin (its
/// `Origin` header) is allowed, readable from any origin, so that the
/// script tag's loader can say why it could not load. It tells only about
/// the caller's own origin, never the list.
async fn origin_check(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let origins = clean_origins(&state.config().allowed_origins);
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(origin_of);
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let allowed = match &origin {
        // No Origin: a same-origin or non-browser request, which CORS does not restrict.
        None => true,
        Some(o) => {
            origins.contains(o) || host.is_some_and(|h| o.split_once("://").map(|x| x.1) == Some(h))
        }
    };
    let mut body = serde_json::json!({ "origin": origin, "allowed": allowed });
    if !allowed {
        body["code"] = ORIGIN_NOT_ALLOWED.into();
        body["message"] = refusal_message(origin.as_deref(), !origins.is_empty()).into();
    }
    (
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CACHE_CONTROL, "no-store"),
            (header::VARY, "Origin"),
        ],
        Json(body),
    )
        .into_response()
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

async fn embed_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let origins = clean_origins(&state.config().allowed_origins);
    let vary = HeaderValue::from_static("Referer, Sec-Fetch-Dest, Sec-Fetch-Site");
    if let Some(parent) = refused_framer(&headers, &origins) {
        let csp =
            HeaderValue::from_str(&page_csp("*")).map_err(|e| AppError::Internal(e.to_string()))?;
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CONTENT_SECURITY_POLICY, csp),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::VARY, vary),
            ],
            refusal_page(parent.as_deref(), !origins.is_empty()),
        )
            .into_response());
    }
    let path = state.config().static_dir.join("embed.html");
    let html = tokio::fs::read_to_string(&path).await.map_err(|e| {
        tracing::warn!(path = %path.display(), error = %e, "embed page missing");
        AppError::not_found(
            "not_found",
            "The embed page is not built (cargo xtask web).",
        )
    })?;
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
            (header::VARY, vary),
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

    fn frame_request(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("sec-fetch-dest", HeaderValue::from_static("iframe"));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        for (name, value) in pairs {
            headers.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        headers
    }

    #[test]
    fn a_frame_is_refused_only_when_its_parent_is_known_not_to_be_allowed() {
        let allowed = ["https://portal.example.com".to_string()];
        let evil = frame_request(&[("referer", "https://evil.example/page?x=1")]);
        assert_eq!(
            refused_framer(&evil, &allowed),
            Some(Some("https://evil.example".into()))
        );
        let portal = frame_request(&[("referer", "https://portal.example.com/reports")]);
        assert_eq!(refused_framer(&portal, &allowed), None);
        // No Referer: refused for sure only when nothing is allowed.
        assert_eq!(refused_framer(&frame_request(&[]), &allowed), None);
        assert_eq!(refused_framer(&frame_request(&[]), &[]), Some(None));
        // The server's own pages, a top-level visit, a client without fetch metadata.
        let own = frame_request(&[("sec-fetch-site", "same-origin")]);
        assert_eq!(refused_framer(&own, &[]), None);
        let top = frame_request(&[("sec-fetch-dest", "document")]);
        assert_eq!(refused_framer(&top, &[]), None);
        assert_eq!(refused_framer(&HeaderMap::new(), &[]), None);
    }

    #[test]
    fn the_refusal_says_what_to_configure_and_escapes() {
        assert_eq!(
            refusal_message(Some("http://localhost:3000"), false),
            "This page's origin http://localhost:3000 is not allowed by the Slicewise server; \
             start it with --allowed-origins http://localhost:3000."
        );
        assert!(refusal_message(Some("https://b.example"), true)
            .ends_with("add https://b.example to its --allowed-origins."));
        assert_eq!(
            origin_of("https://a.example:8443/x/y?z#w").as_deref(),
            Some("https://a.example:8443")
        );
        assert_eq!(origin_of("https://a.example\"><script>/"), None);
        let page = refusal_page(Some("https://a.example"), false);
        assert!(page.contains("--allowed-origins https://a.example.</p>"));
        assert_eq!(page.matches("<script").count(), 1, "embed.js only");
    }
}
