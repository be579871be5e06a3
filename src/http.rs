//! The HTTP client shared by delivery (webhook URL) and OAuth (token URL): trust built
//! from an integration's uploaded certificate and the system roots, timeouts, proxy.
//! rustls with the ring provider; redirects are never followed.

mod client;
mod proxy;
mod trust;

pub use client::{
    HttpClient, HttpError, HttpOptions, POOL_IDLE_TIMEOUT, build_client, tls_config, user_agent,
};
pub use proxy::{ProxyRules, display_proxy};
pub use trust::{IntegrationVerifier, TrustObservation, TrustProbe, TrustedBy, crypto_provider};
