//! TUI benchmark (not a timed test): start-up to first frame, and one frame with
//! 10,000 integrations in the list, at 80x24 on ratatui's TestBackend. Prints the
//! median and the 95th percentile. Run: `cargo bench --bench tui`.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hookconsole::model::{Authentication, HttpMethod, Integration, OAuthSettings, Secret};
use hookconsole::store::{IntegrationStore, Locations};
use hookconsole::tui::{App, AppPaths, Effect, Profile, StoreWork, Stores, perform};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const COUNT: usize = 10_000;

fn paths() -> AppPaths {
    AppPaths {
        integrations_file: PathBuf::from("/var/lib/hookconsole/integrations.yaml"),
        log_file: PathBuf::from("/var/lib/hookconsole/logs/hookconsole.log"),
    }
}

fn integrations() -> Vec<Integration> {
    (0..COUNT)
        .map(|index| {
            let mut integration = Integration::new(
                format!("integration {index:05}"),
                format!("https://host{}.example.test/hooks/{index}", index % 97),
            );
            match index % 3 {
                0 => {}
                1 => {
                    integration.http_method = Some(HttpMethod::Put);
                    integration.authentication = Authentication::Basic {
                        username: "scanner".into(),
                        password: Secret::new("pw"),
                    };
                }
                _ => {
                    integration.authentication = Authentication::OAuth(OAuthSettings {
                        client_id: "id".into(),
                        client_secret: Secret::new("secret"),
                        token_url: "https://auth.example.test/token".into(),
                        authorize_url: "https://auth.example.test/authorize".into(),
                        ..OAuthSettings::default()
                    });
                }
            }
            integration.enabled = index % 5 != 0;
            integration
        })
        .collect()
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction).round() as usize];
    println!(
        "{name:<58} median {:>9.3} ms   p95 {:>9.3} ms   ({} runs)",
        at(0.5).as_secs_f64() * 1000.0,
        at(0.95).as_secs_f64() * 1000.0,
        samples.len()
    );
}

fn loaded_app(stores: &Stores) -> App {
    let (mut app, effects) = App::new(Profile::RICH, paths());
    for effect in effects {
        if effect == Effect::Store(StoreWork::Load) {
            app.handle_message(perform(StoreWork::Load, stores));
        }
    }
    app
}

fn main() {
    let home = tempfile::tempdir().expect("temp dir");
    let locations = Locations::in_home(home.path());
    let store = IntegrationStore::new(locations.integrations_file());
    let empty = store.load().expect("empty store");
    store
        .replace_all(empty.revision, integrations())
        .expect("10,000 integrations written");
    let stores = Stores::new(&locations);

    // Start-up to first frame: the app is built and draws its first screen
    // ("Loading...") before the integrations file is read, off the UI task.
    let mut samples = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let (mut app, _effects) = App::new(Profile::RICH, paths());
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        terminal.draw(|frame| app.render(frame)).expect("draw");
        samples.push(started.elapsed());
    }
    report("start-up to first frame (80x24)", samples);

    // Start-up until the list of 10,000 is on screen: read + parse + validate the
    // YAML file, sort, draw.
    let mut samples = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let mut app = loaded_app(&stores);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        terminal.draw(|frame| app.render(frame)).expect("draw");
        samples.push(started.elapsed());
    }
    report(
        "start-up to first frame with 10,000 loaded (80x24)",
        samples,
    );

    // Of which the store's load alone (read, parse, validate; off the UI task).
    let mut samples = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let catalog = stores.integrations.load().expect("load");
        samples.push(started.elapsed());
        assert_eq!(catalog.integrations.len(), COUNT);
    }
    report("  of which IntegrationStore::load of 10,000", samples);

    // One frame with 10,000 integrations: a key (selection down) and the redraw.
    let mut app = loaded_app(&stores);
    assert_eq!(app.integrations().len(), COUNT);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal.draw(|frame| app.render(frame)).expect("draw");
    let down = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
    let mut samples = Vec::new();
    for _ in 0..2000 {
        let started = Instant::now();
        app.handle_key(down);
        terminal.draw(|frame| app.render(frame)).expect("draw");
        samples.push(started.elapsed());
    }
    report(
        "one frame, 10,000 integrations, key Down + draw (80x24)",
        samples,
    );

    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut samples = Vec::new();
    for _ in 0..2000 {
        let started = Instant::now();
        app.handle_key(down);
        terminal.draw(|frame| app.render(frame)).expect("draw");
        samples.push(started.elapsed());
    }
    report(
        "one frame, 10,000 integrations, key Down + draw (120x40)",
        samples,
    );

    // Typing into the filter recomputes the rows over all 10,000.
    let mut samples = Vec::new();
    let slash = KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE);
    app.handle_key(slash);
    for index in 0..200 {
        let c = if index % 2 == 0 { '7' } else { '\u{8}' };
        let key = if c == '\u{8}' {
            KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)
        } else {
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
        };
        let started = Instant::now();
        app.handle_key(key);
        terminal.draw(|frame| app.render(frame)).expect("draw");
        samples.push(started.elapsed());
    }
    report("filter keystroke over 10,000 + draw (120x40)", samples);
}
