//! The callback listener: a small HTTP(S) server that runs only while an authorize
//! flow waits. It answers the provider's redirect to the callback path, serves the
//! one-time start link (a short URL for the QR code that redirects to the full
//! authorize URL), and nothing else. Requests are small and slow ones are cut off;
//! out of descriptors, it pauses between accepts rather than spin ([`crate::accept`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::authorize::CallbackParams;
use super::check::{CHECK_HEADER, is_check_state};
use super::flow::CallbackReply;
use super::start_link::{StartLink, StartVisit};
use crate::accept::AcceptBackoff;

const MAX_REQUEST_BYTES: usize = 8 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a callback waits for the flow's verdict before answering anyway.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// A callback the listener received, with the channel its page is answered on.
#[derive(Debug)]
pub struct ReceivedCallback {
    pub params: CallbackParams,
    pub reply: oneshot::Sender<CallbackReply>,
    /// Ends once the page is written (or could not be): a command that ends with the
    /// flow waits for it, or its runtime would drop the page unwritten.
    pub written: oneshot::Receiver<()>,
}

pub struct ListenerConfig {
    pub bind: SocketAddr,
    /// HTTPS when set; plain HTTP (loopback setups and tests) when not.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The callback URL's path, e.g. `/portal/oauth`.
    pub callback_path: String,
    /// The one-time start link and where it redirects.
    pub start: StartLink,
}

pub struct CallbackListener {
    local_addr: SocketAddr,
    task: JoinHandle<()>,
}

impl CallbackListener {
    /// Binds and starts serving. The error says why (port in use, not permitted) so
    /// the screen can offer the paste flow instead.
    pub async fn start(
        config: ListenerConfig,
        callbacks: mpsc::Sender<ReceivedCallback>,
    ) -> Result<CallbackListener, ListenerError> {
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|error| ListenerError::of_bind(config.bind, error))?;
        let local_addr = listener.local_addr().map_err(ListenerError::Address)?;
        let config = Arc::new(config);
        let task = tokio::spawn(async move {
            let mut failures = AcceptBackoff::new("the callback listener");
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tokio::time::sleep(failures.pause_after(&error)).await;
                        continue;
                    }
                };
                failures.accepted();
                let (config, callbacks) = (config.clone(), callbacks.clone());
                tokio::spawn(async move {
                    let served = match &config.tls {
                        Some(tls) => {
                            let acceptor = tokio_rustls::TlsAcceptor::from(tls.clone());
                            match tokio::time::timeout(REQUEST_TIMEOUT, acceptor.accept(stream))
                                .await
                            {
                                Ok(Ok(stream)) => serve(stream, &config, &callbacks).await,
                                // A phone's browser that does not trust the certificate
                                // yet closes the handshake; it will come back.
                                _ => return,
                            }
                        }
                        None => serve(stream, &config, &callbacks).await,
                    };
                    if let Err(error) = served {
                        tracing::debug!(%peer, %error, "callback listener connection ended");
                    }
                });
            }
        });
        tracing::info!(%local_addr, "callback listener started");
        Ok(CallbackListener { local_addr, task })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for CallbackListener {
    fn drop(&mut self) {
        self.task.abort();
        tracing::info!(local_addr = %self.local_addr, "callback listener stopped");
    }
}

/// Why the callback listener did not start, in words that lead to the paste flow.
#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    #[error("port {} is already in use (the portal's web server?)", .0.port())]
    PortInUse(SocketAddr),
    #[error("binding port {} is not permitted for this user", .0.port())]
    NotPermitted(SocketAddr),
    #[error("cannot listen on {bind}: {error}")]
    Bind {
        bind: SocketAddr,
        error: std::io::Error,
    },
    /// The bound socket has no address to show.
    #[error(transparent)]
    Address(std::io::Error),
}

