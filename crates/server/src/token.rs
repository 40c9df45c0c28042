//! Embed tokens: HS256 JWTs naming one tenant, one user and a privacy level.
//!
//! Only HS256 is accepted (`alg: none` does not even parse), `exp` and `iat`
//! are required, `exp` may be at most an hour after `iat`, and `nbf` is
//! honoured. Whether the tenant exists is the caller's check.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use slicewise_core::wire::Privacy;

/// Longest lifetime of a token, in seconds.
pub const MAX_TTL_SECONDS: i64 = 3_600;
/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

/// The claims of an embed token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedClaims {
    pub tenant: String,
    pub sub: String,
    /// A token that does not say is read at the most private level: a
    /// forgotten claim must never widen what a user sees.
    #[serde(default = "most_private")]
    pub privacy: Privacy,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The tenant's tier (`free`, `pro`, `enterprise`), when the host's
    /// backend says it; it wins over the vendor's tenant registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// The privacy level of a token without a `privacy` claim.
pub fn most_private() -> Privacy {
    Privacy::Gdpr
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token lives longer than {MAX_TTL_SECONDS} seconds")]
    TooLong,
    #[error("the token is invalid: {0}")]
    Invalid(String),
}

/// Mints a token valid for `ttl` seconds from `now` (clamped to 1..=3600).
pub fn mint(
    secret: &[u8],
    tenant: &str,
    sub: &str,
    privacy: Privacy,
    ttl: i64,
    now: i64,
) -> Result<(String, i64), TokenError> {
    let exp = now.saturating_add(ttl.clamp(1, MAX_TTL_SECONDS));
    let claims = EmbedClaims {
        tenant: tenant.to_string(),
        sub: sub.to_string(),
        privacy,
        iat: now,
        exp,
        nbf: None,
        tier: None,
    };
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| TokenError::Invalid(e.to_string()))?;
    Ok((token, exp))
}

/// Checks signature, algorithm, times and claim shapes; `now` in unix seconds.
pub fn verify(secret: &[u8], token: &str, now: i64) -> Result<EmbedClaims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    let data = decode::<EmbedClaims>(token, &DecodingKey::from_secret(secret), &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            ErrorKind::ImmatureSignature => TokenError::NotYetValid,
            other => TokenError::Invalid(format!("{other:?}")),
        })?;
    let claims = data.claims;
    let leeway = LEEWAY_SECONDS as i64;
    // Validation checked exp against its own clock; check ours too (tests pin it).
    // Checked arithmetic: times are whatever the token says (i64::MAX too).
    if claims.exp.saturating_add(leeway) <= now {
        return Err(TokenError::Expired);
    }
    let latest = now.saturating_add(leeway);
    if claims.nbf.is_some_and(|nbf| nbf > latest) || claims.iat > latest {
        return Err(TokenError::NotYetValid);
    }
    if claims
        .exp
        .checked_sub(claims.iat)
        .is_none_or(|life| life > MAX_TTL_SECONDS)
    {
        return Err(TokenError::TooLong);
    }
    if claims.tenant.is_empty() || claims.sub.is_empty() {
        return Err(TokenError::Invalid("empty tenant or sub".into()));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_other_secrets_do_not() {
        let now = chrono::Utc::now().timestamp();
        let (t, exp) = mint(b"secret", "acme", "u1", Privacy::High, 600, now).expect("mint");
        assert_eq!(exp, now + 600);
        let c = verify(b"secret", &t, now).expect("valid");
        assert_eq!((c.tenant.as_str(), c.privacy), ("acme", Privacy::High));
        assert!(matches!(
            verify(b"other", &t, now),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn extreme_times_are_refused_without_overflow() {
        let now = chrono::Utc::now().timestamp();
        let signed = |iat: i64, exp: i64, nbf: Option<i64>| {
            let claims = EmbedClaims {
                tenant: "acme".into(),
                sub: "u1".into(),
                privacy: Privacy::High,
                iat,
                exp,
                nbf,
                tier: None,
            };
            encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(b"secret"),
            )
            .expect("encode")
        };
        // exp - iat overflowed (a panic in debug, a wrap past the cap in release).
        assert!(verify(b"secret", &signed(i64::MIN, i64::MAX, None), now).is_err());
        assert!(verify(b"secret", &signed(now, i64::MAX, None), now).is_err());
        assert!(verify(b"secret", &signed(now, now + 60, Some(i64::MAX)), now).is_err());
        // Around `now` at the ends of time: refused, never a panic.
        assert!(verify(b"secret", &signed(i64::MAX, i64::MAX, None), i64::MAX).is_err());
        assert!(verify(b"secret", &signed(0, 60, None), i64::MIN).is_err());
    }
}
