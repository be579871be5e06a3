//! Reading an answer, shared by both ways of sending (`send` through reqwest, VERIFY's
//! own `exchange`): the first bytes of its body, the HTTP stage of the report
//! (redacted), a request that got no complete answer, and error chains in words.

use std::time::Instant;

use bytes::Bytes;
use http::HeaderMap;

use super::report::{Failure, HttpStage, Stage};
use super::request::{DeliveryRequest, ShownHeader};
use crate::model::MASK;

/// How much of an answer's body VERIFY's report keeps.
pub const BODY_PREVIEW_BYTES: usize = 4096;

/// What the attempt log keeps of an answer's body.
pub const ATTEMPT_BODY_BYTES: usize = 8 * 1024;

/// A request that got no complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    pub failure: Failure,
    pub stage: Stage,
    /// What happened, one line, redacted.
    pub summary: String,
    /// The answer so far, when its head had arrived.
    pub partial: Option<HttpStage>,
}

impl SendFailure {
    /// `request` cannot be put into HTTP (a URL or header hyper refuses).
    pub fn unwritable(request: &DeliveryRequest, error: &http::Error) -> SendFailure {
        SendFailure::in_http(
            Failure::InvalidRequest,
            request.redact(&format!("the request cannot be written: {error}")),
        )
    }

    /// A failure at the HTTP stage, no answer with it (see [`AnswerReader::cut`]).
    pub fn in_http(failure: Failure, summary: impl Into<String>) -> SendFailure {
        SendFailure {
            failure,
            stage: Stage::Http,
            summary: summary.into(),
            partial: None,
        }
    }
}

/// An answer being read: its head has arrived, its body comes in chunks, of which the
/// first bytes are kept.
pub struct AnswerReader<'a> {
    request: &'a DeliveryRequest,
    status: http::StatusCode,
    headers: HeaderMap,
    kept: Vec<u8>,
    total: u64,
    limit: usize,
    sent: Instant,
    first_byte_ms: u64,
}

impl<'a> AnswerReader<'a> {
    /// The answer to `request`, sent at `sent`, whose head came after
    /// `first_byte_ms`; the first `body_limit` bytes of its body are kept.
    pub fn new(
        request: &'a DeliveryRequest,
        status: http::StatusCode,
        headers: HeaderMap,
        body_limit: usize,
        sent: Instant,
        first_byte_ms: u64,
    ) -> AnswerReader<'a> {
        AnswerReader {
            request,
            status,
            headers,
            kept: Vec::new(),
            total: 0,
            limit: body_limit,
            sent,
            first_byte_ms,
        }
    }

    pub fn push(&mut self, data: &Bytes) {
        self.total += data.len() as u64;
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&data[..room.min(data.len())]);
    }

    /// The whole answer, as the report's HTTP stage (redacted).
    pub fn finish(self) -> HttpStage {
        let request = self.request;
        HttpStage {
            status: self.status.as_u16(),
            reason: self.status.canonical_reason().unwrap_or("").to_string(),
            first_byte_ms: self.first_byte_ms,
            total_ms: millis(self.sent),
            headers: self
                .headers
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
            body_preview: request.redact(&String::from_utf8_lossy(&self.kept)),
            body_truncated: self.total > self.kept.len() as u64,
            body_bytes: self.total,
        }
    }

    /// Reads a whole answer of hyper's, whose head has just arrived for `request`
    /// sent at `sent`, all before `deadline`, keeping the first `body_limit` bytes of
    /// its body. A body that fails is said by `failed`; one that does not finish in
    /// time is a timeout.
    pub async fn read_response(
        request: &'a DeliveryRequest,
        response: http::Response<hyper::body::Incoming>,
        body_limit: usize,
        sent: Instant,
        deadline: tokio::time::Instant,
        failed: impl FnOnce(&hyper::Error) -> SendFailure,
    ) -> Result<HttpStage, SendFailure> {
        let first_byte_ms = millis(sent);
        let (head, mut body) = response.into_parts();
        let mut answer = AnswerReader::new(
            request,
            head.status,
            head.headers,
            body_limit,
            sent,
            first_byte_ms,
        );
        use http_body_util::BodyExt;
        loop {
            let cut = match tokio::time::timeout_at(deadline, body.frame()).await {
                Ok(None) => return Ok(answer.finish()),
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        answer.push(&data);
                    }
                    continue;
                }
                Ok(Some(Err(error))) => failed(&error),
                Err(_) => SendFailure::in_http(
                    Failure::Timeout,
                    format!(
                        "the answer's head ({}) arrived, its body did not finish within the \
                         request timeout",
                        answer.status
                    ),
                ),
            };
            return Err(answer.cut(cut));
        }
    }

    /// The body stopped short with `failure`: the failure, with what had arrived.
    pub fn cut(self, failure: SendFailure) -> SendFailure {
        SendFailure {
            partial: Some(self.finish()),
            ..failure
        }
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
