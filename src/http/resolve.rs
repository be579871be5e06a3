//! Name resolution for every request hookconsole sends, with the destination check: a
//! name that resolves to a link-local or cloud metadata address is refused before any
//! connection is made, unless the settings allow those (`model::DestinationPolicy`).
//! Checking the host as written is not enough: any name can resolve to
//! 169.254.169.254. The reqwest clients resolve through [`GuardedResolver`]; VERIFY,
//! which resolves by itself to time the stage, asks [`Resolver::lookup`] and
//! [`check_resolved`]. An address literal is not resolved at all, so a URL's host is
//! checked as written too ([`check_literal`]).
//!
//! Through a proxy the proxy resolves the name: only the host as written is checked.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::model::{ALLOW_LINK_LOCAL_SETTING, DestinationPolicy, RefusedDestination};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where names are looked up: the system's resolver (getaddrinfo: /etc/hosts, then
/// DNS), or another one given by the caller.
#[derive(Clone)]
pub struct Resolver(Arc<dyn Resolve>);

impl Resolver {
    pub fn system() -> Resolver {
        Resolver(Arc::new(SystemResolver))
    }

    /// Names looked up by `resolver` instead of the system (a test's own answers, a
    /// resolver of a program embedding hookconsole).
    pub fn custom(resolver: Arc<dyn Resolve>) -> Resolver {
        Resolver(resolver)
    }

    /// The addresses of `name`, each once, in the resolver's order.
    pub async fn lookup(&self, name: &str) -> Result<Vec<IpAddr>, BoxError> {
        let name: Name = name
            .parse()
            .map_err(|_| format!("`{name}` is not a valid host name"))?;
        let mut addresses = Vec::new();
        for address in self.0.resolve(name).await? {
            if !addresses.contains(&address.ip()) {
                addresses.push(address.ip());
            }
        }
        Ok(addresses)
    }
}

impl Default for Resolver {
    fn default() -> Resolver {
        Resolver::system()
    }
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Resolver")
    }
}

/// Two resolvers are the same when they are the same object.
impl PartialEq for Resolver {
    fn eq(&self, other: &Resolver) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Resolver {}

/// The system's resolver, on tokio's blocking threads (as reqwest's own does).
struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: the client puts the URL's port in.
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let addresses: Addrs = Box::new(found.collect::<Vec<SocketAddr>>().into_iter());
            Ok(addresses)
        })
    }
}

/// Resolves through a [`Resolver`] and refuses the name when any address it resolves
/// to is refused: connecting to the others would leave which one is used to whoever
/// controls the name's DNS.
pub struct GuardedResolver {
    inner: Resolver,
    policy: DestinationPolicy,
}

impl GuardedResolver {
    pub fn new(inner: Resolver, policy: DestinationPolicy) -> GuardedResolver {
        GuardedResolver { inner, policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let resolving = self.inner.0.resolve(name);
        let policy = self.policy;
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = resolving.await?.collect();
            let ips: Vec<IpAddr> = addresses.iter().map(SocketAddr::ip).collect();
            check_resolved(&host, &ips, policy)?;
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// A request not sent because of where it would go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DestinationRefused {
    /// The name that resolved to it; `None` when the URL names it.
    pub name: Option<String>,
    /// The label of the field whose URL it is ("URL", "Token URL").
    pub field: &'static str,
    pub refused: RefusedDestination,
}

impl fmt::Display for DestinationRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("destination refused: ")?;
        match &self.name {
            Some(name) => write!(f, "`{name}` resolves to {}", self.refused)?,
            None => write!(f, "the {} goes to {}", self.field, self.refused)?,
        }
        write!(
            f,
            "; link-local and cloud metadata addresses are refused (set {ALLOW_LINK_LOCAL_SETTING}=true to allow them)"
        )
    }
}

/// Refuses `name` when one of the `addresses` it resolved to is refused.
pub fn check_resolved(
    name: &str,
    addresses: &[IpAddr],
    policy: DestinationPolicy,
) -> Result<(), DestinationRefused> {
    match addresses.iter().find_map(|ip| policy.refuses_address(*ip)) {
        Some(refused) => Err(DestinationRefused {
            name: Some(name.to_string()),
            field: "URL",
            refused,
        }),
        None => Ok(()),
    }
}

/// Refuses a URL whose host, as written, is refused: an address literal (never
/// resolved, so never seen by the resolver) or the name of a metadata service.
/// `field` is the label of the field the URL comes from.
pub fn check_literal(
    url: &url::Url,
    field: &'static str,
    policy: DestinationPolicy,
) -> Result<(), DestinationRefused> {
    match url.host().and_then(|host| policy.refuses_host(&host)) {
        Some(refused) => Err(DestinationRefused {
            name: None,
            field,
            refused,
        }),
        None => Ok(()),
    }
}

/// The refusal behind an error of the HTTP client, when that is why it failed.
pub fn find_refusal<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a DestinationRefused> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(refused) = error.downcast_ref::<DestinationRefused>() {
            return Some(refused);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_refused_address_refuses_the_name() {
        let strict = DestinationPolicy::STRICT;
        let public: IpAddr = "192.0.2.10".parse().unwrap();
        let metadata: IpAddr = "::ffff:169.254.169.254".parse().unwrap();
        assert!(check_resolved("hooks.example.com", &[public], strict).is_ok());
        let refused = check_resolved("hooks.example.com", &[public, metadata], strict)
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with(
                "destination refused: `hooks.example.com` resolves to ::ffff:169.254.169.254"
            ),
            "{refused}"
        );
        assert!(
            refused.contains("allow_link_local_destinations=true"),
            "{refused}"
        );
        let allow = DestinationPolicy {
            allow_link_local: true,
        };
        assert!(check_resolved("hooks.example.com", &[metadata], allow).is_ok());
    }

    #[test]
    fn a_refusal_is_found_through_the_error_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] DestinationRefused);
        let refused = check_literal(
            &url::Url::parse("http://[fe80::1]/").unwrap(),
            "Token URL",
            DestinationPolicy::STRICT,
        )
        .unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("destination refused: the Token URL goes to fe80::1"),
            "{refused}"
        );
        let outer = Outer(refused.clone());
        assert_eq!(find_refusal(&outer), Some(&refused));
    }
}
