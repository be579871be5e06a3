//! LOGS from the TUI: `L`/`l` on the list open the delivery log, read from a real
//! SQLite queue in the harness's home: the table, paging, filters, the detail pane
//! (redacted), replay (a new job) and live updates on the clock's tick.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;
mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::store::queue::{AttemptOutcome, AttemptRecord, JobState, JobUpdate, NewEvent};
use hookconsole::store::{Locations, Queue};
use hookconsole::tui::{Message, Profile, Screen};
use tui_support::{Harness, webhook};

/// 2026-12-09 12:00:00 UTC.
const NOON: i64 = 1_796_817_600_000;

fn queue(harness: &Harness) -> Queue {
    Queue::open(&Locations::in_home(harness.home.path()).queue_database()).unwrap()
}

/// Queues `count` new events for `integration` and claims them.
fn queue_and_claim(
    queue: &mut Queue,
    integration: &str,
    count: usize,
) -> Vec<hookconsole::store::queue::ClaimedJob> {
    let events: Vec<NewEvent> = (0..count)
        .map(|_| NewEvent {
            id: None,
            integration: integration.into(),
            event_type: "scan.finished".into(),
            payload: "{\"findings\": 3}".into(),
            fingerprint: None,
        })
        .collect();
    queue.enqueue(&events).unwrap();
    queue.claim("test", count, 60_000).unwrap()
}

/// Queues `count` events for `integration` and logs one attempt of each: delivered,
/// or failed (503, retried) when `failed`. Returns the event ids.
fn deliver(harness: &Harness, integration: &str, count: usize, failed: bool) -> Vec<String> {
    let mut queue = queue(harness);
    let claimed = queue_and_claim(&mut queue, integration, count);
    let ids = claimed.iter().map(|job| job.event_id.clone()).collect();
    let updates: Vec<JobUpdate> = claimed
        .into_iter()
        .enumerate()
        .map(|(index, job)| {
            let request = serde_json::json!({
                "method": "POST",
                "url": "https://receiver.example/hook",
                // As the worker writes them: in the order sent, secrets masked.
                "headers": [
                    {"name": "User-Agent", "value": "hookconsole/0.1.0"},
                    {"name": "Content-Type", "value": "application/json"},
                    {"name": "Authorization", "value": "Bearer ***"},
                    {"name": "Webhook-Id", "value": job.event_id},
                    {"name": "Webhook-Timestamp", "value": "1796817600"},
                ],
                "body_bytes": 15,
            });
            let (outcome, class, status, state, next) = if failed {
                (
                    "retry",
                    Some("http_5xx".to_string()),
                    503,
                    JobState::Queued,
                    Some(NOON + 60_000),
                )
            } else {
                ("delivered", None, 200, JobState::Delivered, None)
            };
            JobUpdate::Finished {
                job_id: job.job_id,
                attempts: 1,
                state,
                next_attempt_ms: next.unwrap_or(0),
                records: vec![AttemptRecord {
                    job_id: job.job_id,
                    event_id: job.event_id.clone(),
                    integration: job.integration.clone(),
                    event_type: job.event_type.clone(),
                    at_ms: NOON + index as i64 * 1000,
                    attempt: 1,
                    max_attempts: 10,
                    outcome: AttemptOutcome::from_word(outcome).unwrap(),
                    error_class: class,
                    status: Some(status),
                    duration_ms: 12,
                    next_retry_ms: next,
                    summary: if failed {
                        // As the worker writes a refusal: status, then the body's start.
                        "503 Service Unavailable: {\"error\": \"the receiver is restarting, try again in a minute\"}".into()
                    } else {
                        format!("{status}")
                    },
                    request: request.to_string(),
                    response: Some(
                        serde_json::json!({
                            "status": status,
                            "reason": "",
                            "headers": [
                                {"name": "content-type", "value": "text/plain"},
                                {"name": "date", "value": "Wed, 09 Dec 2026 12:00:00 GMT"},
                            ],
                            "body": "receiver says hi",
                            "body_bytes": 16,
                            "body_truncated": false,
                        })
                        .to_string(),
                    ),
                }],
            }
        })
        .collect();
    queue.apply(&updates).unwrap();
    ids
}

