//! The model, layer 1: pure validation and parsing, no files, no process.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::process::Command;

use hookconsole::model::{
    Authentication, Field, FieldError, Header, HttpMethod, Integration, MASK, OAuthSettings,
    Secret, Validation, check_unique_name, field_text, parse_pem, set_field, validate,
};
use time::OffsetDateTime;

use support::{
    certificate, expired_certificate, full_basic, full_oauth, minimal, valid_certificate,
};

fn check(integration: &Integration) -> Validation {
    validate(integration, OffsetDateTime::now_utc())
}

/// The messages of `field`'s errors, as a person reads them ("Label: message").
fn errors_of(integration: &Integration, field: Field) -> Vec<String> {
    check(integration)
        .errors
        .iter()
        .filter(|error| error.field == field)
        .map(ToString::to_string)
        .collect()
}

/// Asserts exactly one error on `field`, starting with its label and containing `text`.
#[track_caller]
fn assert_one_error(integration: &Integration, field: Field, text: &str) {
    let errors = errors_of(integration, field);
    assert_eq!(
        errors.len(),
        1,
        "{field:?}: expected one error, got {errors:?}"
    );
    let message = &errors[0];
    assert!(
        message.starts_with(&format!("{}: ", field.label())),
        "`{message}` does not start with the label `{}`",
        field.label()
    );
    assert!(
        message.contains(text),
        "`{message}` does not contain `{text}`"
    );
}

#[track_caller]
fn assert_valid(integration: &Integration) {
    let report = check(integration);
    assert!(
        report.errors.is_empty(),
        "unexpected errors: {:?}",
        report.errors
    );
}

fn set(integration: &mut Integration, field: Field, text: &str) -> Result<(), String> {
    set_field(integration, field, text).map_err(|error| error.to_string())
}

// --- Name -------------------------------------------------------------------------

#[test]
fn name_is_required() {
    assert_one_error(&minimal(""), Field::Name, "is required");
    assert_one_error(&minimal("   "), Field::Name, "is required");
}

#[test]
fn name_is_at_most_100_characters() {
    assert_valid(&minimal(&"é".repeat(100)));
    assert_one_error(&minimal(&"n".repeat(101)), Field::Name, "at most 100");
}

#[test]
fn name_refuses_control_characters() {
    assert_one_error(&minimal("Jira\tCloud"), Field::Name, "control characters");
    assert_one_error(&minimal("Jira\nCloud"), Field::Name, "control characters");
    assert_one_error(&minimal("Jira\u{7}"), Field::Name, "control characters");
}

#[test]
fn name_is_trimmed_when_typed() {
    let mut integration = minimal("x");
    set(&mut integration, Field::Name, "  Jira Cloud  ").unwrap();
    assert_eq!(integration.name, "Jira Cloud");
    assert_one_error(&minimal(" Jira"), Field::Name, "spaces");
}

#[test]
fn duplicate_names_are_found_without_regard_to_case() {
    let taken = ["Teams", "Jira Cloud"];
    let error = check_unique_name("jira cloud", taken.into_iter()).expect("a duplicate");
    assert_eq!(error.field, Field::Name);
    assert_eq!(
        error.to_string(),
        "Name: an integration named `Jira Cloud` already exists"
    );
    assert!(check_unique_name(" TEAMS ", taken.into_iter()).is_some());
    assert!(check_unique_name("Jira Server", taken.into_iter()).is_none());
}

// --- URL --------------------------------------------------------------------------

#[test]
fn url_is_required() {
    assert_one_error(&Integration::new("a", ""), Field::Url, "is required");
}

#[test]
fn url_must_be_absolute() {
    assert_one_error(
        &Integration::new("a", "/rest/api/2/issue"),
        Field::Url,
        "is not an absolute URL",
    );
    assert_one_error(
        &Integration::new("a", "jira.example.com/hook"),
        Field::Url,
        "is not an absolute URL",
    );
}

#[test]
fn url_must_be_http_or_https() {
    assert_one_error(
        &Integration::new("a", "ftp://files.example.com/drop"),
        Field::Url,
        "must start with http:// or https://, not ftp://",
    );
    assert_one_error(
        &Integration::new("a", "mailto:ops@example.com"),
        Field::Url,
        "not mailto://",
    );
}

