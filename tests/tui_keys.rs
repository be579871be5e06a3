//! The TUI driven by keys, without a terminal: what a person types ends up in the
//! store, and what is wrong shows next to the right field.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::{
    ApiType, Authentication, ClientAuthentication, Header, HttpMethod, Integration, OAuthSettings,
    Secret,
};
use hookconsole::tui::{KeyContext, Pane, Popup, Profile, Screen, Slot, bindings};
use tui_support::{Harness, certificate_pem, sample_integrations, webhook};

fn editor_slot(harness: &Harness) -> (Pane, Slot) {
    match &harness.app.screen {
        Screen::Editor(editor) => (editor.pane(), editor.focused()),
        other => panic!("not in the editor: {other:?}"),
    }
}

fn in_list(harness: &Harness) -> bool {
    matches!(harness.app.screen, Screen::List) && harness.app.popups.is_empty()
}

fn dialog_title(harness: &Harness) -> Option<String> {
    match harness.app.popups.last() {
        Some(Popup::Dialog(dialog)) => Some(dialog.title().to_string()),
        _ => None,
    }
}

/// Types every SETTINGS field of a new integration named `name`.
fn type_settings(harness: &mut Harness, name: &str) {
    harness.keys("n");
    harness.press(KeyCode::Enter);
    assert_eq!(
        editor_slot(harness).1,
        Slot::Field(hookconsole::model::Field::Name)
    );
    harness.keys(name);
    harness.press(KeyCode::Tab);
    harness.keys("https://jira.example.test/rest/api/2/issue");
    harness.press(KeyCode::Tab);
    harness.replace("120");
    harness.press(KeyCode::Tab);
    harness.press_n(KeyCode::Right, 3); // (empty), GET, POST, PUT
    harness.press(KeyCode::Tab);
    harness.keys(" "); // enabled: yes -> no
    harness.press_n(KeyCode::Tab, 2); // past Signing (off)
    assert_eq!(editor_slot(harness).1, Slot::AddHeader);
    harness.press(KeyCode::Enter);
    harness.keys("X-Team\tops\t");
    harness.press(KeyCode::Enter);
    harness.keys("Content-Type\tapplication/json");
}

#[test]
fn create_with_every_field_saves_what_was_typed() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    type_settings(&mut harness, "Jira Cloud");
    harness.ctrl('n');
    assert_eq!(editor_slot(&harness).0, Pane::Authentication);
    harness.press_n(KeyCode::Right, 2); // None -> Basic -> OAuth
    harness.press(KeyCode::Tab); // past Grant (Authorization code)
    harness.keys("\tclient-1\tsecret-1\thttps://auth.example.test/oauth/token");
    harness.keys(
        "\thttps://auth.example.test/authorize\tapi.example.test\tread:jira-work write:jira-work\tprompt=consent\t",
    );
    harness.press(KeyCode::Right); // form -> json
    harness.press(KeyCode::Tab);
    harness.press(KeyCode::Right); // default -> body
    harness.press(KeyCode::Tab);
    harness.keys("https://auth.example.test/oauth/revoke");
    harness.ctrl('n');
    assert_eq!(editor_slot(&harness).0, Pane::Certificate);
    harness.paste(&certificate_pem());
    harness.ctrl('n');
    assert_eq!(editor_slot(&harness).0, Pane::ContentSample);
    // Enter starts typing into the sample; until then `e` would open $EDITOR.
    harness.press(KeyCode::Enter);
    harness.keys("{\n  \"summary\": \"scan finished\"\n}");
    harness.ctrl('s');
    assert_eq!(harness.app.status.as_deref(), Some("Saved `Jira Cloud`"));

    let mut expected = Integration::new("Jira Cloud", "https://jira.example.test/rest/api/2/issue");
    expected.retry_interval = 120;
    expected.http_method = Some(HttpMethod::Put);
    expected.enabled = false;
    expected.http_headers = vec![
        Header::new("X-Team", "ops"),
        Header::new("Content-Type", "application/json"),
    ];
    expected.certificate = Some(certificate_pem());
    expected.content_sample = "{\n  \"summary\": \"scan finished\"\n}".into();
    expected.authentication = Authentication::OAuth(OAuthSettings {
        client_id: "client-1".into(),
        client_secret: Secret::new("secret-1"),
        token_url: "https://auth.example.test/oauth/token".into(),
        authorize_url: "https://auth.example.test/authorize".into(),
        audience: "api.example.test".into(),
        scope: "read:jira-work write:jira-work".into(),
        authorize_parameters: "prompt=consent".into(),
        revocation_url: "https://auth.example.test/oauth/revoke".into(),
        api_type: ApiType::Json,
        client_authentication: Some(ClientAuthentication::Body),
        sites_url: String::new(),
        site_url: String::new(),
        ..OAuthSettings::default()
    });
    assert_eq!(harness.stored(), vec![expected]);

    // Clean after the save: Esc stops typing into the sample, the next closes the
    // editor without asking, and the list shows the new integration.
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    harness.press(KeyCode::Esc);
    assert!(in_list(&harness));
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Jira Cloud"), "{screen}");
    assert!(screen.contains("not authorized"), "{screen}");
}

