//! The appliance's settings as data: hostname and IP address, the callback listener,
//! network timeouts and proxy, delivery and socket limits, each with its default, and
//! the proxy's credentials (kept apart from the settings file). Parsing one setting
//! from `KEY=VALUE` text is in `keys`. No I/O: `store::SettingsStore` reads and writes
//! them.

mod keys;

pub use keys::SettingError;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::destination::DestinationPolicy;
use super::secret::Secret;
use keys::without_userinfo;

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
            password: Secret::new(credentials.password.masked()),
        };
        shown.put_into(&mut url);
        Some(url.to_string())
    }

    /// Moves a user name and password written into `proxy` (by hand, or by a version
    /// that kept them there) to [`Settings::proxy_credentials`].
    pub fn split_proxy_credentials(&mut self) {
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
    pub fn has_proxy_url(&self) -> bool {
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
}

/// The userinfo of the proxy URL, as written there (percent-encoded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyCredentials {
    pub username: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub password: Secret,
}

impl ProxyCredentials {
    /// The credentials in `url`, which loses them; `None` when it has none.
    pub fn take_from(url: &mut url::Url) -> Option<ProxyCredentials> {
        if url.username().is_empty() && url.password().is_none() {
            return None;
        }
        let credentials = ProxyCredentials {
            username: url.username().to_string(),
            password: Secret::new(url.password().unwrap_or_default()),
        };
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some(credentials)
    }

    /// Puts the credentials into `url` (a proxy URL without any).
    pub fn put_into(&self, url: &mut url::Url) {
        let _ = url.set_username(&self.username);
        if !self.password.is_empty() {
            let _ = url.set_password(Some(self.password.expose()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url_and_come_back() {
        let mut url = url::Url::parse("http://us%40r:p%3Aw@proxy.example:3128").unwrap();
        let credentials = ProxyCredentials::take_from(&mut url).unwrap();
        assert_eq!(url.as_str(), "http://proxy.example:3128/");
        assert_eq!(credentials.username, "us%40r");
        assert_eq!(credentials.password.expose(), "p%3Aw");
        assert!(!format!("{credentials:?}").contains("p%3Aw"));
        credentials.put_into(&mut url);
        assert_eq!(url.as_str(), "http://us%40r:p%3Aw@proxy.example:3128/");
        assert_eq!(
            ProxyCredentials::take_from(&mut url.clone()),
            Some(credentials)
        );
        let mut bare = url::Url::parse("http://proxy.example:3128").unwrap();
        assert_eq!(ProxyCredentials::take_from(&mut bare), None);
    }

    #[test]
    fn a_proxy_password_typed_without_the_two_slashes_leaves_the_url_too() {
        // The URL parser reads `http:user:pw@h` as `http://user:pw@h/`.
        let mut settings = Settings::default();
        settings
            .set("proxy", "http:puser:PROXYPW@127.0.0.1:3128")
            .unwrap();
        assert_eq!(settings.proxy.as_deref(), Some("http://127.0.0.1:3128/"));
        let credentials = settings.proxy_credentials.as_ref().unwrap();
        assert_eq!(credentials.password.expose(), "PROXYPW");
        let refused = settings
            .set("proxy", "http:puser:PROXYPW@127.0.0.1:99999")
            .unwrap_err();
        assert!(!refused.contains("PROXYPW"), "{refused}");
    }

    #[test]
    fn a_proxy_is_a_host_and_port_without_path_or_query() {
        let mut settings = Settings::default();
        for wrong in [
            "http://127.0.0.1:3128/?password=QSECRET",
            "http://127.0.0.1:3128/squid",
            "http://127.0.0.1:3128/#QSECRET",
        ] {
            let refused = settings.set("proxy", wrong).unwrap_err();
            assert!(refused.contains("no path or query"), "{refused}");
            assert!(!refused.contains("QSECRET"), "{refused}");
        }
        assert_eq!(settings.proxy, None, "nothing kept");
        settings.set("proxy", "http://127.0.0.1:3128/").unwrap();
    }

    #[test]
    fn a_callback_url_holds_no_credentials_and_its_errors_quote_none() {
        let mut settings = Settings::default();
        let refused = settings
            .set("callback_url", "https://cu:CBPW@hiab.example/portal/oauth")
            .unwrap_err();
        assert!(refused.contains("user name or password"), "{refused}");
        let refused = settings
            .set(
                "callback_url",
                "https://cu:CBPW@hiab.example:99999/portal/oauth",
            )
            .unwrap_err();
        assert!(!refused.contains("CBPW"), "{refused}");
        assert_eq!(settings.callback_url, None);
    }

    #[test]
    fn the_text_of_each_setting_sets_it_again() {
        let mut settings = Settings::default();
        for (key, value) in [
            ("hostname", "-"),
            ("ip_address", "192.0.2.7"),
            ("callback_url", "https://hiab.example.com:8443/portal/oauth"),
            ("callback_bind", "127.0.0.1:8443"),
            ("callback_certificate", "/etc/hookconsole/listener.pem"),
            ("callback_key", "/etc/hookconsole/listener.key"),
            ("connect_timeout", "5"),
            ("proxy", "http://us%40r:p%3Aw@proxy.example:3128"),
            ("retention_rows", "5000"),
            ("allow_link_local_destinations", "true"),
        ] {
            settings.set(key, value).unwrap();
            assert_eq!(settings.text_of(key), value, "{key}");
        }
        for key in Settings::KEYS {
            let mut again = settings.clone();
            again.set(key, &settings.text_of(key)).unwrap();
            assert_eq!(again, settings, "{key}");
        }
        assert_eq!(Settings::default().text_of("max_attempts"), "");
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
