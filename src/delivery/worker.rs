//! The delivery worker: one per home (it holds `worker.lock`). It takes over at once
//! the jobs a killed worker had claimed, claims due jobs with a lease, delivers them
//! with bounded concurrency (overall and per integration), and has one writer record
//! every attempt. It also serves the enqueue socket. Stopping (SIGTERM, SIGINT, or the
//! token) lets in-flight attempts finish for a grace period and releases the rest.

mod attempt;
mod checkpointer;
mod clients;
mod pending;
mod scheduler;
mod socket;
mod threads;
mod token_repair;
mod writer;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use attempt::{class_name, parse_retry_after, retryable};

use crate::delivery::TokenSource;
use crate::home::Home;
use crate::store::worker_presence::{self, WorkerIdentity};
use crate::store::{Locations, QueueError, StoreError};

/// The enqueue socket's and the lock's file names in the home directory.
pub use crate::store::worker_presence::{LOCK_FILE, SOCKET_FILE};

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("another worker is already running for {0} (it holds {0}/{LOCK_FILE})")]
    AlreadyRunning(PathBuf),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file or directory of the worker's own (its lock, the socket, the home).
    #[error("{}: {source}{}", path.display(), crate::store::permission_hint(path))]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A thread of the worker's own (the writer, the checkpointer, a delivery
    /// thread) could not be started.
    #[error(
        "cannot start the worker's threads ({0}): is a process limit reached (ulimit -u, or \
         the service's TasksMax)?"
    )]
    Threads(#[source] std::io::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl WorkerError {
    /// `source`, met on `path`: said with the path (`Permission denied` alone names
    /// nothing a support engineer can act on).
    pub fn file(path: &Path) -> impl FnOnce(std::io::Error) -> WorkerError + '_ {
        move |source| WorkerError::File {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Timings of the worker; the defaults suit production, tests shorten them.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// How long a claim holds a job before another worker may take it.
    pub lease: Duration,
    /// How often due jobs are looked for while the worker delivers, at most (it looks
    /// when the next known job is due, and at once after a socket enqueue).
    pub poll: Duration,
    /// The same when nothing is pending or running: an idle worker looks once a second
    /// for what other processes queue, instead of ten times.
    pub idle_poll: Duration,
    /// How long in-flight attempts may finish after a stop is asked.
    pub grace: Duration,
    /// Serve the enqueue socket.
    pub socket: bool,
    /// Threads that deliver: one per core, at most two (see `threads`).
    pub delivery_threads: usize,
    /// How often the token store is looked at for refreshes to repair (see
    /// `token_repair`).
    pub token_repair: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            lease: Duration::from_secs(600),
            poll: Duration::from_millis(100),
            idle_poll: Duration::from_secs(1),
            grace: Duration::from_secs(10),
            socket: true,
            delivery_threads: threads::count(),
            token_repair: Duration::from_secs(15),
        }
    }
}

/// The socket path for a home.
pub fn socket_path(locations: &Locations) -> PathBuf {
    worker_presence::socket_path(locations)
}

/// Runs the worker until `stop` is cancelled.
pub async fn run(
    locations: &Locations,
    options: WorkerOptions,
    stop: CancellationToken,
) -> Result<(), WorkerError> {
    let mut lock = take_lock(locations).await?;
    let identity = WorkerIdentity::of_this_process(crate::store::queue::now_ms());
    // Who holds the lock, for `status` (which also asks the socket).
    if let Err(error) = worker_presence::write_identity(&mut lock, &identity) {
        tracing::warn!(%error, "could not write the worker's pid into its lock");
    }
    let home = Home::new(locations);
    let settings = home.settings()?.clone();
    let http = home.http_options()?;
    let tokens: Arc<dyn TokenSource> = Arc::new(home.token_provider()?);
    let mut queue = home.open_queue()?;
    let taken = queue.release_all_claims()?;
    if taken > 0 {
        tracing::info!(
            jobs = taken,
            "took over the jobs a stopped worker had claimed"
        );
    }
    // The writer thread ends when its last sender is dropped; the scheduler's stop
    // waits until it has committed everything sent before (a flush).
    let (writer, writer_thread) = writer::start(queue).map_err(WorkerError::Threads)?;
    let result = scheduler::Scheduler::new(
        locations.clone(),
        &settings,
        options,
        tokens,
        home.tokens().clone(),
        http,
        writer,
    )
    .answering_status_as(identity)
    .run(stop)
    .await;
    // Then the writer ends too (the socket's tasks drop their senders on the same
    // stop): its checkpointer's last checkpoint, and its close, which removes the WAL,
    // come before the process ends. Not for ever: a sender held longer only costs that.
    let deadline = tokio::time::Instant::now() + WRITER_END;
    while !writer_thread.is_finished() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::info!("worker stopped");
    result
}

/// How long a stopping worker waits for its writer thread to end.
const WRITER_END: Duration = Duration::from_secs(2);

async fn take_lock(locations: &Locations) -> Result<File, WorkerError> {
    crate::store::create_private_dir(&locations.data_dir)?;
    let path = locations.data_dir.join(LOCK_FILE);
    // Owned like the directory: a worker run by root once (`sudo hookconsole worker`)
    // must not leave the lock root's, or the service could not open it afterwards.
    let file = crate::store::open_own_file(&path, true).map_err(WorkerError::file(&path))?;
    // `status` and `send` look at the lock by taking it shared for an instant: a
    // worker starting then tries again a few times before it calls it taken.
    for _ in 0..LOCK_TRIES {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(WorkerError::file(&path)(error));
            }
        }
    }
    Err(WorkerError::AlreadyRunning(locations.data_dir.clone()))
}

const LOCK_TRIES: usize = 5;
