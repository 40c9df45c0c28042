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
