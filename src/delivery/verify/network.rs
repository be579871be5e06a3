//! The stages below HTTP: resolve the host, connect to one of its addresses, and the
//! TLS handshake with the integration's trust.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::{CertificateDer, ServerName};
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use url::Host;

use super::Run;
use crate::delivery::answer::{error_chain, millis};
use crate::delivery::diagnosis::{certificate_failure, certificate_refusal, io_failure};
use crate::delivery::report::{
    ConnectAttempt, ConnectStage, Failure, Outcome, PeerCertificate, ResolveStage, Stage, TlsStage,
};
use crate::delivery::request::DeliveryRequest;
use crate::http::{check_literal, check_resolved, tls_config};
use crate::model::{Integration, certificate_pem, summarise_der};

impl Run<'_> {
    pub(super) async fn resolve(
        &mut self,
        request: &DeliveryRequest,
    ) -> Result<Vec<SocketAddr>, Outcome> {
        let port = request.url.port_or_known_default().unwrap_or(443);
        let policy = self.options.destinations;
        if let Err(refused) = check_literal(&request.url, "URL", policy) {
            let summary = refused.to_string();
            return Err(self.fail(Failure::DestinationRefused, Stage::Resolve, summary));
        }
        let started = Instant::now();
        let (host, looked_up, found) = match request.url.host() {
            Some(Host::Ipv4(ip)) => (ip.to_string(), false, Ok(vec![(ip, port).into()])),
            Some(Host::Ipv6(ip)) => (ip.to_string(), false, Ok(vec![(ip, port).into()])),
            Some(Host::Domain(name)) => (name.to_string(), true, self.look_up(name, port).await),
            None => {
                let summary = "the URL has no host";
                return Err(self.fail(Failure::InvalidRequest, Stage::Request, summary));
            }
        };
        let addresses: Vec<IpAddr> = found.iter().flatten().map(SocketAddr::ip).collect();
        tracing::info!(%host, count = addresses.len(), "verify: resolved");
        // The report shows where the name led, refused or not.
        let refused = check_resolved(&host, &addresses, policy);
        self.report.resolve = Some(ResolveStage {
            host: host.clone(),
            looked_up,
            addresses,
            elapsed_ms: millis(started),
        });
        if let Err(refused) = refused {
            tracing::info!(%host, "verify: destination refused");
            let summary = refused.to_string();
            return Err(self.fail(Failure::DestinationRefused, Stage::Resolve, summary));
        }
        match found {
            Ok(addresses) if !addresses.is_empty() => Ok(addresses),
            Ok(_) => Err(self.fail(
                Failure::Dns,
                Stage::Resolve,
                format!("`{host}` has no address"),
            )),
            Err((failure, summary)) => Err(self.fail(failure, Stage::Resolve, summary)),
        }
    }

    /// The addresses of `name`, each once, in the resolver's order, from the
    /// resolver deliveries use.
    async fn look_up(&self, name: &str, port: u16) -> Result<Vec<SocketAddr>, (Failure, String)> {
        match timeout_at(self.deadline, self.options.resolver.lookup(name)).await {
            Ok(Ok(found)) => Ok(found
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect()),
            Ok(Err(error)) => Err((Failure::Dns, format!("`{name}` does not resolve: {error}"))),
            Err(_) => Err((
                Failure::Timeout,
                format!("no DNS answer for `{name}` in time"),
            )),
        }
    }

    /// Tries each address in turn, each within the connect timeout.
    pub(super) async fn connect(&mut self, addresses: &[SocketAddr]) -> Result<TcpStream, Outcome> {
        let mut stage = ConnectStage {
            attempts: Vec::new(),
            connected: None,
        };
        let mut last_failure = (Failure::Other, String::new());
        for &address in addresses {
            let started = Instant::now();
            let remaining = self
                .deadline
                .saturating_duration_since(tokio::time::Instant::now());
            let limit = self.options.connect_timeout.min(remaining);
            let (error, failure) = match timeout(limit, TcpStream::connect(address)).await {
                Ok(Ok(stream)) => {
                    stage.attempts.push(ConnectAttempt {
                        address,
                        elapsed_ms: millis(started),
                        error: None,
                    });
                    stage.connected = Some(address);
                    tracing::info!(%address, "verify: connected");
                    self.report.connect = Some(stage);
                    return Ok(stream);
                }
                Ok(Err(error)) => (error.to_string(), io_failure(&error)),
                Err(_) => (
                    format!("no answer within {} s", limit.as_secs_f32()),
                    Failure::Timeout,
                ),
            };
            tracing::info!(%address, %error, "verify: connect failed");
            stage.attempts.push(ConnectAttempt {
                address,
                elapsed_ms: millis(started),
                error: Some(error.clone()),
            });
            last_failure = (failure, format!("{address}: {error}"));
        }
        self.report.connect = Some(stage);
        let (failure, summary) = last_failure;
        Err(self.fail(failure, Stage::Connect, summary))
    }

    pub(super) async fn handshake(
        &mut self,
        integration: &Integration,
        request: &DeliveryRequest,
        stream: TcpStream,
    ) -> Result<TlsStream<TcpStream>, Outcome> {
        let (config, probe) = match tls_config(integration, &[b"http/1.1"]) {
            Ok(pair) => pair,
            Err(error) => {
                return Err(self.fail(Failure::InvalidRequest, Stage::Tls, error.to_string()));
            }
        };
        let server_name_text = match request.url.host() {
            Some(Host::Ipv6(ip)) => ip.to_string(),
            _ => request.url.host_str().unwrap_or_default().to_string(),
        };
        let server_name = match ServerName::try_from(server_name_text.clone()) {
            Ok(name) => name,
            Err(error) => {
                return Err(self.fail(
                    Failure::InvalidRequest,
                    Stage::Tls,
                    format!("`{server_name_text}`: {error}"),
                ));
            }
        };
        let started = Instant::now();
        let connector = TlsConnector::from(Arc::new(config));
        let result = timeout_at(self.deadline, connector.connect(server_name, stream)).await;
        let observed = probe.observation();
        let mut stage = TlsStage {
            server_name: server_name_text,
            protocol: None,
            elapsed_ms: millis(started),
            certificate: observed.presented.as_ref().and_then(peer_certificate),
            trusted_by: observed.trusted_by,
        };
        let outcome = match result {
            Ok(Ok(tls)) => {
                let (_, connection) = tls.get_ref();
                stage.protocol = connection.protocol_version().map(protocol_label);
                if let Some(end_entity) = connection
                    .peer_certificates()
                    .and_then(|certs| certs.first())
                {
                    stage.certificate = peer_certificate(end_entity);
                }
                tracing::info!(protocol = ?stage.protocol, trusted_by = ?stage.trusted_by, "verify: TLS established");
                self.report.tls = Some(stage);
                return Ok(tls);
            }
            Ok(Err(error)) => {
                let rustls_error = error
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>());
                match (rustls_error, &observed.rejected) {
                    (_, Some(rejected)) => {
                        (certificate_failure(rejected), certificate_refusal(rejected))
                    }
                    (Some(rustls_error), None) => {
                        (Failure::TlsFailed, format!("TLS failed: {rustls_error}"))
                    }
                    (None, None) => {
                        let failure = match io_failure(&error) {
                            Failure::Other => Failure::TlsFailed,
                            failure => failure,
                        };
                        (failure, format!("TLS failed: {}", error_chain(&error)))
                    }
                }
            }
            Err(_) => (
                Failure::Timeout,
                "the TLS handshake did not finish within the request timeout".to_string(),
            ),
        };
        self.report.tls = Some(stage);
        let (failure, summary) = outcome;
        Err(self.fail(failure, Stage::Tls, request.redact(&summary)))
    }
}

fn protocol_label(version: rustls::ProtocolVersion) -> String {
    match version {
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".into(),
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".into(),
        other => format!("{other:?}"),
    }
}

/// The presented certificate as the report shows it.
pub(super) fn peer_certificate(der: &CertificateDer<'_>) -> Option<PeerCertificate> {
    let summary = summarise_der(der.as_ref()).ok()?;
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    let date = |moment: OffsetDateTime| {
        moment
            .format(&format)
            .unwrap_or_else(|_| moment.to_string())
    };
    Some(PeerCertificate {
        expired: summary.is_expired(OffsetDateTime::now_utc()),
        subject: summary.subject,
        issuer: summary.issuer,
        not_before: date(summary.not_before),
        not_after: date(summary.not_after),
        sha256_fingerprint: summary.sha256_fingerprint,
        names: summary.names,
        pem: certificate_pem(der.as_ref()),
    })
}
