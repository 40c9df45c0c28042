//! Who is calling: a verified embed token of a known tenant, or the admin
//! API key, both read from the `Authorization: Bearer` header.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::{now_unix, AppState};
use crate::tier::Tier;
use crate::token::{self, EmbedClaims};

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
