//! The Grant choice on the editor's AUTHENTICATION pane, driven by keys: client
//! credentials show the token request's fields and no AUTHORIZE (no button, no
//! callback URL, F8 and the list's `a` say why), and save the grant.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::{Authentication, Field, Grant};
use hookconsole::tui::{Pane, Profile, Screen, Slot};
use tui_support::Harness;

fn editor_slot(harness: &Harness) -> (Pane, Slot) {
    match &harness.app.screen {
        Screen::Editor(editor) => (editor.pane(), editor.focused()),
        other => panic!("not in the editor: {other:?}"),
    }
}

#[test]
fn client_credentials_are_chosen_typed_and_saved_without_an_authorize_step() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("ServiceNow\thttps://servicenow.example.test/api/now/hook");
    harness.ctrl('n');
    assert_eq!(editor_slot(&harness).0, Pane::Authentication);
    harness.press_n(KeyCode::Right, 2); // None -> Basic -> OAuth
    harness.press(KeyCode::Tab);
    assert_eq!(editor_slot(&harness).1, Slot::Field(Field::Grant));
    let code = harness.screen(80, 24);
    assert!(code.contains("Authorization code"), "{code}");
    assert!(code.contains("Authorize URL"), "{code}");

    harness.press(KeyCode::Right); // Authorization code -> Client credentials
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Client credentials"), "{screen}");
    assert!(
        screen.contains("none yet: fetched when first needed"),
        "{screen}"
    );
    assert!(screen.contains("Token parameters"), "{screen}");
    assert!(!screen.contains("Authorize URL"), "{screen}");
    assert!(!screen.contains("Callback URL"), "{screen}");
    harness.keys("\tmachine-1\tcc-secret\thttps://login.example.test/oauth2/v2.0/token");
    harness.keys(
        "\t\thttps://servicenow.example.test/.default\tresource=https://servicenow.example.test/",
    );
    // No [ Authorize ] among the slots: Tab past the last field goes to Save.
    harness.press_n(KeyCode::Tab, 3);
    assert_eq!(editor_slot(&harness).1, Slot::Save);
    let screen = harness.screen(80, 24);
    assert!(!screen.contains("[ Authorize ]"), "{screen}");
    assert!(
        !screen.contains("cc-secret"),
        "the secret is masked: {screen}"
    );

    // F8 (AUTHORIZE) says why there is none, and stays in the editor.
    harness.press(KeyCode::F(8));
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    let status = harness.app.status.clone().unwrap_or_default();
    assert!(
        status.contains("Client credentials need no AUTHORIZE"),
        "{status}"
    );

    harness.ctrl('s');
    assert_eq!(harness.app.status.as_deref(), Some("Saved `ServiceNow`"));
    let stored = harness.stored();
    let Authentication::OAuth(oauth) = &stored[0].authentication else {
        panic!("OAuth stored: {stored:?}")
    };
    assert_eq!(oauth.grant, Grant::ClientCredentials);
    assert_eq!(oauth.client_id, "machine-1");
    assert_eq!(oauth.client_secret.expose(), "cc-secret");
    assert_eq!(
        oauth.token_url,
        "https://login.example.test/oauth2/v2.0/token"
    );
    assert_eq!(oauth.scope, "https://servicenow.example.test/.default");
    assert_eq!(
        oauth.token_parameters,
        "resource=https://servicenow.example.test/"
    );
    assert!(oauth.authorize_url.is_empty());

    // The list tells it will fetch a token, and `a` there does not open AUTHORIZE.
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::List));
    let list = harness.screen(80, 24);
    assert!(list.contains("token on use"), "{list}");
    harness.keys("a");
    assert!(matches!(harness.app.screen, Screen::List));
    let status = harness.app.status.clone().unwrap_or_default();
    assert!(
        status.contains("Client credentials need no AUTHORIZE"),
        "{status}"
    );
}

#[test]
fn back_to_the_authorization_code_brings_authorize_back() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("Jira\thttps://jira.example.test/hook");
    harness.ctrl('n');
    harness.press_n(KeyCode::Right, 2);
    harness.press(KeyCode::Tab);
    harness.press(KeyCode::Right); // client credentials
    harness.press(KeyCode::Left); // authorization code again
    let screen = harness.screen(80, 24);
    assert!(screen.contains("Authorization code"), "{screen}");
    assert!(screen.contains("Authorize URL"), "{screen}");
    assert!(!screen.contains("Token parameters"), "{screen}");
    for _ in 0..20 {
        if editor_slot(&harness).1 == Slot::Authorize {
            return;
        }
        harness.press(KeyCode::Tab);
    }
    panic!("no [ Authorize ] with the authorization code");
}

#[test]
fn the_device_code_grant_asks_for_its_url_and_keeps_authorize_without_a_callback() {
    let mut harness = Harness::new(Profile::RICH, &[]);
    harness.keys("n");
    harness.press(KeyCode::Enter);
    harness.keys("Graph\thttps://graph.example.test/hook");
    harness.ctrl('n');
    harness.press_n(KeyCode::Right, 2);
    harness.press(KeyCode::Tab);
    harness.press_n(KeyCode::Right, 2); // Authorization code -> Client credentials -> Device code
    let screen = harness.screen(80, 24);
    assert!(screen.contains("< Device code >"), "{screen}");
    assert!(screen.contains("Device code URL"), "{screen}");
    assert!(!screen.contains("Authorize URL"), "{screen}");
    assert!(!screen.contains("Callback URL"), "{screen}");
    harness.keys("\tdevice-client\t\thttps://login.example.test/token");
    harness.keys("\thttps://login.example.test/devicecode");
    // A public client: no secret needed.
    harness.ctrl('s');
    assert_eq!(harness.app.status.as_deref(), Some("Saved `Graph`"));
    let stored = harness.stored();
    let Authentication::OAuth(oauth) = &stored[0].authentication else {
        panic!("OAuth stored: {stored:?}")
    };
    assert_eq!(oauth.grant, Grant::DeviceCode);
    assert_eq!(
        oauth.device_authorization_url,
        "https://login.example.test/devicecode"
    );
    for _ in 0..20 {
        if editor_slot(&harness).1 == Slot::Authorize {
            return;
        }
        harness.press(KeyCode::Tab);
    }
    panic!("no [ Authorize ] with the device code");
}
