//! Headers the HTTP client owns (framing, connection, host) and control characters:
//! refused by `add`, `set` and `import` with exit 2 and the header named; a file that
//! already holds one still loads, the integration is shown as invalid, VERIFY refuses
//! it, and the worker holds its events instead of sending corrupt requests.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;
mod tui_support;

use std::fs;
use std::time::{Duration, Instant};

use hookconsole::store::queue::NewEvent;
use hookconsole::store::{Locations, Queue, SettingsStore};
use support::{always, cli, receiver, stderr_of, stdout_of};

/// Every header the HTTP client sets itself, in the spellings people type.
const OWNED: [&str; 13] = [
    "Content-Length",
    "content-length",
    "Transfer-Encoding",
    "Host",
    "Connection",
    "Upgrade",
    "Keep-Alive",
    "TE",
    "Trailer",
    "Expect",
    "Proxy-Authorization",
    "Proxy-Connection",
    "HTTP2-Settings",
];

fn new_home() -> (tempfile::TempDir, Locations) {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    (dir, locations)
}

/// An integrations file as a person might leave it by hand: `jira` to `url` with
/// `headers` (YAML list items).
fn write_file(locations: &Locations, url: &str, headers: &str) {
    let text = format!(
        "schema: 2\nintegrations:\n- name: jira\n  url: {url}\n  retry_interval: 1\n{headers}"
    );
    fs::create_dir_all(locations.integrations_file().parent().unwrap()).unwrap();
    fs::write(locations.integrations_file(), text).unwrap();
}

const CONTENT_LENGTH_5: &str = "  http_headers:\n  - name: Content-Length\n    value: '5'\n";

#[test]
fn add_refuses_every_header_the_http_client_owns() {
    let (dir, locations) = new_home();
    for name in OWNED {
        let header = format!("{name}: 5");
        let stderr = stderr_of(
            cli(&dir).args([
                "add",
                "--name",
                "jira",
                "--url",
                "https://jira.example.com/",
                "--header",
                &header,
            ]),
            2,
        );
        assert!(
            stderr.contains(&format!("HTTP Headers: row 1: `{name}`")),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains("HTTP client"),
            "{name}: the message says why: {stderr}"
        );
    }
    assert!(!locations.integrations_file().exists());
}

#[test]
fn set_refuses_an_owned_header_and_keeps_what_is_stored() {
    let (dir, locations) = support::home_with_jira("https://jira.example.com/", |_| {});
    let before = fs::read(locations.integrations_file()).unwrap();
    let stderr = stderr_of(
        cli(&dir).args(["set", "jira", "header=Transfer-Encoding: chunked"]),
        2,
    );
    assert!(
        stderr.contains("HTTP Headers: row 1: `Transfer-Encoding`"),
        "{stderr}"
    );
    assert_eq!(fs::read(locations.integrations_file()).unwrap(), before);
}

#[test]
fn control_characters_in_headers_are_refused_when_set() {
    let (dir, _locations) = support::home_with_jira("https://jira.example.com/", |_| {});
    // (A NUL cannot be passed in an argument; the model's tests cover it.)
    for value in ["a\u{1}b", "a\u{1b}[31mb", "a\u{7f}b"] {
        let header = format!("header=X-Note: {value}");
        let stderr = stderr_of(cli(&dir).args(["set", "jira", &header]), 2);
        assert!(
            stderr.contains("HTTP Headers: row 1: the value of `X-Note`"),
            "{value:?}: {stderr}"
        );
        assert!(stderr.contains("control character"), "{value:?}: {stderr}");
        assert!(
            !stderr.contains('\u{1b}'),
            "the message shows escapes, not the byte"
        );
    }
    // A tab is allowed in a field value (RFC 9110, section 5.5).
    stdout_of(&dir, &["set", "jira", "header=X-Note: a\tb"]);
}

#[test]
fn import_refuses_an_owned_header_naming_the_file_and_header() {
    let (dir, locations) = support::home_with_jira("https://jira.example.com/", |_| {});
    let before = fs::read(locations.integrations_file()).unwrap();
    let file = dir.path().join("incoming.yaml");
    fs::write(
        &file,
        format!(
            "schema: 2\nintegrations:\n- name: jira\n  url: https://jira.example.com/\n{CONTENT_LENGTH_5}"
        ),
    )
    .unwrap();
    let stderr = stderr_of(cli(&dir).args(["import", file.to_str().unwrap()]), 2);
    assert!(stderr.contains("incoming.yaml"), "{stderr}");
    assert!(stderr.contains("`Content-Length`"), "{stderr}");
    assert_eq!(fs::read(locations.integrations_file()).unwrap(), before);
}