#[test]
fn a_name_holds_no_invisible_or_direction_characters() {
    for name in ["\u{200b}", "rtl\u{202e}abc", "Jira\u{feff}", "a\u{2066}b"] {
        assert_one_error(
            &Integration::new(name, "https://h.example/"),
            Field::Name,
            "invisible or text-direction",
        );
    }
    assert_valid(&Integration::new("Jira 名前 Ünïcødé", "https://h.example/"));
}

#[test]
fn url_is_written_as_it_is_used() {
    // The URL parser reads these as `http://alice:pw@h/x`: the text shown and the URL
    // used must be the same, and the password masked in the message.
    for url in [
        "http:alice:pw@h.example/x",
        "http:/alice:pw@h.example/x",
        "HTTPS:h.example/x",
    ] {
        let errors = errors_of(&Integration::new("a", url), Field::Url);
        assert_eq!(errors.len(), 1, "{url}: {errors:?}");
        assert!(errors[0].contains("two slashes"), "{url}: {errors:?}");
        assert!(!errors[0].contains("pw"), "{url}: {errors:?}");
    }
    for url in [
        "https://h.example/a\nb",
        "https://h.example/a\u{1b}[31mb",
        "https://h.example:80\t80/",
        "https://h.example/\u{7f}",
    ] {
        assert_one_error(
            &Integration::new("a", url),
            Field::Url,
            "must not contain control characters",
        );
    }
    let long = format!("https://h.example/{}", "a".repeat(17_000));
    assert_one_error(&Integration::new("a", &long), Field::Url, "at most 16384");
    let fits = format!("https://h.example/{}", "a".repeat(16_000));
    assert_valid(&Integration::new("a", &fits));
}

#[test]
fn url_must_name_a_host() {
    for url in ["https://", "http://:8080/hook", "https:///"] {
        let errors = errors_of(&Integration::new("a", url), Field::Url);
        assert_eq!(errors.len(), 1, "{url}: {errors:?}");
        assert!(errors[0].starts_with("URL: "), "{url}: {errors:?}");
        assert!(errors[0].contains("host"), "{url}: {errors:?}");
    }
    assert_valid(&Integration::new("a", "http://10.0.0.5:8080/hook"));
    assert_valid(&Integration::new("a", "https://[fd00::1]/hook"));
}

// --- Retry Interval ----------------------------------------------------------------

#[test]
fn retry_interval_is_between_1_and_86400() {
    let mut integration = minimal("a");
    for bad in [0, 86_401] {
        integration.retry_interval = bad;
        assert_one_error(&integration, Field::RetryInterval, "between 1 and 86400");
        assert_one_error(&integration, Field::RetryInterval, &bad.to_string());
    }
    for good in [1, 60, 86_400] {
        integration.retry_interval = good;
        assert_valid(&integration);
    }
}

#[test]
fn retry_interval_must_be_a_number() {
    let mut integration = minimal("a");
    for bad in ["abc", "-5", "1.5", "99999999999"] {
        let error = set(&mut integration, Field::RetryInterval, bad).unwrap_err();
        assert!(error.starts_with("Retry Interval: "), "{error}");
        assert!(error.contains(bad), "{error}");
    }
    set(&mut integration, Field::RetryInterval, " 120 ").unwrap();
    assert_eq!(integration.retry_interval, 120);
    set(&mut integration, Field::RetryInterval, "").unwrap();
    assert_eq!(integration.retry_interval, 60, "empty means the default");
}

// --- HTTP Method -------------------------------------------------------------------

#[test]
fn http_method_must_be_known() {
    let mut integration = minimal("a");
    let error = set(&mut integration, Field::HttpMethod, "FOO").unwrap_err();
    assert!(error.starts_with("HTTP Method: "), "{error}");
    assert!(error.contains("`FOO`"), "{error}");
    assert!(error.contains("GET, POST, PUT, PATCH, DELETE"), "{error}");
}

