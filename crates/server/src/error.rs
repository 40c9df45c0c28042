//! The one error type of the HTTP API.
//!
//! Every failure becomes `{"error": {"code", "message"}}` with a stable code
//! and a plain message; details (SQL errors, token parse errors) go to the
//! log only, never to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use slicewise_core::wire::{ErrorBody, ErrorDetail};

use crate::extract::ExtractError;
use crate::extract::UrlError;
use crate::source::SourceError;
use crate::store::StoreError;
use crate::token::TokenError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("missing bearer token")]
    MissingToken,
    #[error("token refused: {0}")]
    Token(#[from] TokenError),
    #[error("token names an unknown tenant")]
    UnknownTenant,
    #[error("admin key missing or wrong")]
    AdminKey,
    #[error("table link refused: {0}")]
    Url(#[from] UrlError),
    #[error("extract changed since the manifest")]
    StaleExtract,
    #[error("not found: {message}")]
    NotFound { code: &'static str, message: String },
    #[error("bad request: {message}")]
    BadRequest { code: &'static str, message: String },
    #[error("forbidden: {message}")]
    Forbidden { code: &'static str, message: String },
    #[error("conflict: {message}")]
    Conflict { code: &'static str, message: String },
    #[error("body too large")]
    PayloadTooLarge,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("quota exceeded ({message})")]
    Quota { message: String, retry_after: u64 },
    #[error("every extract build slot stayed busy")]
    ExtractBusy { retry_after: u64 },
    #[error(transparent)]
    Database(#[from] StoreError),
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// A 400 with a code and message.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// A 404 with a code and message.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::NotFound {
            code,
            message: message.into(),
        }
    }

    /// A 403 with a code and message: the caller sees the thing but may not do that.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Forbidden {
            code,
            message: message.into(),
        }
    }

    /// A 409 with a code and message: the request meets a limit of what is stored.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Conflict {
            code,
            message: message.into(),
        }
    }

    /// Status, code and client message.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        use StatusCode as S;
        match self {
            AppError::MissingToken => (
                S::UNAUTHORIZED,
                "unauthorized",
                "An embed token is required (Authorization: Bearer <token>).".into(),
            ),
            AppError::Token(TokenError::Expired) => (
                S::UNAUTHORIZED,
                "token_expired",
                "The embed token has expired; get a new one.".into(),
            ),
            AppError::Token(TokenError::NotYetValid) => (
                S::UNAUTHORIZED,
                "token_not_yet_valid",
                "The embed token is not valid yet; check the host's clock.".into(),
            ),
            AppError::Token(TokenError::TooLong) => (
                S::UNAUTHORIZED,
                "token_invalid",
                "The embed token may live at most one hour.".into(),
            ),
            AppError::Token(TokenError::Invalid(_)) => (
                S::UNAUTHORIZED,
                "token_invalid",
                "The embed token is not valid.".into(),
            ),
            AppError::UnknownTenant => (
                S::UNAUTHORIZED,
                "token_unknown_tenant",
                "The embed token names a tenant this server does not know.".into(),
            ),
            AppError::AdminKey => (
                S::UNAUTHORIZED,
                "admin_key_invalid",
                "A valid admin API key is required.".into(),
            ),
            AppError::Url(UrlError::Invalid) => (
                S::FORBIDDEN,
                "url_invalid",
                "This table link is not valid.".into(),
            ),
            AppError::Url(UrlError::Expired) => (
                S::FORBIDDEN,
                "url_expired",
                "This table link has expired; fetch a new manifest.".into(),
            ),
            AppError::StaleExtract => (
                S::GONE,
                "extract_stale",
                "The extract changed since its manifest; fetch a new manifest.".into(),
            ),
            AppError::NotFound { code, message } => (S::NOT_FOUND, code, message.clone()),
            AppError::BadRequest { code, message } => (S::BAD_REQUEST, code, message.clone()),
            AppError::Forbidden { code, message } => (S::FORBIDDEN, code, message.clone()),
            AppError::Conflict { code, message } => (S::CONFLICT, code, message.clone()),
            AppError::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large.".into(),
            ),
            AppError::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This endpoint does not take that HTTP method.".into(),
            ),
            AppError::Quota { message, .. } => {
                (S::TOO_MANY_REQUESTS, "quota_exceeded", message.clone())
            }
            // Not `extract_…`: the widget reads those codes as a tampered extract.
            AppError::ExtractBusy { .. } => (
                S::SERVICE_UNAVAILABLE,
                "builds_busy",
                "The server is building other extracts; try again shortly.".into(),
            ),
            AppError::Database(_) => (
                S::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "The database is unavailable; try again shortly.".into(),
            ),
            AppError::Extract(ExtractError::Source(SourceError::Unavailable(_))) => (
                S::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "The database is unavailable; try again shortly.".into(),
            ),
            AppError::Extract(ExtractError::Source(e @ SourceError::Changed { .. })) => (
                S::SERVICE_UNAVAILABLE,
                e.code(),
                "The data no longer matches this analytics setup (a table or column changed); \
                 the provider has been told. Try again later."
                    .into(),
            ),
            AppError::Extract(ExtractError::Source(e @ SourceError::TenantBinding(_))) => (
                S::SERVICE_UNAVAILABLE,
                e.code(),
                "The database is not set up for this server (its tenant binding); \
                 the provider has been told. Try again later."
                    .into(),
            ),
            AppError::Extract(ExtractError::Source(e @ SourceError::BadValue { .. })) => (
                S::SERVICE_UNAVAILABLE,
                e.code(),
                "Some of the data has values of an unexpected type; the provider has been told. \
                 Try again later."
                    .into(),
            ),
            AppError::Extract(ExtractError::Encode { .. }) | AppError::Internal(_) => (
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on the server.".into(),
            ),
        }
    }

    /// Seconds after which the same request may succeed, when the error says.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::Quota { retry_after, .. } | AppError::ExtractBusy { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        let (_, code, message) = self.parts();
        ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                retry_after: self.retry_after(),
                request_id: crate::request_id::current(),
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, _) = self.parts();
        if status.is_server_error() {
            tracing::error!(code, error = %self, "request failed");
        } else {
            tracing::info!(code, error = %self, "request refused");
        }
        let mut response = (status, Json(self.body())).into_response();
        if let Some(retry_after) = self.retry_after() {
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
