//! The proxy's user name and password, kept with the other secrets: in the home, mode
//! 0600, written atomically. The settings file holds none (it is 0640 and group
//! readable in the packaged layout); `settings proxy=http://user:pw@host:port` keeps
//! the URL there and the credentials here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::write_atomic;
use super::error::StoreError;
use super::read::{SETTINGS_LIMIT, read_own_file};
use crate::model::ProxyCredentials;

const SCHEMA_VERSION: u32 = 1;
const FILE_MODE: u32 = 0o600;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    schema: u32,
    proxy: ProxyCredentials,
}

/// The file in the home that holds them.
#[derive(Debug, Clone)]
pub(super) struct ProxyCredentialFile {
    path: PathBuf,
}

impl ProxyCredentialFile {
    pub(super) fn new(path: PathBuf) -> ProxyCredentialFile {
        ProxyCredentialFile { path }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn load(&self) -> Result<Option<ProxyCredentials>, StoreError> {
        let Some(bytes) = read_own_file(&self.path, SETTINGS_LIMIT)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes);
        super::yaml_limits::check_nesting(&self.path, &text)?;
        // Never serde_yaml's message: it could quote the password.
        let file: CredentialsFile =
            serde_yaml::from_str(&text).map_err(|error| StoreError::Parse {
                path: self.path.clone(),
                line: error.location().map(|location| location.line()),
                column: None,
                message: "is not a proxy credentials file; set the proxy again with \
                          `hookconsole settings proxy=URL`"
                    .into(),
            })?;
        if file.schema != SCHEMA_VERSION {
            return Err(StoreError::Parse {
                path: self.path.clone(),
                line: None,
                column: None,
                message: format!("schema {} is not known to this hookconsole", file.schema),
            });
        }
        Ok(Some(file.proxy))
    }

    /// Writes `credentials`, or removes the file when there are none. Call it under the
    /// settings file's lock.
    pub(super) fn save(&self, credentials: Option<&ProxyCredentials>) -> Result<(), StoreError> {
        let Some(credentials) = credentials else {
            return match std::fs::remove_file(&self.path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    Err(StoreError::io(&self.path, error))
                }
                _ => Ok(()),
            };
        };
        let file = CredentialsFile {
            schema: SCHEMA_VERSION,
            proxy: credentials.clone(),
        };
        let yaml = serde_yaml::to_string(&file).map_err(|_| StoreError::Parse {
            path: self.path.clone(),
            line: None,
            column: None,
            message: "cannot be written as YAML".into(),
        })?;
        write_atomic(&self.path, yaml.as_bytes(), FILE_MODE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_0600_and_goes_when_there_are_none() {
        use crate::model::Secret;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = ProxyCredentialFile::new(dir.path().join("proxy-credentials.yaml"));
        assert_eq!(file.load().unwrap(), None);
        let credentials = ProxyCredentials {
            username: "u".into(),
            password: Secret::new("pw"),
        };
        file.save(Some(&credentials)).unwrap();
        assert_eq!(file.load().unwrap(), Some(credentials));
        let mode = std::fs::metadata(file.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        file.save(None).unwrap();
        assert!(!file.path().exists());
        assert_eq!(file.load().unwrap(), None);
    }
}
