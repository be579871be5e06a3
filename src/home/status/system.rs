//! What `status` asks of the system around the home: the systemd unit's state (where
//! systemd runs; never a reason to fail), the queue file's size and the room left on
//! its disk.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The unit the packages install (packaging/systemd).
pub const WORKER_UNIT: &str = "hookconsole-worker.service";

/// How long `systemctl` may take before it is given up.
const SYSTEMCTL_TIMEOUT: Duration = Duration::from_secs(2);

/// The unit, and its `systemctl is-active` word (`active`, `inactive`, `failed`…);
/// none where systemd does not run or `systemctl` does not answer in time.
pub fn unit_state() -> (&'static str, Option<String>) {
    if !Path::new("/run/systemd/system").is_dir() {
        return (WORKER_UNIT, None);
    }
    (WORKER_UNIT, systemctl(&["is-active", WORKER_UNIT]))
}

/// What `systemctl ARGS` printed, first line; none when it cannot run or hangs. Its
/// exit status is not looked at: `is-active` prints the state and exits non-zero for
/// every state but active.
fn systemctl(args: &[&str]) -> Option<String> {
    let mut child = Command::new("systemctl")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + SYSTEMCTL_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    let word = out.lines().next()?.trim().to_string();
    (!word.is_empty()).then_some(word)
}

/// The command that starts the worker: the unit where systemd knows it, else the
/// worker of this home in the foreground.
pub fn start_command(unit: Option<&str>, data_dir: &Path) -> String {
    match unit {
        Some(unit) => format!("sudo systemctl start {unit}"),
        None => format!(
            "hookconsole --home {} worker",
            shell_quoted(&data_dir.display().to_string())
        ),
    }
}

/// `text` as one shell word: as it is when it is plain, else in single quotes.
fn shell_quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The queue database with its WAL: what it takes on disk.
pub fn database_bytes(file: &Path) -> u64 {
    let mut total = 0;
    for companion in ["", "-wal"] {
        let mut name = file.as_os_str().to_owned();
        name.push(companion);
        total += std::fs::metadata(&name).map_or(0, |meta| meta.len());
    }
    total
}

/// The bytes an unprivileged process may still write on the disk holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: statvfs fills the struct it is given from a NUL-terminated path.
    let done = unsafe { libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) };
    if done != 0 {
        return None;
    }
    // SAFETY: statvfs succeeded, so it filled the struct.
    let stats = unsafe { stats.assume_init() };
    // Both are u64 on Linux, narrower elsewhere.
    #[allow(clippy::useless_conversion)]
    let free = u64::from(stats.f_bavail).saturating_mul(u64::from(stats.f_frsize));
    Some(free)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_with_a_space_is_quoted_for_the_shell() {
        assert_eq!(
            start_command(None, Path::new("/var/lib/hookconsole")),
            "hookconsole --home /var/lib/hookconsole worker"
        );
        assert_eq!(
            start_command(None, Path::new("/tmp/my home's")),
            r"hookconsole --home '/tmp/my home'\''s' worker"
        );
        assert_eq!(
            start_command(Some(WORKER_UNIT), Path::new("/x")),
            "sudo systemctl start hookconsole-worker.service"
        );
    }

    #[test]
    fn the_disk_of_a_directory_has_room() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).is_some_and(|bytes| bytes > 0));
        assert_eq!(free_bytes(&dir.path().join("nothing")), None);
    }
}
