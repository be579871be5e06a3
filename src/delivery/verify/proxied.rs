//! VERIFY through a proxy: reqwest (same trust, same timeouts) makes the connection, so
//! resolve and connect are the proxy's; the report names the proxy, the certificate the
//! server presented through it, and the answer.

use std::time::Instant;

use url::Url;

use super::Run;
use super::exchange::{BodyPreview, error_chain, http_stage, millis};
use super::network::peer_certificate;
use crate::delivery::diagnosis::{
    certificate_failure, certificate_refusal, find_io_error, io_failure,
};
use crate::delivery::report::{Failure, Outcome, Stage, TlsStage};
use crate::delivery::request::DeliveryRequest;
use crate::http::{build_client, display_proxy};
use crate::model::Integration;

pub(super) async fn through_proxy(
    run: &mut Run<'_>,
    integration: &Integration,
    request: &DeliveryRequest,
    proxy: &Url,
) -> Outcome {
    run.report.proxy = Some(display_proxy(proxy));
    tracing::info!(proxy = %display_proxy(proxy), "verify: through a proxy");
    let client = match build_client(integration, run.options) {
        Ok(client) => client,
        Err(error) => return run.fail(Failure::InvalidRequest, Stage::Request, error.to_string()),
    };
    let sent = Instant::now();
    let result = request.to_reqwest(&client.client).send().await;
    let first_byte_ms = millis(sent);
    let observed = client.trust.observation();
    if let Some(presented) = &observed.presented {
        run.report.tls = Some(TlsStage {
            server_name: request.url.host_str().unwrap_or_default().to_string(),
            protocol: None,
            elapsed_ms: 0,
            certificate: peer_certificate(presented),
            trusted_by: observed.trusted_by,
        });
    }
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            let detail = request.redact(&error_chain(&error));
            if let Some(rejected) = &observed.rejected {
                return run.fail(
                    certificate_failure(rejected),
                    Stage::Tls,
                    certificate_refusal(rejected),
                );
            }
            let (failure, stage) = if error.is_timeout() {
                (
                    Failure::Timeout,
                    if error.is_connect() {
                        Stage::Proxy
                    } else {
                        Stage::Http
                    },
                )
            } else if error.is_connect() {
                (Failure::ProxyFailed, Stage::Proxy)
            } else {
                match find_io_error(&error).map(io_failure) {
                    Some(Failure::Other) | None => (Failure::Other, Stage::Http),
                    Some(failure) => (failure, Stage::Http),
                }
            };
            return run.fail(failure, stage, format!("through the proxy: {detail}"));
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let mut preview = BodyPreview::default();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => preview.push(&chunk),
            Ok(None) => break,
            Err(error) => {
                let failure = if error.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::ConnectionReset
                };
                let detail = request.redact(&error_chain(&error));
                return run.fail(
                    failure,
                    Stage::Http,
                    format!("the answer was cut: {detail}"),
                );
            }
        }
    }
    run.report.http = Some(http_stage(
        request,
        status,
        &headers,
        preview,
        first_byte_ms,
        millis(sent),
    ));
    run.answered()
}
