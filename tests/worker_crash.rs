//! At least once, under SIGKILL: a worker child process (the real binary) delivering
//! 5,000 events is killed at random moments (each time the receiver has seen another
//! few hundred events); a new one starts at once and takes over. In the end every
//! event has been delivered (the receiver counts distinct `Webhook-Id`s) and no job is
//! left behind; duplicates are allowed only for attempts in flight at a kill.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use hookconsole::model::Integration;
use hookconsole::store::queue::NewEvent;
use hookconsole::store::{IntegrationStore, Locations, Queue};
use support::{always, receiver};

const EVENTS: usize = 5_000;
const BUDGET: Duration = Duration::from_secs(50);

fn worker(home: &std::path::Path) -> Child {
    support::hookconsole(home)
        .arg("worker")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_delivered_across_kills() {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let server = receiver(always(200), false).await;
    let mut integration = Integration::new("crash", server.url());
    integration.retry_interval = 1;
    IntegrationStore::new(locations.integrations_file())
        .put(None, integration)
        .unwrap();
    let events: Vec<NewEvent> = (0..EVENTS)
        .map(|n| NewEvent {
            id: None,
            integration: "crash".into(),
            event_type: "finding.new".into(),
            payload: format!(r#"{{"n":{n}}}"#),
            fingerprint: None,
        })
        .collect();
    let ids = Queue::open(&locations.queue_database())
        .unwrap()
        .enqueue(&events)
        .unwrap();
    assert_eq!(ids.len(), EVENTS);

    let started = Instant::now();
    let mut kills = 0;
    let mut child = worker(dir.path());
    while server.distinct() < EVENTS {
        assert!(
            started.elapsed() < BUDGET,
            "only {} of {EVENTS} delivered",
            server.distinct()
        );
        let target = server.distinct() + 200 + fastrand::usize(..400);
        while server.distinct() < target.min(EVENTS) && started.elapsed() < BUDGET {
            tokio::time::sleep(Duration::from_millis(fastrand::u64(1..15))).await;
        }
        if server.distinct() < EVENTS {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
            child = worker(dir.path());
        }
    }
    // Let the last worker record its attempts, then stop it politely.
    let db = locations.queue_database();
    let settled = Instant::now();
    loop {
        let counts = Queue::open(&db).unwrap().counts().unwrap();
        let delivered = counts
            .iter()
            .find(|(s, _)| s == "delivered")
            .map(|(_, n)| *n)
            .unwrap_or(0);
        if delivered == EVENTS as i64 {
            break;
        }
        assert!(
            settled.elapsed() < Duration::from_secs(10),
            "jobs left unsettled: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SIGTERM: the polite stop systemd sends.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "worker exit {status:?}");
    // A polite stop leaves the database file whole: the writer and its checkpointer
    // end before the process does, and the last connection's close removes the WAL.
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    assert!(
        !std::path::Path::new(&wal).exists(),
        "the WAL was left behind"
    );
    assert!(kills >= 3, "only {kills} kills");
    assert_eq!(server.distinct(), EVENTS);
    let duplicates = server.requests() - EVENTS;
    eprintln!("{kills} kills, {duplicates} duplicate deliveries");
}
