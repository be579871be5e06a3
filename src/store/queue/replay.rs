//! Replay: a new job for an event already in the queue, named by its id or by one of
//! its attempts. An event id may be queued for several integrations; an attempt
//! names one job, so one integration.

use rusqlite::{OptionalExtension, params};

use super::{Queue, QueueError, now_ms};

/// An integration an ambiguous event id was queued for, with the number of its latest
/// attempt (none before the first), which names it as well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayChoice {
    pub integration: String,
    pub last_attempt: Option<i64>,
}

/// An event's key in the queue.
struct EventKey {
    integration: String,
    id: String,
}

impl Queue {
    /// A new job for an event: the same event id and payload, delivered again. `id` is
    /// an event id, or an attempt number as the log shows it (`#123`, or `123`: a `#`
    /// left unquoted starts a shell comment). An event id queued for several
    /// integrations needs `integration`; without it the answer is
    /// [`QueueError::Ambiguous`], listing them. Returns the new job's id.
    pub fn replay(&mut self, id: &str, integration: Option<&str>) -> Result<i64, QueueError> {
        let key = self.resolve_event(id, integration)?;
        let last_job: Option<i64> = self
            .conn
            .query_row(
                "SELECT max(id) FROM jobs WHERE event_id = ?1 AND integration = ?2",
                params![key.id, key.integration],
                |row| row.get(0),
            )
            .map_err(|e| self.error(e))?;
        self.conn
            .execute(
                "INSERT INTO jobs (event_id, integration, state, next_attempt_at, created, \
                 replay_of) VALUES (?1, ?2, 'queued', ?3, ?3, ?4)",
                params![key.id, key.integration, now_ms(), last_job],
            )
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    fn resolve_event(&self, id: &str, integration: Option<&str>) -> Result<EventKey, QueueError> {
        let not_found = || match integration {
            Some(integration) => QueueError::NotQueuedFor {
                id: id.to_string(),
                integration: integration.to_string(),
            },
            None => QueueError::NotFound(id.to_string()),
        };
        let of_integration =
            |key: &EventKey| integration.is_none_or(|name| key.integration == name);
        if let Some(number) = id.strip_prefix('#') {
            let found = match number.parse() {
                Ok(number) => self.by_attempt(number)?,
                Err(_) => None,
            };
            return found.filter(of_integration).ok_or_else(not_found);
        }
        // An event id first: other services may choose their own, digits too. Every
        // event has a job, and jobs are indexed by event id (events by integration).
        let mut integrations: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT integration FROM jobs WHERE event_id = ?1 ORDER BY integration",
            )
            .and_then(|mut select| {
                select
                    .query_map(params![id], |row| row.get(0))?
                    .collect::<Result<_, _>>()
            })
            .map_err(|e| self.error(e))?;
        if let Some(name) = integration {
            integrations.retain(|candidate| candidate == name);
        }
        match integrations.len() {
            0 => match id.parse() {
                Ok(number) => self
                    .by_attempt(number)?
                    .filter(of_integration)
                    .ok_or_else(not_found),
                Err(_) => Err(not_found()),
            },
            1 => Ok(EventKey {
                integration: integrations.remove(0),
                id: id.to_string(),
            }),
            _ => Err(QueueError::Ambiguous {
                id: id.to_string(),
                choices: self.choices(id)?,
            }),
        }
    }

    /// The event of attempt `number`, through its job: the job follows a rename, the
    /// attempt keeps the name it was made under.
    fn by_attempt(&self, number: i64) -> Result<Option<EventKey>, QueueError> {
        self.conn
            .query_row(
                "SELECT j.integration, j.event_id FROM attempts a JOIN jobs j ON j.id = a.job_id \
                 WHERE a.id = ?1",
                params![number],
                |row| {
                    Ok(EventKey {
                        integration: row.get(0)?,
                        id: row.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    fn choices(&self, id: &str) -> Result<Vec<ReplayChoice>, QueueError> {
        self.conn
            .prepare(
                "SELECT j.integration, max(a.id) FROM jobs j \
                 LEFT JOIN attempts a ON a.event_id = j.event_id AND a.job_id = j.id \
                 WHERE j.event_id = ?1 GROUP BY j.integration ORDER BY j.integration",
            )
            .and_then(|mut select| {
                select
                    .query_map(params![id], |row| {
                        Ok(ReplayChoice {
                            integration: row.get(0)?,
                            last_attempt: row.get(1)?,
                        })
                    })?
                    .collect()
            })
            .map_err(|e| self.error(e))
    }
}
