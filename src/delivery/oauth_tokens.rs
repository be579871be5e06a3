//! Deliveries get their Bearer tokens from the OAuth module's token provider: the
//! stored token, refreshed first when it is about to expire.

use super::tokens::{FactsFuture, TokenError, TokenFacts, TokenFuture, TokenSource};
use crate::model::{Integration, Secret};
use crate::oauth::{OAuthError, TokenProvider};

impl TokenSource for TokenProvider {
    fn bearer_token<'a>(&'a self, integration: &'a Integration) -> TokenFuture<'a> {
        Box::pin(async move {
            TokenProvider::bearer_token(self, integration)
                .await
                .map_err(token_error)
        })
    }

    fn after_rejection<'a>(
        &'a self,
        integration: &'a Integration,
        rejected: &'a Secret,
    ) -> TokenFuture<'a> {
        Box::pin(async move {
            self.after_unauthorized(integration, rejected)
                .await
                .map_err(token_error)
        })
    }

    fn token_facts<'a>(&'a self, integration: &'a Integration) -> FactsFuture<'a> {
        let store = self.store().clone();
        let name = integration.name.clone();
        Box::pin(async move {
            let stored = tokio::task::spawn_blocking(move || store.get(&name))
                .await
                .ok()?
                .ok()??;
            let tokens = stored.tokens()?;
            Some(TokenFacts {
                obtained_at: tokens.obtained_at,
                expires_at: tokens.expires_at,
                scopes: tokens.scopes.clone(),
            })
        })
    }
}

/// The provider's error as delivery knows it: an OAuth error code kept, for advice.
fn token_error(error: OAuthError) -> TokenError {
    let message = error.to_string();
    match error {
        OAuthError::NotAuthorized => TokenError::NotAuthorized,
        OAuthError::ReauthorizationNeeded(_) => TokenError::ReauthorizationNeeded(message),
        OAuthError::Provider { error, .. } => TokenError::Refused { error, message },
        _ => TokenError::Unavailable(message),
    }
}
