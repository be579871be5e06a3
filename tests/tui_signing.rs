//! Signing in the editor, driven by keys: the one Signing field on the SETTINGS pane
//! turns it on (a new secret, masked until Ctrl-R), rotates it (the old secret signs
//! 24 hours more) and turns it off; what is saved is what the screen said.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::{Field, signing_key};
use hookconsole::tui::{Profile, Screen, Slot};
use time::{Duration, OffsetDateTime};
use tui_support::{Harness, webhook};

fn focused(harness: &Harness) -> Slot {
    match &harness.app.screen {
        Screen::Editor(editor) => editor.focused(),
        other => panic!("not in the editor: {other:?}"),
    }
}

/// The line of `screen` that holds `label`.
fn row<'a>(screen: &'a str, label: &str) -> &'a str {
    screen
        .lines()
        .find(|line| line.contains(label))
        .unwrap_or_else(|| panic!("no `{label}` row:\n{screen}"))
}

/// The `whsec_…` secret in `text`.
fn secret_in(text: &str) -> String {
    let start = text
        .find("whsec_")
        .unwrap_or_else(|| panic!("no secret in {text}"));
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '/' | '='))
        .collect()
}

#[test]
fn signing_on_rotation_and_off_in_the_editor_save_what_the_screen_says() {
    let mut harness = Harness::new(
        Profile::RICH,
        &[webhook("Receiver", "https://hooks.example.test/in")],
    );
    harness.press(KeyCode::Enter);
    harness.press_n(KeyCode::Tab, 5);
    assert_eq!(focused(&harness), Slot::Field(Field::Signing));
    let screen = harness.screen(80, 24);
    assert!(row(&screen, "Signing").contains("< off >"), "{screen}");
    assert!(!screen.contains("Signing secret"), "{screen}");

    // On: a new secret, masked, said to be new.
    harness.keys(" ");
    let screen = harness.screen(80, 24);
    assert!(row(&screen, "Signing ").contains("< on >"), "{screen}");
    assert!(
        row(&screen, "Signing secret").contains("********"),
        "{screen}"
    );
    assert!(screen.contains("New: give it to the receiver"), "{screen}");
    assert!(!screen.contains("whsec_"), "{screen}");
    harness.ctrl('r');
    let first = secret_in(row(&harness.screen(80, 24), "Signing secret"));
    harness.ctrl('r');
    assert!(!harness.screen(80, 24).contains("whsec_"));
    harness.ctrl('s');
    let stored = harness.stored()[0].signing.clone().expect("signing saved");
    assert_eq!(
        stored.secret.expose(),
        first,
        "the secret shown is the one saved"
    );
    assert_eq!(signing_key(&stored.secret).unwrap().len(), 32);
    assert_eq!(stored.previous, None);
    let screen = harness.screen(80, 24);
    assert!(
        !screen.contains("New: give it"),
        "saved, no longer new: {screen}"
    );

    // Rotate: a new secret; the first one signs 24 hours more.
    harness.press(KeyCode::Right);
    let screen = harness.screen(80, 24);
    assert!(row(&screen, "Signing ").contains("rotate"), "{screen}");
    assert!(screen.contains("Previous secret"), "{screen}");
    harness.ctrl('s');
    let rotated = harness.stored()[0].signing.clone().expect("still signing");
    assert_ne!(rotated.secret, stored.secret);
    let previous = rotated.previous.clone().expect("the old secret kept");
    assert_eq!(previous.secret, stored.secret);
    let day = OffsetDateTime::now_utc() + Duration::hours(24);
    assert!(
        (previous.until - day).abs() < Duration::minutes(1),
        "{}",
        previous.until
    );
    let screen = harness.screen(80, 24);
    assert!(row(&screen, "Signing ").contains("< on >"), "{screen}");
    assert!(
        row(&screen, "Previous secret").contains("signs too until"),
        "{screen}"
    );
    harness.ctrl('r');
    let shown = secret_in(row(&harness.screen(80, 24), "Signing secret"));
    assert_eq!(shown, rotated.secret.expose());
    harness.ctrl('r');

    // Saving again without a change keeps both secrets as they are.
    harness.press(KeyCode::Tab);
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].signing, Some(rotated));

    // Off: no secret left, none shown.
    harness.press(KeyCode::BackTab);
    assert_eq!(focused(&harness), Slot::Field(Field::Signing));
    harness.press(KeyCode::Left);
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].signing, None);
    let screen = harness.screen(80, 24);
    assert!(row(&screen, "Signing").contains("< off >"), "{screen}");
    assert!(!screen.contains("Signing secret"), "{screen}");
}
