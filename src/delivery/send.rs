//! Sending a request, as the worker does: straight to the receiver on hyper's pooling
//! client, or through a proxy on reqwest's (VERIFY through a proxy too). The answer is
//! read whole, its first bytes kept (4 KiB for VERIFY, 8 KiB for the attempt log),
//! and a failure is classified as VERIFY classifies it, secrets redacted.

use std::error::Error;
use std::time::Instant;

use tokio::time::timeout_at;

use super::answer::{AnswerReader, BODY_PREVIEW_BYTES, SendFailure, error_chain, millis};
use super::diagnosis::{
    causes, certificate_failure, certificate_refusal, find_io_error, find_tls_error,
    head_too_large, io_failure,
};
use super::report::{Failure, HttpStage, Stage};
use super::request::{DeliveryRequest, HttpTarget};
use crate::http::{ConnectError, HttpClient, find_refusal};

/// Sends `request` and reads the answer, whatever its status: a 4xx or 5xx is an
/// answer here ([`Failure::from_status`] classifies it); only a missing or cut answer
/// is an error.
pub async fn send(
    client: &HttpClient,
    request: &DeliveryRequest,
) -> Result<HttpStage, SendFailure> {
    send_keeping(client, request, BODY_PREVIEW_BYTES).await
}

/// [`send`], keeping the first `body_limit` bytes of the answer.
pub async fn send_keeping(
    client: &HttpClient,
    request: &DeliveryRequest,
    body_limit: usize,
) -> Result<HttpStage, SendFailure> {
    if client.proxy.proxy_for(&request.url).is_some() {
        send_through_reqwest(client, request, body_limit).await
    } else {
        send_direct(client, request, body_limit).await
    }
}

async fn send_direct(
    client: &HttpClient,
    request: &DeliveryRequest,
    body_limit: usize,
) -> Result<HttpStage, SendFailure> {
    let sent = Instant::now();
    let deadline = tokio::time::Instant::from_std(sent) + client.request_timeout;
    let outgoing = request
        .to_http(HttpTarget::Absolute)
        .map_err(|error| SendFailure::unwritable(request, &error))?;
    let response = match timeout_at(deadline, client.direct.request(outgoing)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            let connect_error = connect_error(&error);
            let facts = ErrorFacts {
                timeout: matches!(connect_error, Some(ConnectError::Timeout(_))),
                connect: error.is_connect(),
                dns: connect_error.is_some_and(ConnectError::is_resolve),
            };
            return Err(classify(client, request, &error, facts));
        }
        Err(_) => {
            return Err(SendFailure::in_http(
                Failure::Timeout,
                format!(
                    "no answer within the request timeout ({} s)",
                    client.request_timeout.as_secs()
                ),
            ));
        }
    };
    AnswerReader::read_response(request, response, body_limit, sent, deadline, |error| {
        let detail = request.redact(&error_chain(error));
        SendFailure::in_http(
            Failure::ConnectionReset,
            format!("the answer was cut: {detail}"),
        )
    })
    .await
}

/// Why our connector made no connection, when that is why a request failed.
fn connect_error<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a ConnectError> {
    causes(error).find_map(|cause| cause.downcast_ref::<ConnectError>())
}

async fn send_through_reqwest(
    client: &HttpClient,
    request: &DeliveryRequest,
    body_limit: usize,
) -> Result<HttpStage, SendFailure> {
    let sent = Instant::now();
    let result = request.to_reqwest(&client.client).send().await;
    let first_byte_ms = millis(sent);
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            let detail = error_chain(&error);
            let facts = ErrorFacts {
                timeout: error.is_timeout(),
                connect: error.is_connect(),
                dns: detail.contains("dns error") || detail.contains("failed to lookup address"),
            };
            return Err(classify(client, request, &error, facts));
        }
    };
    let status = response.status();
    // Taken rather than copied: the body is read through `chunk`, which needs no headers.
    let headers = std::mem::take(response.headers_mut());
    let mut answer = AnswerReader::new(request, status, headers, body_limit, sent, first_byte_ms);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => answer.push(&chunk),
            Ok(None) => return Ok(answer.finish()),
            Err(error) => {
                let failure = if error.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::ConnectionReset
                };
                let detail = request.redact(&error_chain(&error));
                let summary = format!("the answer was cut: {detail}");
                return Err(answer.cut(SendFailure::in_http(failure, summary)));
            }
        }
    }
}

/// What the client said of a failed request, beside its chain of causes.
struct ErrorFacts {
    timeout: bool,
    /// It failed before the request was written: no connection.
    connect: bool,
    /// The name could not be resolved.
    dns: bool,
}

fn classify(
    client: &HttpClient,
    request: &DeliveryRequest,
    error: &(dyn Error + 'static),
    facts: ErrorFacts,
) -> SendFailure {
    // The clients' own messages only say `error sending request for url (…)` or
    // `client error (Connect)`: the log's request line has the URL, so the summary
    // starts at what went wrong.
    let detail = match error.source() {
        Some(cause) => error_chain(cause),
        None => error_chain(error),
    };
    let detail = request.redact(&detail);
    let failed = |failure, stage, summary| SendFailure {
        failure,
        stage,
        summary,
        partial: None,
    };
    if let Some(refused) = find_refusal(error) {
        return failed(
            Failure::DestinationRefused,
            Stage::Resolve,
            request.redact(&refused.to_string()),
        );
    }
    if let Some(rejected) = &client.trust.observation().rejected {
        return failed(
            certificate_failure(rejected),
            Stage::Tls,
            certificate_refusal(rejected),
        );
    }
    if let Some(tls) = find_tls_error(error) {
        return failed(Failure::TlsFailed, Stage::Tls, format!("TLS failed: {tls}"));
    }
    let proxied = client.proxy.proxy_for(&request.url).is_some();
    let connect_stage = if proxied {
        Stage::Proxy
    } else {
        Stage::Connect
    };
    if facts.timeout {
        let stage = if facts.connect {
            connect_stage
        } else {
            Stage::Http
        };
        return failed(Failure::Timeout, stage, detail);
    }
    if facts.connect {
        if proxied {
            return failed(
                Failure::ProxyFailed,
                Stage::Proxy,
                format!("through the proxy: {detail}"),
            );
        }
        if facts.dns {
            return failed(Failure::Dns, Stage::Resolve, detail);
        }
        let failure = match find_io_error(error).map(io_failure) {
            Some(Failure::Other) | None => Failure::Other,
            Some(failure) => failure,
        };
        return failed(failure, Stage::Connect, detail);
    }
    let failure = match find_io_error(error).map(io_failure) {
        Some(Failure::Other) | None => exchange_failure(error),
        Some(failure) => failure,
    };
    failed(failure, Stage::Http, detail)
}

/// What hyper says of an exchange that failed without an I/O error: the connection
/// closed before the whole answer, or an answer that is not HTTP/1.1. An answer whose
/// head is too large is HTTP all the same: not NotHttp, whose advice (use https://)
/// would mislead; hyper's words say what it is.
fn exchange_failure(error: &(dyn Error + 'static)) -> Failure {
    let hyper = causes(error).find_map(|cause| cause.downcast_ref::<hyper::Error>());
    match hyper {
        Some(error) if error.is_incomplete_message() => Failure::ConnectionReset,
        Some(error) if head_too_large(error) => Failure::Other,
        Some(error) if error.is_parse() => Failure::NotHttp,
        _ => Failure::Other,
    }
}
