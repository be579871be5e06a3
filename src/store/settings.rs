//! Appliance settings (hostname, IP address, callback listener) and the callback URL
//! rule of the reference article: `https://<hostname>/portal/oauth`, the IP address
//! when no hostname is defined.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::{FileLock, write_atomic};
use super::error::StoreError;
use super::locations::Locations;
use super::proxy_credentials::{ProxyCredentialFile, ProxyCredentials};
use super::read::{SETTINGS_LIMIT, read_own_file};
use crate::model::DestinationPolicy;

pub const CALLBACK_PATH: &str = "/portal/oauth";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The appliance's hostname. Unset: the machine's hostname. Set to "" to say the
    /// appliance has none, so that the callback URL uses the IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The appliance's IP address. Unset: the machine's primary address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<IpAddr>,
    /// A callback URL registered at the provider that differs from the rule (another
    /// port, a reverse proxy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Where the callback listener binds, e.g. `0.0.0.0:8443`. Unset: all addresses, on
    /// the callback URL's port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_bind: Option<String>,
    /// PEM certificate (chain) and private key for the callback listener's HTTPS.
    /// Unset: a self-signed certificate made on first use and kept in the home.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_certificate: Option<std::path::PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_key: Option<std::path::PathBuf>,
    /// Seconds to wait for a TCP connection to the webhook or token URL. Unset:
    /// [`DEFAULT_CONNECT_TIMEOUT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<u32>,
    /// Seconds a whole request may take, connection to the last byte of the answer.
    /// Unset: [`DEFAULT_REQUEST_TIMEOUT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout: Option<u32>,
    /// The proxy for outgoing requests, e.g. `http://proxy.example.com:3128`; `none`
    /// ignores HTTPS_PROXY/HTTP_PROXY. Unset: those environment variables (and NO_PROXY).
    /// Never with a user name or password: those are [`Settings::proxy_credentials`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The user name and password of `proxy`, kept in the home's 0600 credentials
    /// file, never in this (group-readable) one.
    #[serde(skip)]
    pub proxy_credentials: Option<ProxyCredentials>,
    /// Attempts of one delivery before it is dead. Unset: [`DEFAULT_MAX_ATTEMPTS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Days the attempt log keeps an attempt. Unset: [`DEFAULT_RETENTION_DAYS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Attempts the log keeps at most. Unset: [`DEFAULT_RETENTION_ROWS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_rows: Option<u64>,
    /// Requests in flight at once, all integrations. Unset: [`DEFAULT_CONCURRENCY`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Requests in flight at once to one integration. Unset:
    /// [`DEFAULT_CONCURRENCY_PER_INTEGRATION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_per_integration: Option<u32>,
    /// Clients the worker's enqueue socket serves at once; one more is told so and
    /// closed. Unset: [`DEFAULT_SOCKET_MAX_CONNECTIONS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_max_connections: Option<u32>,
    /// The longest line (one event) the enqueue socket reads; a longer one is refused
    /// and its connection closed. Unset: [`DEFAULT_SOCKET_MAX_LINE_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_max_line_bytes: Option<u32>,
    /// Seconds an enqueue socket connection may stay silent before it is closed.
    /// Unset: [`DEFAULT_SOCKET_IDLE_TIMEOUT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_idle_timeout: Option<u32>,
    /// Lets integrations send to link-local addresses and cloud metadata services
    /// (169.254.0.0/16, fe80::/10, 169.254.169.254, metadata.google.internal…), which
    /// are refused by default. Unset: refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_link_local_destinations: Option<bool>,
}

pub const DEFAULT_CONNECT_TIMEOUT: u32 = 10;
pub const DEFAULT_REQUEST_TIMEOUT: u32 = 30;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
pub const DEFAULT_RETENTION_ROWS: u64 = 1_000_000;
pub const DEFAULT_CONCURRENCY: u32 = 64;
pub const DEFAULT_CONCURRENCY_PER_INTEGRATION: u32 = 16;
/// As many clients as the worker has delivery slots by default: the appliance's
/// services need a few; what is beyond is a leak or an attack, and each costs a
/// descriptor.
pub const DEFAULT_SOCKET_MAX_CONNECTIONS: u32 = 64;
/// 4 MiB. Nothing else bounds a payload (neither `send`, the queue, nor a template's
/// output), so this is the largest event the socket takes: far above what the
/// presets' receivers accept (a Teams message 28 KB, a Jira text field 32,767
/// characters), with room for a payload sent as an escaped JSON string. Times
/// `socket_max_connections`, the most the socket's buffers may hold.
pub const DEFAULT_SOCKET_MAX_LINE_BYTES: u32 = 4 * 1024 * 1024;
/// Long enough for a service that keeps its connection between events of a scan,
/// short enough that a client that died without closing frees its place.
pub const DEFAULT_SOCKET_IDLE_TIMEOUT: u32 = 60;
/// The `proxy` value that turns proxies off, whatever the environment says.
pub const PROXY_NONE: &str = "none";
const TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=600;

