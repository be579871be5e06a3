//! Destinations hookconsole does not send to unless the appliance's settings allow it:
//! link-local addresses and the cloud metadata services, which hand the machine's own
//! credentials to whoever asks from it. An integration that pointed there would turn
//! VERIFY's report and the attempt log into a way to read them. Checked here by the
//! host as written (validation), and by the HTTP client on the addresses a name
//! resolves to (delivery, VERIFY), so that DNS cannot bring them back. Pure.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::field::Field;
use super::integration::{Authentication, Integration};
use super::validation::FieldError;

/// The settings key that lets these destinations through.
pub const ALLOW_LINK_LOCAL_SETTING: &str = "allow_link_local_destinations";

/// Metadata services at addresses outside the link-local range (the link-local ones,
/// 169.254.169.254 and AWS ECS's 169.254.170.2 among them, are refused as such).
const METADATA_V4: [(Ipv4Addr, &str); 3] = [
    (
        Ipv4Addr::new(100, 100, 100, 200),
        "Alibaba Cloud's metadata service",
    ),
    (Ipv4Addr::new(168, 63, 129, 16), "Azure's wire server"),
    (
        Ipv4Addr::new(192, 0, 0, 192),
        "Oracle Cloud's metadata service",
    ),
];

/// AWS's instance metadata service over IPv6: a unique local address, a range that is
/// otherwise allowed (on-premises receivers use it).
const METADATA_V6: [(Ipv6Addr, &str); 1] = [(
    Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254),
    "AWS's instance metadata service",
)];

/// Names of metadata services. Any other name is checked on what it resolves to; these
/// are refused as written too, because through a proxy the proxy resolves them.
const METADATA_NAMES: [(&str, &str); 2] = [
    (
        "metadata.google.internal",
        "Google Cloud's metadata service",
    ),
    ("metadata.goog", "Google Cloud's metadata service"),
];

/// Whether link-local and metadata destinations are let through (the setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    pub allow_link_local: bool,
}

impl DestinationPolicy {
    /// The default: refused.
    pub const STRICT: DestinationPolicy = DestinationPolicy {
        allow_link_local: false,
    };

    /// Why `ip` is refused, if it is.
    pub fn refuses_address(self, ip: IpAddr) -> Option<RefusedDestination> {
        if self.allow_link_local {
            return None;
        }
        refused_address(ip)
    }

    /// Why the host of a URL, as written, is refused: an address literal (the url crate
    /// has already turned `0xa9fea9fe`, `2852039166` and `0251.0376.0251.0376` into
    /// 169.254.169.254), or the name of a metadata service.
    pub fn refuses_host(self, host: &url::Host<&str>) -> Option<RefusedDestination> {
        match host {
            url::Host::Ipv4(ip) => self.refuses_address(IpAddr::V4(*ip)),
            url::Host::Ipv6(ip) => self.refuses_address(IpAddr::V6(*ip)),
            url::Host::Domain(name) if !self.allow_link_local => refused_name(name),
            url::Host::Domain(_) => None,
        }
    }

    /// [`Self::refuses_host`] for a URL given as text; a URL that does not parse is
    /// not refused here (validation says what is wrong with it).
    pub fn refuses_url(self, text: &str) -> Option<RefusedDestination> {
        let url = url::Url::parse(text.trim()).ok()?;
        self.refuses_host(&url.host()?)
    }
}

/// A destination that is refused, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedDestination {
    /// The address or name refused, as it is shown.
    pub host: String,
    /// What it is: "a link-local address", "Azure's wire server".
    pub what: &'static str,
}

impl fmt::Display for RefusedDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.host, self.what)
    }
}

/// The URLs of an integration that requests go to, by field: the webhook URL, the
/// site URL pattern (`{id}` filled in), and the OAuth endpoints. The Authorize URL is
/// the person's browser's, not hookconsole's, but it names the provider's host all
/// the same. Empty fields are left out.
pub fn destination_urls(integration: &Integration) -> Vec<(Field, String)> {
    let mut urls: Vec<(Field, String)> = vec![(Field::Url, integration.url.clone())];
    if let Authentication::OAuth(oauth) = &integration.authentication {
        urls.extend([
            (Field::SiteUrl, oauth.site_url.replace("{id}", "site-id")),
            (Field::TokenUrl, oauth.token_url.clone()),
            (Field::AuthorizeUrl, oauth.authorize_url.clone()),
            (
                Field::DeviceAuthorizationUrl,
                oauth.device_authorization_url.clone(),
            ),
            (Field::RevocationUrl, oauth.revocation_url.clone()),
            (Field::SitesUrl, oauth.sites_url.clone()),
        ]);
    }
    urls.retain(|(_, url)| !url.trim().is_empty());
    urls
}

