#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

//! The list follows the integrations file when another process changes it: the CLI
//! adds an integration while the console runs, the file-changed message comes (the
//! runtime's watch sends it; tests/tui_tmux.rs sees it through a real terminal), and
//! the list shows it with the same integration still selected; an open editor keeps
//! its edits.

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::tui::{Message, Profile, Screen};
use tui_support::{Harness, sample_integrations};

/// `hookconsole add` on the harness's home, as another process.
fn add_by_cli(harness: &Harness, name: &str) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_hookconsole"))
        .arg("--home")
        .arg(harness.home.path())
        .args([
            "add",
            "--name",
            name,
            "--url",
            "https://hooks.example.com/added",
        ])
        .env_remove("HOOKCONSOLE_HOME")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn file_changed(harness: &mut Harness) {
    let effects = harness.app.handle_message(Message::IntegrationsFileChanged);
    harness.run(effects);
}

#[test]
fn an_integration_added_by_the_cli_shows_and_the_selection_stays() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::End);
    let selected = harness.app.selected().unwrap().name.clone();
    assert_eq!(selected, "Ticketing");
    // Sorted first: every row below it moves down one.
    add_by_cli(&harness, "Alerts archive");
    file_changed(&mut harness);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Alerts archive"), "{screen}");
    assert!(screen.contains("Integrations (4)"), "{screen}");
    assert!(screen.contains("the file changed, reloaded"), "{screen}");
    assert_eq!(harness.app.selected().unwrap().name, selected);
}

#[test]
fn an_open_editor_keeps_its_edits_when_the_file_changes() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::End);
    harness.keys(" edited");
    add_by_cli(&harness, "Alerts archive");
    file_changed(&mut harness);
    let Screen::Editor(editor) = &harness.app.screen else {
        panic!("the editor closed");
    };
    assert!(editor.is_dirty());
    assert!(harness.screen(80, 24).contains("edited"));
    // Back on the list, the added one is there.
    harness.press(KeyCode::Esc);
    harness.press_n(KeyCode::Right, 2);
    harness.press(KeyCode::Enter);
    assert!(matches!(harness.app.screen, Screen::List));
    assert!(harness.screen(80, 24).contains("Alerts archive"));
}

#[test]
fn an_unchanged_file_says_nothing() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Down);
    let before = harness.screen(80, 24);
    file_changed(&mut harness);
    assert_eq!(harness.screen(80, 24), before);
}

/// A file another process broke: the list stays as it was, and the status line (one
/// line of 80 columns) says where the file is wrong and how, the file by its name
/// (the title shows its path).
#[test]
fn a_file_broken_by_another_process_says_where_within_80_columns() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    let file = harness.home.path().join("integrations.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("url:", "url: [unclosed", 1)).unwrap();
    file_changed(&mut harness);
    let screen = harness.screen(80, 24);
    let status = screen
        .lines()
        .find(|line| line.contains("File changed, not reloaded"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(status.contains("integrations.yaml:"), "{status}");
    let located = status.split("integrations.yaml:").nth(1).unwrap();
    assert!(
        located.starts_with(|c: char| c.is_ascii_digit()),
        "the line number shows: {status}"
    );
    assert!(
        !status.contains(&*harness.home.path().to_string_lossy()),
        "{status}"
    );
    assert!(screen.contains("Integrations (3)"), "{screen}");
}
