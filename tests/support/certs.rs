//! Certificates made in the test: rcgen (self-signed, dated, a CA and what it issues,
//! expired ones) and the openssl command line.

use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate and its key, with the PEM text a person would upload.
pub struct TestCert {
    pub der: CertificateDer<'static>,
    pub pem: String,
    pub key: PrivateKeyDer<'static>,
    pub key_pem: String,
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
        key_pem: key.serialize_pem(),
        issuer,
    }
}

/// A self-signed server certificate naming `names`.
pub fn self_signed(names: &[&str]) -> TestCert {
    let key = KeyPair::generate().unwrap();
    let cert = params("receiver", names).self_signed(&key).unwrap();
    finish(cert, key, None)
}

/// A self-signed certificate for `common_name` and 192.0.2.10, of the organisation
/// "Hookconsole Tests", valid from 1 January `from_year` to 1 January `to_year`: what a
/// person uploads.
pub fn certificate(common_name: &str, from_year: i32, to_year: i32) -> TestCert {
    let key = KeyPair::generate().unwrap();
    let mut params = params(common_name, &[common_name, "192.0.2.10"]);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Hookconsole Tests");
    params.not_before = rcgen::date_time_ymd(from_year, 1, 1);
    params.not_after = rcgen::date_time_ymd(to_year, 1, 1);
    let cert = params.self_signed(&key).unwrap();
    finish(cert, key, None)
}

/// A valid certificate PEM, good for decades.
pub fn valid_certificate() -> String {
    certificate("jira.example.com", 2020, 2090).pem
}

/// A certificate PEM that expired years ago.
pub fn expired_certificate() -> String {
    certificate("old.example.com", 2010, 2012).pem
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
    let key_pem = std::fs::read_to_string(&key_path).unwrap();
    TestCert {
        der: CertificateDer::from_pem_slice(pem.as_bytes()).unwrap(),
        key: PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap(),
        key_pem,
        pem,
        issuer: None,
    }
}
