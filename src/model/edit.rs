//! Setting one field from the text a person typed, and reading it back as text. The
//! CLI's `set NAME FIELD=VALUE` and the TUI's form both go through here, so a field
//! parses the same way everywhere.

use super::field::Field;
use super::grant::Grant;
use super::integration::{
    ApiType, AuthKind, Authentication, ClientAuthentication, Header, Integration, OAuthSettings,
};
use super::secret::Secret;
use super::signing::SigningChange;
use super::validation::FieldError;

/// Sets `field` from `text`. Only parsing happens here (a number that is not a number,
/// a method that does not exist); range and format checks are [`super::validate`]'s.
pub fn set_field(
    integration: &mut Integration,
    field: Field,
    text: &str,
) -> Result<(), FieldError> {
    let fail = |message: String| FieldError::new(field, message);
    match field {
        Field::Name => integration.name = text.trim().to_string(),
        Field::Url => integration.url = text.trim().to_string(),
        Field::RetryInterval => {
            let trimmed = text.trim();
            integration.retry_interval = if trimmed.is_empty() {
                super::DEFAULT_RETRY_INTERVAL
            } else {
                trimmed.parse().map_err(|_| {
                    // Digits too many for a number are out of range, not "not a number".
                    let range = super::RETRY_INTERVAL_RANGE;
                    let what = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit())
                    {
                        "is out of range"
                    } else {
                        "is not a whole number of seconds"
                    };
                    fail(format!(
                        "`{trimmed}` {what}: give {} to {} seconds",
                        range.start(),
                        range.end()
                    ))
                })?
            };
        }
        Field::HttpMethod => {
            let trimmed = text.trim();
            integration.http_method = if trimmed.is_empty() {
                None
            } else {
                Some(trimmed.parse().map_err(fail)?)
            };
        }
        Field::HttpHeaders => {
            integration.http_headers = text
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(Header::parse)
                .collect::<Result<_, _>>()
                .map_err(fail)?;
        }
        Field::Certificate => {
            integration.certificate = (!text.trim().is_empty()).then(|| text.to_string());
        }
        Field::ContentSample => integration.content_sample = text.to_string(),
        Field::Enabled => integration.enabled = parse_bool(text).map_err(fail)?,
        Field::Authentication => {
            let kind: AuthKind = text.parse().map_err(fail)?;
            if kind != integration.authentication.kind() {
                integration.authentication = match kind {
                    AuthKind::None => Authentication::None,
                    AuthKind::Basic => Authentication::Basic {
                        username: String::new(),
                        password: Secret::default(),
                    },
                    AuthKind::OAuth => Authentication::OAuth(OAuthSettings::default()),
                };
            }
        }
        Field::Signing => match SigningChange::parse(text).map_err(fail)? {
            SigningChange::Off => integration.signing = None,
            SigningChange::On if integration.signing.is_some() => {}
            // The secret comes from the system's random generator, which this pure
            // module does not touch: see `change_signing`.
            SigningChange::On | SigningChange::Rotate { .. } => {
                return Err(fail(
                    "a new secret is made by `hookconsole set NAME signing=on|rotate` or \
                     the editor"
                        .into(),
                ));
            }
        },
        Field::Username | Field::Password => match &mut integration.authentication {
            Authentication::Basic { username, password } => {
                if field == Field::Username {
                    *username = text.trim().to_string();
                } else {
                    *password = Secret::new(text);
                }
            }
            _ => return Err(fail(wrong_kind("Basic", "basic"))),
        },
        _ => {
            let Authentication::OAuth(oauth) = &mut integration.authentication else {
                return Err(fail(wrong_kind("OAuth", "oauth")));
            };
            set_oauth_field(oauth, field, text).map_err(fail)?;
        }
    }
    Ok(())
}

