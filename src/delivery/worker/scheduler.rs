//! The worker's loop: claim due jobs in batches, hand them out within the concurrency
//! limits (overall and per integration), follow the integrations file (an integration
//! with a hold reason — disabled, waiting for its site or its authorization, an
//! invalid configuration — holds its jobs), prune the log now and then, and stop cleanly.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::attempt::{AttemptContext, deliver};
use super::pending::Pending;
use super::threads::DeliveryThreads;
use super::token_repair;
use super::writer::{Claimed, WriterCommand, WriterSender};
use super::{WorkerError, WorkerOptions, socket};
use crate::delivery::{IntegrationTemplate, TokenSource};
use crate::http::HttpOptions;
use crate::model::{HoldReason, Integration, Settings};
use crate::store::queue::{ClaimedJob, JobUpdate};
use crate::store::worker_presence::WorkerIdentity;
use crate::store::{Catalog, IntegrationStore, Locations, TokenStore, hold_reason};

const CATALOG_CHECK: Duration = Duration::from_secs(1);
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Claimed jobs waiting to start, at most, in multiples of the overall concurrency.
const CLAIM_AHEAD: usize = 8;

type SharedCatalog = Arc<RwLock<Option<Arc<Catalog>>>>;

/// What every delivery task shares.
struct Shared {
    tokens: Arc<dyn TokenSource>,
    max_attempts: u32,
}

pub struct Scheduler {
    locations: Locations,
    options: WorkerOptions,
    overall: usize,
    per_integration: usize,
    retention: (u32, u64),
    /// `appliance.name` of the events the socket renders.
    appliance: crate::template::Appliance,
    socket_limits: socket::SocketLimits,
    shared: Arc<Shared>,
    /// The token store, for the refreshes to repair (see `token_repair`).
    token_store: TokenStore,
    /// For the HTTP clients of each delivery thread.
    http: HttpOptions,
    writer: WriterSender,
    catalog: SharedCatalog,
    /// The integrations file's and the token store's stamps when last read.
    catalog_stamp: (FileStamp, FileStamp),
    /// The integrations of the last catalog that hold their jobs, by name, and why.
    held: HashMap<String, HoldReason>,
    /// The same names, as the writer's hold command takes them.
    held_names: Vec<String>,
    owner: String,
    /// Claimed jobs not started, shared with the delivery tasks.
    pending: Arc<Pending>,
    /// Tasks running per integration (each delivers one job after another).
    in_flight: HashMap<String, usize>,
    /// Turns of `dispatch`: which integration is served first goes round.
    turn: usize,
    /// Jobs released once because no integration had their name (see `dispatch`).
    unknown: HashSet<i64>,
    /// The integrations of the last catalog by the names jobs use, shared with the
    /// delivery tasks rather than copied for each (emptied when the catalog is read).
    resolved: HashMap<String, Option<Arc<Integration>>>,
    /// Who this worker is, answered on the socket's status request.
    identity: WorkerIdentity,
    /// Rung by the socket when events are committed (an idle scheduler claims at
    /// once), and by a task that took the claimed jobs down to the refill mark.
    claim_now: Arc<Notify>,
}

/// A claim sent to the writer: its answer, and how many jobs were asked for.
struct Claiming {
    answer: oneshot::Receiver<Claimed>,
    asked: usize,
    /// Some integrations were passed over: their due jobs do not make the next claim
    /// due at once (they would be passed over again, in a busy loop).
    skipped: bool,
}

impl Scheduler {
    pub fn new(
        locations: Locations,
        settings: &Settings,
        options: WorkerOptions,
        tokens: Arc<dyn TokenSource>,
        token_store: TokenStore,
        http: HttpOptions,
        writer: WriterSender,
    ) -> Scheduler {
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let overall = settings.effective_concurrency() as usize;
        let per_integration = settings.effective_concurrency_per_integration() as usize;
        let claim_now = Arc::new(Notify::new());
        Scheduler {
            locations,
            options,
            overall,
            per_integration,
            retention: (
                settings.effective_retention_days(),
                settings.effective_retention_rows(),
            ),
            appliance: crate::template::Appliance::local(settings.hostname.as_deref()),
            socket_limits: socket::SocketLimits::from_settings(settings),
            shared: Arc::new(Shared {
                tokens,
                max_attempts: settings.effective_max_attempts(),
            }),
            token_store,
            http,
            writer,
            catalog: Arc::new(RwLock::new(None)),
            catalog_stamp: Default::default(),
            held: HashMap::new(),
            held_names: Vec::new(),
            owner: format!("{host}:{}", std::process::id()),
            pending: Arc::new(Pending::new(
                claim_now.clone(),
                claim_buffer(overall) / 2,
                enough_waiting(overall, per_integration),
            )),
            in_flight: HashMap::new(),
            turn: 0,
            resolved: HashMap::new(),
            unknown: HashSet::new(),
            identity: WorkerIdentity::of_this_process(crate::store::queue::now_ms()),
            claim_now,
        }
    }

