//! The settings file (and the proxy's credentials beside it) of a home, and the
//! callback URL rule of the reference article: `https://<hostname>/portal/oauth`, the
//! IP address when no hostname is defined. The settings themselves are
//! `model::Settings`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::atomic::{FileLock, write_atomic};
use super::error::StoreError;
use super::locations::Locations;
use super::proxy_credentials::ProxyCredentialFile;
use super::read::{SETTINGS_LIMIT, read_own_file};
use crate::model::Settings;

pub const CALLBACK_PATH: &str = "/portal/oauth";

/// What the machine says about itself, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineIdentity {
    pub hostname: Option<String>,
    pub primary_ip: Option<IpAddr>,
}

impl MachineIdentity {
    pub fn detect() -> MachineIdentity {
        let hostname = gethostname::gethostname()
            .into_string()
            .ok()
            .map(|name| name.trim().to_ascii_lowercase())
            .filter(|name| !matches!(name.as_str(), "" | "localhost" | "(none)"));
        MachineIdentity {
            hostname,
            primary_ip: primary_ip(),
        }
    }
}

/// The first non-loopback address, IPv4 before IPv6 (link-local IPv6 is useless in a
/// URL a phone opens).
fn primary_ip() -> Option<IpAddr> {
    let addresses: Vec<IpAddr> = if_addrs::get_if_addrs()
        .ok()?
        .into_iter()
        .filter(|interface| !interface.is_loopback())
        .map(|interface| interface.ip())
        .collect();
    addresses
        .iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| {
            addresses.iter().find(|ip| match ip {
                IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
                IpAddr::V4(_) => false,
            })
        })
        .copied()
}

/// The callback URL to register at the provider.
pub fn callback_url(settings: &Settings, machine: &MachineIdentity) -> String {
    if let Some(url) = &settings.callback_url {
        return url.clone();
    }
    let hostname = match &settings.hostname {
        Some(name) => Some(name.clone()).filter(|name| !name.is_empty()),
        None => machine.hostname.clone(),
    };
    let host = match hostname {
        Some(name) => name,
        None => match settings.ip_address.or(machine.primary_ip) {
            Some(IpAddr::V6(ip)) => format!("[{ip}]"),
            Some(IpAddr::V4(ip)) => ip.to_string(),
            None => "127.0.0.1".to_string(),
        },
    };
    format!("https://{host}{CALLBACK_PATH}")
}

/// The settings file, and the proxy's credentials in the home.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    path: PathBuf,
    credentials: ProxyCredentialFile,
}

impl SettingsStore {
    pub fn new(locations: &Locations) -> Self {
        Self {
            path: locations.settings_file.clone(),
            credentials: ProxyCredentialFile::new(locations.proxy_credentials_file()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the proxy's credentials are kept.
    pub fn credentials_path(&self) -> &Path {
        self.credentials.path()
    }

    /// No file yet means every default.
    pub fn load(&self) -> Result<Settings, StoreError> {
        let mut settings = self.load_file()?;
        settings.split_proxy_credentials();
        if settings.proxy_credentials.is_none() && settings.has_proxy_url() {
            settings.proxy_credentials = self.credentials.load()?;
        }
        Ok(settings)
    }

    fn load_file(&self) -> Result<Settings, StoreError> {
        let Some(bytes) = read_own_file(&self.path, SETTINGS_LIMIT)? else {
            return Ok(Settings::default());
        };
        let text = String::from_utf8(bytes).map_err(|_| StoreError::Parse {
            path: self.path.clone(),
            line: None,
            column: None,
            message: "is not UTF-8 text".into(),
        })?;
        if text.trim().is_empty() {
            return Ok(Settings::default());
        }
        super::yaml_limits::check_nesting(&self.path, &text)?;
        let settings: Settings =
            serde_yaml::from_str(&text).map_err(|error| StoreError::yaml(&self.path, &error))?;
        if let Some(refused) = settings.first_refused() {
            let line = text
                .lines()
                .position(|line| {
                    line.strip_prefix(refused.key.as_str())
                        .is_some_and(|rest| rest.trim_start().starts_with(':'))
                })
                .map(|index| index + 1);
            return Err(StoreError::Parse {
                path: self.path.clone(),
                line,
                column: line.map(|_| 1),
                message: refused.message,
            });
        }
        Ok(settings)
    }

    /// Changes the settings under the lock: the proxy's credentials are written to
    /// their own file (or removed), then the settings without them.
    pub fn update(
        &self,
        change: impl FnOnce(&mut Settings) -> Result<(), String>,
    ) -> Result<Settings, StoreError> {
        let _lock = FileLock::acquire(&self.path)?;
        let mut settings = self.load()?;
        change(&mut settings).map_err(|message| StoreError::Parse {
            path: self.path.clone(),
            line: None,
            column: None,
            message,
        })?;
        if !settings.has_proxy_url() {
            settings.proxy_credentials = None;
        }
        self.credentials.save(settings.proxy_credentials.as_ref())?;
        let yaml = serde_yaml::to_string(&settings).map_err(|error| StoreError::Parse {
            path: self.path.clone(),
            line: None,
            column: None,
            message: error.to_string(),
        })?;
        write_atomic(&self.path, yaml.as_bytes(), 0o640)?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> MachineIdentity {
        MachineIdentity {
            hostname: Some("hiab01".into()),
            primary_ip: Some("10.1.2.3".parse().unwrap()),
        }
    }

    #[test]
    fn hostname_when_defined() {
        let settings = Settings {
            hostname: Some("hiab.example.com".into()),
            ..Settings::default()
        };
        assert_eq!(
            callback_url(&settings, &machine()),
            "https://hiab.example.com/portal/oauth"
        );
        assert_eq!(
            callback_url(&Settings::default(), &machine()),
            "https://hiab01/portal/oauth"
        );
    }

    #[test]
    fn ip_address_when_no_hostname_is_defined() {
        let none = Settings {
            hostname: Some(String::new()),
            ..Settings::default()
        };
        assert_eq!(
            callback_url(&none, &machine()),
            "https://10.1.2.3/portal/oauth"
        );
        let v6 = Settings {
            hostname: Some(String::new()),
            ip_address: Some("fd00::5".parse().unwrap()),
            ..Settings::default()
        };
        assert_eq!(
            callback_url(&v6, &machine()),
            "https://[fd00::5]/portal/oauth"
        );
        let bare = MachineIdentity {
            hostname: None,
            primary_ip: Some("192.0.2.7".parse().unwrap()),
        };
        assert_eq!(
            callback_url(&Settings::default(), &bare),
            "https://192.0.2.7/portal/oauth"
        );
    }

    #[test]
    fn explicit_callback_url_wins() {
        let mut settings = Settings::default();
        settings
            .set("callback_url", "http://127.0.0.1:8080/portal/oauth")
            .unwrap();
        assert_eq!(
            callback_url(&settings, &machine()),
            "http://127.0.0.1:8080/portal/oauth"
        );
    }
}
