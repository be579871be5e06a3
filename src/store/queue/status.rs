//! What `status` reads of the queue: the jobs that wait, per integration, and what the
//! attempt log says of each integration lately. Every query is answered from an index
//! (the partial job indexes of schema 4, the attempt indexes by time and by
//! integration, outcome and id), so what it costs grows with the jobs that wait, the
//! last hour's attempts and the dead ones, not with the length of the log.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::attempt::AttemptOutcome;

const HOUR_MS: i64 = 3_600_000;
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

/// Where the windows [`Queue::recent`] counts in begin in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogWindows {
    /// The first attempt of the retention window.
    dead_from: i64,
    /// The lowest id of an attempt made in the last hour. Ids are given as attempts
    /// are committed, not as they start, so an attempt of the hour can have a lower id
    /// than one made before it: the lowest, not the first in time, bounds the count.
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

    /// The windows of [`Queue::recent`]: dead attempts since `dead_since_ms` (the
    /// retention window), deliveries and failures since `hour_since_ms`. Found once for
    /// every integration asked about, on the time index alone (it holds the ids).
    pub fn log_windows(
        &self,
        dead_since_ms: i64,
        hour_since_ms: i64,
    ) -> Result<LogWindows, QueueError> {
        let first = |sql: &str, since: i64| -> Result<i64, QueueError> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut select| select.query_row(params![since], |row| row.get(0)))
                .map_err(|e| self.error(e))
        };
        // The retention window's first attempt in time: its edge, a month back, is
        // not worth reading the whole window for the lowest id (pruning cuts by time
        // every ten minutes anyway).
        let dead_from = first(
            "SELECT coalesce((SELECT id FROM attempts WHERE at >= ?1 ORDER BY at LIMIT 1), \
             (SELECT coalesce(max(id), 0) + 1 FROM attempts))",
            dead_since_ms,
        )?;
        // An attempt lasts minutes at most (the timeouts are 600 s each), so one made
        // an hour before the hour began was committed, and numbered, before any attempt
        // of the hour: the table is walked in id order from the last such attempt to
        // the first attempt of the hour, an hour of the log at most however long it is.
        let hour_from = self
            .conn
            .prepare_cached(
                "SELECT coalesce((SELECT id FROM attempts NOT INDEXED \
                 WHERE id > coalesce((SELECT id FROM attempts WHERE at < ?2 \
                 ORDER BY at DESC LIMIT 1), 0) AND at >= ?1 ORDER BY id LIMIT 1), \
                 (SELECT coalesce(max(id), 0) + 1 FROM attempts))",
            )
            .and_then(|mut select| {
                select.query_row(params![hour_since_ms, hour_since_ms - HOUR_MS], |row| {
                    row.get(0)
                })
            })
            .map_err(|e| self.error(e))?;
        Ok(LogWindows {
            dead_from,
            hour_from,
        })
    }

    /// What the log says of `integration`: dead attempts in the retention window, the
    /// last hour's deliveries and failures, and its last attempt. Counted on the index
    /// by integration, outcome and id alone, from where each window begins, so only
    /// the window is read and no row. (An attempt that started just before the hour
    /// and was committed after one of the hour counts in the hour.)
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
        let last = self.last_attempt(integration)?;
        let LogWindows {
            dead_from,
            hour_from,
        } = windows;
        let hour = |outcome| count(outcome, hour_from);
        Ok(Recent {
            dead: count(AttemptOutcome::Dead, dead_from)?,
            delivered_last_hour: hour(AttemptOutcome::Delivered)?,
            failed_last_hour: hour(AttemptOutcome::Retry)? + hour(AttemptOutcome::Dead)?,
            last,
        })
    }

    /// The last attempt the log holds for `integration` (one seek on the index by
    /// integration and id): the list's last delivery, after a restart too.
    pub fn last_attempt(&self, integration: &str) -> Result<Option<LastAttempt>, QueueError> {
        self.conn
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
            .map_err(|e| self.error(e))
    }
}
