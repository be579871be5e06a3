//! VERIFY from the TUI: `v` on the list (or F3 in the editor) opens the VERIFY screen,
//! the run happens against a real loopback receiver, and the report, its headline and
//! the list's last-result column show what happened.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;
mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::delivery::{NoTokens, verify_with_progress};
use hookconsole::http::HttpOptions;
use hookconsole::tui::{Message, Profile, Screen};
use oauth_support::{Response, TestServer};
use tokio_util::sync::CancellationToken;
use tui_support::{Harness, webhook};

fn run_verifies(harness: &mut Harness) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
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

#[test]
fn verify_from_the_list_shows_the_report_and_the_last_result() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(TestServer::start(|request| {
        assert_eq!(request.method, "POST");
        Response::json(201, serde_json::json!({"key": "TEST-1"}))
    }));
    let mut hook = webhook("Receiver", &receiver.url("/hook"));
    hook.content_sample = "{\"text\": \"scan finished\"}".into();
    let mut harness = Harness::new(Profile::RICH, &[hook]);
    harness.press(KeyCode::Char('v'));
    assert!(matches!(harness.app.screen, Screen::Verify(_)));
    assert!(harness.screen(80, 24).contains("Verifying..."));
    assert_eq!(harness.verifies.len(), 1);
    // The receiver runs on its own runtime's threads while this one blocks.
    let _guard = runtime.enter();
    run_verifies(&mut harness);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("DELIVERED 201"), "{screen}");
    assert!(screen.contains("HTTP"), "{screen}");
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::List));
    let list = harness.screen(120, 40);
    assert!(list.contains("DELIVERED 201"), "{list}");
}

#[test]
fn esc_cancels_a_running_verify_then_leaves() {
    let mut harness = Harness::new(Profile::RICH, &[webhook("Slow", "http://127.0.0.1:9/hook")]);
    harness.press(KeyCode::Char('v'));
    let id = harness.verifies[0].0;
    harness.press(KeyCode::Esc);
    assert_eq!(harness.cancelled, vec![id]);
    assert!(harness.screen(80, 24).contains("Cancelling..."));
    assert!(
        matches!(harness.app.screen, Screen::Verify(_)),
        "stays until the run ends"
    );
}

#[test]
fn verify_from_the_editor_checks_the_form_first() {
    let mut harness = Harness::new(
        Profile::RICH,
        &[webhook("Edited", "http://127.0.0.1:9/hook")],
    );
    harness.press(KeyCode::Enter);
    assert!(matches!(harness.app.screen, Screen::Editor(_)));
    harness.press(KeyCode::Tab);
    harness.replace("not a url");
    harness.press(KeyCode::F(3));
    assert!(harness.verifies.is_empty());
    assert!(
        harness
            .app
            .status
            .as_deref()
            .unwrap_or("")
            .contains("Not verified")
    );
    harness.replace("http://127.0.0.1:9/other");
    harness.press(KeyCode::F(3));
    assert_eq!(harness.verifies.len(), 1);
    assert_eq!(
        harness.verifies[0].1.url, "http://127.0.0.1:9/other",
        "the form as typed"
    );
    run_verifies(&mut harness);
    assert!(harness.screen(80, 24).contains("FAILED"));
    harness.press(KeyCode::Esc);
    assert!(
        matches!(harness.app.screen, Screen::Editor(_)),
        "back to the editor, edits kept"
    );
}

/// An HTTPS receiver on loopback presenting a self-signed certificate (the report then
/// shows the certificate: a long one).
fn self_signed_receiver(runtime: &tokio::runtime::Runtime) -> support::TestServer {
    let presented = support::self_signed(&["127.0.0.1"]);
    runtime.block_on(support::https_server(
        support::answer(200),
        vec![presented.der.clone()],
        presented.key(),
    ))
}

/// The certificate's SHA-256 fingerprint in the report goes on over lines only at its
/// colons, at any width.
#[test]
fn the_certificates_fingerprint_breaks_only_at_colons() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = self_signed_receiver(&runtime);
    let mut harness = Harness::new(
        Profile::RICH,
        &[webhook("Self-signed", &server.url("/hook"))],
    );
    harness.press(KeyCode::Char('v'));
    let _guard = runtime.enter();
    run_verifies(&mut harness);
    let Screen::Verify(verify) = &harness.app.screen else {
        panic!("not on VERIFY");
    };
    let hookconsole::tui::VerifyState::Done(report) = verify.view.state() else {
        panic!("no report");
    };
    let fingerprint = report
        .tls
        .as_ref()
        .and_then(|tls| tls.certificate.as_ref())
        .map(|certificate| certificate.sha256_fingerprint.clone())
        .expect("the certificate in the report");
    assert_eq!(fingerprint.len(), 95, "{fingerprint}");
    for width in [80, 81, 90, 97, 100, 120] {
        let screen = harness.screen(width, 60);
        tui_support::assert_fingerprint_breaks_at_colons(&screen, &fingerprint);
    }
}

/// The VERIFY report of an HTTPS receiver with a self-signed certificate is longer
/// than 80x24: one line down, it scrolls either way, and every key of the help acts.
#[test]
fn help_lists_every_key_the_verify_report_acts_on() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = self_signed_receiver(&runtime);
    let url = server.url("/hook");
    let _guard = runtime.enter();
    let state = || {
        let mut harness = Harness::new(Profile::RICH, &[webhook("Self-signed", &url)]);
        harness.press(KeyCode::Char('v'));
        run_verifies(&mut harness);
        harness.screen(80, 24);
        harness.press(KeyCode::Down);
        harness
    };
    tui_support::assert_help_lists_what_keys_do(hookconsole::tui::KeyContext::Verify, &[&state]);
}

