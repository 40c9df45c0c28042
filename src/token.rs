//! Where the widget's embed token comes from.

use slicewise_core::wire::{Privacy, TokenRequest, TokenResponse};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::api::Api;
use crate::error::{js_text, WidgetError};

/// How the widget gets an embed token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSource {
    /// A token the host minted and handed over.
    Fixed(String),
    /// The demo server mints one for a tenant (only with `slicewise serve --demo`).
    Demo { tenant: String, privacy: Privacy },
    /// The host's `getToken`: called at start, before expiry and after a 401.
    Provider(TokenProvider),
}

/// A host's JS function returning a token or a Promise of one.
#[derive(Clone)]
pub struct TokenProvider(pub js_sys::Function);

impl std::fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenProvider")
    }
}

impl PartialEq for TokenProvider {
    fn eq(&self, other: &Self) -> bool {
        JsValue::from(&self.0) == JsValue::from(&other.0)
    }
}

impl TokenProvider {
    /// Calls the host's function and awaits its answer: a token string, or an
    /// object with a `token` field.
    pub async fn call(&self) -> Result<String, WidgetError> {
        let denied = |detail: String| WidgetError::Api {
            status: 401,
            code: "token_provider_failed".into(),
            message: format!("the host could not provide a token: {detail}"),
            retry_after: None,
        };
        let value = self
            .0
            .call0(&JsValue::NULL)
            .map_err(|e| denied(js_text(&e)))?;
        let value = JsFuture::from(js_sys::Promise::resolve(&value))
            .await
            .map_err(|e| denied(js_text(&e)))?;
        let token = value.as_string().or_else(|| {
            js_sys::Reflect::get(&value, &JsValue::from_str("token"))
                .ok()
                .and_then(|t| t.as_string())
        });
        token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| denied("no token in its answer".into()))
    }
}

/// Unix seconds at which a JWT expires (its `exp` claim), read without
/// verifying: only to schedule renewal, the server checks the signature.
pub fn expiry(token: &str) -> Option<i64> {
    claims(token)?.get("exp")?.as_i64()
}

/// The user a JWT names (its `sub` claim), read without verifying: only to
/// keep each user's stored tables apart, the server checks the signature.
pub fn subject(token: &str) -> Option<String> {
    Some(claims(token)?.get("sub")?.as_str()?.to_string())
}

/// A JWT's claims, decoded but not verified.
fn claims(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let mut b64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !b64.len().is_multiple_of(4) {
        b64.push('=');
    }
    let json = web_sys::window()?.atob(&b64).ok()?;
    serde_json::from_str(&json).ok()
}

impl TokenSource {
    /// Whether asking again can give a fresh token (not for a fixed one).
    pub fn renewable(&self) -> bool {
        !matches!(self, TokenSource::Fixed(_))
    }

    /// Fetches or returns the token.
    pub async fn token(&self, base: &str) -> Result<String, WidgetError> {
        match self {
            TokenSource::Fixed(token) => Ok(token.clone()),
            TokenSource::Provider(provider) => provider.call().await,
            TokenSource::Demo { tenant, privacy } => {
                let request = TokenRequest {
                    tenant: tenant.clone(),
                    sub: Some("demo-user".into()),
                    privacy: Some(*privacy),
                    ttl_seconds: None,
                };
                let anonymous = Api {
                    base: base.to_string(),
                    token: String::new(),
                };
                let response: TokenResponse = anonymous
                    .post_json("/api/v1/demo/token", &request, false)
                    .await?;
                Ok(response.token)
            }
        }
    }
}
