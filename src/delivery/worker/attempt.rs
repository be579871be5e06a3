//! One delivery of one claimed job: credential, request (with `Webhook-Id`,
//! `Webhook-Timestamp` and, when the integration signs, `Webhook-Signature`), send on
//! the integration's reused client, then what becomes of
//! the job: delivered, retried after the Retry Interval (or Retry-After) with a small
//! jitter, or dead. An OAuth 401 refreshes the token once and retries at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;

use super::clients::ClientCache;
use crate::delivery::{
    ATTEMPT_BODY_BYTES, Credential, Failure, HttpStage, ShownHeader, TokenError, TokenSource,
    WebhookStamp, send_keeping,
};
use crate::http::HttpError;
use crate::model::{Authentication, Integration, Secret};
use crate::store::queue::{AttemptOutcome, AttemptRecord, ClaimedJob, JobState, JobUpdate, now_ms};

/// The longest Retry-After honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

pub struct AttemptContext<'a> {
    pub tokens: &'a dyn TokenSource,
    pub clients: &'a ClientCache,
    pub max_attempts: u32,
}

/// How one send ended.
struct Sent {
    record: AttemptRecord,
    failure: Option<Failure>,
    retry_after: Option<Duration>,
    rejected_token: Option<Secret>,
    /// No token to send with until a person authorizes the integration (again).
    waits_for_authorization: bool,
}

/// Delivers `job` to `integration` (none: it was removed) and says what to record.
pub async fn deliver(
    context: &AttemptContext<'_>,
    integration: Option<&Arc<Integration>>,
    job: &ClaimedJob,
) -> JobUpdate {
    let Some(integration) = integration else {
        let summary = format!("the integration `{}` no longer exists", job.integration);
        let record = early_record(job, context, Failure::InvalidRequest, summary);
        return settle(job, vec![record], None, 0);
    };
    let mut sent = send_once(context, integration, job, job.attempts + 1).await;
    if sent.waits_for_authorization {
        // Nothing was sent: the job waits, unlogged, like a disabled integration's,
        // and the scheduler holds the rest once it reads the token store.
        return JobUpdate::Hold { job_id: job.job_id };
    }
    let mut records = Vec::new();
    let oauth = matches!(integration.authentication, Authentication::OAuth(_));
    let mut refreshed = None;
    if let (Some(Failure::Unauthorized), true, Some(rejected)) =
        (&sent.failure, oauth, sent.rejected_token.clone())
        && job.attempts + 1 < context.max_attempts
    {
        refreshed = Some(context.tokens.after_rejection(integration, &rejected).await);
    }
    if let Some(Err(TokenError::NotAuthorized | TokenError::ReauthorizationNeeded(_))) = refreshed {
        // The receiver refused the token and the provider the refresh: the event
        // waits for a new authorization instead of dying.
        sent.record.outcome = AttemptOutcome::Retry;
        sent.record
            .summary
            .push_str(" (refresh refused: held until authorized again)");
        records.push(sent.record);
        return held(job, records);
    }
    if let Some(Ok(_)) = refreshed {
        // The refreshed token is in the store: the next send resolves it.
        sent.record.outcome = AttemptOutcome::Retry;
        sent.record.next_retry_ms = Some(now_ms());
        sent.record
            .summary
            .push_str(" (token refreshed, sent again at once)");
        records.push(sent.record);
        sent = send_once(context, integration, job, job.attempts + 2).await;
    }
    records.push(sent.record);
    settle(job, records, sent.retry_after, integration.retry_interval)
}

/// Holds the job after `records`: it goes out once the integration is authorized.
fn held(job: &ClaimedJob, records: Vec<AttemptRecord>) -> JobUpdate {
    let attempts = records.last().map_or(job.attempts, |last| last.attempt);
    JobUpdate::Finished {
        job_id: job.job_id,
        attempts,
        state: JobState::Held,
        next_attempt_ms: now_ms(),
        records,
    }
}

