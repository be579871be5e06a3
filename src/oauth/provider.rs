//! Bearer tokens for deliveries. A token near its expiry is refreshed first; a 401
//! refreshes once. Refreshes are single-flight: within a process through a gate per
//! integration, across processes (the TUI and the worker share the token store)
//! through the store's lock, re-reading the store after taking it, because another
//! process may have refreshed already. Reusing a rotated refresh token makes
//! providers such as Atlassian revoke the whole grant, so the new refresh token is
//! written before the new access token is handed out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

use super::error::OAuthError;
use super::exchange::refresh;
use super::wire::TokenHttp;
use crate::model::{Authentication, Integration, OAuthSettings, Secret};
use crate::store::{Authorization, StoreError, TokenSet, TokenStore, TokenStoreGuard};

/// Refresh when the access token expires within this margin.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Builds the HTTP client for an integration's token URL (its trust settings).
pub type ClientFactory = Arc<dyn Fn(&Integration) -> Result<reqwest::Client, String> + Send + Sync>;

pub struct TokenProvider {
    store: TokenStore,
    clients: ClientFactory,
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Why a token is wanted: decides whether the stored one will do.
#[derive(Clone)]
enum Need {
    /// Any access token not about to expire.
    Fresh,
    /// The receiver refused this access token: any other one will do.
    Replace(Secret),
}

impl TokenProvider {
    pub fn new(store: TokenStore, clients: ClientFactory) -> Self {
        Self {
            store,
            clients,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// Token requests through each integration's own HTTP client: its uploaded
    /// certificate, the timeouts and the proxy, as its deliveries use.
    pub fn with_http_options(store: TokenStore, options: crate::http::HttpOptions) -> Self {
        let clients: ClientFactory = Arc::new(move |integration: &Integration| {
            crate::http::build_client(integration, &options)
                .map(|built| built.client)
                .map_err(|error| error.to_string())
        });
        Self::new(store, clients)
    }

    pub fn store(&self) -> &TokenStore {
        &self.store
    }

    /// The access token to send, refreshed first when it is about to expire.
    pub async fn bearer_token(&self, integration: &Integration) -> Result<Secret, OAuthError> {
        let name = integration.name.clone();
        let store = self.store.clone();
        let current = blocking(move || store.get(&name)).await?;
        if let Some(tokens) = usable(current.as_ref(), &Need::Fresh)? {
            return Ok(tokens);
        }
        self.refresh_once(integration, Need::Fresh).await
    }

    /// The receiver answered 401 to `rejected`: refresh once (unless another task or
    /// process already did) and return the token to retry with.
    pub async fn after_unauthorized(
        &self,
        integration: &Integration,
        rejected: &Secret,
    ) -> Result<Secret, OAuthError> {
        self.refresh_once(integration, Need::Replace(rejected.clone()))
            .await
    }

    async fn refresh_once(
        &self,
        integration: &Integration,
        need: Need,
    ) -> Result<Secret, OAuthError> {
        let settings = oauth_settings(integration)?;
        let gate = self.gate(&integration.name);
        let _in_process = gate.lock().await;
        let store = self.store.clone();
        let guard = blocking(move || store.lock()).await?;
        let name = integration.name.clone();
        let (guard, current) = blocking(move || {
            let current = guard.get(&name)?;
            Ok((guard, current))
        })
        .await?;
        if let Some(token) = usable(current.as_ref(), &need)? {
            return Ok(token);
        }
        let tokens: TokenSet = match current.as_ref().and_then(|stored| stored.tokens()) {
            Some(tokens) => tokens.clone(),
            None => return Err(OAuthError::NotAuthorized),
        };
        let client = (self.clients)(integration).map_err(OAuthError::Http)?;
        let http = TokenHttp::new(client, settings.api_type);
        tracing::info!(integration = %integration.name, "refreshing the access token");
        let now = OffsetDateTime::now_utc();
        let refreshed = refresh(&http, &settings, tokens.clone()).await;
        let (outcome, stored) = match refreshed {
            Ok(fresh) => (
                Ok(fresh.access_token.clone()),
                Authorization::Authorized { tokens: fresh },
            ),
            Err(error)
                if error.is_invalid_grant()
                    || matches!(error, OAuthError::ReauthorizationNeeded(_)) =>
            {
                let reason = error.to_string();
                tracing::warn!(integration = %integration.name, %reason, "refresh refused: re-authorization needed");
                (
                    Err(OAuthError::ReauthorizationNeeded(reason.clone())),
                    Authorization::ReauthorizationNeeded { since: now, reason },
                )
            }
            Err(error) => {
                let reason = error.to_string();
                tracing::warn!(integration = %integration.name, %reason, "refresh failed");
                (
                    Err(error),
                    Authorization::RefreshFailed {
                        tokens,
                        failed_at: now,
                        reason,
                    },
                )
            }
        };
        let name = integration.name.clone();
        blocking(move || guard_set(guard, &name, stored)).await?;
        outcome
    }

    fn gate(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self
            .gates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        gates.entry(name.to_string()).or_default().clone()
    }
}

fn guard_set(
    guard: TokenStoreGuard,
    name: &str,
    authorization: Authorization,
) -> Result<(), StoreError> {
    guard.set(name, authorization)
}

/// The stored access token when it satisfies `need`; an error when no refresh can help.
fn usable(current: Option<&Authorization>, need: &Need) -> Result<Option<Secret>, OAuthError> {
    let tokens: &TokenSet = match current {
        None | Some(Authorization::Denied { .. }) => return Err(OAuthError::NotAuthorized),
        Some(Authorization::ReauthorizationNeeded { reason, .. }) => {
            return Err(OAuthError::ReauthorizationNeeded(reason.clone()));
        }
        Some(Authorization::Authorized { tokens })
        | Some(Authorization::RefreshFailed { tokens, .. }) => tokens,
    };
    let good = match need {
        Need::Fresh => !tokens.needs_refresh(REFRESH_MARGIN, OffsetDateTime::now_utc()),
        Need::Replace(rejected) => &tokens.access_token != rejected,
    };
    Ok(good.then(|| tokens.access_token.clone()))
}

fn oauth_settings(integration: &Integration) -> Result<OAuthSettings, OAuthError> {
    match &integration.authentication {
        Authentication::OAuth(settings) => Ok(settings.clone()),
        _ => Err(OAuthError::Configuration(format!(
            "integration `{}` does not use OAuth",
            integration.name
        ))),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, OAuthError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| OAuthError::Protocol(format!("token store task failed: {error}")))?
        .map_err(OAuthError::from)
}
