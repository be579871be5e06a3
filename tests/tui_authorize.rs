//! The AUTHORIZE screen driven by keys and by the session's updates: the QR code on
//! screen decodes back to exactly the start link (80x24) and to the full authorize URL
//! (where the terminal is large enough); paste, print, copy and cancel reach the
//! session; no secret is on screen.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod qr_support;
mod tui_support;

use crossterm::event::KeyCode;
use hookconsole::model::{ApiType, Authentication, OAuthSettings, Secret};
use std::sync::Arc;

use hookconsole::oauth::{
    CallbackReply, FlowFailure, FlowState, ListenerStatus, OAuthError, SessionUpdate, TimerId,
};
use hookconsole::qr::QrRendering;
use hookconsole::tui::{AuthorizeInput, LinkingBackend, Message, Profile, Screen};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
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

/// Reads the QR code off the screen as a camera would (tests/qr_support).
fn decode_screen(buffer: &Buffer) -> String {
    qr_support::decode(&qr_support::Screen::from_buffer(buffer))
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
        assert!(text.contains("needs 108 x 39 cells"), "{text}");
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

/// Once the flow has ended, its listener is closed: the code and the start link go,
/// a refused paste's words go with them, and a text cut for room ends with the
/// ellipsis (the full URL was cut with none, and copied from the screen as if whole).
#[test]
fn an_ended_authorization_leaves_no_code_and_says_what_is_cut() {
    let mut harness = authorizing(Profile::RICH);
    let id = harness.authorizes[0].0;
    let effects = harness.app.handle_message(Message::AuthorizeUpdate {
        id,
        update: SessionUpdate::PasteAnswer(Ok(CallbackReply::Refused(
            "the state does not match this authorization; still waiting".into(),
        ))),
    });
    harness.run(effects);
    // Still running: the words are there, and at 80x24 the URL's rows run out.
    let waiting = harness.screen(80, 24);
    assert!(waiting.contains("still waiting"), "{waiting}");
    let rows: Vec<&str> = waiting.lines().collect();
    let cut = rows
        .iter()
        .any(|row| row.trim_end_matches([' ', '│']).ends_with('…'));
    assert!(cut, "a cut URL ends with the ellipsis:\n{waiting}");
    let effects = harness.app.handle_message(Message::AuthorizeUpdate {
        id,
        update: SessionUpdate::State(FlowState::Failed(FlowFailure::Exchange(Arc::new(
            OAuthError::Http("connection refused".into()),
        )))),
    });
    harness.run(effects);
    let ended = harness.screen(80, 24);
    assert!(
        ended.contains("token request failed: connection"),
        "{ended}"
    );
    assert!(!ended.contains("still waiting"), "{ended}");
    assert!(!ended.contains("Open: "), "{ended}");
    assert!(!ended.contains("Scan the code"), "{ended}");
    assert!(!ended.contains("u prints it"), "u no longer acts: {ended}");
    assert!(!ended.contains("k checks it"), "k no longer acts: {ended}");
    assert!(ended.contains("Callback URL to register:"), "{ended}");
    assert!(
        !ended.contains('█') && !ended.contains('▀'),
        "no QR code:\n{ended}"
    );
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

/// A Jira Cloud integration (its URL from the chosen site) on AUTHORIZE, just
/// authorized: the site step was asked for.
fn jira_cloud_authorized() -> (Harness, hookconsole::tui::AuthorizeId) {
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
    (harness, id)
}

/// After an authorization, an integration whose URL comes from the chosen site asks
/// for the sites; with two, the screen lists them, the keys choose one, and the
/// outcome is shown.
#[test]
fn after_authorization_the_site_is_chosen_on_screen() {
    use hookconsole::oauth::{Site, SiteOutcome};
    let (mut harness, id) = jira_cloud_authorized();
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

/// The profiles the AUTHORIZE screen meets: a terminal emulator with and without
/// colour, the Linux console with Debian's font (no half blocks) and with RHEL's,
/// ASCII with colour, and a vt220 (ASCII, no colour).
fn qr_profiles() -> [(&'static str, Profile); 6] {
    [
        ("rich", Profile::RICH),
        ("nocolor", Profile::NO_COLOR),
        ("console", Profile::CONSOLE),
        (
            "console with half blocks",
            Profile {
                half_blocks: true,
                ..Profile::CONSOLE
            },
        ),
        ("ascii", Profile::ASCII),
        (
            "vt220",
            Profile {
                color: false,
                ..Profile::ASCII
            },
        ),
    ]
}

fn rendering(harness: &Harness) -> QrRendering {
    match &harness.app.screen {
        Screen::Authorize(view) => view.rendering(),
        _ => panic!("not on AUTHORIZE"),
    }
}

/// The renderings `r` goes through, starting from the one the screen opens with.
fn cycle_renderings(harness: &mut Harness) -> Vec<QrRendering> {
    let mut seen = vec![rendering(harness)];
    for _ in 0..QrRendering::ALL.len() {
        harness.press(KeyCode::Char('r'));
        let next = rendering(harness);
        if next == seen[0] {
            break;
        }
        seen.push(next);
    }
    seen
}

fn stated_size(harness: &mut Harness, width: u16, height: u16) -> Option<(u16, u16)> {
    qr_support::stated_size(&harness.screen(width, height))
}

/// For every profile, both codes (start link, full URL) and every rendering `r`
/// offers: a screen of exactly the size the screen asks for draws the whole code and
/// it decodes; one column or one row less gets the same request and no code.
#[test]
fn the_stated_size_is_enough_and_one_less_is_not() {
    for (name, profile) in qr_profiles() {
        for (target, expected) in [("start link", START_LINK), ("full URL", AUTHORIZE_URL)] {
            let mut harness = authorizing(profile);
            if target == "full URL" {
                harness.press(KeyCode::Char('f'));
            }
            for style in cycle_renderings(&mut harness) {
                while rendering(&harness) != style {
                    harness.press(KeyCode::Char('r'));
                }
                let case = format!("{name}, {target}, {style:?}");
                let Some((width, height)) = stated_size(&mut harness, 80, 24) else {
                    // It fits the smallest screen the TUI draws on.
                    assert_eq!(
                        decode_screen(&buffer(&mut harness, 80, 24)),
                        expected,
                        "{case}"
                    );
                    continue;
                };
                let exact = buffer(&mut harness, width, height);
                assert_eq!(
                    qr_support::try_decode(&qr_support::Screen::from_buffer(&exact)).as_deref(),
                    Some(expected),
                    "{case}: at the stated {width}x{height}:\n{}",
                    harness.screen(width, height)
                );
                assert_eq!(stated_size(&mut harness, width, height), None, "{case}");
                for (w, h) in [(width - 1, height), (width, height - 1)] {
                    assert_eq!(
                        stated_size(&mut harness, w, h),
                        Some((width, height)),
                        "{case} at {w}x{h}"
                    );
                    let smaller = qr_support::Screen::from_buffer(&buffer(&mut harness, w, h));
                    assert!(qr_support::modules(&smaller).is_none(), "{case} at {w}x{h}");
                }
            }
        }
    }
}

/// `r` offers only what the profile can draw: no half blocks where the font lacks
/// them, no background-colour blocks without colours.
#[test]
fn r_offers_only_the_styles_the_profile_can_draw() {
    use QrRendering::{Ascii, HalfBlocks, TwoColumns};
    let expected: [&[QrRendering]; 6] = [
        &[HalfBlocks, TwoColumns, Ascii],
        &[HalfBlocks, TwoColumns, Ascii],
        &[TwoColumns, Ascii],
        &[HalfBlocks, TwoColumns, Ascii],
        &[Ascii, TwoColumns],
        &[Ascii],
    ];
    for ((name, profile), expected) in qr_profiles().into_iter().zip(expected) {
        let mut harness = authorizing(profile);
        assert_eq!(cycle_renderings(&mut harness), expected, "{name}");
        // Round and round: still only those.
        for _ in 0..7 {
            harness.press(KeyCode::Char('r'));
            assert!(expected.contains(&rendering(&harness)), "{name}");
        }
    }
}

/// The listener's certificate fingerprint goes on over lines only at its colons,
/// beside the QR code and below it, with and without the paste box.
#[test]
fn the_listeners_fingerprint_breaks_only_at_colons() {
    let fingerprint = (0..32)
        .map(|byte| format!("{:02X}", byte * 7 + 0x1B))
        .collect::<Vec<_>>()
        .join(":");
    for profile in [Profile::RICH, Profile::CONSOLE] {
        let mut harness = authorizing(profile);
        let id = harness.authorizes[0].0;
        let effects = harness.app.handle_message(Message::AuthorizePrepared {
            id,
            callback_url: "https://hiab.example.com/portal/oauth".into(),
            fingerprint: Some(fingerprint.clone()),
        });
        harness.run(effects);
        for (width, height) in [(80, 30), (83, 30), (100, 40), (120, 40)] {
            let screen = harness.screen(width, height);
            tui_support::assert_fingerprint_breaks_at_colons(&screen, &fingerprint);
        }
        harness.press(KeyCode::Char('p'));
        let screen = harness.screen(80, 30);
        tui_support::assert_fingerprint_breaks_at_colons(&screen, &fingerprint);
    }
}

/// What the terminal was sent, readable while the terminal owns the writer.
#[derive(Clone, Default)]
struct Written(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Written {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Written {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.borrow_mut())).expect("UTF-8")
    }
}

type LinkTerminal = Terminal<LinkingBackend<ratatui::backend::CrosstermBackend<Written>>>;

/// The terminal the TUI draws on, writing into memory, at a fixed size.
fn link_terminal(width: u16, height: u16) -> (LinkTerminal, Written) {
    let written = Written::default();
    let backend = LinkingBackend::new(ratatui::backend::CrosstermBackend::new(written.clone()));
    let options = ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, width, height)),
    };
    (Terminal::with_options(backend, options).unwrap(), written)
}