    /// Answers the socket's status request as `identity` (what the lock says too).
    pub fn answering_status_as(mut self, identity: WorkerIdentity) -> Scheduler {
        self.identity = identity;
        self
    }

    pub async fn run(mut self, stop: CancellationToken) -> Result<(), WorkerError> {
        self.reload_catalog(true);
        // Removes the socket file however this ends, before the worker lock is let go.
        let _socket_file = if self.options.socket {
            Some(self.serve_socket(&stop)?)
        } else {
            None
        };
        let catalog = self.catalog.clone();
        let lookup: token_repair::Lookup = Arc::new(move |name: &str| lookup(&catalog, name));
        tokio::spawn(token_repair::run(
            self.shared.tokens.clone(),
            self.token_store.clone(),
            lookup,
            self.options.token_repair,
            stop.child_token(),
        ));
        let mut threads = DeliveryThreads::start(&self.http, self.options.delivery_threads)
            .map_err(WorkerError::Threads)?;
        tracing::info!(owner = %self.owner, overall = self.overall,
            per_integration = self.per_integration,
            threads = self.options.delivery_threads, "worker started");
        let mut tasks: JoinSet<()> = JoinSet::new();
        // The claim waiting for the writer's answer: deliveries go on meanwhile.
        let mut claiming: Option<Claiming> = None;
        // Rung while a claim was out: its answer must not put the next claim off.
        let mut rung_while_claiming = false;
        let mut next_claim = Instant::now();
        let mut next_check = Instant::now() + CATALOG_CHECK;
        let mut next_prune = Instant::now();
        // One timer for the loop, moved only when it must ring earlier: a new sleep
        // for every turn (one per finished delivery) cost a timer-wheel insert and
        // removal each time, and ringing early only costs one more turn.
        let sleep = tokio::time::sleep(self.options.poll);
        tokio::pin!(sleep);
        let claim_now = self.claim_now.clone();
        loop {
            let now = Instant::now();
            if now >= next_check {
                // A changed file may enable an integration whose jobs were held.
                if self.reload_catalog(false) {
                    next_claim = now;
                }
                next_check = now + CATALOG_CHECK;
            }
            if now >= next_prune {
                let (days, rows) = self.retention;
                let _ = self.writer.send(WriterCommand::Prune { days, rows });
                next_prune = now + PRUNE_EVERY;
            }
            // Claim in batches, keeping up to CLAIM_AHEAD times the concurrency claimed
            // but not started: a claim waits behind the writer's work in progress (a
            // group, some milliseconds; a chunk of text indexing, up to about 30), and
            // a smaller buffer ran dry meanwhile, leaving the cores idle in the middle
            // of a burst (measured: 4 times ran dry during indexing, 8 did not).
            // An integration with its own share of the buffer waiting (a slow
            // receiver's backlog) neither counts nor is claimed for: the others' jobs
            // behind it in due order are claimed instead.
            let buffer = claim_buffer(self.overall);
            let (waiting, skip) = self
                .pending
                .lock()
                .claim_view(enough_waiting(self.overall, self.per_integration));
            if claiming.is_none() && now >= next_claim && waiting <= buffer / 2 {
                let room = buffer - waiting;
                claiming = self.claim(room, skip);
                if claiming.is_none() {
                    next_claim = now + self.options.poll;
                }
            }
            self.dispatch(&mut tasks, &mut threads);
            let wait = if claiming.is_some() {
                self.options.poll
            } else {
                next_claim
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1))
                    .min(self.longest_wait())
            };
            let wake = tokio::time::Instant::now() + wait;
            if sleep.is_elapsed() || wake < sleep.deadline() {
                sleep.as_mut().reset(wake);
            }
            tokio::select! {
                () = stop.cancelled() => break,
                Some(done) = tasks.join_next_with_id() => {
                    self.finished(done);
                    // Every other finished delivery too: until reaped it still counts
                    // against the concurrency, and one per turn left slots idle.
                    while let Some(done) = tasks.try_join_next_with_id() {
                        self.finished(done);
                    }
                    // The last delivery ended: a claim now learns when what it
                    // scheduled (a retry) is due, before the worker goes idle.
                    if self.idle() {
                        next_claim = Instant::now();
                    }
                }
                claimed = async { (&mut claiming.as_mut()?.answer).await.ok() },
                    if claiming.is_some() =>
                {
                    let (asked, skipped) = claiming
                        .take()
                        .map_or((0, false), |claim| (claim.asked, claim.skipped));
                    let Claimed { jobs, next_due_ms } = claimed.unwrap_or_default();
                    if jobs.len() < asked {
                        let idle = jobs.is_empty() && self.idle();
                        let mut wait = self.until_next_claim(next_due_ms, idle);
                        if skipped && !rung_while_claiming {
                            // Until an integration falls below its mark (which rings),
                            // a task ends (which wakes the loop) or the poll.
                            wait = wait.max(self.options.poll);
                        }
                        next_claim = Instant::now() + wait;
                    }
                    rung_while_claiming = false;
                    self.take_claimed(jobs);
                }
                () = claim_now.notified() => {
                    next_claim = Instant::now();
                    rung_while_claiming = claiming.is_some();
                }
                () = &mut sleep => {}
            }
        }
        // A claim still out: its jobs are ours, to release with the rest.
        if let Some(claim) = claiming {
            self.take_claimed(claim.answer.await.unwrap_or_default().jobs);
        }
        self.shut_down(tasks).await;
        drop(threads);
        Ok(())
    }

    /// Binds the enqueue socket and serves it on a task of its own until `stop`.
    fn serve_socket(&self, stop: &CancellationToken) -> Result<socket::SocketFile, WorkerError> {
        let path = super::socket_path(&self.locations);
        let listener = socket::bind(&path).map_err(WorkerError::file(&path))?;
        let catalog = self.catalog.clone();
        let templates: socket::TemplateLookup = Arc::new(move |name: &str| {
            lookup(&catalog, name).map(|integration| IntegrationTemplate::of(&integration))
        });
        let served = socket::Served {
            writer: self.writer.clone(),
            templates,
            appliance: self.appliance.clone(),
            enqueued: self.claim_now.clone(),
            limits: self.socket_limits,
            status_answer: self.identity.answer_line(),
        };
        tokio::spawn(socket::serve(listener, served, stop.child_token()));
        Ok(socket::SocketFile(path))
    }

    /// How long to wait before claiming again after a claim found fewer jobs than it
    /// asked for: until the next job is due, but no longer than the poll (the idle
    /// poll when nothing is pending or running), which finds what other processes
    /// queue (`hookconsole send`, replays) and what this one's updates scheduled
    /// after the claim was answered.
    fn until_next_claim(&self, next_due_ms: Option<i64>, idle: bool) -> Duration {
        let longest = if idle {
            self.longest_wait()
        } else {
            self.options.poll
        };
        next_due_ms.map_or(longest, |due| {
            let until_due = u64::try_from(due - crate::store::queue::now_ms()).unwrap_or(0);
            Duration::from_millis(until_due).min(longest)
        })
    }

    /// The longest the loop sleeps with nothing to wake it.
    fn longest_wait(&self) -> Duration {
        self.options.idle_poll.max(self.options.poll)
    }

    /// Asks the writer for up to `limit` due jobs, none of the integrations in `skip`;
    /// none when there is no room.
    fn claim(&self, limit: usize, skip: Vec<String>) -> Option<Claiming> {
        if limit == 0 {
            return None;
        }
        let (reply, answer) = oneshot::channel();
        let skipped = !skip.is_empty();
        let command = WriterCommand::Claim {
            owner: self.owner.clone(),
            limit,
            lease_ms: self.options.lease.as_millis() as i64,
            skip,
            reply,
        };
        self.writer.send(command).ok()?;
        Some(Claiming {
            answer,
            asked: limit,
            skipped,
        })
    }

    fn take_claimed(&mut self, jobs: Vec<ClaimedJob>) {
        let mut pending = self.pending.lock();
        for job in jobs {
            pending.push(job);
        }
    }

    /// Nothing claimed waits and no delivery runs.
    fn idle(&self) -> bool {
        let pending = self.pending.lock();
        pending.total() == 0 && pending.none_running()
    }

    fn dispatch(&mut self, tasks: &mut JoinSet<()>, threads: &mut DeliveryThreads) {
        let loaded = matches!(self.catalog.read().as_deref(), Ok(Some(_)));
        if !loaded {
            // No integrations file read yet (or it is broken): deliver nothing.
            return;
        }
        let pending = self.pending.clone();
        let mut jobs = pending.lock();
        let catalog = jobs.catalog();
        let mut waiting = Vec::new();
        // Free slots go to each integration first in turn: with the overall limit
        // reached, one with many jobs would otherwise take every slot that frees.
        let mut names = jobs.names();
        names.sort_unstable();
        if !names.is_empty() {
            let first = self.turn % names.len();
            names.rotate_left(first);
        }
        self.turn = self.turn.wrapping_add(1);
        for name in names {
            let integration = self.resolve(&name);
            let mut queue = jobs.take(&name);
            if integration
                .as_ref()
                .is_some_and(|found| self.held.contains_key(&found.name))
            {
                // Held: the leases go back and the hold keeps them from being claimed.
                for job in queue.drain(..) {
                    let _ = self.writer.send(WriterCommand::Update(JobUpdate::Release {
                        job_id: job.job_id,
                    }));
                }
                // Hold them again, or they would be claimed again at once.
                let _ = self
                    .writer
                    .send(WriterCommand::Hold(self.held_names.clone()));
                continue;
            }
            if integration.is_none() {
                // No integration of that name: it was renamed (its jobs now carry the
                // new name in the queue, so they come back under it once released)
                // or removed. The second time a job comes back unknown, it is
                // delivered to nobody: recorded as failed for that reason.
                let mut unknown_again = VecDeque::new();
                for job in queue.drain(..) {
                    if self.unknown.insert(job.job_id) {
                        let _ = self.writer.send(WriterCommand::Update(JobUpdate::Release {
                            job_id: job.job_id,
                        }));
                    } else {
                        unknown_again.push_back(job);
                    }
                }
                queue = unknown_again;
            }
            let busy = self.in_flight.entry(name.clone()).or_default();
            while *busy < self.per_integration && tasks.len() < self.overall {
                let Some(job) = queue.pop_front() else { break };
                *busy += 1;
                let shared = self.shared.clone();
                let writer = self.writer.clone();
                let integration = integration.clone();
                let job_id = job.job_id;
                // Jobs of no integration are recorded one by one: the next one has
                // not been released once yet.
                let goes_on = integration.is_some().then(|| pending.clone());
                let (thread, clients) = threads.next();
                let delivery = async move {
                    let context = AttemptContext {
                        tokens: shared.tokens.as_ref(),
                        clients: &clients,
                        max_attempts: shared.max_attempts,
                    };
                    let mut job = job;
                    loop {
                        let update = deliver(&context, integration.as_ref(), &job).await;
                        let _ = writer.send(WriterCommand::Update(update));
                        let next = goes_on
                            .as_ref()
                            .and_then(|pending| pending.next_for(&job.integration, catalog));
                        match next {
                            Some(next) => job = next,
                            None => break,
                        }
                    }
                };
                let handle = tasks.spawn_on(delivery, thread);
                jobs.started(handle.id(), name.clone(), job_id);
            }
            if !queue.is_empty() && *busy < self.per_integration {
                waiting.push(name.clone());
            }
            jobs.put_back(&name, queue);
        }
        jobs.set_waiting(waiting);
    }

    fn finished(&mut self, done: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
        let (id, completed) = match &done {
            Ok((id, ())) => (*id, true),
            Err(error) => (error.id(), false),
        };
        let Some(running) = self.pending.lock().ended(id) else {
            return;
        };
        if let Some(busy) = self.in_flight.get_mut(&running.integration) {
            *busy = busy.saturating_sub(1);
        }
        if !completed {
            // A task that panicked or was aborted: its lease goes back.
            let job_id = running.job_id;
            let _ = self
                .writer
                .send(WriterCommand::Update(JobUpdate::Release { job_id }));
        }
    }

    /// Releases jobs not started, lets in-flight ones finish within the grace period,
    /// releases those that did not, waits for token refreshes in flight, and waits
    /// until the writer has committed it all.
    async fn shut_down(mut self, mut tasks: JoinSet<()>) {
        let not_started = self.pending.lock().drain();
        for job in not_started {
            let _ = self.writer.send(WriterCommand::Update(JobUpdate::Release {
                job_id: job.job_id,
            }));
        }
        tracing::info!(
            in_flight = tasks.len(),
            "stopping: finishing in-flight attempts"
        );
        let deadline = tokio::time::Instant::now() + self.options.grace;
        while !tasks.is_empty() {
            match tokio::time::timeout_at(deadline, tasks.join_next_with_id()).await {
                Ok(Some(done)) => self.finished(done),
                Ok(None) => break,
                Err(_) => {
                    tasks.abort_all();
                    while let Some(done) = tasks.join_next_with_id().await {
                        self.finished(done);
                    }
                }
            }
        }
        // A token refresh of an aborted delivery goes on on its own task: the provider
        // may have rotated the refresh token, so its answer is stored before the
        // delivery threads' runtimes go. Its request timeout bounds the wait.
        if crate::oauth::token_requests_in_flight() {
            tracing::info!("stopping: storing the token refresh in flight");
            crate::oauth::token_requests_settled().await;
        }
        let (reply, flushed) = oneshot::channel();
        if self.writer.send(WriterCommand::Flush(reply)).is_ok() {
            let _ = flushed.await;
        }
    }

    /// Reads the integrations file and the token store when either changed (or when
    /// `force`d) and holds the jobs of integrations with a hold reason; true when a new
    /// catalog was taken. The token store counts because an OAuth integration without
    /// a token holds its jobs until it is authorized, in this process or another.
    fn reload_catalog(&mut self, force: bool) -> bool {
        let store = IntegrationStore::new(self.locations.integrations_file());
        let stamp = (
            file_stamp(store.path()),
            file_stamp(self.token_store.path()),
        );
        if !force && stamp == self.catalog_stamp {
            return false;
        }
        self.catalog_stamp = stamp;
        let catalog = match store.load() {
            Ok(catalog) => catalog,
            Err(error) => {
                tracing::warn!(%error, "the integrations file cannot be read; keeping the last one");
                return false;
            }
        };
        // Unreadable tokens send nothing either: the integrations wait as unauthorized.
        let authorizations = self.token_store.all().unwrap_or_else(|error| {
            tracing::warn!(%error, "the token store cannot be read");
            Default::default()
        });
        let destinations = self.http.destinations;
        let held: HashMap<String, HoldReason> = catalog
            .integrations
            .iter()
            .filter_map(|integration| {
                let reason = hold_reason(integration, destinations, &authorizations)?;
                Some((integration.name.clone(), reason))
            })
            .collect();
        self.log_hold_changes(&held);
        if let Ok(mut slot) = self.catalog.write() {
            *slot = Some(Arc::new(catalog));
        }
        self.resolved.clear();
        self.pending.lock().new_catalog();
        self.held_names = held.keys().cloned().collect();
        self.held = held;
        let _ = self
            .writer
            .send(WriterCommand::Hold(self.held_names.clone()));
        true
    }

    /// Says, once per catalog read, which integrations now hold their jobs and why, and
    /// which no longer do. The reasons name fields and headers, never a value.
    fn log_hold_changes(&self, held: &HashMap<String, HoldReason>) {
        for (name, reason) in held {
            if self.held.get(name) == Some(reason) {
                continue;
            }
            match reason {
                HoldReason::InvalidConfiguration(_) => {
                    tracing::warn!(integration = %name, %reason, "deliveries held");
                }
                _ => tracing::info!(integration = %name, %reason, "deliveries held"),
            }
        }
        for name in self.held.keys().filter(|name| !held.contains_key(*name)) {
            tracing::info!(integration = %name, "deliveries resumed");
        }
    }
}

