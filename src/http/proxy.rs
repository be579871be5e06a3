//! Which proxy a request goes through: the `proxy` setting when set (`none` turns
//! proxies off), else HTTPS_PROXY / HTTP_PROXY with NO_PROXY, as curl reads them.
//! Loopback addresses never go through a proxy. One rule for delivery, verify and OAuth.

use std::net::IpAddr;

use url::{Host, Url};

use crate::model::{PROXY_NONE, ProxyCredentials};

/// `Debug` masks proxy passwords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyRules {
    /// The `proxy` setting: `Some(None)` is "none", `Some(Some(url))` a fixed proxy.
    setting: Option<Option<Url>>,
    https: Option<Url>,
    http: Option<Url>,
    no_proxy: Vec<String>,
}

impl ProxyRules {
    /// No proxy for anything (tests, and `proxy=none`).
    pub fn direct() -> ProxyRules {
        ProxyRules {
            setting: Some(None),
            ..ProxyRules::default()
        }
    }

    /// The setting's value (unset, `none` or a URL) with the process environment.
    pub fn from_setting_and_env(setting: Option<&str>) -> ProxyRules {
        let var = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        };
        ProxyRules::new(
            setting,
            var(["HTTPS_PROXY", "https_proxy"]).as_deref(),
            var(["HTTP_PROXY", "http_proxy"]).as_deref(),
            var(["NO_PROXY", "no_proxy"]).as_deref(),
        )
    }

    /// From explicit values; an environment value that is not a URL is ignored (and
    /// logged), as a proxy nobody can reach would only hide the real problem.
    pub fn new(
        setting: Option<&str>,
        https: Option<&str>,
        http: Option<&str>,
        no_proxy: Option<&str>,
    ) -> ProxyRules {
        let parse = |name: &str, value: &str| {
            let text = if value.contains("://") {
                value.to_string()
            } else {
                format!("http://{value}")
            };
            Url::parse(&text)
                .map_err(|error| tracing::warn!(name, %error, "proxy is not a URL; ignored"))
                .ok()
        };
        ProxyRules {
            setting: setting.map(|value| {
                if value.eq_ignore_ascii_case(PROXY_NONE) {
                    None
                } else {
                    parse("proxy setting", value)
                }
            }),
            https: https.and_then(|value| parse("HTTPS_PROXY", value)),
            http: http.and_then(|value| parse("HTTP_PROXY", value)),
            no_proxy: no_proxy
                .unwrap_or("")
                .split(',')
                .map(|entry| entry.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|entry| !entry.is_empty())
                .collect(),
        }
    }

    /// The setting's proxy with the user name and password kept apart from it.
    pub fn with_setting_credentials(mut self, credentials: Option<&ProxyCredentials>) -> Self {
        if let (Some(Some(proxy)), Some(credentials)) = (&mut self.setting, credentials) {
            credentials.put_into(proxy);
        }
        self
    }

    /// No request can go through a proxy: `proxy=none`, or no setting and no proxy in
    /// the environment. The client then asks nothing per request (reqwest turns each
    /// request's URI back into a URL to ask a custom proxy rule).
    pub fn is_direct(&self) -> bool {
        match &self.setting {
            Some(setting) => setting.is_none(),
            None => self.https.is_none() && self.http.is_none(),
        }
    }

    /// The proxy a request to `target` goes through, if any.
    pub fn proxy_for(&self, target: &Url) -> Option<Url> {
        if is_loopback(target) {
            return None;
        }
        if let Some(setting) = &self.setting {
            return setting.clone();
        }
        if self.excluded(target) {
            return None;
        }
        match target.scheme() {
            "https" => self.https.clone(),
            "http" => self.http.clone(),
            _ => None,
        }
    }

    fn excluded(&self, target: &Url) -> bool {
        let Some(host) = target.host_str() else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        self.no_proxy.iter().any(|entry| {
            entry == "*"
                || *entry == host
                || ip.is_some_and(|ip| in_range(ip, entry))
                || (host.ends_with(entry.as_str())
                    && host[..host.len() - entry.len()].ends_with('.'))
        })
    }
}

