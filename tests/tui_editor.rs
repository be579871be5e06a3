//! The editor driven by keys (issue 17): a PEM certificate typed line by line as the
//! Linux console delivers a paste, the site discovery fields and AUTHORIZE on the
//! AUTHENTICATION pane, "unsaved" meaning different from what is stored, counts in
//! the singular, and the preset's own fields asked for when the preset is chosen.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::{Authentication, Field, Integration, Secret, find_preset};
use hookconsole::tui::{KeyContext, Pane, Popup, Profile, Screen, Slot};
use tui_support::{Harness, certificate_pem, sample_integrations, webhook};

fn editor_slot(harness: &Harness) -> (Pane, Slot) {
    match &harness.app.screen {
        Screen::Editor(editor) => (editor.pane(), editor.focused()),
        other => panic!("not in the editor: {other:?}"),
    }
}

fn is_dirty(harness: &Harness) -> bool {
    match &harness.app.screen {
        Screen::Editor(editor) => editor.is_dirty(),
        other => panic!("not in the editor: {other:?}"),
    }
}

/// Tab until `slot` has the focus (on the pane shown).
fn focus(harness: &mut Harness, slot: Slot) {
    for _ in 0..40 {
        if editor_slot(harness).1 == slot {
            return;
        }
        harness.press(KeyCode::Tab);
    }
    panic!("no {slot:?} on {:?}", editor_slot(harness).0);
}

/// Esc on AUTHORIZE cancels the session; once it has ended, Esc leaves.
fn cancel_and_leave_authorize(harness: &mut Harness) {
    use hookconsole::oauth::{FlowState, SessionUpdate};
    let id = harness.authorizes.last().expect("a session").0;
    harness.press(KeyCode::Esc);
    let effects = harness
        .app
        .handle_message(hookconsole::tui::Message::AuthorizeUpdate {
            id,
            update: SessionUpdate::State(FlowState::Cancelled),
        });
    harness.run(effects);
    harness.press(KeyCode::Esc);
}

/// The Jira Cloud preset as stored after `add --preset jira-cloud`: no URL yet.
fn jira_from_preset() -> Integration {
    let mut jira = find_preset("jira-cloud").unwrap().with_defaults();
    jira.name = "Jira".into();
    let Authentication::OAuth(oauth) = &mut jira.authentication else {
        unreachable!("Jira Cloud uses OAuth")
    };
    oauth.client_id = "hiab-client".into();
    oauth.client_secret = Secret::new("client-secret");
    jira
}

/// Types `text` as the Linux console delivers a paste without bracketed paste: one key
/// event per character, Enter (CR) for each line break, no paste event.
fn type_as_the_console_pastes(harness: &mut Harness, text: &str) {
    for c in text.chars() {
        match c {
            '\n' => harness.press(KeyCode::Enter),
            c => harness.press(KeyCode::Char(c)),
        }
    }
}

fn certificate_pane(harness: &mut Harness) {
    harness.press(KeyCode::Enter);
    harness.ctrl('p');
    harness.ctrl('p');
    assert_eq!(
        editor_slot(harness),
        (Pane::Certificate, Slot::CertificatePath)
    );
}

#[test]
fn a_pem_typed_line_by_line_becomes_the_certificate_without_a_dialog_per_line() {
    let mut harness = Harness::new(Profile::CONSOLE, &[webhook("Hook", "https://h.example/")]);
    certificate_pane(&mut harness);
    let pem = certificate_pem();
    let lines: Vec<&str> = pem.lines().collect();
    // Half way through, the block is being typed: no dialog, the lines so far shown.
    type_as_the_console_pastes(&mut harness, &lines[..3].join("\n"));
    harness.press(KeyCode::Enter);
    assert!(harness.app.popups.is_empty(), "{:?}", harness.app.popups);
    let typing = harness.screen(80, 24);
    assert!(typing.contains("-----BEGIN CERTIFICATE-----"), "{typing}");
    assert!(typing.contains("-----END"), "says how it ends:\n{typing}");
    type_as_the_console_pastes(&mut harness, &lines[3..].join("\n"));
    // The Enter after the last line, as a console paste ends.
    harness.press(KeyCode::Enter);
    assert!(harness.app.popups.is_empty(), "{:?}", harness.app.popups);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("CN=jira.example.test"), "{screen}");
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].certificate, Some(pem));
}

