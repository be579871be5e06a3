//! Deliveries get their Bearer tokens from the OAuth module's token provider: the
//! stored token, refreshed first when it is about to expire.

use super::tokens::{TokenError, TokenFuture, TokenSource};
use crate::model::{Integration, Secret};
use crate::oauth::{OAuthError, TokenProvider};

impl TokenSource for TokenProvider {
    fn bearer_token<'a>(&'a self, integration: &'a Integration) -> TokenFuture<'a> {
        Box::pin(async move {
            TokenProvider::bearer_token(self, integration)
                .await
                .map_err(|error| match error {
                    OAuthError::NotAuthorized => TokenError::NotAuthorized,
                    error @ OAuthError::ReauthorizationNeeded(_) => {
                        TokenError::ReauthorizationNeeded(error.to_string())
                    }
                    other => TokenError::Unavailable(other.to_string()),
                })
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
                .map_err(|error| match error {
                    OAuthError::NotAuthorized => TokenError::NotAuthorized,
                    error @ OAuthError::ReauthorizationNeeded(_) => {
                        TokenError::ReauthorizationNeeded(error.to_string())
                    }
                    other => TokenError::Unavailable(other.to_string()),
                })
        })
    }
}
