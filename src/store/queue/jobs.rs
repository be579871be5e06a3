//! Jobs: claim with a lease, record the outcome of attempts in groups, release and
//! take over leases, hold jobs of disabled integrations, follow a rename.

use rusqlite::params;

use super::attempt::{AttemptRecord, INSERT};
use super::{JobState, Queue, QueueError, now_ms};

/// A job the worker holds a lease on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub job_id: i64,
    pub event_id: String,
    pub integration: String,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub created_ms: i64,
}

/// A claim's query: the columns [`claimed_job`] reads, in its order, for the jobs
/// `$condition` picks.
macro_rules! claim_query {
    ($condition:literal) => {
        concat!(
            "SELECT j.id, j.event_id, j.integration, e.type, e.payload, j.attempts, e.created \
             FROM jobs j JOIN events e ON e.integration = j.integration AND e.id = j.event_id \
             WHERE ",
            $condition
        )
    };
}

fn claimed_job(row: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimedJob> {
    Ok(ClaimedJob {
        job_id: row.get(0)?,
        event_id: row.get(1)?,
        integration: row.get(2)?,
        event_type: row.get(3)?,
        payload: row.get(4)?,
        attempts: row.get(5)?,
        created_ms: row.get(6)?,
    })
}

/// What a rename moved in the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MovedJobs {
    /// Jobs still to deliver (queued, held or claimed).
    pub waiting: usize,
    /// Events a removed integration of the new name left with an id the renamed one
    /// has too, dropped.
    pub dropped_leftovers: usize,
}

/// What becomes of a claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobUpdate {
    /// Record attempts and settle the job (delivered, dead, or queued again).
    Finished {
        job_id: i64,
        attempts: u32,
        state: JobState,
        next_attempt_ms: i64,
        records: Vec<AttemptRecord>,
    },
    /// Give the lease back untouched (shutdown, integration held).
    Release { job_id: i64 },
    /// Give the lease back and hold the job: its integration cannot be sent to until
    /// a person acts (it has no token). The next hold the scheduler sends decides
    /// again.
    Hold { job_id: i64 },
}

