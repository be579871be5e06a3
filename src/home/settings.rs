//! Changing the appliance's settings, the same way from every face: each change
//! checked first (a typo changes nothing), then all of them applied under the
//! settings file's lock to the file as it is then, so that a change another process
//! made meanwhile to another setting stays.

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
        store
            .load()?
            .set_all(changes)
            .map_err(SettingsChangeError::Invalid)?;
        Ok(store.update(|settings| {
            settings
                .set_all(changes)
                .map_err(|refused| SettingsChangeError::Invalid(refused).to_string())
        })?)
    }
}
