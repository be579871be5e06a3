//! AUTHORIZE with the device grant, driven by keys and by the session's updates: the
//! code grouped and legible in every profile at 80x24, the verification URL, the QR
//! code decoding to the complete verification URI in the rich profile, the countdown,
//! denied and expired shown, and `s` asking for a new code.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod qr_support;
mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use hookconsole::model::{Authentication, Grant, OAuthSettings};
use hookconsole::oauth::{DeviceCodeShown, FlowState, SessionUpdate, TimerId};
use hookconsole::tui::{KeyContext, Message, Profile, Screen};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_support::{Harness, webhook};

const COMPLETE: &str = "https://login.example.test/device?code=WDJBMJHT";

fn device_hook() -> hookconsole::model::Integration {
    let mut hook = webhook("Graph", "https://graph.example.test/hook");
    hook.authentication = Authentication::OAuth(OAuthSettings {
        grant: Grant::DeviceCode,
        client_id: "device-client".into(),
        token_url: "https://login.example.test/token".into(),
        device_authorization_url: "https://login.example.test/devicecode".into(),
        ..OAuthSettings::default()
    });
    hook
}

fn send(harness: &mut Harness, update: SessionUpdate) {
    let id = harness.authorizes.last().unwrap().0;
    let effects = harness
        .app
        .handle_message(Message::AuthorizeUpdate { id, update });
    harness.run(effects);
}

/// AUTHORIZE opened with `a`, the code given and the session polling.
fn showing_the_code(profile: Profile) -> Harness {
    let mut harness = Harness::new(profile, &[device_hook()]);
    harness.press(KeyCode::Char('a'));
    assert!(matches!(harness.app.screen, Screen::Authorize(_)));
    send(
        &mut harness,
        SessionUpdate::DeviceCode(DeviceCodeShown {
            user_code: "WDJBMJHT".into(),
            verification_uri: "https://login.example.test/device".into(),
            verification_uri_complete: Some(COMPLETE.into()),
            expires_in: Duration::from_secs(900),
        }),
    );
    send(
        &mut harness,
        SessionUpdate::State(FlowState::AwaitingDevice {
            interval: Duration::from_secs(5),
            poll: Some(TimerId(1)),
            expiry: TimerId(2),
        }),
    );
    harness
}

#[test]
fn the_code_is_grouped_and_legible_in_every_profile_at_80x24() {
    for profile in [
        Profile::RICH,
        Profile::CONSOLE,
        Profile::ASCII,
        Profile::NO_COLOR,
    ] {
        let mut harness = showing_the_code(profile);
        let screen = harness.screen(80, 24);
        assert!(
            screen.contains("W D J B - M J H T"),
            "{profile:?}: {screen}"
        );
        assert!(
            screen.contains("https://login.example.test/device"),
            "{profile:?}: {screen}"
        );
        assert!(
            screen.contains("Code expires in 15:00") || screen.contains("Code expires in 14:59"),
            "{profile:?}: {screen}"
        );
        assert!(screen.contains("asking every 5 s"), "{profile:?}: {screen}");
        assert!(!screen.contains("Callback URL"), "{screen}");
        assert!(!screen.contains("Paste"), "{screen}");
    }
}

#[test]
fn the_qr_code_decodes_to_the_complete_verification_uri_at_80x24() {
    let mut harness = showing_the_code(Profile::RICH);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| harness.app.render(frame)).unwrap();
    let screen = qr_support::Screen::from_buffer(terminal.backend().buffer());
    assert_eq!(qr_support::decode(&screen), COMPLETE);
}

#[test]
fn denied_and_expired_are_shown_and_s_asks_for_a_new_code() {
    let mut harness = showing_the_code(Profile::RICH);
    // While the session polls, s does nothing.
    harness.press(KeyCode::Char('s'));
    assert_eq!(harness.authorizes.len(), 1);
    send(
        &mut harness,
        SessionUpdate::State(FlowState::Denied {
            error: "access_denied".into(),
            description: None,
        }),
    );
    let denied = harness.screen(80, 24);
    assert!(
        denied.contains("Denied by the provider: access_denied"),
        "{denied}"
    );
    assert!(denied.contains("s asks for a new code"), "{denied}");

    harness.press(KeyCode::Char('s'));
    assert_eq!(harness.authorizes.len(), 2, "a new session");
    send(
        &mut harness,
        SessionUpdate::State(FlowState::RequestingDeviceCode),
    );
    send(&mut harness, SessionUpdate::State(FlowState::Expired));
    let expired = harness.screen(80, 24);
    assert!(
        expired.contains("The code expired before it was entered"),
        "{expired}"
    );
    assert!(expired.contains("s asks for a new code"), "{expired}");
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::List));
}

#[test]
fn esc_cancels_the_wait_and_help_lists_what_keys_do() {
    let mut harness = showing_the_code(Profile::RICH);
    harness.press(KeyCode::Esc);
    assert!(
        matches!(harness.app.screen, Screen::Authorize(_)),
        "Esc cancels first; the session says when it ended"
    );
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::AuthorizeDevice,
        &[&|| showing_the_code(Profile::RICH)],
    );
    // Ended: a new code or back, and nothing that acts on the closed flow.
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::AuthorizeDeviceEnded,
        &[&|| {
            let mut harness = showing_the_code(Profile::RICH);
            send(&mut harness, SessionUpdate::State(FlowState::Expired));
            harness
        }],
    );
}
