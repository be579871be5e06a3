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
use super::profile::Profile;
use super::task::{Stores, perform};
use super::terminal::{TerminalGuard, edit_externally};
use super::verify::VerifyId;
use crate::delivery::verify_with_progress;
use crate::http::HttpOptions;
use crate::model::Integration;
use crate::oauth::TokenProvider;
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
    let guard = TerminalGuard::enter(profile)?;
    let mut terminal = guard.screen()?;
    let (sender, mut receiver) = mpsc::unbounded_channel::<Message>();
    let mut events = EventStream::new();
    let mut pending: VecDeque<Effect> = start.into();
    // Token requests for VERIFY of OAuth integrations: one provider for the session, so
    // concurrent needs for a refresh make one request.
    let settings_store = SettingsStore::new(locations.settings_file.clone());
    let tokens = Arc::new(TokenProvider::with_http_options(
        TokenStore::new(locations.tokens_file()),
        HttpOptions::from_settings(&settings_store.load().unwrap_or_default()),
    ));
    let mut verifies: HashMap<VerifyId, CancellationToken> = HashMap::new();
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
                        tokens.clone(),
                        cancel,
                        sender.clone(),
                    );
                }
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
        terminal.draw(|frame| app.render(frame))?;
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
        let options = match loaded {
            Ok(Ok(settings)) => HttpOptions::from_settings(&settings),
            _ => HttpOptions::from_settings(&Default::default()),
        };
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

/// Clears the screen and makes the next draw repaint every cell. Unlike
/// `Terminal::clear`, it does not ask the terminal for the cursor position: a round
/// trip that a slow serial line or a just-resumed terminal may not answer in time.
fn full_redraw(terminal: &mut super::terminal::Screen) -> std::io::Result<()> {
    let area = terminal.get_frame().area();
    terminal.resize(area)
}
