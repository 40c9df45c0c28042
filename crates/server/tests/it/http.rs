//! The server as a browser or an attacker meets it over real HTTP on
//! loopback: headers on every response whatever the path's spelling,
//! redirects that stay on the server, JSON errors for methods and query
//! strings, and connection limits (idle, slow headers, slow bodies, a
//! client that stops reading, a cap).

use std::time::Duration;

use axum::http::StatusCode;
use slicewise_server::ServeLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{listen, listen_with, TestServer};

/// Longest any test here waits for the server: far past every timeout set.
const PATIENCE: Duration = Duration::from_secs(15);

/// A server with a built `dist/`: the demo page, the embed page, an
/// examples folder and a script.
fn with_pages() -> TestServer {
    let s = TestServer::new();
    let dist = s.state.config().static_dir.clone();
    std::fs::create_dir_all(dist.join("examples")).expect("dist");
    std::fs::write(dist.join("index.html"), "<!doctype html><p>demo</p>").expect("index");
    std::fs::write(
        dist.join("embed.html"),
        r#"<head><meta name="slicewise-allowed-origins" content=""></head>"#,
    )
    .expect("embed");
    std::fs::write(dist.join("examples/host.html"), "<!doctype html>").expect("example");
    std::fs::write(dist.join("widget.js"), "// loader").expect("widget.js");
    s
}

/// A response read off the wire.
struct Raw {
    status: u16,
    /// Lower-case names.
    headers: Vec<(String, String)>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as written (the path is never normalised by a client)
/// and reads the response head.
async fn raw(base: &str, request: &str) -> Raw {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut bytes = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut bytes))
        .await
        .expect("the server answers")
        .expect("read");
    let text = String::from_utf8_lossy(&bytes);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw { status, headers }
}

async fn get(base: &str, path: &str) -> Raw {
    raw(
        base,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
    .await
}

#[tokio::test]
async fn every_page_gets_its_policy_whatever_the_path_says() {
    let s = with_pages();
    let base = listen(s.router.clone()).await;
    let mut pages = 0;
    for path in [
        "/",
        "/index.html",
        "//index.html",
        "/%69ndex.html",
        "/index.html/",
        "/./embed.html",
        "//embed.html",
        "/embed",
        "/examples/host.html",
        "//examples/host.html",
    ] {
        let r = get(&base, path).await;
        let html = r
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"));
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert!(r.header("referrer-policy").is_some(), "{path}");
        if r.status == 200 && html {
            pages += 1;
            let csp = r.header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("frame-ancestors"), "{path}: {csp:?}");
            assert!(csp.contains("script-src 'self'"), "{path}: {csp:?}");
        }
    }
    // The odd spellings do reach the pages: the check above was not vacuous.
    assert!(pages >= 7, "{pages} pages served");
}

#[tokio::test]
async fn redirects_never_leave_the_server() {
    let s = with_pages();
    let base = listen(s.router.clone()).await;
    for path in ["//examples", "///examples", "/examples"] {
        let r = get(&base, path).await;
        assert!((300..400).contains(&r.status), "{path}: {}", r.status);
        assert_eq!(r.header("location"), Some("/examples/"), "{path}");
    }
}

#[tokio::test]
async fn api_and_static_responses_are_not_sniffed_and_send_no_referrer() {
    let s = with_pages();
    for path in [
        "/api/v1/keys",
        "/api/v1/nothing",
        "/widget.js",
        "/missing.js",
    ] {
        let r = s.get(path, None).await;
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
}

#[tokio::test]
async fn wrong_methods_and_query_strings_get_json_errors() {
    let s = TestServer::new();
    let req = axum::http::Request::delete("/api/v1/ask")
        .body(axum::body::Body::empty())
        .expect("request");
    let r = s.send(req).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let r = s.get("/api/v1/embed/token", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let admin = s.keys().admin_key.clone();
    let r = s.get("/api/v1/admin/audit?limit=many", Some(&admin)).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "query_invalid")
    );
    let r = s
        .get("/api/v1/admin/usage?since=yesterday", Some(&admin))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "query_invalid")
    );
}

fn short_limits(max_connections: usize) -> ServeLimits {
    ServeLimits {
        header_read_timeout: Duration::from_secs(1),
        request_body_timeout: Duration::from_secs(1),
        max_connections,
        ..ServeLimits::default()
    }
}

