#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

//! The list and the deliveries (issue 16 item 2): its last column after a restart is
//! the last attempt in the delivery log, not only VERIFY results since the console was
//! opened; its frame says whether the worker runs (and how to start it) and how many
//! events wait, and each row how many of its own.

mod tui_support;

use std::path::PathBuf;

use crossterm::event::KeyCode;
use hookconsole::delivery::worker::{self, WorkerOptions};
use hookconsole::store::Locations;
use hookconsole::store::queue::NewEvent;
use hookconsole::store::queue::{AttemptOutcome, AttemptRecord, JobState, JobUpdate, Queue};
use hookconsole::tui::{App, AppPaths, Effect, KeyContext, Message, Profile, Screen, StoreWork};
use tui_support::{Harness, sample_integrations, webhook};

/// 2026-12-05 07:40 UTC.
const AT_MS: i64 = 1_796_456_400_000;

fn logged(job_id: i64, integration: &str, outcome: AttemptOutcome, status: u16) -> JobUpdate {
    JobUpdate::Finished {
        job_id,
        attempts: 1,
        state: JobState::Delivered,
        next_attempt_ms: 0,
        records: vec![AttemptRecord {
            job_id,
            event_id: format!("evt_{job_id}"),
            integration: integration.into(),
            event_type: "finding.new".into(),
            at_ms: AT_MS + job_id * 60_000,
            attempt: 1,
            max_attempts: 10,
            outcome,
            error_class: None,
            status: Some(status),
            duration_ms: 12,
            next_retry_ms: None,
            summary: format!("{status}"),
            request: "{}".into(),
            response: None,
        }],
    }
}

/// The console started again on the harness's home.
fn restart(harness: &mut Harness) {
    let paths = AppPaths {
        integrations_file: PathBuf::from("/var/lib/hookconsole/integrations.yaml"),
        log_file: PathBuf::from("/var/lib/hookconsole/logs/hookconsole.log"),
    };
    let (app, effects) = App::new(Profile::RICH, paths);
    harness.app = app;
    let effects = effects
        .into_iter()
        .filter(|effect| *effect != Effect::Store(StoreWork::FindAppliance))
        .collect();
    harness.run(effects);
}

fn line_of<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|line| line.contains(name))
        .unwrap_or_else(|| panic!("no {name} on\n{screen}"))
}

/// The row's last cell is `-`.
fn shows_nothing_last(line: &str) -> bool {
    line.trim_end_matches(['│', ' ']).ends_with(" -")
}

#[test]
fn the_list_shows_the_last_delivery_from_the_log_after_a_restart() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    let screen = harness.screen(120, 40);
    assert!(
        shows_nothing_last(line_of(&screen, "Ticketing")),
        "{screen}"
    );

    let locations = Locations::in_home(harness.home.path());
    let mut queue = Queue::open(&locations.queue_database()).unwrap();
    queue
        .apply(&[
            logged(1, "Ticketing", AttemptOutcome::Retry, 503),
            logged(2, "Ticketing", AttemptOutcome::Delivered, 200),
            logged(3, "Teams alerts", AttemptOutcome::Dead, 404),
        ])
        .unwrap();
    restart(&mut harness);

    let screen = harness.screen(120, 40);
    let ticketing = line_of(&screen, "Ticketing");
    assert!(
        ticketing.contains("DELIVERED 200 2026-12-05 07:42 UTC"),
        "the last of its attempts: {screen}"
    );
    assert!(
        line_of(&screen, "Teams alerts").contains("DEAD 404 2026-12-05 07:43 UTC"),
        "{screen}"
    );
    assert!(
        shows_nothing_last(line_of(&screen, "Jira Cloud")),
        "nothing logged: {screen}"
    );
    let narrow = harness.screen(80, 24);
    assert!(
        line_of(&narrow, "Ticketing").contains("DELIVERED"),
        "{narrow}"
    );
}

fn deliveries_changed(harness: &mut Harness) {
    let effects = harness.app.handle_message(Message::DeliveriesChanged);
    harness.run(effects);
}

