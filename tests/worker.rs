//! The worker against a real SQLite file and real loopback receivers: delivered once,
//! retries with the interval then dead, Retry-After, 4xx not retried, disabled holds,
//! replay, redaction.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use hookconsole::delivery::worker::WorkerOptions;
use hookconsole::model::{Authentication, Header, Integration, Secret};
use hookconsole::store::queue::{LogFilter, NewEvent, Replayed};
use hookconsole::store::{IntegrationStore, Locations, Queue, SettingsStore};
use support::{Behaviour, Script, always, http_server, receiver};

struct Home {
    _dir: tempfile::TempDir,
    locations: Locations,
}

fn home(max_attempts: u32) -> Home {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    SettingsStore::new(&locations)
        .update(|s| s.set("max_attempts", &max_attempts.to_string()))
        .unwrap();
    Home {
        _dir: dir,
        locations,
    }
}

fn add(home: &Home, integration: Integration) {
    IntegrationStore::new(home.locations.integrations_file())
        .put(None, integration)
        .unwrap();
}

fn hook(name: &str, url: &str, retry_interval: u32) -> Integration {
    let mut integration = Integration::new(name, url);
    integration.retry_interval = retry_interval;
    integration
}

fn enqueue(home: &Home, integration: &str, payload: &str) -> String {
    let mut queue = Queue::open(&home.locations.queue_database()).unwrap();
    let ids = queue
        .enqueue(&[NewEvent {
            id: None,
            integration: integration.into(),
            event_type: "scan.finished".into(),
            payload: payload.into(),
            fingerprint: None,
        }])
        .unwrap();
    ids[0].id.clone()
}

fn start(home: &Home) -> support::RunningWorker {
    support::start_worker(&home.locations, false)
}

async fn stop(worker: support::RunningWorker) {
    worker.stop().await;
}

fn state_count(path: &Path, state: &str) -> i64 {
    let queue = Queue::open(path).unwrap();
    queue
        .counts()
        .unwrap()
        .into_iter()
        .find(|(s, _)| s == state)
        .map(|(_, n)| n)
        .unwrap_or(0)
}

async fn until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `count` jobs are in `state`.
async fn until_state(db: &Path, state: &str, count: i64, timeout: Duration) {
    until(state, timeout, || state_count(db, state) == count).await;
}

/// Polls far slower than the default: what is on time must not come from polling.
fn slow_polls(socket: bool) -> WorkerOptions {
    WorkerOptions {
        poll: Duration::from_secs(3),
        idle_poll: Duration::from_secs(5),
        grace: Duration::from_secs(2),
        socket,
        ..WorkerOptions::default()
    }
}

