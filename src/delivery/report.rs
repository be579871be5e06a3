//! What VERIFY found, stage by stage, as plain data: the TUI renders it in a pane, the
//! CLI as text or JSON. Every string in it is already redacted.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::request::ShownHeader;
use crate::http::TrustedBy;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub integration: String,
    /// How the access token was had, for a grant that fetches it (client
    /// credentials): before the delivery's stages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenStage>,
    pub request: RequestSummary,
    /// The proxy the request went through (password masked), when one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolve: Option<ResolveStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect: Option<ConnectStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpStage>,
    pub outcome: Outcome,
    /// What the person should know even when it was delivered: credentials sent over
    /// plain HTTP to another host.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// From start to outcome.
    pub elapsed_ms: u64,
}

impl VerifyReport {
    pub fn delivered(&self) -> bool {
        matches!(self.outcome, Outcome::Delivered { .. })
    }

    /// The certificate the server presented, when VERIFY failed because it is not
    /// trusted (no trusted CA issued it, or it does not name the host) and pinning it
    /// would make it trusted. An expired or not yet valid one is not offered: pinning
    /// would hide what its administrator must fix.
    pub fn certificate_to_pin(&self) -> Option<&PeerCertificate> {
        let Outcome::NotDelivered {
            failure: Failure::TlsUntrusted | Failure::TlsHostnameMismatch,
            ..
        } = &self.outcome
        else {
            return None;
        };
        self.tls
            .as_ref()?
            .certificate
            .as_ref()
            .filter(|certificate| !certificate.pem.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestSummary {
    pub method: String,
    pub url: String,
    pub headers: Vec<ShownHeader>,
    pub body_bytes: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The token request of a client-credentials integration, or the stored token it
/// found still valid. Never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenStage {
    /// The token URL, masked.
    pub url: String,
    pub grant: String,
    pub api_type: String,
    pub client_authentication: String,
    /// What was asked for besides the grant: scope, audience, stored parameters.
    pub asked: Vec<String>,
    /// False when a stored token was still good and none was requested.
    pub requested: bool,
    /// The OAuth error code of a refusal (`invalid_client`, `invalid_scope`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The answer in words: the refusal, or why there was none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS UTC`, when the provider stated a lifetime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_s: Option<i64>,
    pub scopes: Vec<String>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolveStage {
    pub host: String,
    /// False when the URL names an IP address: nothing to look up.
    pub looked_up: bool,
    pub addresses: Vec<IpAddr>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectStage {
    pub attempts: Vec<ConnectAttempt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connected: Option<SocketAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectAttempt {
    pub address: SocketAddr,
    pub elapsed_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsStage {
    pub server_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    pub elapsed_ms: u64,
    /// The certificate the server presented, also when it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PeerCertificate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_by: Option<TrustedBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerCertificate {
    pub subject: String,
    pub issuer: String,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_before: String,
    pub not_after: String,
    pub expired: bool,
    pub sha256_fingerprint: String,
    pub names: Vec<String>,
    /// The certificate itself, PEM: what `--trust-presented` and the TUI's trust
    /// dialog pin. A certificate is public; nothing secret is in it.
    pub pem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpStage {
    pub status: u16,
    pub reason: String,
    /// From the request being sent to the first byte of the answer.
    pub first_byte_ms: u64,
    /// From the request being sent to the last byte of the answer.
    pub total_ms: u64,
    pub headers: Vec<ShownHeader>,
    /// The first 4 KiB of the body, as text (invalid UTF-8 replaced).
    pub body_preview: String,
    pub body_bytes: u64,
    pub body_truncated: bool,
}

/// The stages, in order; a failure or a timeout names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Starting the callback listener, in a check of the callback path.
    Listener,
    /// Getting the access token (client credentials).
    Token,
    Request,
    Resolve,
    Connect,
    Proxy,
    Tls,
    Http,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Listener => "listener",
            Stage::Token => "token",
            Stage::Request => "request",
            Stage::Resolve => "resolve",
            Stage::Connect => "connect",
            Stage::Proxy => "proxy",
            Stage::Tls => "TLS",
            Stage::Http => "HTTP",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { status: u16 },
    NotDelivered {
        failure: Failure,
        /// The failed stage.
        stage: Stage,
        /// What happened, one line.
        summary: String,
        /// What to do about it, one line.
        advice: String,
    },
    /// Cancelled by the person (Esc) before an outcome.
    Cancelled,
}

/// Every way a verify can fail, each with its own advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum Failure {
    /// The integration cannot be turned into a request (bad URL or header).
    InvalidRequest,
    /// The content sample does not render as a template (VERIFY; events are rendered,
    /// and refused, when they are queued).
    InvalidTemplate,
    /// OAuth without a token: authorize first.
    NotAuthorized,
    /// The URL is to come from the site chosen after authorization (site discovery),
    /// and none has been chosen; `authorized` says whether the authorization is there.
    SiteNotChosen {
        authorized: bool,
    },
    /// A token exists but cannot be had now (refresh refused, token URL down).
    TokenUnavailable,
    Dns,
    /// The host is, or resolves to, a link-local or cloud metadata address, which the
    /// settings do not allow.
    DestinationRefused,
    ConnectionRefused,
    Unreachable,
    Timeout,
    ConnectionReset,
    ProxyFailed,
    TlsUntrusted,
    TlsHostnameMismatch,
    TlsExpired,
    TlsNotYetValid,
    TlsFailed,
    /// The port answered, but not in HTTP (an HTTPS port asked with http://).
    NotHttp,
    Redirect {
        status: u16,
        location: Option<String>,
    },
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    ClientError {
        status: u16,
    },
    ServerError {
        status: u16,
    },
    UnexpectedStatus {
        status: u16,
    },
    Other,
}
