//! VERIFY: send an integration's content sample, rendered as a template with the
//! sample event (`crate::template::sample_event`), and record each stage — resolve,
//! connect, TLS, HTTP — doing each step ourselves so that each can be timed and
//! explained. Through a proxy the steps are reqwest's, and the report says so.

mod exchange;
mod network;
mod proxied;
mod token;

use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::answer::millis;
use super::diagnosis::{not_delivered, status_failure};
use super::report::{Failure, Outcome, RequestSummary, Stage, VerifyReport};
use super::request::{DeliveryRequest, WebhookStamp, verify_message_id};
use super::tokens::{Credential, TokenError, TokenSource};
use crate::http::HttpOptions;
use crate::model::{Integration, plain_http_credentials};
use crate::template::{self, Appliance, TemplateError};

/// Verifies one integration with its content sample. Never fails: every problem is an
/// outcome in the report. Cancelling `cancel` (Esc) ends it at once with
/// [`Outcome::Cancelled`] and the stages done so far.
pub async fn verify(
    integration: &Integration,
    options: &HttpOptions,
    appliance: &Appliance,
    tokens: &dyn TokenSource,
    cancel: CancellationToken,
) -> VerifyReport {
    verify_with_progress(integration, options, appliance, tokens, cancel, None).await
}

/// [`verify`], also sending each stage as it starts on `progress`, for a screen that
/// shows "connecting…" while it waits. A closed receiver is ignored.
pub async fn verify_with_progress(
    integration: &Integration,
    options: &HttpOptions,
    appliance: &Appliance,
    tokens: &dyn TokenSource,
    cancel: CancellationToken,
    progress: Option<UnboundedSender<Stage>>,
) -> VerifyReport {
    let mut run = Run::new(integration, options, appliance, progress.clone());
    tracing::info!(integration = %integration.name, "verify started");
    let outcome = tokio::select! {
        biased;
        () = cancel.cancelled() => Outcome::Cancelled,
        outcome = run.stages(integration, tokens) => outcome,
    };
    run.report.outcome = outcome;
    // An OAuth receiver that refuses the access token (401) gets one refreshed token
    // and the request once more, as deliveries do; the report is the second attempt's.
    let refused = matches!(
        &run.report.outcome,
        Outcome::NotDelivered {
            failure: Failure::Unauthorized,
            ..
        }
    );
    if refused
        && matches!(
            integration.authentication,
            crate::model::Authentication::OAuth(_)
        )
    {
        let rejected = tokens.bearer_token(integration).await;
        let refreshed = match &rejected {
            Ok(rejected) => tokens.after_rejection(integration, rejected).await.is_ok(),
            Err(_) => false,
        };
        if refreshed && !cancel.is_cancelled() {
            tracing::info!(integration = %integration.name, "verify: 401, token refreshed, sending once more");
            let mut second = Run::new(integration, options, appliance, progress);
            let outcome = tokio::select! {
                biased;
                () = cancel.cancelled() => Outcome::Cancelled,
                outcome = second.stages(integration, tokens) => outcome,
            };
            second.report.outcome = outcome;
            second.report.request.notes.push(
                "the first attempt got 401: the access token was refreshed once and the request sent again"
                    .into(),
            );
            second.started = run.started;
            run = second;
        }
    }
    run.report.elapsed_ms = millis(run.started);
    match &run.report.outcome {
        Outcome::Delivered { status } => {
            tracing::info!(integration = %integration.name, status, "verify delivered");
        }
        Outcome::NotDelivered { failure, stage, .. } => {
            tracing::info!(integration = %integration.name, ?failure, stage = stage.label(), "verify not delivered");
        }
        Outcome::Cancelled => tracing::info!(integration = %integration.name, "verify cancelled"),
    }
    run.report
}

/// One verify in progress: the report so far and the clock.
pub(crate) struct Run<'a> {
    pub report: VerifyReport,
    pub options: &'a HttpOptions,
    /// `appliance.name` in the rendered sample: as the queued events have it.
    appliance: &'a Appliance,
    pub started: Instant,
    pub deadline: tokio::time::Instant,
    progress: Option<UnboundedSender<Stage>>,
}

