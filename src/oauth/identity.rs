//! The callback listener's TLS identity: a certificate and key configured by the
//! administrator, or a self-signed one generated on first use and kept in the home
//! directory (0600), whose fingerprint the screen shows so the person can compare it
//! with the phone browser's warning.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::model::{fingerprint, parse_pem};
use crate::store::{FileLock, write_atomic};

pub struct ListenerIdentity {
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate, `AB:CD:…`.
    pub fingerprint: String,
}

/// Where a configured identity lives; `None` means generate one into `dir`.
pub struct IdentitySource<'a> {
    pub configured: Option<(&'a Path, &'a Path)>,
    pub dir: &'a Path,
    /// The host names or addresses the certificate must name.
    pub names: Vec<String>,
}

pub fn load_or_create(source: &IdentitySource<'_>) -> Result<ListenerIdentity, String> {
    let (certificate_pem, key_pem) = match source.configured {
        Some((certificate, key)) => (read_configured(certificate)?, read_configured(key)?),
        None => generated(source.dir, &source.names)?,
    };
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|error| format!("listener certificate: {error}"))?;
    let leaf = certificates
        .first()
        .ok_or_else(|| "listener certificate: no certificate in the file".to_string())?;
    let fingerprint = fingerprint(leaf.as_ref());
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|_| "listener key: not a PEM private key".to_string())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|error| format!("listener certificate and key do not fit together: {error}"))?;
    Ok(ListenerIdentity {
        config: Arc::new(config),
        fingerprint,
    })
}

/// A certificate or key the settings name (a link is fine: the administrator chose it).
fn read_configured(path: &Path) -> Result<String, String> {
    let bytes = crate::store::read_named_file(path, crate::store::FIELD_LIMIT)
        .map_err(|error| error.to_string())?;
    String::from_utf8(bytes).map_err(|_| format!("{}: is not UTF-8 text", path.display()))
}

/// The generated certificate or key in the home: never read through a link.
fn read_generated(path: &Path) -> Result<String, String> {
    match crate::store::read_own_file(path, crate::store::FIELD_LIMIT) {
        Ok(Some(bytes)) => {
            String::from_utf8(bytes).map_err(|_| format!("{}: is not UTF-8 text", path.display()))
        }
        Ok(None) => Err(format!("{}: not made yet", path.display())),
        Err(error) => Err(error.to_string()),
    }
}

fn paths(dir: &Path) -> (PathBuf, PathBuf) {
    (
        dir.join("listener-certificate.pem"),
        dir.join("listener-key.pem"),
    )
}

/// The stored self-signed pair when it still names every host; a new one otherwise.
fn generated(dir: &Path, names: &[String]) -> Result<(String, String), String> {
    let (certificate_path, key_path) = paths(dir);
    let _lock = FileLock::acquire(&certificate_path).map_err(|error| error.to_string())?;
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
    let key = rcgen::KeyPair::generate().map_err(|error| error.to_string())?;
    let mut params =
        rcgen::CertificateParams::new(names.to_vec()).map_err(|error| error.to_string())?;
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
    let certificate = params
        .self_signed(&key)
        .map_err(|error| error.to_string())?;
    let (certificate_pem, key_pem) = (certificate.pem(), key.serialize_pem());
    write_atomic(&key_path, key_pem.as_bytes(), 0o600).map_err(|error| error.to_string())?;
    write_atomic(&certificate_path, certificate_pem.as_bytes(), 0o600)
        .map_err(|error| error.to_string())?;
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
