//! The delivery worker run in the test's own runtime, polling fast, until stopped.

use std::time::Duration;

use hookconsole::delivery::worker::{self, WorkerError, WorkerOptions};
use hookconsole::store::Locations;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub struct RunningWorker {
    stop: CancellationToken,
    task: JoinHandle<Result<(), WorkerError>>,
}

/// Starts the worker of `locations`; `socket` also opens its enqueue socket.
pub fn start_worker(locations: &Locations, socket: bool) -> RunningWorker {
    start_worker_with(
        locations,
        WorkerOptions {
            poll: Duration::from_millis(20),
            grace: Duration::from_secs(2),
            socket,
            ..WorkerOptions::default()
        },
    )
}

/// Starts the worker of `locations` with these timings.
pub fn start_worker_with(locations: &Locations, options: WorkerOptions) -> RunningWorker {
    let stop = CancellationToken::new();
    let locations = locations.clone();
    let running = stop.clone();
    let task = tokio::spawn(async move { worker::run(&locations, options, running).await });
    RunningWorker { stop, task }
}

impl RunningWorker {
    /// Stops it as SIGTERM would and waits for a clean end.
    pub async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap().unwrap();
    }
}
