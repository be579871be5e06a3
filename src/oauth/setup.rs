//! Everything an authorize session needs, from the home's settings: the callback URL,
//! the listener's bind address and TLS identity, and the HTTP client for the token
//! URL with the integration's trust. The CLI and the TUI prepare sessions the same way.

use std::time::Duration;

use super::error::SetupError;
use super::identity::{IdentitySource, load_or_create};
use super::session::{ListenerPlan, SessionSetup};
use crate::http::{HttpOptions, build_client};
use crate::model::Integration;
use crate::store::{Locations, MachineIdentity, SettingsStore, TokenStore, callback_url};

/// A prepared session and what the screen shows besides it.
pub struct PreparedSession {
    pub setup: SessionSetup,
    /// The callback URL to register at the provider.
    pub callback_url: String,
    /// SHA-256 of the listener's certificate, when it serves https.
    pub fingerprint: Option<String>,
}

/// Prepares an authorize session for `integration`. With `paste_only` no listener
/// runs.
pub fn prepare_session(
    locations: &Locations,
    integration: &Integration,
    paste_only: bool,
    timeout: Duration,
    extra_parameters: Vec<(String, String)>,
) -> Result<PreparedSession, SetupError> {
    let settings = SettingsStore::new(locations).load()?;
    let callback = callback_url(&settings, &MachineIdentity::detect());
    let client = build_client(integration, &HttpOptions::from_settings(&settings))?.client;
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
                dir: &locations.data_dir,
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
            tokens: TokenStore::new(locations.tokens_file()),
            timeout,
            extra_parameters,
        },
        callback_url: callback,
        fingerprint,
    })
}
