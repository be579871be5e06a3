//! Whole screens on ratatui's TestBackend, as insta snapshots: every view at 80x24 and
//! 120x40 in the rich profile, and the list and editor panes in the console, ASCII
//! and NO_COLOR profiles. Then the glyph rules: ASCII only printable ASCII, console
//! only what Debian's default console font (Lat15) has.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::tui::{Profile, Screen};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use tui_support::{Harness, certificate_pem, sample_integrations};

/// The views, each reached by keys from a fresh app.
const VIEWS: &[&str] = &[
    "list",
    "list_empty",
    "filter",
    "chooser",
    "editor_settings",
    "editor_authentication",
    "editor_certificate",
    "editor_content",
    "editor_content_error",
    "help",
    "delete_dialog",
    "unsaved_dialog",
    "verify_running",
    "verify_report",
    "logs",
    "logs_empty",
    "logs_detail",
];

/// The views also snapshotted in the console, ASCII and NO_COLOR profiles.
const PROFILE_VIEWS: &[&str] = &["list", "editor_settings", "editor_authentication"];

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn profiles() -> [(&'static str, Profile); 4] {
    [
        ("rich", Profile::RICH),
        ("console", Profile::CONSOLE),
        ("ascii", Profile::ASCII),
        ("nocolor", Profile::NO_COLOR),
    ]
}

fn open(view: &str, profile: Profile) -> Harness {
    let integrations = match view {
        "list_empty" => Vec::new(),
        // Port 9 (discard) is closed on loopback: a quick, repeatable refusal.
        "verify_running" | "verify_report" => {
            vec![tui_support::webhook("Receiver", "http://127.0.0.1:9/hook")]
        }
        _ => sample_integrations(),
    };
    let mut harness = Harness::new(profile, &integrations);
    match view {
        "list" | "list_empty" => {
            harness.press(KeyCode::Down);
        }
        "filter" => harness.keys("/t"),
        "chooser" => harness.keys("n"),
        "editor_settings" => {
            // The Ticketing integration, with a header row and an error shown.
            harness.press(KeyCode::End);
            harness.press(KeyCode::Enter);
            harness.press_n(KeyCode::Tab, 6);
            harness.press(KeyCode::Enter);
            harness.keys("X-Team\tops");
            harness.press_n(KeyCode::Up, 5);
            harness.replace("0");
            harness.press(KeyCode::Tab);
        }
        "editor_authentication" => {
            // Past Authentication, Grant and Client ID: the masked Client Secret.
            harness.press(KeyCode::Enter);
            harness.ctrl('n');
            harness.press_n(KeyCode::Tab, 3);
        }
        "editor_certificate" => {
            harness.press(KeyCode::Enter);
            harness.ctrl('p');
            harness.ctrl('p');
            harness.paste(&certificate_pem());
        }
        "editor_content" => {
            harness.press(KeyCode::Enter);
            harness.ctrl('p');
            harness.press(KeyCode::Enter);
            harness.keys(
                "{\n  \"summary\": \"{{ finding.name }}\",\n  \"cvss\": {{ finding.cvss }}\n}",
            );
        }
        "editor_content_error" => {
            // A misspelt variable: the preview names it, the line is marked.
            harness.press(KeyCode::Enter);
            harness.ctrl('p');
            harness.press(KeyCode::Enter);
            harness.keys("{\n  \"summary\": \"{{ finding.nmae }}\",\n  \"cvss\": 1\n}");
        }
        "verify_running" => harness.keys("v"),
        "verify_report" => {
            harness.keys("v");
            let (id, integration) = harness.verifies.remove(0);
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            let report = runtime.block_on(hookconsole::delivery::verify_with_progress(
                &integration,
                &hookconsole::http::HttpOptions::default(),
                &hookconsole::template::Appliance::new("hiab-test"),
                &hookconsole::delivery::NoTokens,
                tokio_util::sync::CancellationToken::new(),
                None,
            ));
            let effects = harness
                .app
                .handle_message(hookconsole::tui::Message::Verified {
                    id,
                    name: integration.name.clone(),
                    report: Box::new(report),
                });
            harness.run(effects);
        }
        "logs" => {
            seed_log(&harness);
            harness.keys("L");
            harness.press(KeyCode::Down);
        }
        "logs_empty" => harness.keys("L"),
        "logs_detail" => {
            seed_log(&harness);
            harness.keys("L\n");
        }
        "help" => harness.keys("?"),
        "delete_dialog" => harness.keys("d"),
        "unsaved_dialog" => {
            harness.press(KeyCode::Enter);
            harness.keys("x");
            harness.press(KeyCode::Esc);
        }
        other => panic!("unknown view {other}"),
    }
    harness
}

/// Attempts with fixed ids and times, so that LOGS screens are the same every run:
/// a delivered event, and one that failed twice before it was delivered.
fn seed_log(harness: &Harness) {
    use hookconsole::store::queue::{AttemptOutcome, AttemptRecord, JobState, JobUpdate, NewEvent};
    let locations = hookconsole::store::Locations::in_home(harness.home.path());
    let mut queue = hookconsole::store::Queue::open(&locations.queue_database()).expect("queue");
    // 2026-01-01 12:00:00 UTC: long past, so the sparkline (the last hour) stays empty.
    let noon: i64 = 1_767_268_800_000;
    let events = [
        (
            "evt_019afe00000000000000000000a1",
            "Jira Cloud",
            "scan.finished",
        ),
        (
            "evt_019afe00000000000000000000b2",
            "Ticketing",
            "finding.new",
        ),
    ];
    queue
        .enqueue(
            &events
                .iter()
                .map(|(id, integration, kind)| NewEvent {
                    id: Some(id.to_string()),
                    integration: integration.to_string(),
                    event_type: kind.to_string(),
                    payload: "{}".into(),
                    fingerprint: None,
                })
                .collect::<Vec<_>>(),
        )
        .expect("enqueue");
    let attempts = [
        (0, 1, "delivered", None, Some(201), None),
        (1, 1, "retry", Some("timeout"), None, Some(noon + 90_000)),
        (
            1,
            2,
            "retry",
            Some("http_5xx"),
            Some(503),
            Some(noon + 150_000),
        ),
        (1, 3, "delivered", None, Some(200), None),
    ];
    for (step, (event, attempt, outcome, class, status, next)) in attempts.into_iter().enumerate() {
        let job = queue.claim("snapshots", 10, 60_000).expect("claim");
        let job = job
            .into_iter()
            .find(|job| job.event_id == events[event].0)
            .expect("the job is due");
        let (id, integration, kind) = events[event];
        let request = serde_json::json!({
            "method": "POST",
            "url": format!("https://{}.example/hook", kind),
            "headers": {"authorization": "Basic ***", "webhook-id": id},
            "body_bytes": 2,
        });
        let state = if outcome == "delivered" {
            JobState::Delivered
        } else {
            JobState::Queued
        };
        queue
            .apply(&[JobUpdate::Finished {
                job_id: job.job_id,
                attempts: attempt,
                state,
                // Due at once, so the next step claims it.
                next_attempt_ms: 0,
                records: vec![AttemptRecord {
                    job_id: job.job_id,
                    event_id: id.into(),
                    integration: integration.into(),
                    event_type: kind.into(),
                    at_ms: noon + step as i64 * 60_000,
                    attempt,
                    max_attempts: 10,
                    outcome: AttemptOutcome::from_word(outcome).unwrap(),
                    error_class: class.map(str::to_string),
                    status,
                    duration_ms: 40 + step as u64,
                    next_retry_ms: next,
                    summary: status.map(|s| s.to_string()).unwrap_or("timed out".into()),
                    request: request.to_string(),
                    response: status.map(|s| {
                        serde_json::json!({"status": s, "body": "{\"ok\": true}"}).to_string()
                    }),
                }],
            }])
            .expect("apply");
        // Other claimed jobs go back.
        queue.release_all_claims().expect("release");
    }
}

/// Timings differ from run to run: "12 ms" reads "N ms" in snapshots, and the row
/// keeps its width (the spaces before its right border make up for the digits), so
/// that a run of 12 ms draws the same as one of 2.
fn without_timings(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut out = String::new();
            let mut digits = String::new();
            let mut dropped = 0;
            for c in line.chars() {
                if c.is_ascii_digit() {
                    digits.push(c);
                    continue;
                }
                if !digits.is_empty() {
                    let timing = c == ' ' || c == 'm';
                    if timing {
                        out.push('N');
                        dropped += digits.len() - 1;
                    } else {
                        out.push_str(&digits);
                    }
                    digits.clear();
                }
                out.push(c);
            }
            out.push_str(&digits);
            if let Some(border) = out.rfind('\u{2502}').filter(|_| dropped > 0) {
                out.insert_str(border, &" ".repeat(dropped));
            }
            out + "\n"
        })
        .collect()
}

