//! The delivery queue and the attempt log, in one SQLite file (WAL). An event becomes a
//! job; the worker claims jobs with a lease, sends them and records each attempt. The
//! schema is versioned with `PRAGMA user_version`.
//!
//! Writes go through one connection (the worker's writer) in grouped transactions;
//! readers (logs, the TUI) open their own connections and page with keyset queries.
//!
//! For the TUI's LOGS view (run these on a blocking task, one `Queue` per task):
//! - `Queue::open(&locations.queue_database())`;
//! - `log_page(&LogFilter { integration, outcome, text, since_ms }, before, limit)`:
//!   newest first; pass `page.next_before` for the next, older page;
//! - `log_after(&filter, last_seen_id, limit)`: the live updates, oldest first (poll it,
//!   e.g. every 500 ms, while the view is open; `last_attempt_id()` gives the start);
//! - `attempt(id)`: the detail pane (request and response, redacted JSON);
//! - `per_minute(&filter, now_ms() - 3_600_000)`: the sparkline, attempts per minute by
//!   outcome among those the filter keeps;
//! - `replay(event_id or "#attempt_id", integration)`: a new job with the same event id
//!   and payload (an event id queued for several integrations needs the integration);
//! - `counts()`: jobs per state (queued, claimed, delivered, dead, held);
//! - `waiting()` and `recent(name, log_windows(..))`: what `status` shows.

mod attempt;
mod enqueue;
mod expiry;
mod jobs;
mod log;
mod replay;
mod schema;
mod status;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use attempt::{Attempt, AttemptOutcome, AttemptRecord, AttemptRow};
pub use enqueue::{
    Difference, EnqueueStatus, Enqueued, NewEvent, Refused, fingerprint, new_event_id,
};
pub use jobs::{ClaimedJob, JobUpdate, MovedJobs};
pub use log::{INDEXED_TEXT_CHARS, LogFilter, LogOutcome, LogPage};
pub use replay::{Replay, ReplayChoice, Replayed};
pub use status::{LastAttempt, LogWindows, Recent, Waiting};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the delivery queue {path}: {source}{}", refusal_hint(path, source))]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the delivery queue {path} has schema version {found}, newer than this program's {known}; upgrade hookconsole"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("no event or delivery `{0}` in the log")]
    NotFound(String),
    /// The database in the home is a symbolic link: not opened.
    #[error(
        "the delivery queue {}: is a symbolic link, which hookconsole does not follow for \
         its own files; put the database itself there",
        path.display()
    )]
    Link { path: PathBuf },
    #[error("no event `{id}` for `{integration}` in the queue")]
    NotQueuedFor { id: String, integration: String },
    /// An event id queued for several integrations, named without one.
    #[error(
        "the event `{id}` was queued for several integrations ({}): name one, or an attempt",
        choices_text(choices)
    )]
    Ambiguous {
        id: String,
        choices: Vec<ReplayChoice>,
    },
    /// A replay of an event whose integration was removed: its job would only die.
    #[error(
        "the event `{id}` was for `{integration}`, which no longer exists: not replayed \
         (add an integration of that name first)"
    )]
    IntegrationGone { id: String, integration: String },
    /// A write of the worker's group failed in a way that made SQLite roll back the
    /// whole group.
    #[error(
        "the delivery queue {}: a write failed and SQLite rolled back the group it was in",
        path.display()
    )]
    GroupRolledBack { path: PathBuf },
    /// An all-or-none enqueue with events the queue refuses (their id is taken by a
    /// different event).
    #[error("{0}")]
    Refused(Refused),
}

/// `jira (last attempt #12), teams (no attempt yet)`.
pub fn choices_text(choices: &[ReplayChoice]) -> String {
    let named: Vec<String> = choices
        .iter()
        .map(|choice| match choice.last_attempt {
            Some(number) => format!("{} (last attempt #{number})", choice.integration),
            None => format!("{} (no attempt yet)", choice.integration),
        })
        .collect();
    named.join(", ")
}

/// Job states as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Claimed,
    Delivered,
    Dead,
    Held,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Claimed => "claimed",
            JobState::Delivered => "delivered",
            JobState::Dead => "dead",
            JobState::Held => "held",
        }
    }
}

