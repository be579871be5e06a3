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

/// `hookconsole worker` as systemd runs it: the real binary in a process of its own,
/// with the resource limits given (`(resource, soft limit)`: the hard limit stays).
pub struct WorkerProcess {
    child: std::process::Child,
    home: std::path::PathBuf,
}

impl WorkerProcess {
    /// Starts the worker of `home` and waits until its socket is there.
    pub fn start(home: &std::path::Path, limits: &[(libc::__rlimit_resource_t, u64)]) -> Self {
        Self::start_as(home, limits, None)
    }

    /// The same, as the user and group `owner` (root only).
    pub fn start_as(
        home: &std::path::Path,
        limits: &[(libc::__rlimit_resource_t, u64)],
        owner: Option<(u32, u32)>,
    ) -> Self {
        use std::os::unix::process::CommandExt;
        let mut command = super::hookconsole(home);
        command
            .arg("worker")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some((uid, gid)) = owner {
            command.uid(uid).gid(gid);
        }
        super::limit_resources(&mut command, limits);
        let child = command.spawn().unwrap();
        let worker = WorkerProcess {
            child,
            home: home.to_path_buf(),
        };
        let socket = worker.socket();
        let started = std::time::Instant::now();
        // Its socket can be there a moment before it handles SIGTERM; a stop sent in
        // that moment would kill it instead.
        while !(socket.exists() && worker.catches(libc::SIGTERM)) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the worker made no socket, or does not handle SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        worker
    }

    /// True when it has a handler for `signal` (SigCgt in /proc/PID/status).
    fn catches(&self, signal: i32) -> bool {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()));
        let caught = status.ok().and_then(|status| {
            let mask = status
                .lines()
                .find_map(|line| line.strip_prefix("SigCgt:"))?;
            u64::from_str_radix(mask.trim(), 16).ok()
        });
        caught.is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn socket(&self) -> std::path::PathBuf {
        self.home.join(worker::SOCKET_FILE)
    }

    /// The bytes in its log file so far.
    pub fn log_bytes(&self) -> u64 {
        std::fs::metadata(self.home.join("logs/hookconsole.log")).map_or(0, |meta| meta.len())
    }

    /// The CPU time it has used, user and system, from /proc/PID/stat.
    pub fn cpu_time(&self) -> Duration {
        cpu_time(self.pid())
    }

    /// A line of /proc/PID/status, such as `VmHWM`, in KiB.
    pub fn status_kib(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {status}"))
    }

    /// Stops it as systemd does (SIGTERM) and waits for it; it must end cleanly.
    pub fn stop(mut self) {
        // SAFETY: kill only sends a signal to our own child.
        unsafe { libc::kill(self.pid() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        assert!(status.success(), "worker exit {status:?}");
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU time process `pid` has used, user and system, from /proc/PID/stat.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / per_second)
}