fn attempts(home: &Home) -> Vec<hookconsole::store::queue::AttemptRow> {
    let queue = Queue::open(&home.locations.queue_database()).unwrap();
    let mut rows = queue
        .log_page(&LogFilter::default(), None, 1000)
        .unwrap()
        .rows;
    rows.reverse();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_once_with_webhook_headers() {
    let home = home(10);
    let server = receiver(always(200), true).await;
    add(&home, hook("ok", &server.url(), 60));
    let id = enqueue(&home, "ok", r#"{"n":1}"#);
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop(worker).await;
    assert_eq!(server.requests(), 1);
    let head = &server.heads()[0];
    assert!(head.contains(&format!("Webhook-Id: {id}")), "{head}");
    assert!(head.contains("Webhook-Timestamp: "), "{head}");
    let rows = attempts(&home);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "delivered");
    assert_eq!(rows[0].status, Some(200));
    assert_eq!(rows[0].request["body_bytes"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_after_the_interval_then_dead() {
    let home = home(3);
    let server = receiver(always(503), false).await;
    add(&home, hook("down", &server.url(), 1));
    enqueue(&home, "down", "{}");
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "dead", 1, Duration::from_secs(15)).await;
    stop(worker).await;
    assert_eq!(server.requests(), 3);
    let rows = attempts(&home);
    let outcomes: Vec<_> = rows.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["retry", "retry", "dead"]);
    assert_eq!(rows[0].error_class.as_deref(), Some("server_error"));
    for pair in rows.windows(2) {
        let gap = pair[1].at_ms - pair[0].at_ms;
        assert!((1000..2000).contains(&gap), "retry gap {gap} ms");
        let planned = pair[0].next_retry_ms.unwrap() - pair[0].at_ms;
        assert!((1000..=1200).contains(&planned), "planned {planned} ms");
    }
    assert_eq!(rows[2].next_retry_ms, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let home = home(10);
    let script: Script = std::sync::Arc::new(|n| match n {
        0 => (429, vec![("Retry-After".into(), "2".into())]),
        _ => (200, Vec::new()),
    });
    let server = receiver(script, false).await;
    // The interval alone would wait a minute.
    add(&home, hook("slow", &server.url(), 60));
    enqueue(&home, "slow", "{}");
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 1, Duration::from_secs(10)).await;
    stop(worker).await;
    let rows = attempts(&home);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].status, Some(429));
    let gap = rows[1].at_ms - rows[0].at_ms;
    assert!((2000..3000).contains(&gap), "gap {gap} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_4xx_are_not_retried() {
    let home = home(10);
    let server = receiver(always(422), false).await;
    add(&home, hook("picky", &server.url(), 1));
    enqueue(&home, "picky", "{}");
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "dead", 1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop(worker).await;
    assert_eq!(server.requests(), 1);
    let rows = attempts(&home);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "dead");
    assert_eq!(rows[0].error_class.as_deref(), Some("client_error"));
}

/// A worker with slow polls still retries on time: it sleeps until the retry is due,
/// not a whole poll past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_is_claimed_when_due_not_at_the_next_poll() {
    let home = home(5);
    let script: Script = std::sync::Arc::new(|n| match n {
        0 => (503, Vec::new()),
        _ => (200, Vec::new()),
    });
    let server = receiver(script, false).await;
    add(&home, hook("flaky", &server.url(), 1));
    enqueue(&home, "flaky", "{}");
    let worker = support::start_worker_with(&home.locations, slow_polls(false));
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 1, Duration::from_secs(10)).await;
    stop(worker).await;
    let rows = attempts(&home);
    assert_eq!(rows.len(), 2);
    let late = rows[1].at_ms - rows[0].next_retry_ms.unwrap();
    assert!(
        (0..300).contains(&late),
        "retried {late} ms after it was due"
    );
}

/// An idle worker looks for work seldom, but an event that comes through its socket is
/// delivered at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_worker_delivers_a_socket_event_at_once() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let home = home(5);
    let server = receiver(always(200), false).await;
    add(&home, hook("quick", &server.url(), 1));
    let worker = support::start_worker_with(&home.locations, slow_polls(true));
    let path = hookconsole::delivery::worker::socket_path(&home.locations);
    until("the socket", Duration::from_secs(5), || path.exists()).await;
    // Past the first claim: the worker is idle now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let (read, mut write) = stream.into_split();
    let sent = Instant::now();
    write
        .write_all(b"{\"integration\":\"quick\",\"type\":\"scan.finished\"}\n")
        .await
        .unwrap();
    let answer = BufReader::new(read).lines().next_line().await.unwrap();
    assert!(answer.unwrap().contains("\"ok\":true"));
    until("delivered", Duration::from_secs(10), || {
        server.distinct() == 1
    })
    .await;
    let took = sent.elapsed();
    stop(worker).await;
    assert!(
        took < Duration::from_millis(1000),
        "delivered {took:?} after it was sent"
    );
}

