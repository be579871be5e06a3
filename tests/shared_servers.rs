//! The loopback servers the tests share stop all they started when a test drops them:
//! no connection stays open behind a server that is gone, answered or not.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::{Behaviour, always, http_server, receiver};

const REQUEST: &[u8] = b"POST /hook HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\n{}";

/// Waits for the peer to close `client`; fails if it is still open after a while.
async fn assert_closed(mut client: TcpStream) {
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the connection is still open after its server was dropped"
    );
}

#[tokio::test]
async fn a_dropped_server_closes_the_connection_it_left_unanswered() {
    let server = http_server(Behaviour::Stall).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client.write_all(REQUEST).await.unwrap();
    while server.received().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(server);
    assert_closed(client).await;
}

#[tokio::test]
async fn a_dropped_receiver_closes_the_connection_it_kept_alive() {
    let server = receiver(always(200), false).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client.write_all(REQUEST).await.unwrap();
    let mut answer = Vec::new();
    while !answer.ends_with(b"ok") {
        let mut chunk = [0u8; 1024];
        let read = client.read(&mut chunk).await.unwrap();
        assert!(read > 0, "closed before the answer");
        answer.extend_from_slice(&chunk[..read]);
    }
    assert!(answer.starts_with(b"HTTP/1.1 200 "), "{answer:?}");
    drop(server);
    assert_closed(client).await;
}
