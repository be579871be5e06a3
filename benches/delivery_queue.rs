//! Delivery queue benchmarks (`cargo bench --bench delivery_queue`), printed as the
//! lines BENCHMARKS.md quotes:
//! 1. events enqueued per second through the worker's socket, each acknowledged after
//!    its commit, next to the same inserts in one transaction by the sqlite3 shell;
//! 2. deliveries per second by the worker (the real binary, every attempt logged) to a
//!    loopback receiver, next to the receiver's ceiling with raw requests, and the
//!    worker's peak memory (VmHWM);
//! 3. log page queries with 1,000,000 attempts: first page and a far page;
//! 4. fairness: a fast integration's delivery rate beside a slow receiver's backlog
//!    (1,000 events, 10 s an answer), against its rate alone.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

#[path = "../tests/support/http_message.rs"]
#[allow(dead_code)]
mod http_message;
#[path = "../tests/support/http_server.rs"]
#[allow(dead_code)]
mod http_server;
#[path = "support/process.rs"]
mod process;
#[path = "../tests/support/receiver.rs"]
#[allow(dead_code)]
mod receiver;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookconsole::delivery::worker::{self, WorkerOptions};
use hookconsole::model::Integration;
use hookconsole::store::queue::{
    AttemptOutcome, AttemptRecord, JobState, JobUpdate, LogFilter, LogOutcome, NewEvent,
};
use hookconsole::store::{IntegrationStore, Locations, Queue, SettingsStore};
use process::{cpu_seconds, own_cpu_seconds, vm_hwm};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

/// The allocator the `hookconsole` binary uses, so that the ceiling (raw requests from
/// this process) and the receiver run on the same footing as the worker.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENQUEUE_EVENTS: usize = 100_000;
const ENQUEUE_CLIENTS: usize = 4;
const DELIVERIES: usize = 20_000;
const LOG_ROWS: usize = 1_000_000;

fn home(url: &str, enabled: bool) -> (tempfile::TempDir, Locations) {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let mut integration = Integration::new("bench", url);
    integration.enabled = enabled;
    IntegrationStore::new(locations.integrations_file())
        .put(None, integration)
        .unwrap();
    SettingsStore::new(&locations)
        .update(|s| s.set("concurrency_per_integration", "64"))
        .unwrap();
    (dir, locations)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wants = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    if wants("enqueue") {
        runtime.block_on(enqueue_socket());
        sqlite3_shell();
    }
    if wants("deliver") {
        runtime.block_on(deliveries());
    }
    if wants("log") {
        log_pages();
    }
    if wants("fair") {
        runtime.block_on(fairness());
    }
}

fn enqueue_all(locations: &Locations, events: &[NewEvent]) {
    Queue::open(&locations.queue_database())
        .unwrap()
        .enqueue(events)
        .unwrap();
}