#[test]
fn empty_http_method_means_post() {
    let mut integration = minimal("a");
    set(&mut integration, Field::HttpMethod, "put").unwrap();
    assert_eq!(integration.http_method, Some(HttpMethod::Put));
    set(&mut integration, Field::HttpMethod, "  ").unwrap();
    assert_eq!(integration.http_method, None);
    assert_eq!(integration.effective_method(), HttpMethod::Post);
    assert_valid(&integration);
}

// --- HTTP Headers ------------------------------------------------------------------

#[test]
fn header_name_must_be_a_token() {
    let mut integration = minimal("a");
    integration.http_headers = vec![
        Header::new("X-Good", "1"),
        Header::new("Bad Header", "2"),
        Header::new("", "3"),
        Header::new("X(y)", "4"),
    ];
    let errors = errors_of(&integration, Field::HttpHeaders);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].starts_with("HTTP Headers: row 2: `Bad Header` is not a valid header name"));
    assert!(errors[1].starts_with("HTTP Headers: row 3: the name is empty"));
    assert!(errors[2].contains("row 4: `X(y)`"));
}

#[test]
fn header_value_must_not_hold_a_line_break() {
    for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb"] {
        let mut integration = minimal("a");
        integration.http_headers = vec![Header::new("X-Note", value)];
        assert_one_error(&integration, Field::HttpHeaders, "row 1");
        assert_one_error(&integration, Field::HttpHeaders, "line break");
    }
}

#[test]
fn header_text_parses_and_duplicates_are_kept_in_order() {
    let mut integration = minimal("a");
    set(
        &mut integration,
        Field::HttpHeaders,
        "X-Team: ops\nAccept: */*\nX-Team: sec\n",
    )
    .unwrap();
    assert_eq!(
        integration.http_headers,
        vec![
            Header::new("X-Team", "ops"),
            Header::new("Accept", "*/*"),
            Header::new("X-Team", "sec"),
        ]
    );
    assert_valid(&integration);
    let error = set(&mut integration, Field::HttpHeaders, "no colon here").unwrap_err();
    assert!(error.starts_with("HTTP Headers: "), "{error}");
}

// --- Content Sample ----------------------------------------------------------------

#[test]
fn content_sample_starting_with_a_brace_must_be_json() {
    let mut integration = minimal("a");
    integration.content_sample = "{\n  \"summary\": \"x\",\n  \"count\": ,\n}".into();
    assert_one_error(
        &integration,
        Field::ContentSample,
        "is not valid JSON at line 3 column 12",
    );
    integration.content_sample = "  [1, 2".into();
    assert_one_error(
        &integration,
        Field::ContentSample,
        "is not valid JSON at line 1",
    );
}

#[test]
fn content_sample_must_be_json_when_the_content_type_says_so() {
    let mut integration = minimal("a");
    integration.http_headers = vec![Header::new("content-type", "application/vnd.api+JSON")];
    integration.content_sample = "summary=x".into();
    assert_one_error(
        &integration,
        Field::ContentSample,
        "is not valid JSON at line 1 column 1",
    );
    integration.content_sample = "{\"summary\": \"x\"}".into();
    assert_valid(&integration);
}

#[test]
fn content_sample_may_be_plain_text_otherwise() {
    let mut integration = minimal("a");
    integration.content_sample = "summary=x&priority=high".into();
    assert_valid(&integration);
    integration.http_headers = vec![Header::new("Content-Type", "text/plain")];
    assert_valid(&integration);
}

// --- Authentication: Basic ----------------------------------------------------------

#[test]
fn basic_needs_a_password_and_a_username_without_colon() {
    let mut integration = minimal("a");
    integration.authentication = Authentication::Basic {
        username: "svc:hiab".into(),
        password: Secret::default(),
    };
    assert_one_error(&integration, Field::Password, "is required for Basic");
    assert_one_error(&integration, Field::Username, "must not contain `:`");
    integration.authentication = Authentication::Basic {
        username: "svc".into(),
        password: "pw".into(),
    };
    assert_valid(&integration);
}

