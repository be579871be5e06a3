//! Copies the queue's WAL into the database file on a connection of its own, so that
//! the writer does not. A checkpoint of a delivery burst copies some megabytes and
//! syncs both files, tens of milliseconds; in the writer, every claim waiting behind
//! it waited as long, and the deliveries ran dry meanwhile.

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::store::Queue;

/// The writer checkpoints itself only beyond this many pages (4 KiB each) in the WAL:
/// the checkpointer fell behind, or is gone.
pub const WRITER_CHECKPOINTS_BEYOND: u32 = 8192;

/// At most one checkpoint in this long: each syncs the files, and a burst commits
/// every few milliseconds.
const EVERY: Duration = Duration::from_millis(200);

/// Tells the checkpointer that something was committed.
#[derive(Clone)]
pub struct Nudge(mpsc::SyncSender<()>);

impl Nudge {
    /// Never waits: one nudge pending is as good as many.
    pub fn committed(&self) {
        let _ = self.0.try_send(());
    }
}

/// Starts the checkpointer on its own connection to `path`. It ends when every
/// [`Nudge`] is dropped, after a last checkpoint.
pub fn start(path: PathBuf) -> std::io::Result<(Nudge, JoinHandle<()>)> {
    let (sender, receiver) = mpsc::sync_channel::<()>(1);
    let handle = std::thread::Builder::new()
        .name("queue-checkpoint".into())
        .spawn(move || {
            let queue = match Queue::open(&path) {
                Ok(queue) => queue,
                Err(error) => {
                    // The writer's own checkpoints (beyond the bound) still run.
                    tracing::error!(%error, "the checkpointer cannot open the queue");
                    return;
                }
            };
            let mut last = Instant::now() - EVERY;
            while receiver.recv().is_ok() {
                std::thread::sleep(EVERY.saturating_sub(last.elapsed()));
                // What was committed while it slept is in this checkpoint too.
                while receiver.try_recv().is_ok() {}
                checkpoint(&queue);
                last = Instant::now();
            }
            checkpoint(&queue);
        })?;
    Ok((Nudge(sender), handle))
}

fn checkpoint(queue: &Queue) {
    if let Err(error) = queue.checkpoint() {
        tracing::warn!(%error, "checkpointing the queue failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::queue::NewEvent;

    fn file_len(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map_or(0, |meta| meta.len())
    }

    #[test]
    fn what_the_writer_commits_reaches_the_database_file_from_the_checkpointer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite3");
        let mut writer = Queue::open(&path).unwrap();
        writer.checkpoint_beyond(WRITER_CHECKPOINTS_BEYOND).unwrap();
        let (nudge, handle) = start(path.clone()).unwrap();
        let before = file_len(&path);
        // Some hundred pages: far below any bound at which SQLite would checkpoint
        // on the writer's connection.
        let events: Vec<NewEvent> = (0..2_000)
            .map(|n| NewEvent {
                id: None,
                integration: "a".into(),
                event_type: "t".into(),
                payload: format!("{{\"n\": {n}, \"pad\": \"{}\"}}", "x".repeat(200)),
            })
            .collect();
        writer.enqueue(&events).unwrap();
        nudge.committed();
        let deadline = Instant::now() + Duration::from_secs(10);
        while file_len(&path) < before + 400 * 1024 {
            assert!(Instant::now() < deadline, "nothing was checkpointed");
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(nudge);
        handle.join().unwrap();
        // And the file holds what was queued, read without the WAL's help.
        drop(writer);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 2_000);
    }
}
