//! What every hookconsole process does first, whichever face it opens: core dumps off
//! before anything reads a secret (a dump would hold it), transparent huge pages off
//! (see `huge_pages`), then the home found and its log file opened.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;

use crate::store::Locations;

/// A started process: its home, and its log (flushed when this is dropped).
pub struct Process {
    pub locations: Locations,
    _log: Option<WorkerGuard>,
}

/// Turns core dumps and huge pages off, finds the home (`--home`, else the default) and, with `log`,
/// logs into it. Completions and the manual page come from the command line's
/// definitions alone: they open no log file.
pub fn start_process(explicit_home: Option<&Path>, log: bool) -> Process {
    let core_dumps = crate::core_dumps::turn_off();
    let huge_pages = crate::huge_pages::turn_off();
    let locations = Locations::resolve(explicit_home);
    let log = log.then(|| crate::logging::init(&locations)).flatten();
    if let Err(error) = core_dumps {
        tracing::warn!(%error, "core dumps could not be turned off");
    }
    if let Err(error) = huge_pages {
        tracing::debug!(%error, "transparent huge pages could not be turned off");
    }
    Process {
        locations,
        _log: log,
    }
}

/// Threads a command's runtime starts at once: two workers and the blocking pool's first.
const RUNTIME_THREADS: usize = 3;

/// The runtime of a command that talks to the network (VERIFY, an authorization, the
/// console): two worker threads. tokio panics when it cannot start one; a process
/// limit that leaves too few threads (`ulimit -u`, a container's pid limit) is said as
/// an error instead, before the runtime is built.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    threads_available(RUNTIME_THREADS)?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// A runtime on the calling thread, for a command that makes a request or two (the
/// site step, a token refresh, the worker's scheduler). Its store work still runs on
/// tokio's blocking pool, whose first thread tokio panics without: checked as for
/// [`runtime`].
pub fn single_thread_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    threads_available(1)?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

fn threads_available(count: usize) -> std::io::Result<()> {
    crate::parallel::can_start(count).map_err(|error| {
        let threads = if count == 1 { "thread" } else { "threads" };
        std::io::Error::new(
            error.kind(),
            format!(
                "cannot start the {count} {threads} this command needs ({error}): is a \
                 process limit reached (ulimit -u)?"
            ),
        )
    })
}
