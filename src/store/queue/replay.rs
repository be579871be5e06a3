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

/// What became of a replay's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replayed {
    /// A new job, due now: the event had none waiting.
    Queued(i64),
    /// The event's job was still waiting (its first try, or a retry): it is due now
    /// instead of queued twice (which would deliver it twice).
    DueNow(i64),
    /// The event's job is claimed by the worker: being delivered, or, when the worker
    /// was stopped meanwhile, the next one to start takes it at once.
    InFlight(i64),
    /// The event's job is held (its integration disabled, or without its site or
    /// authorization): it goes when the hold ends.
    Held(i64),
}

impl Replayed {
    pub fn job(self) -> i64 {
        match self {
            Replayed::Queued(job)
            | Replayed::DueNow(job)
            | Replayed::InFlight(job)
            | Replayed::Held(job) => job,
        }
    }

    /// The word `replay --json` gives it.
    pub fn word(self) -> &'static str {
        match self {
            Replayed::Queued(_) => "queued",
            Replayed::DueNow(_) => "due_now",
            Replayed::InFlight(_) => "in_flight",
            Replayed::Held(_) => "held",
        }
    }
}

/// A replay: the event (named by its id even when the replay named an attempt) and
/// what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub event_id: String,
    pub integration: String,
    pub replayed: Replayed,
}

impl Replay {
    /// What became of the replay, for the person who asked (`replay` prints it, LOGS
    /// shows it).
    pub fn describe(&self) -> String {
        let (event, name) = (&self.event_id, &self.integration);
        match self.replayed {
            Replayed::Queued(job) => format!("{event} queued again for `{name}` as job {job}"),
            Replayed::DueNow(job) => format!(
                "{event} was still waiting for `{name}` (job {job}): it is due now, not \
                 queued twice"
            ),
            Replayed::InFlight(job) => format!(
                "{event} is claimed by the worker for `{name}` (job {job}): being delivered, \
                 or taken first by the next worker to start; not queued twice"
            ),
            Replayed::Held(job) => format!(
                "{event} waits in job {job}, held until `{name}` can deliver (see status): \
                 not queued twice"
            ),
        }
    }
}

/// An event's key in the queue.
struct EventKey {
    integration: String,
    id: String,
}

impl Queue {
    /// The event delivered again: the same event id and payload. `id` is an event id,
    /// or an attempt number as the log shows it (`#123`, or `123`: a `#` left unquoted
    /// starts a shell comment). An event id queued for several integrations needs
    /// `integration`; without it the answer is [`QueueError::Ambiguous`], listing
    /// them. An event whose job still waits is not queued twice (see [`Replayed`]); one
    /// whose integration `exists` says is gone is refused
    /// ([`QueueError::IntegrationGone`]): its job would only die.
    pub fn replay(
        &mut self,
        id: &str,
        integration: Option<&str>,
        exists: impl Fn(&str) -> bool,
    ) -> Result<Replay, QueueError> {
        let key = self.resolve_event(id, integration)?;
        if !exists(&key.integration) {
            return Err(QueueError::IntegrationGone {
                id: key.id,
                integration: key.integration,
            });
        }
        let path = self.path.clone();
        let fail = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        let now = now_ms();
        // Immediate: a deferred transaction that reads and then writes gets "database
        // is locked" at once, without the busy wait, when the worker committed between.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(fail)?;
        let latest: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, state FROM jobs WHERE event_id = ?1 AND integration = ?2 \
                 ORDER BY id DESC LIMIT 1",
                params![key.id, key.integration],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(fail)?;
        let replayed = match latest {
            Some((job, state)) if state == "queued" => {
                tx.execute(
                    "UPDATE jobs SET next_attempt_at = min(next_attempt_at, ?2) WHERE id = ?1",
                    params![job, now],
                )
                .map_err(fail)?;
                Replayed::DueNow(job)
            }
            Some((job, state)) if state == "claimed" => Replayed::InFlight(job),
            Some((job, state)) if state == "held" => Replayed::Held(job),
            last => {
                tx.execute(
                    "INSERT INTO jobs (event_id, integration, state, next_attempt_at, created, \
                     replay_of) VALUES (?1, ?2, 'queued', ?3, ?3, ?4)",
                    params![key.id, key.integration, now, last.map(|(job, _)| job)],
                )
                .map_err(fail)?;
                Replayed::Queued(tx.last_insert_rowid())
            }
        };
        tx.commit().map_err(fail)?;
        Ok(Replay {
            event_id: key.id,
            integration: key.integration,
            replayed,
        })
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
            let found = match attempt_number(number) {
                Some(number) => self.by_attempt(number)?,
                None => None,
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
            0 => match attempt_number(id) {
                Some(number) => self
                    .by_attempt(number)?
                    .filter(of_integration)
                    .ok_or_else(not_found),
                None => Err(not_found()),
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

/// An attempt number as the log shows it: digits only (`+1` and ` 1` are no number
/// the log shows).
fn attempt_number(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
