//! The worker's enqueue socket against clients that misbehave, through the real binary
//! (`hookconsole worker` in a process of its own, as systemd runs it): more connections
//! than it has descriptors, more than its cap, idle ones, a line without end; and a
//! clean stop that leaves no socket file behind.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use hookconsole::store::SettingsStore;
use support::{Receiver, WorkerProcess, always, home_with_jira, receiver};

const EVENT: &[u8] =
    b"{\"integration\":\"jira\",\"type\":\"scan.finished\",\"payload\":{\"n\":1}}\n";
const MIB: usize = 1024 * 1024;

fn settings(home: &Path, pairs: &[(&str, &str)]) {
    SettingsStore::new(&hookconsole::store::Locations::in_home(home))
        .update(|settings| {
            pairs
                .iter()
                .try_for_each(|(key, value)| settings.set(key, value))
        })
        .unwrap();
}

fn connect(worker: &WorkerProcess) -> UnixStream {
    let stream = UnixStream::connect(worker.socket()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// Writes one event on `stream` and reads its answer line (a refused connection may
/// be closed before the event is written: its answer is read all the same).
fn send_event(stream: &mut UnixStream) -> String {
    let _ = stream.write_all(EVENT);
    let mut answer = String::new();
    let _ = BufReader::new(stream.try_clone().unwrap()).read_line(&mut answer);
    answer
}

/// Everything the worker writes on `stream` until it closes it.
fn read_to_close(stream: &mut UnixStream) -> String {
    let mut text = Vec::new();
    match stream.read_to_end(&mut text) {
        Ok(_) => {}
        // The worker closed with bytes of ours unread: the end, all the same.
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(error) => panic!("the worker did not close the connection: {error}"),
    }
    String::from_utf8_lossy(&text).into_owned()
}

async fn until_delivered(server: &Receiver, count: usize) {
    let started = Instant::now();
    while server.distinct() < count {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} of {count} delivered",
            server.distinct()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// With fewer descriptors than connections (`ulimit -n 64`, 200 idle clients), the
/// worker does not spin on `accept`: it uses little CPU, logs little, and delivers an
/// event written on a new connection once the idle ones are gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_the_worker_pauses_and_goes_on_delivering() {
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    let worker = WorkerProcess::start(dir.path(), &[(libc::RLIMIT_NOFILE, 64)]);
    let idle: Vec<UnixStream> = (0..200)
        .map(|_| UnixStream::connect(worker.socket()).unwrap())
        .collect();
    // Let it reach the limit, then watch it there.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (cpu, log) = (worker.cpu_time(), worker.log_bytes());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = worker.cpu_time() - cpu;
    let logged = worker.log_bytes();
    // A loop that spins on EMFILE burns the whole 2 s (and writes megabytes).
    assert!(used < Duration::from_millis(500), "{used:?} of CPU in 2 s");
    assert!(
        logged < 64 * 1024,
        "the log holds {logged} bytes ({} in the 2 s)",
        logged - log
    );
    drop(idle);
    let mut fresh = connect(&worker);
    let answer = send_event(&mut fresh);
    assert!(answer.contains("\"ok\":true"), "{answer}");
    until_delivered(&server, 1).await;
    worker.stop();
}

/// A line with a key the event line does not have (a misspelt `payload`) is refused
/// and the key named: queued, it would send the content sample unfilled. The
/// connection goes on serving the next line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_with_an_unknown_key_is_refused_and_the_key_named() {
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    let worker = WorkerProcess::start(dir.path(), &[]);
    let mut stream = connect(&worker);
    stream
        .write_all(b"{\"integration\":\"jira\",\"type\":\"t\",\"payloads\":{\"n\":1}}\n")
        .unwrap();
    let mut answer = String::new();
    BufReader::new(stream.try_clone().unwrap())
        .read_line(&mut answer)
        .unwrap();
    assert!(answer.contains("\"ok\":false"), "{answer}");
    assert!(answer.contains("unknown field `payloads`"), "{answer}");
    // The key named for a script, as `send --batch --json` names it.
    assert!(answer.contains("\"field\":\"payloads\""), "{answer}");
    assert!(send_event(&mut stream).contains("\"ok\":true"));
    until_delivered(&server, 1).await;
    assert_eq!(server.distinct(), 1, "the refused line was not queued");
    worker.stop();
}

/// Past `socket_max_connections`, a new client is told why and closed; a place that
/// frees is taken again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cap_a_client_is_told_and_closed() {
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    settings(dir.path(), &[("socket_max_connections", "2")]);
    let worker = WorkerProcess::start(dir.path(), &[]);
    let mut first = connect(&worker);
    let mut second = connect(&worker);
    // Both answered: both are being served.
    assert!(send_event(&mut first).contains("\"ok\":true"));
    assert!(send_event(&mut second).contains("\"ok\":true"));
    let mut third = connect(&worker);
    let said = read_to_close(&mut third);
    assert!(said.contains("\"ok\":false"), "{said}");
    assert!(said.contains("too many connections"), "{said}");
    assert!(said.contains("socket_max_connections"), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    drop(first);
    // The first one's place frees once the worker has seen it close.
    let started = Instant::now();
    let answer = loop {
        let mut again = connect(&worker);
        let answer = send_event(&mut again);
        if answer.contains("\"ok\":true") || started.elapsed() > Duration::from_secs(10) {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(answer.contains("\"ok\":true"), "{answer}");
    until_delivered(&server, 3).await;
    worker.stop();
}

/// A connection that stays silent for `socket_idle_timeout` is closed, whether it
/// never wrote or went quiet after an event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_after_the_timeout() {
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    settings(dir.path(), &[("socket_idle_timeout", "1")]);
    let worker = WorkerProcess::start(dir.path(), &[]);
    let mut silent = connect(&worker);
    let mut quiet = connect(&worker);
    assert!(send_event(&mut quiet).contains("\"ok\":true"));
    assert_eq!(read_to_close(&mut silent), "");
    assert_eq!(read_to_close(&mut quiet), "");
    until_delivered(&server, 1).await;
    worker.stop();
}

/// A 100 MiB line without a newline: the worker reads no more than its line limit,
/// answers why and closes; its memory stays under 100 MB, at the peak too, and it
/// goes on delivering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_past_the_limit_is_refused_without_holding_it() {
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    let worker = WorkerProcess::start(dir.path(), &[]);
    let mut stream = connect(&worker);
    let mut writing = stream.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'a'; MIB];
        for _ in 0..100 {
            // The worker stops reading and closes: the rest cannot be sent.
            if writing.write_all(&chunk).is_err() {
                return false;
            }
        }
        true
    });
    let said = read_to_close(&mut stream);
    let sent_it_all = writer.join().unwrap();
    assert!(said.contains("\"ok\":false"), "{said}");
    assert!(said.contains("longer than"), "{said}");
    assert!(said.contains("socket_max_line_bytes"), "{said}");
    assert!(!sent_it_all, "the worker read the whole 100 MiB");
    let (rss, peak) = (worker.status_kib("VmRSS"), worker.status_kib("VmHWM"));
    assert!(peak < 100 * 1024, "VmHWM {peak} KiB (VmRSS {rss} KiB)");
    let mut fresh = connect(&worker);
    assert!(send_event(&mut fresh).contains("\"ok\":true"));
    until_delivered(&server, 1).await;
    worker.stop();
}

