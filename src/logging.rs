//! Logging goes to a file in the home directory, never to the terminal: a TUI must not
//! print over its own screen, and a CLI's output is for the person or the script.
//! Nothing logged may hold a secret; the model's `Secret` prints a mask if one slips.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::store::{Locations, create_private_dir};

pub const LOG_FILE_NAME: &str = "hookconsole.log";

/// The log file for a home.
pub fn log_file(locations: &Locations) -> PathBuf {
    locations.log_dir().join(LOG_FILE_NAME)
}

/// Starts logging to the home's log file, at the level in `HOOKCONSOLE_LOG` (default
/// `info`). Keep the guard alive for the life of the program: dropping it flushes.
/// When the log directory cannot be made, or no thread can be started for its writer,
/// logging is off and the program goes on.
pub fn init(locations: &Locations) -> Option<WorkerGuard> {
    let dir = locations.log_dir();
    create_private_dir(&dir).ok()?;
    // Made (or checked) here first: the appender itself would follow a planted link.
    crate::store::open_own_file(&dir.join(LOG_FILE_NAME), true).ok()?;
    // The writer runs on a thread of its own, and tracing-appender panics when it
    // cannot start one (a process limit reached): then logging is off, as above.
    crate::parallel::can_start(1).ok()?;
    let appender = tracing_appender::rolling::never(&dir, LOG_FILE_NAME);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env("HOOKCONSOLE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
