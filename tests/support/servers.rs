//! Loopback receivers: plain HTTP and HTTPS servers that record what they received
//! and answer as told.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server received, as on the wire.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub raw_head: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

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

pub fn answer(status: u16) -> Behaviour {
    Behaviour::Answer(status, Vec::new(), format!("status {status}"))
}

pub struct TestServer {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// A server whose task is written elsewhere; it records nothing.
    pub fn from_parts(addr: SocketAddr, task: JoinHandle<()>) -> TestServer {
        TestServer {
            addr,
            received: Arc::default(),
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port nothing listens on: bound, then released.
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

pub async fn http_server(behaviour: Behaviour) -> TestServer {
    serve(behaviour, None).await
}

pub async fn https_server(
    behaviour: Behaviour,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> TestServer {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    serve(
        behaviour,
        Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
    )
    .await
}

async fn serve(behaviour: Behaviour, tls: Option<tokio_rustls::TlsAcceptor>) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let record = received.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (behaviour, tls, record) = (behaviour.clone(), tls.clone(), record.clone());
            tokio::spawn(async move {
                if matches!(behaviour, Behaviour::Silent) {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    drop(stream);
                    return;
                }
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            handle(stream, &behaviour, &record).await;
                        }
                    }
                    None => handle(stream, &behaviour, &record).await,
                }
            });
        }
    });
    TestServer {
        addr,
        received,
        task,
    }
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    behaviour: &Behaviour,
    record: &Arc<Mutex<Vec<Received>>>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let raw_head = request.raw_head.clone();
    record.lock().unwrap().push(request);
    let (status, headers, body) = match behaviour {
        Behaviour::Answer(status, headers, body) => (*status, headers.clone(), body.clone()),
        Behaviour::Echo => (200, Vec::new(), raw_head),
        Behaviour::HeadThenStall => {
            let head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart";
            let _ = stream.write_all(head.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        Behaviour::Stall | Behaviour::Silent => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
    };
    let mut response = format!("HTTP/1.1 {status} Whatever\r\n");
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A plain HTTP server that reads the request and resets the connection.
pub async fn resetting_server() -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let record = received.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            if let Some(request) = read_request(&mut stream).await {
                record.lock().unwrap().push(request);
            }
            stream.set_zero_linger().unwrap();
            drop(stream);
        }
    });
    TestServer {
        addr,
        received,
        task,
    }
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let raw_head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = raw_head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some(Received {
        method,
        target,
        headers,
        body,
        raw_head,
    })
}

/// A plain HTTP server that answers 400 to the first bytes it gets, whatever they are,
/// as web servers do when spoken TLS to.
pub async fn blunt_http_server() -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut first = [0u8; 1024];
            let _ = stream.read(&mut first).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            let _ = stream.shutdown().await;
        }
    });
    TestServer::from_parts(addr, task)
}

/// A forward proxy that pipes every connection to `target`, answering a CONNECT first.
pub async fn relay(target: std::net::SocketAddr) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
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
            });
        }
    });
    TestServer::from_parts(addr, task)
}
