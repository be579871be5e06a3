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
/// them only when an AUTHORIZE starts, which is a bad moment to learn of a typo. Once
/// both are set, they must also be a certificate and a key that fit together. (One
/// may be set before the other, in two commands.)
fn check_listener_files(
    settings: &Settings,
    changes: &[(String, String)],
) -> Result<(), Vec<SettingError>> {
    let touched = |key: &str| changes.iter().any(|(changed, _)| changed == key);
    if !touched("callback_certificate") && !touched("callback_key") {
        return Ok(());
    }
    let refused = |key: &str, why: String| {
        vec![SettingError {
            key: key.to_string(),
            message: format!("{key}: {why}"),
        }]
    };
    let files = [
        ("callback_certificate", &settings.callback_certificate),
        ("callback_key", &settings.callback_key),
    ];
    for (key, path) in files {
        if let Some(path) = path
            && touched(key)
            && let Err(error) = crate::store::read_named_file(path, crate::store::FIELD_LIMIT)
        {
            return Err(refused(key, error.to_string()));
        }
    }
    let (Some(certificate), Some(key)) = (&settings.callback_certificate, &settings.callback_key)
    else {
        return Ok(());
    };
    let source = crate::oauth::IdentitySource {
        configured: Some((certificate.as_path(), key.as_path())),
        dir: Path::new(""),
        names: Vec::new(),
    };
    match crate::oauth::listener_identity(&source) {
        Ok(_) => Ok(()),
        Err(error @ crate::oauth::IdentityError::NotAKey) => {
            Err(refused("callback_key", error.to_string()))
        }
        Err(error) => Err(refused("callback_certificate", error.to_string())),
    }
}
