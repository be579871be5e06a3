//! Work on a long slice shared between the machine's cores: reading and validating a
//! large integrations file is the one place a person waits on the CPU (10,000
//! integrations, some 150 ms on one core). Scoped threads of the standard library, for
//! a call that returns when its work is done; no pool lives on between calls. And the
//! one check that threads can be started at all (a process limit may leave none), made
//! before every tokio runtime a command builds.

use std::num::NonZeroUsize;
use std::thread;

/// Items below which one thread does it all: a thread costs tens of microseconds to
/// start, an integration a few to read and check.
const ITEMS_PER_THREAD: usize = 500;

/// Threads at most, whatever the machine: the appliance has two to eight cores, and a
/// load that waits on the disk gains nothing from more.
const MAX_THREADS: usize = 4;

/// `work` on consecutive chunks of `items`, each given the index of its first item;
/// the results in the chunks' order. The calling thread takes the first chunk.
pub fn map_chunks<T, R>(items: &[T], work: impl Fn(usize, &[T]) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let threads = (items.len() / ITEMS_PER_THREAD).clamp(1, cores.min(MAX_THREADS));
    if threads == 1 {
        return vec![work(0, items)];
    }
    let size = items.len().div_ceil(threads);
    let work = &work;
    thread::scope(|scope| {
        let mut chunks = items.chunks(size).enumerate();
        let first = chunks.next();
        // A thread that cannot be started (a process limit reached, no memory for its
        // stack) leaves its chunk to this thread: slower, never a failure.
        let others: Vec<_> = chunks
            .map(|(number, chunk)| {
                let start = number * size;
                thread::Builder::new()
                    .spawn_scoped(scope, move || work(start, chunk))
                    .map_err(|_| (start, chunk))
            })
            .collect();
        let mut results = Vec::with_capacity(threads);
        if let Some((_, chunk)) = first {
            results.push(work(0, chunk));
        }
        for other in others {
            match other {
                Ok(handle) => match handle.join() {
                    Ok(result) => results.push(result),
                    // The work's own panic, carried to the caller as if it had run here.
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err((start, chunk)) => results.push(work(start, chunk)),
            }
        }
        results
    })
}

/// Whether `count` threads can run at once now: each started thread waits until all
/// are, so that a process limit (`ulimit -u`, a container's pid limit) counts them
/// together. Libraries that start threads of their own (tokio, tracing-appender) panic
/// when refused; this is asked first, to say it as an error instead.
pub fn can_start(count: usize) -> std::io::Result<()> {
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
    let mut started = Vec::with_capacity(count);
    let mut refused = Ok(());
    for _ in 0..count {
        let wait = std::sync::Arc::clone(&wait);
        match thread::Builder::new().spawn(move || {
            let _ = wait.lock().map(|wait| wait.recv());
        }) {
            Ok(handle) => started.push(handle),
            Err(error) => {
                refused = Err(error);
                break;
            }
        }
    }
    drop(release);
    for handle in started {
        let _ = handle.join();
    }
    refused
}

/// The first item, in the slice's order, for which `find` gives something, with its
/// index; the chunks are searched at once, so items after it may have been tried too.
pub fn find_first<T, R>(items: &[T], find: impl Fn(&T) -> Option<R> + Sync) -> Option<(usize, R)>
where
    T: Sync,
    R: Send,
{
    map_chunks(items, |start, chunk| {
        chunk
            .iter()
            .enumerate()
            .find_map(|(offset, item)| find(item).map(|found| (start + offset, found)))
    })
    .into_iter()
    .flatten()
    .next()
}

/// Threads a command's runtime starts at once: two workers and the blocking pool's first.
const RUNTIME_THREADS: usize = 3;

/// The runtime of a command that talks to the network (VERIFY, an authorization, the
/// console): two worker threads. tokio panics when it cannot start one; a process
/// limit that leaves too few threads (`ulimit -u`, a container's pid limit) is said as
/// an error instead, before the runtime is built.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    threads_available(RUNTIME_THREADS)?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// A runtime on the calling thread, for a command that makes a request or two (the
/// site step, a token refresh, the worker's scheduler). Its store work still runs on
/// tokio's blocking pool, whose first thread tokio panics without: checked as for
/// [`runtime`].
pub fn single_thread_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    threads_available(1)?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

fn threads_available(count: usize) -> std::io::Result<()> {
    can_start(count).map_err(|error| {
        let threads = if count == 1 { "thread" } else { "threads" };
        std::io::Error::new(
            error.kind(),
            format!(
                "cannot start the {count} {threads} this command needs ({error}): is a \
                 process limit reached (ulimit -u)?"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_back_in_order_and_cover_every_item_once() {
        for length in [0, 1, 499, 500, 1_000, 1_001, 4_321, 10_000] {
            let items: Vec<usize> = (0..length).collect();
            let pieces = map_chunks(&items, |start, chunk| {
                assert!(chunk.iter().enumerate().all(|(i, &item)| item == start + i));
                chunk.to_vec()
            });
            assert_eq!(pieces.concat(), items, "length {length}");
        }
    }

    /// Under a process limit no thread can be started (`ulimit -u`, a container's pid
    /// limit): the work is done all the same, on the calling thread. Run in a child
    /// process, since the limit is the whole process's.
    #[test]
    fn chunks_are_done_here_when_no_thread_can_start() {
        if std::env::var_os("HOOKCONSOLE_PARALLEL_CHILD").is_none() {
            let output = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "parallel::tests::chunks_are_done_here_when_no_thread_can_start",
                ])
                .args(["--test-threads", "1", "--nocapture"])
                .env("HOOKCONSOLE_PARALLEL_CHILD", "1")
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "{said}");
            assert!(said.contains("1 passed"), "{said}");
            return;
        }
        // No new process or thread for this user from now on (root is not bound by it:
        // then the threads start, and the result must be the same).
        let limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads the struct we pass; nothing else is shared.
        unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &limit) };
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            assert!(
                thread::Builder::new().spawn(|| ()).is_err(),
                "the limit holds"
            );
            assert!(can_start(1).is_err());
        }
        let items: Vec<usize> = (0..4_000).collect();
        let pieces = map_chunks(&items, |_, chunk| chunk.iter().sum::<usize>());
        assert_eq!(pieces.iter().sum::<usize>(), items.iter().sum::<usize>());
    }

    #[test]
    fn the_first_match_is_the_first_in_the_slice_not_the_first_found() {
        let items: Vec<usize> = (0..10_000).collect();
        // Matches in every chunk; the earliest must win whichever thread ends first.
        let found = find_first(&items, |&item| (item % 2_000 == 1_999).then_some(item * 10));
        assert_eq!(found, Some((1_999, 19_990)));
        assert_eq!(find_first(&items, |_| None::<()>), None);
    }
}
