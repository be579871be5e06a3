//! A core dump of a hookconsole process would hold every secret it loaded (Basic
//! passwords, client secrets, access and refresh tokens). Each process turns core
//! dumps off as it starts: its core size limit is 0, and it is not dumpable (which
//! also keeps other processes of the same user from reading its memory).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{WorkerProcess, always, home_with_jira, receiver};

/// Run as this user when the test runs as root: a non-dumpable process's /proc files
/// belong to root, which only shows for a process that is not root's.
const OTHER_UID: u32 = 64_125;
const OTHER_GID: u32 = 64_126;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The soft and hard core size limits in /proc/PID/limits, as written there.
fn core_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max core file size"))
        .unwrap_or_else(|| panic!("no core size in {limits}"));
    let mut values = line["Max core file size".len()..].split_whitespace();
    (
        values.next().unwrap().to_string(),
        values.next().unwrap().to_string(),
    )
}

/// The core size limits of `pid` once `settled` holds for them, or as they are after
/// five seconds.
fn core_limits_when(pid: u32, settled: impl Fn(&(String, String)) -> bool) -> (String, String) {
    let started = std::time::Instant::now();
    loop {
        let limits = core_limits(pid);
        if settled(&limits) || started.elapsed() > std::time::Duration::from_secs(5) {
            return limits;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The owner of /proc/PID/status: the process's own user while it is dumpable, root
/// when it is not.
fn proc_owner(pid: u32) -> u32 {
    std::fs::metadata(format!("/proc/{pid}/status"))
        .unwrap()
        .uid()
}

fn process_uid(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// The hard core size limit of this process: a child started with it as its soft
/// limit may dump cores unless it turns them off itself.
fn hard_core_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into `limit`.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
    limit.rlim_max
}

fn give_to(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_worker_dumps_no_core() {
    if hard_core_limit() == 0 {
        eprintln!("skipped: core dumps are off for this test already (hard limit 0)");
        return;
    }
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    let owner = is_root().then(|| {
        give_to(dir.path(), OTHER_UID, OTHER_GID);
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            give_to(&path, OTHER_UID, OTHER_GID);
        }
        (OTHER_UID, OTHER_GID)
    });
    // Started allowed to dump cores as large as this process may.
    let worker =
        WorkerProcess::start_as(dir.path(), &[(libc::RLIMIT_CORE, hard_core_limit())], owner);
    let pid = worker.pid();
    assert_eq!(
        core_limits(pid),
        ("0".to_string(), "0".to_string()),
        "core size limits of the worker"
    );
    let uid = process_uid(pid);
    assert_ne!(
        uid, 0,
        "the worker runs as a user whose /proc files show it"
    );
    assert_eq!(proc_owner(pid), 0, "the worker is still dumpable");
    worker.stop();
}

/// Not only the worker: a CLI command (here `send --batch`, waiting for its input)
/// has core dumps off too.
#[test]
fn a_cli_command_dumps_no_core_either() {
    if hard_core_limit() == 0 {
        eprintln!("skipped: core dumps are off for this test already (hard limit 0)");
        return;
    }
    let (dir, _) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    let hard = hard_core_limit();
    let mut command = support::hookconsole(dir.path());
    command
        .args(["send", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    support::limit_resources(&mut command, &[(libc::RLIMIT_CORE, hard)]);
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    // It parses its arguments and waits on standard input: past its start.
    let limits = core_limits_when(pid, |(soft, _)| soft == "0");
    drop(child.stdin.take());
    child.wait().unwrap();
    assert_eq!(limits, ("0".to_string(), "0".to_string()));
}

/// The full-screen console too: `main` starts it without going through `cli`. It runs
/// in a terminal of a tmux server of its own, which has this test's hard limit; only
/// the console itself can lower that to 0.
#[test]
fn the_console_dumps_no_core_either() {
    if hard_core_limit() == 0 {
        eprintln!("skipped: core dumps are off for this test already (hard limit 0)");
        return;
    }
    if !Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|output| output.status.success())
    {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let (dir, _) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    let server = TmuxServer(format!("hookconsole-cores-{}", std::process::id()));
    let program = format!(
        "HOOKCONSOLE_HOME='{}' exec '{}' tui",
        dir.path().display(),
        env!("CARGO_BIN_EXE_hookconsole")
    );
    let started = server.run(&["new-session", "-d", "-x", "80", "-y", "24", &program]);
    assert!(started.status.success(), "{started:?}");
    let pane = server.run(&["list-panes", "-F", "#{pane_pid}"]);
    let pid: u32 = String::from_utf8_lossy(&pane.stdout)
        .trim()
        .parse()
        .expect("the console's process id");
    // Past its start once the limit is down; a console that never lowers it fails.
    let limits = core_limits_when(pid, |(_, hard)| hard == "0");
    assert_eq!(limits, ("0".to_string(), "0".to_string()));
}

/// A tmux server on a socket of its own, killed (with the console in it) on drop.
struct TmuxServer(String);

impl TmuxServer {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output()
            .expect("tmux runs")
    }
}

impl Drop for TmuxServer {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
