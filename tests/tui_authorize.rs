//! The AUTHORIZE screen driven by keys and by the session's updates: the QR code on
//! screen decodes back to exactly the start link (80x24) and to the full authorize URL
//! (where the terminal is large enough); paste, print, copy and cancel reach the
//! session; no secret is on screen.

mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::{ApiType, Authentication, OAuthSettings, Secret};
use hookconsole::oauth::{FlowState, ListenerStatus, SessionUpdate, TimerId};
use hookconsole::tui::{AuthorizeInput, Message, Profile, Screen};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use tui_support::{Harness, webhook};

const START_LINK: &str = "HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A";
const AUTHORIZE_URL: &str = "https://auth.atlassian.com/authorize?audience=api.atlassian.com&client_id=Xk3fQ9aB7cD2eF4gH6iJ8kL0mN&scope=read%3Ajira-work+write%3Ajira-work+offline_access&redirect_uri=https%3A%2F%2Fhiab.example.com%2Fportal%2Foauth&state=8Jd7Kq2LmN4pR6sT9vW1xY3zA5bC7dE&response_type=code&prompt=consent&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

fn jira() -> hookconsole::model::Integration {
    let mut hook = webhook(
        "Jira",
        "https://api.atlassian.com/ex/jira/1/rest/api/2/issue",
    );
    hook.authentication = Authentication::OAuth(OAuthSettings {
        client_id: "Xk3fQ9aB7cD2eF4gH6iJ8kL0mN".into(),
        client_secret: Secret::new("client-secret-value"),
        token_url: "https://auth.atlassian.com/oauth/token".into(),
        authorize_url: "https://auth.atlassian.com/authorize".into(),
        api_type: ApiType::Json,
        ..OAuthSettings::default()
    });
    hook
}

/// Opens AUTHORIZE and feeds the updates a session sends when it starts.
fn authorizing(profile: Profile) -> Harness {
    let mut harness = Harness::new(profile, &[jira()]);
    harness.press(KeyCode::Char('a'));
    assert!(matches!(harness.app.screen, Screen::Authorize(_)));
    let (id, integration) = harness.authorizes[0].clone();
    assert_eq!(integration.name, "Jira");
    let messages = [
        Message::AuthorizePrepared {
            id,
            callback_url: "https://hiab.example.com/portal/oauth".into(),
            fingerprint: Some("AB:CD:EF".into()),
        },
        Message::AuthorizeUpdate {
            id,
            update: SessionUpdate::Started {
                authorize_url: AUTHORIZE_URL.into(),
                start_link: Some(START_LINK.into()),
                listener: None,
                timeout: std::time::Duration::from_secs(600),
            },
        },
        Message::AuthorizeUpdate {
            id,
            update: SessionUpdate::State(FlowState::AwaitingCallback {
                timer: TimerId(1),
                listener: ListenerStatus::Listening,
            }),
        },
    ];
    for message in messages {
        let effects = harness.app.handle_message(message);
        harness.run(effects);
    }
    harness
}

fn buffer(harness: &mut Harness, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| harness.app.render(frame)).unwrap();
    terminal.backend().buffer().clone()
}

/// Reads the QR code off the screen as a camera would: the black-on-white cells, half
/// blocks two modules high.
fn decode_screen(buffer: &Buffer) -> String {
    let area = buffer.area;
    let cells: Vec<(u16, u16)> = (0..area.height)
        .flat_map(|y| (0..area.width).map(move |x| (x, y)))
        .filter(|&(x, y)| buffer[(x, y)].bg == Color::White)
        .collect();
    let (x0, y0) = (
        cells.iter().map(|c| c.0).min().unwrap(),
        cells.iter().map(|c| c.1).min().unwrap(),
    );
    let (x1, y1) = (
        cells.iter().map(|c| c.0).max().unwrap(),
        cells.iter().map(|c| c.1).max().unwrap(),
    );
    let scale = 4;
    let width = usize::from(x1 - x0 + 1) * scale;
    let height = usize::from(y1 - y0 + 1) * 2 * scale;
    let mut image = vec![255u8; width * height];
    for y in y0..=y1 {
        for x in x0..=x1 {
            let symbol = buffer[(x, y)].symbol();
            let (top, bottom) = (matches!(symbol, "█" | "▀"), matches!(symbol, "█" | "▄"));
            for (half, dark) in [(0, top), (1, bottom)] {
                if !dark {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let px = usize::from(x - x0) * scale + dx;
                        let py = (usize::from(y - y0) * 2 + half) * scale + dy;
                        image[py * width + px] = 0;
                    }
                }
            }
        }
    }
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| image[y * width + x]);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on screen");
    grids[0].decode().unwrap().1
}