#[test]
fn basic_fields_apply_to_basic_only() {
    let mut integration = minimal("a");
    let error = set(&mut integration, Field::Username, "bob").unwrap_err();
    assert!(error.starts_with("Username: applies to Basic"), "{error}");
    let error = set(&mut integration, Field::ClientId, "x").unwrap_err();
    assert!(error.starts_with("Client ID: applies to OAuth"), "{error}");
}

// --- Authentication: OAuth ----------------------------------------------------------

fn oauth(settings: OAuthSettings) -> Integration {
    let mut integration = minimal("a");
    integration.authentication = Authentication::OAuth(settings);
    integration
}

#[test]
fn oauth_needs_client_id_secret_and_both_urls() {
    let integration = oauth(OAuthSettings::default());
    let report = check(&integration);
    let fields: Vec<Field> = report.errors.iter().map(|error| error.field).collect();
    assert_eq!(
        fields,
        [
            Field::ClientId,
            Field::ClientSecret,
            Field::TokenUrl,
            Field::AuthorizeUrl
        ]
    );
    assert_one_error(&integration, Field::ClientId, "is required for OAuth");
    assert_one_error(&integration, Field::ClientSecret, "is required for OAuth");
    assert_one_error(&integration, Field::TokenUrl, "is required for OAuth");
    assert_one_error(&integration, Field::AuthorizeUrl, "is required for OAuth");
}

#[test]
fn oauth_urls_must_be_https_except_on_loopback() {
    let base = || OAuthSettings {
        client_id: "id".into(),
        client_secret: "secret".into(),
        token_url: "https://auth.example.com/oauth/token".into(),
        authorize_url: "https://auth.example.com/authorize".into(),
        ..OAuthSettings::default()
    };
    assert_valid(&oauth(base()));
    let plain = oauth(OAuthSettings {
        token_url: "http://auth.example.com/oauth/token".into(),
        authorize_url: "http://127.0.0.1.example.com/authorize".into(),
        ..base()
    });
    assert_one_error(&plain, Field::TokenUrl, "must use https://");
    assert_one_error(&plain, Field::AuthorizeUrl, "must use https://");
    for loopback in [
        "http://127.0.0.1:8080/token",
        "http://127.9.9.9/token",
        "http://localhost:9000/token",
        "http://[::1]:9000/token",
    ] {
        assert_valid(&oauth(OAuthSettings {
            token_url: loopback.into(),
            authorize_url: loopback.into(),
            ..base()
        }));
    }
    let relative = oauth(OAuthSettings {
        token_url: "/oauth/token".into(),
        authorize_url: "ftp://auth.example.com/".into(),
        ..base()
    });
    assert_one_error(&relative, Field::TokenUrl, "is not an absolute URL");
    assert_one_error(&relative, Field::AuthorizeUrl, "must start with http");
}

#[test]
fn oauth_api_type_and_client_authentication_must_be_known() {
    let mut integration = minimal("a");
    set(&mut integration, Field::Authentication, "OAuth").unwrap();
    let error = set(&mut integration, Field::ApiType, "application/xml").unwrap_err();
    assert!(error.starts_with("OAuth API type: "), "{error}");
    assert!(error.contains("application/json or application/x-www-form-urlencoded"));
    let error = set(&mut integration, Field::ClientAuthentication, "header").unwrap_err();
    assert!(error.starts_with("Client authentication: "), "{error}");
    assert!(error.contains("`header`"), "{error}");
    let error = set(&mut integration, Field::Authentication, "kerberos").unwrap_err();
    assert!(error.starts_with("Authentication: "), "{error}");
}

#[test]
fn client_authentication_defaults_follow_the_api_type() {
    let mut integration = minimal("a");
    set(&mut integration, Field::Authentication, "oauth").unwrap();
    let Authentication::OAuth(settings) = &mut integration.authentication else {
        unreachable!()
    };
    assert_eq!(settings.effective_client_authentication().as_str(), "basic");
    settings.api_type = "json".parse().unwrap();
    assert_eq!(settings.effective_client_authentication().as_str(), "body");
    settings.client_authentication = Some("basic".parse().unwrap());
    assert_eq!(settings.effective_client_authentication().as_str(), "basic");
}

