//! Helpers shared by the test binaries: test certificates and sample integrations.
#![allow(dead_code)]

use std::path::Path;

use hookconsole::model::{ApiType, Authentication, Header, HttpMethod, Integration, OAuthSettings};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, date_time_ymd};

/// A self-signed certificate (PEM) for `common_name`, valid between the two years,
/// with its private key (PEM).
pub fn certificate(common_name: &str, from_year: i32, to_year: i32) -> (String, String) {
    let mut params = CertificateParams::new(vec![common_name.to_string(), "192.0.2.10".into()])
        .expect("certificate parameters");
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "Hookconsole Tests");
    params.distinguished_name = name;
    params.not_before = date_time_ymd(from_year, 1, 1);
    params.not_after = date_time_ymd(to_year, 1, 1);
    let key = KeyPair::generate().expect("key pair");
    let certificate = params.self_signed(&key).expect("self-signed certificate");
    (certificate.pem(), key.serialize_pem())
}

/// A valid certificate PEM, good for decades.
pub fn valid_certificate() -> String {
    certificate("jira.example.com", 2020, 2090).0
}

/// A certificate that expired years ago.
pub fn expired_certificate() -> String {
    certificate("old.example.com", 2010, 2012).0
}

/// A minimal valid integration.
pub fn minimal(name: &str) -> Integration {
    Integration::new(name, "https://hooks.example.com/incoming")
}

/// An integration with every field set to something other than its default.
pub fn full_basic(name: &str) -> Integration {
    let mut integration = Integration::new(name, "https://jira.example.com:8443/rest/api/2/issue");
    integration.retry_interval = 300;
    integration.http_method = Some(HttpMethod::Put);
    integration.http_headers = vec![
        Header::new("Content-Type", "application/json"),
        Header::new("X-Team", "ops"),
        Header::new("X-Team", "sec"),
        Header::new("X-Api-Key", "header-secret-value"),
    ];
    integration.certificate = Some(valid_certificate());
    integration.content_sample = "{\n  \"fields\": {\"summary\": \"$TITLE\"}\n}\n".into();
    integration.enabled = false;
    integration.authentication = Authentication::Basic {
        username: "svc-hiab".into(),
        password: "basic-password-value".into(),
    };
    integration
}

pub fn full_oauth(name: &str) -> Integration {
    let mut integration = Integration::new(name, "https://api.atlassian.com/ex/jira/1/rest");
    integration.http_method = Some(HttpMethod::Post);
    integration.authentication = Authentication::OAuth(OAuthSettings {
        client_id: "client-id-value".into(),
        client_secret: "oauth-client-secret-value".into(),
        token_url: "https://auth.atlassian.com/oauth/token".into(),
        authorize_url: "https://auth.atlassian.com/authorize".into(),
        audience: "api.atlassian.com".into(),
        scope: "write:jira-work offline_access".into(),
        authorize_parameters: "prompt=consent".into(),
        revocation_url: "https://auth.atlassian.com/oauth/revoke".into(),
        api_type: ApiType::Json,
        client_authentication: Some(hookconsole::model::ClientAuthentication::Basic),
        sites_url: String::new(),
        site_url: String::new(),
    });
    integration
}

/// The bytes of a file, for "left exactly as it was" checks.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}