/// A VERIFY's Webhook-Id is new every run: its hex digits read `x`, keeping the width.
fn without_message_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("verify_") {
        let (before, from) = rest.split_at(at + "verify_".len());
        out.push_str(before);
        let hex = from.chars().take_while(char::is_ascii_hexdigit).count();
        out.push_str(&"x".repeat(hex));
        rest = &from[hex..];
    }
    out.push_str(rest);
    out
}

fn snapshot_text(harness: &mut Harness, width: u16, height: u16) -> String {
    let mut text = harness.screen(width, height);
    // The temporary home (in the worker's start command), as wide as it was.
    let home = harness.home.path().display().to_string();
    text = text.replace(&home, &format!("{:<1$}", "HOME", home.len()));
    if let Screen::Verify(_) = harness.app.screen {
        text = without_timings(&without_message_ids(&text));
    }
    if let Screen::Editor(_) | Screen::List = harness.app.screen {
        text.push_str(&format!("cursor: {:?}\n", cursor(harness, width, height)));
    }
    text
}

fn cursor(harness: &mut Harness, width: u16, height: u16) -> Option<(u16, u16)> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| harness.app.render(frame))
        .expect("draw");
    let backend = terminal.backend();
    backend
        .cursor_visible()
        .then(|| (backend.cursor_position().x, backend.cursor_position().y))
}

