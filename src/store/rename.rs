//! What follows a rename. An integration's authorization (`tokens.yaml`) and its
//! events and jobs in the queue are keyed by its name: renaming it moves them to the
//! new name, so that it stays authorized and what waits for it is still delivered.

use std::path::Path;

use super::queue::MovedJobs;
use super::{Queue, TokenStore};

/// What moved to the new name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renamed {
    /// The integration was authorized (OAuth), and still is.
    pub authorization: bool,
    /// Jobs still to deliver (queued, held or claimed).
    pub waiting_jobs: usize,
    /// Events a removed integration of the new name had left in the queue under ids
    /// the renamed one has too: dropped (see [`super::Queue::rename_integration`]).
    pub dropped_leftovers: usize,
}

impl Renamed {
    /// One line for the person who renamed it; none when nothing moved.
    pub fn describe(&self) -> Option<String> {
        let jobs = match self.waiting_jobs {
            0 => None,
            1 => Some("1 waiting event".to_string()),
            n => Some(format!("{n} waiting events")),
        };
        let moved = match (self.authorization, jobs) {
            (false, None) => None,
            (true, None) => Some("its authorization follows the new name".into()),
            (false, Some(jobs)) => Some(format!("{jobs} follow the new name")),
            (true, Some(jobs)) => Some(format!("its authorization and {jobs} follow the new name")),
        };
        let dropped = match self.dropped_leftovers {
            0 => None,
            1 => Some(
                "1 event left by a removed integration of that name under the same id was dropped"
                    .to_string(),
            ),
            n => Some(format!(
                "{n} events left by a removed integration of that name under the same ids were dropped"
            )),
        };
        match (moved, dropped) {
            (Some(moved), Some(dropped)) => Some(format!("{moved}; {dropped}")),
            (moved, dropped) => moved.or(dropped),
        }
    }
}

/// Moves the authorization and the queued events of `old` to `new`. The queue file
/// is not created when there is none (nothing was ever queued). The error says what
/// did not move; the rename itself is already saved.
pub fn follow_rename(
    tokens: &TokenStore,
    queue: &Path,
    old: &str,
    new: &str,
) -> Result<Renamed, String> {
    let authorization = tokens.rename(old, new).map_err(|error| {
        format!("the authorization of `{old}` was not moved to `{new}`: {error}")
    })?;
    let moved = if queue.exists() {
        Queue::open(queue)
            .and_then(|mut queue| queue.rename_integration(old, new))
            .map_err(|error| {
                format!("the queued events of `{old}` were not moved to `{new}`: {error}")
            })?
    } else {
        MovedJobs::default()
    };
    Ok(Renamed {
        authorization,
        waiting_jobs: moved.waiting,
        dropped_leftovers: moved.dropped_leftovers,
    })
}