/// The log says what went wrong, in the classes VERIFY uses: a refused connection, and
/// an `https://` URL on a port that answers in plain HTTP (TLS, not "other"). The
/// summary starts at the cause: the request line already has the URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_are_classified_as_verify_does() {
    let home = home(1);
    // A plain HTTP server's answer to a TLS ClientHello: 400, in clear text.
    let plain = support::blunt_http_server().await;
    let tls_url = format!("https://{}/hook", plain.addr);
    let closed_port = support::unused_port().port();
    add(&home, hook("plain-port", &tls_url, 1));
    add(
        &home,
        hook("closed", &format!("http://127.0.0.1:{closed_port}/hook"), 1),
    );
    enqueue(&home, "plain-port", "{}");
    enqueue(&home, "closed", "{}");
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "dead", 2, Duration::from_secs(10)).await;
    stop(worker).await;
    let rows = attempts(&home);
    let class_of = |name: &str| {
        let row = rows.iter().find(|row| row.integration == name).unwrap();
        (row.error_class.clone().unwrap(), row.summary.clone())
    };
    let (class, summary) = class_of("plain-port");
    assert_eq!(class, "tls_failed", "{summary}");
    assert!(summary.starts_with("TLS failed"), "{summary}");
    let (class, summary) = class_of("closed");
    assert_eq!(class, "connection_refused", "{summary}");
    assert!(!summary.contains("error sending request"), "{summary}");
    assert!(summary.contains("Connection refused"), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_integration_holds_its_jobs_until_enabled() {
    let home = home(10);
    let server = receiver(always(200), false).await;
    let mut integration = hook("paused", &server.url(), 1);
    integration.enabled = false;
    add(&home, integration.clone());
    enqueue(&home, "paused", "{}");
    enqueue(&home, "paused", "{}");
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "held", 2, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(server.requests(), 0);
    let mut enabled = integration.clone();
    enabled.enabled = true;
    IntegrationStore::new(home.locations.integrations_file())
        .put(Some(&integration), enabled)
        .unwrap();
    until_state(&db, "delivered", 2, Duration::from_secs(10)).await;
    stop(worker).await;
    assert_eq!(server.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_sends_the_same_event_again() {
    let home = home(10);
    let server = receiver(always(200), true).await;
    add(&home, hook("again", &server.url(), 1));
    let id = enqueue(&home, "again", r#"{"x":1}"#);
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 1, Duration::from_secs(10)).await;
    let job = Queue::open(&db)
        .unwrap()
        .replay(&id, None, |_| true)
        .unwrap()
        .replayed
        .job();
    assert!(job > 1);
    until_state(&db, "delivered", 2, Duration::from_secs(10)).await;
    stop(worker).await;
    let heads = server.heads();
    assert_eq!(heads.len(), 2);
    assert!(
        heads
            .iter()
            .all(|h| h.contains(&format!("Webhook-Id: {id}")))
    );
    // Replay by attempt number too, with or without the `#` the log shows (left
    // unquoted in a shell, it starts a comment); an unknown id is refused. A replay
    // of an event whose job still waits makes that job due now, not a second one
    // (it would be delivered twice).
    let mut queue = Queue::open(&db).unwrap();
    let first = attempts(&home)[0].id;
    let again = queue.replay(&format!("#{first}"), None, |_| true).unwrap();
    assert_eq!(again.event_id, id, "named by its event id");
    let Replayed::Queued(again) = again.replayed else {
        panic!("{again:?}")
    };
    assert!(again > job, "{job} {again}");
    let bare = queue.replay(&first.to_string(), None, |_| true).unwrap();
    assert_eq!(bare.replayed, Replayed::DueNow(again));
    // Digits only, as the log shows the number.
    assert!(queue.replay(&format!("+{first}"), None, |_| true).is_err());
    assert!(queue.replay("evt_nope", None, |_| true).is_err());
    assert!(queue.replay("424242", None, |_| true).is_err());
    assert!(queue.replay("#x", None, |_| true).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_attempt_log() {
    let home = home(2);
    // Echo answers with the request head: the receiver repeats every secret.
    let server = http_server(Behaviour::Echo).await;
    let mut integration = hook("secret", &server.url("/hook"), 1);
    integration.authentication = Authentication::Basic {
        username: "user".into(),
        password: Secret::new("pass-w0rd-77"),
    };
    integration.http_headers = vec![Header::new("X-Api-Key", "key-4242-secret")];
    add(&home, integration);
    enqueue(&home, "secret", "{}");
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 1, Duration::from_secs(10)).await;
    stop(worker).await;
    let rows = attempts(&home);
    let text = serde_json::to_string(&rows).unwrap();
    assert!(text.contains("X-Api-Key"), "{text}");
    let basic = base64_of("user:pass-w0rd-77");
    for secret in ["pass-w0rd-77", "key-4242-secret", basic.as_str()] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let mut raw = std::fs::read(&db).unwrap();
    raw.extend(std::fs::read(db.with_extension("sqlite3-wal")).unwrap_or_default());
    let raw = String::from_utf8_lossy(&raw);
    for secret in ["pass-w0rd-77", "key-4242-secret", basic.as_str()] {
        assert!(!raw.contains(secret), "{secret} in the database file");
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attempt_log_keeps_the_first_8_kib_of_the_answer() {
    let home = home(10);
    let body = "x".repeat(10_000);
    let server = http_server(Behaviour::Answer(200, Vec::new(), body)).await;
    add(&home, hook("big", &server.url("/hook"), 60));
    enqueue(&home, "big", "{}");
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop(worker).await;
    let rows = attempts(&home);
    let response = rows[0].response.as_ref().expect("the response is logged");
    assert_eq!(response["body"].as_str().unwrap().len(), 8 * 1024);
    assert_eq!(response["body_bytes"], 10_000);
    assert_eq!(response["body_truncated"], true);
}

/// Deliveries are logged first; the writer adds them to the text index once it has
/// nothing else to do, and a text filter finds them before and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_writer_adds_logged_attempts_to_the_text_index() {
    let home = home(10);
    let server = receiver(always(200), false).await;
    add(&home, hook("indexed", &server.url(), 60));
    for n in 0..30 {
        enqueue(&home, "indexed", &format!(r#"{{"n":{n}}}"#));
    }
    let worker = start(&home);
    let db = home.locations.queue_database();
    let found = |queue: &Queue| {
        let filter = LogFilter {
            text: Some("INDEXED".into()),
            ..LogFilter::default()
        };
        queue.log_page(&filter, None, 100).unwrap().rows.len()
    };
    until_state(&db, "delivered", 30, Duration::from_secs(10)).await;
    let queue = Queue::open(&db).unwrap();
    assert_eq!(found(&queue), 30);
    until("indexed", Duration::from_secs(10), || {
        queue.unindexed_text().unwrap() == 0
    })
    .await;
    assert_eq!(found(&queue), 30);
    // A writer that has caught up waits long before it looks again, but what it logs
    // after that is indexed as soon as it is idle again.
    for n in 30..40 {
        enqueue(&home, "indexed", &format!(r#"{{"n":{n}}}"#));
    }
    until_state(&db, "delivered", 40, Duration::from_secs(10)).await;
    until("indexed again", Duration::from_secs(10), || {
        queue.unindexed_text().unwrap() == 0
    })
    .await;
    assert_eq!(found(&queue), 40);
    stop(worker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_a_removed_integration_fail_once_and_stop() {
    // Released once (a rename moves the queued jobs to the new name, so they come back
    // under it), then failed with the reason: not retried for ever.
    let home = home(10);
    let server = receiver(always(200), false).await;
    add(&home, hook("jira", &server.url(), 1));
    enqueue(&home, "removed-one", "{}");
    enqueue(&home, "jira", "{}");
    let worker = start(&home);
    let path = home.locations.queue_database();
    until("the unknown one settled", Duration::from_secs(10), || {
        state_count(&path, "dead") == 1 && state_count(&path, "delivered") == 1
    })
    .await;
    stop(worker).await;
    let logged = attempts(&home);
    let failed: Vec<_> = logged
        .iter()
        .filter(|row| row.integration == "removed-one")
        .collect();
    assert_eq!(failed.len(), 1, "{logged:?}");
    assert!(
        failed[0]
            .summary
            .contains("the integration `removed-one` no longer exists"),
        "{}",
        failed[0].summary
    );
    assert_eq!(server.distinct(), 1);
}

/// `home` with the overall and per-integration concurrency set.
fn home_with_concurrency(overall: u32, per_integration: u32) -> Home {
    let home = home(10);
    SettingsStore::new(&home.locations)
        .update(|s| {
            s.set("concurrency", &overall.to_string())?;
            s.set("concurrency_per_integration", &per_integration.to_string())
        })
        .unwrap();
    home
}

/// The request target of each head the receiver kept, in arrival order.
fn targets(server: &support::Receiver) -> Vec<String> {
    server
        .heads()
        .iter()
        .map(|head| head.split(' ').nth(1).unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrations_share_the_slots_when_all_are_taken() {
    // Three slots, two per integration, three integrations: the first two served
    // must not keep the slots for all their jobs while the third waits.
    let home = home_with_concurrency(3, 2);
    let server = support::slow_receiver(always(200), Duration::from_millis(30)).await;
    let base = format!("http://{}", server.addr);
    for name in ["a", "b", "c"] {
        add(&home, hook(name, &format!("{base}/{name}"), 60));
    }
    for n in 0..10 {
        for name in ["a", "b", "c"] {
            enqueue(&home, name, &format!(r#"{{"n":{n}}}"#));
        }
    }
    let worker = start(&home);
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 30, Duration::from_secs(20)).await;
    stop(worker).await;
    assert_eq!(server.most_at_once(""), 3);
    for target in ["/a", "/b", "/c"] {
        assert!(server.most_at_once(target) <= 2, "{target}");
    }
    // Every integration had a delivery among the first ten, and none had all its
    // deliveries before another's first.
    let order = targets(&server);
    for target in ["/a", "/b", "/c"] {
        let firsts = order.iter().take(10).filter(|t| *t == target).count();
        assert!((1..=6).contains(&firsts), "{target}: {order:?}");
    }
}

/// 200 events queued for `integration`, the worker started, and once `sent` says a
/// few went out, the integration changed in the file by `change`.
async fn change_mid_burst(
    home: &Home,
    integration: &Integration,
    mut sent: impl FnMut() -> usize,
    change: impl FnOnce(&mut Integration),
) -> support::RunningWorker {
    add(home, integration.clone());
    for n in 0..200 {
        enqueue(home, &integration.name, &format!(r#"{{"n":{n}}}"#));
    }
    let worker = start(home);
    until("a few delivered", Duration::from_secs(10), || sent() >= 4).await;
    let mut changed = integration.clone();
    change(&mut changed);
    IntegrationStore::new(home.locations.integrations_file())
        .put(Some(integration), changed)
        .unwrap();
    worker
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_disabled_in_the_middle_of_a_burst_holds_the_rest() {
    let home = home_with_concurrency(16, 1);
    let server = support::slow_receiver(always(200), Duration::from_millis(50)).await;
    let integration = hook("busy", &server.url(), 60);
    let worker = change_mid_burst(
        &home,
        &integration,
        || server.requests(),
        |busy| busy.enabled = false,
    )
    .await;
    let db = home.locations.queue_database();
    until("the rest held", Duration::from_secs(10), || {
        state_count(&db, "held") > 0
            && state_count(&db, "held") + state_count(&db, "delivered") == 200
    })
    .await;
    let sent = server.requests();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(worker).await;
    assert_eq!(server.requests(), sent, "deliveries went on after the hold");
    assert_eq!(state_count(&db, "delivered") as usize, sent);
    // Seen within a second (the file is looked at once a second): some twenty more.
    assert!(sent < 50, "{sent} of 200 delivered before the hold");
    // Sixteen slots, but one for one integration.
    assert_eq!(server.most_at_once(""), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_changed_in_the_middle_of_a_burst_takes_effect() {
    // One at a time, and many claimed ahead (eight times the overall concurrency): the
    // jobs claimed before the change go to the new URL too.
    let home = home_with_concurrency(16, 1);
    let old = support::slow_receiver(always(200), Duration::from_millis(50)).await;
    let new = receiver(always(200), false).await;
    let integration = hook("moved", &old.url(), 60);
    let worker = change_mid_burst(
        &home,
        &integration,
        || old.requests(),
        |moved| moved.url = new.url(),
    )
    .await;
    let db = home.locations.queue_database();
    until_state(&db, "delivered", 200, Duration::from_secs(20)).await;
    stop(worker).await;
    // Seen within a second (the file is looked at once a second): some twenty more.
    assert!(
        old.requests() < 50,
        "{} of 200 to the old URL",
        old.requests()
    );
    assert_eq!(old.distinct() + new.distinct(), 200);
}

/// A receiver that answers slowly, with a thousand events queued for it first, must not
/// keep another integration's events from being claimed: they used to wait behind the
/// whole backlog (the claimed jobs not started were all the slow one's, so nothing more
/// was claimed, and a claim in due order took only the backlog).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receivers_backlog_does_not_hold_up_another_integration() {
    let home = home(10);
    // Slower than the test: the slow integration's slots stay taken throughout.
    let slow = support::slow_receiver(always(200), Duration::from_secs(30)).await;
    let fast = receiver(always(200), false).await;
    add(
        &home,
        hook("slow", &format!("http://{}/slow", slow.addr), 60),
    );
    add(
        &home,
        hook("fast", &format!("http://{}/fast", fast.addr), 60),
    );
    let event = |integration: &str, n: usize| NewEvent {
        id: None,
        integration: integration.into(),
        event_type: "scan.finished".into(),
        payload: format!(r#"{{"n":{n}}}"#),
        fingerprint: None,
    };
    let mut events: Vec<NewEvent> = (0..1_000).map(|n| event("slow", n)).collect();
    events.extend((0..50).map(|n| event("fast", n)));
    Queue::open(&home.locations.queue_database())
        .unwrap()
        .enqueue(&events)
        .unwrap();
    let worker = start(&home);
    until(
        "the fast integration's 50 delivered",
        Duration::from_secs(20),
        || fast.distinct() == 50,
    )
    .await;
    // Meanwhile the slow receiver holds its first requests, one per slot.
    assert!(
        slow.distinct() <= 16,
        "{} at the slow receiver",
        slow.distinct()
    );
    stop(worker).await;
}

/// Passing a slow receiver's backlog over must not turn into claiming it again and again:
/// with only that backlog waiting, the worker sleeps between claims (a busy loop of
/// claims that found nothing new took most of a core).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_backlog_alone_leaves_the_worker_idle() {
    let home = home(10);
    let slow = support::slow_receiver(always(200), Duration::from_secs(30)).await;
    add(
        &home,
        hook("slow", &format!("http://{}/slow", slow.addr), 60),
    );
    let events: Vec<NewEvent> = (0..1_000)
        .map(|n| NewEvent {
            id: None,
            integration: "slow".into(),
            event_type: "scan.finished".into(),
            payload: format!(r#"{{"n":{n}}}"#),
            fingerprint: None,
        })
        .collect();
    Queue::open(&home.locations.queue_database())
        .unwrap()
        .enqueue(&events)
        .unwrap();
    let dir = home.locations.integrations_file();
    let worker = support::WorkerProcess::start(dir.parent().unwrap(), &[]);
    until(
        "the slow receiver's slots taken",
        Duration::from_secs(20),
        || slow.distinct() == 16,
    )
    .await;
    let before = worker.cpu_time();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = worker.cpu_time() - before;
    worker.stop();
    assert!(
        used < Duration::from_millis(500),
        "the worker used {used:?} of CPU in 2 s while every slot waited on the receiver"
    );
}