impl Scheduler {
    /// The integration jobs name `name` in the last catalog read (none: removed),
    /// looked up once per catalog.
    fn resolve(&mut self, name: &str) -> Option<Arc<Integration>> {
        if let Some(found) = self.resolved.get(name) {
            return found.clone();
        }
        let found = lookup(&self.catalog, name).map(Arc::new);
        self.resolved.insert(name.to_string(), found.clone());
        found
    }
}

/// A file's modification time and inode (a save renames a new file in), none while it
/// is missing.
type FileStamp = Option<(SystemTime, u64)>;

fn file_stamp(path: &std::path::Path) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.ino()))
}

/// Claimed jobs waiting to start, at most: `CLAIM_AHEAD` times the concurrency.
fn claim_buffer(overall: usize) -> usize {
    CLAIM_AHEAD * overall
}

/// Jobs of one integration waiting to start past which no more of its are claimed:
/// its own share of the buffer, and at least half the buffer, the mark at which one
/// busy integration alone was refilled before.
fn enough_waiting(overall: usize, per_integration: usize) -> usize {
    claim_buffer(per_integration).max(claim_buffer(overall) / 2)
}

/// The integration named `name` in the last catalog read.
fn lookup(catalog: &SharedCatalog, name: &str) -> Option<crate::model::Integration> {
    let found = match catalog.read() {
        Ok(found) => found.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    found.and_then(|catalog| catalog.get(name).cloned())
}