impl Queue {
    /// Claims up to `limit` due jobs for `owner` until `lease_ms` from now, oldest due
    /// first. A claimed job whose lease ran out is due again.
    pub fn claim(
        &mut self,
        owner: &str,
        limit: usize,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedJob>, QueueError> {
        self.claim_except(owner, limit, lease_ms, &[])
    }

    /// [`Queue::claim`], passing over the jobs of the integrations in `skip`: the
    /// worker has enough of theirs waiting already (a slow receiver's backlog), and
    /// claiming more of them in due order would keep every other integration's jobs
    /// from being claimed at all.
    pub fn claim_except(
        &mut self,
        owner: &str,
        limit: usize,
        lease_ms: i64,
        skip: &[String],
    ) -> Result<Vec<ClaimedJob>, QueueError> {
        let path = self.path.clone();
        let fail = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        let now = now_ms();
        // The names as one JSON array, read by json_each: one statement to cache
        // whatever their number.
        let skipped = serde_json::to_string(skip).unwrap_or_else(|_| "[]".into());
        // A savepoint: its own transaction, or a part of the writer's group
        // ([`Queue::in_one_transaction`]).
        let tx = self.conn.savepoint().map_err(fail)?;
        let claimed = {
            // Two index-backed queries rather than one OR: due queued jobs, then
            // claims whose lease ran out (few: one worker runs per home). Not the
            // claimer's own: it still holds those (pending, or waiting on a slow
            // receiver), and would deliver them twice; a worker that starts releases
            // every claim left by the one before it.
            let mut claimed = tx
                .prepare_cached(claim_query!(
                    "j.state = 'queued' AND j.next_attempt_at <= ?1 \
                     AND j.integration NOT IN (SELECT value FROM json_each(?3)) \
                     ORDER BY j.next_attempt_at LIMIT ?2"
                ))
                .and_then(|mut select| {
                    select
                        .query_map(params![now, limit as i64, skipped], claimed_job)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(fail)?;
            let room = limit.saturating_sub(claimed.len());
            if room > 0 {
                let expired = tx
                    .prepare_cached(claim_query!(
                        "j.state = 'claimed' AND j.lease_expires < ?1 \
                         AND j.lease_owner IS NOT ?3 \
                         AND j.integration NOT IN (SELECT value FROM json_each(?4)) LIMIT ?2"
                    ))
                    .and_then(|mut select| {
                        select
                            .query_map(params![now, room as i64, owner, skipped], claimed_job)?
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .map_err(fail)?;
                claimed.extend(expired);
            }
            let mut lease = tx
                .prepare_cached(
                    "UPDATE jobs SET state = 'claimed', lease_owner = ?2, lease_expires = ?3 \
                     WHERE id = ?1",
                )
                .map_err(fail)?;
            for job in &claimed {
                lease
                    .execute(params![job.job_id, owner, now + lease_ms])
                    .map_err(fail)?;
            }
            claimed
        };
        tx.commit().map_err(fail)?;
        Ok(claimed)
    }

    /// When a job next becomes claimable by `owner`: the earliest due time of a queued
    /// job, or the earliest expiry of another worker's lease; none when no job waits.
    /// Both are read from the partial job indexes.
    pub fn next_due_ms(&self, owner: &str) -> Result<Option<i64>, QueueError> {
        self.conn
            .prepare_cached(
                "SELECT MIN(due) FROM ( \
                 SELECT MIN(next_attempt_at) AS due FROM jobs WHERE state = 'queued' \
                 UNION ALL SELECT MIN(lease_expires) FROM jobs \
                 WHERE state = 'claimed' AND lease_owner IS NOT ?1)",
            )
            .and_then(|mut select| select.query_row(params![owner], |row| row.get(0)))
            .map_err(|e| self.error(e))
    }

    /// Applies a group of updates in one transaction (the writer's group commit).
    pub fn apply(&mut self, updates: &[JobUpdate]) -> Result<(), QueueError> {
        let path = self.path.clone();
        let fail = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        // A savepoint, as in a claim.
        let tx = self.conn.savepoint().map_err(fail)?;
        {
            let mut insert = tx.prepare_cached(INSERT).map_err(fail)?;
            let mut settle = tx
                .prepare_cached(
                    "UPDATE jobs SET state = ?2, attempts = ?3, next_attempt_at = ?4, \
                     lease_owner = NULL, lease_expires = NULL WHERE id = ?1",
                )
                .map_err(fail)?;
            let mut release = tx
                .prepare_cached(
                    "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL \
                     WHERE id = ?1 AND state = 'claimed'",
                )
                .map_err(fail)?;
            let mut hold = tx
                .prepare_cached(
                    "UPDATE jobs SET state = 'held', lease_owner = NULL, lease_expires = NULL \
                     WHERE id = ?1 AND state = 'claimed'",
                )
                .map_err(fail)?;
            for update in updates {
                match update {
                    JobUpdate::Hold { job_id } => {
                        hold.execute(params![job_id]).map_err(fail)?;
                    }
                    JobUpdate::Finished {
                        job_id,
                        attempts,
                        state,
                        next_attempt_ms,
                        records,
                    } => {
                        for record in records {
                            record.insert(&mut insert).map_err(fail)?;
                        }
                        settle
                            .execute(params![job_id, state.as_str(), attempts, next_attempt_ms])
                            .map_err(fail)?;
                    }
                    JobUpdate::Release { job_id } => {
                        release.execute(params![job_id]).map_err(fail)?;
                    }
                }
            }
        }
        tx.commit().map_err(fail)
    }

    /// Every claimed job goes back to the queue: a worker starting (it holds the
    /// worker lock, so whoever claimed them is gone) takes them over at once.
    pub fn release_all_claims(&mut self) -> Result<usize, QueueError> {
        self.conn
            .execute(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL \
                 WHERE state = 'claimed'",
                [],
            )
            .map_err(|e| self.error(e))
    }

    /// Holds the queued jobs of `disabled` integrations (any hold reason) and queues
    /// again the held jobs of every other one.
    pub fn hold_disabled(&mut self, disabled: &[String]) -> Result<(), QueueError> {
        let list = serde_json::to_string(disabled).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "UPDATE jobs SET state = 'held' WHERE state = 'queued' \
                 AND integration IN (SELECT value FROM json_each(?1))",
                params![list],
            )
            .map_err(|e| self.error(e))?;
        self.conn
            .execute(
                "UPDATE jobs SET state = 'queued' WHERE state = 'held' \
                 AND integration NOT IN (SELECT value FROM json_each(?1))",
                params![list],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Moves the events and jobs of integration `old` to `new` (it was renamed), so
    /// that what waits is delivered under the new name and a replay goes there too.
    /// The attempt log keeps the name each attempt was made under.
    ///
    /// Events already under `new` were left by a removed integration of that name; one
    /// whose id `old` has too would take the same key, and is dropped with its jobs
    /// (what was tried stays in the attempt log), since it is no longer anyone's.
    pub fn rename_integration(&mut self, old: &str, new: &str) -> Result<MovedJobs, QueueError> {
        if old == new {
            return Ok(MovedJobs::default());
        }
        let path = self.path.clone();
        let fail = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(fail)?;
        let dropped_leftovers = tx
            .execute(
                "DELETE FROM events WHERE integration = ?2 \
                 AND id IN (SELECT id FROM events WHERE integration = ?1)",
                params![old, new],
            )
            .map_err(fail)?;
        let waiting: i64 = tx
            .query_row(
                "SELECT count(*) FROM jobs WHERE integration = ?1 \
                 AND state IN ('queued', 'held', 'claimed')",
                params![old],
                |row| row.get(0),
            )
            .map_err(fail)?;
        // Jobs follow their event's key (ON UPDATE CASCADE).
        tx.execute(
            "UPDATE events SET integration = ?2 WHERE integration = ?1",
            params![old, new],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(MovedJobs {
            waiting: waiting as usize,
            dropped_leftovers,
        })
    }

    /// How many jobs are in each state.
    pub fn counts(&self) -> Result<Vec<(String, i64)>, QueueError> {
        let mut statement = self
            .conn
            .prepare("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}
