//! Certificates made in the test: rcgen (self-signed, a CA and what it issues, expired
//! ones) and the openssl command line.

use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate and its key, with the PEM text a person would upload.
pub struct TestCert {
    pub der: CertificateDer<'static>,
    pub pem: String,
    pub key: PrivateKeyDer<'static>,
    issuer: Option<Issuer<'static, KeyPair>>,
}

impl TestCert {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        self.key.clone_key()
    }
}

fn params(common_name: &str, names: &[&str]) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.subject_alt_names = names
        .iter()
        .map(|name| match name.parse() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName((*name).try_into().unwrap()),
        })
        .collect();
    params
}

fn finish(
    cert: rcgen::Certificate,
    key: KeyPair,
    issuer: Option<Issuer<'static, KeyPair>>,
) -> TestCert {
    TestCert {
        der: cert.der().clone(),
        pem: cert.pem(),
        key: PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        issuer,
    }
}

/// A self-signed server certificate naming `names`.
pub fn self_signed(names: &[&str]) -> TestCert {
    let key = KeyPair::generate().unwrap();
    let cert = params("receiver", names).self_signed(&key).unwrap();
    finish(cert, key, None)
}

/// A CA that can issue server certificates.
pub fn certificate_authority() -> TestCert {
    let key = KeyPair::generate().unwrap();
    let mut params = params("Test Receiver CA", &[]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let issuer_key = KeyPair::try_from(key.serialize_der().as_slice()).unwrap();
    let issuer = Issuer::new(params, issuer_key);
    finish(cert, key, Some(issuer))
}

/// A server certificate issued by `ca`; `expired` puts its validity in the past.
pub fn issued_by(ca: &TestCert, names: &[&str], expired: bool) -> TestCert {
    let key = KeyPair::generate().unwrap();
    let mut params = params("receiver", names);
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let cert = params
        .signed_by(&key, ca.issuer.as_ref().expect("a CA"))
        .unwrap();
    finish(cert, key, None)
}

/// A self-signed CA certificate as `openssl req -x509` makes it (basicConstraints
/// CA:TRUE), naming only `common_name`: no IP address.
pub fn openssl_self_signed(dir: &Path, common_name: &str) -> TestCert {
    let key_path = dir.join("key.pem");
    let cert_path = dir.join("cert.pem");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "30", "-subj"])
        .arg(format!("/CN={common_name}"))
        .arg("-keyout")
        .arg(&key_path)
        .arg("-out")
        .arg(&cert_path)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let pem = std::fs::read_to_string(&cert_path).unwrap();
    TestCert {
        der: CertificateDer::from_pem_slice(pem.as_bytes()).unwrap(),
        key: PrivateKeyDer::from_pem_file(&key_path).unwrap(),
        pem,
        issuer: None,
    }
}
