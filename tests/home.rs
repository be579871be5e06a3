//! `Home`: what the CLI, the TUI and the worker do with a home, written once. On a
//! real home (files, the SQLite queue) and a provider on loopback.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::time::Duration;

use hookconsole::home::Home;
use hookconsole::model::{Authentication, Integration, Secret};
use hookconsole::oauth::{Revocation, SiteOutcome};
use hookconsole::store::queue::NewEvent;
use hookconsole::store::{Authorization, Locations, SettingsStore, StoreError, TokenSet};
use oauth_support::atlassian::{AtlassianCloud, SITES};
use oauth_support::provider::{Provider, Style};

fn home() -> (tempfile::TempDir, Locations) {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    (dir, locations)
}

fn set(locations: &Locations, changes: &[(&str, &str)]) {
    SettingsStore::new(locations)
        .update(|settings| {
            changes
                .iter()
                .try_for_each(|(key, value)| settings.set(key, value))
        })
        .unwrap();
}

fn authorized(access: &str, refresh: Option<&str>, expires_in: Option<Duration>) -> Authorization {
    Authorization::Authorized {
        tokens: TokenSet::bearer(
            Secret::new(access),
            refresh.map(Secret::new),
            expires_in,
            Vec::new(),
        ),
    }
}

#[test]
fn the_settings_give_the_http_options_the_appliance_and_the_callback_url() {
    let (_dir, locations) = home();
    set(
        &locations,
        &[
            ("hostname", "hiab-7.example.com"),
            ("connect_timeout", "5"),
            ("request_timeout", "45"),
            ("allow_link_local_destinations", "true"),
        ],
    );
    let home = Home::new(&locations);
    let options = home.http_options().unwrap();
    assert_eq!(options.connect_timeout, Duration::from_secs(5));
    assert_eq!(options.request_timeout, Duration::from_secs(45));
    assert!(options.destinations.allow_link_local);
    assert_eq!(home.appliance().unwrap().name, "hiab-7.example.com");
    assert_eq!(
        home.callback_url().unwrap(),
        "https://hiab-7.example.com/portal/oauth"
    );

    // Read once: a home keeps the settings it read; the next home reads the new ones.
    set(&locations, &[("connect_timeout", "7")]);
    assert_eq!(
        home.http_options().unwrap().connect_timeout,
        Duration::from_secs(5)
    );
    assert_eq!(
        Home::new(&locations)
            .http_options()
            .unwrap()
            .connect_timeout,
        Duration::from_secs(7)
    );
}

#[test]
fn a_settings_file_that_does_not_parse_is_an_error_or_the_defaults_when_tolerated() {
    let (_dir, locations) = home();
    std::fs::create_dir_all(&locations.data_dir).unwrap();
    std::fs::write(&locations.settings_file, "connect_timeout: [\n").unwrap();
    let error = Home::new(&locations).http_options().unwrap_err();
    assert!(error.is_bad_input(), "{error}");
    assert!(
        error
            .to_string()
            .contains(&locations.settings_file.display().to_string()),
        "{error}"
    );
    // The TUI goes on with the defaults (and logs why).
    let tolerant = Home::tolerant(&locations);
    assert_eq!(
        tolerant.http_options().unwrap().connect_timeout,
        Duration::from_secs(hookconsole::model::DEFAULT_CONNECT_TIMEOUT.into())
    );
}

#[test]
fn saving_follows_the_settings_destination_policy() {
    let (_dir, locations) = home();
    let metadata = Integration::new("cloud", "http://169.254.169.254/latest/hook");
    let refused = Home::new(&locations)
        .save(None, metadata.clone())
        .unwrap_err();
    assert!(matches!(refused, StoreError::Invalid(_)), "{refused}");

    set(&locations, &[("allow_link_local_destinations", "true")]);
    let saved = Home::new(&locations).save(None, metadata).unwrap();
    assert_eq!(saved.catalog.integrations.len(), 1);
    assert!(saved.renamed.is_none());
}