#[test]
fn create_with_basic_authentication() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("+");
    harness.press(KeyCode::Enter);
    harness.keys("Ticketing\thttp://10.0.0.5:8080/hook");
    harness.ctrl('n');
    harness.press(KeyCode::Right);
    harness.keys("\tscanner\tpa:ss word");
    // The password is masked until revealed.
    assert!(!harness.screen(80, 24).contains("pa:ss word"));
    harness.ctrl('r');
    assert!(harness.screen(80, 24).contains("pa:ss word"));
    harness.ctrl('s');
    let stored = harness.stored();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].authentication,
        Authentication::Basic {
            username: "scanner".into(),
            password: Secret::new("pa:ss word"),
        }
    );
}

#[test]
fn edit_changes_only_what_was_typed() {
    let integrations = sample_integrations();
    let mut harness = Harness::new(Profile::RICH, &integrations);
    // Sorted by name: Jira Cloud, Teams alerts, Ticketing.
    harness.press(KeyCode::Down);
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Tab);
    harness.replace("https://teams.example.test/hook");
    harness.ctrl('s');
    let stored = harness.stored();
    let teams = stored
        .iter()
        .find(|i| i.name == "Teams alerts")
        .expect("kept");
    let mut expected = integrations[1].clone();
    expected.url = "https://teams.example.test/hook".into();
    assert_eq!(teams, &expected);
    assert_eq!(stored.len(), 3);
}

#[test]
fn a_rename_in_the_editor_keeps_the_authorization() {
    use hookconsole::store::{Authorization, TokenSet};
    let integrations = sample_integrations();
    let mut harness = Harness::new(Profile::RICH, &integrations);
    let authorized = Authorization::Authorized {
        tokens: TokenSet::bearer(Secret::new("access-1"), None, None, Vec::new()),
    };
    harness
        .stores
        .tokens
        .set("Jira Cloud", authorized.clone())
        .unwrap();
    harness.press(KeyCode::Enter); // Jira Cloud, first by name
    harness.replace("Jira EU");
    harness.ctrl('s');
    assert_eq!(
        harness.app.status.as_deref(),
        Some("Saved `Jira EU`: its authorization follows the new name")
    );
    assert_eq!(harness.stores.tokens.get("Jira Cloud").unwrap(), None);
    assert_eq!(
        harness.stores.tokens.get("Jira EU").unwrap(),
        Some(authorized)
    );
}

#[test]
fn invalid_input_shows_next_to_the_field_and_saves_nothing() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("Bad one\tnot a url\t");
    // Left the URL field: its error is already there, under it.
    let screen = harness.screen(80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    let url_line = lines
        .iter()
        .position(|l| l.contains("  URL "))
        .expect("URL row");
    assert!(
        lines[url_line + 1].contains("Error: `not a url` is not an absolute URL"),
        "{screen}"
    );
    harness.replace("abc");
    harness.ctrl('n');
    harness.ctrl('n');
    harness.ctrl('s');
    assert!(harness.stored().is_empty());
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    // All errors at once, cursor on the first bad field.
    assert_eq!(
        editor_slot(&harness),
        (Pane::Settings, Slot::Field(hookconsole::model::Field::Url))
    );
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Error: `not a url`"), "{screen}");
    assert!(
        screen.contains("Error: `abc` is not a whole number of seconds"),
        "{screen}"
    );
    assert!(screen.contains("2 fields need attention"), "{screen}");
}

#[test]
fn duplicate_name_is_refused_next_to_the_name() {
    let mut harness = Harness::new(
        Profile::RICH,
        &[webhook("Ops", "https://ops.example.test/")],
    );
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("ops\thttps://x.example.test/");
    harness.ctrl('s');
    assert_eq!(harness.stored().len(), 1);
    assert!(
        harness
            .screen(80, 24)
            .contains("Error: an integration named `Ops` already exists")
    );
}

#[test]
fn unsaved_edits_are_never_dropped_silently() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("Draft");
    // An Esc, as when an arrow key arrives split on a slow line: it asks.
    harness.press(KeyCode::Esc);
    assert_eq!(dialog_title(&harness).as_deref(), Some("Unsaved edits"));
    harness.keys("[A");
    // Enter on the default answer keeps editing, with the text intact.
    harness.press(KeyCode::Enter);
    assert!(harness.app.popups.is_empty());
    assert!(harness.screen(80, 24).contains("Draft"));
    // q types into the box; Ctrl-C asks too.
    harness.ctrl('c');
    assert_eq!(
        dialog_title(&harness).as_deref(),
        Some("Quit with unsaved edits?")
    );
    assert!(!harness.quit);
    harness.press(KeyCode::Esc);
    // Discard is a deliberate choice.
    harness.press(KeyCode::Esc);
    harness.press_n(KeyCode::Right, 2);
    harness.press(KeyCode::Enter);
    assert!(in_list(&harness));
    assert!(harness.stored().is_empty());
}

