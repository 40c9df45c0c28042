//! The JSON request body extractor: any content type, our own errors.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;

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
