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
    #[error("the token endpoint's answer is not usable: {0}")]
    Protocol(String),
    #[error("not authorized: authorize the integration first")]
    NotAuthorized,
    #[error("re-authorization needed: {0}")]
    ReauthorizationNeeded(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OAuthError {
    /// `invalid_grant`: the refresh token (or code) is dead; only a new authorization helps.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Provider { error, .. } if error == "invalid_grant")
    }
}
