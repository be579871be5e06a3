//! Where a Bearer token comes from. The OAuth module implements [`TokenSource`] (stored
//! token, refreshed when due, one refresh at a time); delivery only asks. Until an
//! integration has been authorized there is no token, and that is a state to report.

use std::future::Future;
use std::pin::Pin;

use crate::model::{Authentication, Integration, Secret};

pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Secret, TokenError>> + Send + 'a>>;

/// What is known of the token a source holds for an integration, never the token:
/// what VERIFY's token stage shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    pub obtained_at: time::OffsetDateTime,
    pub expires_at: Option<time::OffsetDateTime>,
    pub scopes: Vec<String>,
}

pub type FactsFuture<'a> = Pin<Box<dyn Future<Output = Option<TokenFacts>> + Send + 'a>>;

/// Gives a current access token for an OAuth integration.
pub trait TokenSource: Send + Sync {
    /// A token good for one request now. Refreshing, when due, happens inside.
    fn bearer_token<'a>(&'a self, integration: &'a Integration) -> TokenFuture<'a>;

    /// The receiver refused `rejected` (HTTP 401): a refreshed token to send once more,
    /// unless another request already refreshed it. Sources that cannot refresh say so.
    fn after_rejection<'a>(
        &'a self,
        _integration: &'a Integration,
        _rejected: &'a Secret,
    ) -> TokenFuture<'a> {
        Box::pin(async { Err(TokenError::Unavailable("no refresh possible".into())) })
    }

    /// What is known of the token held for `integration` now, if any.
    fn token_facts<'a>(&'a self, _integration: &'a Integration) -> FactsFuture<'a> {
        Box::pin(async { None })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No token was ever obtained, or the refresh token is gone: authorize first.
    #[error("not authorized: authorize it first")]
    NotAuthorized,
    /// The provider refused the refresh token (`invalid_grant`): only a new
    /// authorization helps. The message is the refusal's, without a secret.
    #[error("no access token: {0}")]
    ReauthorizationNeeded(String),
    /// The token endpoint refused or could not be reached; the message says which and
    /// holds no secret.
    #[error("no access token: {0}")]
    Unavailable(String),
    /// The token endpoint answered with an OAuth error (RFC 6749 section 5.2), such as
    /// `invalid_client`; `message` is the whole answer in words.
    #[error("no access token: {message}")]
    Refused { error: String, message: String },
}

/// The token source while no OAuth integration has been authorized on this appliance:
/// every OAuth integration is "not authorized".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTokens;

impl TokenSource for NoTokens {
    fn bearer_token<'a>(&'a self, _integration: &'a Integration) -> TokenFuture<'a> {
        Box::pin(async { Err(TokenError::NotAuthorized) })
    }
}

/// The credential a request carries, resolved from the Authentication tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    None,
    Basic { username: String, password: Secret },
    Bearer(Secret),
}

impl Credential {
    /// Basic from the integration, a Bearer token from `tokens` for OAuth.
    pub async fn resolve(
        integration: &Integration,
        tokens: &dyn TokenSource,
    ) -> Result<Credential, TokenError> {
        Ok(match &integration.authentication {
            Authentication::None => Credential::None,
            Authentication::Basic { username, password } => Credential::Basic {
                username: username.clone(),
                password: password.clone(),
            },
            Authentication::OAuth(_) => Credential::Bearer(tokens.bearer_token(integration).await?),
        })
    }
}
