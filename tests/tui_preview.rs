//! The content sample's live preview, driven by keys: it follows the typing, shows a
//! template error with its line and column and marks the line, and Ctrl-O/F7 hide
//! and show it.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::{Authentication, Secret};
use hookconsole::template::sample_event;
use hookconsole::tui::{Pane, Profile, Screen};
use tui_support::{Harness, webhook};

/// The editor of a Basic integration, typing into an empty content sample.
fn typing_in_content_sample() -> Harness {
    let mut hook = webhook("Receiver", "https://hooks.example.com/in");
    hook.authentication = Authentication::Basic {
        username: "scanner".into(),
        password: Secret::new("hunter2-secret"),
    };
    let mut harness = Harness::new(Profile::RICH, &[hook]);
    harness.press(KeyCode::Enter);
    harness.ctrl('p');
    harness.press(KeyCode::Enter);
    harness
}

fn editor_pane(harness: &Harness) -> (Pane, bool) {
    match &harness.app.screen {
        Screen::Editor(editor) => (editor.pane(), editor.preview_shown()),
        other => panic!("not in the editor: {other:?}"),
    }
}

#[test]
fn the_preview_follows_the_typing() {
    let mut harness = typing_in_content_sample();
    let host = sample_event().fields["finding"]["host"]
        .as_str()
        .expect("a host")
        .to_string();
    harness.keys("Host: {{ finding.host }}");
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Preview: sample finding.created event"),
        "{screen}"
    );
    assert!(screen.contains(&format!("Host: {host}")), "{screen}");
    // This appliance's name, as VERIFY and the worker give it, not the sample's.
    harness.keys(" via {{ appliance.name }}");
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains(&format!("Host: {host} via {}", tui_support::APPLIANCE)),
        "{screen}"
    );
}

#[test]
fn a_template_error_shows_line_and_column_and_marks_the_line() {
    let mut harness = typing_in_content_sample();
    harness.keys("first line\n{{ finding.nmae }}");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("TEMPLATE ERROR"), "{screen}");
    assert!(
        screen.contains("line 2, column 4: undefined variable `finding.nmae`"),
        "{screen}"
    );
    // The gutter marks the template's line 2, and only it.
    assert!(screen.contains("│! {{ finding.nmae }}"), "{screen}");
    assert!(!screen.contains("│! first line"), "{screen}");
    // Correcting it brings the preview back.
    harness.press_n(KeyCode::Backspace, "nmae }}".len());
    harness.keys("name }}");
    let screen = harness.screen(80, 24);
    assert!(!screen.contains("TEMPLATE ERROR"), "{screen}");
    assert!(!screen.contains("│! "), "{screen}");
    assert!(screen.contains("Preview: sample"), "{screen}");
    // A syntax error, too.
    harness.press(KeyCode::Backspace);
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("line 2, column 17: syntax error"),
        "{screen}"
    );
}

#[test]
fn templates_see_no_secret() {
    let mut harness = typing_in_content_sample();
    harness.keys("{{ password }}{{ authentication }}");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("undefined variable `password`"), "{screen}");
    assert!(!screen.contains("hunter2"), "{screen}");
}

#[test]
fn ctrl_o_hides_and_shows_the_preview_and_f7_opens_it_from_any_pane() {
    let mut harness = typing_in_content_sample();
    harness.keys("x");
    assert!(harness.screen(80, 24).contains("Preview: sample"));
    harness.ctrl('o');
    assert_eq!(editor_pane(&harness), (Pane::ContentSample, false));
    let screen = harness.screen(80, 24);
    assert!(!screen.contains("Preview"), "{screen}");
    // Still typing: Ctrl-O did not stop it.
    harness.keys("y");
    harness.ctrl('o');
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Preview: sample"), "{screen}");
    assert!(screen.contains("│  xy"), "{screen}");

    harness.ctrl('o');
    harness.press(KeyCode::Esc);
    harness.ctrl('n');
    assert_eq!(editor_pane(&harness), (Pane::Settings, false));
    harness.press(KeyCode::F(7));
    assert_eq!(editor_pane(&harness), (Pane::ContentSample, true));
}

#[test]
fn the_help_line_names_the_preview_key() {
    let mut harness = typing_in_content_sample();
    harness.keys("{{ finding.host }}");
    // 80x24 has room for both; the help text names the key.
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Preview: sample"), "{screen}");
    harness.press(KeyCode::Esc);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Ctrl-O: preview"), "{screen}");
}

#[test]
fn left_and_right_move_the_cursor_in_the_content_sample() {
    let mut harness = typing_in_content_sample();
    harness.keys("{\"a\": 1}");
    harness.press_n(KeyCode::Left, 2);
    harness.keys("2");
    harness.press(KeyCode::Right);
    harness.keys(" ");
    let screen = harness.screen(80, 24);
    assert!(screen.contains(r#"{"a": 21 }"#), "{screen}");
    assert_eq!(editor_pane(&harness).0, Pane::ContentSample);
}

#[test]
fn an_empty_sample_says_what_an_empty_body_means_until_something_is_typed() {
    let mut harness = typing_in_content_sample();
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Content Sample is empty: VERIFY, and every event sent"),
        "{screen}"
    );
    harness.keys("{}");
    let screen = harness.screen(80, 24);
    assert!(!screen.contains("Content Sample is empty"), "{screen}");
}