fn set_oauth_field(oauth: &mut OAuthSettings, field: Field, text: &str) -> Result<(), String> {
    let trimmed = text.trim().to_string();
    match field {
        Field::Grant => oauth.grant = trimmed.parse::<Grant>()?,
        Field::ClientId => oauth.client_id = trimmed,
        Field::ClientSecret => oauth.client_secret = Secret::new(text),
        Field::TokenUrl => oauth.token_url = trimmed,
        Field::AuthorizeUrl => oauth.authorize_url = trimmed,
        Field::DeviceAuthorizationUrl => oauth.device_authorization_url = trimmed,
        Field::Audience => oauth.audience = trimmed,
        Field::Scope => oauth.scope = trimmed,
        Field::AuthorizeParameters => oauth.authorize_parameters = trimmed,
        Field::TokenParameters => oauth.token_parameters = trimmed,
        Field::RevocationUrl => oauth.revocation_url = trimmed,
        Field::SitesUrl => oauth.sites_url = trimmed,
        Field::SiteUrl => oauth.site_url = trimmed,
        Field::ApiType => oauth.api_type = trimmed.parse::<ApiType>()?,
        Field::ClientAuthentication => {
            oauth.client_authentication = if trimmed.is_empty() || trimmed == "default" {
                None
            } else {
                Some(trimmed.parse::<ClientAuthentication>()?)
            };
        }
        _ => unreachable!("set_field handles the non-OAuth fields"),
    }
    Ok(())
}

fn wrong_kind(label: &str, key: &str) -> String {
    format!("applies to {label} authentication only; set authentication={key} first")
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "enabled" => Ok(true),
        "no" | "false" | "off" | "0" | "disabled" => Ok(false),
        other => Err(format!("`{other}` is not yes or no")),
    }
}

/// The field's value as text, the inverse of [`set_field`]. Secrets come back
/// unmasked: the caller decides whether to show them. `None` when the field does not
/// apply to the integration's authentication.
pub fn field_text(integration: &Integration, field: Field) -> Option<String> {
    let text = match field {
        Field::Name => integration.name.clone(),
        Field::Url => integration.url.clone(),
        Field::RetryInterval => integration.retry_interval.to_string(),
        Field::HttpMethod => integration
            .http_method
            .map(|method| method.to_string())
            .unwrap_or_default(),
        Field::HttpHeaders => integration
            .http_headers
            .iter()
            .map(|header| format!("{}: {}", header.name, header.value))
            .collect::<Vec<_>>()
            .join("\n"),
        Field::Certificate => integration.certificate.clone().unwrap_or_default(),
        Field::ContentSample => integration.content_sample.clone(),
        Field::Enabled => if integration.enabled { "yes" } else { "no" }.to_string(),
        Field::Authentication => integration.authentication.kind().as_str().to_string(),
        Field::Signing => if integration.signing.is_some() {
            "on"
        } else {
            "off"
        }
        .to_string(),
        Field::Username | Field::Password => match &integration.authentication {
            Authentication::Basic { username, password } => {
                if field == Field::Username {
                    username.clone()
                } else {
                    password.expose().to_string()
                }
            }
            _ => return None,
        },
        _ => {
            let Authentication::OAuth(oauth) = &integration.authentication else {
                return None;
            };
            match field {
                Field::Grant => oauth.grant.as_str().to_string(),
                Field::ClientId => oauth.client_id.clone(),
                Field::ClientSecret => oauth.client_secret.expose().to_string(),
                Field::TokenUrl => oauth.token_url.clone(),
                Field::AuthorizeUrl => oauth.authorize_url.clone(),
                Field::DeviceAuthorizationUrl => oauth.device_authorization_url.clone(),
                Field::Audience => oauth.audience.clone(),
                Field::Scope => oauth.scope.clone(),
                Field::AuthorizeParameters => oauth.authorize_parameters.clone(),
                Field::TokenParameters => oauth.token_parameters.clone(),
                Field::RevocationUrl => oauth.revocation_url.clone(),
                Field::SitesUrl => oauth.sites_url.clone(),
                Field::SiteUrl => oauth.site_url.clone(),
                Field::ApiType => oauth.api_type.as_str().to_string(),
                Field::ClientAuthentication => oauth
                    .client_authentication
                    .map(|auth| auth.as_str().to_string())
                    .unwrap_or_default(),
                _ => return None,
            }
        }
    };
    Some(text)
}
