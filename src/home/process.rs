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