#[test]
fn save_from_the_unsaved_question_then_quit() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("Kept\thttps://kept.example.test/");
    harness.ctrl('c');
    harness.press(KeyCode::Right); // Save
    harness.press(KeyCode::Enter);
    assert!(harness.quit);
    assert_eq!(harness.stored()[0].name, "Kept");
}

#[test]
fn delete_asks_naming_the_integration_with_cancel_first() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Down); // Teams alerts
    harness.keys("d");
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Delete the integration `Teams alerts`?"),
        "{screen}"
    );
    assert!(screen.contains("[ Delete ]"));
    harness.press(KeyCode::Enter); // Cancel is focused
    assert_eq!(harness.stored().len(), 3);
    harness.keys("d");
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    let names: Vec<String> = harness.stored().into_iter().map(|i| i.name).collect();
    assert_eq!(names, ["Jira Cloud", "Ticketing"]);
    assert_eq!(
        harness.app.status.as_deref(),
        Some("Deleted `Teams alerts`")
    );
}

#[test]
fn deleting_an_authorized_integration_forgets_its_authorization() {
    use hookconsole::store::{Authorization, TokenSet};
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    let authorized = Authorization::Authorized {
        tokens: TokenSet::bearer(Secret::new("access-1"), None, None, Vec::new()),
    };
    harness.stores.tokens.set("Jira Cloud", authorized).unwrap();
    harness.keys("d"); // Jira Cloud, first by name
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Its authorization is forgotten"),
        "{screen}"
    );
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    assert_eq!(
        harness.app.status.as_deref(),
        Some(
            "Deleted `Jira Cloud`. Forgot the authorization of `Jira Cloud` \
             (no Revocation URL: revoke it at the provider too)"
        )
    );
    assert_eq!(harness.stores.tokens.get("Jira Cloud").unwrap(), None);
}

#[test]
fn filter_narrows_the_list_and_esc_clears_it() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("/tick");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Ticketing"));
    assert!(!screen.contains("Jira Cloud"));
    assert!(screen.contains("Integrations (1 of 3)"));
    harness.press(KeyCode::Enter);
    // The filtered selection is what Enter opens.
    harness.press(KeyCode::Enter);
    assert!(
        harness
            .screen(80, 24)
            .contains("Edit Webhook integration `Ticketing`")
    );
    harness.press(KeyCode::Esc);
    harness.press(KeyCode::Esc);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Jira Cloud") && screen.contains("Ticketing"));
    harness.keys("/nothing-matches");
    assert!(
        harness
            .screen(80, 24)
            .contains("No integration matches `nothing-matches`")
    );
}

#[test]
fn space_toggles_enabled_and_selection_survives_reload() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Down);
    harness.keys(" ");
    let teams = harness
        .stored()
        .into_iter()
        .find(|i| i.name == "Teams alerts");
    assert!(teams.is_some_and(|t| t.enabled));
    // Another session adds one that sorts first; reload keeps Teams selected.
    harness
        .store()
        .put(None, webhook("Alpha", "https://a.example.test/"))
        .unwrap();
    harness.keys("r");
    assert_eq!(
        harness.app.selected().map(|i| i.name.as_str()),
        Some("Teams alerts")
    );
}

#[test]
fn conflicting_save_offers_reload() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::Enter); // Jira Cloud
    harness.press(KeyCode::Tab);
    harness.replace("https://mine.example.test/");
    let store = harness.store();
    let mut theirs = store.load().unwrap().get("Jira Cloud").unwrap().clone();
    let original = theirs.clone();
    theirs.url = "https://theirs.example.test/".into();
    store.put(Some(&original), theirs).unwrap();
    harness.ctrl('s');
    assert_eq!(
        dialog_title(&harness).as_deref(),
        Some("Changed by another session")
    );
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    // The editor again, on the other session's version.
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("Edit Webhook integration `Jira Cloud`"),
        "{screen}"
    );
    assert!(screen.contains("https://theirs.example.test/"), "{screen}");
    assert!(screen.contains("Reloaded `Jira Cloud`"), "{screen}");
    assert!(screen.contains("no unsaved changes"), "{screen}");
    let stored = harness.stored();
    assert_eq!(stored[0].url, "https://theirs.example.test/");

    // Removed by the other session meanwhile: back to the list, which says so.
    harness.press(KeyCode::Tab);
    harness.replace("https://mine.example.test/");
    store.remove("Jira Cloud", None).unwrap();
    harness.ctrl('s');
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    assert!(in_list(&harness));
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("`Jira Cloud` is no longer in the file"),
        "{screen}"
    );
}

