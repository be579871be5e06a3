//! Sample integrations for the model, store and CLI tests, a home holding one, and a
//! file's bytes for "left exactly as it was" checks.

use std::path::Path;

use hookconsole::model::{ApiType, Authentication, Header, HttpMethod, Integration, OAuthSettings};
use hookconsole::store::{IntegrationStore, Locations};

use super::certs::valid_certificate;

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
        ..OAuthSettings::default()
    });
    integration
}

/// A temporary home holding the integration `jira` at `url`, as `edit` leaves it.
pub fn home_with_jira(
    url: &str,
    edit: impl FnOnce(&mut Integration),
) -> (tempfile::TempDir, Locations) {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let mut integration = Integration::new("jira", url);
    edit(&mut integration);
    IntegrationStore::new(locations.integrations_file())
        .put(None, integration)
        .unwrap();
    (dir, locations)
}

/// The bytes of a file, for "left exactly as it was" checks.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}
