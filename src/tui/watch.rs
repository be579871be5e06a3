//! Noticing that another process (the CLI, another console, the packages' scripts, the
//! worker) changed what the console shows: a task looks at each watched file's inode,
//! modification time and length once a second, a `stat` and nothing more, and says so
//! with a message when they differ; the app then reads it again. Watched: the
//! integrations file, and the delivery queue's files with the worker's lock and socket
//! (a commit, a worker starting or stopping). No inotify: a few files, once a second,
//! are cheap, and it works on every file system.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::message::Message;

/// What a change of the file changes: a save renames a new file over it (another
/// inode), an edit in place changes its time or length. `None`: no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp(Option<(u64, SystemTime, u64)>);

impl FileStamp {
    pub fn of(path: &Path) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp(std::fs::metadata(path).ok().map(|meta| {
            (
                meta.ino(),
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                meta.len(),
            )
        }))
    }
}

/// What a watched group of files is, and so which message its change sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    Integrations,
    Deliveries,
}

impl Watched {
    fn message(self) -> Message {
        match self {
            Watched::Integrations => Message::IntegrationsFileChanged,
            Watched::Deliveries => Message::DeliveriesChanged,
        }
    }
}

/// The task that watches each group of files every `period`; it ends when the app's
/// receiver is gone, and the handle aborts it when dropped.
pub struct FileWatch(JoinHandle<()>);

impl FileWatch {
    pub fn start(
        groups: Vec<(Watched, Vec<PathBuf>)>,
        period: Duration,
        sender: mpsc::UnboundedSender<Message>,
    ) -> FileWatch {
        let stamps = |paths: &[PathBuf]| paths.iter().map(|p| FileStamp::of(p)).collect();
        FileWatch(tokio::spawn(async move {
            let mut last: Vec<Vec<FileStamp>> =
                groups.iter().map(|(_, paths)| stamps(paths)).collect();
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                for ((watched, paths), last) in groups.iter().zip(&mut last) {
                    let now: Vec<FileStamp> = stamps(paths);
                    if now != *last {
                        *last = now;
                        if sender.send(watched.message()).is_err() {
                            return;
                        }
                    }
                }
            }
        }))
    }
}

impl Drop for FileWatch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_over_the_file_or_a_write_changes_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("integrations.yaml");
        let missing = FileStamp::of(&path);
        std::fs::write(&path, "a: 1\n").unwrap();
        let written = FileStamp::of(&path);
        assert_ne!(missing, written);
        assert_eq!(FileStamp::of(&path), written, "nothing changed");
        // Same length, renamed over it: another inode.
        let other = dir.path().join("new");
        std::fs::write(&other, "a: 2\n").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_ne!(FileStamp::of(&path), written);
    }
}