#[test]
fn the_qr_code_on_screen_decodes_to_the_start_link_at_80x24() {
    let mut harness = authorizing(Profile::RICH);
    let screen = buffer(&mut harness, 80, 24);
    assert_eq!(decode_screen(&screen), START_LINK);
    let text = harness.screen(80, 24);
    assert!(
        text.contains("Waiting for the provider's redirect"),
        "{text}"
    );
    assert!(
        text.contains("Time left: 10:00") || text.contains("Time left: 9:59"),
        "{text}"
    );
    assert!(!text.contains("client-secret-value"));
}

#[test]
fn f_switches_to_the_full_urls_code_where_it_fits() {
    let mut harness = authorizing(Profile::RICH);
    harness.press(KeyCode::Char('f'));
    let small = harness.screen(80, 24);
    assert!(small.contains("needs"), "says the size it needs: {small}");
    let screen = buffer(&mut harness, 160, 60);
    assert_eq!(decode_screen(&screen), AUTHORIZE_URL);
}

#[test]
fn console_and_ascii_profiles_say_what_size_the_code_needs() {
    for profile in [Profile::CONSOLE, Profile::ASCII] {
        let mut harness = authorizing(profile);
        let text = harness.screen(80, 24);
        assert!(text.contains("needs 108 x 38 cells"), "{text}");
    }
}

#[test]
fn the_code_in_a_pasted_url_is_masked_on_screen() {
    let mut harness = authorizing(Profile::RICH);
    let id = harness.authorizes[0].0;
    harness.press(KeyCode::Char('p'));
    harness.keys("https://hiab.example.com/portal/oauth?code=SplxlOBeZQQYbYS6WxSbIA&state=s");
    let screen = harness.screen(120, 40);
    assert!(!screen.contains("SplxlOBeZQQYbYS6WxSbIA"), "{screen}");
    assert!(screen.contains("?code=********&state=s"), "{screen}");
    harness.press(KeyCode::Enter);
    assert_eq!(
        harness.authorize_inputs,
        vec![(
            id,
            AuthorizeInput::Paste(
                "https://hiab.example.com/portal/oauth?code=SplxlOBeZQQYbYS6WxSbIA&state=s".into()
            )
        )]
    );
}

#[test]
fn paste_print_copy_and_cancel_reach_the_session() {
    let mut harness = authorizing(Profile::RICH);
    let id = harness.authorizes[0].0;
    harness.press(KeyCode::Char('p'));
    harness.keys("https://hiab.example.com/portal/oauth?code=c&state=s");
    harness.press(KeyCode::Enter);
    harness.paste("https://hiab.example.com/portal/oauth?code=d&state=s");
    harness.press(KeyCode::Char('u'));
    harness.press(KeyCode::Char('c'));
    harness.press(KeyCode::Esc);
    assert_eq!(
        harness.authorize_inputs,
        vec![
            (
                id,
                AuthorizeInput::Paste(
                    "https://hiab.example.com/portal/oauth?code=c&state=s".into()
                )
            ),
            (
                id,
                AuthorizeInput::Paste(
                    "https://hiab.example.com/portal/oauth?code=d&state=s".into()
                )
            ),
            (id, AuthorizeInput::Cancel),
        ]
    );
    assert_eq!(harness.printed, vec![AUTHORIZE_URL.to_string()]);
    assert_eq!(harness.copied, vec![AUTHORIZE_URL.to_string()]);
    // The session ends cancelled; Esc then goes back to the list.
    let effects = harness.app.handle_message(Message::AuthorizeUpdate {
        id,
        update: SessionUpdate::State(FlowState::Cancelled),
    });
    harness.run(effects);
    assert!(harness.screen(80, 24).contains("Cancelled"));
    harness.press(KeyCode::Esc);
    assert!(matches!(harness.app.screen, Screen::List));
}

#[test]
fn authorize_on_a_non_oauth_integration_says_so() {
    let mut harness = Harness::new(
        Profile::RICH,
        &[webhook("Plain", "https://example.com/hook")],
    );
    harness.press(KeyCode::Char('a'));
    assert!(matches!(harness.app.screen, Screen::List));
    assert!(
        harness
            .app
            .status
            .as_deref()
            .unwrap()
            .contains("does not use OAuth")
    );
}

