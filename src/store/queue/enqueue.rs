//! Enqueueing: events and their first jobs, many in one transaction. An event id is
//! unique per integration: one scanner event may go to Jira and to Teams under one id.
//! The same event again (same integration, id, type and payload) is a duplicate,
//! acknowledged and not queued twice; the same id with a different event is refused.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Queue, QueueError, now_ms};

/// An event to deliver. Without an id, one is made; with one the integration already
/// has, nothing new is queued (an appliance service may send the same event twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub integration: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub payload: String,
    /// For an event sent with an id: a digest of what its sender sent (see
    /// [`fingerprint`]). A resend under that id is the same event when this is the
    /// same, though its template may render another body (one printing the time of
    /// queueing does). Without one, the rendered payload alone decides.
    #[serde(skip)]
    pub fingerprint: Option<[u8; 32]>,
}

/// A stable, unique, sortable event id: time in ms, then 64 random bits.
pub fn new_event_id() -> String {
    format!("evt_{:012x}{:016x}", now_ms(), fastrand::u64(..))
}

/// The digest of an event as its sender gave it, before rendering (its fields and its
/// payload or template, as JSON; object keys come out sorted, so their order does not
/// count).
pub fn fingerprint(sent: &serde_json::Value) -> [u8; 32] {
    Sha256::digest(sent.to_string().as_bytes()).into()
}

/// What became of one event given to [`Queue::enqueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub id: String,
    pub integration: String,
    pub status: EnqueueStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueStatus {
    /// A new job.
    Queued,
    /// The integration already has this very event: nothing new was queued.
    Duplicate,
    /// The integration already has another event under this id: refused.
    Conflict(Difference),
}

/// How a refused event differs from the one the integration has under its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    Payload,
    Type,
}

impl EnqueueStatus {
    /// As the socket's answers and `send --json` name it.
    pub fn as_str(self) -> &'static str {
        match self {
            EnqueueStatus::Queued => "queued",
            EnqueueStatus::Duplicate => "duplicate",
            EnqueueStatus::Conflict(_) => "conflict",
        }
    }
}

impl Enqueued {
    /// Why the event was refused, for its sender; none when it was taken.
    pub fn refusal(&self) -> Option<String> {
        let EnqueueStatus::Conflict(difference) = self.status else {
            return None;
        };
        let what = match difference {
            Difference::Payload => "payload",
            Difference::Type => "type",
        };
        Some(format!(
            "the event id `{}` is already taken for `{}` by an event with a different {what}; \
             a changed event needs an id of its own",
            self.id, self.integration
        ))
    }
}

/// Refused events of an all-or-none enqueue, each with its index among the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<(usize, Enqueued)>);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reasons: Vec<String> = self
            .0
            .iter()
            .filter_map(|(_, enqueued)| enqueued.refusal())
            .collect();
        write!(f, "nothing was queued: {}", reasons.join("; "))
    }
}

impl Queue {
    /// Queues the events in one transaction and says, in order, what became of each:
    /// refused ones are answered and the others committed (the worker's socket, where
    /// each line is answered on its own).
    pub fn enqueue(&mut self, events: &[NewEvent]) -> Result<Vec<Enqueued>, QueueError> {
        let path = self.path.clone();
        let fail = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        // A savepoint: its own transaction, or a part of the writer's group.
        let tx = self.conn.savepoint().map_err(fail)?;
        let answers = insert(&tx, events).map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(answers)
    }

    /// Queues all the events or none (`send --batch`): when one is refused, nothing is
    /// committed and [`QueueError::Refused`] lists the refused ones.
    pub fn enqueue_all_or_none(
        &mut self,
        events: &[NewEvent],
    ) -> Result<Vec<Enqueued>, QueueError> {
        let path = self.path.clone();
        let fail = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(fail)?;
        let answers = insert(&tx, events).map_err(fail)?;
        let refused: Vec<(usize, Enqueued)> = answers
            .iter()
            .enumerate()
            .filter(|(_, answer)| matches!(answer.status, EnqueueStatus::Conflict(_)))
            .map(|(index, answer)| (index, answer.clone()))
            .collect();
        if !refused.is_empty() {
            // Dropping the transaction rolls it back.
            return Err(QueueError::Refused(Refused(refused)));
        }
        tx.commit().map_err(fail)?;
        Ok(answers)
    }
}

/// Inserts each event and its job. The key (integration, id) decides: an insert that
/// conflicts inserts nothing, and only then is the stored event read to tell a
/// duplicate from a different event, so a new event costs no read.
fn insert(tx: &Connection, events: &[NewEvent]) -> rusqlite::Result<Vec<Enqueued>> {
    let now = now_ms();
    let mut event = tx.prepare_cached(
        "INSERT INTO events (id, integration, type, payload, created, fingerprint) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (integration, id) DO NOTHING",
    )?;
    let mut job = tx.prepare_cached(
        "INSERT INTO jobs (event_id, integration, state, next_attempt_at, created) \
         VALUES (?1, ?2, 'queued', ?3, ?3)",
    )?;
    let mut answers = Vec::with_capacity(events.len());
    for new in events {
        let id = new.id.clone().unwrap_or_else(new_event_id);
        let inserted = event.execute(params![
            id,
            new.integration,
            new.event_type,
            new.payload,
            now,
            new.fingerprint
        ])?;
        let status = if inserted == 1 {
            job.execute(params![id, new.integration, now])?;
            EnqueueStatus::Queued
        } else {
            compare(tx, &id, new)?
        };
        answers.push(Enqueued {
            id,
            integration: new.integration.clone(),
            status,
        });
    }
    Ok(answers)
}

/// `new` against the event its integration already has under `id`: the same when
/// its type is, and its rendered payload or what its sender sent (the fingerprints).
fn compare(tx: &Connection, id: &str, new: &NewEvent) -> rusqlite::Result<EnqueueStatus> {
    type Stored = (String, String, Option<Vec<u8>>);
    let stored: Option<Stored> = tx
        .prepare_cached(
            "SELECT type, payload, fingerprint FROM events WHERE integration = ?1 AND id = ?2",
        )?
        .query_row(params![new.integration, id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    // (None cannot be: the insert found this event, in this transaction.)
    let Some((event_type, payload, sent)) = stored else {
        return Ok(EnqueueStatus::Duplicate);
    };
    let same_sender = matches!(
        (sent.as_deref(), new.fingerprint.as_ref()),
        (Some(stored), Some(new)) if stored == new.as_slice()
    );
    Ok(if event_type != new.event_type {
        EnqueueStatus::Conflict(Difference::Type)
    } else if payload == new.payload || same_sender {
        EnqueueStatus::Duplicate
    } else {
        EnqueueStatus::Conflict(Difference::Payload)
    })
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn a_fingerprint_does_not_depend_on_the_order_of_keys() {
        let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        let sent = parse(r#"{"fields": {"host": "10.0.0.1", "cve": "CVE-1"}, "payload": null}"#);
        let reordered =
            parse(r#"{"payload": null, "fields": {"cve": "CVE-1", "host": "10.0.0.1"}}"#);
        let other = parse(r#"{"fields": {"host": "10.0.0.2", "cve": "CVE-1"}, "payload": null}"#);
        assert_eq!(fingerprint(&sent), fingerprint(&reordered));
        assert_ne!(fingerprint(&sent), fingerprint(&other));
    }
}
