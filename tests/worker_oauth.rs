//! An OAuth delivery answered 401: the worker refreshes the token once and sends again
//! at once (not after the Retry Interval), and both attempts are logged.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::time::{Duration, Instant};

use hookconsole::model::{Authentication, Integration, Secret};
use hookconsole::store::queue::{LogFilter, NewEvent};
use hookconsole::store::{Authorization, IntegrationStore, Locations, Queue, TokenSet, TokenStore};
use oauth_support::provider::{Provider, Style};
use support::{Script, receiver};
use time::OffsetDateTime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_refreshes_once_and_sends_again_at_once() {
    let provider = Provider::start(Style::Standards, 3600).await;
    provider
        .state
        .lock()
        .unwrap()
        .seed_refresh_token("refresh-seed");
    let script: Script = std::sync::Arc::new(|n| {
        if n == 0 {
            (401, Vec::new())
        } else {
            (200, Vec::new())
        }
    });
    let server = receiver(script, true).await;
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let mut integration = Integration::new("oauth", server.url());
    integration.retry_interval = 60;
    integration.authentication = Authentication::OAuth(provider.settings(Style::Standards));
    IntegrationStore::new(locations.integrations_file())
        .put(None, integration)
        .unwrap();
    let now = OffsetDateTime::now_utc();
    TokenStore::new(locations.tokens_file())
        .set(
            "oauth",
            Authorization::Authorized {
                tokens: TokenSet {
                    access_token: Secret::new("stale-access"),
                    refresh_token: Some(Secret::new("refresh-seed")),
                    expires_at: Some(now + time::Duration::hours(1)),
                    scopes: Vec::new(),
                    obtained_at: now,
                    previous_refresh: None,
                    refresh_sent_at: None,
                },
            },
        )
        .unwrap();
    let db = locations.queue_database();
    Queue::open(&db)
        .unwrap()
        .enqueue(&[NewEvent {
            id: None,
            integration: "oauth".into(),
            event_type: "t".into(),
            payload: "{}".into(),
            fingerprint: None,
        }])
        .unwrap();
    let running = support::start_worker(&locations, false);
    let started = Instant::now();
    loop {
        let counts = Queue::open(&db).unwrap().counts().unwrap();
        if counts.iter().any(|(s, n)| s == "delivered" && *n == 1) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{counts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.stop().await;
    let heads = server.heads();
    assert_eq!(heads.len(), 2);
    assert!(heads[0].contains("Bearer stale-access"), "{}", heads[0]);
    assert!(!heads[1].contains("stale-access"), "{}", heads[1]);
    assert_eq!(provider.token_requests(), 1);
    let mut rows = Queue::open(&db)
        .unwrap()
        .log_page(&LogFilter::default(), None, 10)
        .unwrap()
        .rows;
    rows.reverse();
    let outcomes: Vec<_> = rows
        .iter()
        .map(|r| (r.attempt, r.outcome.as_str()))
        .collect();
    assert_eq!(outcomes, [(1, "retry"), (2, "delivered")]);
    assert!(rows[1].at_ms - rows[0].at_ms < 2_000, "sent again at once");
    let text = serde_json::to_string(&rows).unwrap();
    assert!(
        !text.contains("stale-access") && !text.contains("access-1"),
        "{text}"
    );
}

/// A worker asked to stop while a delivery's token refresh waits for the provider's
/// answer lets that refresh end and store the rotated refresh token, even after the
/// grace period for deliveries: the provider has already replaced the stored one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_worker_stores_the_refresh_it_is_waiting_for() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    {
        let mut state = provider.state.lock().unwrap();
        state.seed_refresh_token("refresh-seed");
        state.answer_delay = Duration::from_millis(1500);
    }
    let script: Script = std::sync::Arc::new(|_| (200, Vec::new()));
    let server = receiver(script, false).await;
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let mut integration = Integration::new("oauth", server.url());
    integration.authentication = Authentication::OAuth(provider.settings(Style::StrictJson));
    IntegrationStore::new(locations.integrations_file())
        .put(None, integration)
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let store = TokenStore::new(locations.tokens_file());
    store
        .set(
            "oauth",
            Authorization::Authorized {
                tokens: TokenSet {
                    expires_at: Some(now - time::Duration::minutes(1)),
                    ..TokenSet::bearer(
                        Secret::new("expired-access"),
                        Some(Secret::new("refresh-seed")),
                        None,
                        Vec::new(),
                    )
                },
            },
        )
        .unwrap();
    Queue::open(&locations.queue_database())
        .unwrap()
        .enqueue(&[NewEvent {
            id: None,
            integration: "oauth".into(),
            event_type: "t".into(),
            payload: "{}".into(),
            fingerprint: None,
        }])
        .unwrap();
    let running = support::start_worker_with(
        &locations,
        hookconsole::delivery::worker::WorkerOptions {
            poll: Duration::from_millis(20),
            grace: Duration::from_millis(100),
            socket: false,
            ..Default::default()
        },
    );
    let started = Instant::now();
    while provider.token_requests() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "no refresh");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    running.stop().await;
    let stored = store.get("oauth").unwrap().unwrap();
    let latest = provider
        .state
        .lock()
        .unwrap()
        .grant("refresh-seed")
        .unwrap()
        .latest
        .clone();
    assert_eq!(
        stored
            .tokens()
            .and_then(|t| t.refresh_token.as_ref())
            .map(Secret::expose),
        Some(latest.as_str()),
        "the rotated refresh token is stored"
    );
}