/// A file written before the check (or by hand) still loads: `list` marks the
/// integration, `show` says why, VERIFY refuses it before sending anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_owned_header_loads_and_the_integration_shows_as_invalid() {
    let server = receiver(always(200), false).await;
    let (dir, locations) = new_home();
    write_file(&locations, &server.url(), CONTENT_LENGTH_5);

    let list = stdout_of(&dir, &["list"]);
    let row = list.lines().find(|line| line.contains("jira")).unwrap();
    assert!(row.starts_with('!'), "the row is marked:\n{list}");
    assert!(list.contains("invalid configuration"), "{list}");

    let show = stdout_of(&dir, &["show", "jira"]);
    assert!(
        show.contains("HTTP Headers: row 1: `Content-Length`"),
        "{show}"
    );
    assert!(
        show.contains("held"),
        "show says deliveries are held:\n{show}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&dir, &["list", "--json"])).unwrap();
    let hold = &json[0]["hold_reason"];
    assert_eq!(hold["kind"], "invalid_configuration", "{json}");
    assert!(
        hold["message"].as_str().unwrap().contains("Content-Length"),
        "{json}"
    );

    let stderr = stderr_of(cli(&dir).args(["verify", "jira"]), 2);
    assert!(stderr.contains("`Content-Length`"), "{stderr}");
    assert_eq!(server.requests(), 0);
}

fn enqueue(locations: &Locations, payload: &str) {
    let mut queue = Queue::open(&locations.queue_database()).unwrap();
    queue
        .enqueue(&[NewEvent {
            id: None,
            integration: "jira".into(),
            event_type: "scan.finished".into(),
            payload: payload.into(),
            fingerprint: None,
        }])
        .unwrap();
}

fn jobs_in(locations: &Locations, state: &str) -> i64 {
    Queue::open(&locations.queue_database())
        .unwrap()
        .counts()
        .unwrap()
        .into_iter()
        .find(|(s, _)| s == state)
        .map_or(0, |(_, n)| n)
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The issue's case: `Content-Length: 5` sent 5 bytes of every body, the receiver
/// answered 200 and the log said delivered. Now the worker holds the events, and
/// delivers them whole once the header is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_holds_the_events_of_an_integration_with_an_owned_header() {
    let server = receiver(always(200), true).await;
    let (_dir, locations) = new_home();
    SettingsStore::new(&locations)
        .update(|s| s.set("max_attempts", "3"))
        .unwrap();
    write_file(&locations, &server.url(), CONTENT_LENGTH_5);
    let payload = r#"{"finding":"CVE-2024-0001","severity":"high"}"#;
    enqueue(&locations, payload);
    enqueue(&locations, payload);

    let worker = support::start_worker(&locations, false);
    until("both jobs are held", || jobs_in(&locations, "held") == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.requests(), 0, "nothing reaches the receiver");
    assert_eq!(jobs_in(&locations, "delivered"), 0);

    write_file(&locations, &server.url(), "");
    until("both jobs are delivered", || {
        jobs_in(&locations, "delivered") == 2
    })
    .await;
    worker.stop().await;
    assert_eq!(server.requests(), 2);
    for head in server.heads() {
        assert!(
            head.contains(&format!("Content-Length: {}", payload.len())),
            "the whole body: {head}"
        );
    }
}

/// The console marks the integration in its list, and its editor says why at once.
#[test]
fn the_console_marks_the_integration_and_its_editor_names_the_header() {
    use crossterm::event::KeyCode;
    use hookconsole::tui::{Effect, Profile, StoreWork};

    let mut harness = tui_support::Harness::new(Profile::NO_COLOR, &[]);
    let locations = Locations::in_home(harness.home.path());
    write_file(&locations, "https://jira.example.com/", CONTENT_LENGTH_5);
    harness.run(vec![Effect::Store(StoreWork::Load)]);
    let list = harness.screen(80, 24);
    assert!(list.contains("! jira"), "{list}");

    harness.press(KeyCode::Enter);
    let editor = harness.screen(80, 24);
    assert!(editor.contains("SETTINGS (!)"), "{editor}");
    assert!(
        editor.contains("`Content-Length` is set by the HTTP"),
        "{editor}"
    );
}