#[test]
fn previous_field_keys_include_the_console_ones() {
    let mut harness = Harness::new(Profile::CONSOLE, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("\t\t");
    harness.press(KeyCode::BackTab);
    harness.alt(KeyCode::Tab);
    assert_eq!(
        editor_slot(&harness).1,
        Slot::Field(hookconsole::model::Field::Name)
    );
    harness.press(KeyCode::Down);
    harness.press(KeyCode::Up);
    assert_eq!(
        editor_slot(&harness).1,
        Slot::Field(hookconsole::model::Field::Name)
    );
}

#[test]
fn headers_rows_are_added_and_removed() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("H\thttps://h.example.test/\t\t\t\t\t");
    harness.press(KeyCode::Enter);
    harness.keys("Bad Name\tv");
    harness.press(KeyCode::Tab);
    assert!(
        harness
            .screen(80, 24)
            .contains("row 1: `Bad Name` is not a valid header name")
    );
    harness.press(KeyCode::Up);
    harness.ctrl('d');
    harness.ctrl('s');
    assert!(harness.stored()[0].http_headers.is_empty());
}

/// Every bad header row says what is wrong with it where it is, not only the first;
/// the Add header button, away from the rows, says which rows and gives the first.
#[test]
fn each_bad_header_row_shows_its_own_error() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("H\thttps://h.example.test/\t\t\t\t\t");
    for (name, value) in [
        ("Host", "elsewhere"),
        ("X-Team", "ops"),
        ("Content-Length", "5"),
        // Two problems in one row: one row.
        ("Bad Name", "café"),
    ] {
        harness.press(KeyCode::Enter);
        harness.keys(&format!("{name}\t{value}\t"));
    }
    harness.ctrl('s');
    assert!(harness.stored().is_empty(), "refused");
    // From the top of the pane, through the rows.
    harness.press(KeyCode::Up);
    while editor_slot(&harness).1 != Slot::Field(hookconsole::model::Field::Name) {
        harness.press(KeyCode::BackTab);
    }
    let mut seen = Vec::new();
    for _ in 0..20 {
        harness.press(KeyCode::Tab);
        let (_, slot) = editor_slot(&harness);
        let screen = harness.screen(80, 24);
        match slot {
            // Whole at 80 columns, the fix included.
            Slot::HeaderName(0) => seen.push(
                screen.contains("row 1: `Host` is set by") && screen.contains("remove this header"),
            ),
            Slot::HeaderName(1) => seen.push(!screen.contains("row ")),
            Slot::HeaderName(2) => seen.push(screen.contains("row 3: `Content-Length` is set by")),
            Slot::HeaderName(3) => seen.push(
                screen.contains("row 4: `Bad Name` is not a valid header name")
                    && screen.contains("the value of `Bad Name`"),
            ),
            Slot::AddHeader => {
                seen.push(screen.contains("rows 1, 3 and 4 need attention; row 1: `Host`"));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(seen, [true, true, true, true, true]);
}

/// What a key said on one screen goes when a key moves to another; the result of
/// work (a message) stays.
#[test]
fn a_keys_message_stays_on_its_screen() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("j"); // Teams alerts: no OAuth
    harness.keys("a");
    let said = harness.app.status.clone().unwrap_or_default();
    assert!(said.contains("does not use OAuth"), "{said}");
    harness.keys("w");
    assert!(matches!(harness.app.screen, Screen::Status(_)));
    assert_eq!(harness.app.status, None, "not the list's message on STATUS");
    harness.press(KeyCode::Esc);
    harness.press(KeyCode::Enter);
    // A save's result, given by a message, stays on the list it returns to.
    harness.press(KeyCode::End);
    harness.keys("2");
    harness.ctrl('s');
    let saved = harness.app.status.clone().unwrap_or_default();
    assert!(saved.starts_with("Saved"), "{saved}");
    harness.press(KeyCode::Esc);
    assert!(in_list(&harness));
    assert_eq!(harness.app.status.as_deref(), Some(saved.as_str()));
}

#[test]
fn external_editor_result_becomes_the_content_sample() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("E\thttps://e.example.test/");
    harness.external_text = "{\"from\": \"editor\"}\n".into();
    harness.ctrl('e');
    assert_eq!(editor_slot(&harness).0, Pane::ContentSample);
    harness.ctrl('s');
    assert_eq!(
        harness.stored()[0].content_sample,
        "{\"from\": \"editor\"}\n"
    );
    // On the content sample, `e` does the same, as git's editor does; after Enter
    // it types, and Esc stops typing without losing the text.
    harness.external_text = "second".into();
    harness.keys("e");
    assert!(harness.screen(80, 24).contains("second"));
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::End);
    harness.keys(" edit");
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].content_sample, "second edit");
}

