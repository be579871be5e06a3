//! Drives the TUI's `App` with keys, without a terminal: effects are carried out
//! synchronously against a store in a temporary home, and screens are drawn on
//! ratatui's `TestBackend`.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use hookconsole::model::Integration;
use hookconsole::store::{IntegrationStore, Locations};
use hookconsole::tui::{
    App, AppPaths, AuthorizeId, AuthorizeInput, Effect, Message, Profile, StoreWork, Stores,
    TaskWork, TerminalWork, VerifyId, perform,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub const CALLBACK_URL: &str = "https://hiab.example.com/portal/oauth";
/// The appliance's name the settings give (`appliance.name` in the preview).
pub const APPLIANCE: &str = "scanner-7.corp.example";

pub struct Harness {
    pub app: App,
    pub stores: Stores,
    pub home: tempfile::TempDir,
    /// What the fake external editor returns.
    pub external_text: String,
    pub quit: bool,
    /// VERIFY runs the app asked for; a test carries them out (they need a network).
    pub verifies: Vec<(VerifyId, Integration)>,
    pub cancelled: Vec<VerifyId>,
    /// AUTHORIZE sessions the app asked for, and what it sent them.
    pub authorizes: Vec<(AuthorizeId, Integration)>,
    pub authorize_inputs: Vec<(AuthorizeId, AuthorizeInput)>,
    /// Site steps the app asked for: (session, integration, site wanted).
    pub site_choices: Vec<(AuthorizeId, String, Option<String>)>,
    /// Checks of the callback URL the app asked for.
    pub callback_checks: usize,
    /// URLs printed unbroken or copied by OSC 52.
    pub printed: Vec<String>,
    pub copied: Vec<String>,
    /// Full redraws asked for (Ctrl-L, after the external editor).
    pub redraws: usize,
    /// Every effect the app asked for, counted.
    pub effects: usize,
}

impl Harness {
    pub fn new(profile: Profile, integrations: &[Integration]) -> Harness {
        let home = tempfile::tempdir().expect("temp home");
        let locations = Locations::in_home(home.path());
        let store = IntegrationStore::new(locations.integrations_file());
        for integration in integrations {
            store
                .put(None, integration.clone())
                .expect("fixture is valid");
        }
        // Fixed paths on screen, so that snapshots do not show the temporary home.
        let paths = AppPaths {
            integrations_file: PathBuf::from("/var/lib/hookconsole/integrations.yaml"),
            log_file: PathBuf::from("/var/lib/hookconsole/logs/hookconsole.log"),
        };
        let (app, effects) = App::new(profile, paths);
        let mut harness = Harness {
            app,
            stores: Stores::new(&locations),
            home,
            external_text: String::new(),
            quit: false,
            verifies: Vec::new(),
            cancelled: Vec::new(),
            authorizes: Vec::new(),
            authorize_inputs: Vec::new(),
            site_choices: Vec::new(),
            callback_checks: 0,
            printed: Vec::new(),
            copied: Vec::new(),
            redraws: 0,
            effects: 0,
        };
        let effects = effects
            .into_iter()
            .filter(|effect| *effect != Effect::Store(StoreWork::FindAppliance))
            .collect();
        harness.run(effects);
        harness.app.handle_message(Message::Appliance {
            callback_url: CALLBACK_URL.into(),
            name: APPLIANCE.into(),
            destinations: Default::default(),
        });
        harness.app.status = None;
        harness
    }

    pub fn store(&self) -> IntegrationStore {
        self.stores.integrations.clone()
    }

    pub fn stored(&self) -> Vec<Integration> {
        self.store().load().expect("store loads").integrations
    }

    /// Carries out effects as the runtime would, each kind in its own match: store work
    /// against the home, tasks and terminal work recorded for the test.
    pub fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            self.effects += 1;
            match effect {
                Effect::Quit => self.quit = true,
                Effect::Store(work) => {
                    let message = perform(work, &self.stores);
                    queue.extend(self.app.handle_message(message));
                }
                Effect::Task(work) => self.task(work),
                Effect::Terminal(work) => match work {
                    TerminalWork::Redraw => self.redraws += 1,
                    TerminalWork::PrintUrl(url) => self.printed.push(url),
                    TerminalWork::CopyToClipboard(text) => self.copied.push(text),
                    TerminalWork::EditExternally(_) => {
                        let message = Message::ExternallyEdited(Ok(self.external_text.clone()));
                        queue.extend(self.app.handle_message(message));
                    }
                },
            }
        }
    }

    /// Background tasks need a network: recorded, for a test to carry out.
    fn task(&mut self, work: TaskWork) {
        match work {
            TaskWork::StartVerify { id, integration } => self.verifies.push((id, *integration)),
            TaskWork::CancelVerify(id) => self.cancelled.push(id),
            TaskWork::StartAuthorize { id, integration } => {
                self.authorizes.push((id, *integration))
            }
            TaskWork::AuthorizeInput { id, input } => self.authorize_inputs.push((id, input)),
            TaskWork::ChooseSite { id, name, wanted } => self.site_choices.push((id, name, wanted)),
            TaskWork::CheckCallback => self.callback_checks += 1,
        }
    }

    pub fn event(&mut self, event: Event) {
        let effects = self.app.handle_event(event);
        self.run(effects);
    }

    pub fn press(&mut self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn press_n(&mut self, code: KeyCode, times: usize) {
        for _ in 0..times {
            self.press(code);
        }
    }

    pub fn ctrl(&mut self, c: char) {
        self.event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn alt(&mut self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::ALT)));
    }

    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\n' => self.press(KeyCode::Enter),
                '\t' => self.press(KeyCode::Tab),
                c => self.press(KeyCode::Char(c)),
            }
        }
    }

    /// Clears the focused box (Ctrl-U from its end) and types `text`.
    pub fn replace(&mut self, text: &str) {
        self.press(KeyCode::End);
        self.ctrl('u');
        self.keys(text);
    }

    pub fn paste(&mut self, text: &str) {
        self.event(Event::Paste(text.to_string()));
    }

    pub fn terminal(&mut self, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        terminal.draw(|frame| self.app.render(frame)).expect("draw");
        terminal
    }

    /// The screen as text, one line per row.
    pub fn screen(&mut self, width: u16, height: u16) -> String {
        let terminal = self.terminal(width, height);
        let buffer = terminal.backend().buffer();
        let mut text = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                text.push_str(buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        text
    }
}

