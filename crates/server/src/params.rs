//! URL path and query-string extractors whose refusals are the API's own
//! JSON errors (axum's are plain text).

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Path parameters; a path that does not decode is `path_invalid` (400).
pub struct PathParams<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(t)) => Ok(PathParams(t)),
            Err(e) => {
                tracing::info!(error = %e, "unreadable path");
                Err(AppError::bad_request(
                    "path_invalid",
                    "The URL path is not valid.",
                ))
            }
        }
    }
}

/// Query-string parameters; a query that does not parse is `query_invalid` (400).
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(t)) => Ok(QueryParams(t)),
            Err(e) => {
                tracing::info!(error = %e, "unreadable query string");
                Err(AppError::bad_request(
                    "query_invalid",
                    format!("The query string is not valid: {}", e.body_text()),
                ))
            }
        }
    }
}
