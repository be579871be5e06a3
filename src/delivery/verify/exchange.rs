//! One HTTP/1.1 request and its answer over a stream we connected ourselves, timed: the
//! first byte of the answer, then the last.

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, timeout_at};

use crate::delivery::diagnosis::{find_io_error, io_failure};
use crate::delivery::report::{Failure, HttpStage};
use crate::delivery::request::{DeliveryRequest, ShownHeader};
use crate::model::MASK;

/// How much of an answer's body the report keeps.
pub const BODY_PREVIEW_BYTES: usize = 4096;

/// An exchange that went wrong, already classified.
#[derive(Debug)]
pub struct ExchangeError {
    pub failure: Failure,
    pub summary: String,
    /// The answer so far, when its head had arrived.
    pub partial: Option<HttpStage>,
}

/// Sends `request` on `io` and reads the whole answer, all before `deadline`.
pub async fn exchange<S>(
    io: S,
    request: &DeliveryRequest,
    deadline: Instant,
) -> Result<HttpStage, ExchangeError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let sent = std::time::Instant::now();
    let head = match timeout_at(deadline, send(io, request)).await {
        Ok(head) => head?,
        Err(_) => {
            return Err(ExchangeError {
                failure: Failure::Timeout,
                summary: "no answer within the request timeout".into(),
                partial: None,
            });
        }
    };
    let (response, driver) = head;
    let first_byte_ms = millis(sent);
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = response.into_body();
    let mut preview = BodyPreview::default();
    loop {
        let cut = match timeout_at(deadline, body.frame()).await {
            Ok(None) => break,
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    preview.push(&data);
                }
                continue;
            }
            Ok(Some(Err(error))) => classify(request, &error),
            Err(_) => ExchangeError {
                failure: Failure::Timeout,
                summary: format!(
                    "the answer's head ({status}) arrived, its body did not finish within the request timeout"
                ),
                partial: None,
            },
        };
        let partial = http_stage(
            request,
            status,
            &headers,
            preview,
            first_byte_ms,
            millis(sent),
        );
        return Err(ExchangeError {
            partial: Some(partial),
            ..cut
        });
    }
    drop(driver);
    Ok(http_stage(
        request,
        status,
        &headers,
        preview,
        first_byte_ms,
        millis(sent),
    ))
}

type Head = (http::Response<Incoming>, AbortOnDrop<()>);

/// Writes the request and waits for the answer's head.
async fn send<S>(io: S, request: &DeliveryRequest) -> Result<Head, ExchangeError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Title case on the wire (`Content-Type`, `X-Api-Key`), as most clients send them.
    let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
        .title_case_headers(true)
        .handshake(TokioIo::new(io))
        .await
        .map_err(|error| classify(request, &error))?;
    let driver = AbortOnDrop(tokio::spawn(async move {
        // Its errors reach `send_request` and the body; nothing to add here.
        let _ = connection.await;
    }));
    let target = &request.url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut builder = http::Request::builder()
        .method(request.http_method())
        .uri(target)
        .header(http::header::HOST, request.host_header());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let outgoing = builder
        .body(Full::new(request.body.clone()))
        .map_err(|error| ExchangeError {
            failure: Failure::InvalidRequest,
            summary: request.redact(&format!("the request cannot be written: {error}")),
            partial: None,
        })?;
    let response = sender
        .send_request(outgoing)
        .await
        .map_err(|error| classify(request, &error))?;
    Ok((response, driver))
}

/// The first bytes of a body ([`BODY_PREVIEW_BYTES`] unless told otherwise), and how
/// long it was.
#[derive(Debug)]
pub struct BodyPreview {
    kept: Vec<u8>,
    total: u64,
    limit: usize,
}

impl Default for BodyPreview {
    fn default() -> Self {
        BodyPreview::keeping(BODY_PREVIEW_BYTES)
    }
}

impl BodyPreview {
    /// Keeps the first `limit` bytes.
    pub fn keeping(limit: usize) -> Self {
        BodyPreview {
            kept: Vec::new(),
            total: 0,
            limit,
        }
    }

    pub fn push(&mut self, data: &Bytes) {
        self.total += data.len() as u64;
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&data[..room.min(data.len())]);
    }
}

/// The HTTP stage of the report, redacted.
pub fn http_stage(
    request: &DeliveryRequest,
    status: http::StatusCode,
    headers: &HeaderMap,
    preview: BodyPreview,
    first_byte_ms: u64,
    total_ms: u64,
) -> HttpStage {
    HttpStage {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        first_byte_ms,
        total_ms,
        headers: headers
            .iter()
            .map(|(name, value)| {
                let sensitive = name == http::header::SET_COOKIE
                    || crate::model::is_sensitive_header(name.as_str());
                ShownHeader {
                    name: name.as_str().to_string(),
                    value: if sensitive {
                        MASK.to_string()
                    } else {
                        request.redact(&String::from_utf8_lossy(value.as_bytes()))
                    },
                }
            })
            .collect(),
        body_preview: request.redact(&String::from_utf8_lossy(&preview.kept)),
        body_truncated: preview.total > preview.kept.len() as u64,
        body_bytes: preview.total,
    }
}

fn classify(request: &DeliveryRequest, error: &hyper::Error) -> ExchangeError {
    let detail = request.redact(&error_chain(error));
    if let Some(io) = find_io_error(error) {
        let failure = io_failure(io);
        if failure != Failure::Other {
            return ExchangeError {
                failure,
                summary: format!("the connection failed during the HTTP exchange: {detail}"),
                partial: None,
            };
        }
    }
    if error.is_incomplete_message() {
        return ExchangeError {
            failure: Failure::ConnectionReset,
            summary: "the server closed the connection without a complete answer".into(),
            partial: None,
        };
    }
    if error.is_parse() {
        return ExchangeError {
            failure: Failure::NotHttp,
            summary: format!("the answer is not HTTP/1.1: {detail}"),
            partial: None,
        };
    }
    ExchangeError {
        failure: Failure::Other,
        summary: format!("the HTTP exchange failed: {detail}"),
        partial: None,
    }
}

/// An error and its sources, `: `-joined.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

pub fn millis(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Stops the connection task when the exchange ends or is cancelled.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