/// The OSC 8 links in `output`: (URL, the text written inside, escapes removed), and
/// whether every link was closed.
fn osc8_links(output: &str) -> (Vec<(String, String)>, bool) {
    let mut links = Vec::new();
    let mut rest = output;
    while let Some(start) = rest.find("\u{1b}]8;id=") {
        let open = &rest[start + 7..];
        let Some(end) = open.find("\u{1b}\\") else {
            return (links, false);
        };
        let url = open[..end]
            .split_once(';')
            .map(|(_, url)| url)
            .unwrap_or("");
        let inside = &open[end + 2..];
        let Some(close) = inside.find("\u{1b}]8;;\u{1b}\\") else {
            return (links, false);
        };
        links.push((url.to_string(), visible_text(&inside[..close])));
        rest = &inside[close..];
    }
    (links, true)
}

/// `text` without its CSI sequences (cursor moves, colours).
fn visible_text(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Where the terminal takes them, the start link and the full authorize URL are OSC 8
/// links: written once when they appear, not again while they stay, and again (as
/// links) where a popup that covered them is gone. The URL's rows are one link.
#[test]
fn the_start_link_and_the_url_are_hyperlinks_written_once() {
    let mut harness = authorizing(Profile::RICH);
    let (mut terminal, written) = link_terminal(80, 40);
    harness.app.draw(&mut terminal).unwrap();
    let output = written.take();
    let (links, closed) = osc8_links(&output);
    assert!(closed, "{output:?}");
    let start: Vec<_> = links.iter().filter(|(url, _)| url == START_LINK).collect();
    assert_eq!(start.len(), 1, "{links:?}");
    assert_eq!(start[0].1, START_LINK);
    let url_rows: String = links
        .iter()
        .filter(|(url, _)| url == AUTHORIZE_URL)
        .map(|(_, text)| text.as_str())
        .collect();
    assert_eq!(
        url_rows, AUTHORIZE_URL,
        "every row of the URL, once: {links:?}"
    );
    assert_eq!(
        links.len(),
        1 + links.iter().filter(|(u, _)| u == AUTHORIZE_URL).count()
    );

    // Nothing changed: no link is written again.
    harness.app.draw(&mut terminal).unwrap();
    assert!(!written.take().contains("\u{1b}]8"));

    // Help covers part of the screen; when it goes, what it covered is redrawn, and
    // the parts of the links among it are links again.
    harness.press(KeyCode::Char('?'));
    harness.app.draw(&mut terminal).unwrap();
    let covered = written.take();
    harness.press(KeyCode::Esc);
    harness.app.draw(&mut terminal).unwrap();
    let uncovered = written.take();
    let (links, closed) = osc8_links(&uncovered);
    assert!(closed && !links.is_empty(), "{uncovered:?}");
    for (url, text) in &links {
        assert!(
            (url == START_LINK || url == AUTHORIZE_URL) && url.contains(text.as_str()),
            "{url} {text}"
        );
    }
    assert!(
        !osc8_links(&covered)
            .0
            .iter()
            .any(|(_, text)| text.contains("Keys")),
        "no link around the popup"
    );
}

/// The console and ASCII profiles get no OSC 8 at all (the console drops it, a serial
/// terminal might print it).
#[test]
fn no_hyperlinks_on_the_console_or_ascii_profiles() {
    for profile in [Profile::CONSOLE, Profile::ASCII] {
        let mut harness = authorizing(profile);
        let (mut terminal, written) = link_terminal(120, 50);
        harness.app.draw(&mut terminal).unwrap();
        let output = written.take();
        assert!(output.contains("/PORTAL/OAUTH/S/"), "drawn");
        assert!(!output.contains("\u{1b}]8"), "{profile:?}");
    }
}

/// AUTHORIZE after an authorization that reaches three sites, the middle one selected.
fn choosing_among_three_sites() -> Harness {
    use hookconsole::oauth::{Site, SiteOutcome};
    let (mut harness, id) = jira_cloud_authorized();
    let sites = ["acme", "beta", "gamma"]
        .iter()
        .map(|name| Site {
            id: format!("cloud-{name}"),
            name: name.to_string(),
            url: format!("https://{name}.atlassian.net"),
        })
        .collect();
    let effects = harness.app.handle_message(Message::SiteChosen {
        id,
        result: Ok(SiteOutcome::Choose(sites)),
    });
    harness.run(effects);
    harness.press(KeyCode::Down);
    harness
}

#[test]
fn help_lists_every_key_the_authorize_views_act_on() {
    use hookconsole::tui::KeyContext;
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::Authorize,
        &[&|| authorizing(Profile::RICH)],
    );
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::AuthorizePaste,
        &[&|| {
            let mut harness = authorizing(Profile::RICH);
            harness.keys("pab");
            harness.press(KeyCode::Left);
            harness
        }],
    );
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::AuthorizeSite,
        &[&choosing_among_three_sites],
    );
    // Ended: the footer offers back and help only (paste, print, copy and the QR style
    // did nothing, or printed the URL of a closed flow).
    tui_support::assert_help_lists_what_keys_do(
        KeyContext::AuthorizeEnded,
        &[&|| {
            let mut harness = authorizing(Profile::RICH);
            let id = harness.authorizes[0].0;
            let effects = harness.app.handle_message(Message::AuthorizeUpdate {
                id,
                update: SessionUpdate::State(FlowState::Cancelled),
            });
            harness.run(effects);
            harness
        }],
    );
}