/// An error for each of [`destination_urls`] whose host, as written, is refused.
pub fn destination_problems(
    integration: &Integration,
    policy: DestinationPolicy,
) -> Vec<FieldError> {
    destination_urls(integration)
        .into_iter()
        .filter_map(|(field, url)| {
            let refused = policy.refuses_url(&url)?;
            Some(FieldError::new(
                field,
                format!(
                    "goes to {refused}: link-local and cloud metadata destinations are refused \
                     (set {ALLOW_LINK_LOCAL_SETTING}=true to allow them)"
                ),
            ))
        })
        .collect()
}

/// Why `ip` is a refused destination, whatever the setting says. An IPv6 address that
/// carries an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::a.b.c.d`) is judged by the IPv4 address it reaches.
pub fn refused_address(ip: IpAddr) -> Option<RefusedDestination> {
    let what = match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }?;
    Some(RefusedDestination {
        host: ip.to_string(),
        what,
    })
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        return Some("the cloud metadata service's link-local address");
    }
    if let Some((_, what)) = METADATA_V4.iter().find(|(address, _)| *address == ip) {
        return Some(what);
    }
    ip.is_link_local().then_some("a link-local address")
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some((_, what)) = METADATA_V6.iter().find(|(address, _)| *address == ip) {
        return Some(what);
    }
    if ip.is_unicast_link_local() {
        return Some("a link-local address");
    }
    embedded_v4(ip).and_then(refused_v4)
}

/// The IPv4 address an IPv6 address reaches, when it carries one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(mapped) = ip.to_ipv4_mapped() {
        return Some(mapped);
    }
    let segments = ip.segments();
    // The last 32 bits, where those three forms carry the IPv4 address.
    let low = Ipv4Addr::from(u128::from(ip) as u32);
    let compatible = segments[..6].iter().all(|&segment| segment == 0);
    let nat64 = segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    // `::` and `::1` are the unspecified and loopback addresses, not IPv4 ones.
    (nat64 || (compatible && u32::from(low) > 1)).then_some(low)
}

fn refused_name(name: &str) -> Option<RefusedDestination> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    METADATA_NAMES
        .iter()
        .find(|(metadata, _)| *metadata == name)
        .map(|(_, what)| RefusedDestination {
            host: name.clone(),
            what,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        refused_address(text.parse().unwrap()).is_some()
    }

    #[test]
    fn link_local_and_metadata_addresses_are_refused() {
        for address in [
            "169.254.169.254",
            "169.254.170.2",
            "169.254.0.1",
            "169.254.255.255",
            "100.100.100.200",
            "168.63.129.16",
            "192.0.0.192",
            "fe80::1",
            "febf:ffff::1",
            "fd00:ec2::254",
        ] {
            assert!(refused(address), "{address}");
        }
    }

    #[test]
    fn an_ipv6_address_carrying_a_refused_ipv4_one_is_refused() {
        for address in [
            "::ffff:169.254.169.254",
            "::ffff:a9fe:a9fe",
            "::169.254.169.254",
            "64:ff9b::169.254.169.254",
            "::ffff:100.100.100.200",
        ] {
            assert!(refused(address), "{address}");
        }
    }

    #[test]
    fn loopback_private_and_public_addresses_are_not_refused() {
        for address in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "100.64.0.1",
            "8.8.8.8",
            "169.253.255.255",
            "169.255.0.0",
            "::1",
            "::",
            "fd00::5",
            "fd00:ec2::253",
            "fec0::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!refused(address), "{address}");
        }
    }

    #[test]
    fn numeric_host_forms_are_judged_after_the_url_crate_normalises_them() {
        let strict = DestinationPolicy::STRICT;
        for url in [
            "http://0xa9fea9fe/",
            "http://2852039166/",
            "http://0251.0376.0251.0376/",
            "http://169.254.43518/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://Metadata.Google.Internal./",
        ] {
            assert!(strict.refuses_url(url).is_some(), "{url}");
        }
        for url in [
            "http://2130706433/",
            "http://0x7f000001:9/",
            "http://127.1/",
        ] {
            let parsed = url::Url::parse(url).unwrap();
            assert_eq!(parsed.host_str(), Some("127.0.0.1"), "{url}");
            assert!(strict.refuses_url(url).is_none(), "{url}");
        }
    }

    #[test]
    fn the_setting_lets_them_through() {
        let allow = DestinationPolicy {
            allow_link_local: true,
        };
        assert!(allow.refuses_url("http://169.254.169.254/").is_none());
        assert!(
            allow
                .refuses_url("http://metadata.google.internal/")
                .is_none()
        );
        assert!(allow.refuses_address("fe80::1".parse().unwrap()).is_none());
    }
}
