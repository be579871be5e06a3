//! One setting from `KEY=VALUE` text, as `hookconsole settings` takes it: each value
//! checked, and an error that names its key.

use super::{PROXY_NONE, ProxyCredentials, Settings, TIMEOUT_RANGE};

impl Settings {
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
                    let url = url::Url::parse(value).map_err(|error| {
                        format!("callback_url: `{}`: {error}", crate::model::mask_url(value))
                    })?;
                    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                        return Err(
                            "callback_url: must be an http:// or https:// URL with a host".into(),
                        );
                    }
                    // The provider sends the browser there: what it holds, anyone sees.
                    if !url.username().is_empty() || url.password().is_some() {
                        return Err("callback_url: must not hold a user name or password (the \
                             provider sends the browser to it)"
                            .into());
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
                    // A proxy is a host and port: a path or a query is a mistake, and a
                    // query may hold a secret this group-readable file would keep.
                    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
                        return Err(format!(
                            "proxy: give only the scheme, host and port (`{}://{}`), no \
                             path or query",
                            url.scheme(),
                            url.host_str().unwrap_or_default()
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

/// A setting refused: its key, and the message, which starts with the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingError {
    pub key: String,
    pub message: String,
}

impl Settings {
    /// The first setting (in [`Settings::KEYS`] order) that `settings KEY=VALUE` would
    /// refuse: a file edited by hand (`concurrency: 0`, under which the worker never
    /// delivered) is held to the same bounds as the command.
    pub fn first_refused(&self) -> Option<SettingError> {
        Settings::KEYS.iter().find_map(|key| {
            let text = self.text_of(key);
            let mut probe = Settings::default();
            probe.set(key, &text).err().map(|message| SettingError {
                key: (*key).to_string(),
                message,
            })
        })
    }

    /// Sets every `(key, value)` in turn; the errors of all that were refused, so
    /// that one look shows every typo (the caller keeps its copy when any was).
    pub fn set_all(&mut self, changes: &[(String, String)]) -> Result<(), Vec<SettingError>> {
        let refused: Vec<SettingError> = changes
            .iter()
            .filter_map(|(key, value)| {
                self.set(key, value).err().map(|message| SettingError {
                    key: key.clone(),
                    message,
                })
            })
            .collect();
        if refused.is_empty() {
            Ok(())
        } else {
            Err(refused)
        }
    }

    /// One setting as `KEY=VALUE` text would give it, so that [`Settings::set`] with
    /// this text changes nothing: empty when unset, `-` for "no hostname", the proxy
    /// with its user name and password (a face masks the password).
    pub fn text_of(&self, key: &str) -> String {
        let number = |value: Option<u32>| value.map(|v| v.to_string()).unwrap_or_default();
        let path = |value: &Option<std::path::PathBuf>| {
            value
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        match key {
            "hostname" => match &self.hostname {
                Some(name) if name.is_empty() => "-".into(),
                other => other.clone().unwrap_or_default(),
            },
            "ip_address" => self.ip_address.map(|ip| ip.to_string()).unwrap_or_default(),
            "callback_url" => self.callback_url.clone().unwrap_or_default(),
            "callback_bind" => self.callback_bind.clone().unwrap_or_default(),
            "callback_certificate" => path(&self.callback_certificate),
            "callback_key" => path(&self.callback_key),
            "connect_timeout" => number(self.connect_timeout),
            "request_timeout" => number(self.request_timeout),
            "proxy" => self.proxy_with_credentials().unwrap_or_default(),
            "max_attempts" => number(self.max_attempts),
            "retention_days" => number(self.retention_days),
            "retention_rows" => self
                .retention_rows
                .map(|v| v.to_string())
                .unwrap_or_default(),
            "concurrency" => number(self.concurrency),
            "concurrency_per_integration" => number(self.concurrency_per_integration),
            "socket_max_connections" => number(self.socket_max_connections),
            "socket_max_line_bytes" => number(self.socket_max_line_bytes),
            "socket_idle_timeout" => number(self.socket_idle_timeout),
            "allow_link_local_destinations" => self
                .allow_link_local_destinations
                .map(|allowed| allowed.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// `proxy` as typed, with the user name and password put back after the scheme.
    fn proxy_with_credentials(&self) -> Option<String> {
        let proxy = self.proxy.clone()?;
        let (Some(credentials), Some((scheme, rest))) =
            (&self.proxy_credentials, proxy.split_once("://"))
        else {
            return Some(proxy);
        };
        let password = if credentials.password.is_empty() {
            String::new()
        } else {
            format!(":{}", credentials.password.expose())
        };
        Some(format!(
            "{scheme}://{}{password}@{rest}",
            credentials.username
        ))
    }
}

/// `url` as typed, less its `user:password@`; as the URL parser writes it when it was
/// typed without `//` (`http:user:pw@proxy:3128`, which the parser accepts), so that
/// no password stays behind in the text.
pub(super) fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        let Ok(mut parsed) = url::Url::parse(url) else {
            return url.to_string();
        };
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        return parsed.to_string();
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
