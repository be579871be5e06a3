//! Bearer tokens for deliveries. A token near its expiry is refreshed first; a 401
//! refreshes once. Refreshes are single-flight: within a process through a gate per
//! integration, across processes (the TUI and the worker share the token store)
//! through the store's lock, re-reading the store after taking it, because another
//! process may have refreshed already. Reusing a rotated refresh token makes
//! providers such as Atlassian revoke the whole grant, so the new refresh token is
//! written before the new access token is handed out.
//!
//! A refresh whose answer is lost (the process killed, the connection cut after the
//! provider answered) leaves the stored refresh token replaced at the provider, which
//! takes it again only for a while (Atlassian: 10 minutes). So a refresh runs on a task
//! of its own (a caller that gives up does not abort it), holds a
//! [`TokenRequestGuard`] until its answer is stored (see `in_flight`), and marks the
//! store before sending: a later use that finds the mark refreshes at once, while the
//! provider still takes the stored token. The refresh token a rotation replaced is
//! kept, and tried once when the current one is refused.
//!
//! The client-credentials grant has no refresh token: the same gates and lock make
//! the token request instead, so 50 deliveries that find no token (or get a 401) make
//! one request, whichever processes they run in. Its answer rotates nothing, so it
//! needs neither the mark nor the in-flight guard.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

use super::error::OAuthError;
use super::exchange::{fetch_client_credentials, refresh};
use super::in_flight::TokenRequestGuard;
use super::wire::TokenHttp;
use crate::http::HttpError;
use crate::model::{Authentication, Grant, Integration, OAuthSettings, Secret};
use crate::store::{
    Authorization, PreviousRefreshToken, StoreError, TokenSet, TokenStore, TokenStoreGuard,
};

/// Refresh when the access token expires within this margin.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// How long after a rotation the refresh token it replaced is tried when the current
/// one is refused. Atlassian (Auth0's rotation) takes the replaced token again for 10
/// minutes ("leeway"); later, presenting it is what RFC 6749 section 10.4 describes as
/// the sign of a stolen token, and the provider revokes the whole grant. So it is
/// never sent after this interval, and within it only once, after `invalid_grant`.
pub const ROTATION_REUSE_INTERVAL: Duration = Duration::from_secs(600);

/// Builds the HTTP client for an integration's token URL (its trust settings).
pub type ClientFactory =
    Arc<dyn Fn(&Integration) -> Result<reqwest::Client, HttpError> + Send + Sync>;

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
            crate::http::build_client(integration, &options).map(|built| built.client)
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
        let grant = oauth_settings(integration)?.grant;
        if let Some(tokens) = usable(current.as_ref(), &Need::Fresh, grant)? {
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
        let refresh = Refresh {
            settings: oauth_settings(integration)?,
            integration: integration.clone(),
            store: self.store.clone(),
            clients: self.clients.clone(),
            need,
        };
        let in_process = self.gate(&integration.name).lock_owned().await;
        // A task of its own: once the request is sent, its answer is stored even when
        // the caller is dropped (a cancelled VERIFY, a delivery past the worker's
        // grace). The gate goes with it, so the next caller waits for the answer.
        tokio::spawn(async move {
            let _in_process = in_process;
            refresh.run().await
        })
        .await
        .map_err(|error| OAuthError::Protocol(format!("token refresh task failed: {error}")))?
    }

    fn gate(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self
            .gates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        gates.entry(name.to_string()).or_default().clone()
    }
}

/// One refresh of one integration's tokens, under the store's lock.
struct Refresh {
    integration: Integration,
    settings: OAuthSettings,
    store: TokenStore,
    clients: ClientFactory,
    need: Need,
}