impl Settings {
    pub const KEYS: [&str; 18] = [
        "hostname",
        "ip_address",
        "callback_url",
        "callback_bind",
        "callback_certificate",
        "callback_key",
        "connect_timeout",
        "request_timeout",
        "proxy",
        "max_attempts",
        "retention_days",
        "retention_rows",
        "concurrency",
        "concurrency_per_integration",
        "socket_max_connections",
        "socket_max_line_bytes",
        "socket_idle_timeout",
        "allow_link_local_destinations",
    ];

    /// What the destinations of integrations may be (`allow_link_local_destinations`).
    pub fn destination_policy(&self) -> DestinationPolicy {
        DestinationPolicy {
            allow_link_local: self.allow_link_local_destinations.unwrap_or(false),
        }
    }

    /// The proxy setting as it may be shown: its password masked.
    pub fn shown_proxy(&self) -> Option<String> {
        let proxy = self.proxy.as_ref()?;
        let Some(credentials) = &self.proxy_credentials else {
            return Some(proxy.clone());
        };
        let Ok(mut url) = url::Url::parse(proxy) else {
            return Some(proxy.clone());
        };
        let shown = ProxyCredentials {
            username: credentials.username.clone(),
            password: crate::model::Secret::new(credentials.password.masked()),
        };
        shown.put_into(&mut url);
        Some(url.to_string())
    }

    /// Moves a user name and password written into `proxy` (by hand, or by a version
    /// that kept them there) to [`Settings::proxy_credentials`].
    fn split_proxy_credentials(&mut self) {
        let Some(proxy) = &self.proxy else { return };
        let Ok(mut url) = url::Url::parse(proxy) else {
            return;
        };
        if let Some(credentials) = ProxyCredentials::take_from(&mut url) {
            self.proxy = Some(without_userinfo(proxy));
            self.proxy_credentials = Some(credentials);
        }
    }

    /// Whether `proxy` is a URL (not unset, not `none`): only then do credentials apply.
    fn has_proxy_url(&self) -> bool {
        self.proxy
            .as_deref()
            .is_some_and(|proxy| !proxy.eq_ignore_ascii_case(PROXY_NONE))
    }

