//! One HTTP/1.1 request and its answer over a stream we connected ourselves, timed: the
//! first byte of the answer, then the last.

use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, timeout_at};

use crate::delivery::answer::{AnswerReader, BODY_PREVIEW_BYTES, SendFailure, error_chain};
use crate::delivery::diagnosis::{find_io_error, head_too_large, io_failure};
use crate::delivery::report::{Failure, HttpStage};
use crate::delivery::request::{DeliveryRequest, HttpTarget};

/// Sends `request` on `io` and reads the whole answer, all before `deadline`.
pub async fn exchange<S>(
    io: S,
    request: &DeliveryRequest,
    deadline: Instant,
) -> Result<HttpStage, SendFailure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let sent = std::time::Instant::now();
    let head = match timeout_at(deadline, send(io, request)).await {
        Ok(head) => head?,
        Err(_) => {
            return Err(SendFailure::in_http(
                Failure::Timeout,
                "no answer within the request timeout",
            ));
        }
    };
    let (response, driver) = head;
    let result = AnswerReader::read_response(
        request,
        response,
        BODY_PREVIEW_BYTES,
        sent,
        deadline,
        |error| classify(request, error),
    )
    .await;
    drop(driver);
    result
}

type Head = (http::Response<Incoming>, AbortOnDrop<()>);

/// Writes the request and waits for the answer's head.
async fn send<S>(io: S, request: &DeliveryRequest) -> Result<Head, SendFailure>
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
    let outgoing = request
        .to_http(HttpTarget::Origin)
        .map_err(|error| SendFailure::unwritable(request, &error))?;
    let response = sender
        .send_request(outgoing)
        .await
        .map_err(|error| classify(request, &error))?;
    Ok((response, driver))
}

fn classify(request: &DeliveryRequest, error: &hyper::Error) -> SendFailure {
    let detail = request.redact(&error_chain(error));
    if let Some(io) = find_io_error(error) {
        let failure = io_failure(io);
        if failure != Failure::Other {
            return SendFailure::in_http(
                failure,
                format!("the connection failed during the HTTP exchange: {detail}"),
            );
        }
    }
    if error.is_incomplete_message() {
        return SendFailure::in_http(
            Failure::ConnectionReset,
            "the server closed the connection without a complete answer",
        );
    }
    if head_too_large(error) {
        return SendFailure::in_http(
            Failure::Other,
            format!("the answer's head (status line and headers) is too large to read: {detail}"),
        );
    }
    if error.is_parse() {
        return SendFailure::in_http(
            Failure::NotHttp,
            format!("the answer is not HTTP/1.1: {detail}"),
        );
    }
    SendFailure::in_http(
        Failure::Other,
        format!("the HTTP exchange failed: {detail}"),
    )
}

/// Stops the connection task when the exchange ends or is cancelled.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
