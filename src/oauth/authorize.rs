//! The authorize request (RFC 6749 section 4.1.1 with PKCE S256, RFC 7636) and the
//! callback it comes back to, whether the listener received it or the person pasted
//! the redirected URL.

use std::borrow::Cow;
use std::fmt;

use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};

use super::error::OAuthError;
use crate::model::{OAuthSettings, Secret};

/// One authorize attempt: the URL to open and what must come back with it.
pub struct AuthorizeRequest {
    pub url: String,
    /// The exact redirect_uri string sent; the token request repeats it byte for byte.
    pub redirect_uri: String,
    pub state: Secret,
    pub pkce_verifier: Secret,
}

impl fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl AuthorizeRequest {
    /// Builds the authorize URL with response_type=code, client_id, redirect_uri, scope
    /// and audience when set, a fresh random state and a PKCE S256 challenge, plus the
    /// provider's extra parameters (e.g. `prompt=consent`).
    pub fn new(
        settings: &OAuthSettings,
        redirect_uri: &str,
        extra_parameters: &[(String, String)],
    ) -> Result<AuthorizeRequest, OAuthError> {
        let auth_url = AuthUrl::new(settings.authorize_url.clone())
            .map_err(|error| OAuthError::Configuration(format!("Authorize URL: {error}")))?;
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|error| OAuthError::Configuration(format!("callback URL: {error}")))?;
        let client = BasicClient::new(ClientId::new(settings.client_id.clone()))
            .set_auth_uri(auth_url)
            .set_redirect_uri(redirect.clone());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .set_redirect_uri(Cow::Owned(redirect));
        for scope in settings.scope.split_whitespace() {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        if !settings.audience.trim().is_empty() {
            request = request.add_extra_param("audience", settings.audience.trim().to_string());
        }
        for (name, value) in extra_parameters {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        let (url, state) = request.url();
        Ok(AuthorizeRequest {
            url: url.to_string(),
            redirect_uri: redirect_uri.to_string(),
            state: Secret::new(state.secret().clone()),
            pkce_verifier: Secret::new(verifier.secret().clone()),
        })
    }
}

/// What came back to the callback URL.
#[derive(Clone, PartialEq, Eq)]
pub enum CallbackParams {
    Code {
        code: Secret,
        state: String,
    },
    Error {
        error: String,
        description: Option<String>,
        state: String,
    },
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackParams::Code { .. } => f.write_str("CallbackParams::Code"),
            CallbackParams::Error { error, .. } => write!(f, "CallbackParams::Error({error})"),
        }
    }
}

impl CallbackParams {
    pub fn state(&self) -> &str {
        match self {
            CallbackParams::Code { state, .. } | CallbackParams::Error { state, .. } => state,
        }
    }

    /// Parses the query string of a callback request (without the leading `?`).
    pub fn from_query(query: &str) -> Result<CallbackParams, OAuthError> {
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "code" => code = Some(value.into_owned()),
                "state" => state = Some(value.into_owned()),
                "error" => error = Some(value.into_owned()),
                "error_description" => description = Some(value.into_owned()),
                _ => {}
            }
        }
        let state = state.ok_or_else(|| {
            OAuthError::Callback("the redirect carries no `state` parameter".into())
        })?;
        match (error, code) {
            (Some(error), _) => Ok(CallbackParams::Error {
                error,
                description,
                state,
            }),
            (None, Some(code)) if !code.is_empty() => Ok(CallbackParams::Code {
                code: Secret::new(code),
                state,
            }),
            _ => Err(OAuthError::Callback(
                "the redirect carries neither `code` nor `error`".into(),
            )),
        }
    }

    /// Parses the full redirected URL a person pasted from the phone's address bar.
    /// Surrounding spaces and line breaks (from wrapped copies) are dropped.
    pub fn from_pasted_url(text: &str) -> Result<CallbackParams, OAuthError> {
        let joined: String = text.split_whitespace().collect();
        let url = url::Url::parse(&joined).map_err(|error| {
            OAuthError::Callback(format!("the pasted text is not a URL ({error})"))
        })?;
        CallbackParams::from_query(url.query().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OAuthSettings {
        OAuthSettings {
            client_id: "client one".into(),
            client_secret: Secret::new("s"),
            token_url: "https://auth.example.com/oauth/token".into(),
            authorize_url: "https://auth.example.com/authorize".into(),
            audience: "api.atlassian.com".into(),
            scope: "read:jira-work write:jira-work offline_access".into(),
            ..OAuthSettings::default()
        }
    }

    #[test]
    fn authorize_url_has_every_parameter() {
        let extra = [("prompt".to_string(), "consent".to_string())];
        let request =
            AuthorizeRequest::new(&settings(), "https://hiab.example.com/portal/oauth", &extra)
                .unwrap();
        let url = url::Url::parse(&request.url).unwrap();
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "client one");
        assert_eq!(
            query["redirect_uri"],
            "https://hiab.example.com/portal/oauth"
        );
        assert_eq!(
            query["scope"],
            "read:jira-work write:jira-work offline_access"
        );
        assert_eq!(query["audience"], "api.atlassian.com");
        assert_eq!(query["prompt"], "consent");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["state"], request.state.expose());
        assert!(query["code_challenge"].len() >= 43);
        assert!(!request.url.contains(request.pkce_verifier.expose()));
    }

    #[test]
    fn every_request_has_a_fresh_state_and_verifier() {
        let a = AuthorizeRequest::new(&settings(), "https://h/portal/oauth", &[]).unwrap();
        let b = AuthorizeRequest::new(&settings(), "https://h/portal/oauth", &[]).unwrap();
        assert_ne!(a.state, b.state);
        assert_ne!(a.pkce_verifier, b.pkce_verifier);
    }

    #[test]
    fn callback_parsing() {
        let ok = CallbackParams::from_query("code=abc&state=xyz").unwrap();
        assert_eq!(
            ok,
            CallbackParams::Code {
                code: Secret::new("abc"),
                state: "xyz".into()
            }
        );
        let denied = CallbackParams::from_query(
            "error=access_denied&error_description=User+said+no&state=s",
        )
        .unwrap();
        assert_eq!(
            denied,
            CallbackParams::Error {
                error: "access_denied".into(),
                description: Some("User said no".into()),
                state: "s".into()
            }
        );
        assert!(CallbackParams::from_query("code=abc").is_err());
        assert!(CallbackParams::from_query("state=abc").is_err());
        let pasted = CallbackParams::from_pasted_url(
            "  https://hiab.example.com/portal/oauth?code=a\nbc&state=xyz \n",
        )
        .unwrap();
        assert_eq!(pasted.state(), "xyz");
        assert!(format!("{pasted:?}").find("abc").is_none());
    }
}
