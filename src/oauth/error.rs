use super::identity::IdentityError;
use super::start_link::RandomSourceFailed;
use crate::http::HttpError;
use crate::model::{MASK, OAuthSettings, Secret};
use crate::store::StoreError;

/// What went wrong in an OAuth step, in words a support engineer can act on. No
/// variant carries a token, a code or a secret.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("OAuth settings: {0}")]
    Configuration(String),
    #[error("callback: {0}")]
    Callback(String),
    /// The provider answered with an OAuth error (RFC 6749 section 5.2).
    #[error("the provider refused: {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Provider {
        error: String,
        description: Option<String>,
    },
    #[error("token request failed: {0}")]
    Http(String),
    /// The device authorization request (the Device code URL's), which comes before
    /// any token request: said so, or the Token URL was blamed.
    #[error("device authorization request (Device code URL) failed: {0}")]
    DeviceRequest(String),
    /// The HTTP client for the token URL cannot be built (the integration's trust).
    #[error("token request failed: {0}")]
    TokenClient(HttpError),
    /// The integration's own HTTP client cannot be built (revoking at the provider).
    #[error(transparent)]
    Client(HttpError),
    /// No runtime for the requests of a blocking caller.
    #[error(transparent)]
    Runtime(std::io::Error),
    /// The task of a token request or of saving tokens ended without an answer.
    #[error("task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("OAuth settings: {0}")]
    Random(#[from] RandomSourceFailed),
    #[error("the token endpoint's answer is not usable: {0}")]
    Protocol(String),
    #[error("not authorized: authorize the integration first")]
    NotAuthorized,
    #[error("re-authorization needed: {0}")]
    ReauthorizationNeeded(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the listener cannot run as the settings say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenerPlanError {
    #[error("callback URL: {0}")]
    CallbackUrl(url::ParseError),
    #[error("callback_bind: `{0}` is not ADDRESS:PORT")]
    Bind(String),
    #[error("an https callback URL needs a TLS identity for the listener")]
    NoIdentity,
}

/// Why an authorize session cannot be prepared from the home's settings: one line for
/// the person, which says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Settings(#[from] StoreError),
    /// The token URL's client (the integration's trust settings).
    #[error(transparent)]
    Client(#[from] HttpError),
    #[error("callback_certificate and callback_key go together: set both or neither")]
    HalfIdentity,
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Listener(#[from] ListenerPlanError),
}

impl OAuthError {
    /// This error with every form in which the token request carried a secret masked
    /// in what the provider wrote back: a provider's `error_description` may quote the
    /// request (its Authorization header, its body), and it is shown, logged and
    /// stored as the reason a refresh failed. `also` are the request's other secrets
    /// (the code, the PKCE verifier, the refresh token, the device code).
    pub fn masking(self, settings: &OAuthSettings, also: &[&Secret]) -> OAuthError {
        let OAuthError::Provider { error, description } = self else {
            return self;
        };
        let secrets = sent_secrets(settings, also);
        let mask = |text: String| {
            secrets.iter().fold(text, |text, secret| {
                if text.contains(secret.as_str()) {
                    text.replace(secret.as_str(), MASK)
                } else {
                    text
                }
            })
        };
        OAuthError::Provider {
            error: mask(error),
            description: description.map(mask),
        }
    }

    /// `invalid_grant`: the refresh token (or code) is dead; only a new authorization helps.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Provider { error, .. } if error == "invalid_grant")
    }
}

/// The secrets of a token request as they go on the wire: each as it is, form-encoded,
/// and the client's Basic credentials (RFC 6749 section 2.3.1: form-encoded, then
/// Base64; also without the form-encoding, as some clients send them). Longest first,
/// so that a value containing another is masked whole.
fn sent_secrets(settings: &OAuthSettings, also: &[&Secret]) -> Vec<String> {
    use super::client_auth::{basic_credentials, basic_credentials_unencoded, form_encoded};
    let client_secret = settings.client_secret.expose();
    let mut secrets = Vec::new();
    for secret in also
        .iter()
        .map(|secret| secret.expose())
        .chain([client_secret])
    {
        secrets.push(secret.to_string());
        secrets.push(form_encoded(secret));
    }
    if !client_secret.is_empty() {
        secrets.push(basic_credentials(settings));
        secrets.push(basic_credentials_unencoded(settings));
    }
    // A secret of a few characters would mask ordinary words of the description.
    secrets.retain(|secret| secret.len() >= 4);
    // Longest first; equal ones next to each other, so that dedup finds them all.
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_quoting_the_request_has_its_secrets_masked() {
        let settings = OAuthSettings {
            client_id: "CID".into(),
            client_secret: Secret::new("CSECRET+X"),
            ..OAuthSettings::default()
        };
        let refresh = Secret::new("RT-123456");
        let quoted = "got Basic Q0lEOkNTRUNSRVQlMkJY, client_secret=CSECRET%2BX, raw \
                      CSECRET+X, Basic Q0lEOkNTRUNSRVQrWA==, refresh_token=RT-123456";
        let masked = OAuthError::Provider {
            error: "invalid_client".into(),
            description: Some(quoted.into()),
        }
        .masking(&settings, &[&refresh])
        .to_string();
        for secret in [
            "CSECRET",
            "Q0lEOkNTRUNSRVQlMkJY",
            "Q0lEOkNTRUNSRVQrWA",
            "RT-123456",
        ] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(masked.starts_with("the provider refused: invalid_client: got Basic "));
    }
}