impl ListenerError {
    fn of_bind(bind: SocketAddr, error: std::io::Error) -> ListenerError {
        match error.kind() {
            std::io::ErrorKind::AddrInUse => ListenerError::PortInUse(bind),
            std::io::ErrorKind::PermissionDenied => ListenerError::NotPermitted(bind),
            _ => ListenerError::Bind { bind, error },
        }
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    config: &ListenerConfig,
    callbacks: &mpsc::Sender<ReceivedCallback>,
) -> std::io::Result<()> {
    let request = match tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(Some(head))) => head,
        Ok(Ok(None)) => return respond(&mut stream, 431, "Request too large", "").await,
        Ok(Err(error)) => return Err(error),
        Err(_) => return respond(&mut stream, 408, "Request timeout", "").await,
    };
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Request::new(&mut headers);
    let target = match parsed.parse(&request) {
        Ok(httparse::Status::Complete(_)) if matches!(parsed.method, Some("GET" | "HEAD")) => {
            parsed.path.unwrap_or("/").to_string()
        }
        Ok(httparse::Status::Complete(_)) => {
            return respond(&mut stream, 405, "Method not allowed", "").await;
        }
        _ => return respond(&mut stream, 400, "Bad request", "").await,
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let callback_path = config.callback_path.trim_end_matches('/');
    if config.start.is_path(callback_path, path) {
        // A HEAD (a link preview) does not use the link up.
        let consumes = parsed.method == Some("GET");
        return match config.start.visit(consumes) {
            StartVisit::Redirect(authorize_url) => redirect(&mut stream, authorize_url).await,
            StartVisit::Used { how_to_restart } => {
                page(
                    &mut stream,
                    410,
                    "This link has already been used",
                    &how_to_restart,
                )
                .await
            }
        };
    }
    if !path
        .trim_end_matches('/')
        .eq_ignore_ascii_case(callback_path)
    {
        return respond(&mut stream, 404, "Not found", "").await;
    }
    // A check of the callback path is answered here: no waiting flow ever sees it.
    if let Some(state) = check_state(query) {
        tracing::info!("callback listener: answered a check of the callback path");
        return check_page(&mut stream, &state).await;
    }
    let params = match CallbackParams::from_query(query) {
        Ok(params) => params,
        Err(error) => {
            return page(
                &mut stream,
                400,
                "Not an authorization redirect",
                &error.to_string(),
            )
            .await;
        }
    };
    let (reply, verdict) = oneshot::channel();
    // Dropped when this connection is done with, written or not.
    let (_written, written) = oneshot::channel();
    if callbacks
        .send(ReceivedCallback {
            params,
            reply,
            written,
        })
        .await
        .is_err()
    {
        return page(
            &mut stream,
            410,
            "No authorization is waiting",
            "Start it again from the console.",
        )
        .await;
    }
    match tokio::time::timeout(REPLY_TIMEOUT, verdict).await {
        Ok(Ok(CallbackReply::Authorized)) => {
            page(
                &mut stream,
                200,
                "Authorized",
                "The appliance has its token. You can close this page and return to the \
                 appliance console.",
            )
            .await
        }
        Ok(Ok(CallbackReply::Unfinished(why))) => {
            page(
                &mut stream,
                200,
                "The authorization did not complete",
                &format!(
                    "The code arrived, but {why}. The appliance console says what happened \
                     and how to try again."
                ),
            )
            .await
        }
        Ok(Ok(CallbackReply::Accepted)) | Err(_) => {
            // The token request is still running (a slow provider).
            page(
                &mut stream,
                200,
                "Authorization received",
                "The appliance is getting its token: the appliance console shows whether \
                 it succeeds.",
            )
            .await
        }
        Ok(Ok(CallbackReply::Denied { error, description })) => {
            let detail = description
                .map(|d| format!("{error}: {d}"))
                .unwrap_or(error);
            page(
                &mut stream,
                200,
                "Access was not granted",
                &format!("The provider said: {detail}. Return to the console to try again."),
            )
            .await
        }
        Ok(Ok(CallbackReply::Refused(reason))) => {
            page(
                &mut stream,
                400,
                "This link is not for the authorization in progress",
                &reason,
            )
            .await
        }
        _ => {
            page(
                &mut stream,
                503,
                "The console did not answer",
                "Return to the console.",
            )
            .await
        }
    }
}

/// Reads up to the end of the request head; `None` when it is larger than allowed.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<Option<Vec<u8>>> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(Some(buffer));
        }
        buffer.extend_from_slice(&chunk[..read]);
        if buffer.windows(4).any(|window| window == b"\r\n\r\n") {
            return Ok(Some(buffer));
        }
        if buffer.len() > MAX_REQUEST_BYTES {
            return Ok(None);
        }
    }
}

async fn redirect<S: AsyncWrite + Unpin>(stream: &mut S, location: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await?;
    stream.shutdown().await
}

async fn page<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    title: &str,
    text: &str,
) -> std::io::Result<()> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:2em\"><h1>{title}</h1><p>{}</p><p>hookconsole</p></body></html>",
        escape_html(text),
        title = escape_html(title),
    );
    respond(stream, status, title, &body).await
}

/// The `state` of a check of the callback path, when the query carries one.
fn check_state(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned())
        .filter(|state| is_check_state(state))
}

/// The answer to a check: its state back in [`CHECK_HEADER`], so the check knows a
/// hookconsole listener answered (and not a reverse proxy's own page).
async fn check_page<S: AsyncWrite + Unpin>(stream: &mut S, state: &str) -> std::io::Result<()> {
    let title = "The callback path works";
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:2em\"><h1>{title}</h1><p>hookconsole</p></body></html>"
    );
    // The state is ours and printable (prefix and base32); nothing else is echoed.
    let state: String = state
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    respond_with(stream, 200, "OK", &[(CHECK_HEADER, &state)], &body).await
}

async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    reason: &str,
    body: &str,
) -> std::io::Result<()> {
    respond_with(stream, status, reason, &[], body).await
}

async fn respond_with<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    reason: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> std::io::Result<()> {
    let extra: String = extra
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