/// Reads until the server closes the connection; what it sent.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut bytes))
        .await
        .expect("the server closes the connection")
        .expect("read");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed() {
    let s = TestServer::new();
    let base = listen_with(s.router.clone(), short_limits(64)).await;
    let addr = base.trim_start_matches("http://");
    // Connected, silent.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    // Headers started, never finished.
    let mut slow_head = TcpStream::connect(addr).await.expect("connect");
    slow_head
        .write_all(b"GET /api/v1/keys HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("write");
    // A body announced, a tenth sent.
    let mut slow_body = TcpStream::connect(addr).await.expect("connect");
    slow_body
        .write_all(
            b"POST /api/v1/ask HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"questi",
        )
        .await
        .expect("write");
    // One request answered, then the connection left open.
    let mut kept = TcpStream::connect(addr).await.expect("connect");
    kept.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(until_closed(&mut idle).await, "");
    assert_eq!(until_closed(&mut slow_head).await, "");
    let answer = until_closed(&mut slow_body).await;
    assert!(
        answer.is_empty() || !answer.starts_with("HTTP/1.1 2"),
        "{answer}"
    );
    let answer = until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Asks `base` for `/big` through a small receive window, reads a little,
/// stops reading for `stall`, then reads to the end: the bytes it got.
async fn stall_then_read(base: &str, stall: Duration) -> usize {
    let addr = base.trim_start_matches("http://").parse().expect("addr");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small window");
    let mut stream = socket.connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut first = [0u8; 1024];
    let mut got = stream.read(&mut first).await.expect("first bytes");
    tokio::time::sleep(stall).await;
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
            .await
            .expect("the response ends")
        {
            Ok(0) | Err(_) => return got,
            Ok(n) => got += n,
        }
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_is_cut_after_the_write_timeout() {
    // Far more than the kernel buffers on both ends hold (4 MiB each at most).
    const BIG: usize = 48 << 20;
    let router =
        axum::Router::new().route("/big", axum::routing::get(|| async { vec![b'x'; BIG] }));
    let limits = |timeout| ServeLimits {
        response_write_timeout: timeout,
        ..ServeLimits::default()
    };
    let cutting = listen_with(router.clone(), limits(Duration::from_millis(300))).await;
    let waiting = listen_with(router, limits(Duration::from_secs(30))).await;
    let stall = Duration::from_secs(2);
    let (cut, whole) = tokio::join!(
        stall_then_read(&cutting, stall),
        stall_then_read(&waiting, stall)
    );
    // A stall shorter than the timeout costs nothing; past it the rest never comes.
    assert!(whole > BIG, "{whole}");
    assert!(cut < BIG / 4, "{cut}");
}

#[tokio::test]
async fn past_the_connection_cap_a_client_waits_for_a_free_slot() {
    let s = TestServer::new();
    let base = listen_with(s.router.clone(), short_limits(1)).await;
    let addr = base.trim_start_matches("http://");
    let mut holder = TcpStream::connect(addr).await.expect("connect");
    // Give the server the time to accept the first (it holds the only slot).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut waiting = TcpStream::connect(addr).await.expect("connect");
    waiting
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let answer = until_closed(&mut waiting).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The second was served only once the idle first was closed.
    let mut rest = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(100), holder.read(&mut rest)).await;
    assert!(
        matches!(read, Ok(Ok(0))),
        "the holder should be closed already"
    );
}

#[tokio::test]
async fn readiness_follows_the_databases_and_errors_carry_the_request_id() {
    let s = TestServer::new();
    assert_eq!(s.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(s.get("/readyz", None).await.status, StatusCode::OK);
    let aside = s.db.with_extension("aside");
    std::fs::rename(&s.db, &aside).expect("move db away");
    let r = s.get("/readyz", None).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
    );
    let id = r.header("x-request-id").expect("x-request-id").to_string();
    assert_eq!(r.json()["error"]["request_id"].as_str(), Some(id.as_str()));
    assert_eq!(s.get("/healthz", None).await.status, StatusCode::OK);
    std::fs::rename(&aside, &s.db).expect("move db back");
    assert_eq!(s.get("/readyz", None).await.status, StatusCode::OK);
    // A proxy's plain id is kept; anything else is replaced.
    for (given, kept) in [("lb-42.a_b", true), ("bad id, with spaces", false)] {
        let req = axum::http::Request::get("/api/v1/nothing")
            .header("x-request-id", given.as_bytes())
            .body(axum::body::Body::empty())
            .expect("request");
        let r = s.send(req).await;
        let id = r.header("x-request-id").expect("x-request-id").to_string();
        assert_eq!(id == given, kept, "{given:?} -> {id:?}");
        assert_eq!(r.json()["error"]["request_id"].as_str(), Some(id.as_str()));
    }
}
