//! Held events expire by the retention setting. A held job waits for a person (an
//! integration switched off, not authorized, or with no site yet) rather than dying
//! after its attempts; without a bound it would wait, and keep its event, for ever.
//! After `retention_days` since it was queued it is settled as dead, with a line in the
//! log saying why, so that LOGS and `status` show it like any other dead event.

use rusqlite::params;

use super::attempt::AttemptRecord;
use super::jobs::JobUpdate;
use super::{AttemptOutcome, JobState, Queue, QueueError, now_ms};

/// The log's error class of an expired event.
pub const EXPIRED_CLASS: &str = "expired";

impl Queue {
    /// Settles as dead every held job whose event was queued more than `days` days
    /// ago, logging one attempt each that says so. Returns how many.
    pub fn expire_held(&mut self, days: u32) -> Result<usize, QueueError> {
        let now = now_ms();
        let cutoff = now - i64::from(days) * 86_400_000;
        let expired: Vec<JobUpdate> = self
            .conn
            .prepare_cached(
                "SELECT j.id, j.event_id, j.integration, e.type, j.attempts, length(e.payload) \
                 FROM jobs j JOIN events e ON e.integration = j.integration AND e.id = j.event_id \
                 WHERE j.state = 'held' AND e.created < ?1",
            )
            .and_then(|mut select| {
                select
                    .query_map(params![cutoff], |row| {
                        let job_id: i64 = row.get(0)?;
                        let attempts: u32 = row.get(4)?;
                        let body_bytes: i64 = row.get(5)?;
                        Ok(JobUpdate::Finished {
                            job_id,
                            attempts,
                            state: JobState::Dead,
                            next_attempt_ms: now,
                            records: vec![AttemptRecord {
                                job_id,
                                event_id: row.get(1)?,
                                integration: row.get(2)?,
                                event_type: row.get(3)?,
                                at_ms: now,
                                // Not a try: the count stays, the line says why it ended.
                                attempt: attempts,
                                max_attempts: attempts,
                                outcome: AttemptOutcome::Dead,
                                error_class: Some(EXPIRED_CLASS.into()),
                                status: None,
                                duration_ms: 0,
                                next_retry_ms: None,
                                summary: format!(
                                    "expired: held for {days} days (retention_days) without being sent"
                                ),
                                request: format!("{{\"body_bytes\":{body_bytes}}}"),
                                response: None,
                            }],
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| self.error(e))?;
        if !expired.is_empty() {
            self.apply(&expired)?;
            tracing::info!(count = expired.len(), days, "held events expired");
        }
        Ok(expired.len())
    }
}
