//! VERIFY's token stage, for a grant that fetches its token itself (client
//! credentials): what was asked of the token URL and what came back — a new token, or
//! the stored one still good — with its expiry and scopes, before any delivery stage.
//! The authorization-code grant has its token from AUTHORIZE and shows none.

use std::time::Instant;

use time::OffsetDateTime;
use time::macros::format_description;

use super::Run;
use crate::delivery::answer::millis;
use crate::delivery::report::{Stage, TokenStage};
use crate::delivery::tokens::{Credential, TokenError, TokenSource};
use crate::model::{Authentication, Grant, Integration, OAuthSettings, mask_url};

/// The OAuth settings of an integration whose token VERIFY fetches itself.
pub(super) fn fetched_token(integration: &Integration) -> Option<&OAuthSettings> {
    match &integration.authentication {
        Authentication::OAuth(oauth) if oauth.grant == Grant::ClientCredentials => Some(oauth),
        _ => None,
    }
}

impl Run<'_> {
    /// Resolves the credential through `tokens`, recording the token stage.
    pub(super) async fn token_stage(
        &mut self,
        integration: &Integration,
        oauth: &OAuthSettings,
        tokens: &dyn TokenSource,
    ) -> Result<Credential, TokenError> {
        self.begin(Stage::Token);
        let started = Instant::now();
        let before = tokens.token_facts(integration).await;
        let credential = Credential::resolve(integration, tokens).await;
        let after = match credential {
            Ok(_) => tokens.token_facts(integration).await,
            Err(_) => None,
        };
        let now = OffsetDateTime::now_utc();
        let (error, failure) = match &credential {
            Ok(_) => (None, None),
            Err(TokenError::Refused { error, message }) => {
                (Some(error.clone()), Some(message.clone()))
            }
            Err(other) => (None, Some(other.to_string())),
        };
        let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
        let expires_at = after.as_ref().and_then(|facts| facts.expires_at);
        self.report.token = Some(TokenStage {
            url: mask_url(&oauth.token_url),
            grant: oauth.grant.as_str().into(),
            api_type: oauth.api_type.as_str().into(),
            client_authentication: oauth.effective_client_authentication().label().into(),
            asked: asked(oauth),
            requested: credential.is_err() || after != before,
            error,
            failure,
            expires_at: expires_at.and_then(|at| at.format(&format).ok()),
            expires_in_s: expires_at.map(|at| (at - now).whole_seconds()),
            scopes: after.map(|facts| facts.scopes).unwrap_or_default(),
            elapsed_ms: millis(started),
        });
        credential
    }
}

/// The request's parameters besides the grant and the client's credentials.
fn asked(oauth: &OAuthSettings) -> Vec<String> {
    let mut asked = Vec::new();
    if !oauth.scope.trim().is_empty() {
        asked.push(format!("scope {}", oauth.scope.trim()));
    }
    if !oauth.audience.trim().is_empty() {
        asked.push(format!("audience {}", oauth.audience.trim()));
    }
    asked.extend(
        oauth
            .extra_token_parameters()
            .into_iter()
            .map(|(name, value)| format!("{name}={value}")),
    );
    asked
}
