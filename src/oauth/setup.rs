//! Everything an authorize session needs, from the home's settings: the callback URL,
//! the listener's bind address and TLS identity, and the HTTP client for the token
//! URL with the integration's trust. The CLI and the TUI prepare sessions the same way
//! (`Home::prepare_session` gives the home's part).

use std::path::Path;
use std::time::Duration;

use super::error::SetupError;
use super::identity::{IdentitySource, load_or_create};
use super::session::{ListenerPlan, SessionSetup};
use crate::http::{HttpOptions, build_client};
use crate::model::{Integration, Settings};
use crate::store::TokenStore;

/// A prepared session and what the screen shows besides it.
pub struct PreparedSession {
    pub setup: SessionSetup,
    /// The callback URL to register at the provider.
    pub callback_url: String,
    /// SHA-256 of the listener's certificate, when it serves https.
    pub fingerprint: Option<String>,
}

/// What a session takes from its home.
pub struct SessionHome<'a> {
    /// For the listener: its bind address and certificate.
    pub settings: &'a Settings,
    pub callback_url: String,
    /// Where the listener keeps its self-signed certificate.
    pub data_dir: &'a Path,
    pub tokens: TokenStore,
    /// For the token URL's client.
    pub http: HttpOptions,
}

/// Prepares an authorize session for `integration`. With `paste_only` no listener
/// runs.
pub fn prepare_session_in(
    home: SessionHome<'_>,
    integration: &Integration,
    paste_only: bool,
    timeout: Duration,
    extra_parameters: Vec<(String, String)>,
) -> Result<PreparedSession, SetupError> {
    let SessionHome {
        settings,
        callback_url: callback,
        data_dir,
        tokens,
        http,
    } = home;
    let client = build_client(integration, &http)?.client;
    let mut fingerprint = None;
    let listener = if paste_only {
        None
    } else {
        let tls = if callback.starts_with("https:") {
            let host = url::Url::parse(&callback)
                .ok()
                .and_then(|url| {
                    url.host_str()
                        .map(|h| h.trim_matches(['[', ']']).to_string())
                })
                .unwrap_or_default();
            let configured = match (&settings.callback_certificate, &settings.callback_key) {
                (Some(certificate), Some(key)) => Some((certificate.as_path(), key.as_path())),
                (None, None) => None,
                _ => return Err(SetupError::HalfIdentity),
            };
            let identity = load_or_create(&IdentitySource {
                configured,
                dir: data_dir,
                names: vec![host],
            })?;
            fingerprint = Some(identity.fingerprint);
            Some(identity.config)
        } else {
            None
        };
        Some(ListenerPlan::for_callback(
            &callback,
            settings.callback_bind.as_deref(),
            tls,
        )?)
    };
    Ok(PreparedSession {
        setup: SessionSetup {
            integration: integration.clone(),
            callback_url: callback.clone(),
            listener,
            client,
            tokens,
            timeout,
            extra_parameters,
        },
        callback_url: callback,
        fingerprint,
    })
}