/// Settles the job as its last attempt's outcome says, and fills in when that attempt
/// is retried.
fn settle(
    job: &ClaimedJob,
    mut records: Vec<AttemptRecord>,
    retry_after: Option<Duration>,
    retry_interval: u32,
) -> JobUpdate {
    let now = now_ms();
    let last = records.last_mut();
    let attempts = last.as_ref().map_or(job.attempts + 1, |last| last.attempt);
    let outcome = last
        .as_ref()
        .map_or(AttemptOutcome::Dead, |last| last.outcome);
    let (state, next) = match outcome {
        AttemptOutcome::Delivered => (JobState::Delivered, now),
        AttemptOutcome::Retry => {
            let delay = retry_after.unwrap_or_else(|| with_jitter(retry_interval));
            (JobState::Queued, now + delay.as_millis() as i64)
        }
        AttemptOutcome::Dead => (JobState::Dead, now),
    };
    if let Some(last) = last {
        last.next_retry_ms = (state == JobState::Queued).then_some(next);
    }
    JobUpdate::Finished {
        job_id: job.job_id,
        attempts,
        state,
        next_attempt_ms: next,
        records,
    }
}

/// What a send that ended with `failure` (none: delivered) makes of attempt number
/// `attempt`: delivered, retried while attempts are left and the failure is worth
/// another try, or dead.
fn outcome_of(failure: Option<&Failure>, attempt: u32, max_attempts: u32) -> AttemptOutcome {
    match failure {
        None => AttemptOutcome::Delivered,
        Some(failure) if retryable(failure) && attempt < max_attempts => AttemptOutcome::Retry,
        Some(_) => AttemptOutcome::Dead,
    }
}

/// Connection errors, timeouts, 408, 429 and 5xx are worth another try; a request
/// that cannot be built and any other 4xx are not.
pub fn retryable(failure: &Failure) -> bool {
    match failure {
        Failure::InvalidRequest
        | Failure::Unauthorized
        | Failure::Forbidden
        | Failure::NotFound
        | Failure::MethodNotAllowed
        | Failure::PayloadTooLarge => false,
        Failure::ClientError { status } => matches!(status, 408 | 429),
        _ => true,
    }
}

/// The Retry Interval plus up to a tenth of it (at most 5 s) at random, so that the
/// retries of many jobs do not reach a recovering endpoint all at once.
fn with_jitter(retry_interval: u32) -> Duration {
    let base = Duration::from_secs(retry_interval.max(1).into());
    let spread = (base / 10).min(Duration::from_secs(5));
    base + spread.mul_f64(fastrand::f64())
}