impl<'a> Run<'a> {
    fn new(
        integration: &Integration,
        options: &'a HttpOptions,
        appliance: &'a Appliance,
        progress: Option<UnboundedSender<Stage>>,
    ) -> Run<'a> {
        let started = Instant::now();
        Run {
            report: VerifyReport {
                integration: integration.name.clone(),
                token: None,
                request: RequestSummary {
                    method: integration.effective_method().to_string(),
                    url: String::new(),
                    headers: Vec::new(),
                    body_bytes: integration.content_sample.len(),
                    notes: Vec::new(),
                },
                proxy: None,
                resolve: None,
                connect: None,
                tls: None,
                http: None,
                outcome: Outcome::Cancelled,
                warnings: plain_http_credentials(integration)
                    .iter()
                    .map(|exposure| exposure.warning().to_string())
                    .collect(),
                elapsed_ms: 0,
            },
            options,
            appliance,
            started,
            deadline: tokio::time::Instant::from_std(started + options.request_timeout),
            progress,
        }
    }

    /// Tells the screen, if one listens, that `stage` begins.
    pub fn begin(&self, stage: Stage) {
        if let Some(progress) = &self.progress {
            let _ = progress.send(stage);
        }
    }

    /// The outcome of a failure at `stage`, with its advice.
    pub fn fail(&self, failure: Failure, stage: Stage, summary: impl Into<String>) -> Outcome {
        let timeouts = (self.options.connect_timeout, self.options.request_timeout);
        not_delivered(&self.report, failure, stage, summary.into(), timeouts)
    }

    /// The outcome of a complete answer: 2xx is delivered, anything else explained.
    pub fn answered(&self) -> Outcome {
        let Some(http) = &self.report.http else {
            return self.fail(Failure::Other, Stage::Http, "no answer");
        };
        if (200..300).contains(&http.status) {
            return Outcome::Delivered {
                status: http.status,
            };
        }
        let location = http
            .headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case("location"))
            .map(|header| header.value.clone());
        let summary = format!("the receiver answered {} {}", http.status, http.reason);
        self.fail(status_failure(http.status, location), Stage::Http, summary)
    }

    async fn stages(&mut self, integration: &Integration, tokens: &dyn TokenSource) -> Outcome {
        self.begin(Stage::Request);
        let body = match render_sample(integration, self.appliance) {
            Ok(body) => body,
            Err(error) => {
                self.report.request.url = crate::model::mask_url(&integration.url);
                let summary = format!("the content sample does not render: {error}");
                return self.fail(Failure::InvalidTemplate, Stage::Request, summary);
            }
        };
        self.report.request.body_bytes = body.len();
        let fetched = token::fetched_token(integration);
        let credential = match fetched {
            Some(oauth) => self.token_stage(integration, oauth, tokens).await,
            None => Credential::resolve(integration, tokens).await,
        };
        if integration.waits_for_site() {
            // Not an invalid URL: the step that sets it has not happened yet.
            let authorized = !matches!(credential, Err(TokenError::NotAuthorized));
            let summary = if authorized {
                "no site chosen yet: the URL comes from the site chosen after authorizing"
            } else {
                "not authorized, and no site chosen: the URL comes from the site chosen after authorizing"
            };
            let failure = Failure::SiteNotChosen { authorized };
            return self.fail(failure, Stage::Request, summary);
        }
        // A message of its own, stamped and signed as a delivery is.
        let id = verify_message_id();
        let stamp = WebhookStamp {
            id: &id,
            timestamp: time::OffsetDateTime::now_utc().unix_timestamp(),
        };
        let shown = DeliveryRequest::build(
            integration,
            &body,
            credential.as_ref().unwrap_or(&Credential::None),
            stamp,
        );
        let request = match shown {
            Ok(request) => request,
            Err(error) => {
                self.report.request.url = crate::model::mask_url(&integration.url);
                return self.fail(Failure::InvalidRequest, Stage::Request, error.0);
            }
        };
        self.report.request = RequestSummary {
            method: request.method.to_string(),
            url: request.shown_url(),
            headers: request.shown_headers(),
            body_bytes: request.body.len(),
            notes: request.notes.clone(),
        };
        match credential {
            Ok(_) => {}
            Err(TokenError::NotAuthorized) => {
                return self.fail(
                    Failure::NotAuthorized,
                    Stage::Request,
                    "not authorized — authorize it first",
                );
            }
            Err(
                error @ (TokenError::Unavailable(_)
                | TokenError::Refused { .. }
                | TokenError::ReauthorizationNeeded(_)),
            ) => {
                let summary = request.redact(&error.to_string());
                // A fetched token fails at its own stage, which says what was asked.
                let stage = if fetched.is_some() {
                    Stage::Token
                } else {
                    Stage::Request
                };
                return self.fail(Failure::TokenUnavailable, stage, summary);
            }
        }
        if let Some(proxy) = self.options.proxy.proxy_for(&request.url) {
            self.begin(Stage::Proxy);
            return proxied::through_proxy(self, integration, &request, &proxy).await;
        }
        self.begin(Stage::Resolve);
        let addresses = match self.resolve(&request).await {
            Ok(addresses) => addresses,
            Err(outcome) => return outcome,
        };
        self.begin(Stage::Connect);
        let stream = match self.connect(&addresses).await {
            Ok(stream) => stream,
            Err(outcome) => return outcome,
        };
        let exchanged = if request.url.scheme() == "https" {
            self.begin(Stage::Tls);
            let tls = match self.handshake(integration, &request, stream).await {
                Ok(tls) => tls,
                Err(outcome) => return outcome,
            };
            self.begin(Stage::Http);
            exchange::exchange(tls, &request, self.deadline).await
        } else {
            self.begin(Stage::Http);
            exchange::exchange(stream, &request, self.deadline).await
        };
        match exchanged {
            Ok(http) => {
                tracing::info!(
                    status = http.status,
                    first_byte_ms = http.first_byte_ms,
                    "verify: answer"
                );
                self.report.http = Some(http);
                self.answered()
            }
            Err(error) => {
                self.report.http = error.partial;
                let summary = match error.failure {
                    Failure::Timeout => format!(
                        "{} ({} s)",
                        error.summary,
                        self.options.request_timeout.as_secs_f32()
                    ),
                    _ => error.summary,
                };
                self.fail(error.failure, error.stage, summary)
            }
        }
    }
}

/// The content sample rendered for the sample event, as VERIFY sends it, with the
/// appliance named as queued events name it ([`Appliance::local`] of the settings).
pub fn render_sample(
    integration: &Integration,
    appliance: &Appliance,
) -> Result<String, TemplateError> {
    let sample = &integration.content_sample;
    template::render_with(
        sample,
        template::sample_event(),
        appliance,
        template::Escaping::detect(sample, integration.declares_json()),
    )
}
