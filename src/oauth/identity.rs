//! The callback listener's TLS identity: a certificate and key configured by the
//! administrator, or a self-signed one generated on first use and kept in the home
//! directory (0600), whose fingerprint the screen shows so the person can compare it
//! with the phone browser's warning.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::model::{fingerprint, parse_pem};
use crate::store::{FileLock, StoreError, write_atomic};

/// Why the listener has no TLS identity; each names the file or the part at fault.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Reading, locking or writing a certificate or key file.
    #[error(transparent)]
    File(#[from] StoreError),
    #[error("{}: is not UTF-8 text", .0.display())]
    NotText(PathBuf),
    /// The generated pair is not there yet (it is made then).
    #[error("{}: not made yet", .0.display())]
    NotMade(PathBuf),
    #[error("listener certificate: {0}")]
    CertificatePem(rustls::pki_types::pem::Error),
    #[error("listener certificate: no certificate in the file")]
    NoCertificate,
    #[error("listener key: not a PEM private key")]
    NotAKey,
    #[error(transparent)]
    Tls(rustls::Error),
    #[error("listener certificate and key do not fit together: {0}")]
    Mismatch(rustls::Error),
    /// Making the self-signed certificate.
    #[error(transparent)]
    Generate(#[from] rcgen::Error),
}

pub struct ListenerIdentity {
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate, `AB:CD:…`.
    pub fingerprint: String,
    /// The certificate chain as PEM (public), for a check that pins it.
    pub certificate: String,
}

/// Where a configured identity lives; `None` means generate one into `dir`.
pub struct IdentitySource<'a> {
    pub configured: Option<(&'a Path, &'a Path)>,
    pub dir: &'a Path,
    /// The host names or addresses the certificate must name.
    pub names: Vec<String>,
}

pub fn load_or_create(source: &IdentitySource<'_>) -> Result<ListenerIdentity, IdentityError> {
    let (certificate_pem, key_pem) = match source.configured {
        Some((certificate, key)) => (read_configured(certificate)?, read_configured(key)?),
        None => generated(source.dir, &source.names)?,
    };
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(IdentityError::CertificatePem)?;
    let leaf = certificates.first().ok_or(IdentityError::NoCertificate)?;
    let fingerprint = fingerprint(leaf.as_ref());
    let key =
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| IdentityError::NotAKey)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(IdentityError::Tls)?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(IdentityError::Mismatch)?;
    Ok(ListenerIdentity {
        config: Arc::new(config),
        fingerprint,
        certificate: certificate_pem,
    })
}

/// Checks a certificate file the settings are about to name: readable, and holding
/// at least one PEM certificate.
pub fn check_certificate_file(path: &Path) -> Result<(), IdentityError> {
    let pem = read_configured(path)?;
    let mut certificates = CertificateDer::pem_slice_iter(pem.as_bytes());
    match certificates.next() {
        Some(Ok(_)) => Ok(()),
        Some(Err(error)) => Err(IdentityError::CertificatePem(error)),
        None => Err(IdentityError::NoCertificate),
    }
}

/// Checks a key file the settings are about to name: readable, and holding a PEM
/// private key.
pub fn check_key_file(path: &Path) -> Result<(), IdentityError> {
    let pem = read_configured(path)?;
    PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map(drop)
        .map_err(|_| IdentityError::NotAKey)
}

/// A certificate or key the settings name (a link is fine: the administrator chose it).
fn read_configured(path: &Path) -> Result<String, IdentityError> {
    let bytes = crate::store::read_named_file(path, crate::store::FIELD_LIMIT)?;
    String::from_utf8(bytes).map_err(|_| IdentityError::NotText(path.to_path_buf()))
}

/// The generated certificate or key in the home: never read through a link.
fn read_generated(path: &Path) -> Result<String, IdentityError> {
    match crate::store::read_own_file(path, crate::store::FIELD_LIMIT)? {
        Some(bytes) => {
            String::from_utf8(bytes).map_err(|_| IdentityError::NotText(path.to_path_buf()))
        }
        None => Err(IdentityError::NotMade(path.to_path_buf())),
    }
}

fn paths(dir: &Path) -> (PathBuf, PathBuf) {
    (
        dir.join("listener-certificate.pem"),
        dir.join("listener-key.pem"),
    )
}

/// The stored self-signed pair when it still names every host; a new one otherwise.
fn generated(dir: &Path, names: &[String]) -> Result<(String, String), IdentityError> {
    let (certificate_path, key_path) = paths(dir);
    let _lock = FileLock::acquire(&certificate_path)?;
    if let (Ok(certificate), Ok(key)) =
        (read_generated(&certificate_path), read_generated(&key_path))
    {
        let covers = parse_pem(&certificate).is_ok_and(|summaries| {
            summaries.first().is_some_and(|leaf| {
                names
                    .iter()
                    .all(|name| leaf.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
                    && leaf.not_after > time::OffsetDateTime::now_utc()
            })
        });
        if covers {
            return Ok((certificate, key));
        }
    }
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(names.to_vec())?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!(
            "hookconsole callback {}",
            names.first().map(String::as_str).unwrap_or("")
        ),
    );
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(825);
    let certificate = params.self_signed(&key)?;
    let (certificate_pem, key_pem) = (certificate.pem(), key.serialize_pem());
    write_atomic(&key_path, key_pem.as_bytes(), 0o600)?;
    write_atomic(&certificate_path, certificate_pem.as_bytes(), 0o600)?;
    tracing::info!(path = %certificate_path.display(), "generated the callback listener's self-signed certificate");
    Ok((certificate_pem, key_pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_and_reused_while_it_names_the_host() {
        let dir = tempfile::tempdir().unwrap();
        let source = IdentitySource {
            configured: None,
            dir: dir.path(),
            names: vec!["hiab.example.com".into()],
        };
        let first = load_or_create(&source).unwrap();
        let again = load_or_create(&source).unwrap();
        assert_eq!(first.fingerprint, again.fingerprint);
        let other = IdentitySource {
            names: vec!["10.1.2.3".into()],
            ..source
        };
        assert_ne!(
            load_or_create(&other).unwrap().fingerprint,
            first.fingerprint
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("listener-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