#[test]
fn certificate_from_a_path_shows_its_summary_and_can_be_removed() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("C\thttps://c.example.test/");
    harness.ctrl('p');
    harness.ctrl('p');
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/selfsigned.pem");
    harness.keys(path);
    harness.press(KeyCode::Enter);
    let screen = harness.screen(120, 40);
    assert!(screen.contains("CN=jira.example.test"), "{screen}");
    assert!(screen.contains("jira.example.test, 192.0.2.10"), "{screen}");
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].certificate, Some(certificate_pem()));
    harness.ctrl('d');
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].certificate, None);
    // A file that is not PEM is an error next to the field, and nothing is saved.
    harness.replace("/etc/hostname");
    harness.press(KeyCode::Enter);
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].certificate, None);
}

#[test]
fn help_lists_every_key_of_the_view_and_the_profile() {
    for (context, open) in [(KeyContext::List, "?"), (KeyContext::Editor, "")] {
        let mut harness = Harness::new(Profile::CONSOLE, &[]);
        if context == KeyContext::Editor {
            harness.keys("n");
            harness.press(KeyCode::Enter);
            harness.press(KeyCode::F(1));
        } else {
            harness.keys(open);
        }
        let screen = harness.screen(120, 40);
        for binding in bindings(context) {
            assert!(
                screen.contains(&binding.hint()),
                "{} missing:\n{screen}",
                binding.hint()
            );
            assert!(
                screen.contains(binding.help),
                "{:?} missing",
                binding.action
            );
        }
        assert!(screen.contains("Terminal profile: console (Linux console font), colour"));
        assert!(screen.contains("/var/lib/hookconsole/logs/hookconsole.log"));
    }
}

/// Presses every key the footer shows in `context` (reached by `open`), each on a
/// fresh app, and checks that it changed what is on screen (text or style) or quit.
fn footer_keys_change_something(context: KeyContext, open: fn(&mut Harness)) {
    let footer: Vec<_> = hookconsole::tui::footer(context).collect();
    assert!(!footer.is_empty());
    for (hint, label, action) in footer {
        let mut harness = Harness::new(Profile::RICH, &sample_integrations());
        open(&mut harness);
        assert_eq!(harness.app.key_context(), context);
        // Whole buffers, styles included: a focus change shows only in style.
        let before = harness.terminal(120, 40).backend().buffer().clone();
        let binding = bindings(context)
            .iter()
            .find(|binding| binding.action == action)
            .expect("footer entries come from the bindings");
        assert!(binding.hint().starts_with(&hint));
        let key = binding.keys[0];
        harness.event(crossterm::event::Event::Key(
            crossterm::event::KeyEvent::new(key.code, key.modifiers),
        ));
        let after = harness.terminal(120, 40).backend().buffer().clone();
        assert!(
            harness.quit || after != before,
            "`{hint} {label}` did nothing in {context:?}:\n{}",
            harness.screen(120, 40)
        );
    }
}

#[test]
fn every_footer_key_does_something() {
    footer_keys_change_something(KeyContext::List, |_| {});
    footer_keys_change_something(KeyContext::Filter, |h| h.keys("/j"));
    footer_keys_change_something(KeyContext::Chooser, |h| h.keys("n"));
    // Ticketing has Basic authentication: Ctrl-R shows its password.
    footer_keys_change_something(KeyContext::Editor, |h| {
        h.press(KeyCode::End);
        h.press(KeyCode::Enter);
        h.ctrl('n');
    });
    footer_keys_change_something(KeyContext::Dialog, |h| h.keys("d"));
    footer_keys_change_something(KeyContext::Help, |h| h.keys("?"));
}

#[test]
fn too_small_terminal_asks_for_80x24() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    let screen = harness.screen(79, 24);
    assert!(
        screen.contains("Enlarge the terminal to 80x24 (it is 79x24 now)"),
        "{screen}"
    );
}

#[test]
fn quit_from_the_list() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("q");
    assert!(harness.quit);
}

#[test]
fn a_broken_file_is_reported_and_left_alone() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    let path = harness.home.path().join("integrations.yaml");
    std::fs::write(&path, "schema: 1\nintegrations:\n- name: [unclosed\n").unwrap();
    harness.keys("r");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("could not be read"), "{screen}");
    assert!(screen.contains("integrations.yaml:"), "{screen}");
    assert!(
        screen.contains("permission denied"),
        "what to fix covers a permission too: {screen}"
    );
    assert!(!screen.contains(" n new"), "{screen}");
    harness.keys("n");
    assert!(matches!(harness.app.screen, Screen::List));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "schema: 1\nintegrations:\n- name: [unclosed\n"
    );
    std::fs::remove_file(&path).unwrap();
    harness.keys("r");
    assert!(harness.screen(80, 24).contains("No integrations yet"));
}

