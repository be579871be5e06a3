//! The two requests of the device authorization grant (RFC 8628): asking for a device
//! code (section 3.1) and one poll of the token endpoint (section 3.4). How often to
//! poll, and when to stop, is the flow's to decide (`flow.rs`); these only ask and
//! read the answer. Bodies go through `TokenHttp`, so the OAuth API type (form or
//! JSON) and the integration's trust apply as for every token request.

use std::time::Duration;

use oauth2::http::{Method, header};
use serde_json::{Map, Value};

use super::error::OAuthError;
use super::wire::TokenHttp;
use crate::model::{ClientAuthentication, OAuthSettings, Secret};
use crate::store::TokenSet;

/// RFC 8628 section 3.4.
const DEVICE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Section 3.2: without an `interval`, 5 seconds.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// A device code and what the person needs to use it. The device code itself is a
/// secret: it is never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    pub interval: Duration,
}

/// What one poll of the token endpoint answered (section 3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollAnswer {
    /// `authorization_pending`: the person has not finished yet.
    Pending,
    /// `slow_down`: poll 5 seconds less often from now on.
    SlowDown,
    /// `access_denied`.
    Denied {
        description: Option<String>,
    },
    /// `expired_token`: the device code ran out; start again.
    Expired,
    Tokens(TokenSet),
}

/// The user code in the groups a person reads it in: the provider's own (`WDJB-MJHT`),
/// else groups of four (`WDJBMJHT` is `WDJB`, `MJHT`). Both faces show these.
pub fn code_groups(code: &str) -> Vec<String> {
    if code.contains(['-', ' ']) {
        return code
            .split(['-', ' '])
            .filter(|group| !group.is_empty())
            .map(str::to_string)
            .collect();
    }
    code.chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|chunk| chunk.iter().collect())
        .collect()
}

/// Asks the Device authorization URL for a device code, with the Scope and Audience.
pub async fn request_device_code(
    http: &TokenHttp,
    settings: &OAuthSettings,
) -> Result<DeviceAuthorization, OAuthError> {
    let mut parameters = Vec::new();
    if !settings.scope.trim().is_empty() {
        parameters.push(("scope", settings.scope.trim().to_string()));
    }
    if !settings.audience.trim().is_empty() {
        parameters.push(("audience", settings.audience.trim().to_string()));
    }
    let answer = post(
        http,
        settings,
        &settings.device_authorization_url,
        parameters,
    )
    .await
    .map_err(|error| match error {
        OAuthError::Http(message) => OAuthError::DeviceRequest(message),
        other => other,
    })?;
    let text = |name: &str| answer.get(name).and_then(Value::as_str).map(str::to_string);
    let seconds = |name: &str| {
        answer.get(name).and_then(|value| match value {
            Value::Number(number) => number.as_u64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        })
    };
    let missing =
        |name: &str| OAuthError::Protocol(format!("the device authorization answer has no {name}"));
    Ok(DeviceAuthorization {
        device_code: Secret::new(text("device_code").ok_or_else(|| missing("device_code"))?),
        user_code: text("user_code").ok_or_else(|| missing("user_code"))?,
        // Google names it verification_url.
        verification_uri: text("verification_uri")
            .or_else(|| text("verification_url"))
            .ok_or_else(|| missing("verification_uri"))?,
        verification_uri_complete: text("verification_uri_complete"),
        expires_in: Duration::from_secs(
            seconds("expires_in").ok_or_else(|| missing("expires_in"))?,
        ),
        interval: seconds("interval")
            .filter(|seconds| *seconds > 0)
            .map_or(DEFAULT_INTERVAL, Duration::from_secs),
    })
}

/// One poll of the token endpoint with `device_code`.
pub async fn poll_device_token(
    http: &TokenHttp,
    settings: &OAuthSettings,
    device_code: &Secret,
) -> Result<PollAnswer, OAuthError> {
    let parameters = vec![
        ("grant_type", DEVICE_GRANT_TYPE.to_string()),
        ("device_code", device_code.expose().to_string()),
    ];
    let answer = match post(http, settings, &settings.token_url, parameters).await {
        Ok(answer) => answer,
        Err(OAuthError::Provider { error, description }) => {
            return match error.as_str() {
                "authorization_pending" => Ok(PollAnswer::Pending),
                "slow_down" => Ok(PollAnswer::SlowDown),
                "access_denied" => Ok(PollAnswer::Denied { description }),
                "expired_token" => Ok(PollAnswer::Expired),
                _ => Err(OAuthError::Provider { error, description }),
            };
        }
        Err(other) => return Err(other),
    };
    let access = answer
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| OAuthError::Protocol("not a token response (no access_token)".into()))?;
    let refresh = answer
        .get("refresh_token")
        .and_then(Value::as_str)
        .map(Secret::new);
    let expires_in = answer
        .get("expires_in")
        .and_then(Value::as_u64)
        .map(Duration::from_secs);
    // RFC 6749 section 5.1: no scope in the answer means the scopes asked for.
    let scopes = answer
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or(&settings.scope)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok(PollAnswer::Tokens(TokenSet::bearer(
        Secret::new(access),
        refresh,
        expires_in,
        scopes,
    )))
}

/// POSTs `parameters` with the client's authentication to `url`; the answer's JSON
/// object, or the provider's error.
async fn post(
    http: &TokenHttp,
    settings: &OAuthSettings,
    url: &str,
    mut parameters: Vec<(&'static str, String)>,
) -> Result<Map<String, Value>, OAuthError> {
    let mut request = oauth2::http::Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let secret = settings.client_secret.expose();
    let basic = !secret.is_empty()
        && settings.effective_client_authentication() == ClientAuthentication::Basic;
    if basic {
        let value = format!("Basic {}", super::client_auth::basic_credentials(settings));
        request = request.header(header::AUTHORIZATION, value);
    } else {
        parameters.push(("client_id", settings.client_id.clone()));
        if !secret.is_empty() {
            parameters.push(("client_secret", secret.to_string()));
        }
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            parameters
                .iter()
                .map(|(name, value)| (*name, value.as_str())),
        )
        .finish()
        .into_bytes();
    let request = request
        .body(body)
        .map_err(|error| OAuthError::Configuration(format!("{url}: {error}")))?;
    let response = http
        .send(request)
        .await
        .map_err(|error| OAuthError::Http(error.0))?;
    let status = response.status();
    // What the provider may quote back: the device code, with the client's secret.
    let device_code = parameters
        .iter()
        .find(|(name, _)| *name == "device_code")
        .map(|(_, code)| Secret::new(code.clone()));
    let object = serde_json::from_slice::<Value>(response.body())
        .ok()
        .and_then(|value| value.as_object().cloned());
    match object {
        Some(object) if object.contains_key("error") => Err(OAuthError::Provider {
            error: object
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            description: object
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
        .masking(settings, &device_code.iter().collect::<Vec<_>>())),
        Some(object) if status.is_success() => Ok(object),
        // Never quoted: a body that is not what was expected might hold a token.
        _ => Err(OAuthError::Protocol(format!(
            "the endpoint answered HTTP {} without an OAuth answer",
            status.as_u16()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::code_groups;

    #[test]
    fn codes_keep_the_providers_groups_or_get_groups_of_four() {
        assert_eq!(code_groups("WDJBMJHT"), ["WDJB", "MJHT"]);
        assert_eq!(code_groups("WDJB-MJHT"), ["WDJB", "MJHT"]);
        assert_eq!(code_groups("123 456"), ["123", "456"]);
        assert_eq!(code_groups("ABCDEF"), ["ABCD", "EF"]);
    }
}