#[test]
fn the_list_says_whether_the_worker_runs_and_what_waits() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    let screen = harness.screen(80, 24);
    assert!(
        title_of(&screen).contains("worker NOT RUNNING, 0 waiting"),
        "{screen}"
    );
    assert_eq!(
        screen.matches("NOT RUNNING").count(),
        1,
        "said once, on the title line, not again in the list's border: {screen}"
    );
    let wide = harness.screen(120, 40);
    assert!(
        title_of(&wide).contains("worker NOT RUNNING, 0 waiting: start it with hookconsole --home"),
        "where there is room, how to start it: {wide}"
    );

    // Two events for the disabled one, one for Ticketing, queued by another process.
    let locations = Locations::in_home(harness.home.path());
    let event = |integration: &str| NewEvent {
        id: None,
        integration: integration.into(),
        event_type: "finding.new".into(),
        payload: "{}".into(),
        fingerprint: None,
    };
    Queue::open(&locations.queue_database())
        .unwrap()
        .enqueue(&[
            event("Teams alerts"),
            event("Teams alerts"),
            event("Ticketing"),
        ])
        .unwrap();
    deliveries_changed(&mut harness);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("worker NOT RUNNING, 3 waiting"), "{screen}");
    let waiting_of = |screen: &str, name: &str| {
        let line = line_of(screen, name)
            .trim_end_matches(['│', ' '])
            .to_string();
        line.split_whitespace().rev().nth(1).unwrap().to_string()
    };
    assert_eq!(waiting_of(&screen, "Teams alerts"), "2", "{screen}");
    assert_eq!(waiting_of(&screen, "Ticketing"), "1", "{screen}");
    assert_eq!(waiting_of(&screen, "Jira Cloud"), "-", "{screen}");

    // A worker starts: it holds the disabled one's events, and Ticketing's fails for
    // good (a Basic password over plain HTTP is refused), which the row shows.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let running = {
        let (locations, stop) = (locations.clone(), stop.clone());
        runtime.spawn(async move { worker::run(&locations, WorkerOptions::default(), stop).await })
    };
    let started = std::time::Instant::now();
    loop {
        deliveries_changed(&mut harness);
        let screen = harness.screen(80, 24);
        if screen.contains("worker running, 2 waiting (2 held)")
            && line_of(&screen, "Ticketing").contains("DEAD")
        {
            assert_eq!(waiting_of(&screen, "Teams alerts"), "2", "{screen}");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    stop.cancel();
    runtime.block_on(running).unwrap().unwrap();
}

/// Queues one event for `integration` (by a name only the queue may know).
fn queue_one(locations: &Locations, integration: &str) {
    Queue::open(&locations.queue_database())
        .unwrap()
        .enqueue(&[NewEvent {
            id: None,
            integration: integration.into(),
            event_type: "finding.new".into(),
            payload: "{}".into(),
            fingerprint: None,
        }])
        .unwrap();
}

#[test]
fn status_from_the_list_shows_what_hookconsole_status_says_and_follows_the_queue() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("w");
    assert!(matches!(harness.app.screen, Screen::Status(_)));
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("STATUS (as hookconsole status)"),
        "{screen}"
    );
    assert!(screen.contains("Worker    NOT RUNNING"), "{screen}");
    assert!(screen.contains("start it: hookconsole --home"), "{screen}");
    // Sizes in the words `status` uses (`12.3 MiB`, `40.1 GiB`).
    let sizes = screen
        .lines()
        .find(|line| line.contains("in the queue file"))
        .unwrap_or_default();
    assert!(
        sizes.contains(" B in the queue file") || sizes.contains("iB in the queue file"),
        "{screen}"
    );
    assert!(sizes.contains("iB free"), "{screen}");
    assert!(
        screen.contains("Jira Cloud: 0 waiting (0 held, 0 retrying), 0 dead"),
        "{screen}"
    );
    assert!(
        screen.contains("held: disabled"),
        "Teams alerts is disabled: {screen}"
    );
    assert!(screen.contains("authorization: not authorized"), "{screen}");
    assert!(
        screen.contains("last hour 0 delivered, 0 failed; last delivery none"),
        "{screen}"
    );

    // Events queued meanwhile: the view reads the status again when the queue changes.
    let locations = Locations::in_home(harness.home.path());
    queue_one(&locations, "Teams alerts");
    deliveries_changed(&mut harness);
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Teams alerts: 1 waiting (1 held, 0 retrying)"),
        "{screen}"
    );
    assert!(
        screen.contains("Teams alerts: 1 held (disabled)"),
        "{screen}"
    );
    // Events of a name no integration has any more: said as `status` says it.
    queue_one(&locations, "Gone");
    deliveries_changed(&mut harness);
    let screen = harness.screen(100, 40);
    assert!(
        screen.contains("removed: its events wait for no integration"),
        "{screen}"
    );
    assert!(screen.contains("held events expire (dead)"), "{screen}");
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::List));
}

#[test]
fn status_keys_are_in_its_help() {
    let many: Vec<_> = (0..20)
        .map(|n| webhook(&format!("hook {n:02}"), "https://hooks.example.com/x"))
        .collect();
    let opened = || {
        let mut harness = Harness::new(Profile::RICH, &many);
        harness.keys("w");
        harness.screen(80, 24);
        harness
    };
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::Status,
        &[&opened, &|| {
            let mut harness = opened();
            harness.press(KeyCode::Down);
            harness
        }],
    );
}

