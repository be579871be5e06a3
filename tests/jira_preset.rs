//! The Jira Cloud preset against an Atlassian-like cloud on loopback: preset, then
//! authorize on a "phone", choose one of the two sites the grant reaches, VERIFY
//! creates an issue in project TEST, and a queued event creates another after the
//! access token has expired and been refreshed (the refresh token rotating).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::time::{Duration, Instant};

use hookconsole::model::{Authentication, Integration, Secret, find_preset};
use hookconsole::oauth::{SiteOutcome, TokenProvider, choose_site};
use hookconsole::store::{Authorization, IntegrationStore, Locations, Queue, TokenSet, TokenStore};
use oauth_support::atlassian::{AtlassianCloud, SITES};
use oauth_support::cli::{authorize_by_phone, listen_on_loopback, run};
use oauth_support::provider::{SECRET, plain_client};

/// Seconds an access token lives: long enough for authorize, sites and VERIFY, short
/// enough that the queued event needs a refresh.
const ACCESS_LIFETIME: i64 = 4;

fn stored(home: &std::path::Path, name: &str) -> Integration {
    IntegrationStore::new(Locations::in_home(home).integrations_file())
        .load()
        .unwrap()
        .get(name)
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preset_authorize_choose_site_verify_then_a_queued_event_after_a_refresh() {
    let cloud = AtlassianCloud::start(ACCESS_LIFETIME).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let url = |path: &str| cloud.server.url(path);

    let added = cloud.add_preset(home);
    assert!(added.status.success(), "{added:?}");
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert!(stderr.contains("set from the site chosen"), "{stderr}");
    assert!(stored(home, "Jira").url.is_empty());
    listen_on_loopback(home);

    let (authorized, printed) = authorize_by_phone(home, "Jira", &[]).await;
    assert!(authorized.status.success(), "{authorized:?}\n{printed}");
    assert!(printed.contains("authorized Jira"), "{printed}");
    assert!(printed.contains("reaches 2 sites"), "{printed}");
    for (_, name, site_url) in SITES {
        assert!(
            printed.contains(&format!("{name} ({site_url})")),
            "{printed}"
        );
    }
    assert!(
        printed.contains("hookconsole sites Jira --choose"),
        "{printed}"
    );
    let asked = cloud.authorize_queries.lock().unwrap()[0].clone();
    assert_eq!(asked["audience"], "api.atlassian.com");
    assert_eq!(asked["prompt"], "consent");
    assert_eq!(
        asked["scope"],
        "read:jira-work write:jira-work offline_access"
    );
    assert!(stored(home, "Jira").url.is_empty(), "no site chosen yet");
    // VERIFY before the site is chosen says to choose it, with the command.
    let early = run(home, &["verify", "Jira"]);
    assert_eq!(early.status.code(), Some(1), "{early:?}");
    let early = String::from_utf8_lossy(&early.stdout);
    let advice = early
        .lines()
        .find(|line| line.starts_with("advice"))
        .unwrap();
    assert!(
        advice.contains("hookconsole sites Jira --choose"),
        "{early}"
    );
    assert!(!early.contains("Correct the integration's URL"), "{early}");

    let listed = run(home, &["sites", "Jira", "--json"]);
    assert!(listed.status.success(), "{listed:?}");
    let sites: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(sites.as_array().unwrap().len(), 2);

    let unknown = run(home, &["sites", "Jira", "--choose", "gamma"]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    let (beta_id, beta_name, _) = SITES[1];
    let chosen = run(home, &["sites", "Jira", "--choose", beta_name]);
    assert!(chosen.status.success(), "{chosen:?}");
    assert_eq!(
        stored(home, "Jira").url,
        url(&format!("/ex/jira/{beta_id}/rest/api/2/issue"))
    );

    let verified = run(home, &["verify", "Jira"]);
    assert!(verified.status.success(), "{verified:?}");
    let issues = cloud.issues();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].cloud_id, beta_id);
    assert_eq!(issues[0].fields["project"]["key"], "TEST");
    assert_eq!(issues[0].fields["issuetype"]["name"], "Task");
    // VERIFY sent the content sample rendered with the sample event.
    let summary = issues[0].fields["summary"].as_str().unwrap();
    assert!(
        summary.ends_with(
            ": finding.created: Apache Log4j \"Log4Shell\" RCE on O'Reilly's café portal"
        ),
        "{summary}"
    );
    assert_eq!(cloud.token_requests(), 1, "the code exchange only");

    // The access token expires; the queued event's delivery refreshes it first.
    tokio::time::sleep(Duration::from_secs(ACCESS_LIFETIME as u64 + 1)).await;
    let fields = home.join("finding.json");
    std::fs::write(
        &fields,
        r#"{"finding": {"name": "TLS \"weak\" cipher\nsuite – ünïcode", "severity": "medium", "host": "10.0.0.9"}}"#,
    )
    .unwrap();
    let sent = run(
        home,
        &[
            "send",
            "Jira",
            "--event",
            "finding.created",
            "--fields",
            fields.to_str().unwrap(),
        ],
    );
    assert!(sent.status.success(), "{sent:?}");
    let locations = Locations::in_home(home);
    let worker = support::start_worker(&locations, false);
    let started = Instant::now();
    while cloud.issues().len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            Queue::open(&locations.queue_database()).unwrap().counts()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.stop().await;
    let issues = cloud.issues();
    assert_eq!(issues[1].cloud_id, beta_id);
    let summary = issues[1].fields["summary"].as_str().unwrap();
    assert!(
        summary.ends_with(": finding.created: TLS \"weak\" cipher suite – ünïcode"),
        "{summary}"
    );
    let description = issues[1].fields["description"].as_str().unwrap();
    assert!(description.contains("Host: 10.0.0.9"), "{description}");
    assert_ne!(issues[1].bearer, issues[0].bearer, "a refreshed token");
    assert_eq!(cloud.token_requests(), 2, "one refresh");
    assert_eq!(
        cloud.refresh_reuse(),
        0,
        "a rotated refresh token is never reused"
    );
    let log = std::fs::read_to_string(home.join("logs/hookconsole.log"))
        .expect("the CLI commands logged");
    assert!(
        log.contains("Jira"),
        "the log is the one these commands wrote"
    );
    assert!(!log.contains("access-") && !log.contains(SECRET));
}

