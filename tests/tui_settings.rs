#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

//! SETTINGS, driven by keys: opened from the list (S), each setting a text box that
//! `hookconsole settings` would take, Ctrl-S saving only when the model takes every
//! change (a refused one names itself under its row), Esc asking about unsaved edits,
//! the proxy's password masked, and the callback URL check asked for from SETTINGS and
//! AUTHORIZE.

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::Settings;
use hookconsole::store::{Locations, SettingsStore};
use hookconsole::tui::{Message, Profile, Screen};
use tui_support::{Harness, sample_integrations};

/// The row of `key` in the form: Down moves one row.
fn row(key: &str) -> usize {
    Settings::KEYS.iter().position(|k| *k == key).unwrap()
}

fn open_settings(harness: &mut Harness) {
    harness.keys("S");
    assert!(
        matches!(harness.app.screen, Screen::Settings(_)),
        "{}",
        harness.screen(80, 24)
    );
}

fn settings_file(harness: &Harness) -> std::path::PathBuf {
    harness.home.path().join("settings.yaml")
}

fn store(harness: &Harness) -> SettingsStore {
    SettingsStore::new(&Locations::in_home(harness.home.path()))
}

#[test]
fn s_opens_settings_and_help_lists_it() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("?");
    assert!(
        harness.screen(120, 60).contains("APPLIANCE SETTINGS"),
        "help lists it"
    );
    harness.press(KeyCode::Esc);
    open_settings(&mut harness);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("APPLIANCE SETTINGS"), "{screen}");
    assert!(screen.contains("> Hostname"), "{screen}");
    assert!(screen.contains("check callback"), "the footer: {screen}");
    assert!(
        screen.contains("https://hiab.example.com/portal/oauth"),
        "{screen}"
    );
}

#[test]
fn a_refused_value_names_its_setting_and_nothing_is_saved() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    store(&harness)
        .update(|settings| settings.set("hostname", "hiab.example.com"))
        .unwrap();
    let before = std::fs::read(settings_file(&harness)).unwrap();
    open_settings(&mut harness);
    harness.press_n(KeyCode::Down, row("connect_timeout"));
    harness.replace("0");
    harness.press_n(KeyCode::Down, row("max_attempts") - row("connect_timeout"));
    harness.replace("7");
    harness.ctrl('s');
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Error: connect_timeout: `0` is not a number of"),
        "{screen}"
    );
    assert!(
        screen.contains("Not saved: 1 setting to fix first"),
        "{screen}"
    );
    assert_eq!(std::fs::read(settings_file(&harness)).unwrap(), before);

    // Corrected: both changes are saved, and what was there stays.
    harness.replace("15");
    harness.ctrl('s');
    let saved = store(&harness).load().unwrap();
    assert_eq!(saved.connect_timeout, Some(15));
    assert_eq!(saved.max_attempts, Some(7));
    assert_eq!(saved.hostname.as_deref(), Some("hiab.example.com"));
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Settings saved"), "{screen}");
    assert!(!screen.contains("Error:"), "{screen}");
    assert!(!screen.contains("unsaved edits"), "{screen}");

    // A listener key that is not there: refused when saved, under its row.
    harness.press(KeyCode::Esc);
    open_settings(&mut harness);
    harness.press_n(KeyCode::Down, row("callback_key"));
    harness.replace("/nonexistent/listener-key.pem");
    harness.ctrl('s');
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Not saved: 1 setting to fix first"),
        "{screen}"
    );
    assert!(
        screen.contains("Error: callback_key: /nonexistent"),
        "{screen}"
    );
    assert_eq!(store(&harness).load().unwrap().callback_key, None);
}

#[test]
fn a_change_made_meanwhile_by_another_process_stays() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    open_settings(&mut harness);
    // The CLI changes another setting while SETTINGS is open.
    store(&harness)
        .update(|settings| settings.set("retention_days", "90"))
        .unwrap();
    harness.press_n(KeyCode::Down, row("concurrency"));
    harness.replace("8");
    harness.ctrl('s');
    let saved = store(&harness).load().unwrap();
    assert_eq!(saved.concurrency, Some(8));
    assert_eq!(saved.retention_days, Some(90));
}