fn harness() -> Harness {
    Harness::new(
        Profile::RICH,
        &[
            webhook("Alpha", "https://alpha.example/hook"),
            webhook("Beta", "https://beta.example/hook"),
        ],
    )
}

fn logs(harness: &Harness) -> &hookconsole::tui::LogsView {
    match &harness.app.screen {
        Screen::Logs(view) => view,
        other => panic!("not on LOGS: {other:?}"),
    }
}

#[test]
fn empty_log_explains_how_events_get_there_and_esc_goes_back() {
    let mut harness = harness();
    harness.keys("L");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("LOGS all integrations"), "{screen}");
    assert!(screen.contains("No deliveries logged yet"), "{screen}");
    assert!(
        screen.contains("hookconsole send NAME --event TYPE"),
        "{screen}"
    );
    assert!(screen.contains("Enter detail"), "{screen}");
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::List));
    harness.keys("Lq");
    assert!(matches!(harness.app.screen, Screen::List));
    assert!(!harness.quit);
}

#[test]
fn the_table_shows_attempts_newest_first_and_l_keeps_to_one_integration() {
    let mut harness = harness();
    let alpha = deliver(&harness, "Alpha", 2, false);
    let beta = deliver(&harness, "Beta", 1, true);
    harness.keys("L");
    assert_eq!(logs(&harness).rows().len(), 3);
    let screen = harness.screen(80, 24);
    assert!(screen.contains(&alpha[0][24..]), "{screen}");
    assert!(screen.contains(&beta[0][24..]), "{screen}");
    assert!(screen.contains("retry http_5xx"), "{screen}");
    assert!(screen.contains("delivered"), "{screen}");
    assert!(screen.contains("12:00:00"), "times in UTC: {screen}");
    let wide = harness.screen(120, 40);
    assert!(wide.contains("scan.finished"), "{wide}");
    assert!(wide.contains("12:01:00"), "next retry: {wide}");
    // Newest first: Beta's attempt was logged last.
    assert_eq!(logs(&harness).rows()[0].integration, "Beta");
    harness.press(KeyCode::Esc);
    // The list is sorted by name: Alpha is selected.
    harness.keys("l");
    let view = logs(&harness);
    assert_eq!(view.integration(), Some("Alpha"));
    assert_eq!(view.rows().len(), 2);
    assert!(harness.screen(80, 24).contains("LOGS Alpha"));
}

#[test]
fn outcome_and_text_filters() {
    let mut harness = harness();
    let alpha = deliver(&harness, "Alpha", 3, false);
    deliver(&harness, "Beta", 2, true);
    harness.keys("L");
    assert_eq!(logs(&harness).rows().len(), 5);
    harness.keys("f");
    assert!(logs(&harness).rows().iter().all(|r| r.outcome == "retry"));
    assert_eq!(logs(&harness).rows().len(), 2);
    harness.keys("f");
    assert_eq!(logs(&harness).rows().len(), 3);
    assert!(harness.screen(80, 24).contains("(delivered)"));
    harness.keys("f");
    assert_eq!(logs(&harness).rows().len(), 5);
    // The text filter: typed, applied with Enter.
    harness.keys("/");
    harness.keys(&alpha[1]);
    assert_eq!(logs(&harness).rows().len(), 5, "not applied while typing");
    harness.press(KeyCode::Enter);
    assert_eq!(logs(&harness).rows().len(), 1);
    assert_eq!(logs(&harness).rows()[0].event_id, alpha[1]);
    harness.keys("/");
    harness.replace("beta");
    harness.press(KeyCode::Enter);
    assert_eq!(
        logs(&harness).rows().len(),
        2,
        "the text replaces the old one"
    );
    harness.keys("/");
    harness.press(KeyCode::Esc);
    assert_eq!(logs(&harness).rows().len(), 5, "Esc clears the text");
    harness.keys("/");
    harness.replace("nothing-like-this");
    harness.press(KeyCode::Enter);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("No attempt matches"), "{screen}");
}

