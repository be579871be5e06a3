//! Everything an authorize session needs, from the home's settings: the callback URL,
//! the listener's bind address and TLS identity, and the HTTP client for the token
//! URL with the integration's trust. The CLI and the TUI prepare sessions the same way
//! (`Home::prepare_session` gives the home's part).

use std::path::Path;
use std::time::Duration;

use super::error::SetupError;
use super::identity::{IdentitySource, ListenerIdentity, load_or_create};
use super::session::{ListenerPlan, SessionSetup};
use crate::http::{HttpOptions, build_client};
use crate::model::{Authentication, Integration, Settings};
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
    // The device grant has no redirect to listen for.
    let redirects = match &integration.authentication {
        Authentication::OAuth(oauth) => oauth.grant.uses_callback(),
        _ => true,
    };
    let listener = if paste_only || !redirects {
        None
    } else {
        let (plan, identity) = listener_plan(settings, &callback, data_dir)?;
        fingerprint = identity.map(|identity| identity.fingerprint);
        Some(plan)
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

/// What a check of the callback path runs with, from the home's settings.
pub struct CallbackCheckPlan {
    pub callback_url: String,
    /// The listener as an authorize session would start it.
    pub listener: ListenerPlan,
    /// The listener's certificate (PEM), when it serves https: what the check trusts
    /// by pinning, as the person accepts it in the phone's browser.
    pub certificate: Option<String>,
}

/// The listener a check of the callback path starts, as an authorize session would
/// start it, and the certificate the check pins.
pub fn callback_check_plan_in(
    settings: &Settings,
    callback_url: String,
    data_dir: &Path,
) -> Result<CallbackCheckPlan, SetupError> {
    let (listener, identity) = listener_plan(settings, &callback_url, data_dir)?;
    Ok(CallbackCheckPlan {
        callback_url,
        listener,
        certificate: identity.map(|identity| identity.certificate),
    })
}

/// Where the listener binds, and its TLS identity when the callback URL is https.
fn listener_plan(
    settings: &Settings,
    callback: &str,
    data_dir: &Path,
) -> Result<(ListenerPlan, Option<ListenerIdentity>), SetupError> {
    let identity = if callback.starts_with("https:") {
        let host = url::Url::parse(callback)
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
        Some(load_or_create(&IdentitySource {
            configured,
            dir: data_dir,
            names: vec![host],
        })?)
    } else {
        None
    };
    let tls = identity.as_ref().map(|identity| identity.config.clone());
    let plan = ListenerPlan::for_callback(callback, settings.callback_bind.as_deref(), tls)?;
    Ok((plan, identity))
}
