//! Secrets inside URLs (issue 15, item 7): a Teams workflow's `sig`, an `apikey=`, a
//! `user:password@`. The binary shows them masked everywhere a URL is shown (`show`,
//! `show --json`, `list --json`, `export`, `export --json`), with one mask whatever
//! their length; an export without secrets, imported again, keeps the stored ones.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use hookconsole::model::{Authentication, MASK, OAuthSettings};
use hookconsole::store::IntegrationStore;
use support::{cli, home_with_jira, stderr_of, stdout_of};

const SIG: &str = "Zx9q7sigVALUE";
const API_KEY: &str = "k-0123456789abcdef";
const URL_PASSWORD: &str = "urlpassWORD";
const TOKEN_URL_CODE: &str = "tokenCODEvalue";

fn teams_url() -> String {
    format!(
        "https://svc:{URL_PASSWORD}@prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig={SIG}&apikey={API_KEY}"
    )
}

/// A home with `jira` at the Teams-like URL, OAuth with a token URL holding a `code=`.
fn home() -> (tempfile::TempDir, hookconsole::store::Locations) {
    home_with_jira(&teams_url(), |integration| {
        integration.authentication = Authentication::OAuth(OAuthSettings {
            client_id: "client".into(),
            client_secret: "client-secret-value".into(),
            token_url: format!("https://auth.example.com/token?code={TOKEN_URL_CODE}"),
            authorize_url: "https://auth.example.com/authorize".into(),
            ..OAuthSettings::default()
        });
    })
}

fn assert_masked(shown: &str) {
    for secret in [SIG, API_KEY, URL_PASSWORD, TOKEN_URL_CODE] {
        assert!(!shown.contains(secret), "`{secret}` shown:\n{shown}");
    }
    assert!(shown.contains(&format!("sig={MASK}")), "{shown}");
    assert!(shown.contains(&format!("svc:{MASK}@")), "{shown}");
    assert!(shown.contains("api-version=2016-06-01"), "{shown}");
}

#[test]
fn every_listing_and_export_masks_the_secrets_of_urls() {
    let (dir, _locations) = home();
    for args in [
        &["show", "jira"][..],
        &["show", "jira", "--json"],
        &["list", "--json"],
        &["export"],
        &["export", "jira"],
        &["export", "--json"],
    ] {
        let shown = stdout_of(&dir, args);
        assert_masked(&shown);
    }
    // With --with-secrets the export is whole.
    let whole = stdout_of(&dir, &["export", "--with-secrets"]);
    for secret in [SIG, API_KEY, URL_PASSWORD, TOKEN_URL_CODE] {
        assert!(whole.contains(secret), "{secret} missing:\n{whole}");
    }
}

#[test]
fn a_mask_has_the_same_length_whatever_the_secret() {
    let short = home_with_jira("https://h.example/x?sig=a", |_| {});
    let long = home_with_jira(
        &format!("https://h.example/x?sig={}", "b".repeat(200)),
        |_| {},
    );
    let line = |dir: &tempfile::TempDir| {
        stdout_of(dir, &["show", "jira"])
            .lines()
            .find(|line| line.starts_with("URL"))
            .unwrap()
            .to_string()
    };
    assert_eq!(line(&short.0), line(&long.0));
    assert!(line(&short.0).ends_with(&format!("sig={MASK}")));
}

#[test]
fn an_export_without_secrets_imports_back_with_the_stored_url_secrets() {
    let (dir, locations) = home();
    let store = IntegrationStore::new(locations.integrations_file());
    let before = store.load().unwrap().integrations;
    let export = stdout_of(&dir, &["export"]);
    let file = dir.path().join("export.yaml");
    std::fs::write(&file, &export).unwrap();
    cli(&dir)
        .args(["import", file.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(store.load().unwrap().integrations, before);

    // Where nothing stored can fill the mask in, it is imported disabled, and enabling
    // it is refused until the secret is given.
    let other = tempfile::tempdir().unwrap();
    let out = stdout_of(&other, &["import", file.to_str().unwrap()]);
    assert!(
        out.contains("URL (the password), Token URL (the value of `code`)"),
        "{out}"
    );
    let stderr = stderr_of(cli(&other).args(["set", "jira", "enabled=yes"]), 2);
    assert!(stderr.contains("URL: "), "{stderr}");
    assert!(stderr.contains("left out of an export"), "{stderr}");
}

#[test]
fn a_url_that_is_refused_is_quoted_masked() {
    let (dir, _locations) = home();
    let bad = format!("https://svc:{URL_PASSWORD}@bad host/?sig={SIG}");
    let stderr = stderr_of(cli(&dir).args(["set", "jira", &format!("url={bad}")]), 2);
    assert!(stderr.contains("URL: "), "{stderr}");
    assert!(
        !stderr.contains(URL_PASSWORD) && !stderr.contains(SIG),
        "{stderr}"
    );
}