// --- Every error at once --------------------------------------------------------------

#[test]
fn every_field_error_is_reported_at_once() {
    let mut integration = Integration::new("", "ftp://x");
    integration.retry_interval = 0;
    integration.http_headers = vec![Header::new("Bad Name", "a\nb")];
    integration.content_sample = "{".into();
    integration.certificate = Some("not a certificate".into());
    integration.authentication = Authentication::OAuth(OAuthSettings {
        token_url: "http://auth.example.com/token".into(),
        ..OAuthSettings::default()
    });
    let report = check(&integration);
    let mut fields: Vec<Field> = report.errors.iter().map(|error| error.field).collect();
    fields.dedup();
    for field in [
        Field::Name,
        Field::Url,
        Field::RetryInterval,
        Field::HttpHeaders,
        Field::ContentSample,
        Field::Certificate,
        Field::ClientId,
        Field::ClientSecret,
        Field::TokenUrl,
        Field::AuthorizeUrl,
    ] {
        assert!(
            fields.contains(&field),
            "no error for {field:?} in {:?}",
            report.errors
        );
    }
    assert_eq!(
        report
            .errors
            .iter()
            .filter(|e| e.field == Field::HttpHeaders)
            .count(),
        2,
        "the bad name and the bad value of the same row"
    );
    assert_eq!(
        report.error_for(Field::Url).map(|e| e.field),
        Some(Field::Url)
    );
}

#[test]
fn full_integrations_are_valid() {
    assert_valid(&full_basic("Jira"));
    assert_valid(&full_oauth("Jira OAuth"));
}

// --- Certificates ---------------------------------------------------------------------

#[test]
fn certificate_that_is_not_pem_is_refused() {
    let error = parse_pem("MIIBszCCAVmgAwIBAgIU").unwrap_err();
    assert!(error.contains("is not PEM"), "{error}");
    let broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    let error = parse_pem(broken).unwrap_err();
    assert!(
        error.contains("PEM block 1 is not an X.509 certificate"),
        "{error}"
    );
    let mut integration = minimal("a");
    integration.certificate = Some("hello".into());
    assert_one_error(&integration, Field::Certificate, "is not PEM");
}

#[test]
fn private_key_is_refused() {
    let made = certificate("jira.example.com", 2020, 2090);
    let (certificate, key) = (made.pem, made.key_pem);
    let error = parse_pem(&key).unwrap_err();
    assert!(error.contains("PEM block 1 is a private key"), "{error}");
    let error = parse_pem(&format!("{certificate}{key}")).unwrap_err();
    assert!(error.contains("PEM block 2 is a private key"), "{error}");
    let mut integration = minimal("a");
    integration.certificate = Some(key);
    assert_one_error(&integration, Field::Certificate, "private key");
}

#[test]
fn valid_certificate_is_summarised_like_openssl() {
    let pem = valid_certificate();
    let summaries = parse_pem(&pem).unwrap();
    assert_eq!(summaries.len(), 1);
    let summary = &summaries[0];
    assert!(
        summary.subject.contains("CN=jira.example.com"),
        "{}",
        summary.subject
    );
    assert!(
        summary.subject.contains("O=Hookconsole Tests"),
        "{}",
        summary.subject
    );
    assert_eq!(summary.issuer, summary.subject, "self-signed");
    assert!(summary.is_self_signed());
    assert_eq!(summary.not_before.year(), 2020);
    assert_eq!(summary.not_after.year(), 2090);
    assert_eq!(summary.names, ["jira.example.com", "192.0.2.10"]);
    assert_eq!(summary.sha256_fingerprint, openssl_fingerprint(&pem));
}

/// `openssl x509 -noout -fingerprint -sha256`, the value after `=`.
fn openssl_fingerprint(pem: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cert.pem");
    std::fs::write(&path, pem).unwrap();
    let output = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&path)
        .output()
        .expect("the openssl command");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let (_, value) = text.trim().split_once('=').expect("sha256 Fingerprint=...");
    value.to_string()
}

