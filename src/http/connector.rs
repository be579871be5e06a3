//! How a delivery's connection is made when no proxy is in the way: the name resolved
//! through the destination guard, TCP with the connect timeout, TLS with the
//! integration's trust. hyper's pooling client (`hyper_util`'s) calls it for each new
//! connection and keeps the connections alive between deliveries.
//!
//! The worker sends through this directly rather than through reqwest: per delivery,
//! reqwest's layers (its URL parsing twice, redirect and timeout services, the boxed
//! futures around them) cost half as much CPU again as hyper's client alone
//! (BENCHMARKS.md, issue 20). reqwest still carries requests through a proxy, VERIFY's
//! proxied path and the OAuth token requests.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use reqwest::dns::{Name, Resolve};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::resolve::GuardedResolver;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why no connection was made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the URL `{0}` names no host")]
    NoHost(String),
    #[error("dns error: {0}")]
    Resolve(#[source] BoxError),
    #[error("`{0}` resolves to no address")]
    NoAddress(String),
    #[error("no TCP connection within {0:?}")]
    Timeout(Duration),
    #[error("tcp connect error: {0}")]
    Tcp(#[source] io::Error),
    #[error("`{0}` cannot be a TLS server name")]
    ServerName(String),
    #[error("TLS handshake failed: {0}")]
    Tls(#[source] io::Error),
}

impl ConnectError {
    /// The failure is the name's: it could not be resolved (or refused).
    pub fn is_resolve(&self) -> bool {
        matches!(self, ConnectError::Resolve(_) | ConnectError::NoAddress(_))
    }
}

/// Makes connections for one integration's pooling client.
#[derive(Clone)]
pub struct GuardedConnector {
    resolver: Arc<GuardedResolver>,
    tls: TlsConnector,
    connect_timeout: Duration,
}

impl GuardedConnector {
    pub fn new(
        resolver: GuardedResolver,
        tls: ClientConfig,
        connect_timeout: Duration,
    ) -> GuardedConnector {
        GuardedConnector {
            resolver: Arc::new(resolver),
            tls: TlsConnector::from(Arc::new(tls)),
            connect_timeout,
        }
    }

    async fn connect(self, uri: Uri) -> Result<Stream, ConnectError> {
        let host = uri
            .host()
            .ok_or_else(|| ConnectError::NoHost(uri.to_string()))?;
        // An IPv6 literal keeps its brackets in the URI.
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let tls = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let addresses = match bare.parse::<IpAddr>() {
            // A literal is not resolved; the client checked it when it was built.
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => self.resolve(bare, port).await?,
        };
        let tcp = self.tcp(&addresses).await?;
        if !tls {
            return Ok(Stream(TokioIo::new(Inner::Plain(tcp))));
        }
        let name = ServerName::try_from(bare.to_string())
            .map_err(|_| ConnectError::ServerName(bare.to_string()))?;
        let stream = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(ConnectError::Tls)?;
        Ok(Stream(TokioIo::new(Inner::Tls(Box::new(stream)))))
    }

    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ConnectError> {
        let name = Name::from_str(host).map_err(|error| ConnectError::Resolve(error.into()))?;
        let found = self
            .resolver
            .resolve(name)
            .await
            .map_err(ConnectError::Resolve)?;
        let addresses: Vec<SocketAddr> = found
            .map(|address| SocketAddr::new(address.ip(), port))
            .collect();
        if addresses.is_empty() {
            return Err(ConnectError::NoAddress(host.to_string()));
        }
        Ok(addresses)
    }

    /// The first address that accepts. The connect timeout is shared among a name's
    /// addresses, as reqwest shared it: every one is tried before the request's own
    /// timeout runs out.
    async fn tcp(&self, addresses: &[SocketAddr]) -> Result<TcpStream, ConnectError> {
        let mut last = ConnectError::Timeout(self.connect_timeout);
        let count = u32::try_from(addresses.len()).unwrap_or(u32::MAX).max(1);
        let each = self.connect_timeout / count;
        for address in addresses {
            match tokio::time::timeout(each, TcpStream::connect(address)).await {
                Ok(Ok(stream)) => {
                    // Requests go out whole at once; Nagle would hold back a body
                    // written after its head.
                    stream.set_nodelay(true).map_err(ConnectError::Tcp)?;
                    return Ok(stream);
                }
                Ok(Err(error)) => last = ConnectError::Tcp(error),
                Err(_) => last = ConnectError::Timeout(each),
            }
        }
        Err(last)
    }
}

impl tower_service::Service<Uri> for GuardedConnector {
    type Response = Stream;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

/// A connection, plain or TLS, as hyper reads and writes it.
pub struct Stream(TokioIo<Inner>);

enum Inner {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        hyper::rt::Write::is_write_vectored(&self.0)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncRead for Inner {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Inner::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Inner {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Inner::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Inner::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Inner::Plain(stream) => stream.is_write_vectored(),
            Inner::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Inner::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Inner::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