async fn send_once(
    context: &AttemptContext<'_>,
    integration: &Arc<Integration>,
    job: &ClaimedJob,
    attempt: u32,
) -> Sent {
    let started = Instant::now();
    let at_ms = now_ms();
    let early = |failure: Failure, summary: String| Sent {
        record: AttemptRecord {
            attempt,
            at_ms,
            outcome: outcome_of(Some(&failure), attempt, context.max_attempts),
            ..early_record(job, context, failure.clone(), summary)
        },
        failure: Some(failure),
        retry_after: None,
        rejected_token: None,
        waits_for_authorization: false,
    };
    let credential = match Credential::resolve(integration, context.tokens).await {
        Ok(credential) => credential,
        Err(error @ (TokenError::NotAuthorized | TokenError::ReauthorizationNeeded(_))) => {
            return Sent {
                waits_for_authorization: true,
                ..early(Failure::NotAuthorized, error.to_string())
            };
        }
        Err(error) => return early(Failure::TokenUnavailable, error.to_string()),
    };
    let target = context.clients.target(integration);
    let base = match &target.base {
        Ok(base) => base,
        Err(error) => return early(Failure::InvalidRequest, error.0.clone()),
    };
    // The event id stays across retries, so receivers can drop duplicates; the
    // timestamp is this attempt's.
    let stamp = WebhookStamp {
        id: &job.event_id,
        timestamp: at_ms / 1000,
    };
    let request = match base.request(&job.payload, &credential, stamp) {
        Ok(request) => request,
        Err(error) => return early(Failure::InvalidRequest, error.0),
    };
    let client = match &target.client {
        Ok(client) => client,
        Err(HttpError::DestinationRefused(refused)) => {
            return early(Failure::DestinationRefused, refused.to_string());
        }
        Err(error) => return early(Failure::InvalidRequest, error.to_string()),
    };
    let result = send_keeping(client, &request, ATTEMPT_BODY_BYTES).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let grant = match &integration.authentication {
        Authentication::OAuth(oauth) => Some(oauth.grant.as_str()),
        _ => None,
    };
    let request_json = to_json(&LoggedRequest {
        body_bytes: request.body.len(),
        grant,
        headers: request.shown_headers(),
        method: request.method.as_str(),
        url: request.shown_url(),
    });
    let (failure, summary, response, status) = match &result {
        Ok(stage) => (
            Failure::from_status(stage.status, header(stage, "location")),
            answer_summary(stage),
            Some(response_json(stage)),
            Some(stage.status),
        ),
        Err(error) => (
            Some(error.failure.clone()),
            error.summary.clone(),
            error.partial.as_ref().map(response_json),
            error.partial.as_ref().map(|stage| stage.status),
        ),
    };
    let retry_after = result
        .as_ref()
        .ok()
        .filter(|stage| matches!(stage.status, 429 | 503))
        .and_then(|stage| header(stage, "retry-after"))
        .and_then(|value| parse_retry_after(&value));
    let rejected_token = match (&credential, status) {
        (Credential::Bearer(token), Some(401)) => Some(token.clone()),
        _ => None,
    };
    Sent {
        record: AttemptRecord {
            job_id: job.job_id,
            event_id: job.event_id.clone(),
            integration: job.integration.clone(),
            event_type: job.event_type.clone(),
            at_ms,
            attempt,
            max_attempts: context.max_attempts,
            outcome: outcome_of(failure.as_ref(), attempt, context.max_attempts),
            error_class: failure.as_ref().map(class_name),
            status,
            duration_ms,
            next_retry_ms: None,
            summary,
            request: request_json,
            response,
        },
        failure,
        retry_after,
        rejected_token,
        waits_for_authorization: false,
    }
}

fn early_record(
    job: &ClaimedJob,
    context: &AttemptContext<'_>,
    failure: Failure,
    summary: String,
) -> AttemptRecord {
    AttemptRecord {
        job_id: job.job_id,
        event_id: job.event_id.clone(),
        integration: job.integration.clone(),
        event_type: job.event_type.clone(),
        at_ms: now_ms(),
        attempt: job.attempts + 1,
        max_attempts: context.max_attempts,
        outcome: outcome_of(Some(&failure), job.attempts + 1, context.max_attempts),
        error_class: Some(class_name(&failure)),
        status: None,
        duration_ms: 0,
        next_retry_ms: None,
        summary,
        request: json!({ "body_bytes": job.payload.len() }).to_string(),
        response: None,
    }
}

/// The request as the log keeps it: what was sent, secrets masked. Fields in the
/// order of their names, as the log has always written them.
#[derive(Serialize)]
struct LoggedRequest<'a> {
    body_bytes: usize,
    /// The OAuth grant the token came by; absent without OAuth.
    #[serde(skip_serializing_if = "Option::is_none")]
    grant: Option<&'static str>,
    headers: Vec<ShownHeader>,
    method: &'a str,
    url: String,
}

/// The answer as the log keeps it (redacted, the head of the body).
#[derive(Serialize)]
struct LoggedResponse<'a> {
    body: &'a str,
    body_bytes: u64,
    body_truncated: bool,
    headers: &'a [ShownHeader],
    reason: &'a str,
    status: u16,
}

/// Written straight to text: building a `serde_json::Value` first cost a map and a
/// string per field on every attempt.
fn to_json(summary: &impl Serialize) -> String {
    serde_json::to_string(summary).unwrap_or_else(|_| "{}".into())
}

fn response_json(stage: &HttpStage) -> String {
    to_json(&LoggedResponse {
        body: &stage.body_preview,
        body_bytes: stage.body_bytes,
        body_truncated: stage.body_truncated,
        headers: &stage.headers,
        reason: &stage.reason,
        status: stage.status,
    })
}

/// Characters of a refusal's body the summary keeps.
const SUMMARY_BODY_CHARS: usize = 160;

