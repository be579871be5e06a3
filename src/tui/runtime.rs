//! The event loop: one `select!` over terminal events, messages from background tasks
//! and the quit signals. It draws when something changed and the message queue is
//! empty; nothing redraws while idle. Each kind of effect has one place that carries
//! it out: store work on a blocking thread (`task`), tasks (`background`), the
//! terminal here, and quitting ends the loop.

use std::collections::VecDeque;
use std::time::Duration;

use crossterm::event::EventStream;
use futures_util::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::app::{App, AppPaths, Effect, Message};
use super::background::Background;
use super::message::TerminalWork;
use super::profile::Profile;
use super::task::{Stores, perform};
use super::terminal::{TerminalGuard, edit_externally};
use super::watch::{FileWatch, Watched};
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
    // Ctrl-C is a key here (raw mode); SIGINT comes only from `kill`, and quits too.
    let mut sigint = signal(SignalKind::interrupt())?;
    let guard = TerminalGuard::enter(profile)?;
    let mut terminal = guard.screen()?;
    let (sender, mut receiver) = mpsc::unbounded_channel::<Message>();
    let mut events = EventStream::new();
    let mut pending: VecDeque<Effect> = start.into();
    let mut background = Background::new(&locations, sender.clone());
    let _watch = FileWatch::start(
        vec![
            (Watched::Integrations, vec![locations.integrations_file()]),
            (Watched::Deliveries, delivery_files(&locations)),
        ],
        Duration::from_secs(1),
        sender.clone(),
    );
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
                Effect::Store(work) => {
                    let sender = sender.clone();
                    let stores = stores.clone();
                    tracing::debug!(?work, "store work");
                    tokio::task::spawn_blocking(move || {
                        let _ = sender.send(perform(work, &stores));
                    });
                }
                Effect::Task(work) => background.start(work),
                Effect::Terminal(work) => {
                    let (reader, answer) = on_terminal(work, &guard, &mut terminal, events)?;
                    events = reader;
                    if let Some(message) = answer {
                        pending.extend(app.handle_message(message));
                    }
                }
            }
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
                background.received(&message);
                pending.extend(app.handle_message(message));
                while let Ok(message) = receiver.try_recv() {
                    background.received(&message);
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

/// Carries out work on the terminal, with the key reader (given back, or a new one
/// after another program had the terminal); the external editor's result comes back
/// as a message for the app.
fn on_terminal(
    work: TerminalWork,
    guard: &TerminalGuard,
    terminal: &mut super::terminal::Screen,
    events: EventStream,
) -> anyhow::Result<(EventStream, Option<Message>)> {
    let mut answer = None;
    let events = match work {
        TerminalWork::Redraw => {
            full_redraw(terminal)?;
            events
        }
        TerminalWork::CopyToClipboard(text) => {
            copy_osc52(&text);
            events
        }
        TerminalWork::PrintUrl(url) => {
            // The printed line owns the terminal meanwhile: stop reading keys.
            drop(events);
            tokio::task::block_in_place(|| guard.suspended(|| print_unbroken(&url)))?;
            full_redraw(terminal)?;
            EventStream::new()
        }
        TerminalWork::EditExternally(text) => {
            // The editor owns the terminal meanwhile: stop reading keys.
            drop(events);
            let result =
                tokio::task::block_in_place(|| guard.suspended(|| edit_externally(&text)))?;
            full_redraw(terminal)?;
            answer = Some(Message::ExternallyEdited(result));
            EventStream::new()
        }
    };
    Ok((events, answer))
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

/// What changes when events are queued or delivered, or the worker starts or stops.
fn delivery_files(locations: &Locations) -> Vec<std::path::PathBuf> {
    let queue = locations.queue_database();
    let mut wal = queue.clone().into_os_string();
    wal.push("-wal");
    vec![
        queue,
        wal.into(),
        crate::store::worker_presence::lock_path(locations),
        crate::store::worker_presence::socket_path(locations),
    ]
}