#[test]
fn a_typed_chain_keeps_every_certificate() {
    let mut harness = Harness::new(Profile::CONSOLE, &[webhook("Hook", "https://h.example/")]);
    certificate_pane(&mut harness);
    let pem = certificate_pem();
    // Two blocks one after the other (a chain); the last without its line break.
    type_as_the_console_pastes(&mut harness, &pem);
    type_as_the_console_pastes(&mut harness, pem.trim_end());
    assert!(harness.app.popups.is_empty(), "{:?}", harness.app.popups);
    let screen = harness.screen(120, 40);
    assert!(screen.contains("Subject 2"), "{screen}");
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].certificate, Some(format!("{pem}{pem}")));
}

#[test]
fn a_mistyped_pem_is_an_error_next_to_the_field_and_esc_drops_a_block() {
    let mut harness = Harness::new(Profile::CONSOLE, &[webhook("Hook", "https://h.example/")]);
    certificate_pane(&mut harness);
    let pem = certificate_pem();
    let mangled = pem.replacen("MII", "MIX!", 1);
    type_as_the_console_pastes(&mut harness, &mangled);
    assert!(harness.app.popups.is_empty(), "{:?}", harness.app.popups);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Error:"), "{screen}");
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].certificate, None, "nothing saved");
    // A block cut short (no END line) ends on Ctrl-S, and is checked then.
    harness.ctrl('d');
    let lines: Vec<&str> = pem.lines().collect();
    type_as_the_console_pastes(&mut harness, &lines[..4].join("\n"));
    harness.ctrl('s');
    assert!(harness.app.popups.is_empty(), "{:?}", harness.app.popups);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Error:"), "{screen}");
    assert!(
        !screen.contains("Typing PEM text"),
        "the block ended:\n{screen}"
    );
    assert_eq!(harness.stored()[0].certificate, None, "nothing saved");
    // Esc drops a block being typed, and leaves the editor open.
    harness.ctrl('d');
    type_as_the_console_pastes(&mut harness, "-----BEGIN CERTIFICATE-----\nMIIB");
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    assert!(!harness.screen(80, 24).contains("MIIB"));
    // A path is still read from the same box.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/selfsigned.pem");
    harness.keys(path);
    harness.press(KeyCode::Enter);
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].certificate, Some(pem));
}

#[test]
fn sites_url_and_site_url_pattern_are_edited_on_the_authentication_pane() {
    let mut harness = Harness::new(Profile::RICH, &[jira_from_preset()]);
    harness.press(KeyCode::Enter);
    harness.ctrl('n');
    focus(&mut harness, Slot::Field(Field::SitesUrl));
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("> Sites URL"),
        "in view at 80x24:\n{screen}"
    );
    assert!(screen.contains("accessible-resources"), "{screen}");
    harness.replace("https://sites.example.test/list");
    harness.press(KeyCode::Tab);
    assert_eq!(editor_slot(&harness).1, Slot::Field(Field::SiteUrl));
    assert!(harness.screen(80, 24).contains("> Site URL pattern"));
    harness.replace("https://sites.example.test/{id}/issue");
    harness.ctrl('s');
    let Authentication::OAuth(oauth) = &harness.stored()[0].authentication else {
        panic!("OAuth");
    };
    assert_eq!(oauth.sites_url, "https://sites.example.test/list");
    assert_eq!(oauth.site_url, "https://sites.example.test/{id}/issue");
    // A pattern without {id} is refused next to its field.
    harness.replace("https://sites.example.test/issue");
    harness.ctrl('s');
    let screen = harness.screen(80, 24);
    assert!(screen.contains("> Site URL pattern"), "{screen}");
    assert!(screen.contains("Error:"), "{screen}");
}