#[test]
fn detail_shows_the_redacted_request_and_the_response() {
    let mut harness = harness();
    let ids = deliver(&harness, "Alpha", 1, false);
    harness.keys("L");
    harness.press(KeyCode::Enter);
    let screen = harness.screen(120, 40);
    assert!(screen.contains(&ids[0]), "{screen}");
    // As HTTP messages read: request line, headers; status line, headers, body.
    assert!(
        screen.contains("POST https://receiver.example/hook"),
        "{screen}"
    );
    assert!(screen.contains("Authorization: Bearer ***"), "{screen}");
    assert!(screen.contains("HTTP 200"), "{screen}");
    assert!(screen.contains("content-type: text/plain"), "{screen}");
    assert!(screen.contains("receiver says hi"), "{screen}");
    assert!(screen.contains("Esc close"), "{screen}");
    harness.press_n(KeyCode::Down, 3);
    harness.press(KeyCode::Esc);
    assert!(logs(&harness).detail().is_none());
    assert!(matches!(harness.app.screen, Screen::Logs(_)));
}

#[test]
fn a_long_summary_goes_on_under_itself_at_80_columns() {
    let mut harness = harness();
    deliver(&harness, "Alpha", 1, true);
    harness.keys("L");
    harness.press(KeyCode::Enter);
    let screen = harness.screen(80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    let first = lines
        .iter()
        .position(|line| line.contains("Summary     503 Service Unavailable:"))
        .unwrap_or_else(|| panic!("{screen}"));
    // The rest of it starts in the value column, not under the labels.
    let next = lines[first + 1];
    assert!(
        next.starts_with(&format!("│{}", " ".repeat(12))),
        "{screen}"
    );
    assert!(next.contains("try again in a minute\"}"), "{screen}");
}

#[test]
fn detail_of_a_real_worker_delivery_holds_no_secret() {
    use hookconsole::delivery::worker::{self, WorkerOptions};
    use hookconsole::model::{Authentication, Header, Secret};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Echo answers with the request head: the receiver repeats every secret.
    let server = runtime.block_on(support::http_server(support::Behaviour::Echo));
    let mut integration = webhook("Secret", &server.url("/hook"));
    integration.authentication = Authentication::Basic {
        username: "user".into(),
        password: Secret::new("pass-w0rd-77"),
    };
    integration.http_headers = vec![Header::new("X-Api-Key", "key-4242-secret")];
    let mut harness = Harness::new(Profile::RICH, &[integration]);
    let ids = queue(&harness)
        .enqueue(&[NewEvent {
            id: None,
            integration: "Secret".into(),
            event_type: "scan.finished".into(),
            payload: "{}".into(),
            fingerprint: None,
        }])
        .unwrap();
    let locations = Locations::in_home(harness.home.path());
    let db = locations.queue_database();
    runtime.block_on(async {
        let stop = tokio_util::sync::CancellationToken::new();
        let options = WorkerOptions {
            poll: std::time::Duration::from_millis(20),
            grace: std::time::Duration::from_secs(2),
            socket: false,
            ..WorkerOptions::default()
        };
        let token = stop.clone();
        let task = tokio::spawn(async move {
            worker::run(&locations, options, token).await.unwrap();
        });
        let started = std::time::Instant::now();
        while Queue::open(&db).unwrap().last_attempt_id().unwrap() == 0 {
            assert!(started.elapsed().as_secs() < 10, "no attempt logged");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        stop.cancel();
        task.await.unwrap();
    });
    harness.keys("L");
    assert!(harness.screen(80, 24).contains("delivered"));
    harness.press(KeyCode::Enter);
    let mut screen = String::new();
    for _ in 0..6 {
        screen.push_str(&harness.screen(120, 40));
        harness.press(KeyCode::PageDown);
    }
    assert!(screen.contains(&ids[0].id), "{screen}");
    assert!(screen.to_lowercase().contains("x-api-key"), "{screen}");
    for secret in [
        "pass-w0rd-77",
        "key-4242-secret",
        "dXNlcjpwYXNzLXcwcmQtNzc=",
    ] {
        assert!(!screen.contains(secret), "{secret} on screen: {screen}");
    }
}

#[test]
fn detail_of_a_signed_delivery_shows_each_signature_of_a_rotation_and_no_secret() {
    use hookconsole::delivery::worker::{self, WorkerOptions};
    use hookconsole::model::{RetiringSecret, Secret, Signing};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(support::http_server(support::Behaviour::Answer(
        200,
        Vec::new(),
        "ok".into(),
    )));
    let mut integration = webhook("Signed", &server.url("/hook"));
    integration.signing = Some(Signing {
        secret: Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
        previous: Some(RetiringSecret {
            secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            until: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        }),
    });
    let mut harness = Harness::new(Profile::RICH, &[integration]);
    queue(&harness)
        .enqueue(&[NewEvent {
            id: None,
            integration: "Signed".into(),
            event_type: "scan.finished".into(),
            payload: "{}".into(),
            fingerprint: None,
        }])
        .unwrap();
    let locations = Locations::in_home(harness.home.path());
    let db = locations.queue_database();
    runtime.block_on(async {
        let stop = tokio_util::sync::CancellationToken::new();
        let options = WorkerOptions {
            poll: std::time::Duration::from_millis(20),
            grace: std::time::Duration::from_secs(2),
            socket: false,
            ..WorkerOptions::default()
        };
        let token = stop.clone();
        let task = tokio::spawn(async move {
            worker::run(&locations, options, token).await.unwrap();
        });
        let started = std::time::Instant::now();
        while Queue::open(&db).unwrap().last_attempt_id().unwrap() == 0 {
            assert!(started.elapsed().as_secs() < 10, "no attempt logged");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        stop.cancel();
        task.await.unwrap();
    });
    let received = server.received();
    let sent = received[0].header("webhook-signature").unwrap().to_string();
    let signatures: Vec<&str> = sent.split(' ').collect();
    assert_eq!(signatures.len(), 2, "{sent}");
    harness.keys("L");
    harness.press(KeyCode::Enter);
    let mut screen = String::new();
    for _ in 0..4 {
        screen.push_str(&harness.screen(80, 24));
        harness.press(KeyCode::PageDown);
    }
    // One signature a line, whole, the second under the first, at 80 columns.
    let first = format!("Webhook-Signature: {}", signatures[0]);
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.contains(&first))
        .unwrap_or_else(|| panic!("{first} not on screen: {screen}"));
    assert_eq!(
        lines[at + 1].find(signatures[1]),
        lines[at].find(signatures[0]),
        "{screen}"
    );
    for secret in ["C2FVsBQIhrscChlQIMV", "MfKQ9r8GKYqrTwjUPD8I"] {
        assert!(!screen.contains(secret), "{secret} on screen: {screen}");
    }
}

#[test]
fn replay_asks_naming_the_event_then_queues_a_new_job() {
    let mut harness = harness();
    let ids = deliver(&harness, "Alpha", 1, false);
    let before: i64 = queue(&harness)
        .counts()
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    harness.keys("L");
    harness.keys("p");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Replay delivery"), "{screen}");
    assert!(screen.contains(&ids[0]), "{screen}");
    // Cancel is focused first: Enter does nothing.
    harness.press(KeyCode::Enter);
    let same: i64 = queue(&harness)
        .counts()
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(same, before);
    harness.keys("p");
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    let counts = queue(&harness).counts().unwrap();
    let after: i64 = counts.iter().map(|(_, n)| n).sum();
    assert_eq!(after, before + 1);
    assert!(counts.iter().any(|(state, n)| state == "queued" && *n == 1));
    let status = harness.app.status.clone().unwrap_or_default();
    assert!(
        status.contains(&ids[0]) && status.contains("queued"),
        "{status}"
    );
}

#[test]
fn paging_loads_older_rows_past_the_end() {
    let mut harness = harness();
    deliver(&harness, "Alpha", 450, false);
    harness.keys("L");
    assert_eq!(logs(&harness).rows().len(), 200);
    harness.screen(80, 24);
    harness.press(KeyCode::End);
    assert_eq!(logs(&harness).rows().len(), 400);
    harness.press(KeyCode::End);
    harness.press(KeyCode::End);
    let view = logs(&harness);
    assert_eq!(view.rows().len(), 450);
    assert!(view.next_before().is_none());
    let ids: std::collections::HashSet<i64> = view.rows().iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 450, "no row twice");
    assert!(
        view.rows().windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
}

#[test]
fn live_updates_append_new_attempts_on_the_tick() {
    let mut harness = harness();
    deliver(&harness, "Alpha", 2, false);
    harness.keys("L");
    assert!(harness.app.is_busy(), "the clock ticks on LOGS");
    harness.press(KeyCode::Down);
    let selected = logs(&harness).selected_row().unwrap().id;
    let new = deliver(&harness, "Beta", 1, true);
    let effects = harness.app.handle_message(Message::Tick);
    harness.run(effects);
    let view = logs(&harness);
    assert_eq!(view.rows().len(), 3);
    assert_eq!(view.rows()[0].event_id, new[0]);
    assert_eq!(view.selected_row().unwrap().id, selected, "selection stays");
    // Nothing new: nothing changes.
    let effects = harness.app.handle_message(Message::Tick);
    harness.run(effects);
    assert_eq!(logs(&harness).rows().len(), 3);
    harness.press(KeyCode::Esc);
    assert!(!harness.app.is_busy());
}

#[test]
fn sparkline_counts_the_last_hour_by_outcome() {
    let mut harness = harness();
    // Attempts logged now, so that they fall in the last hour.
    let mut queue = queue(&harness);
    queue
        .enqueue(&[NewEvent {
            id: None,
            integration: "Alpha".into(),
            event_type: "scan.finished".into(),
            payload: "{}".into(),
            fingerprint: None,
        }])
        .unwrap();
    let job = queue.claim("test", 1, 60_000).unwrap().remove(0);
    let now = hookconsole::store::queue::now_ms();
    let record = |attempt: u32, outcome: &str, at_ms: i64| AttemptRecord {
        job_id: job.job_id,
        event_id: job.event_id.clone(),
        integration: "Alpha".into(),
        event_type: "scan.finished".into(),
        at_ms,
        attempt,
        max_attempts: 10,
        outcome: AttemptOutcome::from_word(outcome).unwrap(),
        error_class: None,
        status: Some(200),
        duration_ms: 1,
        next_retry_ms: None,
        summary: "200".into(),
        request: "{}".into(),
        response: None,
    };
    queue
        .apply(&[JobUpdate::Finished {
            job_id: job.job_id,
            attempts: 2,
            state: JobState::Delivered,
            next_attempt_ms: 0,
            records: vec![
                record(1, "retry", now - 120_000),
                record(2, "delivered", now),
            ],
        }])
        .unwrap();
    for profile in [Profile::RICH, Profile::CONSOLE, Profile::ASCII] {
        harness.app.profile = profile;
        harness.keys("L");
        let screen = harness.screen(80, 24);
        let ok = screen
            .lines()
            .find(|l| l.contains("ok/min"))
            .expect(&screen);
        let failed = screen
            .lines()
            .find(|l| l.contains("failed "))
            .expect(&screen);
        assert!(
            ok.contains("1 in 1h") && failed.contains("1 in 1h"),
            "{screen}"
        );
        let top = *profile.spark_levels().last().unwrap();
        assert_eq!(ok.matches(top).count(), 1, "{screen}");
        assert_eq!(failed.matches(top).count(), 1, "{screen}");
        harness.press(KeyCode::Esc);
    }
}

/// Logs one attempt now (in the sparkline's hour) for each of `count` new events.
fn attempts_now(harness: &Harness, integration: &str, outcome: &str, count: usize) {
    let mut queue = queue(harness);
    let now = hookconsole::store::queue::now_ms();
    let updates: Vec<JobUpdate> = queue_and_claim(&mut queue, integration, count)
        .into_iter()
        .map(|job| JobUpdate::Finished {
            job_id: job.job_id,
            attempts: 1,
            state: JobState::Delivered,
            next_attempt_ms: 0,
            records: vec![AttemptRecord {
                job_id: job.job_id,
                event_id: job.event_id.clone(),
                integration: job.integration.clone(),
                event_type: job.event_type.clone(),
                at_ms: now,
                attempt: 1,
                max_attempts: 10,
                outcome: AttemptOutcome::from_word(outcome).unwrap(),
                error_class: None,
                status: Some(if outcome == "delivered" { 200 } else { 503 }),
                duration_ms: 1,
                next_retry_ms: None,
                summary: if outcome == "delivered" {
                    "200 OK"
                } else {
                    "503 Service Unavailable"
                }
                .into(),
                request: "{}".into(),
                response: None,
            }],
        })
        .collect();
    queue.apply(&updates).unwrap();
}

/// The two sparkline lines' totals: (delivered, failed) in the last hour.
fn spark_totals(harness: &mut Harness) -> (String, String) {
    let screen = harness.screen(80, 24);
    let total = |label: &str| {
        let line = screen
            .lines()
            .find(|l| l.contains(label) && l.contains(" in 1h"))
            .expect(&screen);
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().rposition(|w| *w == "in").expect(line);
        words[at - 1].to_string()
    };
    (total("ok/min"), total(" failed "))
}

#[test]
fn the_sparkline_counts_what_the_filters_keep() {
    let mut harness = harness();
    attempts_now(&harness, "Alpha", "delivered", 3);
    attempts_now(&harness, "Beta", "delivered", 1);
    attempts_now(&harness, "Beta", "retry", 2);
    harness.keys("L");
    assert_eq!(spark_totals(&mut harness), ("4".into(), "2".into()));
    // The outcome filter.
    harness.keys("f");
    assert_eq!(spark_totals(&mut harness), ("0".into(), "2".into()));
    harness.keys("ff");
    // The text filter.
    harness.keys("/");
    harness.replace("unavail");
    harness.press(KeyCode::Enter);
    assert_eq!(spark_totals(&mut harness), ("0".into(), "2".into()));
    harness.keys("/");
    harness.replace("lph");
    harness.press(KeyCode::Enter);
    assert_eq!(spark_totals(&mut harness), ("3".into(), "0".into()));
    harness.keys("/");
    harness.press(KeyCode::Esc);
    assert_eq!(spark_totals(&mut harness), ("4".into(), "2".into()));
    // One integration's LOGS, from the list.
    harness.press(KeyCode::Esc);
    harness.keys("l");
    assert_eq!(logs(&harness).integration(), Some("Alpha"));
    assert_eq!(spark_totals(&mut harness), ("3".into(), "0".into()));
}

/// One or two characters cannot use the log's index: Enter says to type more and
/// keeps the box open instead of reading the whole log; a third applies it.
#[test]
fn a_text_too_short_for_the_index_asks_for_more() {
    let mut harness = harness();
    deliver(&harness, "Alpha", 3, false);
    deliver(&harness, "Beta", 2, true);
    harness.keys("L");
    harness.keys("/");
    harness.replace("ph");
    harness.press(KeyCode::Enter);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("type at least 3 characters"), "{screen}");
    assert_eq!(
        harness.app.key_context(),
        hookconsole::tui::KeyContext::LogsText
    );
    assert_eq!(logs(&harness).rows().len(), 5, "not applied");
    harness.keys("a");
    assert!(
        !harness
            .screen(80, 24)
            .contains("type at least 3 characters"),
        "the note goes with the next key"
    );
    harness.press(KeyCode::Enter);
    assert_eq!(logs(&harness).rows().len(), 3, "pha: Alpha's");
}

/// Every key the LOGS footers show changes the screen, and the footers fit 80 columns.
#[test]
fn every_logs_footer_key_does_something() {
    use hookconsole::tui::{KeyContext, bindings, footer};
    let open = |context: KeyContext| {
        let mut harness = harness();
        deliver(&harness, "Alpha", 2, true);
        harness.keys("L");
        match context {
            KeyContext::LogsText => harness.keys("/"),
            KeyContext::LogsDetail => harness.press(KeyCode::Enter),
            _ => {}
        }
        assert_eq!(harness.app.key_context(), context);
        harness
    };
    for context in [
        KeyContext::Logs,
        KeyContext::LogsText,
        KeyContext::LogsDetail,
    ] {
        let mut harness = open(context);
        let screen = harness.screen(80, 24);
        let footer_line = screen.lines().last().unwrap();
        let shown = footer_line.trim_end();
        assert!(shown.chars().count() <= 80, "{shown}");
        for (hint, label, action) in footer(context) {
            assert!(shown.contains(&format!("{hint} {label}")), "{shown}");
            let mut harness = open(context);
            let before = harness.terminal(80, 24).backend().buffer().clone();
            let binding = bindings(context)
                .iter()
                .find(|binding| binding.action == action)
                .unwrap();
            let key = binding.keys[0];
            harness.event(crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(key.code, key.modifiers),
            ));
            let after = harness.terminal(80, 24).backend().buffer().clone();
            assert!(
                after != before,
                "`{hint} {label}` did nothing in {context:?}"
            );
        }
        // Help lists every key of the view.
        harness.press(KeyCode::F(1));
        let help = harness.screen(120, 40);
        for binding in bindings(context) {
            assert!(
                help.contains(&binding.hint()),
                "{} missing:\n{help}",
                binding.hint()
            );
        }
    }
}

