//! Where the widget's embed token comes from.

use slicewise_core::wire::{Privacy, TokenRequest, TokenResponse};

use crate::api::Api;
use crate::error::WidgetError;

/// How the widget gets an embed token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSource {
    /// A token the host minted and handed over.
    Fixed(String),
    /// The demo server mints one for a tenant (only with `slicewise serve --demo`).
    Demo { tenant: String, privacy: Privacy },
}

impl TokenSource {
    /// Fetches or returns the token.
    pub async fn token(&self, base: &str) -> Result<String, WidgetError> {
        match self {
            TokenSource::Fixed(token) => Ok(token.clone()),
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
