//! Which servers an integration trusts (DESIGN.md, "Uploaded certificate"): a server
//! presenting exactly an uploaded certificate is accepted by pinning, whatever names or
//! CA flag that certificate carries; an uploaded certificate is also an extra trust
//! anchor; anything else gets normal webpki verification against the system roots.
//! The verifier remembers what it saw and decided, for the verify report.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;

use crate::model::{parse_pem, summarise_der};

/// How the server's certificate came to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustedBy {
    /// The server presented exactly the uploaded certificate.
    Pinned,
    /// The certificate chains to an uploaded CA certificate.
    UploadedCa,
    /// The certificate chains to a CA of the system's store (/etc/ssl/certs).
    SystemRoots,
}

impl TrustedBy {
    pub fn describe(self) -> &'static str {
        match self {
            TrustedBy::Pinned => "pinned: it is exactly the uploaded certificate",
            TrustedBy::UploadedCa => "issued by the uploaded CA certificate",
            TrustedBy::SystemRoots => "issued by a CA of the system's trust store",
        }
    }
}

/// What the verifier saw during the last handshake.
#[derive(Debug, Clone, Default)]
pub struct TrustObservation {
    /// The server's own certificate, DER, as presented (also when it was refused).
    pub presented: Option<CertificateDer<'static>>,
    pub trusted_by: Option<TrustedBy>,
    pub rejected: Option<CertificateError>,
}

/// A handle on what the verifier of one client saw; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct TrustProbe(Arc<Mutex<TrustObservation>>);

impl TrustProbe {
    pub fn observation(&self) -> TrustObservation {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, TrustObservation> {
        // A poisoned lock only means a panic elsewhere; the record is still readable.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, presented: &CertificateDer<'_>, verdict: Result<TrustedBy, CertificateError>) {
        let mut observation = self.lock();
        observation.presented = Some(presented.clone().into_owned());
        match verdict {
            Ok(trusted_by) => {
                observation.trusted_by = Some(trusted_by);
                observation.rejected = None;
            }
            Err(error) => {
                observation.trusted_by = None;
                observation.rejected = Some(error);
            }
        }
    }
}

/// The ring provider, the only one this program uses.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The system's CA certificates, read once. Unreadable ones are skipped (and logged).
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let loaded = rustls_native_certs::load_native_certs();
            for error in &loaded.errors {
                tracing::warn!(%error, "a system CA certificate could not be read");
            }
            let mut store = RootCertStore::empty();
            let (added, ignored) = store.add_parsable_certificates(loaded.certs);
            tracing::debug!(added, ignored, "system trust store loaded");
            Arc::new(store)
        })
        .clone()
}

/// Pins first, then the uploaded CA, then the system roots.
#[derive(Debug)]
pub struct IntegrationVerifier {
    pinned: Vec<CertificateDer<'static>>,
    uploaded: Option<Arc<WebPkiServerVerifier>>,
    system: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
    probe: TrustProbe,
}

impl IntegrationVerifier {
    /// From the integration's uploaded PEM text (none: system roots only).
    pub fn new(uploaded_pem: Option<&str>) -> Result<IntegrationVerifier, String> {
        let provider = crypto_provider();
        let pinned: Vec<CertificateDer<'static>> = match uploaded_pem {
            Some(text) if !text.trim().is_empty() => parse_pem(text)?
                .into_iter()
                .map(|summary| CertificateDer::from(summary.der))
                .collect(),
            _ => Vec::new(),
        };
        let mut anchors = RootCertStore::empty();
        anchors.add_parsable_certificates(pinned.iter().cloned());
        let webpki = |roots: Arc<RootCertStore>| {
            (!roots.is_empty())
                .then(|| {
                    WebPkiServerVerifier::builder_with_provider(roots, provider.clone()).build()
                })
                .and_then(Result::ok)
        };
        Ok(IntegrationVerifier {
            uploaded: webpki(Arc::new(anchors)),
            system: webpki(system_roots()),
            pinned,
            algorithms: provider.signature_verification_algorithms,
            probe: TrustProbe::default(),
        })
    }

    pub fn probe(&self) -> TrustProbe {
        self.probe.clone()
    }

    fn decide(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<TrustedBy, CertificateError> {
        if self
            .pinned
            .iter()
            .any(|pin| pin.as_ref() == end_entity.as_ref())
        {
            return Ok(TrustedBy::Pinned);
        }
        let attempt = |verifier: &Option<Arc<WebPkiServerVerifier>>| {
            verifier.as_ref().map(|verifier| {
                verifier
                    .verify_server_cert(end_entity, intermediates, server_name, &[], now)
                    .map_err(certificate_error)
            })
        };
        let uploaded = match attempt(&self.uploaded) {
            Some(Ok(_)) => return Ok(TrustedBy::UploadedCa),
            other => other,
        };
        let system = match attempt(&self.system) {
            Some(Ok(_)) => return Ok(TrustedBy::SystemRoots),
            other => other,
        };
        // A self-signed certificate that is not the uploaded one can only be trusted by
        // uploading it, whatever webpki objects to (for `openssl req -x509` certificates:
        // "CA used as end entity"). Say so.
        if is_self_signed(end_entity) {
            return Err(CertificateError::UnknownIssuer);
        }
        // The more telling refusal wins: "expired" or "wrong name" from the anchor that
        // did issue the certificate beats "unknown issuer" from the one that did not.
        Err([uploaded, system]
            .into_iter()
            .flatten()
            .filter_map(Result::err)
            .find(|error| *error != CertificateError::UnknownIssuer)
            .unwrap_or(CertificateError::UnknownIssuer))
    }
}

fn is_self_signed(der: &CertificateDer<'_>) -> bool {
    summarise_der(der.as_ref()).is_ok_and(|summary| summary.is_self_signed())
}

fn certificate_error(error: rustls::Error) -> CertificateError {
    match error {
        rustls::Error::InvalidCertificate(error) => error,
        other => CertificateError::Other(rustls::OtherError(Arc::new(other))),
    }
}

impl ServerCertVerifier for IntegrationVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.decide(end_entity, intermediates, server_name, now);
        self.probe.record(end_entity, verdict.clone());
        match verdict {
            Ok(trusted_by) => {
                tracing::debug!(?trusted_by, "server certificate trusted");
                Ok(ServerCertVerified::assertion())
            }
            Err(error) => {
                tracing::info!(%error, "server certificate refused");
                Err(rustls::Error::InvalidCertificate(error))
            }
        }
    }

    // The handshake signatures are checked with the presented certificate's key in every
    // case, pinned or not: the server proves it holds the private key.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