pub fn webhook(name: &str, url: &str) -> Integration {
    Integration::new(name, url)
}

pub fn certificate_pem() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/selfsigned.pem"
    ))
    .expect("fixture certificate")
}

/// A few integrations of every kind, for list screens.
pub fn sample_integrations() -> Vec<Integration> {
    use hookconsole::model::{Authentication, HttpMethod, OAuthSettings, Secret};
    let mut jira = webhook(
        "Jira Cloud",
        "https://api.atlassian.com/ex/jira/1234/rest/api/2/issue",
    );
    jira.authentication = Authentication::OAuth(OAuthSettings {
        client_id: "abc".into(),
        client_secret: Secret::new("s3cret"),
        token_url: "https://auth.atlassian.com/oauth/token".into(),
        authorize_url: "https://auth.atlassian.com/authorize".into(),
        ..OAuthSettings::default()
    });
    let mut teams = webhook(
        "Teams alerts",
        "https://example.webhook.office.com/webhookb2/x",
    );
    teams.enabled = false;
    let mut ticketing = webhook("Ticketing", "http://10.0.0.5:8080/hooks/scan");
    ticketing.http_method = Some(HttpMethod::Put);
    ticketing.authentication = Authentication::Basic {
        username: "scanner".into(),
        password: Secret::new("pw"),
    };
    vec![jira, teams, ticketing]
}

