//! How an OAuth integration obtains its first token. The portal offers only the
//! authorization code; machine-to-machine receivers (ServiceNow, Azure Logic Apps,
//! API Management) take a token the client gets with its own credentials; and the
//! device grant suits a headless appliance: a code typed on a phone, no redirect.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The OAuth grant of an integration. A file written before grants existed has none,
/// which is the authorization code, so it loads unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// RFC 6749 section 4.1: a person grants access in a browser (AUTHORIZE); the
    /// tokens are refreshed with the refresh token.
    #[default]
    AuthorizationCode,
    /// RFC 6749 section 4.4: the client's own credentials at the token URL, no person,
    /// no callback; a new token is fetched whenever one is needed.
    ClientCredentials,
    /// RFC 8628: a person enters a short code at the provider on another device while
    /// the appliance polls the token URL; no callback URL, no listener.
    DeviceCode,
}

impl Grant {
    pub const ALL: [Grant; 3] = [
        Grant::AuthorizationCode,
        Grant::ClientCredentials,
        Grant::DeviceCode,
    ];

    /// The key in the integrations file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::ClientCredentials => "client_credentials",
            Grant::DeviceCode => "device_code",
        }
    }

    /// The choice as the AUTHENTICATION pane shows it.
    pub fn label(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "Authorization code",
            Grant::ClientCredentials => "Client credentials",
            Grant::DeviceCode => "Device code",
        }
    }

    /// Whether a person must grant access (AUTHORIZE) before the first token.
    pub fn needs_authorize(self) -> bool {
        self != Grant::ClientCredentials
    }

    /// Whether AUTHORIZE redirects a browser to the callback URL (and so needs the
    /// listener and a registered callback URL).
    pub fn uses_callback(self) -> bool {
        self == Grant::AuthorizationCode
    }

    pub fn is_authorization_code(&self) -> bool {
        *self == Grant::AuthorizationCode
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Grant {
    type Err = String;

    /// The key (`client_credentials`), with dashes (`client-credentials`, as
    /// `add --grant` takes it) or the label, in any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().replace('-', "_");
        Grant::ALL
            .into_iter()
            .find(|grant| {
                grant.as_str().eq_ignore_ascii_case(&wanted)
                    || grant.label().eq_ignore_ascii_case(text.trim())
            })
            .ok_or_else(|| {
                format!(
                    "`{}` is not one of authorization-code, client-credentials, device-code",
                    text.trim()
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_are_read_by_key_dashes_or_label() {
        for grant in Grant::ALL {
            assert_eq!(grant.as_str().parse::<Grant>(), Ok(grant));
            assert_eq!(grant.label().parse::<Grant>(), Ok(grant));
            assert_eq!(grant.as_str().replace('_', "-").parse::<Grant>(), Ok(grant));
        }
        let refused = "password".parse::<Grant>().unwrap_err();
        assert!(refused.contains("`password`"), "{refused}");
    }
}
