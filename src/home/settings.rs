//! Changing the appliance's settings, the same way from every face: each change
//! checked first (a typo changes nothing), then all of them applied under the
//! settings file's lock to the file as it is then, so that a change another process
//! made meanwhile to another setting stays.

use std::path::Path;

use super::Home;
use crate::model::{SettingError, Settings};
use crate::store::StoreError;

/// Why settings were not changed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsChangeError {
    /// Refused values, each naming its setting; nothing was written.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<SettingError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Home {
    /// Applies `changes` (`KEY`, `VALUE` as `hookconsole settings KEY=VALUE` takes
    /// them) and returns the settings as saved.
    pub fn change_settings(
        &self,
        changes: &[(String, String)],
    ) -> Result<Settings, SettingsChangeError> {
        let store = self.settings_store();
        let mut changed = store.load()?;
        changed
            .set_all(changes)
            .map_err(SettingsChangeError::Invalid)?;
        check_listener_files(&changed, changes).map_err(SettingsChangeError::Invalid)?;
        Ok(store.update(|settings| {
            settings
                .set_all(changes)
                .map_err(|refused| SettingsChangeError::Invalid(refused).to_string())
        })?)
    }
}

/// A callback certificate or key being set must be there to read: the listener reads
/// them only when an AUTHORIZE starts, which is a bad moment to learn of a typo. Each
/// set must be a PEM certificate (chain) or a PEM private key; once both are set, the
/// key must be the certificate's. (One may be set before the other, in two commands;
/// the one being set is blamed for a pair that does not fit.)
fn check_listener_files(
    settings: &Settings,
    changes: &[(String, String)],
) -> Result<(), Vec<SettingError>> {
    use crate::oauth::{check_certificate_file, check_key_file};
    let touched = |key: &str| changes.iter().any(|(changed, _)| changed == key);
    let refused = |key: &str, why: String| {
        vec![SettingError {
            key: key.to_string(),
            message: format!("{key}: {why}"),
        }]
    };
    let (certificate, key) = (&settings.callback_certificate, &settings.callback_key);
    if let Some(path) = certificate
        .as_deref()
        .filter(|_| touched("callback_certificate"))
    {
        check_certificate_file(path)
            .map_err(|error| refused("callback_certificate", error.to_string()))?;
    }
    if let Some(path) = key.as_deref().filter(|_| touched("callback_key")) {
        check_key_file(path).map_err(|error| refused("callback_key", error.to_string()))?;
    }
    let (Some(certificate), Some(key)) = (certificate, key) else {
        return Ok(());
    };
    if !touched("callback_certificate") && !touched("callback_key") {
        return Ok(());
    }
    let source = crate::oauth::IdentitySource {
        configured: Some((certificate.as_path(), key.as_path())),
        dir: Path::new(""),
        names: Vec::new(),
    };
    let blamed = if touched("callback_key") {
        "callback_key"
    } else {
        "callback_certificate"
    };
    match crate::oauth::listener_identity(&source) {
        Ok(_) => Ok(()),
        Err(crate::oauth::IdentityError::Mismatch(rustls::Error::InconsistentKeys(_))) => {
            Err(refused(
                blamed,
                format!(
                    "{} is not the private key of the certificate in {}",
                    key.display(),
                    certificate.display()
                ),
            ))
        }
        Err(error) => Err(refused(blamed, error.to_string())),
    }
}