    pub fn effective_max_attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS)
    }

    pub fn effective_retention_days(&self) -> u32 {
        self.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS)
    }

    pub fn effective_retention_rows(&self) -> u64 {
        self.retention_rows.unwrap_or(DEFAULT_RETENTION_ROWS)
    }

    pub fn effective_concurrency(&self) -> u32 {
        self.concurrency.unwrap_or(DEFAULT_CONCURRENCY)
    }

    pub fn effective_concurrency_per_integration(&self) -> u32 {
        self.concurrency_per_integration
            .unwrap_or(DEFAULT_CONCURRENCY_PER_INTEGRATION)
    }

    pub fn effective_socket_max_connections(&self) -> u32 {
        self.socket_max_connections
            .unwrap_or(DEFAULT_SOCKET_MAX_CONNECTIONS)
    }

    pub fn effective_socket_max_line_bytes(&self) -> u32 {
        self.socket_max_line_bytes
            .unwrap_or(DEFAULT_SOCKET_MAX_LINE_BYTES)
    }

    pub fn effective_socket_idle_timeout(&self) -> u32 {
        self.socket_idle_timeout
            .unwrap_or(DEFAULT_SOCKET_IDLE_TIMEOUT)
    }

    pub fn effective_connect_timeout(&self) -> u32 {
        self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }

    pub fn effective_request_timeout(&self) -> u32 {
        self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT)
    }

    /// Sets one setting from `KEY=VALUE` text; an empty value unsets it (for hostname,
    /// `hostname=` unsets and `hostname=""`… is the same: use `hostname=-` for "none").
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let value = value.trim();
        let optional = |value: &str| (!value.is_empty()).then(|| value.to_string());
        match key {
            "hostname" => {
                self.hostname = match value {
                    "" => None,
                    "-" => Some(String::new()),
                    name if is_hostname(name) => Some(name.to_ascii_lowercase()),
                    name => return Err(format!("hostname: `{name}` is not a valid host name")),
                }
            }
            "ip_address" => {
                self.ip_address = if value.is_empty() {
                    None
                } else {
                    Some(value.parse().map_err(|_| {
                        format!("ip_address: `{value}` is not an IPv4 or IPv6 address")
                    })?)
                }
            }
            "callback_url" => {
                if !value.is_empty() {
                    let url = url::Url::parse(value)
                        .map_err(|error| format!("callback_url: `{value}`: {error}"))?;
                    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                        return Err(
                            "callback_url: must be an http:// or https:// URL with a host".into(),
                        );
                    }
                }
                self.callback_url = optional(value);
            }
            "callback_bind" => {
                if !value.is_empty() {
                    value.parse::<std::net::SocketAddr>().map_err(|_| {
                        format!("callback_bind: `{value}` is not ADDRESS:PORT (e.g. 0.0.0.0:8443)")
                    })?;
                }
                self.callback_bind = optional(value);
            }
            "callback_certificate" | "callback_key" => {
                let path = (!value.is_empty()).then(|| std::path::PathBuf::from(value));
                if let Some(path) = &path
                    && !path.is_absolute()
                {
                    return Err(format!("{key}: give an absolute path, not `{value}`"));
                }
                if key == "callback_certificate" {
                    self.callback_certificate = path;
                } else {
                    self.callback_key = path;
                }
            }
            "connect_timeout" => self.connect_timeout = timeout_seconds(key, value)?,
            "request_timeout" => self.request_timeout = timeout_seconds(key, value)?,
            "proxy" => {
                let mut credentials = None;
                if !value.is_empty() && !value.eq_ignore_ascii_case(PROXY_NONE) {
                    let mut url = url::Url::parse(value).map_err(|error| {
                        format!("proxy: `{}`: {error}", crate::model::mask_url(value))
                    })?;
                    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                        return Err(format!(
                            "proxy: must be an http:// or https:// URL with a host, or `{PROXY_NONE}`"
                        ));
                    }
                    credentials = ProxyCredentials::take_from(&mut url);
                }
                self.proxy = if value.eq_ignore_ascii_case(PROXY_NONE) {
                    Some(PROXY_NONE.to_string())
                } else if credentials.is_some() {
                    Some(without_userinfo(value))
                } else {
                    optional(value)
                };
                self.proxy_credentials = credentials;
            }
            "max_attempts" => self.max_attempts = bounded(key, value, 1, 100)?,
            "retention_days" => self.retention_days = bounded(key, value, 1, 3650)?,
            "retention_rows" => self.retention_rows = bounded(key, value, 1_000, 100_000_000)?,
            "concurrency" => self.concurrency = bounded(key, value, 1, 1024)?,
            "concurrency_per_integration" => {
                self.concurrency_per_integration = bounded(key, value, 1, 1024)?
            }
            "socket_max_connections" => self.socket_max_connections = bounded(key, value, 1, 4096)?,
            "socket_max_line_bytes" => {
                self.socket_max_line_bytes = bounded(key, value, 1024, 1 << 30)?
            }
            "socket_idle_timeout" => self.socket_idle_timeout = timeout_seconds(key, value)?,
            "allow_link_local_destinations" => {
                self.allow_link_local_destinations = match value.to_ascii_lowercase().as_str() {
                    "" => None,
                    "true" | "yes" | "on" => Some(true),
                    "false" | "no" | "off" => Some(false),
                    _ => return Err(format!("{key}: `{value}` is not true or false")),
                }
            }
            other => {
                return Err(format!(
                    "`{other}` is not a setting; settings are {}",
                    Self::KEYS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// `url` as typed, less its `user:password@`.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

fn timeout_seconds(key: &str, value: &str) -> Result<Option<u32>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    match value.trim_end_matches('s').trim().parse::<u32>() {
        Ok(seconds) if TIMEOUT_RANGE.contains(&seconds) => Ok(Some(seconds)),
        _ => Err(format!(
            "{key}: `{value}` is not a number of seconds from {} to {}",
            TIMEOUT_RANGE.start(),
            TIMEOUT_RANGE.end()
        )),
    }
}

/// A whole number from `low` to `high`, or unset when empty.
fn bounded<T>(key: &str, value: &str, low: T, high: T) -> Result<Option<T>, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    if value.is_empty() {
        return Ok(None);
    }
    match value.replace('_', "").parse::<T>() {
        Ok(number) if number >= low && number <= high => Ok(Some(number)),
        _ => Err(format!(
            "{key}: `{value}` is not a whole number from {low} to {high}"
        )),
    }
}

fn is_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

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
        serde_yaml::from_str(&text).map_err(|error| StoreError::yaml(&self.path, &error))
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

    #[test]
    fn bad_settings_name_the_key() {
        let mut settings = Settings::default();
        assert!(
            settings
                .set("hostname", "bad host")
                .unwrap_err()
                .starts_with("hostname:")
        );
        assert!(
            settings
                .set("ip_address", "1.2.3")
                .unwrap_err()
                .starts_with("ip_address:")
        );
        assert!(
            settings
                .set("callback_bind", "x")
                .unwrap_err()
                .starts_with("callback_bind:")
        );
        assert!(settings.set("colour", "x").is_err());
        assert!(
            settings
                .set("connect_timeout", "0")
                .unwrap_err()
                .starts_with("connect_timeout:")
        );
        assert!(
            settings
                .set("proxy", "ftp://x")
                .unwrap_err()
                .starts_with("proxy:")
        );
    }

    #[test]
    fn network_settings_have_defaults_and_parse() {
        let mut settings = Settings::default();
        assert_eq!(
            settings.effective_connect_timeout(),
            DEFAULT_CONNECT_TIMEOUT
        );
        assert_eq!(
            settings.effective_request_timeout(),
            DEFAULT_REQUEST_TIMEOUT
        );
        settings.set("connect_timeout", "5").unwrap();
        settings.set("request_timeout", "45s").unwrap();
        settings.set("proxy", "NONE").unwrap();
        assert_eq!(settings.effective_connect_timeout(), 5);
        assert_eq!(settings.effective_request_timeout(), 45);
        assert_eq!(settings.proxy.as_deref(), Some(PROXY_NONE));
        settings
            .set("proxy", "http://proxy.example.com:3128")
            .unwrap();
        settings.set("connect_timeout", "").unwrap();
        assert_eq!(settings.connect_timeout, None);
    }

    #[test]
    fn delivery_settings_have_defaults_and_bounds() {
        let mut settings = Settings::default();
        assert_eq!(settings.effective_max_attempts(), 10);
        assert_eq!(settings.effective_retention_rows(), DEFAULT_RETENTION_ROWS);
        settings.set("max_attempts", "3").unwrap();
        settings.set("retention_rows", "2_000").unwrap();
        settings.set("concurrency_per_integration", "4").unwrap();
        assert_eq!(settings.effective_max_attempts(), 3);
        assert_eq!(settings.effective_retention_rows(), 2_000);
        assert_eq!(settings.effective_concurrency_per_integration(), 4);
        assert!(
            settings
                .set("max_attempts", "0")
                .unwrap_err()
                .starts_with("max_attempts:")
        );
        assert!(settings.set("concurrency", "x").is_err());
        settings.set("max_attempts", "").unwrap();
        assert_eq!(settings.max_attempts, None);
    }

    #[test]
    fn socket_settings_have_defaults_and_bounds() {
        let mut settings = Settings::default();
        assert_eq!(settings.effective_socket_max_connections(), 64);
        assert_eq!(settings.effective_socket_max_line_bytes(), 4 * 1024 * 1024);
        assert_eq!(settings.effective_socket_idle_timeout(), 60);
        settings.set("socket_max_connections", "8").unwrap();
        settings.set("socket_max_line_bytes", "65_536").unwrap();
        settings.set("socket_idle_timeout", "5s").unwrap();
        assert_eq!(settings.effective_socket_max_connections(), 8);
        assert_eq!(settings.effective_socket_max_line_bytes(), 65_536);
        assert_eq!(settings.effective_socket_idle_timeout(), 5);
        for (key, value) in [
            ("socket_max_connections", "0"),
            ("socket_max_line_bytes", "100"),
            ("socket_max_line_bytes", "4GiB"),
            ("socket_idle_timeout", "0"),
        ] {
            let error = settings.set(key, value).unwrap_err();
            assert!(error.starts_with(key), "{error}");
        }
        let yaml = serde_yaml::to_string(&settings).unwrap();
        let read: Settings = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(read, settings);
    }
}