impl Refresh {
    async fn run(self) -> Result<Secret, OAuthError> {
        let name = self.integration.name.clone();
        let store = self.store.clone();
        let (guard, current) = blocking(move || {
            let guard = store.lock()?;
            let current = guard.get(&name)?;
            Ok((guard, current))
        })
        .await?;
        if let Some(token) = usable(current.as_ref(), &self.need, self.settings.grant)? {
            return Ok(token);
        }
        if self.settings.grant == Grant::ClientCredentials {
            return self.fetch_for_client(guard, current).await;
        }
        let Some(current) = current else {
            return Err(OAuthError::NotAuthorized);
        };
        let Some(tokens) = current.tokens().cloned() else {
            return Err(OAuthError::NotAuthorized);
        };
        let client = (self.clients)(&self.integration).map_err(OAuthError::TokenClient)?;
        let http = TokenHttp::new(client, self.settings.api_type);
        let name = &self.integration.name;
        if tokens.refresh_sent_at.is_some() {
            tracing::warn!(integration = %name, "a refresh's answer was not stored: refreshing again");
        } else {
            tracing::info!(integration = %name, "refreshing the access token");
        }
        let in_flight = TokenRequestGuard::enter();
        let now = OffsetDateTime::now_utc();
        let marked = TokenSet {
            refresh_sent_at: Some(now),
            ..tokens.clone()
        };
        let guard = self
            .store_now(guard, with_tokens(current, marked.clone()))
            .await?;
        let answer = self.request(&http, &tokens, now).await;
        let (outcome, stored) = match answer {
            Ok(fresh) => (
                Ok(fresh.access_token.clone()),
                Authorization::Authorized { tokens: fresh },
            ),
            Err(error)
                if error.is_invalid_grant()
                    || matches!(error, OAuthError::ReauthorizationNeeded(_)) =>
            {
                let reason = error.to_string();
                tracing::warn!(integration = %name, %reason, "refresh refused: re-authorization needed");
                (
                    Err(OAuthError::ReauthorizationNeeded(reason.clone())),
                    Authorization::ReauthorizationNeeded { since: now, reason },
                )
            }
            Err(error) => {
                let reason = error.to_string();
                tracing::warn!(integration = %name, %reason, "refresh failed");
                // No answer, or one that could not be read: the provider may have
                // rotated, so the mark stays and the next use refreshes at once.
                let answer_unknown = matches!(error, OAuthError::Http(_) | OAuthError::Protocol(_));
                let tokens = if answer_unknown { marked } else { tokens };
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
        self.store_now(guard, stored).await?;
        drop(in_flight);
        outcome
    }

    /// A new client-credentials token, stored before it is handed out. A refusal
    /// keeps the token stored before (if any) with the reason, for the status.
    async fn fetch_for_client(
        &self,
        guard: TokenStoreGuard,
        current: Option<Authorization>,
    ) -> Result<Secret, OAuthError> {
        let name = &self.integration.name;
        let client = (self.clients)(&self.integration).map_err(OAuthError::TokenClient)?;
        let http = TokenHttp::new(client, self.settings.api_type);
        tracing::info!(integration = %name, "requesting a client-credentials token");
        match fetch_client_credentials(&http, &self.settings).await {
            Ok(fresh) => {
                let token = fresh.access_token.clone();
                self.store_now(guard, Authorization::Authorized { tokens: fresh })
                    .await?;
                Ok(token)
            }
            Err(error) => {
                let reason = error.to_string();
                tracing::warn!(integration = %name, %reason, "client-credentials token refused");
                if let Some(tokens) = current.as_ref().and_then(Authorization::tokens) {
                    let failed = Authorization::RefreshFailed {
                        tokens: tokens.clone(),
                        failed_at: OffsetDateTime::now_utc(),
                        reason,
                    };
                    self.store_now(guard, failed).await?;
                }
                Err(error)
            }
        }
    }

    /// The refresh request with the current refresh token; when that is refused, once
    /// more with the one it replaced, within [`ROTATION_REUSE_INTERVAL`].
    async fn request(
        &self,
        http: &TokenHttp,
        tokens: &TokenSet,
        now: OffsetDateTime,
    ) -> Result<TokenSet, OAuthError> {
        let Some(current) = &tokens.refresh_token else {
            return Err(OAuthError::ReauthorizationNeeded(
                "the access token expired and the provider gave no refresh token".into(),
            ));
        };
        let refused = match refresh(http, &self.settings, current, &tokens.scopes).await {
            Ok(fresh) => return Ok(rotated(fresh, current, now)),
            Err(error) if error.is_invalid_grant() => error,
            Err(error) => return Err(error),
        };
        let Some(previous) = tokens
            .previous_refresh
            .as_ref()
            .filter(|previous| now - previous.replaced_at < ROTATION_REUSE_INTERVAL)
        else {
            return Err(refused);
        };
        tracing::warn!(integration = %self.integration.name,
            "the refresh token was refused: trying the one it replaced");
        let fresh = refresh(http, &self.settings, &previous.token, &tokens.scopes).await?;
        // Its reuse interval runs from its first rotation, not from this one.
        Ok(rotated(fresh, &previous.token, previous.replaced_at))
    }

    async fn store_now(
        &self,
        guard: TokenStoreGuard,
        authorization: Authorization,
    ) -> Result<TokenStoreGuard, OAuthError> {
        let name = self.integration.name.clone();
        blocking(move || {
            guard.set(&name, authorization)?;
            Ok(guard)
        })
        .await
    }
}

/// `fresh`, got with `sent`: the token it replaced is kept when the provider rotated.
fn rotated(fresh: TokenSet, sent: &Secret, replaced_at: OffsetDateTime) -> TokenSet {
    let replaced = fresh.refresh_token.as_ref() != Some(sent);
    TokenSet {
        previous_refresh: replaced.then(|| PreviousRefreshToken {
            token: sent.clone(),
            replaced_at,
        }),
        ..fresh
    }
}

/// `authorization` with its tokens replaced by `tokens`, its status kept.
fn with_tokens(authorization: Authorization, tokens: TokenSet) -> Authorization {
    match authorization {
        Authorization::RefreshFailed {
            failed_at, reason, ..
        } => Authorization::RefreshFailed {
            tokens,
            failed_at,
            reason,
        },
        _ => Authorization::Authorized { tokens },
    }
}

/// The stored access token when it satisfies `need`; an error when no refresh can help.
/// A client-credentials integration can always ask for a new token.
fn usable(
    current: Option<&Authorization>,
    need: &Need,
    grant: Grant,
) -> Result<Option<Secret>, OAuthError> {
    let tokens: &TokenSet = match (current, grant) {
        (None, Grant::ClientCredentials) => return Ok(None),
        (Some(authorization), Grant::ClientCredentials) => match authorization.tokens() {
            Some(tokens) => tokens,
            None => return Ok(None),
        },
        (current, Grant::AuthorizationCode | Grant::DeviceCode) => match current {
            None | Some(Authorization::Denied { .. }) => return Err(OAuthError::NotAuthorized),
            Some(Authorization::ReauthorizationNeeded { reason, .. }) => {
                return Err(OAuthError::ReauthorizationNeeded(reason.clone()));
            }
            Some(Authorization::Authorized { tokens })
            | Some(Authorization::RefreshFailed { tokens, .. }) => tokens,
        },
    };
    // A refresh whose answer was not stored: repeated now, while the provider may
    // still take the stored refresh token.
    if tokens.refresh_sent_at.is_some() {
        return Ok(None);
    }
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
