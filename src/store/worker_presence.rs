//! Whether a delivery worker runs for a home, told by the two files it keeps there
//! while it runs: `worker.lock`, which it holds locked and in which it writes who it
//! is, and `worker.sock`, which answers a status line with the same. A lock held but a
//! socket that does not answer is a worker that hangs (or was started without its
//! socket); a socket file without the lock is a killed worker's leftover.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::locations::Locations;

/// The lock the worker holds while it runs (one worker per home).
pub const LOCK_FILE: &str = "worker.lock";
/// The worker's enqueue socket.
pub const SOCKET_FILE: &str = "worker.sock";
/// The line that asks the socket who answers, rather than queueing an event.
pub const STATUS_REQUEST: &str = r#"{"status":true}"#;

/// Who the running worker is: written into its lock when it starts, answered on its
/// socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerIdentity {
    pub pid: u32,
    /// When it started, ms since the epoch.
    pub started_ms: i64,
    /// The hookconsole version it runs.
    pub version: String,
}

impl WorkerIdentity {
    /// This process, started at `started_ms`.
    pub fn of_this_process(started_ms: i64) -> WorkerIdentity {
        WorkerIdentity {
            pid: std::process::id(),
            started_ms,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// The socket's answer to [`STATUS_REQUEST`].
    pub fn answer_line(&self) -> String {
        serde_json::json!({ "ok": true, "worker": self }).to_string()
    }
}

/// The socket's answer to the status request, read back.
#[derive(Deserialize)]
struct StatusAnswer {
    worker: WorkerIdentity,
}

/// A line is the status request: an object with `status: true` and nothing else (an
/// event line has `integration` and `type`).
pub fn is_status_request(line: &str) -> bool {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct StatusRequest {
        status: bool,
    }
    serde_json::from_str::<StatusRequest>(line).is_ok_and(|request| request.status)
}

pub fn lock_path(locations: &Locations) -> PathBuf {
    locations.data_dir.join(LOCK_FILE)
}

pub fn socket_path(locations: &Locations) -> PathBuf {
    locations.data_dir.join(SOCKET_FILE)
}

/// What the lock says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    /// No worker ever ran here.
    Missing,
    /// The lock is there but this user may not open it (the packaged home, seen by
    /// someone outside its group): only the socket can tell.
    Unreadable,
    /// Nobody holds it: no worker runs.
    Free,
    /// A worker holds it, and wrote this of itself (none: an older worker, or one
    /// that has not written it yet).
    Held(Option<WorkerIdentity>),
}

/// Looks at the lock without keeping it: a shared lock taken and let go at once
/// succeeds only when no worker holds it. (A worker starting in that instant retries
/// its own lock: see `delivery::worker`.)
pub fn probe_lock(locations: &Locations) -> LockState {
    use std::os::unix::fs::OpenOptionsExt;
    let path = lock_path(locations);
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path);
    let file = match opened {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return LockState::Missing,
        Err(_) => return LockState::Unreadable,
    };
    match file.try_lock_shared() {
        Ok(()) => LockState::Free,
        Err(std::fs::TryLockError::WouldBlock) => {
            let text = std::io::read_to_string(&file).unwrap_or_default();
            LockState::Held(serde_json::from_str(text.trim()).ok())
        }
        Err(std::fs::TryLockError::Error(_)) => LockState::Unreadable,
    }
}

/// Writes who holds the lock into it (the worker, right after taking it).
pub fn write_identity(lock: &mut std::fs::File, identity: &WorkerIdentity) -> std::io::Result<()> {
    use std::io::Seek;
    lock.set_len(0)?;
    lock.rewind()?;
    let text = serde_json::to_string(identity).map_err(std::io::Error::other)?;
    lock.write_all(text.as_bytes())?;
    lock.write_all(b"\n")
}

/// Why the socket gave no identity.
#[derive(Debug, thiserror::Error)]
pub enum SocketSilence {
    #[error("no socket at {0}")]
    NoSocket(PathBuf),
    #[error("the socket {path} refused or dropped the connection: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("the socket {0} gave no answer within {1:?}")]
    Timeout(PathBuf, Duration),
    #[error("the socket {0} answered something other than a worker status")]
    Unexpected(PathBuf),
}

/// Asks the socket at `path` who serves it, waiting at most `timeout` for each step.
pub fn ask_socket(path: &Path, timeout: Duration) -> Result<WorkerIdentity, SocketSilence> {
    if !path.exists() {
        return Err(SocketSilence::NoSocket(path.to_path_buf()));
    }
    let io = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            SocketSilence::Timeout(path.to_path_buf(), timeout)
        }
        _ => SocketSilence::Io {
            path: path.to_path_buf(),
            error,
        },
    };
    let mut stream = UnixStream::connect(path).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    stream
        .write_all(format!("{STATUS_REQUEST}\n").as_bytes())
        .map_err(io)?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).map_err(io)?;
    serde_json::from_str::<StatusAnswer>(line.trim())
        .map(|answer| answer.worker)
        .map_err(|_| SocketSilence::Unexpected(path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bare_status_object_is_the_request() {
        assert!(is_status_request(STATUS_REQUEST));
        assert!(is_status_request(r#" { "status" : true } "#));
        assert!(!is_status_request(r#"{"status":false}"#));
        assert!(!is_status_request(
            r#"{"status":true,"integration":"a","type":"t"}"#
        ));
        assert!(!is_status_request(r#"{"integration":"a","type":"status"}"#));
    }

    #[test]
    fn a_held_lock_tells_who_holds_it() {
        let home = tempfile::tempdir().unwrap();
        let locations = Locations::in_home(home.path());
        assert_eq!(probe_lock(&locations), LockState::Missing);
        let mut lock = std::fs::File::create(lock_path(&locations)).unwrap();
        assert_eq!(probe_lock(&locations), LockState::Free);
        lock.try_lock().unwrap();
        assert_eq!(probe_lock(&locations), LockState::Held(None));
        let identity = WorkerIdentity::of_this_process(1_700_000_000_000);
        write_identity(&mut lock, &identity).unwrap();
        assert_eq!(probe_lock(&locations), LockState::Held(Some(identity)));
        drop(lock);
        assert_eq!(probe_lock(&locations), LockState::Free);
    }

    #[test]
    fn a_lock_that_cannot_be_opened_leaves_it_to_the_socket() {
        // A link is not followed (as a lock of another user's is not opened): whether
        // a worker runs is then for the socket to say.
        let home = tempfile::tempdir().unwrap();
        let locations = Locations::in_home(home.path());
        std::os::unix::fs::symlink("/dev/null", lock_path(&locations)).unwrap();
        assert_eq!(probe_lock(&locations), LockState::Unreadable);
    }
}