/// The first line of the screen: the title, with the deliveries' state on its right.
fn title_of(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

/// The keys that open a view from the list, and how to go back.
const VIEWS: [(&str, &str); 5] = [
    ("editor", "\n"),
    ("LOGS", "L"),
    ("STATUS", "w"),
    ("APPLIANCE SETTINGS", "S"),
    ("help", "?"),
];

#[test]
fn every_view_says_whether_the_worker_runs_and_what_waits_in_every_profile() {
    for profile in [Profile::RICH, Profile::CONSOLE, Profile::ASCII] {
        let mut harness = Harness::new(profile, &sample_integrations());
        let home = harness.home.path().display().to_string();
        for (view, keys) in VIEWS {
            if keys == "\n" {
                harness.press(KeyCode::Enter);
            } else {
                harness.keys(keys);
            }
            let screen = harness.screen(80, 24);
            assert!(
                title_of(&screen).ends_with(&format!(
                    "worker NOT RUNNING, 0 waiting: hookconsole --home {home} worker "
                )),
                "{view} at 80x24 says how to start the worker: {screen}"
            );
            let wide = harness.screen(120, 40);
            assert!(
                title_of(&wide).starts_with(" hookconsole ")
                    && title_of(&wide).contains("worker NOT RUNNING, 0 waiting: start it with"),
                "{view} at 120x40: {wide}"
            );
            harness.press(KeyCode::Esc);
            assert!(
                matches!(harness.app.screen, Screen::List),
                "{view} closes with Esc"
            );
        }
    }
}

#[test]
fn the_status_line_follows_the_queue_and_the_worker_on_other_views() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("L");
    assert!(matches!(harness.app.screen, Screen::Logs(_)));
    let screen = harness.screen(80, 24);
    assert!(
        title_of(&screen).contains("worker NOT RUNNING, 0 waiting"),
        "{screen}"
    );

    let locations = Locations::in_home(harness.home.path());
    let event = NewEvent {
        id: None,
        integration: "Teams alerts".into(),
        event_type: "finding.new".into(),
        payload: "{}".into(),
        fingerprint: None,
    };
    Queue::open(&locations.queue_database())
        .unwrap()
        .enqueue(&[event.clone(), event])
        .unwrap();
    deliveries_changed(&mut harness);
    let screen = harness.screen(80, 24);
    assert!(
        title_of(&screen).contains("worker NOT RUNNING, 2 waiting: hookconsole --home"),
        "LOGS sees the queue change: {screen}"
    );

    // A worker starts while the editor is open: it holds the disabled one's events.
    harness.press(KeyCode::Esc);
    harness.press(KeyCode::Enter);
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let running = {
        let (locations, stop) = (locations.clone(), stop.clone());
        runtime.spawn(async move { worker::run(&locations, WorkerOptions::default(), stop).await })
    };
    let started = std::time::Instant::now();
    loop {
        deliveries_changed(&mut harness);
        let screen = harness.screen(80, 24);
        if title_of(&screen).ends_with(" worker running, 2 waiting (2 held) ") {
            assert!(
                title_of(&screen).starts_with(" hookconsole │ webhook integrations "),
                "a running worker leaves room for the title: {screen}"
            );
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    stop.cancel();
    runtime.block_on(running).unwrap().unwrap();
}

#[test]
fn a_damaged_queue_is_said_on_the_title_line_and_status_says_it_whole() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    let locations = Locations::in_home(harness.home.path());
    let queue = locations.queue_database();
    for companion in ["-wal", "-shm"] {
        let mut name = queue.clone().into_os_string();
        name.push(companion);
        let _ = std::fs::remove_file(name);
    }
    std::fs::write(&queue, [0x5a_u8; 4096]).unwrap();
    deliveries_changed(&mut harness);
    let screen = harness.screen(80, 24);
    assert!(
        title_of(&screen).contains("delivery queue UNREADABLE: see STATUS (w on the list)"),
        "not silence, as if nothing were known: {screen}"
    );
    assert!(
        title_of(&screen).contains("worker NOT RUNNING, delivery queue UNREADABLE"),
        "the worker's state is known all the same: {screen}"
    );
    harness.keys("w");
    let screen = harness.screen(80, 24);
    let text: String = screen
        .lines()
        .map(|line| line.trim_matches(['│', ' ']))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("file is not a database"), "{screen}");
    assert!(
        text.contains("what waited and was logged stays in the moved file)"),
        "the advice whole, in lines, not cut at the edge: {screen}"
    );
    // What can still be said is said: the worker first, the integrations below.
    assert!(text.contains("Worker"), "{screen}");
    assert!(text.contains("Queue     UNREADABLE"), "{screen}");
    harness.keys("G");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("queue unreadable"), "{screen}");
    assert!(
        !screen.contains("0 waiting"),
        "no counts that read as none: {screen}"
    );
}