/// One connection to the queue database.
pub struct Queue {
    conn: Connection,
    path: PathBuf,
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl Queue {
    /// Opens (creating and migrating) the database at `path`. Two processes opening a
    /// new file at once (the worker starting while the TUI shows LOGS) can find it
    /// locked while the other sets WAL mode or migrates: that is waited out, up to 10 s.
    pub fn open(path: &Path) -> Result<Queue, QueueError> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match Queue::open_once(path) {
                Err(QueueError::Sqlite { source, .. })
                    if is_busy(&source) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Queue, QueueError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            let _ = super::create_private_dir(dir);
        }
        if std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(QueueError::Link {
                path: path.to_path_buf(),
            });
        }
        // NOFOLLOW too, for a link put there after the check.
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| QueueError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        // Before WAL mode makes the -wal and -shm files: SQLite gives those the mode
        // of the database file, and its owner when it runs as root.
        restrict(path);
        let queue = Queue {
            conn,
            path: path.to_path_buf(),
        };
        queue.configure()?;
        schema::migrate(&queue.conn).map_err(|error| match error {
            schema::MigrateError::Sqlite(source) => queue.error(source),
            schema::MigrateError::TooNew(found) => QueueError::TooNew {
                path: queue.path.clone(),
                found,
                known: schema::VERSION,
            },
        })?;
        restrict(path);
        Ok(queue)
    }

    fn configure(&self) -> Result<(), QueueError> {
        self.conn
            .busy_timeout(Duration::from_secs(10))
            .map_err(|e| self.error(e))?;
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
            )
            .map_err(|e| self.error(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For the one writer of a busy queue: this connection copies the WAL into the
    /// database file (a checkpoint) only once the WAL holds `pages` pages, instead of
    /// SQLite's 1,000. Another connection checkpoints meanwhile ([`Queue::checkpoint`]);
    /// this is the bound when that one falls behind.
    ///
    /// A WAL file that grew beyond that size (the checkpointer fell behind) is cut back
    /// to it when it starts over. Not smaller: cutting it back after every burst and
    /// growing it again cost the deliveries more than the disk space is worth.
    pub fn checkpoint_beyond(&self, pages: u32) -> Result<(), QueueError> {
        let bytes = i64::from(pages) * WAL_PAGE_BYTES;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", pages)
            .and_then(|()| self.conn.pragma_update(None, "journal_size_limit", bytes))
            .map_err(|e| self.error(e))
    }

    /// Copies into the database file what the WAL holds and no reader still needs,
    /// without waiting for the writer or the readers (a passive checkpoint).
    pub fn checkpoint(&self) -> Result<(), QueueError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|e| self.error(e))
    }

    /// Begins the transaction of the writer's group of claims, settles, holds and
    /// enqueues, each of which is then a savepoint within it. Their pages (the jobs
    /// table and its indexes above all: a claim and a settle change the same ones) go
    /// to the WAL once per group instead of once per part (a fifth fewer page writes
    /// per delivery). A part that fails is rolled back to its savepoint, and
    /// the others still commit, unless SQLite rolled back the whole transaction (a
    /// full disk, an I/O error): see [`Queue::group_is_open`].
    pub fn begin_group(&mut self) -> Result<(), QueueError> {
        if self.group_is_open() {
            // A group whose COMMIT and ROLLBACK both failed: left open, every later
            // part would nest in it and never commit.
            tracing::warn!("the queue writer's last group was left open: rolled back");
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.error(e))
    }

    /// Whether the group's transaction still stands: after some errors SQLite rolls
    /// back the whole transaction, and what runs next would commit on its own.
    pub fn group_is_open(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Commits the group; an error when it was rolled back meanwhile (nothing of it
    /// is stored then).
    pub fn commit_group(&mut self) -> Result<(), QueueError> {
        if !self.group_is_open() {
            return Err(QueueError::GroupRolledBack {
                path: self.path.clone(),
            });
        }
        let committed = self.conn.execute_batch("COMMIT").map_err(|e| self.error(e));
        if committed.is_err() && self.group_is_open() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        committed
    }

    pub(crate) fn error(&self, source: rusqlite::Error) -> QueueError {
        QueueError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

/// For a database the packaged installation's service user owns, opened by someone
/// else: who may open it and how else.
fn refusal_hint(path: &Path, source: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode::{
        CannotOpen, DatabaseCorrupt, NotADatabase, PermissionDenied, ReadOnly,
    };
    match source.sqlite_error_code() {
        Some(CannotOpen | PermissionDenied | ReadOnly) => super::locations::permission_hint(path),
        // What a support engineer does next: nothing in hookconsole repairs it.
        Some(NotADatabase | DatabaseCorrupt) => {
            " (the file is damaged or not a queue: stop the worker and move the file aside, \
             with its -wal and -shm files; the next start makes an empty queue, and what \
             waited and was logged stays in the moved file)"
        }
        _ => "",
    }
}

/// A page of the queue database, and of its WAL (SQLite's default size, not changed).
const WAL_PAGE_BYTES: i64 = 4096;

/// Milliseconds since the Unix epoch, the time unit of every column.
pub fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

/// The database and its -wal and -shm companions (when they exist): 0600, and owned
/// like the directory (root opening the packaged queue must leave it usable by the
/// service user).
fn restrict(path: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    for companion in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(companion);
        let file = Path::new(&name);
        // By path, not through a handle: a second descriptor on the database, closed
        // again, would drop the connection's POSIX locks (SQLite's known hazard). A
        // link or a hard link is left alone.
        let plain = std::fs::symlink_metadata(file)
            .is_ok_and(|meta| meta.file_type().is_file() && meta.nlink() == 1);
        if plain {
            let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
            super::atomic::adopt_directory_owner(file);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After some errors (a full disk, an I/O error) SQLite rolls back the whole
    /// transaction, and the statements that follow commit on their own: the group is
    /// then not open, and its commit is refused rather than reported done.
    #[test]
    fn a_group_sqlite_rolled_back_is_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
        queue.begin_group().unwrap();
        assert!(queue.group_is_open());
        queue.conn.execute_batch("ROLLBACK").unwrap();
        assert!(!queue.group_is_open());
        assert!(matches!(
            queue.commit_group(),
            Err(QueueError::GroupRolledBack { .. })
        ));
        // The next group begins as usual.
        queue.begin_group().unwrap();
        queue.commit_group().unwrap();
        // One left open (its COMMIT and ROLLBACK failed) is rolled back first.
        queue.conn.execute_batch("BEGIN").unwrap();
        queue.begin_group().unwrap();
        assert!(queue.group_is_open());
        queue.commit_group().unwrap();
        assert!(!queue.group_is_open());
    }
}