#[test]
fn esc_with_unsaved_edits_asks_first() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    open_settings(&mut harness);
    // Nothing changed: Esc closes at once.
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::List));
    open_settings(&mut harness);
    harness.keys("hiab02");
    harness.press(KeyCode::Esc);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Unsaved edits"), "{screen}");
    // Keep editing.
    harness.press(KeyCode::Enter);
    assert!(matches!(harness.app.screen, Screen::Settings(_)));
    assert!(
        harness
            .screen(80, 24)
            .contains("APPLIANCE SETTINGS (unsaved edits)")
    );
    // Save from the question: saved, and closed.
    harness.press(KeyCode::Esc);
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    assert!(matches!(harness.app.screen, Screen::List));
    assert_eq!(
        store(&harness).load().unwrap().hostname.as_deref(),
        Some("hiab02")
    );
    // Discard: closed, nothing saved.
    open_settings(&mut harness);
    harness.replace("other");
    harness.press(KeyCode::Esc);
    harness.press_n(KeyCode::Right, 2);
    harness.press(KeyCode::Enter);
    assert!(matches!(harness.app.screen, Screen::List));
    assert_eq!(
        store(&harness).load().unwrap().hostname.as_deref(),
        Some("hiab02")
    );
    // Quitting asks too.
    open_settings(&mut harness);
    harness.keys("x");
    harness.ctrl('c');
    assert!(!harness.quit);
    assert!(harness.screen(80, 24).contains("Quit with unsaved edits?"));
}

#[test]
fn the_proxy_password_is_masked_until_ctrl_r() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    store(&harness)
        .update(|settings| settings.set("proxy", "http://ops:pr0xy-s3cret@proxy.example:3128"))
        .unwrap();
    open_settings(&mut harness);
    harness.press_n(KeyCode::Down, row("proxy"));
    let screen = harness.screen(80, 24);
    assert!(screen.contains("http://ops:"), "{screen}");
    assert!(!screen.contains("pr0xy-s3cret"), "{screen}");
    harness.ctrl('r');
    assert!(harness.screen(80, 24).contains("pr0xy-s3cret"));
    harness.ctrl('r');
    // Moving on, the row still masks it.
    harness.press(KeyCode::Down);
    assert!(!harness.screen(80, 24).contains("pr0xy-s3cret"));
    // Saving another setting keeps the credentials where they were (0600 file).
    harness.press(KeyCode::Down);
    harness.replace("9");
    harness.ctrl('s');
    let saved = store(&harness).load().unwrap();
    assert_eq!(
        saved.proxy_credentials.unwrap().password.expose(),
        "pr0xy-s3cret"
    );
    assert!(
        !std::fs::read_to_string(settings_file(&harness))
            .unwrap()
            .contains("pr0xy-s3cret")
    );
}

#[test]
fn the_callback_check_is_asked_for_from_settings_and_authorize() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    open_settings(&mut harness);
    harness.keys("x");
    harness.press(KeyCode::F(3));
    assert_eq!(harness.callback_checks, 0, "unsaved: not checked");
    assert!(harness.screen(80, 24).contains("Save the settings first"));
    harness.press(KeyCode::Backspace);
    harness.press(KeyCode::F(3));
    assert_eq!(harness.callback_checks, 1);
    let effects = harness.app.handle_message(Message::CallbackChecked(Err(
        "callback_certificate and callback_key go together: set both or neither".into(),
    )));
    harness.run(effects);
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("The callback URL was not checked"),
        "{screen}"
    );
    assert!(
        screen.contains("callback_certificate and callback_key"),
        "{screen}"
    );
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Esc);

    // AUTHORIZE on the OAuth integration: k asks for the check, the screen stays.
    let oauth = sample_integrations()
        .iter()
        .position(|i| {
            matches!(
                i.authentication,
                hookconsole::model::Authentication::OAuth(_)
            )
        })
        .unwrap();
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Home);
    harness.press_n(KeyCode::Down, oauth);
    harness.keys("a");
    assert!(matches!(harness.app.screen, Screen::Authorize(_)));
    harness.keys("k");
    assert_eq!(harness.callback_checks, 1);
    assert!(matches!(harness.app.screen, Screen::Authorize(_)));
}