/// Jira Cloud before authorization: the report's outcome and advice agree, and the
/// advice names the key that authorizes here (then the site is chosen on AUTHORIZE).
#[test]
fn before_its_site_is_chosen_the_advice_names_the_key_to_press() {
    use hookconsole::model::{Authentication, Secret, find_preset};
    let mut jira = find_preset("jira-cloud").unwrap().with_defaults();
    jira.name = "Jira".into();
    if let Authentication::OAuth(oauth) = &mut jira.authentication {
        oauth.client_id = "hiab-client".into();
        oauth.client_secret = Secret::new("client-secret");
    }
    let mut harness = Harness::new(Profile::RICH, &[jira]);
    harness.press(KeyCode::Char('v'));
    run_verifies(&mut harness);
    let screen = harness.screen(120, 40);
    let advice: String = screen
        .lines()
        .skip_while(|line| !line.contains("advice"))
        .take(3)
        .collect();
    assert!(advice.contains("press a"), "{screen}");
    assert!(advice.contains("F8 in the editor"), "{screen}");
    assert!(!advice.contains("hookconsole authorize"), "{screen}");
    assert!(
        !screen.contains("Correct the integration's URL"),
        "{screen}"
    );
    assert!(screen.contains("FAILED: no site chosen"), "{screen}");
}

/// A VERIFY refused the receiver's self-signed certificate: `t` shows it in a dialog
/// with its fingerprint, Esc and Cancel pin nothing, Trust pins exactly it, and the next
/// VERIFY is delivered.
#[test]
fn trust_on_a_refused_certificate_asks_then_pins_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = self_signed_receiver(&runtime);
    let mut harness = Harness::new(
        Profile::RICH,
        &[webhook("Self-signed", &server.url("/hook"))],
    );
    // Before a report, `t` does nothing.
    harness.press(KeyCode::Char('v'));
    harness.press(KeyCode::Char('t'));
    assert!(harness.app.popups.is_empty());
    let _guard = runtime.enter();
    run_verifies(&mut harness);
    let screen = harness.screen(100, 40);
    assert!(screen.contains("untrusted certificate"), "{screen}");
    assert!(screen.contains("t trust cert"), "{screen}");
    assert!(screen.contains("press t to see it and"), "{screen}");
    let Screen::Verify(verify) = &harness.app.screen else {
        panic!("not on VERIFY");
    };
    let presented = verify.view.certificate_to_pin().unwrap().clone();

    // Esc, then Cancel (focused first): nothing pinned.
    harness.press(KeyCode::Char('t'));
    let dialog = harness.screen(100, 40);
    assert!(dialog.contains("Trust this certificate?"), "{dialog}");
    assert!(
        dialog.contains("[ Cancel ]") && dialog.contains("[ Trust ]"),
        "{dialog}"
    );
    let first_pairs = &presented.sha256_fingerprint[..24];
    assert!(dialog.contains(first_pairs), "{first_pairs} in {dialog}");
    assert!(
        dialog.contains(&format!("Valid    {}", presented.not_before)),
        "{dialog}"
    );
    harness.press(KeyCode::Esc);
    harness.press(KeyCode::Char('t'));
    harness.press(KeyCode::Enter);
    assert!(harness.app.popups.is_empty());
    assert_eq!(harness.stored()[0].certificate, None);

    // Trust: the certificate presented is the integration's uploaded one.
    harness.press(KeyCode::Char('t'));
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    let stored = harness.stored()[0].certificate.clone().expect("pinned");
    let pinned = hookconsole::model::parse_pem(&stored).unwrap();
    assert_eq!(pinned.len(), 1);
    assert_eq!(pinned[0].sha256_fingerprint, presented.sha256_fingerprint);
    assert!(harness.screen(100, 40).contains("Pinned"));

    harness.press(KeyCode::Char('v'));
    run_verifies(&mut harness);
    let screen = harness.screen(100, 40);
    assert!(screen.contains("DELIVERED 200"), "{screen}");
    assert!(screen.contains("pinned"), "{screen}");
    assert!(!screen.contains("t trust cert"), "{screen}");
}

/// VERIFY from the editor: Trust puts the certificate into the form's Certificate
/// field, not into the file, so it is saved (or not) with the other edits.
#[test]
fn trust_from_the_editor_fills_its_certificate_field() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = self_signed_receiver(&runtime);
    let mut harness = Harness::new(
        Profile::RICH,
        &[webhook("Self-signed", &server.url("/hook"))],
    );
    harness.press(KeyCode::Enter);
    harness.press(KeyCode::F(3));
    let _guard = runtime.enter();
    run_verifies(&mut harness);
    harness.press(KeyCode::Char('t'));
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    assert_eq!(harness.stored()[0].certificate, None, "nothing saved yet");
    harness.press(KeyCode::Esc);
    let Screen::Editor(editor) = &harness.app.screen else {
        panic!("not back in the editor");
    };
    let (form, _) = editor.build();
    let pinned = hookconsole::model::parse_pem(form.certificate.as_deref().unwrap()).unwrap();
    assert!(
        pinned[0].subject.contains("receiver"),
        "{}",
        pinned[0].subject
    );
    harness.ctrl('s');
    assert!(
        harness.stored()[0].certificate.is_some(),
        "saved with the form"
    );
}