/// `400 Bad Request`, and for an answer that is not a success the start of its body,
/// on one line: the receiver's own reason (Jira's `project is required`) then shows
/// in `hookconsole logs` and the text filter finds it. Not an HTML page: a proxy's
/// error page says no more than its status.
fn answer_summary(stage: &HttpStage) -> String {
    let head = format!("{} {}", stage.status, stage.reason)
        .trim_end()
        .to_string();
    let body = stage.body_preview.trim_start();
    let html = body.get(..5).is_some_and(|start| {
        start.eq_ignore_ascii_case("<!doc") || start.eq_ignore_ascii_case("<html")
    });
    if (200..300).contains(&stage.status) || body.is_empty() || html {
        return head;
    }
    let words: Vec<&str> = body.split_whitespace().collect();
    let line = words.join(" ");
    let mut excerpt: String = line.chars().take(SUMMARY_BODY_CHARS).collect();
    if excerpt.len() < line.len() {
        excerpt.push('…');
    }
    format!("{head}: {excerpt}")
}

fn header(stage: &HttpStage, name: &str) -> Option<String> {
    stage
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case(name))
        .map(|header| header.value.clone())
}

/// The failure class as VERIFY names it (`server_error`, `timeout`, …).
pub fn class_name(failure: &Failure) -> String {
    serde_json::to_value(failure)
        .ok()
        .and_then(|value| {
            value
                .get("class")
                .and_then(|c| c.as_str().map(String::from))
        })
        .unwrap_or_else(|| "other".into())
}

/// `Retry-After` as seconds or as an HTTP date, capped at a day.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let delay = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let format = time::format_description::well_known::Rfc2822;
        let at = time::OffsetDateTime::parse(value, &format).ok()?;
        let left = at - time::OffsetDateTime::now_utc();
        Duration::try_from(left).unwrap_or(Duration::ZERO)
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("999999999"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn which_failures_are_retried() {
        assert!(retryable(&Failure::Timeout));
        assert!(retryable(&Failure::ServerError { status: 503 }));
        assert!(retryable(&Failure::ClientError { status: 429 }));
        assert!(retryable(&Failure::ClientError { status: 408 }));
        assert!(!retryable(&Failure::ClientError { status: 422 }));
        assert!(!retryable(&Failure::NotFound));
        assert_eq!(
            class_name(&Failure::ServerError { status: 500 }),
            "server_error"
        );
    }

    #[test]
    fn a_refusal_is_summed_up_with_the_start_of_its_body() {
        let answer = |status: u16, reason: &str, body: &str| HttpStage {
            status,
            reason: reason.into(),
            first_byte_ms: 1,
            total_ms: 1,
            headers: Vec::new(),
            body_preview: body.into(),
            body_bytes: body.len() as u64,
            body_truncated: false,
        };
        let jira = "{\"errorMessages\":[],\n  \"errors\":{\"project\":\"project is required\"}}";
        assert_eq!(
            answer_summary(&answer(400, "Bad Request", jira)),
            "400 Bad Request: {\"errorMessages\":[], \"errors\":{\"project\":\"project is required\"}}"
        );
        assert_eq!(
            answer_summary(&answer(200, "OK", "{\"id\":\"10000\"}")),
            "200 OK"
        );
        assert_eq!(answer_summary(&answer(503, "", "")), "503");
        let page = "<!DOCTYPE html><html><title>502 Bad Gateway</title></html>";
        assert_eq!(
            answer_summary(&answer(502, "Bad Gateway", page)),
            "502 Bad Gateway"
        );
        let long = "é".repeat(500);
        let summary = answer_summary(&answer(422, "Unprocessable Entity", &long));
        assert_eq!(
            summary,
            format!(
                "422 Unprocessable Entity: {}…",
                "é".repeat(SUMMARY_BODY_CHARS)
            )
        );
    }

    #[test]
    fn jitter_is_small() {
        for _ in 0..100 {
            let delay = with_jitter(10);
            assert!(delay >= Duration::from_secs(10) && delay <= Duration::from_secs(11));
        }
    }
}
