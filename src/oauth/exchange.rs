//! Token requests through the oauth2 crate and our own HTTP client: the authorization
//! code exchange (with the PKCE verifier and the same redirect_uri string), the
//! refresh, and the client-credentials request.

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, PkceCodeVerifier, RedirectUrl,
    RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};

use super::error::OAuthError;
use super::wire::{TokenHttp, WireError};
use crate::model::{ClientAuthentication, OAuthSettings, Secret};
use crate::store::TokenSet;

fn token_url(settings: &OAuthSettings) -> Result<TokenUrl, OAuthError> {
    TokenUrl::new(settings.token_url.clone())
        .map_err(|error| OAuthError::Configuration(format!("Token URL: {error}")))
}

fn auth_type(settings: &OAuthSettings) -> AuthType {
    match settings.effective_client_authentication() {
        ClientAuthentication::Basic => AuthType::BasicAuth,
        ClientAuthentication::Body => AuthType::RequestBody,
    }
}

/// Exchanges an authorization code for tokens.
pub async fn exchange_code(
    http: &TokenHttp,
    settings: &OAuthSettings,
    code: &Secret,
    pkce_verifier: &Secret,
    redirect_uri: &str,
) -> Result<TokenSet, OAuthError> {
    let redirect = RedirectUrl::new(redirect_uri.to_string())
        .map_err(|error| OAuthError::Configuration(format!("callback URL: {error}")))?;
    let client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            settings.client_secret.expose().to_string(),
        ))
        .set_token_uri(token_url(settings)?)
        .set_redirect_uri(redirect)
        .set_auth_type(auth_type(settings));
    let response = client
        .exchange_code(AuthorizationCode::new(code.expose().to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.expose().to_string()))
        .request_async(http)
        .await
        .map_err(|error| describe(error).masking(settings, &[code, pkce_verifier]))?;
    Ok(token_set(&response, None, &[]))
}

/// Uses `refresh_token` for new tokens. A provider that sends no new refresh token
/// keeps the old one valid; one that sends no scope keeps the old scopes.
pub async fn refresh(
    http: &TokenHttp,
    settings: &OAuthSettings,
    refresh_token: &Secret,
    scopes: &[String],
) -> Result<TokenSet, OAuthError> {
    // A public client (the device grant's, often) has no secret to send.
    let mut client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_token_uri(token_url(settings)?)
        .set_auth_type(auth_type(settings));
    if !settings.client_secret.is_empty() {
        client = client.set_client_secret(ClientSecret::new(
            settings.client_secret.expose().to_string(),
        ));
    }
    let token = RefreshToken::new(refresh_token.expose().to_string());
    let response = client
        .exchange_refresh_token(&token)
        .request_async(http)
        .await
        .map_err(|error| describe(error).masking(settings, &[refresh_token]))?;
    Ok(token_set(&response, Some(refresh_token), scopes))
}

/// A token for the client itself (RFC 6749 section 4.4): the Scope field's scopes,
/// the Audience and the stored token parameters (Entra ID v1's `resource`) with it.
/// There is no refresh token; when this one expires, the same request is made again.
pub async fn fetch_client_credentials(
    http: &TokenHttp,
    settings: &OAuthSettings,
) -> Result<TokenSet, OAuthError> {
    let client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            settings.client_secret.expose().to_string(),
        ))
        .set_token_uri(token_url(settings)?)
        .set_auth_type(auth_type(settings));
    let scopes: Vec<String> = settings
        .scope
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut request = client
        .exchange_client_credentials()
        .add_scopes(scopes.iter().cloned().map(Scope::new));
    let audience = settings.audience.trim();
    if !audience.is_empty() {
        request = request.add_extra_param("audience", audience.to_string());
    }
    for (name, value) in settings.extra_token_parameters() {
        request = request.add_extra_param(name, value);
    }
    let response = request
        .request_async(http)
        .await
        .map_err(|error| describe(error).masking(settings, &[]))?;
    // RFC 6749 section 5.1: no scope in the answer means the scopes asked for.
    Ok(token_set(&response, None, &scopes))
}

fn token_set(
    response: &BasicTokenResponse,
    previous_refresh: Option<&Secret>,
    previous_scopes: &[String],
) -> TokenSet {
    let refresh_token = response
        .refresh_token()
        .map(|token| Secret::new(token.secret().clone()))
        .or_else(|| previous_refresh.cloned());
    let scopes = match response.scopes() {
        Some(scopes) => scopes.iter().map(|scope| scope.to_string()).collect(),
        None => previous_scopes.to_vec(),
    };
    TokenSet::bearer(
        Secret::new(response.access_token().secret().clone()),
        refresh_token,
        response
            .expires_in()
            .map(|d| Duration::from_secs(d.as_secs())),
        scopes,
    )
}

/// oauth2's errors, in words. A body that failed to parse is never quoted: it might
/// hold a token.
fn describe(error: RequestTokenError<WireError, BasicErrorResponse>) -> OAuthError {
    match error {
        RequestTokenError::ServerResponse(response) => OAuthError::Provider {
            error: response.error().as_ref().to_string(),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(error) => OAuthError::Http(error.0),
        RequestTokenError::Parse(error, _) => {
            OAuthError::Protocol(format!("not a token response (at {})", error.path()))
        }
        RequestTokenError::Other(message) => OAuthError::Protocol(message),
    }
}
