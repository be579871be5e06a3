//! Copies the queue's WAL into the database file on a connection of its own, so that
//! the writer does not. A checkpoint of a delivery burst copies some megabytes and
//! syncs both files, tens of milliseconds; in the writer, every claim waiting behind
//! it waited as long, and the deliveries ran dry meanwhile.

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

/// Tells the checkpointer that something was committed (when there is one).
pub struct Nudge(Option<mpsc::SyncSender<()>>);

impl Nudge {
    /// For a writer without a checkpointer: it checkpoints itself.
    pub fn none() -> Nudge {
        Nudge(None)
    }

    /// Never waits: one nudge pending is as good as many.
    pub fn committed(&self) {
        if let Some(sender) = &self.0 {
            let _ = sender.try_send(());
        }
    }
}

/// Starts the checkpointer on `queue`, a connection of its own (opened here, not in
/// the thread: a thread opening late could recreate the directory of a queue already
/// gone). It ends when every [`Nudge`] is dropped, after a last checkpoint.
pub fn start(queue: Queue) -> std::io::Result<(Nudge, JoinHandle<()>)> {
    let (sender, receiver) = mpsc::sync_channel::<()>(1);
    let handle = std::thread::Builder::new()
        .name("queue-checkpoint".into())
        .spawn(move || {
            let mut last: Option<Instant> = None;
            while receiver.recv().is_ok() {
                if let Some(last) = last {
                    std::thread::sleep(EVERY.saturating_sub(last.elapsed()));
                }
                // What was committed while it slept is in this checkpoint too.
                while receiver.try_recv().is_ok() {}
                checkpoint(&queue);
                last = Some(Instant::now());
            }
            checkpoint(&queue);
        })?;
    Ok((Nudge(Some(sender)), handle))
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
        let (nudge, handle) = start(Queue::open(&path).unwrap()).unwrap();
        let before = file_len(&path);
        // Some hundred pages: far below any bound at which SQLite would checkpoint
        // on the writer's connection.
        let events: Vec<NewEvent> = (0..2_000)
            .map(|n| NewEvent {
                id: None,
                integration: "a".into(),
                event_type: "t".into(),
                payload: format!("{{\"n\": {n}, \"pad\": \"{}\"}}", "x".repeat(200)),
                fingerprint: None,
            })
            .collect();
        writer.enqueue(&events).unwrap();
        nudge.committed();
        let deadline = Instant::now() + Duration::from_secs(10);
        while file_len(&path) < before + 400 * 1024 {
            assert!(Instant::now() < deadline, "nothing was checkpointed");
            std::thread::sleep(Duration::from_millis(20));
        }
        // The database file alone (a copy, without the WAL beside it) holds what was
        // queued, while the writer's connection is still open.
        let alone = dir.path().join("alone.sqlite3");
        std::fs::copy(&path, &alone).unwrap();
        let conn = rusqlite::Connection::open(&alone).unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 2_000);
        drop(nudge);
        handle.join().unwrap();
        drop(writer);
    }
}
