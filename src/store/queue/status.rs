//! What `status` reads of the queue: the jobs that wait, per integration, and what the
//! attempt log says of each integration lately. Every query is answered from an index
//! (the partial job indexes of schema 4, the attempt indexes by integration, outcome
//! and id), so the answer costs the same with a log of a million attempts as with an
//! empty one: the jobs that wait are read, the delivered ones are not.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::attempt::AttemptOutcome;
use super::{Queue, QueueError};

/// The jobs of one integration that are not settled yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Queued and never tried.
    pub queued: u64,
    /// Queued again after a failed attempt.
    pub retrying: u64,
    /// When the first of those is tried again (ms since the epoch).
    pub next_retry_ms: Option<i64>,
    /// Kept back while the integration cannot be delivered to.
    pub held: u64,
    /// When the oldest held job was queued.
    pub oldest_held_ms: Option<i64>,
    /// Claimed by the worker: being delivered.
    pub delivering: u64,
    /// When the oldest of all these jobs was queued.
    pub oldest_ms: Option<i64>,
}

impl Waiting {
    pub fn total(&self) -> u64 {
        self.queued + self.retrying + self.held + self.delivering
    }

    /// The same jobs seen as held: an integration that holds its events holds the
    /// queued ones too as soon as the worker reads that (or, stopped, when it starts).
    pub fn all_held(self) -> Waiting {
        Waiting {
            queued: 0,
            retrying: 0,
            next_retry_ms: None,
            held: self.held + self.queued + self.retrying,
            oldest_held_ms: earliest(self.oldest_held_ms, self.oldest_ms),
            ..self
        }
    }

    pub fn add(&mut self, other: &Waiting) {
        self.queued += other.queued;
        self.retrying += other.retrying;
        self.held += other.held;
        self.delivering += other.delivering;
        self.next_retry_ms = earliest(self.next_retry_ms, other.next_retry_ms);
        self.oldest_held_ms = earliest(self.oldest_held_ms, other.oldest_held_ms);
        self.oldest_ms = earliest(self.oldest_ms, other.oldest_ms);
    }
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The last attempt the log holds for an integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastAttempt {
    pub at_ms: i64,
    pub outcome: AttemptOutcome,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub summary: String,
}

/// The first attempt id of each window [`Queue::recent`] counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogWindows {
    dead_from: i64,
    hour_from: i64,
}

/// What the log says of one integration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recent {
    /// Attempts that ended a job as dead in the retention window.
    pub dead: u64,
    /// Delivered attempts in the last hour.
    pub delivered_last_hour: u64,
    /// Failed attempts (retried or dead) in the last hour.
    pub failed_last_hour: u64,
    pub last: Option<LastAttempt>,
}

impl Queue {
    /// The jobs not settled, by integration (the names the queue holds), and in total.
    /// Three queries, each on its partial index.
    pub fn waiting(&self) -> Result<(BTreeMap<String, Waiting>, Waiting), QueueError> {
        let mut by_name: BTreeMap<String, Waiting> = BTreeMap::new();
        // The state conditions match the partial indexes' exactly, so SQLite uses them
        // and never reads the delivered jobs.
        let mut queued = self
            .conn
            .prepare_cached(
                "SELECT integration, attempts > 0, count(*), min(next_attempt_at), min(created) \
                 FROM jobs WHERE state = 'queued' GROUP BY integration, attempts > 0",
            )
            .map_err(|e| self.error(e))?;
        let rows = queued
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })
            .map_err(|e| self.error(e))?;
        for row in rows {
            let (name, tried, count, next, created) = row.map_err(|e| self.error(e))?;
            let entry = by_name.entry(name).or_default();
            if tried {
                entry.retrying += count as u64;
                entry.next_retry_ms = earliest(entry.next_retry_ms, Some(next));
            } else {
                entry.queued += count as u64;
            }
            entry.oldest_ms = earliest(entry.oldest_ms, Some(created));
        }
        for (state, held) in [("held", true), ("claimed", false)] {
            let sql = format!(
                "SELECT integration, count(*), min(created) FROM jobs \
                 WHERE state = '{state}' GROUP BY integration"
            );
            let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                })
                .map_err(|e| self.error(e))?;
            for row in rows {
                let (name, count, created) = row.map_err(|e| self.error(e))?;
                let entry = by_name.entry(name).or_default();
                if held {
                    entry.held += count as u64;
                    entry.oldest_held_ms = earliest(entry.oldest_held_ms, Some(created));
                } else {
                    entry.delivering += count as u64;
                }
                entry.oldest_ms = earliest(entry.oldest_ms, Some(created));
            }
        }
        let mut total = Waiting::default();
        for waiting in by_name.values() {
            total.add(waiting);
        }
        Ok((by_name, total))
    }

    /// Where the windows of [`Queue::recent`] begin in the log: the first attempt at
    /// `dead_since_ms` (the retention window) and at `hour_since_ms` or later. Found
    /// once on the time index for every integration asked about.
    pub fn log_windows(
        &self,
        dead_since_ms: i64,
        hour_since_ms: i64,
    ) -> Result<LogWindows, QueueError> {
        Ok(LogWindows {
            dead_from: self.first_attempt_since(dead_since_ms)?,
            hour_from: self.first_attempt_since(hour_since_ms)?,
        })
    }

    /// What the log says of `integration`: dead attempts in the retention window, the
    /// last hour's deliveries and failures, and its last attempt. Counted on the index
    /// by integration, outcome and id from where each window begins (ids grow with
    /// time), so only that window is read.
    pub fn recent(&self, integration: &str, windows: LogWindows) -> Result<Recent, QueueError> {
        let count = |outcome: AttemptOutcome, from: i64| -> Result<u64, QueueError> {
            self.conn
                .prepare_cached(
                    "SELECT count(*) FROM attempts \
                     WHERE integration = ?1 AND outcome = ?2 AND id >= ?3",
                )
                .and_then(|mut select| {
                    select.query_row(params![integration, outcome, from], |row| {
                        row.get::<_, i64>(0)
                    })
                })
                .map(|count| count as u64)
                .map_err(|e| self.error(e))
        };
        let last = self
            .conn
            .prepare_cached(
                "SELECT at, outcome, status, summary FROM attempts \
                 WHERE integration = ?1 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut select| {
                select
                    .query_row(params![integration], |row| {
                        Ok(LastAttempt {
                            at_ms: row.get(0)?,
                            outcome: row.get(1)?,
                            status: row.get(2)?,
                            summary: row.get(3)?,
                        })
                    })
                    .optional()
            })
            .map_err(|e| self.error(e))?;
        let LogWindows {
            dead_from,
            hour_from,
        } = windows;
        Ok(Recent {
            dead: count(AttemptOutcome::Dead, dead_from)?,
            delivered_last_hour: count(AttemptOutcome::Delivered, hour_from)?,
            failed_last_hour: count(AttemptOutcome::Retry, hour_from)?
                + count(AttemptOutcome::Dead, hour_from)?,
            last,
        })
    }

    /// The id of the first attempt made at `since_ms` or later (one past the last id
    /// when there is none), found on the time index.
    fn first_attempt_since(&self, since_ms: i64) -> Result<i64, QueueError> {
        self.conn
            .prepare_cached(
                "SELECT coalesce((SELECT id FROM attempts WHERE at >= ?1 ORDER BY at LIMIT 1), \
                 (SELECT coalesce(max(id), 0) + 1 FROM attempts))",
            )
            .and_then(|mut select| select.query_row(params![since_ms], |row| row.get(0)))
            .map_err(|e| self.error(e))
    }
}
