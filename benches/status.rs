//! `hookconsole status` gathering (`cargo bench --bench status`), printed as the lines
//! BENCHMARKS.md quotes: `Home::status` with 100 integrations and 1,000,000 logged
//! attempts, 2,000 jobs waiting (a tenth of the integrations disabled, their jobs
//! held), in two logs: attempts spread over the 30 days of retention, and the same
//! million all made in the last hour (the worst case: the hour's counts read it all).
//! Then the whole command, `hookconsole status --json`, process start included.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use std::time::{Duration, Instant};

use hookconsole::home::Home;
use hookconsole::model::Integration;
use hookconsole::store::queue::{
    AttemptOutcome, AttemptRecord, JobState, JobUpdate, NewEvent, now_ms,
};
use hookconsole::store::{IntegrationStore, Locations, Queue};

const INTEGRATIONS: usize = 100;
const LOG_ROWS: usize = 1_000_000;
const WAITING: usize = 2_000;
const RUNS: usize = 20;

fn main() {
    let day_ms = 86_400_000;
    for (label, span_ms) in [
        ("attempts over 30 days", 30 * day_ms),
        ("all in the last hour", 3_600_000 - 60_000),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let locations = Locations::in_home(dir.path());
        integrations(&locations);
        fill(&locations, span_ms);
        waiting_jobs(&locations);
        let home = || Home::new(&locations);
        let first = home().status().unwrap();
        assert_eq!(first.integrations.len(), INTEGRATIONS);
        assert_eq!(first.queue.total.waiting, WAITING as u64);
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                home().status().unwrap();
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "status of {INTEGRATIONS} integrations, {LOG_ROWS} attempts ({label}): \
             median {:.1} ms, max {:.1} ms ({RUNS} runs; {} delivered in the last hour)",
            ms(times[RUNS / 2]),
            ms(times[RUNS - 1]),
            first.queue.total.delivered_last_hour,
        );
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hookconsole"));
        command
            .arg("--home")
            .arg(dir.path())
            .args(["status", "--json"]);
        let mut whole: Vec<Duration> = (0..5)
            .map(|_| {
                let started = Instant::now();
                let output = command.output().unwrap();
                assert!(!output.stdout.is_empty());
                started.elapsed()
            })
            .collect();
        whole.sort();
        println!(
            "  hookconsole status --json, the whole process: median {:.1} ms (5 runs)",
            ms(whole[2])
        );
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn name(n: usize) -> String {
    format!("hook-{}", n % INTEGRATIONS)
}

/// 100 integrations, every tenth disabled.
fn integrations(locations: &Locations) {
    let store = IntegrationStore::new(locations.integrations_file());
    for n in 0..INTEGRATIONS {
        let mut integration = Integration::new(name(n), "https://r.example/hook");
        integration.enabled = n % 10 != 0;
        store.put(None, integration).unwrap();
    }
}

/// A million attempts, one per job, made over `span_ms` up to now: most delivered, one
/// in fifty to retry, one in a hundred dead.
fn fill(locations: &Locations, span_ms: i64) {
    let mut queue = Queue::open(&locations.queue_database()).unwrap();
    let started = Instant::now();
    let first_ms = now_ms() - span_ms;
    let batch = 10_000;
    for chunk in 0..LOG_ROWS / batch {
        let updates: Vec<JobUpdate> = (0..batch)
            .map(|i| {
                let n = chunk * batch + i;
                let at_ms = first_ms + (span_ms as f64 * n as f64 / LOG_ROWS as f64) as i64;
                attempt(n, at_ms)
            })
            .collect();
        queue.apply(&updates).unwrap();
    }
    println!(
        "(filled {LOG_ROWS} attempts in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

fn attempt(n: usize, at_ms: i64) -> JobUpdate {
    use AttemptOutcome::{Dead, Delivered, Retry};
    let outcome = match n % 100 {
        0 => Dead,
        1 | 2 => Retry,
        _ => Delivered,
    };
    JobUpdate::Finished {
        job_id: n as i64,
        attempts: 1,
        state: JobState::Delivered,
        next_attempt_ms: 0,
        records: vec![AttemptRecord {
            job_id: n as i64,
            event_id: format!("evt_{n:012x}"),
            integration: name(n),
            event_type: "finding.new".into(),
            at_ms,
            attempt: 1,
            max_attempts: 10,
            outcome,
            error_class: (outcome != Delivered).then(|| "server_error".into()),
            status: Some(if outcome == Delivered { 200 } else { 503 }),
            duration_ms: 12,
            next_retry_ms: None,
            summary: "200 OK".into(),
            request:
                r#"{"method":"POST","url":"https://r.example/hook","headers":[],"body_bytes":120}"#
                    .into(),
            response: Some(r#"{"status":200,"headers":[],"body":"ok"}"#.into()),
        }],
    }
}

/// Jobs that wait, spread over the integrations; those of the disabled ones held.
fn waiting_jobs(locations: &Locations) {
    let mut queue = Queue::open(&locations.queue_database()).unwrap();
    let events: Vec<NewEvent> = (0..WAITING)
        .map(|n| NewEvent {
            id: None,
            integration: name(n),
            event_type: "finding.new".into(),
            payload: "{}".into(),
            fingerprint: None,
        })
        .collect();
    queue.enqueue(&events).unwrap();
    let disabled: Vec<String> = (0..INTEGRATIONS).step_by(10).map(name).collect();
    queue.hold_disabled(&disabled).unwrap();
}
