//! Embedding: the /embed page's policy and allow-list, CORS on static files.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use slicewise_server::AppConfig;

use crate::support::TestServer;

const HOST: &str = "http://localhost:5173";

fn server() -> TestServer {
    let server = TestServer::with_config(AppConfig {
        allowed_origins: vec![format!("{HOST}/")],
        ..AppConfig::default()
    });
    let dist = &server.state.config().static_dir;
    std::fs::create_dir_all(dist).expect("dist");
    std::fs::write(
        dist.join("embed.html"),
        r#"<head><meta name="slicewise-allowed-origins" content=""></head>"#,
    )
    .expect("embed.html");
    std::fs::write(dist.join("widget.js"), "// loader").expect("widget.js");
    server
}

#[tokio::test]
async fn embed_page_is_framed_only_by_allowed_origins() {
    let server = server();
    for path in ["/embed", "/embed.html"] {
        let r = server.get(path, None).await;
        assert_eq!(r.status, StatusCode::OK);
        let csp = r.headers["content-security-policy"]
            .to_str()
            .expect("ascii");
        assert!(
            csp.contains(&format!("frame-ancestors 'self' {HOST}")),
            "{csp}"
        );
        assert!(csp.contains("'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"));
        assert!(
            r.text().contains(&format!(r#"content="{HOST}""#)),
            "{}",
            r.text()
        );
    }
}

#[tokio::test]
async fn static_files_answer_cors_only_for_allowed_origins() {
    let server = server();
    for (origin, allowed) in [(HOST, true), ("http://evil.example", false)] {
        let req = Request::get("/widget.js")
            .header("origin", origin)
            .body(Body::empty())
            .expect("request");
        let r = server.send(req).await;
        assert_eq!(r.status, StatusCode::OK);
        let acao = r.headers.get("access-control-allow-origin");
        assert_eq!(acao.is_some(), allowed, "{origin}: {acao:?}");
    }
}

/// A frame's request for `/embed` as Chromium sends it from a parent page.
fn framed(parent: Option<&str>) -> Request<Body> {
    let mut req = Request::get("/embed")
        .header("sec-fetch-dest", "iframe")
        .header("sec-fetch-site", "cross-site");
    if let Some(parent) = parent {
        req = req.header("referer", format!("{parent}/portal/reports.html"));
    }
    req.body(Body::empty()).expect("request")
}

#[tokio::test]
async fn a_frame_on_a_refused_origin_gets_a_readable_refusal_not_a_blank_frame() {
    let server = server();
    let r = server.send(framed(Some("http://evil.example"))).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.headers["content-security-policy"]
        .to_str()
        .expect("ascii");
    // Shown in any frame (it holds no widget and takes no token), still no inline script.
    assert!(csp.ends_with("frame-ancestors *"), "{csp}");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    let html = r.text();
    assert!(
        html.contains(
            "This page's origin http://evil.example is not allowed by the Slicewise server; \
             add http://evil.example to its --allowed-origins."
        ),
        "{html}"
    );
    assert!(html.contains(r#"data-code="origin_not_allowed""#));
    assert!(!html.contains(HOST), "the allowed origins are not told");

    // The allowed host's frame gets the page, framed only by it.
    let r = server.send(framed(Some(HOST))).await;
    let csp = r.headers["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.ends_with(&format!("frame-ancestors 'self' {HOST}")));
    assert!(r.text().contains("slicewise-allowed-origins"));

    // A server that allows no origin refuses a frame even without a Referer.
    let bare = TestServer::new();
    let dist = &bare.state.config().static_dir;
    std::fs::create_dir_all(dist).expect("dist");
    std::fs::write(dist.join("embed.html"), "<head></head>").expect("embed.html");
    let r = bare.send(framed(None)).await;
    assert!(r.text().contains("start it with --allowed-origins"));
}

#[tokio::test]
async fn the_origin_check_tells_any_caller_about_its_own_origin_only() {
    let server = server();
    for (origin, allowed) in [(HOST, true), ("http://evil.example", false)] {
        let req = Request::get("/api/v1/embed/origin")
            .header("origin", origin)
            .body(Body::empty())
            .expect("request");
        let r = server.send(req).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers.contains_key("access-control-allow-origin"));
        let body: serde_json::Value = serde_json::from_str(&r.text()).expect("json");
        assert_eq!(body["allowed"], allowed, "{origin}: {body}");
        assert_eq!(body["origin"], origin);
        if !allowed {
            assert_eq!(body["code"], "origin_not_allowed");
            assert_eq!(
                body["message"],
                "This page's origin http://evil.example is not allowed by the Slicewise \
                 server; add http://evil.example to its --allowed-origins."
            );
            assert!(!body.to_string().contains(HOST));
        }
    }
}