#[test]
fn authorize_from_the_editor_saves_first_then_authorizes() {
    let mut harness = Harness::new(Profile::RICH, &[jira_from_preset()]);
    harness.press(KeyCode::Enter);
    harness.ctrl('n');
    focus(&mut harness, Slot::Field(Field::ClientId));
    harness.replace("new-client");
    harness.press(KeyCode::F(8));
    let Authentication::OAuth(oauth) = &harness.stored()[0].authentication else {
        panic!("OAuth");
    };
    assert_eq!(oauth.client_id, "new-client", "saved first");
    assert_eq!(harness.authorizes.len(), 1);
    assert!(matches!(harness.app.screen, Screen::Authorize(_)));
    // Back from AUTHORIZE: the editor, on the AUTHENTICATION pane, as stored now.
    cancel_and_leave_authorize(&mut harness);
    assert_eq!(
        editor_slot(&harness),
        (Pane::Authentication, Slot::Authorize)
    );
    assert!(!is_dirty(&harness));
    // The button does the same; with nothing changed, nothing is saved again.
    // (A save writes a new file in its place: another inode.)
    let file = harness.home.path().join("integrations.yaml");
    let inode = || std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&file).unwrap());
    let before = inode();
    harness.press(KeyCode::Enter);
    assert_eq!(harness.authorizes.len(), 2);
    assert_eq!(inode(), before, "not saved again");
    cancel_and_leave_authorize(&mut harness);
    // An invalid form is not saved and not authorized: the error is shown.
    focus(&mut harness, Slot::Field(Field::TokenUrl));
    harness.replace("not a url");
    harness.press(KeyCode::F(8));
    assert_eq!(harness.authorizes.len(), 2);
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    assert!(harness.screen(80, 24).contains("Error:"));
}

#[test]
fn authorize_in_the_editor_of_a_basic_integration_says_oauth_is_needed() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::End);
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::F(8));
    assert!(harness.authorizes.is_empty());
    let status = harness.app.status.clone().unwrap_or_default();
    assert!(status.contains("OAuth"), "{status}");
}

#[test]
fn a_field_changed_and_changed_back_is_not_unsaved() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Enter);
    harness.keys("x");
    assert!(is_dirty(&harness));
    harness.press(KeyCode::Backspace);
    assert!(!is_dirty(&harness), "the name is as stored again");
    assert!(harness.screen(80, 24).contains("no unsaved changes"));
    // A choice cycled round, a header row added and left empty: nothing to save.
    harness.press_n(KeyCode::Tab, 3);
    harness.press(KeyCode::Right);
    assert!(is_dirty(&harness));
    harness.press(KeyCode::Left);
    assert!(!is_dirty(&harness));
    // Past Enabled and Signing to the Add header button.
    harness.press_n(KeyCode::Tab, 3);
    harness.press(KeyCode::Enter);
    assert!(!is_dirty(&harness));
    // So Esc closes without asking.
    harness.press(KeyCode::Esc);
    assert!(harness.app.popups.is_empty());
    assert!(matches!(harness.app.screen, Screen::List));
}

/// A save stores the name trimmed; the form then shows the name as stored, not as
/// typed, beside "no unsaved changes".
#[test]
fn after_a_save_the_form_shows_what_was_stored() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Enter);
    let name = harness.stored()[0].name.clone();
    harness.press(KeyCode::Home);
    harness.keys("   ");
    harness.press(KeyCode::End);
    harness.keys("  ");
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].name, name, "stored trimmed");
    let Screen::Editor(editor) = &harness.app.screen else {
        panic!("the editor stays open")
    };
    assert!(!editor.is_dirty());
    let screen = harness.screen(80, 24);
    assert!(screen.contains("no unsaved changes"), "{screen}");
    // The value column, where the name begins when nothing precedes it.
    let row = screen.lines().find(|line| line.contains("> Name")).unwrap();
    assert!(
        row.contains(&format!("Name{}{name}", " ".repeat(19))),
        "{screen}"
    );
}

