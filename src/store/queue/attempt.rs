//! One attempt as the log keeps it: written by the worker as an [`AttemptRecord`],
//! read back by `logs` and the TUI as an [`AttemptRow`] (the same attempt, its id
//! beside it, its request and response parsed).

use std::fmt;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;

/// What became of one attempt, stored as the words `delivered`, `retry` and `dead`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Delivered,
    /// Failed; the job is queued again.
    Retry,
    /// Failed for good: the job is dead.
    Dead,
}

impl AttemptOutcome {
    pub const ALL: [AttemptOutcome; 3] = [
        AttemptOutcome::Delivered,
        AttemptOutcome::Retry,
        AttemptOutcome::Dead,
    ];

    /// The word in the `outcome` column, in `logs` and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retry => "retry",
            AttemptOutcome::Dead => "dead",
        }
    }

    /// The outcome a stored word names.
    pub fn from_word(word: &str) -> Option<AttemptOutcome> {
        AttemptOutcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == word)
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `row.outcome == "delivered"`: the word compares as it always has.
impl PartialEq<str> for AttemptOutcome {
    fn eq(&self, word: &str) -> bool {
        self.as_str() == word
    }
}

impl PartialEq<&str> for AttemptOutcome {
    fn eq(&self, word: &&str) -> bool {
        self.as_str() == *word
    }
}

impl ToSql for AttemptOutcome {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for AttemptOutcome {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let word = value.as_str()?;
        AttemptOutcome::from_word(word).ok_or_else(|| {
            FromSqlError::Other(format!("`{word}` is not an attempt outcome").into())
        })
    }
}

/// One attempt. `Json` is how its request and response are held: JSON text as the
/// worker writes them (building a `serde_json::Value` per attempt cost a map and a
/// string per field), parsed values as the log is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt<Json> {
    pub job_id: i64,
    pub event_id: String,
    pub integration: String,
    pub event_type: String,
    pub at_ms: i64,
    pub attempt: u32,
    pub max_attempts: u32,
    pub outcome: AttemptOutcome,
    pub error_class: Option<String>,
    pub status: Option<u16>,
    pub duration_ms: u64,
    pub next_retry_ms: Option<i64>,
    pub summary: String,
    /// Method, URL, headers (secrets masked), body size.
    pub request: Json,
    /// Status, headers and the head of the body; none when no answer came.
    pub response: Option<Json>,
}

/// An attempt to be logged, its request and response already redacted JSON text.
pub type AttemptRecord = Attempt<String>;

/// A logged attempt: its id in the log, then the attempt (`row.attempt` is still its
/// number, through `Deref`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRow {
    pub id: i64,
    #[serde(flatten)]
    pub logged: Attempt<serde_json::Value>,
}

/// A row reads as the attempt it is (`row.outcome`, `row.request`).
impl std::ops::Deref for AttemptRow {
    type Target = Attempt<serde_json::Value>;

    fn deref(&self) -> &Self::Target {
        &self.logged
    }
}

/// The columns [`read_row`] reads, in its order, of `attempts a`.
pub(super) const COLUMNS: &str = "a.id, a.job_id, a.event_id, a.integration, a.event_type, \
    a.at, a.attempt, a.max_attempts, a.outcome, a.error_class, a.status, a.duration_ms, \
    a.next_retry_at, a.summary, a.request, a.response";

/// The statement [`AttemptRecord::insert`] runs.
pub(super) const INSERT: &str = "INSERT INTO attempts (job_id, event_id, integration, \
    event_type, at, attempt, max_attempts, outcome, error_class, status, duration_ms, \
    next_retry_at, summary, request, response) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

impl AttemptRecord {
    /// Inserts this attempt with [`INSERT`].
    pub(super) fn insert(
        &self,
        insert: &mut rusqlite::CachedStatement<'_>,
    ) -> rusqlite::Result<()> {
        insert.execute(rusqlite::params![
            self.job_id,
            self.event_id,
            self.integration,
            self.event_type,
            self.at_ms,
            self.attempt,
            self.max_attempts,
            self.outcome,
            self.error_class,
            self.status,
            i64::try_from(self.duration_ms).unwrap_or(i64::MAX),
            self.next_retry_ms,
            self.summary,
            self.request,
            self.response
        ])?;
        Ok(())
    }
}

/// One row of [`COLUMNS`]. A request or response that is not JSON (none is) reads as
/// null rather than failing the page.
pub(super) fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AttemptRow> {
    let request: String = row.get(14)?;
    let response: Option<String> = row.get(15)?;
    Ok(AttemptRow {
        id: row.get(0)?,
        logged: Attempt {
            job_id: row.get(1)?,
            event_id: row.get(2)?,
            integration: row.get(3)?,
            event_type: row.get(4)?,
            at_ms: row.get(5)?,
            attempt: row.get(6)?,
            max_attempts: row.get(7)?,
            outcome: row.get(8)?,
            error_class: row.get(9)?,
            status: row.get(10)?,
            duration_ms: u64::try_from(row.get::<_, i64>(11)?).unwrap_or(0),
            next_retry_ms: row.get(12)?,
            summary: row.get(13)?,
            request: serde_json::from_str(&request).unwrap_or(serde_json::Value::Null),
            response: response.and_then(|text| serde_json::from_str(&text).ok()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_from_its_word() {
        for outcome in AttemptOutcome::ALL {
            assert_eq!(AttemptOutcome::from_word(outcome.as_str()), Some(outcome));
            assert_eq!(
                serde_json::to_value(outcome).unwrap(),
                serde_json::json!(outcome.as_str())
            );
        }
        assert_eq!(AttemptOutcome::from_word("failed"), None);
    }
}