/// The real worker binary on the home at `home`.
fn spawn_worker(home: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hookconsole"))
        .arg("worker")
        .env("HOOKCONSOLE_HOME", home)
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Events queued for the slow receiver in the fairness benchmark, and its answer time.
const SLOW_EVENTS: usize = 1_000;
const SLOW_ANSWER: Duration = Duration::from_secs(10);

/// A slow receiver must not slow the others (issue 20 item 6): rounds of the fast
/// integration's rate alone and then beside 1,000 events for a receiver that answers in
/// 10 s, both with the shipped concurrency settings (64 at once, 16 per integration).
async fn fairness() {
    let fast = receiver::receiver(receiver::always(200), false).await;
    let slow = receiver::slow_receiver(receiver::always(200), SLOW_ANSWER).await;
    let mut ratios = Vec::new();
    for round in 1..=rounds() {
        let alone = fast_rate(&fast, None).await;
        let beside = fast_rate(&fast, Some(&slow)).await;
        println!(
            "fairness round {round}: fast integration alone {alone:.0} deliveries/s, beside the slow backlog {beside:.0}/s = {:.0}%",
            100.0 * beside / alone
        );
        ratios.push(beside / alone);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "fairness: the fast integration keeps a median {:.0}% of its rate alone beside {SLOW_EVENTS} events for a receiver answering in {} s (lowest {:.0}%, highest {:.0}%)",
        100.0 * ratios[ratios.len() / 2],
        SLOW_ANSWER.as_secs(),
        100.0 * ratios[0],
        100.0 * ratios[ratios.len() - 1],
    );
}

/// The worker's rate of `DELIVERIES` events to `fast`, with `slow`'s backlog queued
/// first (older, so due first) when given.
async fn fast_rate(fast: &receiver::Receiver, slow: Option<&receiver::Receiver>) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let store = IntegrationStore::new(locations.integrations_file());
    store
        .put(None, Integration::new("fast", fast.url()))
        .unwrap();
    let event = |integration: &str, n: usize| NewEvent {
        id: None,
        integration: integration.into(),
        event_type: "finding.new".into(),
        payload: format!("{{\"n\":{n}}}"),
        fingerprint: None,
    };
    let mut events = Vec::new();
    if let Some(slow) = slow {
        store
            .put(None, Integration::new("slow", slow.url()))
            .unwrap();
        events.extend((0..SLOW_EVENTS).map(|n| event("slow", n)));
    }
    events.extend((0..DELIVERIES).map(|n| event("fast", n)));
    enqueue_all(&locations, &events);
    let before = fast.distinct();
    let started = Instant::now();
    let mut child = spawn_worker(dir.path());
    while fast.distinct() - before < DELIVERIES {
        assert!(started.elapsed() < Duration::from_secs(300));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
    DELIVERIES as f64 / elapsed.as_secs_f64()
}

async fn enqueue_socket() {
    // Disabled: the events are held, so only enqueueing is measured.
    let (_dir, locations) = home("http://127.0.0.1:9/", false);
    let stop = CancellationToken::new();
    let run = {
        let (locations, stop) = (locations.clone(), stop.clone());
        tokio::spawn(async move { worker::run(&locations, WorkerOptions::default(), stop).await })
    };
    let path = worker::socket_path(&locations);
    while !path.exists() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let per_client = ENQUEUE_EVENTS / ENQUEUE_CLIENTS;
    let started = Instant::now();
    let mut clients = Vec::new();
    for client in 0..ENQUEUE_CLIENTS {
        let path = path.clone();
        clients.push(tokio::spawn(async move {
            let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
            let (read, mut write) = stream.into_split();
            let writer = tokio::spawn(async move {
                let mut buffer = Vec::new();
                for n in 0..per_client {
                    buffer.extend_from_slice(
                        format!(
                            "{{\"integration\":\"bench\",\"type\":\"finding.new\",\"payload\":{{\"client\":{client},\"n\":{n},\"text\":\"a finding on a host\"}}}}\n"
                        )
                        .as_bytes(),
                    );
                    if buffer.len() > 64 * 1024 {
                        write.write_all(&buffer).await.unwrap();
                        buffer.clear();
                    }
                }
                write.write_all(&buffer).await.unwrap();
                write
            });
            let mut lines = BufReader::new(read).lines();
            let mut ok = 0;
            while ok < per_client {
                let line = lines.next_line().await.unwrap().unwrap();
                assert!(line.starts_with("{\"id\""), "{line}");
                ok += 1;
            }
            drop(writer.await.unwrap());
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let elapsed = started.elapsed();
    let total = per_client * ENQUEUE_CLIENTS;
    println!(
        "enqueue via socket (ack after commit): {total} events, {ENQUEUE_CLIENTS} clients, {:.2} s, {:.0} events/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    stop.cancel();
    run.await.unwrap().unwrap();
}

fn sqlite3_shell() {
    if Command::new("sqlite3").arg("-version").output().is_err() {
        println!("sqlite3 shell: not installed, no comparison");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shell.sqlite3");
    drop(Queue::open(&db).unwrap());
    let mut sql = String::from("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; BEGIN;\n");
    for n in 0..ENQUEUE_EVENTS {
        sql.push_str(&format!(
            "INSERT INTO events (id, integration, type, payload, created) VALUES ('evt_{n:028}', 'bench', 'finding.new', '{{\"n\":{n},\"text\":\"a finding on a host\"}}', 0);\
             INSERT INTO jobs (event_id, integration, state, next_attempt_at, created) VALUES ('evt_{n:028}', 'bench', 'queued', 0, 0);\n"
        ));
    }
    sql.push_str("COMMIT;\n");
    let file = dir.path().join("inserts.sql");
    std::fs::write(&file, sql).unwrap();
    let started = Instant::now();
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg(format!(".read {}", file.display()))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(status.success());
    println!(
        "sqlite3 shell, same inserts in one transaction: {ENQUEUE_EVENTS} events, {:.2} s, {:.0} events/s",
        elapsed.as_secs_f64(),
        ENQUEUE_EVENTS as f64 / elapsed.as_secs_f64()
    );
}

/// Rounds of the delivery benchmark (`HOOKCONSOLE_BENCH_ROUNDS`, default 5): each
/// measures the ceiling, then the worker, against the same receiver; the summary is the
/// median of each, because on two shared cores one run moves by a third.
fn rounds() -> usize {
    std::env::var("HOOKCONSOLE_BENCH_ROUNDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5)
        .max(1)
}

/// One round's numbers.
struct Round {
    ceiling: f64,
    rate: f64,
    peak_mb: f64,
    cpu_s: f64,
    /// CPU per request, µs: the ceiling's client and receiver (this process)…
    raw_us: f64,
    /// … and the worker with the receiver.
    worker_us: f64,
}

async fn deliveries() {
    let server = receiver::receiver(receiver::always(200), false).await;
    let mut results = Vec::new();
    for round in 1..=rounds() {
        let before = own_cpu_seconds();
        let ceiling_before = ceiling(&server.url()).await;
        let raw_us = (own_cpu_seconds() - before) * 1e6 / DELIVERIES as f64;
        let before = own_cpu_seconds();
        let (rate, peak_mb, cpu_s, elapsed) = worker_deliveries(&server).await;
        let receiver_us = (own_cpu_seconds() - before) * 1e6 / DELIVERIES as f64;
        let worker_us = cpu_s * 1e6 / DELIVERIES as f64 + receiver_us;
        // The ceiling again after the worker: on a shared machine it moves by a third
        // from one second to the next, so the round compares the worker with the
        // mean of the ceilings measured just before and just after it.
        let ceiling_after = ceiling(&server.url()).await;
        let ceiling = (ceiling_before + ceiling_after) / 2.0;
        println!(
            "round {round}: ceiling {ceiling_before:.0} before, {ceiling_after:.0} after; worker {rate:.0} deliveries/s = {:.0}% of their mean, {elapsed:.2} s; CPU per request: raw {raw_us:.0} µs, worker {:.0} µs + receiver {receiver_us:.0} µs; peak {peak_mb:.1} MB",
            100.0 * rate / ceiling,
            worker_us - receiver_us,
        );
        results.push(Round {
            ceiling,
            rate,
            peak_mb,
            cpu_s,
            raw_us,
            worker_us,
        });
    }
    let sorted = |value: fn(&Round) -> f64| {
        let mut values: Vec<f64> = results.iter().map(value).collect();
        values.sort_by(f64::total_cmp);
        values
    };
    let median = |value: fn(&Round) -> f64| {
        let values = sorted(value);
        values[values.len() / 2]
    };
    let ratios = sorted(|r| r.rate / r.ceiling);
    println!(
        "receiver ceiling (raw requests, no queue or log): {DELIVERIES} requests, median {:.0} requests/s",
        median(|r| r.ceiling)
    );
    println!(
        "worker deliveries (every attempt logged): {DELIVERIES} events, median {:.0} deliveries/s; median of the rounds' ratios {:.0}% of the ceiling (lowest {:.0}%, highest {:.0}%)",
        median(|r| r.rate),
        100.0 * ratios[ratios.len() / 2],
        100.0 * ratios[0],
        100.0 * ratios[ratios.len() - 1],
    );
    let peaks = sorted(|r| r.peak_mb);
    println!(
        "worker peak memory (VmHWM) while delivering: highest {:.1} MB",
        peaks[peaks.len() - 1]
    );
    println!(
        "worker CPU time per round: median {:.2} s",
        median(|r| r.cpu_s)
    );
    // Both runs are bound by the two cores, so CPU per request says what the rate
    // would be on a quiet machine, and moves far less from run to run than the rate.
    println!(
        "CPU per request: raw client + receiver median {:.0} µs, worker + receiver median {:.0} µs: the worker's CPU allows {:.0}% of the ceiling",
        median(|r| r.raw_us),
        median(|r| r.worker_us),
        100.0 * median(|r| r.raw_us / r.worker_us)
    );
}

/// The receiver's ceiling: raw requests on the client the worker builds (one, reused),
/// 64 at a time, no queue and no log.
async fn ceiling(url: &str) -> f64 {
    let url = url.to_string();
    let client = hookconsole::http::build_client(
        &Integration::new("raw", url.clone()),
        &hookconsole::http::HttpOptions::default(),
    )
    .unwrap()
    .client;
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(DELIVERIES);
    for n in 0..DELIVERIES {
        let (client, url) = (client.clone(), url.clone());
        let permit = gate.clone().acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let answer = client
                .post(&url)
                .header("Webhook-Id", format!("raw-{n}"))
                .body(format!("{{\"n\":{n}}}"))
                .send()
                .await
                .unwrap();
            answer.bytes().await.unwrap();
            drop(permit);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    DELIVERIES as f64 / started.elapsed().as_secs_f64()
}

/// The real worker binary delivering `DELIVERIES` queued events to `server`:
/// deliveries per second (until the last is committed), peak memory in MB, CPU seconds,
/// and the seconds it took.
async fn worker_deliveries(server: &receiver::Receiver) -> (f64, f64, f64, f64) {
    let (dir, locations) = home(&server.url(), true);
    let events: Vec<NewEvent> = (0..DELIVERIES)
        .map(|n| NewEvent {
            id: None,
            integration: "bench".into(),
            event_type: "finding.new".into(),
            payload: format!("{{\"n\":{n}}}"),
            fingerprint: None,
        })
        .collect();
    enqueue_all(&locations, &events);
    let before = server.distinct();
    let started = Instant::now();
    let mut child = spawn_worker(dir.path());
    // HOOKCONSOLE_BENCH_PERF=FILE: record where the worker spends its time
    // (`perf report -i FILE`).
    let perf = std::env::var_os("HOOKCONSOLE_BENCH_PERF").map(|file| {
        Command::new("perf")
            .args([
                "record",
                "-e",
                "cpu-clock",
                "-F",
                "999",
                "--call-graph",
                "dwarf,16384",
            ])
            .arg("-p")
            .arg(child.id().to_string())
            .arg("-o")
            .arg(file)
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    });
    let db = locations.queue_database();
    let watcher = Queue::open(&db).unwrap();
    let mut peak_kb = 0;
    let mut cpu = 0.0;
    let mut first = None;
    let mut all_arrived = None;
    loop {
        assert!(started.elapsed() < Duration::from_secs(300));
        peak_kb = peak_kb.max(vm_hwm(child.id()));
        cpu = cpu_seconds(child.id()).unwrap_or(cpu);
        let arrived = server.distinct() - before;
        if arrived > 0 && first.is_none() {
            first = Some(started.elapsed());
        }
        if arrived == DELIVERIES && all_arrived.is_none() {
            all_arrived = Some(started.elapsed());
        }
        // The receiver's count is free to read: the log is asked only once every
        // event has arrived, so the end is seen within 10 ms of the last commit
        // (polling the log every 100 ms throughout made it up to 100 ms late).
        if server.distinct() - before < DELIVERIES {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let delivered = watcher
            .counts()
            .unwrap()
            .into_iter()
            .find(|(s, _)| s == "delivered")
            .map(|(_, n)| n as usize)
            .unwrap_or(0);
        if delivered == DELIVERIES {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    peak_kb = peak_kb.max(vm_hwm(child.id()));
    if let Some(mut perf) = perf {
        unsafe { libc::kill(perf.id() as i32, libc::SIGINT) };
        perf.wait().unwrap();
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
    assert_eq!(server.distinct() - before, DELIVERIES);
    let rate = DELIVERIES as f64 / elapsed.as_secs_f64();
    if std::env::var_os("HOOKCONSOLE_BENCH_PHASES").is_some() {
        let ms = |at: Option<Duration>| at.map_or(0.0, |at| at.as_secs_f64() * 1000.0);
        println!(
            "  first delivery at {:.0} ms, last arrived at {:.0} ms, last committed at {:.0} ms",
            ms(first),
            ms(all_arrived),
            elapsed.as_secs_f64() * 1000.0
        );
    }
    (rate, peak_kb as f64 / 1024.0, cpu, elapsed.as_secs_f64())
}

fn log_pages() {
    let dir = tempfile::tempdir().unwrap();
    // HOOKCONSOLE_BENCH_LOG_HOME=DIR keeps the filled log as DIR's queue, for measuring
    // the console's LOGS view on it (BENCHMARKS.md).
    let db = match std::env::var_os("HOOKCONSOLE_BENCH_LOG_HOME") {
        Some(home) => Locations::in_home(Path::new(&home)).queue_database(),
        None => dir.path().join("log.sqlite3"),
    };
    fill(&db);
    let mut queue = Queue::open(&db).unwrap();
    // What the idle writer does after a burst: the text index catches up in chunks.
    let started = Instant::now();
    while queue.index_text(1000).unwrap() > 0 {}
    println!(
        "(text index caught up with {LOG_ROWS} attempts in chunks of 1,000: {:.1} s, {:.0} rows/s)",
        started.elapsed().as_secs_f64(),
        LOG_ROWS as f64 / started.elapsed().as_secs_f64()
    );
    let all = LogFilter::default();
    let failed_one = LogFilter {
        integration: Some("hook-3".into()),
        outcome: Some(LogOutcome::Failed),
        ..LogFilter::default()
    };
    let text = |text: &str| LogFilter {
        text: Some(text.into()),
        ..LogFilter::default()
    };
    // Attempt #7's event id, and a piece of its random part.
    let seventh = event_id(6);
    let whole_id = text(&seventh);
    let rare = text(&seventh[20..30]);
    let common = text("unavailable");
    let none = text("no such text");
    let short = text("zq");
    let failed_text = LogFilter {
        integration: Some("hook-3".into()),
        outcome: Some(LogOutcome::Failed),
        text: Some("unavail".into()),
        since_ms: None,
    };
    for (label, filter, before) in [
        ("first page, all", &all, None),
        ("far page (before #2,000), all", &all, Some(2_000)),
        ("first page, hook-3 failed", &failed_one, None),
        (
            "far page (before #50,000), hook-3 failed",
            &failed_one,
            Some(50_000),
        ),
        ("text filter matching every row", &common, None),
        (
            "text filter matching every row, far page (before #2,000)",
            &common,
            Some(2_000),
        ),
        ("text filter + hook-3 failed", &failed_text, None),
        (
            "text filter = a whole event id (index on event_id)",
            &whole_id,
            None,
        ),
        ("substring (10 characters) matching one row", &rare, None),
        ("substring (12 characters) matching none", &none, None),
        (
            "2-character text matching none (too short for the index: scans the log)",
            &short,
            None,
        ),
    ] {
        let _ = queue.log_page(filter, before, 50).unwrap();
        // Up to 20 runs, fewer when one takes long (the scans).
        let started = Instant::now();
        let mut rows = 0;
        let mut runs = 0;
        while runs < 20 && (runs == 0 || started.elapsed() < Duration::from_secs(2)) {
            rows = queue.log_page(filter, before, 50).unwrap().rows.len();
            runs += 1;
        }
        let each = started.elapsed().as_secs_f64() * 1000.0 / runs as f64;
        println!("log page of 50 with {LOG_ROWS} attempts, {label}: {each:.2} ms ({rows} rows)");
    }
    let since = hookconsole::store::queue::now_ms() - 3_600_000;
    let started = Instant::now();
    queue.per_minute(&failed_text, since).unwrap();
    println!(
        "sparkline (per minute, last hour) with text + hook-3 failed, {LOG_ROWS} attempts in the hour: {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    drop(queue);
    // An upgrade from the schema before the index with positions (2): instant, the
    // index is emptied and the writer fills it again when idle. (Step 4 replaces the
    // jobs index: taken back first, with a delivered job for every attempt, for the
    // new indexes to be built over.)
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; \
         INSERT INTO jobs (event_id, integration, state, next_attempt_at, created) \
         SELECT event_id, integration, 'delivered', at, at FROM attempts; \
         DROP INDEX jobs_queued; DROP INDEX jobs_claimed; DROP INDEX jobs_held; \
         CREATE INDEX jobs_due ON jobs(state, next_attempt_at); PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);
    let started = Instant::now();
    let queue = Queue::open(&db).unwrap();
    println!(
        "migration 2 -> 4 with {LOG_ROWS} attempts and jobs: {:.3} s ({} attempts left for the writer to index)",
        started.elapsed().as_secs_f64(),
        queue.unindexed_text().unwrap()
    );
    insert_cost();
}

/// Attempts logged per second by the writer's `apply` (groups of 100), which is what
/// a delivery burst pays, and how fast the text index then catches up (chunks of
/// 1,000, as the idle writer does).
fn insert_cost() {
    const ROWS: usize = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("insert.sqlite3")).unwrap();
    let started = Instant::now();
    for chunk in (0..ROWS).collect::<Vec<_>>().chunks(100) {
        let updates: Vec<JobUpdate> = chunk.iter().map(|&n| attempt(n)).collect();
        queue.apply(&updates).unwrap();
    }
    let rate = ROWS as f64 / started.elapsed().as_secs_f64();
    println!("attempts logged in groups of 100 (apply): {rate:.0} rows/s");
    let started = Instant::now();
    while queue.index_text(1000).unwrap() > 0 {}
    let rate = ROWS as f64 / started.elapsed().as_secs_f64();
    println!("then added to the text index in chunks of 1,000: {rate:.0} rows/s");
}

/// An event id as the worker makes them (time, then 64 random bits), the same for
/// the same `n`.
fn event_id(n: usize) -> String {
    // splitmix64: spread `n` over 64 bits.
    let mut z = (n as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    format!("evt_{:012x}{z:016x}", 1_796_817_600_000 + n as u64)
}

fn fill(db: &Path) {
    let mut queue = Queue::open(db).unwrap();
    let started = Instant::now();
    let batch = 10_000;
    for chunk in 0..LOG_ROWS / batch {
        let updates: Vec<JobUpdate> = (0..batch).map(|i| attempt(chunk * batch + i)).collect();
        queue.apply(&updates).unwrap();
    }
    println!(
        "(filled {LOG_ROWS} attempts in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

/// Attempt `n` of the filled log: one attempt a job, ten integrations, a fifth dead and
/// a fifth to retry.
fn attempt(n: usize) -> JobUpdate {
    use AttemptOutcome::{Dead, Delivered, Retry};
    let outcome = [Delivered, Delivered, Delivered, Retry, Dead][n % 5];
    JobUpdate::Finished {
        job_id: n as i64,
        attempts: 1,
        state: JobState::Delivered,
        next_attempt_ms: 0,
        records: vec![AttemptRecord {
            job_id: n as i64,
            event_id: event_id(n),
            integration: format!("hook-{}", n % 10),
            event_type: "finding.new".into(),
            at_ms: hookconsole::store::queue::now_ms(),
            attempt: 1,
            max_attempts: 10,
            outcome,
            error_class: (outcome != Delivered).then(|| "server_error".into()),
            status: Some(if outcome == Delivered { 200 } else { 503 }),
            duration_ms: 12,
            next_retry_ms: None,
            summary: "503 Service Unavailable".into(),
            request:
                r#"{"method":"POST","url":"https://r.example/x","headers":[],"body_bytes":120}"#
                    .into(),
            response: Some(r#"{"status":200,"headers":[],"body":"ok"}"#.into()),
        }],
    }
}
