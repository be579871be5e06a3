//! `hookconsole status` and the events that wait (issue 16 items 1 and 4), through the
//! binary: a stopped worker is reported (exit 1) and `send` warns but queues; a running
//! worker answers on its socket and the counts match the queue; an OAuth integration
//! without a token holds its events, for longer than ten retry intervals, and delivers
//! them once it is authorized.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookconsole::model::{Authentication, Integration, Secret};
use hookconsole::store::queue::LogFilter;
use hookconsole::store::{Authorization, IntegrationStore, Locations, Queue, TokenSet, TokenStore};
use oauth_support::provider::{Provider, Style};
use serde_json::Value;
use support::{Script, WorkerProcess, cli, receiver};
use time::OffsetDateTime;

/// A receiver's script: every request answered `status`.
fn answering(status: u16) -> Script {
    Arc::new(move |_| (status, Vec::new()))
}

fn add(locations: &Locations, integration: Integration) {
    IntegrationStore::new(locations.integrations_file())
        .put(None, integration)
        .unwrap();
}

/// `status --json` run to its end: the document and the exit status.
fn status_json(home: &Path) -> (Value, i32) {
    let output = cli(home).args(["status", "--json"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (json, output.status.code().unwrap())
}

fn integration<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|one| one["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {status:#}"))
}

