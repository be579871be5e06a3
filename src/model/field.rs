//! The fields of an integration, named once: the label a screen shows, the key the
//! YAML file and the CLI use.

use std::fmt;

/// One field of an integration. Errors name a field; the TUI moves the cursor to it;
/// `hookconsole set` takes its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Url,
    RetryInterval,
    HttpMethod,
    HttpHeaders,
    Certificate,
    ContentSample,
    Enabled,
    Authentication,
    Username,
    Password,
    Grant,
    ClientId,
    ClientSecret,
    TokenUrl,
    AuthorizeUrl,
    DeviceAuthorizationUrl,
    Audience,
    Scope,
    AuthorizeParameters,
    TokenParameters,
    ApiType,
    ClientAuthentication,
    RevocationUrl,
    SitesUrl,
    SiteUrl,
    Signing,
}

impl Field {
    pub const ALL: [Field; 27] = [
        Field::Name,
        Field::Url,
        Field::RetryInterval,
        Field::HttpMethod,
        Field::HttpHeaders,
        Field::Certificate,
        Field::ContentSample,
        Field::Enabled,
        Field::Authentication,
        Field::Username,
        Field::Password,
        Field::Grant,
        Field::ClientId,
        Field::ClientSecret,
        Field::TokenUrl,
        Field::AuthorizeUrl,
        Field::DeviceAuthorizationUrl,
        Field::Audience,
        Field::Scope,
        Field::AuthorizeParameters,
        Field::TokenParameters,
        Field::ApiType,
        Field::ClientAuthentication,
        Field::RevocationUrl,
        Field::SitesUrl,
        Field::SiteUrl,
        Field::Signing,
    ];

    /// The label as the screen (and the portal) shows it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Url => "URL",
            Field::RetryInterval => "Retry Interval",
            Field::HttpMethod => "HTTP Method",
            Field::HttpHeaders => "HTTP Headers",
            Field::Certificate => "Certificate",
            Field::ContentSample => "Content Sample",
            Field::Enabled => "Enabled",
            Field::Authentication => "Authentication",
            Field::Username => "Username",
            Field::Password => "Password",
            Field::Grant => "Grant",
            Field::ClientId => "Client ID",
            Field::ClientSecret => "Client Secret",
            Field::TokenUrl => "Token URL",
            Field::AuthorizeUrl => "Authorize URL",
            Field::DeviceAuthorizationUrl => "Device code URL",
            Field::Audience => "Audience",
            Field::Scope => "Scope",
            Field::AuthorizeParameters => "Authorize parameters",
            Field::TokenParameters => "Token parameters",
            Field::ApiType => "OAuth API type",
            Field::ClientAuthentication => "Client authentication",
            Field::RevocationUrl => "Revocation URL",
            Field::SitesUrl => "Sites URL",
            Field::SiteUrl => "Site URL pattern",
            Field::Signing => "Signing",
        }
    }

    /// The key in the integrations file and in `hookconsole set NAME KEY=VALUE`.
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Url => "url",
            Field::RetryInterval => "retry_interval",
            Field::HttpMethod => "http_method",
            Field::HttpHeaders => "http_headers",
            Field::Certificate => "certificate",
            Field::ContentSample => "content_sample",
            Field::Enabled => "enabled",
            Field::Authentication => "authentication",
            Field::Username => "username",
            Field::Password => "password",
            Field::Grant => "grant",
            Field::ClientId => "client_id",
            Field::ClientSecret => "client_secret",
            Field::TokenUrl => "token_url",
            Field::AuthorizeUrl => "authorize_url",
            Field::DeviceAuthorizationUrl => "device_authorization_url",
            Field::Audience => "audience",
            Field::Scope => "scope",
            Field::AuthorizeParameters => "authorize_parameters",
            Field::TokenParameters => "token_parameters",
            Field::ApiType => "api_type",
            Field::ClientAuthentication => "client_authentication",
            Field::RevocationUrl => "revocation_url",
            Field::SitesUrl => "sites_url",
            Field::SiteUrl => "site_url",
            Field::Signing => "signing",
        }
    }

    /// Looks a field up by its key, or by its label in any case ("Retry Interval").
    pub fn from_key(text: &str) -> Option<Field> {
        let wanted = text.trim();
        Field::ALL.into_iter().find(|field| {
            field.key() == wanted
                || field.label().eq_ignore_ascii_case(wanted)
                || field.key().replace('_', "-") == wanted
        })
    }

    pub fn is_secret(self) -> bool {
        matches!(self, Field::Password | Field::ClientSecret)
    }

    /// The fields that hold a URL, which may carry secrets of its own (a password, a
    /// `sig=`): shown masked, and masked in exports without secrets.
    pub fn is_url(self) -> bool {
        matches!(
            self,
            Field::Url
                | Field::TokenUrl
                | Field::AuthorizeUrl
                | Field::DeviceAuthorizationUrl
                | Field::RevocationUrl
                | Field::SitesUrl
                | Field::SiteUrl
        )
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_key_and_label() {
        for field in Field::ALL {
            assert_eq!(Field::from_key(field.key()), Some(field));
            assert_eq!(Field::from_key(field.label()), Some(field));
        }
        assert_eq!(
            Field::from_key("retry-interval"),
            Some(Field::RetryInterval)
        );
        assert_eq!(Field::from_key("nonsense"), None);
    }
}