#[test]
fn every_view_in_the_rich_profile() {
    for view in VIEWS {
        for (width, height) in SIZES {
            let mut harness = open(view, Profile::RICH);
            let text = snapshot_text(&mut harness, width, height);
            insta::assert_snapshot!(format!("rich_{view}_{width}x{height}"), text);
        }
    }
}

#[test]
fn list_and_editor_in_the_other_profiles() {
    for (name, profile) in profiles().into_iter().skip(1) {
        for view in PROFILE_VIEWS {
            for (width, height) in SIZES {
                let mut harness = open(view, profile);
                let text = snapshot_text(&mut harness, width, height);
                insta::assert_snapshot!(format!("{name}_{view}_{width}x{height}"), text);
            }
        }
    }
}

#[test]
fn too_small_terminal() {
    let mut harness = open("list", Profile::RICH);
    insta::assert_snapshot!("rich_too_small_60x20", harness.screen(60, 20));
}

/// Draws without the final replacement, so that the screen's own glyphs are checked.
fn raw_symbols(harness: &mut Harness, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| harness.app.render_unsanitized(frame))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    buffer
        .content
        .iter()
        .map(|cell| cell.symbol().to_string())
        .collect()
}

#[test]
fn ascii_profile_draws_only_printable_ascii() {
    for view in VIEWS {
        for (width, height) in SIZES {
            let mut harness = open(view, Profile::ASCII);
            for symbol in raw_symbols(&mut harness, width, height) {
                assert!(
                    symbol.chars().all(|c| c == ' ' || c.is_ascii_graphic()),
                    "{view} {width}x{height}: {symbol:?}"
                );
            }
        }
    }
}

#[test]
fn console_profile_draws_only_what_lat15_has() {
    let forbidden = [
        '\u{2580}', '\u{2584}', '\u{256d}', '\u{256e}', '\u{256f}', '\u{2570}', '\u{2713}',
        '\u{2026}',
    ];
    for view in VIEWS {
        for (width, height) in SIZES {
            let mut harness = open(view, Profile::CONSOLE);
            for symbol in raw_symbols(&mut harness, width, height) {
                assert!(
                    symbol.chars().all(hookconsole::tui::in_lat15),
                    "{view} {width}x{height}: {symbol:?}"
                );
                assert!(
                    !symbol
                        .chars()
                        .any(|c| forbidden.contains(&c) || ('\u{2800}'..='\u{28ff}').contains(&c))
                );
            }
        }
    }
}