impl std::fmt::Debug for ProxyRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |url: &Option<Url>| url.as_ref().map(display_proxy);
        f.debug_struct("ProxyRules")
            .field("setting", &self.setting.as_ref().map(shown))
            .field("https", &shown(&self.https))
            .field("http", &shown(&self.http))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// `10.0.0.0/8`-style NO_PROXY entries, as curl and reqwest read them.
fn in_range(ip: IpAddr, entry: &str) -> bool {
    let Some((network, bits)) = entry.split_once('/') else {
        return false;
    };
    let (Ok(network), Ok(bits)) = (network.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

fn is_loopback(target: &Url) -> bool {
    match target.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A proxy URL fit to show: without its password.
pub fn display_proxy(proxy: &Url) -> String {
    let mut shown = proxy.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some(crate::model::MASK));
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn environment_proxy_by_scheme_with_no_proxy_suffixes() {
        let rules = ProxyRules::new(
            None,
            Some("proxy.corp:3128"),
            None,
            Some("internal.example, .svc.local,10.0.0.9, 192.168.0.0/16,fd00::/8"),
        );
        let proxy = rules.proxy_for(&url("https://jira.example.com/x")).unwrap();
        assert_eq!(proxy.as_str(), "http://proxy.corp:3128/");
        assert_eq!(rules.proxy_for(&url("http://jira.example.com/x")), None);
        assert_eq!(rules.proxy_for(&url("https://internal.example/")), None);
        assert_eq!(rules.proxy_for(&url("https://a.internal.example/")), None);
        assert!(
            rules
                .proxy_for(&url("https://notinternal.example/"))
                .is_some()
        );
        assert_eq!(rules.proxy_for(&url("https://x.svc.local/")), None);
        assert_eq!(rules.proxy_for(&url("https://10.0.0.9/")), None);
        assert_eq!(rules.proxy_for(&url("https://192.168.4.5/")), None);
        assert_eq!(rules.proxy_for(&url("https://[fd00::5]/")), None);
        assert!(rules.proxy_for(&url("https://192.169.0.1/")).is_some());
    }

    #[test]
    fn setting_wins_and_none_turns_proxies_off() {
        let fixed = ProxyRules::new(Some("http://p:8080"), Some("http://env:1"), None, None);
        assert_eq!(
            fixed
                .proxy_for(&url("https://a.example/"))
                .unwrap()
                .as_str(),
            "http://p:8080/"
        );
        let off = ProxyRules::new(Some("none"), Some("http://env:1"), None, None);
        assert_eq!(off.proxy_for(&url("https://a.example/")), None);
        assert!(off.is_direct());
        assert!(!fixed.is_direct());
    }

    #[test]
    fn direct_only_when_no_proxy_can_apply() {
        assert!(ProxyRules::new(None, None, None, Some("x.example")).is_direct());
        assert!(!ProxyRules::new(None, None, Some("http://env:1"), None).is_direct());
        // A setting that is not a URL is ignored, as it always was: no proxy.
        assert!(ProxyRules::new(Some("::bad"), None, None, None).is_direct());
    }

    #[test]
    fn loopback_is_always_direct_and_passwords_are_hidden() {
        let rules = ProxyRules::new(Some("http://u:pw@p:8080"), None, None, None);
        assert_eq!(rules.proxy_for(&url("http://127.0.0.1:9/")), None);
        assert_eq!(rules.proxy_for(&url("http://[::1]:9/")), None);
        let proxy = rules.proxy_for(&url("https://a.example/")).unwrap();
        assert_eq!(display_proxy(&proxy), "http://u:********@p:8080/");
        assert!(!format!("{rules:?}").contains("pw"));
    }
}
