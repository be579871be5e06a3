//! The one writer of the queue database: a thread that takes commands from the
//! scheduler, the delivery tasks and the socket, and runs each group of them in as few
//! transactions as it can (group commit). An enqueue is answered only after its commit.

use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::checkpointer::{self, Nudge};
use crate::store::queue::{ClaimedJob, Enqueued, JobUpdate, NewEvent};
use crate::store::{Queue, QueueError};

/// Commands the writer takes in at most this many at a time.
const GROUP: usize = 4096;

/// How long a group of attempt records waits for more before its commit. A commit
/// writes every page it changed to the WAL (the attempts table, its five indexes, the
/// jobs table and its index) whatever the number of rows, so rows committed a few at a
/// time cost several times what they cost in dozens. Nobody waits for these commits
/// (the job stays leased until then), so they can wait; enqueues, claims and flushes
/// are waited for and end the wait at once.
const LINGER: Duration = Duration::from_millis(5);

/// How long a lingering writer sleeps before looking for commands again.
const LINGER_SLICE: Duration = Duration::from_millis(1);

pub enum WriterCommand {
    /// Answered, after the commit, with what became of each event (a refused one is
    /// not queued; the others are).
    Enqueue(
        Vec<NewEvent>,
        oneshot::Sender<Result<Vec<Enqueued>, Arc<QueueError>>>,
    ),
    Update(JobUpdate),
    Claim {
        owner: String,
        limit: usize,
        lease_ms: i64,
        /// Integrations whose jobs are not to be claimed this time (enough wait).
        skip: Vec<String>,
        reply: oneshot::Sender<Claimed>,
    },
    Hold(Vec<String>),
    Prune {
        days: u32,
        rows: u64,
    },
    /// Answered once everything sent before it is committed.
    Flush(oneshot::Sender<()>),
}

pub type WriterSender = mpsc::Sender<WriterCommand>;

/// A claim's answer: the jobs, and, when there were fewer than asked for, when the
/// next one becomes due (none: no job waits), so an idle scheduler can sleep until then.
#[derive(Debug, Default)]
pub struct Claimed {
    pub jobs: Vec<ClaimedJob>,
    pub next_due_ms: Option<i64>,
}

/// With nothing to log or queue for this long the writer is idle: it adds attempts
/// to the text index (trigram indexing costs about three times the insert, so it is kept out of
/// the commits of a delivery burst).
const IDLE: Duration = Duration::from_millis(100);

/// How long an idle writer whose index has caught up waits before it looks again:
/// only its own commits add attempts, and they reset the wait. (It looked every
/// 100 ms, after every claim too: ten transactions a second on an idle appliance.)
const CAUGHT_UP: Duration = Duration::from_secs(60);

/// Attempts indexed per transaction when idle: a chunk takes some tens of
/// milliseconds, the longest a command that arrives meanwhile waits.
const INDEX_CHUNK: usize = 1000;

/// Beyond this many attempts not in the index, the writer indexes some after every
/// group, busy or not, so that a filter never reads more than about this many rows
/// directly.
const MAX_UNINDEXED: i64 = 10_000;

/// Attempts indexed at a time when busy, and how often at most: a chunk takes about
/// 15 ms, which the scheduler's buffer of claimed jobs covers, and indexes more than
/// a burst logs in the meantime, so the index catches up. Small chunks after every
/// group cost half as much again per row (each transaction writes a new index segment
/// holding every trigram it saw, and merges them).
const BUSY_INDEX_CHUNK: usize = 1000;
const BUSY_INDEX_EVERY: Duration = Duration::from_millis(50);

/// Indexes up to `chunk` attempts; returns how many (none after an error, logged).
fn index_text(queue: &mut Queue, chunk: usize, nudge: &Nudge) -> usize {
    match queue.index_text(chunk) {
        Ok(added) => {
            if added > 0 {
                nudge.committed();
            }
            added
        }
        Err(error) => {
            tracing::error!(%error, "indexing the attempt log's text failed");
            0
        }
    }
}

