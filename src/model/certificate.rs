//! The uploaded certificate: PEM text parsed into what a person checks before trusting
//! it (subject, issuer, validity, SHA-256 fingerprint). Pure: the caller passes "now".

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// SHA-256 of the DER encoding, as upper-case hex pairs joined by colons (the form
    /// browsers and `openssl x509 -fingerprint -sha256` show).
    pub sha256_fingerprint: String,
    pub is_ca: bool,
    /// DNS names and IP addresses from the subject alternative name extension.
    pub names: Vec<String>,
    /// The certificate itself, DER: what pinning compares.
    pub der: Vec<u8>,
}

impl CertificateSummary {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now > self.not_after
    }

    pub fn is_not_yet_valid(&self, now: OffsetDateTime) -> bool {
        now < self.not_before
    }

    pub fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }
}

/// Parses every `CERTIFICATE` block of a PEM text. Anything else — not PEM at all, a
/// broken block, a private key — is refused with a message that says which block.
pub fn parse_pem(text: &str) -> Result<Vec<CertificateSummary>, String> {
    if !text.contains("-----BEGIN") {
        return Err("is not PEM: expected a -----BEGIN CERTIFICATE----- block".into());
    }
    let mut summaries = Vec::new();
    for (index, block) in Pem::iter_from_buffer(text.as_bytes()).enumerate() {
        let number = index + 1;
        let pem = block.map_err(|error| format!("PEM block {number} is malformed: {error}"))?;
        if pem.label.contains("PRIVATE KEY") {
            return Err(format!(
                "PEM block {number} is a private key; upload only the server's certificate"
            ));
        }
        if pem.label != "CERTIFICATE" {
            return Err(format!(
                "PEM block {number} is a {}, not a CERTIFICATE",
                pem.label
            ));
        }
        summaries.push(
            summarise_der(&pem.contents).map_err(|error| {
                format!("PEM block {number} is not an X.509 certificate: {error}")
            })?,
        );
    }
    if summaries.is_empty() {
        return Err("is not PEM: no -----BEGIN CERTIFICATE----- block found".into());
    }
    Ok(summaries)
}

/// One DER certificate summarised: what a TLS peer presented, for the verify report.
pub fn summarise_der(der: &[u8]) -> Result<CertificateSummary, String> {
    let (_, certificate) =
        x509_parser::parse_x509_certificate(der).map_err(|error| error.to_string())?;
    let validity = certificate.validity();
    let names = match certificate.subject_alternative_name() {
        Ok(Some(extension)) => extension
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some((*dns).to_string()),
                GeneralName::IPAddress(bytes) => ip_from_bytes(bytes),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(CertificateSummary {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        not_before: validity.not_before.to_datetime(),
        not_after: validity.not_after.to_datetime(),
        sha256_fingerprint: fingerprint(der),
        is_ca: certificate.is_ca(),
        names,
        der: der.to_vec(),
    })
}

/// A DER certificate as PEM text, as the Certificate field holds an uploaded one: what
/// pinning a certificate a server presented stores.
pub fn certificate_pem(der: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    // RFC 7468: lines of 64 characters; base64 is ASCII, so bytes are characters.
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

fn ip_from_bytes(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => {
            let octets: [u8; 4] = bytes.try_into().ok()?;
            Some(std::net::Ipv4Addr::from(octets).to_string())
        }
        16 => {
            let octets: [u8; 16] = bytes.try_into().ok()?;
            Some(std::net::Ipv6Addr::from(octets).to_string())
        }
        _ => None,
    }
}

/// SHA-256 of DER bytes as `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
