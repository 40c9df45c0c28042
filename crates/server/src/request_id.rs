//! A request id per request: taken from `x-request-id` when a load
//! balancer set a sane one, else a new UUID; sent back in the response's
//! `x-request-id`, carried by every log line of the request (a tracing
//! span) and by every JSON error body, so a user's report finds the log.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

/// The header carrying the id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being handled, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// An id given by a client or proxy, when it is short plain text.
fn given(req: &Request) -> Option<String> {
    let id = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plain.then(|| id.to_string())
}

/// Middleware: the id for the request, its log span and its response.
pub async fn request_id(req: Request, next: Next) -> Response {
    let id = given(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    let mut response = CURRENT
        .scope(id.clone(), next.run(req).instrument(span))
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}