/// A chunk of indexing for an idle writer. Returns how long to wait for a command
/// before the next chunk (none when there is more), and since when the index has
/// caught up (if it has).
fn index_when_idle(queue: &mut Queue, nudge: &Nudge) -> (Duration, Option<Instant>) {
    match index_text(queue, INDEX_CHUNK, nudge) {
        0 => (CAUGHT_UP, Some(Instant::now())),
        added if added == INDEX_CHUNK => (Duration::ZERO, None),
        _ => (IDLE, None),
    }
}

impl WriterCommand {
    /// Attempts or events to write: the writer is busy, the index can wait.
    fn writes_rows(&self) -> bool {
        matches!(self, WriterCommand::Enqueue(..) | WriterCommand::Update(_))
    }

    /// Someone waits for the answer: the group is written without lingering.
    fn is_waited_for(&self) -> bool {
        matches!(
            self,
            WriterCommand::Enqueue(..) | WriterCommand::Claim { .. } | WriterCommand::Flush(_)
        )
    }
}

/// Starts the writer on `queue`. It ends when every sender is dropped, after writing
/// what it was given.
pub fn start(mut queue: Queue) -> std::io::Result<(WriterSender, JoinHandle<()>)> {
    let (sender, receiver) = mpsc::channel::<WriterCommand>();
    // Checkpoints run on the checkpointer's connection: in this thread, claims waited
    // behind them. Without one, the writer checkpoints as SQLite does by default.
    let (nudge, checkpointer) = match Queue::open(queue.path()) {
        Ok(own) => {
            let (nudge, handle) = checkpointer::start(own)?;
            if let Err(error) = queue.checkpoint_beyond(checkpointer::WRITER_CHECKPOINTS_BEYOND) {
                tracing::warn!(%error, "the queue writer keeps SQLite's own checkpoints");
            }
            (nudge, Some(handle))
        }
        Err(error) => {
            tracing::warn!(%error, "no checkpointer: the queue writer checkpoints itself");
            (Nudge::none(), None)
        }
    };
    let handle = std::thread::Builder::new()
        .name("queue-writer".into())
        .spawn(move || {
            // Until an idle writer has caught up, it looks again at once.
            let mut wait = IDLE;
            // Since when the index has had nothing to add: only the writer's own
            // commits add attempts, so it looks again after the next one, or after
            // CAUGHT_UP (a newer program's upgrade may have emptied the index).
            let mut caught_up_at: Option<Instant> = None;
            // Idle means nothing logged or queued for a while: the scheduler's claims
            // come every poll whether or not there is work.
            let mut last_write = Instant::now();
            let mut last_busy_index = Instant::now();
            loop {
                let first = match receiver.recv_timeout(wait) {
                    Ok(command) => command,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        // Only a writer idle for a while takes the big chunks; one
                        // whose channel is empty for a moment between deliveries waits.
                        if last_write.elapsed() >= IDLE {
                            (wait, caught_up_at) = index_when_idle(&mut queue, &nudge);
                        } else {
                            wait = IDLE;
                        }
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                };
                let deadline = Instant::now() + LINGER;
                let mut waited_for = first.is_waited_for();
                let mut writes = first.writes_rows();
                let mut group = vec![first];
                loop {
                    while group.len() < GROUP {
                        let Ok(command) = receiver.try_recv() else {
                            break;
                        };
                        waited_for |= command.is_waited_for();
                        writes |= command.writes_rows();
                        group.push(command);
                    }
                    let left = deadline.saturating_duration_since(Instant::now());
                    if waited_for || group.len() >= GROUP || left.is_zero() {
                        break;
                    }
                    // Lingering sleeps in slices and takes what came meanwhile: waiting
                    // on the channel woke this thread for every delivery's record (a
                    // futex wake on the sending side each time), and a slice is short
                    // enough for a claim or an enqueue that arrives meanwhile.
                    std::thread::sleep(left.min(LINGER_SLICE));
                }
                if run_group(&mut queue, group) {
                    nudge.committed();
                }
                if writes {
                    last_write = Instant::now();
                    wait = IDLE;
                    caught_up_at = None;
                }
                let look_again = caught_up_at.is_none_or(|at| at.elapsed() >= CAUGHT_UP);
                if last_write.elapsed() >= IDLE && look_again {
                    (wait, caught_up_at) = index_when_idle(&mut queue, &nudge);
                } else if last_busy_index.elapsed() >= BUSY_INDEX_EVERY
                    && queue.unindexed_text().unwrap_or(0) > MAX_UNINDEXED
                {
                    // Far behind (deliveries without a pause): index as part of the
                    // work, a chunk now and then, so claims and enqueues never wait
                    // long.
                    index_text(&mut queue, BUSY_INDEX_CHUNK, &nudge);
                    last_busy_index = Instant::now();
                }
            }
            // The checkpointer's last checkpoint and close come first: closed last,
            // this connection then finds the WAL copied and removes it.
            drop(nudge);
            if let Some(checkpointer) = checkpointer {
                let _ = checkpointer.join();
            }
        })?;
    Ok((sender, handle))
}