#[test]
fn x_forgets_the_authorization_after_asking() {
    let home_tokens = |harness: &Harness| {
        hookconsole::store::TokenStore::new(harness.home.path().join("tokens.yaml"))
    };
    let mut harness = Harness::new(Profile::RICH, &[jira()]);
    home_tokens(&harness)
        .set(
            "Jira",
            hookconsole::store::Authorization::Authorized {
                tokens: hookconsole::store::TokenSet::bearer(
                    Secret::new("access-value"),
                    Some(Secret::new("refresh-value")),
                    Some(std::time::Duration::from_secs(3600)),
                    vec!["write:jira-work".into()],
                ),
            },
        )
        .unwrap();
    harness.press(KeyCode::Char('r')); // reload reads the token store too
    let list = harness.screen(120, 40);
    assert!(
        list.contains("authorized") && !list.contains("not authorized"),
        "{list}"
    );
    harness.press(KeyCode::Char('x'));
    let dialog = harness.screen(80, 24);
    assert!(
        dialog.contains("Forget the authorization of `Jira`?"),
        "{dialog}"
    );
    harness.press(KeyCode::Enter); // Cancel is focused first
    assert!(home_tokens(&harness).get("Jira").unwrap().is_some());
    harness.press(KeyCode::Char('x'));
    harness.press(KeyCode::Right);
    harness.press(KeyCode::Enter);
    assert_eq!(home_tokens(&harness).get("Jira").unwrap(), None);
    assert!(harness.screen(120, 40).contains("not authorized"));
    assert!(!harness.screen(120, 40).contains("access-value"));
}

#[test]
fn a_console_font_with_half_blocks_shows_the_code_at_80x24() {
    let console = Profile {
        half_blocks: true,
        ..Profile::CONSOLE
    };
    let mut harness = authorizing(console);
    let screen = buffer(&mut harness, 80, 24);
    assert_eq!(decode_screen(&screen), START_LINK);
    let facts = hookconsole::tui::TerminalFacts {
        utf8_locale: true,
        linux_console: true,
        console_half_blocks: true,
        ..Default::default()
    };
    let detected = Profile::from_facts(&facts, Default::default());
    assert!(detected.half_blocks && detected.can_show("\u{2580}"));
    let lat15 = Profile::from_facts(
        &hookconsole::tui::TerminalFacts {
            console_half_blocks: false,
            ..facts
        },
        Default::default(),
    );
    assert!(!lat15.half_blocks && !lat15.can_show("\u{2580}"));
}

/// After an authorization, an integration whose URL comes from the chosen site asks
/// for the sites; with two, the screen lists them, the keys choose one, and the
/// outcome is shown.
#[test]
fn after_authorization_the_site_is_chosen_on_screen() {
    use hookconsole::oauth::{Site, SiteOutcome};
    let mut jira = hookconsole::model::find_preset("jira-cloud")
        .unwrap()
        .with_defaults();
    jira.name = "Jira".into();
    if let Authentication::OAuth(oauth) = &mut jira.authentication {
        oauth.client_id = "client".into();
        oauth.client_secret = Secret::new("client-secret-value");
    }
    let mut harness = Harness::new(Profile::RICH, &[jira]);
    harness.press(KeyCode::Char('a'));
    let (id, _) = harness.authorizes[0].clone();
    let effects = harness.app.handle_message(Message::AuthorizeUpdate {
        id,
        update: SessionUpdate::State(FlowState::Authorized),
    });
    harness.run(effects);
    assert_eq!(harness.site_choices, [(id, "Jira".to_string(), None)]);
    assert!(harness.screen(80, 24).contains("Listing the sites"));

    let sites = vec![
        Site {
            id: "cloud-1".into(),
            name: "acme".into(),
            url: "https://acme.atlassian.net".into(),
        },
        Site {
            id: "cloud-2".into(),
            name: "beta".into(),
            url: "https://beta.atlassian.net".into(),
        },
    ];
    let effects = harness.app.handle_message(Message::SiteChosen {
        id,
        result: Ok(SiteOutcome::Choose(sites.clone())),
    });
    harness.run(effects);
    let screen = harness.screen(80, 24);
    assert!(screen.contains("reaches 2 sites"), "{screen}");
    assert!(
        screen.contains("> acme (https://acme.atlassian.net)"),
        "{screen}"
    );
    assert!(
        screen.contains("  beta (https://beta.atlassian.net)"),
        "{screen}"
    );
    assert!(screen.contains("Enter deliver to this site"), "{screen}");

    harness.press(KeyCode::Down);
    harness.press(KeyCode::Enter);
    assert_eq!(
        harness.site_choices[1],
        (id, "Jira".to_string(), Some("cloud-2".to_string()))
    );
    let effects = harness.app.handle_message(Message::SiteChosen {
        id,
        result: Ok(SiteOutcome::Set {
            site: sites[1].clone(),
            url: "https://api.atlassian.com/ex/jira/cloud-2/rest/api/2/issue".into(),
        }),
    });
    harness.run(effects);
    let screen = harness.screen(120, 30);
    assert!(screen.contains("delivers to site beta"), "{screen}");
    assert!(!screen.contains("client-secret-value"));
}