/// `socket_max_line_bytes` is the limit: a line up to it is an event, one past it is
/// refused by name, and the lines before it on the connection are answered first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_line_limit_is_a_setting() {
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    settings(dir.path(), &[("socket_max_line_bytes", "1024")]);
    let worker = WorkerProcess::start(dir.path(), &[]);
    let padded = |length: usize| {
        let head = r#"{"integration":"jira","type":"scan.finished","payload":{"pad":""#;
        let tail = "\"}}";
        let pad = "x".repeat(length - head.len() - tail.len());
        format!("{head}{pad}{tail}\n")
    };
    let mut stream = connect(&worker);
    stream.write_all(padded(1024).as_bytes()).unwrap();
    stream.write_all(padded(1025).as_bytes()).unwrap();
    let said = read_to_close(&mut stream);
    let answers: Vec<&str> = said.lines().collect();
    assert_eq!(answers.len(), 2, "{said}");
    assert!(answers[0].contains("\"ok\":true"), "{said}");
    assert!(answers[1].contains("longer than 1024 bytes"), "{said}");
    until_delivered(&server, 1).await;
    worker.stop();
}

/// SIGTERM, the stop systemd sends: the worker ends cleanly and removes its socket,
/// so nothing stays to connect to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_stop_removes_the_socket() {
    let server = receiver(always(200), false).await;
    let (dir, _) = home_with_jira(&server.url(), |_| {});
    let worker = WorkerProcess::start(dir.path(), &[]);
    let socket = worker.socket();
    worker.stop();
    assert!(!socket.exists(), "{} was left behind", socket.display());
}