/// An answer the writer owes, sent once the group it belongs to is committed.
enum Answer {
    Enqueued(
        oneshot::Sender<Result<Vec<Enqueued>, Arc<QueueError>>>,
        Result<Vec<Enqueued>, Arc<QueueError>>,
    ),
    Claimed(oneshot::Sender<Claimed>, Claimed),
    Flushed(oneshot::Sender<()>),
}

impl Answer {
    fn send(self) {
        match self {
            Answer::Enqueued(reply, answer) => drop(reply.send(answer)),
            Answer::Claimed(reply, claimed) => drop(reply.send(claimed)),
            Answer::Flushed(reply) => drop(reply.send(())),
        }
    }

    /// The group was not committed: nothing was queued and no job claimed.
    fn send_failed(self, error: &Arc<QueueError>) {
        match self {
            Answer::Enqueued(reply, _) => drop(reply.send(Err(error.clone()))),
            Answer::Claimed(reply, _) => drop(reply.send(Claimed::default())),
            Answer::Flushed(reply) => drop(reply.send(())),
        }
    }
}

/// Runs a group of commands in one transaction, then answers them; returns whether
/// anything was committed. When the transaction cannot begin (the file stayed locked
/// past the busy timeout), each part commits on its own.
fn run_group(queue: &mut Queue, group: Vec<WriterCommand>) -> bool {
    if let Err(error) = queue.begin_group() {
        tracing::warn!(%error, "each write of the group commits on its own");
        let (changed, answers) = write_group(queue, group, false);
        answers.into_iter().for_each(Answer::send);
        return changed;
    }
    let (changed, answers) = write_group(queue, group, true);
    match queue.commit_group() {
        Ok(()) => {
            answers.into_iter().for_each(Answer::send);
            changed
        }
        Err(error) => {
            // Attempts are at least once: the jobs stay claimed, and the next worker
            // takes them over. An enqueue is answered with the error, a claim with no
            // jobs.
            tracing::error!(%error, "committing the group failed");
            let error = Arc::new(error);
            answers
                .into_iter()
                .for_each(|answer| answer.send_failed(&error));
            false
        }
    }
}

