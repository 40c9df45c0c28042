//! The API's edges: body limits, unknown routes, database down, static files, CORS.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use slicewise_core::wire::Privacy;
use slicewise_server::AppConfig;

use crate::support::TestServer;

#[tokio::test]
async fn oversized_and_malformed_bodies_get_json_errors() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    let big = format!(r#"{{"question":"{}"}}"#, "x".repeat(70 * 1024));
    let r = s.post("/api/v1/ask", Some(&token), big).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let r = s.post("/api/v1/ask", Some(&token), "not json").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "body_invalid")
    );
    let r = s
        .post("/api/v1/ask", Some(&token), vec![b'{', 0xff, 0xfe, b'}'])
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "body_invalid")
    );
    let r = s.post("/api/v1/ask", Some(&token), r#"{"q":"x"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s() {
    let s = TestServer::new();
    let r = s.get("/api/v1/nothing", None).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let r = s.get("/api/v1/keys", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["keys"][0]["alg"], "EdDSA");
}

#[tokio::test]
async fn database_down_is_503_and_recovers() {
    let s = TestServer::new();
    let token = s.token("acme", Privacy::Standard);
    let aside = s.db.with_extension("aside");
    std::fs::rename(&s.db, &aside).expect("move db away");
    let r = s.get("/api/v1/extract/manifest", Some(&token)).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
    );
    assert!(!r.text().to_lowercase().contains("sqlite"), "{}", r.text());
    let r = s
        .post(
            "/api/v1/ask",
            Some(&token),
            r#"{"question":"total revenue"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    std::fs::rename(&aside, &s.db).expect("move db back");
    let r = s.get("/api/v1/extract/manifest", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn static_files_are_served_with_cache_headers() {
    let s = TestServer::new();
    let dist = s.dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("dist");
    std::fs::write(dist.join("index.html"), "<!doctype html><p>hi</p>").expect("index");
    std::fs::write(dist.join("app-0123456789abcdef_bg.wasm"), vec![0u8; 100]).expect("wasm");
    std::fs::write(dist.join("app-0123456789abcdef.js"), "console.log(1)").expect("js");
    std::fs::write(dist.join("app-0123456789abcdef.js.gz"), b"fake-gzip").expect("gz");
    let r = s.get("/", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("hi"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    let r = s.get("/app-0123456789abcdef_bg.wasm", None).await;
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    let req = Request::get("/app-0123456789abcdef.js")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .expect("request");
    let r = s.send(req).await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(&r.body[..], b"fake-gzip");
}

#[tokio::test]
async fn cors_admits_only_configured_origins() {
    let preflight = |origin: &str| {
        Request::options("/api/v1/extract/manifest")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .body(Body::empty())
            .expect("request")
    };
    let s = TestServer::new();
    let r = s.send(preflight("https://host.example")).await;
    assert!(r.header("access-control-allow-origin").is_none());
    let s = TestServer::with_config(AppConfig {
        allowed_origins: vec!["https://host.example".into()],
        ..AppConfig::default()
    });
    let r = s.send(preflight("https://host.example")).await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://host.example")
    );
    let r = s.send(preflight("https://evil.example")).await;
    assert!(r.header("access-control-allow-origin").is_none());
}