#[test]
fn counts_of_one_read_in_the_singular() {
    let mut hook = webhook("Hook", "https://h.example/");
    hook.content_sample = "{}".into();
    let mut harness = Harness::new(Profile::RICH, &[hook]);
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Tab);
    harness.replace("not a url");
    harness.ctrl('s');
    let screen = harness.screen(80, 24);
    assert!(screen.contains("1 field needs attention"), "{screen}");
    harness.press(KeyCode::F(3));
    let status = harness.app.status.clone().unwrap_or_default();
    assert!(status.contains("1 field to fix"), "{status}");
    harness.ctrl('p');
    let screen = harness.screen(80, 24);
    assert!(screen.contains("(1 line)"), "{screen}");
    // Loading one integration.
    let mut harness = Harness::new(Profile::RICH, &[webhook("Hook", "https://h.example/")]);
    harness.keys("r");
    let status = harness.app.status.clone().unwrap_or_default();
    assert_eq!(status, "1 integration loaded");
}

/// Choosing Jira Cloud asks for its project key and issue type, as
/// `--preset-field` does, and the editor opens with them in the content sample.
#[test]
fn choosing_a_preset_with_fields_asks_for_them_first() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Down);
    harness.press(KeyCode::Enter);
    assert_eq!(harness.app.key_context(), KeyContext::PresetFields);
    let screen = harness.screen(80, 24);
    for text in ["Project key", "TEST", "Issue type", "Task"] {
        assert!(screen.contains(text), "{text}:\n{screen}");
    }
    harness.replace("OPS");
    harness.press(KeyCode::Tab);
    harness.replace("Bug \"urgent\"");
    harness.press(KeyCode::Enter);
    let Screen::Editor(editor) = &harness.app.screen else {
        panic!("the editor opens after the fields");
    };
    let sample = editor.build().0.content_sample;
    assert!(sample.contains(r#""key": "OPS""#), "{sample}");
    assert!(sample.contains(r#""name": "Bug \"urgent\"""#), "{sample}");
    // What was typed for the preset is an edit: Esc asks before dropping it.
    assert!(is_dirty(&harness));
    harness.press(KeyCode::Esc);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Unsaved edits"), "{screen}");

    // The preset's own defaults taken as they are: nothing typed, nothing to ask.
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Down);
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Tab);
    harness.press(KeyCode::Enter);
    assert!(!is_dirty(&harness));
}

#[test]
fn a_preset_field_left_empty_or_holding_template_code_is_refused_next_to_it() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Down);
    harness.press(KeyCode::Enter);
    harness.replace("");
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Enter);
    assert_eq!(harness.app.key_context(), KeyContext::PresetFields);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Error:"), "{screen}");
    assert!(
        screen.contains("> Project key"),
        "the focus on the field:\n{screen}"
    );
    harness.replace("{{ event.id }}");
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Enter);
    assert_eq!(harness.app.key_context(), KeyContext::PresetFields);
    // Esc goes back to the types, and the plain webhook opens at once.
    harness.press(KeyCode::Esc);
    assert_eq!(harness.app.key_context(), KeyContext::Chooser);
    harness.press(KeyCode::Up);
    harness.press(KeyCode::Enter);
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    assert!(
        !harness
            .app
            .popups
            .iter()
            .any(|popup| matches!(popup, Popup::Dialog(_)))
    );
}

#[test]
fn help_lists_every_key_the_preset_fields_act_on() {
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::PresetFields,
        &[&|| {
            let mut harness = Harness::new(Profile::RICH, &[]);
            harness.keys("n");
            harness.press(KeyCode::Down);
            harness.press(KeyCode::Enter);
            harness.press(KeyCode::Tab);
            harness.press(KeyCode::Left);
            harness
        }],
    );
}