#[test]
fn f6_in_the_editor_opens_that_integrations_logs_and_esc_returns_to_the_editor() {
    let mut harness = harness();
    harness.press(KeyCode::Enter);
    let Screen::Editor(editor) = &harness.app.screen else {
        panic!("the editor opens");
    };
    let name = editor.original().unwrap().name.clone();
    harness.press(KeyCode::Tab);
    harness.keys("x"); // an unsaved edit survives the trip to LOGS
    harness.press(KeyCode::F(6));
    assert!(matches!(harness.app.screen, Screen::Logs(_)));
    assert!(harness.screen(80, 24).contains(&format!("LOGS {name}")));
    harness.press(KeyCode::Esc);
    let Screen::Editor(editor) = &harness.app.screen else {
        panic!("back in the editor");
    };
    assert!(editor.is_dirty(), "the edit is still there");
}

/// LOGS with three attempts and the middle one selected.
fn logs_in_the_middle() -> Harness {
    let mut harness = harness();
    deliver(&harness, "Alpha", 3, true);
    harness.keys("L");
    harness.press(KeyCode::Down);
    harness
}

#[test]
fn help_lists_every_key_the_logs_views_act_on() {
    use hookconsole::tui::KeyContext;
    tui_support::assert_help_lists_what_keys_do(KeyContext::Logs, &[&logs_in_the_middle]);
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::LogsText,
        &[&|| {
            let mut harness = logs_in_the_middle();
            harness.keys("/ab");
            harness.press(KeyCode::Left);
            harness
        }],
    );
    // The detail of a failed attempt is longer than 80x24: one line down, it scrolls
    // either way.
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::LogsDetail,
        &[&|| {
            let mut harness = logs_in_the_middle();
            harness.press(KeyCode::Enter);
            harness.screen(80, 24);
            harness.press(KeyCode::Down);
            harness
        }],
    );
}

/// `?` on LOGS says what its own keys do: `/` filters the attempts by text, not the
/// list by name and host.
#[test]
fn logs_help_describes_the_logs_text_filter() {
    let mut harness = logs_in_the_middle();
    harness.keys("?");
    let help = harness.screen(120, 40);
    assert!(
        !help.contains("name, host, method or authentication"),
        "{help}"
    );
    assert!(
        help.contains("filter by text in the event id, type, integration or summary"),
        "{help}"
    );
    harness.press(KeyCode::Esc);
    harness.keys("/");
    harness.press(KeyCode::F(1));
    let help = harness.screen(120, 40);
    assert!(!help.contains("go back to the list"), "{help}");
    assert!(help.contains("apply the text filter"), "{help}");
}
