//! Embed tokens: every bad token is refused with its own code, and the
//! tenant comes from the token only.

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;
use slicewise_core::wire::Privacy;
use slicewise_server::AppConfig;

use crate::support::TestServer;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn hs(alg: Algorithm, secret: &[u8], claims: serde_json::Value) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("encode")
}

async fn refused(s: &TestServer, token: &str) -> (StatusCode, String) {
    let r = s.get("/api/v1/extract/manifest", Some(token)).await;
    (r.status, r.code())
}

#[tokio::test]
async fn bad_tokens_get_401_with_a_code() {
    let s = TestServer::new();
    let secret = s.keys().embed_secret.clone();
    let t = now();
    let good = json!({"tenant": "acme", "sub": "u", "iat": t, "exp": t + 600});
    let unauthorized = |code: &str| (StatusCode::UNAUTHORIZED, code.to_string());

    assert_eq!(
        refused(&s, "not-a-jwt").await,
        unauthorized("token_invalid")
    );
    assert_eq!(refused(&s, "a.b.c").await, unauthorized("token_invalid"));
    assert_eq!(
        refused(&s, &hs(Algorithm::HS256, b"wrong secret", good.clone())).await,
        unauthorized("token_invalid")
    );
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(good.to_string())
    );
    assert_eq!(refused(&s, &none).await, unauthorized("token_invalid"));
    assert_eq!(
        refused(&s, &hs(Algorithm::HS512, &secret, good.clone())).await,
        unauthorized("token_invalid")
    );
    assert_eq!(
        refused(
            &s,
            &hs(
                Algorithm::HS256,
                &secret,
                json!({"tenant": "acme", "sub": "u", "iat": t - 900, "exp": t - 300})
            )
        )
        .await,
        unauthorized("token_expired")
    );
    assert_eq!(
        refused(
            &s,
            &hs(
                Algorithm::HS256,
                &secret,
                json!({"tenant": "acme", "sub": "u", "iat": t, "nbf": t + 600, "exp": t + 900})
            )
        )
        .await,
        unauthorized("token_not_yet_valid")
    );
    assert_eq!(
        refused(
            &s,
            &hs(
                Algorithm::HS256,
                &secret,
                json!({"tenant": "nobody", "sub": "u", "iat": t, "exp": t + 600})
            )
        )
        .await,
        unauthorized("token_unknown_tenant")
    );
    for missing in ["tenant", "sub", "iat", "exp"] {
        let mut claims = good.clone();
        claims.as_object_mut().expect("object").remove(missing);
        assert_eq!(
            refused(&s, &hs(Algorithm::HS256, &secret, claims)).await,
            unauthorized("token_invalid"),
            "missing {missing}"
        );
    }
    assert_eq!(
        refused(
            &s,
            &hs(
                Algorithm::HS256,
                &secret,
                json!({"tenant": "acme", "sub": "u", "iat": t, "exp": t + 7_200})
            )
        )
        .await,
        unauthorized("token_invalid"),
        "lives longer than an hour"
    );
    assert_eq!(
        refused(
            &s,
            &hs(
                Algorithm::HS256,
                &secret,
                json!({"tenant": "acme", "sub": "u", "privacy": "none", "iat": t, "exp": t + 600})
            )
        )
        .await,
        unauthorized("token_invalid")
    );
    let r = s.get("/api/v1/extract/manifest", None).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    // The good one passes; without a privacy claim it is read at the most
    // private level (gdpr), never the least.
    let r = s
        .get(
            "/api/v1/extract/manifest",
            Some(&hs(Algorithm::HS256, &secret, good)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("/gdpr/"), "{}", r.text());
    assert!(!r.text().contains("standard"), "{}", r.text());
}

#[tokio::test]
async fn a_tenant_query_parameter_is_ignored() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    for uri in [
        "/api/v1/extract/manifest?tenant=globex",
        "/api/v1/extract/manifest?tenant_id=globex&privacy=standard",
    ] {
        let r = s.get(uri, Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK);
        let signed: slicewise_core::SignedManifest = serde_json::from_slice(&r.body).expect("json");
        assert!(signed.manifest.contains("\"tenant\":\"acme\""));
        assert!(!signed.manifest.contains("globex"));
    }
    // A body naming a tenant is ignored by ask too (it reads only the question).
    let r = s
        .post(
            "/api/v1/ask?tenant=globex",
            Some(&token),
            r#"{"question":"total revenue","tenant":"globex"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = s.sql();
    let tenant: String = c
        .query_row(
            "SELECT tenant FROM audit ORDER BY created_at DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("audit row");
    assert_eq!(tenant, "acme");
}

#[tokio::test]
async fn embed_tokens_need_the_admin_key() {
    let s = TestServer::new();
    let body = r#"{"tenant":"acme","sub":"alice","privacy":"high","ttl_seconds":600}"#;
    let r = s.post("/api/v1/embed/token", None, body).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "admin_key_invalid")
    );
    let r = s.post("/api/v1/embed/token", Some("wrong"), body).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let admin = s.keys().admin_key.clone();
    let r = s.post("/api/v1/embed/token", Some(&admin), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let token = r.json()["token"].as_str().expect("token").to_string();
    let m = s.manifest(&token).await;
    assert!(m.manifest.contains("\"privacy\":\"high\""));
    let r = s
        .post(
            "/api/v1/embed/token",
            Some(&admin),
            r#"{"tenant":"nobody"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s
        .post(
            "/api/v1/embed/token",
            Some(&admin),
            r#"{"tenant":"acme","ttl_seconds":7200}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn demo_tokens_exist_only_in_demo_mode() {
    let s = TestServer::new();
    let body = r#"{"tenant":"globex"}"#;
    let r = s.post("/api/v1/demo/token", None, body).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let demo = TestServer::with_config(AppConfig {
        demo: true,
        ..AppConfig::default()
    });
    let r = demo.post("/api/v1/demo/token", None, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let token = r.json()["token"].as_str().expect("token").to_string();
    assert!(demo.manifest(&token).await.manifest.contains("globex"));
}

#[tokio::test]
async fn tokens_minted_with_the_admin_key_are_recorded() {
    let s = TestServer::new();
    let admin = s.keys().admin_key.clone();
    let body = r#"{"tenant":"acme","sub":"alice","privacy":"high","ttl_seconds":600}"#;
    let r = s.post("/api/v1/embed/token", Some(&admin), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let token = v["token"].as_str().expect("token");
    let (tenant, sub, privacy, digest, expires_at): (String, String, String, String, i64) = s
        .sql()
        .query_row(
            "SELECT tenant, sub, privacy, token_sha256, expires_at FROM token_mints",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("one recorded mint");
    assert_eq!(
        (tenant.as_str(), sub.as_str(), privacy.as_str()),
        ("acme", "alice", "high")
    );
    assert_eq!(
        digest,
        slicewise_core::manifest::sha256_hex(token.as_bytes())
    );
    assert_eq!(Some(expires_at), v["expires_at"].as_i64());
    // A refused mint records nothing.
    let r = s
        .post(
            "/api/v1/embed/token",
            Some(&admin),
            r#"{"tenant":"nobody"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let n: i64 = s
        .sql()
        .query_row("SELECT COUNT(*) FROM token_mints", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 1);
}
