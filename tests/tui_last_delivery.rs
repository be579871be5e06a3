#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

//! The list's last column after a restart (issue 16 item 2): the last attempt in the
//! delivery log, not only VERIFY results since the console was opened.

mod tui_support;

use std::path::PathBuf;

use hookconsole::store::Locations;
use hookconsole::store::queue::{AttemptOutcome, AttemptRecord, JobState, JobUpdate, Queue};
use hookconsole::tui::{App, AppPaths, Effect, Profile, StoreWork};
use tui_support::{Harness, sample_integrations};

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