#[test]
fn an_emptied_file_is_reported_not_shown_as_no_integrations() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    let path = harness.home.path().join("integrations.yaml");
    std::fs::write(&path, "").unwrap();
    harness.keys("r");
    let screen = harness.screen(120, 40);
    assert!(screen.contains("is empty"), "{screen}");
    assert!(!screen.contains("No integrations yet"), "{screen}");
    // Nothing is written over it.
    harness.keys("n");
    assert!(matches!(harness.app.screen, Screen::List));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
}

#[test]
fn esc_then_a_key_arriving_as_alt_key_is_both_keys() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("?");
    // ESC q sent together: crossterm reports Alt-q.
    harness.event(crossterm::event::Event::Key(
        crossterm::event::KeyEvent::new(KeyCode::Char('q'), crossterm::event::KeyModifiers::ALT),
    ));
    assert!(harness.app.popups.is_empty());
    assert!(harness.quit);
}

#[test]
fn a_long_form_scrolls_to_keep_the_focused_row_in_view() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("Many\thttps://m.example.test/\t\t\t\t\t");
    for row in 1..=12 {
        harness.press(KeyCode::Enter);
        harness.keys(&format!("X-Row-{row}\tvalue {row}\t"));
    }
    let screen = harness.screen(80, 24);
    assert!(screen.contains("[ Add header ]"), "{screen}");
    assert!(screen.contains("X-Row-12"), "{screen}");
    assert!(!screen.contains("Retry Interval"), "{screen}");
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].http_headers.len(), 12);
}

/// Choosing the Jira Cloud preset (its fields left at their defaults) opens the editor
/// filled from its data: Atlassian's endpoints on the AUTHENTICATION pane, the issue
/// in project TEST as content sample.
#[test]
fn the_jira_cloud_preset_fills_the_editor() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.press(KeyCode::Char('n'));
    let chooser = harness.screen(80, 24);
    assert!(chooser.contains("Microsoft Teams"), "{chooser}");
    harness.press(KeyCode::Down);
    let described = harness.screen(80, 24);
    assert!(
        described.contains("asks for its fields: Project key, Issue type"),
        "{described}"
    );
    harness.press_n(KeyCode::Enter, 3);
    let Screen::Editor(editor) = &harness.app.screen else {
        panic!("the editor opens");
    };
    let (integration, _) = editor.build();
    let Authentication::OAuth(oauth) = &integration.authentication else {
        panic!("Jira Cloud uses OAuth");
    };
    assert_eq!(oauth.token_url, "https://auth.atlassian.com/oauth/token");
    assert!(
        oauth.discovers_site(),
        "the site discovery no pane shows is kept"
    );
    assert!(integration.content_sample.contains(r#""key": "TEST""#));
    harness.ctrl('n');
    let screen = harness.screen(80, 24);
    assert!(
        screen.contains("https://auth.atlassian.com/authorize"),
        "{screen}"
    );
}

/// The line of `screen` that holds `label`.
fn row<'a>(screen: &'a str, label: &str) -> &'a str {
    screen
        .lines()
        .find(|line| line.contains(label))
        .unwrap_or_else(|| panic!("no `{label}` row:\n{screen}"))
}

#[test]
fn the_editor_masks_the_secrets_of_the_url_until_revealed_and_keeps_them_on_edit() {
    let url = "https://svc:urlPASS@hooks.example.com/invoke?api-version=1&sig=Zx9sigVALUE";
    let mut harness = Harness::new(Profile::RICH, &[webhook("Teams", url)]);
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Tab);
    let screen = harness.screen(120, 40);
    assert!(
        !screen.contains("Zx9sigVALUE") && !screen.contains("urlPASS"),
        "{screen}"
    );
    assert!(
        row(&screen, "URL")
            .contains("svc:********@hooks.example.com/invoke?api-version=1&sig=********"),
        "{screen}"
    );
    harness.ctrl('r');
    assert!(row(&harness.screen(120, 40), "URL").contains(url));
    harness.ctrl('r');
    // Typed while masked: the text goes into the URL, the secrets stay as stored.
    harness.press(KeyCode::End);
    harness.keys("&team=ops");
    assert!(!harness.screen(120, 40).contains("Zx9sigVALUE"));
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].url, format!("{url}&team=ops"));
}

#[test]
fn masks_in_the_editor_do_not_tell_a_secret_s_length() {
    let with_password = |password: &str| {
        let mut integration = webhook("Ticketing", "https://h.example.com/hook");
        integration.authentication = Authentication::Basic {
            username: "scanner".into(),
            password: Secret::new(password),
        };
        integration.http_headers = vec![Header::new("X-Api-Key", password)];
        let mut harness = Harness::new(Profile::RICH, &[integration]);
        harness.press(KeyCode::Enter);
        let settings = harness.screen(80, 24);
        harness.ctrl('n');
        let authentication = harness.screen(80, 24);
        (
            row(&settings, "Header 1").to_string(),
            row(&authentication, "Password").to_string(),
        )
    };
    let short = with_password("pw");
    let long = with_password("a-much-longer-password-of-40-characters!");
    assert_eq!(short, long);
    assert!(short.1.contains("********"), "{}", short.1);
    assert!(!short.1.contains("*********"), "{}", short.1);
}

