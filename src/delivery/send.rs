//! Sending a request with the reqwest client: ordinary deliveries (the worker) and
//! VERIFY through a proxy. The answer is read whole, its first bytes kept (4 KiB for
//! VERIFY, 8 KiB for the attempt log), and a failure is classified as VERIFY
//! classifies it, secrets redacted.

use std::time::Instant;

use super::answer::{AnswerReader, BODY_PREVIEW_BYTES, SendFailure, error_chain, millis};
use super::diagnosis::{
    certificate_failure, certificate_refusal, find_io_error, find_tls_error, io_failure,
};
use super::report::{Failure, HttpStage, Stage};
use super::request::DeliveryRequest;
use crate::http::{HttpClient, find_refusal};

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
    let sent = Instant::now();
    let result = request.to_reqwest(&client.client).send().await;
    let first_byte_ms = millis(sent);
    let mut response = match result {
        Ok(response) => response,
        Err(error) => return Err(classify(client, request, &error)),
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

fn classify(client: &HttpClient, request: &DeliveryRequest, error: &reqwest::Error) -> SendFailure {
    // reqwest's own message only says `error sending request for url (…)`: the log's
    // request line has the URL, so the summary starts at what went wrong.
    let detail = match std::error::Error::source(error) {
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
    if error.is_timeout() {
        let stage = if error.is_connect() {
            connect_stage
        } else {
            Stage::Http
        };
        return failed(Failure::Timeout, stage, detail);
    }
    if error.is_connect() {
        if proxied {
            return failed(
                Failure::ProxyFailed,
                Stage::Proxy,
                format!("through the proxy: {detail}"),
            );
        }
        if detail.contains("dns error") || detail.contains("failed to lookup address") {
            return failed(Failure::Dns, Stage::Resolve, detail);
        }
        let failure = match find_io_error(error).map(io_failure) {
            Some(Failure::Other) | None => Failure::Other,
            Some(failure) => failure,
        };
        return failed(failure, Stage::Connect, detail);
    }
    let failure = match find_io_error(error).map(io_failure) {
        Some(Failure::Other) | None => Failure::Other,
        Some(failure) => failure,
    };
    failed(failure, Stage::Http, detail)
}
