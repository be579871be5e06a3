//! The event loop: one `select!` over terminal events, messages from background tasks
//! and the quit signals. It draws when something changed and the message queue is
//! empty; nothing redraws while idle.

use std::collections::VecDeque;

use crossterm::event::EventStream;
use futures_util::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::app::{App, AppPaths, Effect, Message};
use super::profile::Profile;
use super::task::{Stores, perform};
use super::terminal::{TerminalGuard, edit_externally};
use crate::store::Locations;

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
    tracing::info!(%profile, "tui started");
    loop {
        while let Some(effect) = pending.pop_front() {
            match effect {
                Effect::Quit => {
                    tracing::info!("tui quit");
                    return Ok(());
                }
                Effect::Redraw => full_redraw(&mut terminal)?,
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
                pending.extend(app.handle_message(message));
                while let Ok(message) = receiver.try_recv() {
                    pending.extend(app.handle_message(message));
                }
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

/// Clears the screen and makes the next draw repaint every cell. Unlike
/// `Terminal::clear`, it does not ask the terminal for the cursor position: a round
/// trip that a slow serial line or a just-resumed terminal may not answer in time.
fn full_redraw(terminal: &mut super::terminal::Screen) -> std::io::Result<()> {
    let area = terminal.get_frame().area();
    terminal.resize(area)
}
