//! Every hookconsole process turns transparent huge pages off as it starts: with the
//! kernel's THP set to `always`, 2 MiB pages made a command's memory three or four
//! times what it used.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::home_with_jira;

/// `THP_enabled` of /proc/PID/status (Linux 5.0 and later), once it is `wanted` or
/// as it is after five seconds; `None` when the kernel does not show it.
fn thp_enabled_when(pid: u32, wanted: &str) -> Option<String> {
    let started = Instant::now();
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let value = status
            .lines()
            .find_map(|line| line.strip_prefix("THP_enabled:"))
            .map(|value| value.trim().to_string())?;
        if value == wanted || started.elapsed() > Duration::from_secs(5) {
            return Some(value);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A CLI command (`send --batch`, waiting for its input) runs without huge pages,
/// although this test's own process has them.
#[test]
fn a_cli_command_runs_without_huge_pages() {
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    if !own.contains("THP_enabled:") {
        eprintln!("skipped: this kernel does not show THP_enabled");
        return;
    }
    let (dir, _) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    let mut child = support::hookconsole(dir.path())
        .args(["send", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let enabled = thp_enabled_when(child.id(), "0");
    drop(child.stdin.take());
    child.wait().unwrap();
    assert_eq!(enabled.as_deref(), Some("0"));
}
