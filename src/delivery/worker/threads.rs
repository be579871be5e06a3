//! The threads deliveries run on: the worker's own, where the scheduler runs, and on
//! a machine with two cores or more a second one-thread runtime on a thread of its
//! own. Delivery tasks are handed to them in turn.
//!
//! With one thread, the worker was bound by it: it never waited for the network
//! (about 100 voluntary sleeps against 8,000 preemptions in a round of 20,000
//! deliveries) and got 65–70 % of a core, while a fifth of the two cores sat idle.
//! A second thread raised the benchmark's median from about half the receiver's
//! ceiling to about two thirds (BENCHMARKS.md).
//!
//! Each thread has its own HTTP clients, so a connection is only used by the thread
//! that opened it and a task never wakes its connection across threads: a two-thread
//! runtime sharing one pool (work stealing) cost 20–40 % more CPU per delivery than
//! one thread. Tasks go on to their integration's next job themselves (`pending`), so
//! the scheduler hears from the other thread only when a task ends.

use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;

use super::clients::ClientCache;
use crate::http::HttpOptions;

/// The most threads that deliver: measured on two cores, where a third thread would
/// only take turns with the others.
const MOST: usize = 2;

/// How many threads deliver on this machine: one per core, at most [`MOST`].
pub fn count() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().clamp(1, MOST))
}

/// A thread that deliveries run on: its runtime, and the HTTP clients of its tasks.
struct Lane {
    runtime: Handle,
    clients: Arc<ClientCache>,
}

pub struct DeliveryThreads {
    lanes: Vec<Lane>,
    next: usize,
    stop: CancellationToken,
    threads: Vec<JoinHandle<()>>,
}

impl DeliveryThreads {
    /// The current runtime's thread, and `count - 1` threads more.
    pub fn start(http: &HttpOptions, count: usize) -> std::io::Result<DeliveryThreads> {
        let lane = |runtime| Lane {
            runtime,
            clients: Arc::new(ClientCache::new(http.clone())),
        };
        let mut threads = DeliveryThreads {
            lanes: vec![lane(Handle::current())],
            next: 0,
            stop: CancellationToken::new(),
            threads: Vec::new(),
        };
        for n in 1..count.max(1) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            threads.lanes.push(lane(runtime.handle().clone()));
            let stop = threads.stop.clone();
            let thread = std::thread::Builder::new()
                .name(format!("deliveries-{}", n + 1))
                .spawn(move || runtime.block_on(stop.cancelled()))?;
            threads.threads.push(thread);
        }
        Ok(threads)
    }

    /// The runtime of the next thread in turn, and its clients.
    pub fn next(&mut self) -> (&Handle, Arc<ClientCache>) {
        let lane = &self.lanes[self.next % self.lanes.len()];
        self.next = self.next.wrapping_add(1);
        (&lane.runtime, lane.clients.clone())
    }
}

impl Drop for DeliveryThreads {
    /// Ends the extra threads; their runtimes drop what still runs on them (the
    /// scheduler has let its deliveries finish or released them by then).
    fn drop(&mut self) {
        self.stop.cancel();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_go_to_each_thread_in_turn_with_its_own_clients() {
        let mut threads = DeliveryThreads::start(&HttpOptions::default(), 3).unwrap();
        let mut names = Vec::new();
        let mut clients = Vec::new();
        for _ in 0..4 {
            let (runtime, lane_clients) = threads.next();
            let name = runtime
                .spawn(async { std::thread::current().name().map(String::from) })
                .await
                .unwrap();
            names.push(name);
            clients.push(lane_clients);
        }
        assert_eq!(names[1].as_deref(), Some("deliveries-2"));
        assert_eq!(names[2].as_deref(), Some("deliveries-3"));
        // The fourth is the first thread's again, with the same clients.
        assert_eq!(names[3], names[0]);
        assert!(Arc::ptr_eq(&clients[3], &clients[0]));
        assert!(!Arc::ptr_eq(&clients[0], &clients[1]));
        // Dropping ends the extra threads (it joins them).
        drop(threads);
    }
}
