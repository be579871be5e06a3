//! Building a client for one integration: its trust, the timeouts and the proxy rules.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client as PoolingClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::ClientConfig;

use super::connector::GuardedConnector;
use super::proxy::ProxyRules;
use super::resolve::{DestinationRefused, GuardedResolver, Resolver, check_literal};
use super::trust::{IntegrationVerifier, TrustProbe, crypto_provider};
use crate::model::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DestinationPolicy, Integration, Settings,
    destination_urls,
};

/// `hookconsole/<version>`: the User-Agent of every request.
pub fn user_agent() -> String {
    format!("hookconsole/{}", env!("CARGO_PKG_VERSION"))
}

/// Timeouts, proxy and destinations, from the settings (with defaults) and the
/// environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// For one TCP connection.
    pub connect_timeout: Duration,
    /// For the whole request: resolve, connect, TLS, request, the whole answer.
    pub request_timeout: Duration,
    pub proxy: ProxyRules,
    /// Whether link-local and metadata destinations are refused.
    pub destinations: DestinationPolicy,
    /// Where names are looked up (the system's resolver).
    pub resolver: Resolver,
}

impl HttpOptions {
    pub fn from_settings(settings: &Settings) -> HttpOptions {
        HttpOptions {
            connect_timeout: Duration::from_secs(settings.effective_connect_timeout().into()),
            request_timeout: Duration::from_secs(settings.effective_request_timeout().into()),
            proxy: ProxyRules::from_setting_and_env(settings.proxy.as_deref())
                .with_setting_credentials(settings.proxy_credentials.as_ref()),
            destinations: settings.destination_policy(),
            resolver: Resolver::system(),
        }
    }
}

impl Default for HttpOptions {
    /// The settings' defaults, no proxy.
    fn default() -> HttpOptions {
        HttpOptions {
            connect_timeout: Duration::from_secs(DEFAULT_CONNECT_TIMEOUT.into()),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT.into()),
            proxy: ProxyRules::direct(),
            destinations: DestinationPolicy::STRICT,
            resolver: Resolver::system(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the uploaded certificate {0}")]
    Certificate(String),
    #[error("TLS cannot be set up: {0}")]
    Tls(#[from] rustls::Error),
    #[error("the HTTP client cannot be built: {0}")]
    Client(#[from] reqwest::Error),
    #[error(transparent)]
    DestinationRefused(#[from] DestinationRefused),
}

/// A rustls configuration trusting what the integration trusts, with a probe telling
/// how the last server was trusted. `alpn` is the protocols to offer (empty: none).
pub fn tls_config(
    integration: &Integration,
    alpn: &[&[u8]],
) -> Result<(ClientConfig, TrustProbe), HttpError> {
    let verifier = IntegrationVerifier::new(integration.certificate.as_deref())
        .map_err(HttpError::Certificate)?;
    let probe = verifier.probe();
    let mut config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok((config, probe))
}

/// The clients of one integration, with the same trust, timeouts and destination
/// guard: hyper's pooling client for deliveries that go straight to the receiver, and
/// reqwest's for deliveries through a proxy and for the OAuth token URL. None is built
/// for an integration whose URLs name a refused destination; names are checked on
/// what they resolve to, at each connection.
#[derive(Debug, Clone)]
pub struct HttpClient {
    pub client: reqwest::Client,
    /// Deliveries without a proxy (see `connector.rs` for why not reqwest).
    pub direct: PoolingClient<GuardedConnector, Full<Bytes>>,
    /// For the whole of a direct request, as reqwest's `timeout` is for its own.
    pub request_timeout: Duration,
    /// How the last server was trusted (or why it was not).
    pub trust: TrustProbe,
    /// The proxy rules the client follows, to tell whether a request went through one.
    pub proxy: ProxyRules,
}

/// How long an idle connection is kept for the next request: less than the five
/// seconds after which Apache (`KeepAliveTimeout`) and Node.js (`keepAliveTimeout`)
/// close theirs by default. A connection kept longer can be closed by the receiver
/// just as the next event goes out on it, and that delivery fails as a reset
/// connection, to be retried only after the Retry Interval. A burst keeps its
/// connections warm; an event after a pause opens a new one.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

pub fn build_client(
    integration: &Integration,
    options: &HttpOptions,
) -> Result<HttpClient, HttpError> {
    for (field, url) in destination_urls(integration) {
        if let Ok(url) = url::Url::parse(url.trim()) {
            check_literal(&url, field.label(), options.destinations)?;
        }
    }
    let (config, trust) = tls_config(integration, &[])?;
    let direct = PoolingClient::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .pool_timer(TokioTimer::new())
        .http1_title_case_headers(true)
        .build(GuardedConnector::new(
            GuardedResolver::new(options.resolver.clone(), options.destinations),
            config.clone(),
            options.connect_timeout,
        ));
    let resolver = GuardedResolver::new(options.resolver.clone(), options.destinations);
    let mut builder = reqwest::Client::builder()
        .dns_resolver(resolver)
        .tls_backend_preconfigured(config)
        .connect_timeout(options.connect_timeout)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .timeout(options.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(user_agent())
        .http1_title_case_headers();
    if !options.proxy.is_direct() {
        let rules = options.proxy.clone();
        builder = builder.proxy(reqwest::Proxy::custom(move |url| rules.proxy_for(url)));
    }
    let client = builder.build()?;
    Ok(HttpClient {
        client,
        direct,
        request_timeout: options.request_timeout,
        trust,
        proxy: options.proxy.clone(),
    })
}
