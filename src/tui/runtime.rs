//! The event loop: one `select!` over terminal events, messages from background tasks
//! and the quit signals. It draws when something changed and the message queue is
//! empty; nothing redraws while idle.

use std::collections::VecDeque;

use crossterm::event::EventStream;
use futures_util::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::app::{App, AppPaths, Effect, Message};
use super::authorize::AuthorizeId;
use super::message::AuthorizeInput;
use super::profile::Profile;
use super::task::{Stores, perform};
use super::terminal::{TerminalGuard, edit_externally};
use super::verify::VerifyId;
use crate::delivery::verify_with_progress;
use crate::http::HttpOptions;
use crate::model::Integration;
use crate::oauth::{SessionInput, prepare_session, run_session};
use crate::oauth::{SiteContext, TokenProvider};
use crate::store::Locations;
use crate::store::{SettingsStore, TokenStore};

pub async fn run(locations: Locations, profile: Profile) -> anyhow::Result<()> {
    let stores = Stores::new(&locations);
    let paths = AppPaths {
        integrations_file: locations.integrations_file(),
        log_file: crate::logging::log_file(&locations),
    };
    let (mut app, start) = App::new(profile, paths);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    // Ctrl-C is a key here (raw mode); SIGINT comes only from `kill`, and quits too.
    let mut sigint = signal(SignalKind::interrupt())?;
    let guard = TerminalGuard::enter(profile)?;
    let mut terminal = guard.screen()?;
    let (sender, mut receiver) = mpsc::unbounded_channel::<Message>();
    let mut events = EventStream::new();
    let mut pending: VecDeque<Effect> = start.into();
    // Token requests for VERIFY and the site step: built for each run from the settings
    // as they are then (a proxy or timeout changed with `hookconsole settings` counts
    // without a restart). Refreshes stay single: the token store's lock and re-read
    // serialise them across providers and processes.
    let settings_store = SettingsStore::new(&locations);
    let token_provider = || {
        Arc::new(TokenProvider::with_http_options(
            TokenStore::new(locations.tokens_file()),
            HttpOptions::from_settings(&settings_store.load().unwrap_or_default()),
        ))
    };
    let mut verifies: HashMap<VerifyId, CancellationToken> = HashMap::new();
    let mut authorizations: HashMap<AuthorizeId, mpsc::Sender<SessionInput>> = HashMap::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(%profile, "tui started");
    loop {
        while let Some(effect) = pending.pop_front() {
            match effect {
                Effect::Quit => {
                    tracing::info!("tui quit");
                    return Ok(());
                }
                Effect::Redraw => full_redraw(&mut terminal)?,
                Effect::StartVerify { id, integration } => {
                    let cancel = CancellationToken::new();
                    verifies.insert(id, cancel.clone());
                    spawn_verify(
                        id,
                        *integration,
                        settings_store.clone(),
                        token_provider(),
                        cancel,
                        sender.clone(),
                    );
                }
                Effect::StartAuthorize { id, integration } => {
                    let (inputs, input_rx) = mpsc::channel(4);
                    authorizations.insert(id, inputs);
                    spawn_authorize(
                        id,
                        *integration,
                        locations.clone(),
                        input_rx,
                        sender.clone(),
                    );
                }
                Effect::AuthorizeInput { id, input } => {
                    if let Some(inputs) = authorizations.get(&id) {
                        let input = match input {
                            AuthorizeInput::Paste(text) => SessionInput::Paste(text),
                            AuthorizeInput::Cancel => SessionInput::Cancel,
                        };
                        let _ = inputs.try_send(input);
                    }
                }
                Effect::ChooseSite { id, name, wanted } => {
                    spawn_choose_site(id, name, wanted, locations.clone(), sender.clone())
                }
                Effect::PrintUrl(url) => {
                    drop(events);
                    tokio::task::block_in_place(|| guard.suspended(|| print_unbroken(&url)))?;
                    events = EventStream::new();
                    full_redraw(&mut terminal)?;
                }
                Effect::CopyToClipboard(text) => copy_osc52(&text),
                Effect::CancelVerify(id) => {
                    if let Some(cancel) = verifies.get(&id) {
                        cancel.cancel();
                    }
                }
                Effect::EditExternally(text) => {
                    // The editor owns the terminal meanwhile: stop reading keys.
                    drop(events);
                    let result =
                        tokio::task::block_in_place(|| guard.suspended(|| edit_externally(&text)))?;
                    events = EventStream::new();
                    full_redraw(&mut terminal)?;
                    pending.extend(app.handle_message(Message::ExternallyEdited(result)));
                }
                work => {
                    let sender = sender.clone();
                    let stores = stores.clone();
                    tracing::debug!(?work, "background work");
                    tokio::task::spawn_blocking(move || {
                        if let Some(message) = perform(work, &stores) {
                            let _ = sender.send(message);
                        }
                    });
                }
            }
        }
        if app.quit {
            return Ok(());
        }
        // Every pass of the loop follows an event or a message: something changed.
        app.draw(&mut terminal)?;
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    pending.extend(app.handle_event(event));
                }
                Some(Err(error)) => return Err(error.into()),
                None => return Ok(()),
            },
            Some(message) = receiver.recv() => {
                if let Message::Verified { id, .. } = &message {
                    verifies.remove(id);
                }
                pending.extend(app.handle_message(message));
                while let Ok(message) = receiver.try_recv() {
                    if let Message::Verified { id, .. } = &message {
                        verifies.remove(id);
                    }
                    pending.extend(app.handle_message(message));
                }
            }
            // Only while a clock is on screen: nothing redraws while idle.
            _ = clock.tick(), if app.is_busy() => {
                pending.extend(app.handle_message(Message::Tick));
            }
            _ = sigterm.recv() => {
                tracing::info!("SIGTERM: quitting");
                return Ok(());
            }
            _ = sigint.recv() => {
                tracing::info!("SIGINT: quitting");
                return Ok(());
            }
            _ = sighup.recv() => {
                tracing::info!("SIGHUP (terminal gone): quitting");
                // The terminal is gone: ratatui's drop would report the failure to
                // show the cursor on a stderr that is gone too, and panic.
                std::mem::forget(terminal);
                return Ok(());
            }
        }
    }
}

