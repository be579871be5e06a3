//! Noticing that another process (the CLI, another console, the packages' scripts)
//! changed the integrations file while the console runs: a task looks at the file's
//! inode, modification time and length once a second, a `stat` and nothing more, and
//! says so with a message when they differ; the app then reads the file again. No
//! inotify: one file, once a second, is cheap, and works on every file system.

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

/// The task that watches `path` every `period`; it ends when the app's receiver is
/// gone, and the handle aborts it when dropped.
pub struct FileWatch(JoinHandle<()>);

impl FileWatch {
    pub fn start(
        path: PathBuf,
        period: Duration,
        sender: mpsc::UnboundedSender<Message>,
    ) -> FileWatch {
        FileWatch(tokio::spawn(async move {
            let mut last = FileStamp::of(&path);
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let now = FileStamp::of(&path);
                if now != last {
                    last = now;
                    if sender.send(Message::IntegrationsFileChanged).is_err() {
                        return;
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