#[test]
fn data_the_profile_cannot_show_becomes_a_question_mark() {
    let mut integration = hookconsole::model::Integration::new(
        "Caf\u{e9} \u{2713} \u{1f600}",
        "https://x.example.test/",
    );
    integration.enabled = true;
    let mut harness = Harness::new(Profile::ASCII, &[integration]);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Caf? ? ?"), "{screen}");
    assert!(
        screen
            .chars()
            .all(|c| c == '\n' || c == ' ' || c.is_ascii_graphic())
    );
}

#[test]
fn no_color_selection_is_reverse_video_on_reset_colours() {
    let mut harness = open("list", Profile::NO_COLOR);
    let terminal = harness.terminal(80, 24);
    let buffer = terminal.backend().buffer();
    // Row 4 is the second integration, selected by the Down key.
    let cell = &buffer[(5, 4)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    for cell in &buffer.content {
        assert!(matches!(cell.fg, Color::Reset), "{cell:?}");
        assert!(matches!(cell.bg, Color::Reset), "{cell:?}");
    }
}

/// A foreground that washes out on a light background (a light terminal, PuTTY's
/// light schemes): white, light grey, the near-white bright colours.
fn washes_out_on_light(color: Color) -> bool {
    match color {
        Color::White | Color::Gray | Color::LightYellow | Color::LightCyan => true,
        Color::Indexed(index) => {
            matches!(index, 7 | 11 | 14 | 15 | 187..=195 | 223..=231 | 244..=255)
        }
        Color::Rgb(r, g, b) => r.min(g).min(b) >= 0xa0,
        _ => false,
    }
}

/// Every view, in every profile: text on the terminal's own background is in the
/// terminal's own foreground or a colour that reads on light and dark alike; white
/// and light grey only where the background is set with them (the QR code, a
/// selection bar).
#[test]
fn no_white_or_light_grey_text_on_the_default_background() {
    for (name, profile) in profiles() {
        for view in VIEWS {
            let mut harness = open(view, profile);
            let terminal = harness.terminal(80, 24);
            let buffer = terminal.backend().buffer();
            let washed: Vec<String> = buffer
                .content
                .iter()
                .enumerate()
                .filter(|(_, cell)| cell.bg == Color::Reset && washes_out_on_light(cell.fg))
                .map(|(index, cell)| {
                    let width = usize::from(buffer.area.width);
                    format!(
                        "({}, {}) {:?} {:?}",
                        index % width,
                        index / width,
                        cell.symbol(),
                        cell.fg
                    )
                })
                .collect();
            assert!(
                washed.is_empty(),
                "{name} {view}: {} cells, first {:?}",
                washed.len(),
                &washed[..washed.len().min(5)]
            );
        }
    }
}

/// The CERTIFICATE pane shows the uploaded certificate's fingerprint broken only at a
/// colon, at every width.
#[test]
fn the_uploaded_certificates_fingerprint_breaks_only_at_colons() {
    let fingerprint = hookconsole::model::parse_pem(&certificate_pem()).expect("fixture")[0]
        .sha256_fingerprint
        .clone();
    let mut harness = open("editor_certificate", Profile::RICH);
    for width in [80, 81, 100, 120] {
        let screen = harness.screen(width, 40);
        tui_support::assert_fingerprint_breaks_at_colons(&screen, &fingerprint);
    }
}

/// A run that took 12 ms draws its report row as one of 2 ms does.
#[test]
fn timings_read_alike_whatever_their_digits() {
    assert_eq!(
        without_timings("\u{2502}after 12 ms: refused  \u{2502}\n"),
        without_timings("\u{2502}after 2 ms: refused   \u{2502}\n"),
    );
    assert_eq!(without_timings("2.0.1 x\n"), "2.0.N x\n");
}

#[test]
fn appliance_settings_at_80x24() {
    // SETTINGS with a refused value: its error under its row, the status line saying
    // nothing was saved.
    let mut harness = open("list", Profile::RICH);
    harness.keys("S");
    harness.press_n(KeyCode::Down, 6);
    harness.replace("0");
    harness.ctrl('s');
    let text = snapshot_text(&mut harness, 80, 24);
    insta::assert_snapshot!("rich_appliance_settings_80x24", text);
}
