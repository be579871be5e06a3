//! The Grant choice of the OAuth block: an integrations file written before it existed
//! loads unchanged as the authorization code; client credentials need no Authorize
//! URL; token parameters are checked as the authorize parameters are.

#![allow(clippy::unwrap_used)] // tests fail loudly

use hookconsole::model::{
    Authentication, Field, Grant, Integration, field_text, set_field, validate,
};
use time::OffsetDateTime;

const OLD_FILE_ENTRY: &str = "\
name: jira
url: https://jira.example.test/rest/api/2/issue
authentication:
  type: oauth
  client_id: abc
  client_secret: s3cret
  token_url: https://auth.example.test/oauth/token
  authorize_url: https://auth.example.test/authorize
";

#[test]
fn an_entry_without_a_grant_is_the_authorization_code_and_is_written_back_the_same() {
    let integration: Integration = serde_yaml::from_str(OLD_FILE_ENTRY).unwrap();
    let Authentication::OAuth(oauth) = &integration.authentication else {
        panic!("oauth")
    };
    assert_eq!(oauth.grant, Grant::AuthorizationCode);
    let written = serde_yaml::to_string(&integration).unwrap();
    assert!(!written.contains("grant"), "{written}");
    assert!(!written.contains("token_parameters"), "{written}");
    assert!(written.contains("authorize_url"), "{written}");
}

fn client_credentials() -> Integration {
    let mut integration: Integration = serde_yaml::from_str(OLD_FILE_ENTRY).unwrap();
    set_field(&mut integration, Field::Grant, "client-credentials").unwrap();
    set_field(&mut integration, Field::AuthorizeUrl, "").unwrap();
    integration
}

#[test]
fn client_credentials_are_stored_and_need_no_authorize_url() {
    let mut integration = client_credentials();
    assert!(
        validate(&integration, OffsetDateTime::now_utc())
            .errors
            .is_empty()
    );
    set_field(
        &mut integration,
        Field::TokenParameters,
        "resource=https://service.example.test/",
    )
    .unwrap();
    let written = serde_yaml::to_string(&integration).unwrap();
    assert!(written.contains("grant: client_credentials"), "{written}");
    assert!(!written.contains("authorize_url"), "{written}");
    let read: Integration = serde_yaml::from_str(&written).unwrap();
    assert_eq!(read, integration);
    assert_eq!(
        field_text(&read, Field::Grant).as_deref(),
        Some("client_credentials")
    );

    // The authorization code still needs its Authorize URL.
    set_field(&mut integration, Field::Grant, "authorization_code").unwrap();
    let errors = validate(&integration, OffsetDateTime::now_utc()).errors;
    assert!(
        errors
            .iter()
            .any(|error| error.field == Field::AuthorizeUrl),
        "{errors:?}"
    );
}

#[test]
fn token_parameters_hookconsole_sets_itself_are_refused_by_name() {
    let mut integration = client_credentials();
    set_field(
        &mut integration,
        Field::TokenParameters,
        "scope=x&resource=https://r.example.test/",
    )
    .unwrap();
    let errors = validate(&integration, OffsetDateTime::now_utc()).errors;
    let error = errors
        .iter()
        .find(|error| error.field == Field::TokenParameters)
        .unwrap();
    assert!(error.message.contains("`scope`"), "{}", error.message);
    let refused = set_field(&mut integration, Field::Grant, "password").unwrap_err();
    assert_eq!(refused.field, Field::Grant);
    assert!(
        refused.message.contains("`password`"),
        "{}",
        refused.message
    );
}

#[test]
fn the_device_code_url_is_required_and_held_to_the_destination_rules() {
    let mut integration = client_credentials();
    set_field(&mut integration, Field::Grant, "device-code").unwrap();
    let errors = validate(&integration, OffsetDateTime::now_utc()).errors;
    assert!(
        errors
            .iter()
            .any(|error| error.field == Field::DeviceAuthorizationUrl),
        "{errors:?}"
    );
    set_field(
        &mut integration,
        Field::DeviceAuthorizationUrl,
        "http://169.254.169.254/devicecode",
    )
    .unwrap();
    let errors = validate(&integration, OffsetDateTime::now_utc()).errors;
    assert!(
        errors
            .iter()
            .any(|error| error.field == Field::DeviceAuthorizationUrl
                && error.message.contains("169.254.169.254")),
        "{errors:?}"
    );
    // A public client: no secret needed for this grant.
    set_field(
        &mut integration,
        Field::DeviceAuthorizationUrl,
        "https://login.example.test/devicecode",
    )
    .unwrap();
    set_field(&mut integration, Field::ClientSecret, "").unwrap();
    assert!(
        validate(&integration, OffsetDateTime::now_utc())
            .errors
            .is_empty()
    );
}
