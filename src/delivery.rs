//! Requests built from integrations and sent with the `http` client; VERIFY, which
//! sends an integration's content sample and reports each stage. Delivery asks a
//! [`TokenSource`] for OAuth tokens, never the other way round.

mod answer;
mod callback_check;
mod diagnosis;
mod event_line;
mod oauth_tokens;
mod render;
mod report;
mod request;
mod send;
mod signing;
mod tokens;
mod verify;
pub mod worker;

pub use answer::{ATTEMPT_BODY_BYTES, BODY_PREVIEW_BYTES, SendFailure};
pub use callback_check::{CHECK_NAME, check_callback};
pub use event_line::{
    EnqueueAnswer, EventError, EventLine, IntegrationTemplate, field_of_line_error,
};
pub use render::{
    LABEL_WIDTH, check_lines, failure_words, headline, report_lines, report_lines_advising,
};
pub use report::{
    ConnectAttempt, ConnectStage, Failure, HttpStage, Outcome, PeerCertificate, RequestSummary,
    ResolveStage, Stage, TlsStage, VerifyReport,
};
pub use request::{
    DeliveryRequest, RequestBase, RequestError, ShownHeader, WebhookStamp, verify_message_id,
};
pub use send::{send, send_keeping};
pub use tokens::{Credential, NoTokens, TokenError, TokenFuture, TokenSource};
pub use verify::{render_sample, verify, verify_with_progress};
