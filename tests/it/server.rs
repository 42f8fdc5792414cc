//! `run` on a real socket: readiness and graceful shutdown.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn in_flight_request_finishes_after_shutdown_signal() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ruststack::run(listener, crate::test_config(None), async {
        let _ = stop_rx.await;
    }));

    // Wait until it serves.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // A request whose body is still arriving when the signal comes.
    let body = br#"{"advance_seconds": 60}"#;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /_ruststack/clock HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    stop_tx.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    conn.write_all(&body[5..]).await.unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
        if response.windows(4).any(|w| w == b"\r\n\r\n") && response.ends_with(b"}") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"offset_seconds\":60.0"), "{text}");

    server.await.unwrap().unwrap();
    assert!(signalled.elapsed() < Duration::from_secs(5));
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}
