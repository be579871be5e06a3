//! The HTTP client shared by delivery (webhook URL) and OAuth (token URL): trust built
//! from an integration's uploaded certificate and the system roots, timeouts, proxy,
//! and name resolution that refuses link-local and metadata destinations.
//! rustls with the ring provider; redirects are never followed.

mod client;
mod connector;
mod proxy;
mod resolve;
mod trust;

pub use client::{
    HttpClient, HttpError, HttpOptions, POOL_IDLE_TIMEOUT, build_client, tls_config, user_agent,
};
pub use connector::ConnectError;
pub use proxy::{ProxyRules, display_proxy};
pub use resolve::{
    DestinationRefused, GuardedResolver, Resolver, check_literal, check_resolved, find_refusal,
};
pub use trust::{IntegrationVerifier, TrustObservation, TrustProbe, TrustedBy, crypto_provider};