#[test]
fn the_list_filter_does_not_search_secrets_of_urls() {
    let url = "https://hooks.example.com/invoke?sig=Zx9sigVALUE";
    let mut harness = Harness::new(Profile::RICH, &[webhook("Teams", url)]);
    harness.keys("/zx9sig");
    assert!(!harness.screen(80, 24).contains("Teams"));
    harness.press(KeyCode::Esc);
    harness.keys("/hooks.example");
    assert!(harness.screen(80, 24).contains("Teams"));
}

/// While the screen asks for a larger terminal, keys act on nothing the person cannot
/// see: only Ctrl-C (asking first when there are unsaved edits), Ctrl-L and resizing.
#[test]
fn keys_do_not_act_behind_the_enlarge_the_terminal_screen() {
    use crossterm::event::Event;
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("Draft");
    harness.event(Event::Resize(60, 20));
    // What discarded the edits unseen: Esc, then Right Right Enter on "Discard".
    harness.press(KeyCode::Esc);
    harness.press_n(KeyCode::Right, 2);
    harness.press(KeyCode::Enter);
    harness.keys("q?x");
    harness.paste("pasted");
    assert!(harness.app.popups.is_empty(), "no dialog opened unseen");
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    assert!(harness.stored().is_empty());
    assert!(!harness.quit);
    // Ctrl-L still redraws, and Ctrl-C asks as usual.
    let redraws = harness.redraws;
    harness.ctrl('l');
    assert_eq!(harness.redraws, redraws + 1);
    harness.ctrl('c');
    assert_eq!(
        dialog_title(&harness).as_deref(),
        Some("Quit with unsaved edits?")
    );
    let small = harness.screen(60, 20);
    assert!(small.contains("A question is waiting"), "{small}");
    // Larger again: the question and the edits are there, and keys act.
    harness.event(Event::Resize(80, 24));
    harness.press(KeyCode::Esc);
    assert!(harness.app.popups.is_empty());
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Draft"), "{screen}");
    assert!(!screen.contains("pasted"), "{screen}");
    // A frame drawn too small counts as well as the resize event.
    harness.screen(79, 24);
    harness.press(KeyCode::Esc);
    assert!(harness.app.popups.is_empty(), "Esc did nothing unseen");
    harness.screen(80, 24);
    harness.press(KeyCode::Esc);
    assert_eq!(dialog_title(&harness).as_deref(), Some("Unsaved edits"));
}

/// The list with a filter kept and the middle row selected: every key of its table has
/// something to act on.
fn list_in_the_middle() -> Harness {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("/e\n");
    harness.press(KeyCode::Down);
    harness
}

/// The Ticketing integration (Basic authentication) in the editor.
fn editing_ticketing() -> Harness {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.press(KeyCode::End);
    harness.press(KeyCode::Enter);
    harness
}

#[test]
fn help_lists_every_key_the_list_filter_and_chooser_act_on() {
    tui_support::assert_help_lists_what_keys_do(KeyContext::List, &[&list_in_the_middle]);
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::Filter,
        &[&|| {
            let mut harness = Harness::new(Profile::RICH, &sample_integrations());
            harness.keys("/ea");
            harness.press(KeyCode::Left);
            harness
        }],
    );
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::Chooser,
        &[&|| {
            let mut harness = Harness::new(Profile::RICH, &sample_integrations());
            harness.keys("n");
            harness.press(KeyCode::Down);
            harness
        }],
    );
}

#[test]
fn help_lists_every_key_the_editor_acts_on() {
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::Editor,
        &[
            // On the AUTHENTICATION pane's choice, a password to reveal below it.
            &|| {
                let mut harness = editing_ticketing();
                harness.ctrl('n');
                harness
            },
            // In a header row's name, the cursor inside the text.
            &|| {
                let mut harness = editing_ticketing();
                harness.press_n(KeyCode::Tab, 6);
                harness.press(KeyCode::Enter);
                harness.keys("X-Team");
                harness.press(KeyCode::Left);
                harness
            },
            // Typing into the content sample, on its middle line.
            &|| {
                let mut harness = editing_ticketing();
                harness.ctrl('p');
                harness.press(KeyCode::Enter);
                harness.keys("{\n  \"a\": 1\n}");
                harness.press(KeyCode::Up);
                harness.press(KeyCode::Left);
                harness
            },
        ],
    );
}

