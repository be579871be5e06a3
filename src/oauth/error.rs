use super::identity::IdentityError;
use super::start_link::RandomSourceFailed;
use crate::http::HttpError;
use crate::store::StoreError;

/// What went wrong in an OAuth step, in words a support engineer can act on. No
/// variant carries a token, a code or a secret.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("OAuth settings: {0}")]
    Configuration(String),
    #[error("callback: {0}")]
    Callback(String),
    /// The provider answered with an OAuth error (RFC 6749 section 5.2).
    #[error("the provider refused: {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Provider {
        error: String,
        description: Option<String>,
    },
    #[error("token request failed: {0}")]
    Http(String),
    /// The HTTP client for the token URL cannot be built (the integration's trust).
    #[error("token request failed: {0}")]
    TokenClient(HttpError),
    /// The integration's own HTTP client cannot be built (revoking at the provider).
    #[error(transparent)]
    Client(HttpError),
    /// No runtime for the requests of a blocking caller.
    #[error(transparent)]
    Runtime(std::io::Error),
    /// The task of a token request or of saving tokens ended without an answer.
    #[error("task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("OAuth settings: {0}")]
    Random(#[from] RandomSourceFailed),
    #[error("the token endpoint's answer is not usable: {0}")]
    Protocol(String),
    #[error("not authorized: authorize the integration first")]
    NotAuthorized,
    #[error("re-authorization needed: {0}")]
    ReauthorizationNeeded(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the listener cannot run as the settings say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenerPlanError {
    #[error("callback URL: {0}")]
    CallbackUrl(url::ParseError),
    #[error("callback_bind: `{0}` is not ADDRESS:PORT")]
    Bind(String),
    #[error("an https callback URL needs a TLS identity for the listener")]
    NoIdentity,
}

/// Why an authorize session cannot be prepared from the home's settings: one line for
/// the person, which says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Settings(#[from] StoreError),
    /// The token URL's client (the integration's trust settings).
    #[error(transparent)]
    Client(#[from] HttpError),
    #[error("callback_certificate and callback_key go together: set both or neither")]
    HalfIdentity,
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Listener(#[from] ListenerPlanError),
}

impl OAuthError {
    /// `invalid_grant`: the refresh token (or code) is dead; only a new authorization helps.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Provider { error, .. } if error == "invalid_grant")
    }
}
