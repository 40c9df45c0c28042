//! The server over real HTTP on loopback: connection limits (idle, slow
//! headers, slow bodies, a cap).

use std::time::Duration;

use slicewise_server::ServeLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{listen_with, TestServer};

/// Longest any test here waits for the server: far past every timeout set.
const PATIENCE: Duration = Duration::from_secs(15);

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