#[test]
fn every_certificate_of_a_bundle_is_summarised() {
    let first = certificate("a.example.com", 2020, 2090).pem;
    let second = certificate("b.example.com", 2021, 2091).pem;
    let summaries = parse_pem(&format!("{first}\n{second}")).unwrap();
    let subjects: Vec<&str> = summaries.iter().map(|s| s.subject.as_str()).collect();
    assert!(subjects[0].contains("a.example.com") && subjects[1].contains("b.example.com"));
    assert_eq!(
        summaries[1].sha256_fingerprint,
        openssl_fingerprint(&second)
    );
}

#[test]
fn expired_certificate_is_a_warning_not_an_error() {
    let mut integration = minimal("a");
    integration.certificate = Some(expired_certificate());
    let report = check(&integration);
    assert!(report.is_valid(), "{:?}", report.errors);
    let warnings = certificate_warnings(&report);
    assert_eq!(warnings.len(), 1, "{:?}", report.warnings);
    let warning = &warnings[0];
    assert!(
        warning.starts_with("Certificate: certificate 1"),
        "{warning}"
    );
    assert!(warning.contains("expired on 2012-01-01"), "{warning}");
}

#[test]
fn not_yet_valid_certificate_is_a_warning() {
    let mut integration = minimal("a");
    integration.certificate = Some(certificate("future.example.com", 2090, 2095).pem);
    let report = check(&integration);
    assert!(report.is_valid());
    assert!(certificate_warnings(&report)[0].contains("is not valid before 2090-01-01"));
}

// --- Secrets and field text -----------------------------------------------------------

#[test]
fn secrets_never_print() {
    let integration = full_basic("a");
    let debug = format!("{integration:?}");
    assert!(!debug.contains("basic-password-value"), "{debug}");
    assert!(debug.contains(MASK));
    let oauth = full_oauth("b");
    assert!(!format!("{oauth:?}").contains("oauth-client-secret-value"));
    let error = FieldError::new(Field::Password, format!("{}", Secret::new("pw")));
    assert_eq!(error.to_string(), format!("Password: {MASK}"));
}

#[test]
fn every_field_reads_back_what_was_set() {
    for integration in [full_basic("Jira"), full_oauth("Jira OAuth")] {
        let mut rebuilt = minimal("x");
        let kind = field_text(&integration, Field::Authentication).unwrap();
        set_field(&mut rebuilt, Field::Authentication, &kind).unwrap();
        for field in Field::ALL {
            if field == Field::Authentication {
                continue;
            }
            if let Some(text) = field_text(&integration, field) {
                set_field(&mut rebuilt, field, &text)
                    .unwrap_or_else(|error| panic!("{field:?}: {error}"));
            }
        }
        assert_eq!(rebuilt, integration);
    }
}