#[test]
fn saving_a_rename_takes_the_authorization_and_the_waiting_events_along() {
    let (_dir, locations) = home();
    let home = Home::new(&locations);
    let original = Integration::new("jira", "http://127.0.0.1:9/hook");
    home.save(None, original.clone()).unwrap();
    let grant = authorized("access-1", Some("refresh-1"), None);
    home.tokens().set("jira", grant.clone()).unwrap();
    let events: Vec<NewEvent> = ["a", "b"]
        .into_iter()
        .map(|event| NewEvent {
            id: None,
            integration: "jira".into(),
            event_type: event.into(),
            payload: "{}".into(),
            fingerprint: None,
        })
        .collect();
    home.open_queue().unwrap().enqueue(&events).unwrap();

    let renamed = Integration {
        name: "jira-cloud".into(),
        ..original.clone()
    };
    let saved = home.save(Some(&original), renamed.clone()).unwrap();
    let moved = saved.renamed.expect("a rename").expect("followed");
    assert!(moved.authorization);
    assert_eq!(moved.waiting_jobs, 2);
    assert_eq!(home.tokens().get("jira").unwrap(), None);
    assert_eq!(home.tokens().get("jira-cloud").unwrap(), Some(grant));

    // And back: the same events follow again; a save without a rename moves nothing.
    let back = home.save(Some(&renamed), original.clone()).unwrap();
    assert_eq!(back.renamed.unwrap().unwrap().waiting_jobs, 2);
    let unchanged = home.save(Some(&original), original.clone()).unwrap();
    assert!(unchanged.renamed.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_authorized_integration_revokes_its_grant_and_forgets_it() {
    let provider = Provider::start(Style::Standards, 3600).await;
    provider
        .state
        .lock()
        .unwrap()
        .seed_refresh_token("refresh-1");
    let (_dir, locations) = home();
    let home = Home::new(&locations);
    let mut oauth = Integration::new("jira", "http://127.0.0.1:9/hook");
    oauth.authentication = Authentication::OAuth(provider.settings(Style::Standards));
    home.save(None, oauth).unwrap();
    home.save(None, Integration::new("teams", "http://127.0.0.1:9/teams"))
        .unwrap();
    home.tokens()
        .set("jira", authorized("access-1", Some("refresh-1"), None))
        .unwrap();

    // The revocation is sent from a blocking thread, as the CLI and the TUI's store
    // thread send it.
    let remover = home.clone();
    let removed = tokio::task::spawn_blocking(move || remover.remove("JIRA", None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(removed.integration.name, "jira");
    assert_eq!(removed.forgot.unwrap().unwrap(), Revocation::Revoked);
    assert_eq!(
        provider.state.lock().unwrap().revoked,
        vec!["refresh-1".to_string()]
    );
    assert_eq!(home.tokens().get("jira").unwrap(), None);
    let names: Vec<String> = removed
        .catalog
        .integrations
        .iter()
        .map(|integration| integration.name.clone())
        .collect();
    assert_eq!(names, ["teams"]);

    // Nothing to revoke for one that was never authorized.
    let remover = home.clone();
    let removed = tokio::task::spawn_blocking(move || remover.remove("teams", None))
        .await
        .unwrap()
        .unwrap();
    assert!(removed.forgot.is_none());
    assert_eq!(provider.state.lock().unwrap().revoked.len(), 1);
}

/// A Jira integration of the preset on the cloud, its URL left to the site step, with
/// a grant whose access token has expired (the first use refreshes it).
fn jira_waiting_for_its_site(cloud: &AtlassianCloud, home: &Home) -> Integration {
    let mut jira = hookconsole::model::find_preset("jira-cloud")
        .unwrap()
        .with_defaults();
    jira.name = "Jira".into();
    let Authentication::OAuth(oauth) = &mut jira.authentication else {
        panic!("the preset uses OAuth");
    };
    oauth.client_id = "hiab-client".into();
    oauth.client_secret = Secret::new(oauth_support::provider::SECRET);
    oauth.token_url = cloud.server.url("/oauth/token");
    oauth.authorize_url = cloud.server.url("/authorize");
    oauth.sites_url = cloud.server.url("/oauth/token/accessible-resources");
    oauth.site_url = cloud.server.url("/ex/jira/{id}/rest/api/2/issue");
    home.save(None, jira.clone()).unwrap();
    cloud.provider.lock().unwrap().seed_refresh_token("seeded");
    home.tokens()
        .set(
            "Jira",
            authorized("expired", Some("seeded"), Some(Duration::ZERO)),
        )
        .unwrap();
    jira
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finishing_an_authorization_chooses_the_site_of_an_integration_waiting_for_one() {
    let cloud = AtlassianCloud::start(3600).await;
    let (_dir, locations) = home();
    let home = Home::new(&locations);
    jira_waiting_for_its_site(&cloud, &home);

    // Two sites and none named: the person chooses; nothing is set yet.
    let outcome = home.finish_authorization("Jira", None).await.unwrap();
    let Some(SiteOutcome::Choose(sites)) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(sites.len(), 2);
    assert!(home.integration("Jira").unwrap().url.is_empty());

    let (id, name, _) = SITES[1];
    let outcome = home.finish_authorization("jira", Some(name)).await.unwrap();
    let expected = cloud.server.url(&format!("/ex/jira/{id}/rest/api/2/issue"));
    assert!(
        matches!(&outcome, Some(SiteOutcome::Set { url, .. }) if *url == expected),
        "{outcome:?}"
    );
    assert_eq!(home.integration("Jira").unwrap().url, expected);

    // Its URL is set now: authorizing again has no site step.
    assert_eq!(home.finish_authorization("Jira", None).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_with_its_own_url_has_no_site_step() {
    let cloud = AtlassianCloud::start(3600).await;
    let (_dir, locations) = home();
    let home = Home::new(&locations);
    let mut jira = jira_waiting_for_its_site(&cloud, &home);
    let original = jira.clone();
    jira.url = "https://jira.example.com/rest/api/2/issue".into();
    home.save(Some(&original), jira).unwrap();
    assert_eq!(home.finish_authorization("Jira", None).await.unwrap(), None);
    assert_eq!(cloud.token_requests(), 0, "no token was needed");
}
