//! VERIFY through a proxy: reqwest (same trust, same timeouts; [`send`]) makes the
//! connection, so resolve and connect are the proxy's; the report names the proxy, the
//! certificate the server presented through it, and the answer.

use url::Url;

use super::Run;
use super::network::peer_certificate;
use crate::delivery::report::{Failure, Outcome, Stage, TlsStage};
use crate::delivery::request::DeliveryRequest;
use crate::delivery::send::send;
use crate::http::{HttpError, build_client, display_proxy};
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
        Err(HttpError::DestinationRefused(refused)) => {
            return run.fail(
                Failure::DestinationRefused,
                Stage::Request,
                refused.to_string(),
            );
        }
        Err(error) => return run.fail(Failure::InvalidRequest, Stage::Request, error.to_string()),
    };
    let result = send(&client, request).await;
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
    match result {
        Ok(http) => {
            run.report.http = Some(http);
            run.answered()
        }
        Err(failure) => {
            run.report.http = failure.partial;
            run.fail(failure.failure, failure.stage, failure.summary)
        }
    }
}