#[test]
fn help_lists_every_key_dialogs_and_help_act_on() {
    let dialog = || {
        let mut harness = Harness::new(Profile::RICH, &sample_integrations());
        harness.keys("d");
        harness
    };
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::Dialog,
        &[&dialog, &|| {
            let mut harness = dialog();
            harness.press(KeyCode::Right);
            harness
        }],
    );
    // At 80x24 the list's help scrolls; one line down, it can go either way.
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::Help,
        &[&|| {
            let mut harness = list_in_the_middle();
            harness.keys("?");
            harness.screen(80, 24);
            harness.press(KeyCode::Down);
            harness
        }],
    );
}

/// The help box scrolls with the keys that scroll everywhere else: PgDn and End too.
#[test]
fn help_scrolls_by_page_and_to_its_end() {
    let mut harness = Harness::new(Profile::RICH, &sample_integrations());
    harness.keys("?");
    let top = harness.screen(80, 24);
    assert!(top.contains("Terminal profile"), "{top}");
    harness.press(KeyCode::PageDown);
    let page = harness.screen(80, 24);
    assert!(!page.contains("Terminal profile"), "PgDn scrolls:\n{page}");
    harness.press(KeyCode::PageUp);
    assert_eq!(harness.screen(80, 24), top);
    harness.press(KeyCode::End);
    let end = harness.screen(80, 24);
    assert!(
        end.contains("redraw the whole screen"),
        "End shows the last:\n{end}"
    );
    assert!(end.contains("Up/k: back"), "{end}");
    harness.press(KeyCode::Home);
    assert_eq!(harness.screen(80, 24), top);
}

/// Letters typed by someone who has not seen the focus move from a text box to a
/// button or a choice do nothing there: `a` saved and started AUTHORIZE, `e` opened
/// $EDITOR.
#[test]
fn letters_typed_on_a_button_or_a_choice_do_nothing() {
    let integrations = sample_integrations();
    let mut harness = Harness::new(Profile::RICH, &integrations);
    // Jira Cloud, OAuth, first by name.
    harness.press(KeyCode::Enter);
    while editor_slot(&harness).1 != Slot::AddHeader {
        harness.press(KeyCode::Tab);
    }
    harness.press(KeyCode::Enter);
    harness.keys("X-Team\tops");
    harness.press(KeyCode::Enter);
    let (pane, on) = editor_slot(&harness);
    assert_ne!(
        on,
        Slot::HeaderValue(0),
        "Enter left the header row, as a person may not notice"
    );
    harness.keys("accept");
    assert_eq!(editor_slot(&harness), (pane, on));
    assert!(harness.authorizes.is_empty());
    assert_eq!(harness.stored(), integrations, "nothing saved");
    // On a choice, the same.
    while !matches!(
        editor_slot(&harness).1,
        Slot::Field(hookconsole::model::Field::Enabled)
    ) {
        harness.press(KeyCode::BackTab);
    }
    harness.keys(" ae");
    assert_eq!(
        editor_slot(&harness),
        (
            Pane::Settings,
            Slot::Field(hookconsole::model::Field::Enabled)
        )
    );
    assert!(harness.authorizes.is_empty());
    assert_eq!(harness.stored(), integrations, "nothing saved");
    // F8 still saves and authorizes.
    harness.press(KeyCode::F(8));
    assert_eq!(harness.authorizes.len(), 1);
}

/// A character typed inside a URL's masked password went into it unseen; it is now
/// refused with a word next to the field, until Ctrl-R shows what is edited.
#[test]
fn typing_inside_a_masked_url_password_is_refused_until_revealed() {
    let url = "https://alice:s3cr3tpw@example.com/hook?sig=abcdef123";
    let mut harness = Harness::new(Profile::RICH, &[webhook("Hooked", url)]);
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::Tab);
    assert_eq!(
        editor_slot(&harness).1,
        Slot::Field(hookconsole::model::Field::Url)
    );
    harness.press(KeyCode::Home);
    harness.press_n(KeyCode::Right, 16); // after "https://alice:s3"
    harness.keys("Z");
    harness.press(KeyCode::Backspace);
    harness.paste("pasted");
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Ctrl-R shows it"), "{screen}");
    assert!(!screen.contains("s3cr3tpw"), "{screen}");
    // Outside the secret, typing goes on as before.
    harness.press(KeyCode::End);
    harness.keys("&x=1");
    harness.ctrl('s');
    assert_eq!(harness.stored()[0].url, format!("{url}&x=1"));
    // Shown, the password can be edited.
    harness.ctrl('r');
    harness.press(KeyCode::Home);
    harness.press_n(KeyCode::Right, 16);
    harness.keys("Z");
    harness.ctrl('s');
    assert_eq!(
        harness.stored()[0].url,
        "https://alice:s3Zcr3tpw@example.com/hook?sig=abcdef123&x=1"
    );
}