/// Right after an authorization the site step only fills an empty URL: a URL given
/// explicitly (a proxy, a test server) is kept. One site is taken without asking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_step_keeps_an_explicit_url_and_names_the_choice() {
    let cloud = AtlassianCloud::start(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let (store, jira, tokens) = seeded_jira(&cloud, &locations);
    let provider = TokenProvider::with_http_options(tokens, Default::default());
    let client = plain_client();

    let several = choose_site(&store, &provider, &client, &jira, None, true)
        .await
        .unwrap();
    assert!(matches!(&several, SiteOutcome::Choose(sites) if sites.len() == 2));
    let (acme_id, _, acme_url) = SITES[0];
    let set = choose_site(&store, &provider, &client, &jira, Some(acme_url), true)
        .await
        .unwrap();
    let expected = cloud
        .server
        .url(&format!("/ex/jira/{acme_id}/rest/api/2/issue"));
    assert_eq!(
        set,
        SiteOutcome::Set {
            site: hookconsole::oauth::Site {
                id: acme_id.into(),
                name: "acme".into(),
                url: acme_url.into()
            },
            url: expected.clone()
        }
    );
    // Now the URL is there: the step after another authorization keeps it.
    let kept = choose_site(&store, &provider, &client, &jira, Some("beta-corp"), true)
        .await
        .unwrap();
    assert_eq!(kept, SiteOutcome::Kept { url: expected });
}

/// The Jira preset pointed at `cloud`, no URL yet, with an access token the cloud
/// issued stored as an authorization would have stored it.
fn seeded_jira(
    cloud: &AtlassianCloud,
    locations: &Locations,
) -> (IntegrationStore, Integration, TokenStore) {
    let store = IntegrationStore::new(locations.integrations_file());
    let mut jira = find_preset("jira-cloud").unwrap().with_defaults();
    jira.name = "Jira".into();
    let Authentication::OAuth(oauth) = &mut jira.authentication else {
        unreachable!()
    };
    oauth.client_id = "hiab-client".into();
    oauth.client_secret = Secret::new(SECRET);
    oauth.token_url = cloud.server.url("/oauth/token");
    oauth.sites_url = cloud.server.url("/oauth/token/accessible-resources");
    oauth.site_url = cloud.server.url("/ex/jira/{id}/rest/api/2/issue");
    store.put(None, jira.clone()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    cloud.provider.lock().unwrap().access.insert(
        "access-seeded".into(),
        Instant::now() + Duration::from_secs(3600),
    );
    let tokens = TokenStore::new(locations.tokens_file());
    tokens
        .set(
            "Jira",
            Authorization::Authorized {
                tokens: TokenSet {
                    access_token: Secret::new("access-seeded"),
                    refresh_token: None,
                    expires_at: Some(now + time::Duration::hours(1)),
                    scopes: Vec::new(),
                    obtained_at: now,
                    previous_refresh: None,
                    refresh_sent_at: None,
                },
            },
        )
        .unwrap();
    (store, jira, tokens)
}

/// An event queued before the site is chosen waits for it, as for a disabled
/// integration, instead of failing its attempts on an empty URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_queued_before_the_site_is_chosen_waits_for_it() {
    let cloud = AtlassianCloud::start(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let (store, jira, tokens) = seeded_jira(&cloud, &locations);
    let sent = run(dir.path(), &["send", "Jira", "--event", "scan.finished"]);
    assert!(sent.status.success(), "{sent:?}");
    let worker = support::start_worker(&locations, false);
    // The worker has read the integrations when it holds the job.
    let queue = Queue::open(&locations.queue_database()).unwrap();
    let started = Instant::now();
    while queue.counts().unwrap() != [("held".to_string(), 1)] {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            queue.counts()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(cloud.issues().is_empty());
    let logged = queue.log_page(&Default::default(), None, 10).unwrap().rows;
    assert!(
        logged.is_empty(),
        "no attempt while the URL is unknown: {logged:?}"
    );

    let provider = TokenProvider::with_http_options(tokens, Default::default());
    let (_, beta, _) = SITES[1];
    choose_site(&store, &provider, &plain_client(), &jira, Some(beta), true)
        .await
        .unwrap();
    let started = Instant::now();
    while cloud.issues().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "delivered once the site is set"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.stop().await;
    assert_eq!(cloud.issues()[0].cloud_id, SITES[1].0);
}