/// `send NAME --event TYPE`: must succeed; its standard error.
fn send(home: &Path, name: &str) -> String {
    let output = cli(home)
        .args(["send", name, "--event", "scan.finished"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "send: {stderr}");
    stderr
}

/// Polls `check` until it holds, for at most `limit`.
async fn wait_until(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn count(db: &Path, state: &str) -> i64 {
    Queue::open(db)
        .unwrap()
        .counts()
        .unwrap()
        .into_iter()
        .find_map(|(s, n)| (s == state).then_some(n))
        .unwrap_or(0)
}

#[test]
fn a_stopped_worker_is_reported_and_send_warns_but_queues() {
    let home = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(home.path());
    add(
        &locations,
        Integration::new("hook", "http://127.0.0.1:9/never"),
    );
    let stderr = send(home.path(), "hook");
    assert!(
        stderr.contains("warning: no worker is running: the events wait in the queue"),
        "{stderr}"
    );
    assert!(stderr.contains("worker"), "names how to start it: {stderr}");
    assert_eq!(count(&locations.queue_database(), "queued"), 1);

    let output = cli(home.path()).arg("status").output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Worker:    NOT RUNNING"), "{stdout}");
    assert!(stdout.contains("start it: "), "{stdout}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("the worker is not running"), "{stderr}");

    let (status, code) = status_json(home.path());
    assert_eq!(code, 1);
    assert_eq!(status["worker"]["state"], "stopped");
    assert_eq!(status["worker"]["pid"], Value::Null);
    let start = status["worker"]["start_command"].as_str().unwrap();
    assert!(start.ends_with("worker"), "{start}");
    assert_eq!(status["queue"]["total"]["queued"], 1);
    assert_eq!(integration(&status, "hook")["queued"], 1);
    assert_eq!(status["problems"][0], "the worker is not running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_worker_answers_and_the_counts_match_the_queue() {
    let ok = receiver(answering(200), false).await;
    let failing = receiver(answering(503), false).await;
    let home = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(home.path());
    add(&locations, Integration::new("ok", ok.url()));
    let mut retried = Integration::new("failing", failing.url());
    retried.retry_interval = 3600;
    add(&locations, retried);
    let mut off = Integration::new("off", ok.url());
    off.enabled = false;
    add(&locations, off);
    let worker = WorkerProcess::start(home.path(), &[]);

    assert_eq!(send(home.path(), "ok"), "", "no warning: it is delivered");
    send(home.path(), "failing");
    let warned = send(home.path(), "off");
    assert!(
        warned.contains("warning: off holds its events (disabled)"),
        "{warned}"
    );
    send(home.path(), "off");
    let db = locations.queue_database();
    wait_until(
        Duration::from_secs(20),
        "a delivery, a retry, two held",
        || count(&db, "delivered") == 1 && count(&db, "held") == 2 && failing.requests() == 1,
    )
    .await;
    // The retry is recorded in the commit after the request.
    wait_until(Duration::from_secs(10), "the retry recorded", || {
        Queue::open(&db)
            .unwrap()
            .log_page(&LogFilter::default(), None, 10)
            .unwrap()
            .rows
            .len()
            == 2
    })
    .await;

    let (status, code) = status_json(home.path());
    assert_eq!(code, 1, "held events are not all well: {status:#}");
    let shown = &status["worker"];
    assert_eq!(shown["state"], "running", "{status:#}");
    assert_eq!(shown["pid"], worker.pid());
    assert_eq!(shown["version"], env!("CARGO_PKG_VERSION"));
    assert!(shown["started_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(shown["start_command"], Value::Null);

    let ok_status = integration(&status, "ok");
    assert_eq!(ok_status["waiting"], 0);
    assert_eq!(ok_status["delivered_last_hour"], 1, "{status:#}");
    assert_eq!(ok_status["last_delivery"]["outcome"], "delivered");
    assert_eq!(ok_status["last_delivery"]["status"], 200);
    let failing_status = integration(&status, "failing");
    assert_eq!(failing_status["retrying"], 1);
    assert_eq!(failing_status["failed_last_hour"], 1, "{failing_status:#}");
    assert!(failing_status["next_retry_at"].is_string());
    assert_eq!(failing_status["last_delivery"]["outcome"], "retry");
    let off_status = integration(&status, "off");
    assert_eq!(off_status["held"], 2);
    assert_eq!(off_status["hold"]["kind"], "disabled");
    assert_eq!(off_status["last_delivery"], Value::Null);
    // Held events expire by the retention setting (30 days by default): it says when.
    assert!(off_status["held_expires_at"].is_string(), "{off_status:#}");
    assert_eq!(ok_status["held_expires_at"], Value::Null);

    let total = &status["queue"]["total"];
    assert_eq!(total["held"], count(&db, "held"));
    assert_eq!(total["retrying"], count(&db, "queued"));
    assert_eq!(total["waiting"], 3);
    assert_eq!(total["delivered_last_hour"], 1);
    assert!(status["queue"]["file_bytes"].as_u64().unwrap() > 0);
    assert!(status["queue"]["free_bytes"].as_u64().unwrap() > 0);
    assert!(
        status["problems"]
            .as_array()
            .unwrap()
            .contains(&Value::from("off: 2 held (disabled)")),
        "{status:#}"
    );

    let output = cli(home.path()).arg("status").output().unwrap();
    let plain = String::from_utf8(output.stdout).unwrap();
    assert!(
        plain.contains(&format!("Worker:    running, pid {}", worker.pid())),
        "{plain}"
    );
    assert!(
        plain.contains("held events expire (dead) 30 days after they were queued: the oldest at"),
        "{plain}"
    );
    // A lock this user may not open (here: a link, which is not followed) leaves it
    // to the socket, which still answers.
    let lock = home.path().join("worker.lock");
    let link = home.path().join("worker.lock.link");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    std::fs::rename(&link, &lock).unwrap();
    let (status, _) = status_json(home.path());
    assert_eq!(status["worker"]["state"], "running", "{status:#}");
    assert_eq!(status["worker"]["pid"], worker.pid());
    worker.stop();
}

/// A token as an authorization stores it, good for an hour.
fn authorized(access: &str, refresh: Option<&str>, expires_in: time::Duration) -> Authorization {
    let now = OffsetDateTime::now_utc();
    Authorization::Authorized {
        tokens: TokenSet {
            access_token: Secret::new(access),
            refresh_token: refresh.map(Secret::new),
            expires_at: Some(now + expires_in),
            scopes: Vec::new(),
            obtained_at: now - time::Duration::hours(2),
            previous_refresh: None,
            refresh_sent_at: None,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthorized_integration_holds_its_events_until_it_is_authorized() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let server = receiver(answering(200), true).await;
    let home = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(home.path());
    let mut hook = Integration::new("oauth", server.url());
    hook.retry_interval = 1;
    hook.authentication = Authentication::OAuth(provider.settings(Style::Standards));
    add(&locations, hook);
    let worker = WorkerProcess::start(home.path(), &[]);
    let warned = send(home.path(), "oauth");
    assert!(
        warned.contains(
            "warning: oauth holds its events (waiting for authorization: not authorized \
             yet); they go out once it is authorized: hookconsole authorize oauth"
        ),
        "{warned}"
    );
    let db = locations.queue_database();
    wait_until(Duration::from_secs(10), "the event held", || {
        count(&db, "held") == 1
    })
    .await;
    // Ten retry intervals and more: before, the event died after ten attempts.
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(count(&db, "held"), 1);
    assert_eq!(count(&db, "dead"), 0);
    assert_eq!(server.requests(), 0);
    let (status, code) = status_json(home.path());
    assert_eq!(code, 1);
    let shown = integration(&status, "oauth");
    assert_eq!(shown["held"], 1, "{status:#}");
    assert_eq!(shown["hold"]["kind"], "waiting_for_authorization");
    assert_eq!(shown["authorization"]["state"], "not_authorized");

    // Authorized (here: the token stored as an authorization stores it), the worker
    // follows the token store and delivers.
    TokenStore::new(locations.tokens_file())
        .set(
            "oauth",
            authorized("access-after-grant", None, time::Duration::hours(1)),
        )
        .unwrap();
    wait_until(Duration::from_secs(10), "the delivery", || {
        count(&db, "delivered") == 1
    })
    .await;
    let heads = server.heads();
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].contains("Bearer access-after-grant"),
        "{}",
        heads[0]
    );
    let (status, code) = status_json(home.path());
    assert_eq!(code, 0, "{status:#}");
    let shown = integration(&status, "oauth");
    assert_eq!(shown["authorization"]["state"], "authorized");
    assert!(shown["authorization"]["expires_at"].is_string());
    let text = status.to_string();
    assert!(!text.contains("access-after-grant"), "no token: {text}");
    worker.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_holds_the_events_for_reauthorization() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let server = receiver(answering(200), false).await;
    let home = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(home.path());
    let mut hook = Integration::new("oauth", server.url());
    hook.retry_interval = 1;
    hook.authentication = Authentication::OAuth(provider.settings(Style::Standards));
    add(&locations, hook);
    // Expired, and a refresh token the provider never issued: invalid_grant.
    TokenStore::new(locations.tokens_file())
        .set(
            "oauth",
            authorized("old", Some("unknown-refresh"), -time::Duration::minutes(5)),
        )
        .unwrap();
    let worker = WorkerProcess::start(home.path(), &[]);
    send(home.path(), "oauth");
    let db = locations.queue_database();
    wait_until(Duration::from_secs(10), "the event held", || {
        count(&db, "held") == 1
    })
    .await;
    assert!(matches!(
        TokenStore::new(locations.tokens_file())
            .get("oauth")
            .unwrap(),
        Some(Authorization::ReauthorizationNeeded { .. })
    ));
    let (status, _) = status_json(home.path());
    let shown = integration(&status, "oauth");
    assert_eq!(shown["hold"]["kind"], "waiting_for_authorization");
    assert_eq!(
        shown["hold"]["reason"],
        "waiting for authorization: the provider refused the refresh token"
    );
    assert_eq!(shown["authorization"]["state"], "reauthorization_needed");
    assert_eq!(count(&db, "dead"), 0);
    assert_eq!(server.requests(), 0);
    worker.stop();
}

/// A damaged queue file: status still says what it can (the worker, each integration
/// with its hold), the queue as UNREADABLE with why and what to do, counts as unknown
/// rather than none, and exits 1 with the reason among its problems.
#[test]
fn a_damaged_queue_leaves_the_rest_of_the_status_said() {
    let home = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(home.path());
    let mut disabled = Integration::new("hook", "http://127.0.0.1:9/never");
    disabled.enabled = false;
    add(&locations, disabled);
    std::fs::write(locations.queue_database(), [0x5a_u8; 4096]).unwrap();

    let output = cli(home.path()).arg("status").output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("Worker:    NOT RUNNING"), "{stdout}");
    assert!(
        stdout.contains("Queue:     UNREADABLE: the delivery queue")
            && stdout.contains("file is not a database"),
        "{stdout}"
    );
    let row = stdout
        .lines()
        .find(|line| line.starts_with("hook "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains('?') && !row.contains(" 0 "), "{row}");
    assert!(stdout.contains("  held: "), "{stdout}");
    assert!(stderr.contains("file is not a database"), "{stderr}");

    let (status, code) = status_json(home.path());
    assert_eq!(code, 1);
    assert_eq!(status["worker"]["state"], "stopped");
    let unreadable = status["queue"]["unreadable"].as_str().unwrap();
    assert!(
        unreadable.contains("file is not a database"),
        "{unreadable}"
    );
    assert_eq!(integration(&status, "hook")["hold"]["kind"], "disabled");
    let problems = status["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().unwrap().contains("file is not a database")),
        "{problems:?}"
    );
    // Nothing was written over the damaged file.
    assert_eq!(
        std::fs::read(locations.queue_database()).unwrap(),
        vec![0x5a_u8; 4096]
    );
}
