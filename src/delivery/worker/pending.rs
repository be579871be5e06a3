//! Claimed jobs not yet started, by integration, shared by the scheduler and the
//! delivery tasks.
//!
//! A delivery task that has sent its attempt to the writer takes the next job of its
//! integration from here itself, instead of ending and waiting for the scheduler's
//! next turn. The scheduler only ran after every delivery ready in the same turn of
//! its runtime, then started them all again: requests went out in waves (in 110 of
//! 1,500 turns of a measured round, fewer than 8 of the 64 slots were still running).
//! And a task on the other delivery thread (`threads`) would wake the scheduler
//! across threads after every delivery; now only when it ends.
//!
//! The scheduler and the tasks of both threads take the lock: for a few operations
//! on a map each, never across an await.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio::task;

use crate::store::queue::ClaimedJob;

pub struct Pending {
    inner: Mutex<Jobs>,
    /// Rung when the jobs waiting fall to `refill_at`: the scheduler claims more
    /// (tasks that go on do not wake it by ending).
    refill: Arc<Notify>,
    refill_at: usize,
    /// An integration with this many jobs waiting is not claimed for
    /// ([`Jobs::claim_view`]); one that falls below it rings `refill` too, so that its
    /// jobs are claimed again at once rather than at the next poll.
    enough: usize,
}

pub struct Jobs {
    queues: HashMap<String, VecDeque<ClaimedJob>>,
    total: usize,
    /// Changed with every catalog read: a task holds the integration it was started
    /// with, so after a change (an integration disabled, renamed or edited) it ends
    /// and the scheduler hands the jobs out again against the new catalog.
    catalog: u64,
    /// The integrations with jobs waiting for a slot that only the overall limit
    /// denies: the tasks of the others end after their delivery, so that the
    /// scheduler shares the slots out between integrations.
    waiting: Vec<String>,
    /// What each task is delivering: its integration's slot is freed when it ends,
    /// and its job's lease goes back if it panics.
    running: HashMap<task::Id, Running>,
}

/// A running task: the integration it delivers for, and its current job.
pub struct Running {
    pub integration: String,
    pub job_id: i64,
}

impl Pending {
    pub fn new(refill: Arc<Notify>, refill_at: usize, enough: usize) -> Pending {
        Pending {
            inner: Mutex::new(Jobs {
                queues: HashMap::new(),
                total: 0,
                catalog: 0,
                waiting: Vec::new(),
                running: HashMap::new(),
            }),
            refill,
            refill_at,
            enough,
        }
    }

    /// The jobs. Held briefly and never across an await: the tasks of the other
    /// delivery thread wait for it.
    pub fn lock(&self) -> MutexGuard<'_, Jobs> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next job a task started under `catalog` delivers for `integration`, if it
    /// should go on: the catalog is the same, no other integration waits for a slot,
    /// and there is one. Recorded as the task's current job.
    pub fn next_for(&self, integration: &str, catalog: u64) -> Option<ClaimedJob> {
        let mut jobs = self.lock();
        let others_wait = jobs.waiting.iter().any(|name| name != integration);
        if jobs.catalog != catalog || others_wait {
            return None;
        }
        let queue = jobs.queues.get_mut(integration)?;
        let job = queue.pop_front()?;
        let below_enough = queue.len() + 1 == self.enough;
        jobs.total -= 1;
        if jobs.total == self.refill_at || below_enough {
            self.refill.notify_one();
        }
        if let Some(running) = jobs.running.get_mut(&task::id()) {
            running.job_id = job.job_id;
        }
        Some(job)
    }
}

impl Jobs {
    pub fn total(&self) -> usize {
        self.total
    }

    pub fn catalog(&self) -> u64 {
        self.catalog
    }

    /// A new catalog was read: tasks started under the last one end after their
    /// delivery.
    pub fn new_catalog(&mut self) {
        self.catalog += 1;
    }

    pub fn push(&mut self, job: ClaimedJob) {
        self.total += 1;
        self.queues
            .entry(job.integration.clone())
            .or_default()
            .push_back(job);
    }

    /// What a claim should consider: the jobs waiting of the integrations with fewer
    /// than `enough` waiting, and the names of those with `enough` or more. A slow
    /// receiver's backlog counted in the total kept the scheduler from claiming at all,
    /// and a claim in due order took only the backlog: a fast integration's events
    /// waited behind a thousand that took ten seconds each (measured: none of 20,000
    /// delivered in four minutes).
    pub fn claim_view(&self, enough: usize) -> (usize, Vec<String>) {
        let mut waiting = 0;
        let mut saturated = Vec::new();
        for (name, queue) in &self.queues {
            if queue.len() >= enough {
                saturated.push(name.clone());
            } else {
                waiting += queue.len();
            }
        }
        (waiting, saturated)
    }

    pub fn names(&self) -> Vec<String> {
        self.queues.keys().cloned().collect()
    }

    /// The jobs of `integration`, taken out (to hand out, release or put back).
    pub fn take(&mut self, integration: &str) -> VecDeque<ClaimedJob> {
        let queue = self.queues.remove(integration).unwrap_or_default();
        self.total -= queue.len();
        queue
    }

    /// Jobs taken out and not handed out, back at the head of their queue.
    pub fn put_back(&mut self, integration: &str, queue: VecDeque<ClaimedJob>) {
        if queue.is_empty() {
            return;
        }
        self.total += queue.len();
        self.queues.insert(integration.to_string(), queue);
    }

    /// Every job not started, taken out.
    pub fn drain(&mut self) -> Vec<ClaimedJob> {
        self.total = 0;
        self.queues.drain().flat_map(|(_, queue)| queue).collect()
    }

    pub fn set_waiting(&mut self, waiting: Vec<String>) {
        self.waiting = waiting;
    }

    pub fn started(&mut self, task: task::Id, integration: String, job_id: i64) {
        self.running.insert(
            task,
            Running {
                integration,
                job_id,
            },
        );
    }

    /// The task ended: what it was delivering.
    pub fn ended(&mut self, task: task::Id) -> Option<Running> {
        self.running.remove(&task)
    }

    pub fn none_running(&self) -> bool {
        self.running.is_empty()
    }
}