/// The pieces of `fingerprint` (`AB:CD:…`) on a screen, one per row they are on, in
/// screen order: what a person copies line by line.
pub fn fingerprint_pieces(screen: &str, fingerprint: &str) -> Vec<String> {
    screen
        .lines()
        .flat_map(|line| {
            line.split(|c: char| c.is_whitespace() || c == '\u{2502}' || c == '|')
                .filter(|word| word.len() >= 2 && fingerprint.contains(word))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Checks that `fingerprint` is on `screen`, whole, each time it is shown, and that
/// each of its lines holds whole bytes and ends at a colon (never `…:CB:5` then
/// `D:EF`, never a line starting with `:`).
pub fn assert_fingerprint_breaks_at_colons(screen: &str, fingerprint: &str) {
    let pieces = fingerprint_pieces(screen, fingerprint);
    let mut shown = 0;
    let mut run: Vec<&String> = Vec::new();
    for piece in &pieces {
        // A word like `CA` is a fingerprint's only where one goes on.
        if run.is_empty() && !piece.contains(':') {
            continue;
        }
        run.push(piece);
        let joined: String = run.iter().map(|p| p.as_str()).collect();
        if joined == fingerprint {
            shown += 1;
            for (index, piece) in run.iter().enumerate() {
                let last = index + 1 == run.len();
                assert!(!piece.starts_with(':'), "{piece}\n{screen}");
                assert_eq!(piece.ends_with(':'), !last, "{piece}\n{screen}");
                assert!(
                    piece
                        .trim_end_matches(':')
                        .split(':')
                        .all(|byte| byte.len() == 2),
                    "a byte broken in {piece}\n{screen}"
                );
            }
            run.clear();
        } else if !fingerprint.starts_with(&joined) {
            panic!("a piece of the fingerprint out of place: {run:?}\n{screen}");
        }
    }
    assert!(shown > 0 && run.is_empty(), "{pieces:?}\n{screen}");
}

/// Every key a person can press that the TUI could mean something by: printable ASCII,
/// the named keys, F1-F12, Ctrl with a letter, Alt-Tab.
pub fn every_key() -> Vec<KeyEvent> {
    let mut keys: Vec<KeyEvent> = (' '..='~')
        .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
        .collect();
    for code in [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
    ] {
        keys.push(KeyEvent::new(code, KeyModifiers::NONE));
    }
    keys.extend((1..=12).map(|n| KeyEvent::new(KeyCode::F(n), KeyModifiers::NONE)));
    keys.extend(('a'..='z').map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    keys.push(KeyEvent::new(KeyCode::Tab, KeyModifiers::ALT));
    keys
}

/// A key as help names it: `Enter`, `PgDn`, `Ctrl-S`, `Shift-Tab`, `Space`, `q`.
pub fn key_name(key: &KeyEvent) -> String {
    let name = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return format!("Ctrl-{}", c.to_ascii_uppercase());
        }
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    };
    if key.modifiers.contains(KeyModifiers::ALT) {
        format!("Alt-{name}")
    } else {
        name
    }
}

/// The keys the help of `context` lists (each entry's `A/B/C`, where `/` alone is
/// the slash key).
pub fn listed_keys(context: hookconsole::tui::KeyContext) -> Vec<String> {
    hookconsole::tui::help_entries(context)
        .into_iter()
        .flat_map(|(keys, _)| {
            if keys == "/" {
                vec![keys]
            } else {
                keys.split('/').map(str::to_string).collect()
            }
        })
        .collect()
}

/// What a key can change: the cells and their styles (a countdown's digits aside),
/// the cursor, the view taking keys, the effects asked for, quitting.
#[derive(Debug, PartialEq)]
struct Observed {
    cells: Vec<(String, ratatui::style::Style)>,
    cursor: Option<ratatui::layout::Position>,
    context: hookconsole::tui::KeyContext,
    effects: usize,
    quit: bool,
}

fn observe(harness: &mut Harness) -> Observed {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
    let mut cursor = None;
    terminal
        .draw(|frame| {
            cursor = harness.app.render_frame(frame).cursor;
        })
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let mut cells = Vec::new();
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        // Clocks tick between two frames: their digits are not what a key changed.
        let clock = ["Time left", "Verifying...", "Cancelling..."]
            .iter()
            .any(|clock| row.contains(clock));
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            let symbol = if clock && cell.symbol().chars().all(|c| c.is_ascii_digit()) {
                "#".to_string()
            } else {
                cell.symbol().to_string()
            };
            cells.push((symbol, cell.style()));
        }
    }
    Observed {
        cells,
        cursor,
        context: harness.app.key_context(),
        effects: harness.effects,
        quit: harness.quit,
    }
}

/// Checks the keys of the view `context` against its help: every key that does
/// something there is listed, and every key listed does something in at least one of
/// `states` (each builds a fresh app showing that view; pass states where each key
/// has something to act on: a selection with rows above and below, a text with the
/// cursor inside it, a box that scrolls). Where the view types text, printable
/// characters are listed by the help's "type" line.
pub fn assert_help_lists_what_keys_do(
    context: hookconsole::tui::KeyContext,
    states: &[&dyn Fn() -> Harness],
) {
    let listed = listed_keys(context);
    let types = hookconsole::tui::help_entries(context)
        .iter()
        .any(|(keys, _)| keys == "Other keys");
    let mut unlisted = Vec::new();
    let mut idle = Vec::new();
    // A state a key left unchanged serves the next key too: fresh apps only after a
    // key acted, which keeps the few hundred keys quick.
    let mut kept: Vec<Option<Harness>> = states.iter().map(|_| None).collect();
    for key in every_key() {
        let name = key_name(&key);
        let printable = matches!(key.code, KeyCode::Char(_)) && key.modifiers.is_empty();
        if types && printable && !listed.contains(&name) {
            // Typed into the box, as the help's "Other keys" line says.
            continue;
        }
        let is_listed = listed.contains(&name);
        let mut acted = false;
        for (index, state) in states.iter().enumerate() {
            let mut harness = kept[index].take().unwrap_or_else(|| {
                let harness = state();
                assert_eq!(harness.app.key_context(), context, "state {index}");
                harness
            });
            let before = observe(&mut harness);
            harness.event(Event::Key(key));
            let after = observe(&mut harness);
            if before == after {
                kept[index] = Some(harness);
            } else {
                acted = true;
                if !is_listed {
                    unlisted.push(format!("{name} (state {index})"));
                }
            }
        }
        if is_listed && !acted {
            idle.push(name);
        }
    }
    assert!(
        unlisted.is_empty() && idle.is_empty(),
        "{context:?}: keys that act but help does not list: {unlisted:?}; keys help lists \
         that do nothing: {idle:?}"
    );
}