#[test]
fn without_secrets_leaves_out_every_secret_and_keep_secrets_restores_them() {
    let mut integration = full_basic("a");
    integration
        .http_headers
        .push(Header::new("Authorization", "Bearer abc"));
    let bare = integration.without_secrets();
    let text = format!("{:?}{}", bare, serde_yaml::to_string(&bare).unwrap());
    for secret in ["basic-password-value", "header-secret-value", "Bearer abc"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(
        field_text(&bare, Field::HttpHeaders).unwrap(),
        "Content-Type: application/json\nX-Team: ops\nX-Team: sec\nX-Api-Key: \nAuthorization: "
    );
    let mut restored = bare.clone();
    restored.keep_secrets_from(&integration);
    assert_eq!(restored, integration);

    let oauth = full_oauth("b");
    let mut restored = oauth.without_secrets();
    assert!(
        !serde_yaml::to_string(&restored)
            .unwrap()
            .contains("oauth-client-secret-value")
    );
    restored.keep_secrets_from(&oauth);
    assert_eq!(restored, oauth);
}

#[test]
fn keep_secrets_matches_repeated_sensitive_headers_in_order() {
    let mut integration = minimal("a");
    integration.http_headers = vec![
        Header::new("X-Api-Key", "first-key"),
        Header::new("X-Api-Key", "second-key"),
    ];
    let mut restored = integration.without_secrets();
    restored.keep_secrets_from(&integration);
    assert_eq!(restored.http_headers, integration.http_headers);
}

#[test]
fn authorize_parameters_are_a_query_string_without_reserved_names() {
    let with = |parameters: &str| {
        oauth(OAuthSettings {
            client_id: "id".into(),
            client_secret: "secret".into(),
            token_url: "https://auth.example.com/oauth/token".into(),
            authorize_url: "https://auth.example.com/authorize".into(),
            authorize_parameters: parameters.into(),
            ..OAuthSettings::default()
        })
    };
    assert_valid(&with("prompt=consent&access_type=offline"));
    assert_one_error(
        &with("redirect_uri=https://evil.example.com"),
        Field::AuthorizeParameters,
        "`redirect_uri` is set by hookconsole itself",
    );
    assert_one_error(
        &with("prompt=consent access_type=offline"),
        Field::AuthorizeParameters,
        "without spaces",
    );
}

#[test]
fn content_sample_is_a_template_checked_with_the_sample_event() {
    let mut integration = minimal("templated");
    // A JSON template that is not JSON until rendered: valid.
    integration.content_sample =
        "{\"summary\": \"{{ finding.name }}\", \"cvss\": {{ finding.cvss }}}".into();
    let report = check(&integration);
    assert!(report.is_valid(), "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // A syntax error is an error with its line and column.
    integration.content_sample = "{\n  \"summary\": \"{{ finding.name }\"\n}".into();
    assert_one_error(
        &integration,
        Field::ContentSample,
        "is not a valid template at line 2, column 31: syntax error",
    );
    // A variable the sample event lacks is only a warning: real events may have it.
    integration.content_sample = "{\"summary\": \"{{ ticket.key }}\"}".into();
    let report = check(&integration);
    assert!(report.is_valid(), "{:?}", report.errors);
    let warning = report
        .warnings
        .iter()
        .find(|warning| warning.field == Field::ContentSample)
        .expect("a warning");
    assert!(
        warning
            .message
            .contains("line 1, column 17: undefined variable `ticket`"),
        "{warning}"
    );
    // A template that renders to broken JSON is an error.
    integration.content_sample = "{\"cvss\": {{ finding.cvss }},}".into();
    assert_one_error(
        &integration,
        Field::ContentSample,
        "renders to invalid JSON (with the sample event) at line 1",
    );
}

#[test]
fn signing_secrets_are_left_out_of_exports_and_kept_on_import() {
    use hookconsole::model::{RetiringSecret, Signing};
    let mut integration = minimal("signed");
    integration.signing = Some(Signing {
        secret: Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
        previous: Some(RetiringSecret {
            secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            until: time::macros::datetime!(2030-01-01 00:00 UTC),
        }),
    });
    let debug = format!("{integration:?}");
    assert!(
        !debug.contains("C2FVsBQ") && !debug.contains("MfKQ9r8"),
        "{debug}"
    );
    let bare = integration.without_secrets();
    let text = format!("{bare:?}{}", serde_yaml::to_string(&bare).unwrap());
    assert!(
        !text.contains("C2FVsBQ") && !text.contains("MfKQ9r8"),
        "{text}"
    );
    assert!(
        text.contains("signing:") && text.contains("until:"),
        "{text}"
    );
    // Such an export cannot be saved alone: nothing fills the secrets.
    let refused = validate(&bare, OffsetDateTime::now_utc());
    assert!(
        refused
            .errors
            .iter()
            .any(|error| error.field == Field::Signing && error.message.contains("left out")),
        "{refused:?}"
    );
    let mut restored = bare.clone();
    restored.keep_secrets_from(&integration);
    assert_eq!(restored, integration);
    assert!(validate(&restored, OffsetDateTime::now_utc()).is_valid());
}

/// The certificate's warnings among a report's (an empty content sample has its own).
fn certificate_warnings(report: &hookconsole::model::Validation) -> Vec<String> {
    report
        .warnings
        .iter()
        .filter(|warning| warning.field == hookconsole::model::Field::Certificate)
        .map(ToString::to_string)
        .collect()
}
