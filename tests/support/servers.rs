//! Loopback servers that answer as told, on the one test server: a fixed answer, the
//! request echoed, silence at each step of an exchange, a reset, a blunt 400, and a
//! forward proxy.

use std::net::SocketAddr;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::http_message::{Reply, Request, Response};
use super::http_server::TestServer;

#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Answer with this status, extra header lines and body.
    Answer(u16, Vec<(String, String)>, String),
    /// Answer 200 with the raw request head as the body.
    Echo,
    /// Read the request, then say nothing.
    Stall,
    /// Answer 200 with a head promising a body that never comes.
    HeadThenStall,
    /// Accept the TCP connection and say nothing, not even TLS.
    Silent,
}

impl Behaviour {
    fn reply(&self, request: &Request) -> Reply {
        match self {
            Behaviour::Answer(status, headers, body) => Reply::Answer(Response {
                headers: headers.clone(),
                ..Response::text(*status, body)
            }),
            Behaviour::Echo => Reply::Answer(Response::text(200, &request.raw_head)),
            Behaviour::HeadThenStall => Reply::HeadThenStall,
            // A silent server reads no request (see silent_server); were it to, it
            // would say nothing.
            Behaviour::Stall | Behaviour::Silent => Reply::Stall,
        }
    }
}

pub fn answer(status: u16) -> Behaviour {
    Behaviour::Answer(status, Vec::new(), format!("status {status}"))
}

/// A loopback address nothing listens on (bound, then released): a connection to it
/// is refused, and a listener under test may take it.
pub fn unused_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

pub async fn http_server(behaviour: Behaviour) -> TestServer {
    match behaviour {
        Behaviour::Silent => silent_server().await,
        behaviour => TestServer::start(move |request| behaviour.reply(request)).await,
    }
}

pub async fn https_server(
    behaviour: Behaviour,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> TestServer {
    match behaviour {
        Behaviour::Silent => silent_server().await,
        behaviour => {
            TestServer::start_tls(move |request| behaviour.reply(request), chain, key).await
        }
    }
}

/// Accepts connections and holds them without a word.
async fn silent_server() -> TestServer {
    TestServer::on_connections(|stream| async move {
        let _held = stream;
        std::future::pending::<()>().await
    })
    .await
}

/// A plain HTTP server that reads the request and resets the connection.
pub async fn resetting_server() -> TestServer {
    TestServer::start(|_: &Request| Reply::Reset).await
}

/// A plain HTTP server that answers 400 to the first bytes it gets, whatever they are,
/// as web servers do when spoken TLS to.
pub async fn blunt_http_server() -> TestServer {
    TestServer::on_connections(|mut stream| async move {
        let mut first = [0u8; 1024];
        let _ = stream.read(&mut first).await;
        let _ = stream
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        let _ = stream.shutdown().await;
    })
    .await
}

/// A forward proxy that pipes every connection to `target`, answering a CONNECT first.
pub async fn relay(target: SocketAddr) -> TestServer {
    TestServer::on_connections(move |mut client| async move {
        let mut first = vec![0u8; 8192];
        let read = client.read(&mut first).await.unwrap_or(0);
        let head = String::from_utf8_lossy(&first[..read]).to_string();
        let mut upstream = TcpStream::connect(target).await.unwrap();
        if head.starts_with("CONNECT ") {
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await
                .unwrap();
        } else {
            upstream.write_all(&first[..read]).await.unwrap();
        }
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    })
    .await
}