/// Runs one VERIFY on a task of its own; each stage and the report come back as
/// messages. The settings are read now, so a changed timeout or proxy applies.
fn spawn_verify(
    id: VerifyId,
    integration: Integration,
    settings: SettingsStore,
    tokens: Arc<TokenProvider>,
    cancel: CancellationToken,
    sender: mpsc::UnboundedSender<Message>,
) {
    tokio::spawn(async move {
        let loaded = tokio::task::spawn_blocking(move || settings.load()).await;
        let settings = match loaded {
            Ok(Ok(settings)) => settings,
            _ => Default::default(),
        };
        let options = HttpOptions::from_settings(&settings);
        let appliance = crate::template::Appliance::local(settings.hostname.as_deref());
        let (stage_tx, mut stages) = mpsc::unbounded_channel();
        let forward = sender.clone();
        let forwarding = tokio::spawn(async move {
            while let Some(stage) = stages.recv().await {
                let _ = forward.send(Message::VerifyStage { id, stage });
            }
        });
        let report = verify_with_progress(
            &integration,
            &options,
            &appliance,
            tokens.as_ref(),
            cancel,
            Some(stage_tx),
        )
        .await;
        let _ = forwarding.await;
        let _ = sender.send(Message::Verified {
            id,
            name: integration.name.clone(),
            report: Box::new(report),
        });
    });
}

/// The site step after an authorization, on a task of its own.
fn spawn_choose_site(
    id: AuthorizeId,
    name: String,
    wanted: Option<String>,
    locations: Locations,
    sender: mpsc::UnboundedSender<Message>,
) {
    tokio::spawn(async move {
        let result = async {
            let at = {
                let name = name.clone();
                tokio::task::spawn_blocking(move || SiteContext::load(&locations, &name))
                    .await
                    .map_err(|error| error.to_string())?
                    .map_err(|error| error.to_string())?
            };
            at.choose(wanted.as_deref(), true)
                .await
                .map_err(|error| error.to_string())
        }
        .await;
        if let Err(reason) = &result {
            tracing::warn!(integration = %name, %reason, "site step failed");
        }
        let _ = sender.send(Message::SiteChosen { id, result });
    });
}

/// Runs one authorize session on a task of its own; what it says comes back as
/// messages. The session ends on success, cancel, timeout or error, and its listener
/// with it.
fn spawn_authorize(
    id: AuthorizeId,
    integration: Integration,
    locations: Locations,
    inputs: mpsc::Receiver<SessionInput>,
    sender: mpsc::UnboundedSender<Message>,
) {
    tokio::spawn(async move {
        let prepared = tokio::task::spawn_blocking(move || {
            prepare_session(
                &locations,
                &integration,
                false,
                crate::oauth::DEFAULT_TIMEOUT,
                Vec::new(),
            )
        })
        .await
        .map_err(|error| error.to_string())
        .and_then(|prepared| prepared.map_err(|error| error.to_string()));
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(reason) => {
                let _ = sender.send(Message::AuthorizeFailed { id, reason });
                return;
            }
        };
        let _ = sender.send(Message::AuthorizePrepared {
            id,
            callback_url: prepared.callback_url.clone(),
            fingerprint: prepared.fingerprint.clone(),
        });
        let (update_tx, mut updates) = mpsc::unbounded_channel();
        let forward = sender.clone();
        let forwarding = tokio::spawn(async move {
            while let Some(update) = updates.recv().await {
                let _ = forward.send(Message::AuthorizeUpdate { id, update });
            }
        });
        let result = run_session(prepared.setup, inputs, update_tx).await;
        let _ = forwarding.await;
        if let Err(error) = result {
            let _ = sender.send(Message::AuthorizeFailed {
                id,
                reason: error.to_string(),
            });
        }
    });
}

/// The URL as one line on the normal screen, so the terminal's own selection copies it
/// whole (wrapped lines in a full-screen view break when copied).
fn print_unbroken(url: &str) {
    use std::io::{BufRead, Write};
    let mut out = std::io::stdout();
    let _ = writeln!(out, "\nThe full authorize URL, on one line:\n\n{url}\n");
    let _ = write!(out, "Press Enter to return to hookconsole. ");
    let _ = out.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
}

/// OSC 52: asks the terminal to put `text` on its clipboard. Terminals that do not
/// support it ignore the sequence; none answers.
fn copy_osc52(text: &str) {
    use base64::Engine;
    use std::io::Write;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

/// Clears the screen and makes the next draw repaint every cell. Unlike
/// `Terminal::clear`, it does not ask the terminal for the cursor position: a round
/// trip that a slow serial line or a just-resumed terminal may not answer in time.
fn full_redraw(terminal: &mut super::terminal::Screen) -> std::io::Result<()> {
    let area = terminal.get_frame().area();
    terminal.resize(area)
}