/// Writes a group of commands (each part in a savepoint of the group's transaction
/// when `grouped`); returns whether anything changed, and the answers to send after
/// the commit. Once SQLite has rolled back the group's transaction, the parts left
/// are not run (they would commit on their own, and a claim's jobs would stay leased
/// to a worker told it got none): the commit fails and every answer says so.
fn write_group(queue: &mut Queue, group: Vec<WriterCommand>, grouped: bool) -> (bool, Vec<Answer>) {
    let open = |queue: &Queue| !grouped || queue.group_is_open();
    let mut changed = false;
    let mut answers = Vec::new();
    let mut events = Vec::new();
    let mut waiting = Vec::new();
    let mut updates = Vec::new();
    let mut claims = Vec::new();
    let mut flushes = Vec::new();
    let mut hold = None;
    for command in group {
        match command {
            WriterCommand::Enqueue(batch, reply) => {
                waiting.push((batch.len(), reply));
                events.extend(batch);
            }
            WriterCommand::Update(update) => updates.push(update),
            WriterCommand::Claim {
                owner,
                limit,
                lease_ms,
                skip,
                reply,
            } => claims.push((owner, limit, lease_ms, skip, reply)),
            WriterCommand::Flush(reply) => flushes.push(reply),
            WriterCommand::Hold(disabled) => hold = Some(disabled),
            WriterCommand::Prune { .. } if !open(queue) => {}
            WriterCommand::Prune { days, rows } => match queue.prune(days, rows) {
                Ok(0) => {}
                Ok(n) => {
                    changed = true;
                    tracing::info!(deleted = n, "pruned the attempt log");
                }
                Err(error) => tracing::error!(%error, "pruning the attempt log failed"),
            },
        }
    }
    // Claims first: the group's updates settle jobs that are claimed, so they change
    // nothing a claim would take (a released job is claimed by the next claim
    // instead). A claim that got fewer jobs than it asked for also says when the next
    // job is due, and that is read after the group's updates, holds and enqueues,
    // which schedule retries and add jobs.
    let mut short_claims = Vec::new();
    for (owner, limit, lease_ms, skip, reply) in claims {
        if !open(queue) {
            answers.push(Answer::Claimed(reply, Claimed::default()));
            continue;
        }
        match queue.claim_except(&owner, limit, lease_ms, &skip) {
            Ok(jobs) if jobs.len() < limit => {
                changed |= !jobs.is_empty();
                short_claims.push((owner, jobs, reply));
            }
            Ok(jobs) => {
                changed = true;
                let claimed = Claimed {
                    jobs,
                    next_due_ms: None,
                };
                answers.push(Answer::Claimed(reply, claimed));
            }
            Err(error) => {
                tracing::error!(%error, "claiming jobs failed");
                answers.push(Answer::Claimed(reply, Claimed::default()));
            }
        }
    }
    if !updates.is_empty() && open(queue) {
        // Attempts are at least once: when this fails, the jobs stay claimed and are
        // taken over by the next worker.
        log_error("recording attempts", queue.apply(&updates));
        changed = true;
    }
    // After the updates: jobs released because their integration is disabled are held.
    if let Some(disabled) = hold.filter(|_| open(queue)) {
        log_error("hold", queue.hold_disabled(&disabled));
        changed = true;
    }
    if !events.is_empty() {
        changed = true;
        // Not run: the failed commit answers each sender with its error.
        let not_run = || Ok(Vec::new());
        match if open(queue) {
            queue.enqueue(&events)
        } else {
            not_run()
        } {
            Ok(enqueued) => {
                let mut enqueued = enqueued.into_iter();
                for (count, reply) in waiting {
                    let answer = Ok(enqueued.by_ref().take(count).collect());
                    answers.push(Answer::Enqueued(reply, answer));
                }
            }
            Err(error) => {
                tracing::error!(%error, "enqueue failed");
                let error = Arc::new(error);
                for (_, reply) in waiting {
                    answers.push(Answer::Enqueued(reply, Err(error.clone())));
                }
            }
        }
    }
    for (owner, jobs, reply) in short_claims {
        let next_due_ms = queue.next_due_ms(&owner).unwrap_or_else(|error| {
            tracing::error!(%error, "reading when the next job is due failed");
            None
        });
        answers.push(Answer::Claimed(reply, Claimed { jobs, next_due_ms }));
    }
    answers.extend(flushes.into_iter().map(Answer::Flushed));
    (changed, answers)
}

fn log_error(what: &str, result: Result<(), QueueError>) {
    if let Err(error) = result {
        tracing::error!(%error, "{what} failed");
    }
}
