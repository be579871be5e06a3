//! The tests' one HTTP/1.1 server: an accept loop on 127.0.0.1, plain or TLS, reading
//! requests and writing answers (http_message.rs), a handler deciding each answer (or
//! a function doing all the talking on a connection). Connections are kept alive, as a
//! real receiver keeps them. The server records what it received (unless told not to),
//! counts connections and requests, and how many requests it held unanswered at once.
//! Dropping it stops the accept loop and every connection it holds.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::http_message::{Reply, Request, parse};

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;
type Connection = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the server has seen, shared with its connections.
#[derive(Default)]
struct Seen {
    record: bool,
    received: Mutex<Vec<Request>>,
    requests: AtomicUsize,
    connections: AtomicUsize,
    /// Requests read and not answered yet, and the most at once, by request target
    /// ("" for all).
    held: Mutex<HashMap<String, (usize, usize)>>,
}

impl Seen {
    fn change_held(&self, target: &str, change: fn(&mut (usize, usize))) {
        let mut held = self.held.lock().unwrap();
        for key in ["", target] {
            match held.get_mut(key) {
                Some(counts) => change(counts),
                None => change(held.entry(key.to_string()).or_default()),
            }
        }
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    scheme: &'static str,
    seen: Arc<Seen>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// A plain HTTP server on which `handler` answers every request.
    pub async fn start<R: Into<Reply>>(
        handler: impl Fn(&Request) -> R + Send + Sync + 'static,
    ) -> TestServer {
        http(handler, None, true).await
    }

    /// The same, over TLS with this certificate chain and key.
    pub async fn start_tls<R: Into<Reply>>(
        handler: impl Fn(&Request) -> R + Send + Sync + 'static,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> TestServer {
        http(handler, Some(acceptor(chain, key)), true).await
    }

    /// A plain HTTP server that keeps no requests, only counts them: for the receivers
    /// of thousands of deliveries.
    pub async fn start_unrecorded<R: Into<Reply>>(
        handler: impl Fn(&Request) -> R + Send + Sync + 'static,
    ) -> TestServer {
        http(handler, None, false).await
    }

    /// A server that does its own talking on every connection it accepts, for what is
    /// not a request and an answer: a proxy's tunnel, a peer that never speaks.
    pub async fn on_connections<F>(
        connection: impl Fn(TcpStream) -> F + Send + Sync + 'static,
    ) -> TestServer
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let seen = Arc::new(Seen::default());
        listen("http", seen, move |stream| Box::pin(connection(stream))).await
    }

    /// `http://ADDR/PATH`, or `https://` for a TLS server.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Request> {
        self.seen.received.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        self.seen.requests.load(Ordering::SeqCst)
    }

    /// Connections accepted.
    pub fn connections(&self) -> usize {
        self.seen.connections.load(Ordering::SeqCst)
    }

    /// The most requests held unanswered at once, for request target `target` ("" for
    /// all).
    pub fn most_at_once(&self, target: &str) -> usize {
        let held = self.seen.held.lock().unwrap();
        held.get(target).map_or(0, |(_, most)| *most)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> tokio_rustls::TlsAcceptor {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn http<R: Into<Reply>>(
    handler: impl Fn(&Request) -> R + Send + Sync + 'static,
    tls: Option<tokio_rustls::TlsAcceptor>,
    record: bool,
) -> TestServer {
    let handler: Handler = Arc::new(move |request| handler(request).into());
    let seen = Arc::new(Seen {
        record,
        ..Seen::default()
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    let shared = seen.clone();
    listen(scheme, seen, move |stream| {
        let (handler, seen, tls) = (handler.clone(), shared.clone(), tls.clone());
        Box::pin(async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        exchange(stream, &handler, &seen).await;
                    }
                }
                None => exchange(stream, &handler, &seen).await,
            }
        })
    })
    .await
}

/// The accept loop: every connection runs as a task of the loop's own set, so that
/// stopping the loop stops them too.
async fn listen(
    scheme: &'static str,
    seen: Arc<Seen>,
    connection: impl Fn(TcpStream) -> Connection + Send + 'static,
) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counted = seen.clone();
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { return };
                    counted.connections.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream));
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    TestServer {
        addr,
        scheme,
        seen,
        task,
    }
}

/// A connection the server answers on, plain or TLS.
trait Transport: AsyncRead + AsyncWrite + Unpin + Send {
    fn tcp(&self) -> &TcpStream;
}

impl Transport for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Transport for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// Reads requests and writes the handler's answers until the client closes the
/// connection or asks to.
async fn exchange(mut stream: impl Transport, handler: &Handler, seen: &Seen) {
    let mut buffer = Vec::with_capacity(8192);
    loop {
        let Some(mut request) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        request.number = seen.requests.fetch_add(1, Ordering::SeqCst);
        seen.change_held(&request.target, |(now, most)| {
            *now += 1;
            *most = (*most).max(*now);
        });
        let reply = handler(&request);
        let close = request
            .header("connection")
            .is_some_and(|value| value.eq_ignore_ascii_case("close"));
        let target = request.target.clone();
        if seen.record {
            seen.received.lock().unwrap().push(request);
        }
        match reply {
            Reply::Answer(response) => {
                if !response.delay.is_zero() {
                    tokio::time::sleep(response.delay).await;
                }
                // No longer held once the answer goes: the client may send its next
                // request the moment it has it, before this task runs again.
                seen.change_held(&target, |(now, _)| *now -= 1);
                if stream.write_all(&response.to_bytes()).await.is_err() {
                    return;
                }
                if close {
                    let _ = stream.shutdown().await;
                    return;
                }
            }
            Reply::Stall => std::future::pending().await,
            Reply::HeadThenStall => {
                let head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart";
                let _ = stream.write_all(head.as_bytes()).await;
                std::future::pending().await
            }
            Reply::Reset => {
                let _ = stream.tcp().set_zero_linger();
                return;
            }
        }
    }
}

/// The next request on the connection; what `buffer` holds beyond it stays there for
/// the one after (a client may send the next before it has the answer).
async fn read_request(stream: &mut impl Transport, buffer: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some((request, length)) = parse(buffer) {
            buffer.drain(..length);
            return Some(request);
        }
        buffer.reserve(8192);
        if stream.read_buf(buffer).await.ok()? == 0 {
            return None;
        }
    }
}
