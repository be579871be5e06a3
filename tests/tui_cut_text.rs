//! Text that does not fit is shortened with a visible mark (issue 17, item 8): `…`, or
//! `~` where the font has no ellipsis (the Linux console, ASCII). The list's last
//! column is as wide as its longest word at 80 columns; help lines go on under
//! themselves instead of being cut.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;
mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::delivery::{NoTokens, verify_with_progress};
use hookconsole::http::HttpOptions;
use hookconsole::tui::{Message, Profile};
use tokio_util::sync::CancellationToken;
use tui_support::{Harness, sample_integrations, webhook};

const PROFILES: [(Profile, &str); 3] = [
    (Profile::RICH, "\u{2026}"),
    (Profile::CONSOLE, "~"),
    (Profile::ASCII, "~"),
];

/// Runs the VERIFY runs the app asked for, as the runtime would.
fn run_verifies(harness: &mut Harness, runtime: &tokio::runtime::Runtime) {
    for (id, integration) in std::mem::take(&mut harness.verifies) {
        let report = runtime.block_on(verify_with_progress(
            &integration,
            &HttpOptions::default(),
            &hookconsole::template::Appliance::new("hiab-test"),
            &NoTokens,
            CancellationToken::new(),
            None,
        ));
        let effects = harness.app.handle_message(Message::Verified {
            id,
            name: integration.name.clone(),
            report: Box::new(report),
        });
        harness.run(effects);
    }
}

/// The row of `screen` holding `text`.
fn row<'a>(screen: &'a str, text: &str) -> &'a str {
    screen
        .lines()
        .find(|line| line.contains(text))
        .unwrap_or_else(|| panic!("no `{text}`:\n{screen}"))
}

#[test]
fn the_list_marks_a_cut_name_and_shows_the_last_result_s_word_whole() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(support::http_server(support::answer(200)));
    for (profile, mark) in PROFILES {
        let long = "Jira Cloud production europe-west";
        let mut integrations = sample_integrations();
        integrations.push(webhook(long, &receiver.url("/hook")));
        let mut harness = Harness::new(profile, &integrations);
        harness.keys("/production\n");
        harness.keys("v");
        run_verifies(&mut harness, &runtime);
        harness.press(KeyCode::Esc);
        harness.press(KeyCode::Esc);
        let screen = harness.screen(80, 24);
        let line = row(&screen, "Jira Cloud prod");
        assert!(!line.contains(long), "{line}");
        let name = line
            .split("Jira Cloud")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default();
        assert!(name.ends_with(mark), "{profile}: `{name}` in\n{screen}");
        assert!(
            line.contains(&format!("DELIVERED{mark}")),
            "{profile}: the result's word whole, then the mark:\n{screen}"
        );
        // At 120 columns nothing of the result is cut.
        let wide = harness.screen(120, 40);
        assert!(
            row(&wide, "Jira Cloud prod").contains("DELIVERED 200"),
            "{wide}"
        );
    }
}

#[test]
fn a_long_status_line_and_a_long_title_end_with_the_mark() {
    for (profile, mark) in PROFILES {
        let mut integration = webhook("x", "https://h.example/");
        integration.name = format!("Ticketing {}", "and more ".repeat(10))
            .trim()
            .to_string();
        let mut harness = Harness::new(profile, &[integration]);
        harness.press(KeyCode::Enter);
        harness.app.status = Some(format!("Saved `{}`", "a long name ".repeat(10)));
        let screen = harness.screen(80, 24);
        let lines: Vec<&str> = screen.lines().collect();
        let status = lines[22].trim_end();
        assert!(status.ends_with(mark), "{profile}: {status}");
        assert_eq!(status.chars().count(), 80, "{status}");
        // The editor's title names the integration up to the corner, then the mark.
        let title = lines[1];
        assert!(title.contains("Ticketing and more"), "{title}");
        assert!(
            title.contains(&format!("{mark} ")),
            "{profile}: the title's cut is marked: {title}"
        );
    }
}

/// The help line about the console's Shift-Tab is longer than 80 columns: it goes on
/// on the next line, under its description, instead of losing its end.
#[test]
fn help_lines_longer_than_the_box_go_on_below_instead_of_being_cut() {
    for (profile, _) in PROFILES {
        let mut harness = Harness::new(profile, &sample_integrations());
        harness.press(KeyCode::Enter);
        harness.press(KeyCode::F(1));
        let screen = harness.screen(80, 24);
        assert!(screen.contains("(Shift-Tab arrives as"), "{screen}");
        let rest = screen
            .lines()
            .find(|line| line.contains("console)") && !line.contains("Shift-Tab"))
            .unwrap_or_else(|| panic!("the line's end on a line of its own:\n{screen}"));
        assert!(
            rest.trim_start_matches(['│', '|'])
                .starts_with("                  "),
            "under the description, not under the keys: {rest}"
        );
    }
}
