//! Forgetting an authorization: the grant is revoked at the provider when it has a
//! revocation URL (RFC 7009: the refresh token, which ends the grant, else the access
//! token), and the tokens are deleted here whatever the provider answered.

use oauth2::http::{Method, Request, header};

use super::error::OAuthError;
use super::wire::TokenHttp;
use crate::model::{Authentication, ClientAuthentication, Integration};
use crate::store::TokenStore;

/// What forgetting did at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// No tokens were stored: nothing to revoke or delete.
    NothingStored,
    /// No revocation URL is set: deleted here only.
    NotConfigured,
    Revoked,
    /// The provider refused or could not be reached; deleted here anyway.
    Failed(String),
}

impl Revocation {
    /// One line on what forgetting did, for the CLI and the TUI's status line.
    pub fn describe(&self, name: &str) -> String {
        match self {
            Revocation::NothingStored => format!("`{name}` holds no authorization"),
            Revocation::NotConfigured => format!(
                "Forgot the authorization of `{name}` (no Revocation URL: revoke it at the provider too)"
            ),
            Revocation::Revoked => {
                format!("Revoked at the provider and forgot the authorization of `{name}`")
            }
            Revocation::Failed(reason) => format!(
                "Forgot the authorization of `{name}`; revoking it at the provider failed: {reason}"
            ),
        }
    }
}

/// Revokes (when configured) and deletes the stored tokens of `integration`. `client`
/// is the integration's own HTTP client (its trust settings). Blocking store work runs
/// on a blocking thread.
pub async fn forget_authorization(
    store: &TokenStore,
    integration: &Integration,
    client: reqwest::Client,
) -> Result<Revocation, OAuthError> {
    let name = integration.name.clone();
    let reader = store.clone();
    let stored = tokio::task::spawn_blocking(move || reader.get(&name))
        .await
        .map_err(|error| OAuthError::Protocol(error.to_string()))??;
    let Some(tokens) = stored.as_ref().and_then(|stored| stored.tokens()).cloned() else {
        let name = integration.name.clone();
        let writer = store.clone();
        let existed = stored.is_some();
        tokio::task::spawn_blocking(move || writer.forget(&name))
            .await
            .map_err(|error| OAuthError::Protocol(error.to_string()))??;
        return Ok(if existed {
            Revocation::NotConfigured
        } else {
            Revocation::NothingStored
        });
    };
    let outcome = match &integration.authentication {
        Authentication::OAuth(settings) if !settings.revocation_url.trim().is_empty() => {
            let (token, hint) = match &tokens.refresh_token {
                Some(refresh) => (refresh.expose().to_string(), "refresh_token"),
                None => (tokens.access_token.expose().to_string(), "access_token"),
            };
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("token", &token)
                .append_pair("token_type_hint", hint);
            let mut request = Request::builder()
                .method(Method::POST)
                .uri(settings.revocation_url.trim());
            match settings.effective_client_authentication() {
                ClientAuthentication::Body => {
                    form.append_pair("client_id", &settings.client_id)
                        .append_pair("client_secret", settings.client_secret.expose());
                }
                ClientAuthentication::Basic => {
                    let credentials = super::client_auth::basic_credentials(settings);
                    request = request.header(header::AUTHORIZATION, format!("Basic {credentials}"));
                }
            }
            let request = request
                .body(form.finish().into_bytes())
                .map_err(|error| OAuthError::Configuration(format!("Revocation URL: {error}")))?;
            let http = TokenHttp::new(client, settings.api_type);
            match http.send(request).await {
                Ok(response) if response.status().is_success() => Revocation::Revoked,
                Ok(response) => Revocation::Failed(format!(
                    "the provider answered HTTP {}",
                    response.status().as_u16()
                )),
                Err(error) => Revocation::Failed(error.to_string()),
            }
        }
        _ => Revocation::NotConfigured,
    };
    let name = integration.name.clone();
    let writer = store.clone();
    tokio::task::spawn_blocking(move || writer.forget(&name))
        .await
        .map_err(|error| OAuthError::Protocol(error.to_string()))??;
    tracing::info!(integration = %integration.name, ?outcome, "authorization forgotten");
    Ok(outcome)
}

/// [`forget_authorization`] for code outside the async threads (the CLI, the TUI's
/// store thread): the integration's client is built from `options`, and the work runs
/// on the current runtime when there is one, else on a runtime of its own.
pub fn forget_authorization_blocking(
    store: &TokenStore,
    integration: &Integration,
    options: &crate::http::HttpOptions,
) -> Result<Revocation, OAuthError> {
    let client = crate::http::build_client(integration, options)
        .map_err(OAuthError::Client)?
        .client;
    let work = forget_authorization(store, integration, client);
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.block_on(work),
        Err(_) => match crate::parallel::single_thread_runtime() {
            Ok(runtime) => runtime.block_on(work),
            Err(no_thread) => forget_without_revoking(store, integration, &no_thread),
        },
    }
}

/// Forgetting when no thread can be started for the revocation request (a process
/// limit): the tokens are still deleted here, as promised whatever the provider would
/// have said, and the outcome says why the provider was not asked.
fn forget_without_revoking(
    store: &TokenStore,
    integration: &Integration,
    no_thread: &std::io::Error,
) -> Result<Revocation, OAuthError> {
    let stored = store.forget(&integration.name)?;
    let revocable = matches!(&integration.authentication,
        Authentication::OAuth(settings) if !settings.revocation_url.trim().is_empty());
    Ok(match stored {
        None => Revocation::NothingStored,
        Some(stored) if revocable && stored.tokens().is_some() => {
            Revocation::Failed(format!("it was not asked: {no_thread}"))
        }
        Some(_) => Revocation::NotConfigured,
    })
}
