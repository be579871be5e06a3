//! The attempt log as read by `logs` and the TUI: keyset pages (newest first, by
//! attempt id), the attempts after one (for following), one attempt's detail, and
//! retention pruning.

use rusqlite::{Row, ToSql, params};
use serde::Serialize;

use super::{Queue, QueueError, now_ms};

/// Which attempts a filter keeps by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Delivered,
    /// Failed, to be retried.
    Retry,
    /// Failed for good: the job is dead.
    Dead,
    /// `Retry` or `Dead`.
    Failed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub integration: Option<String>,
    pub outcome: Option<Outcome>,
    /// Kept when the event id, type, integration or summary contains it.
    pub text: Option<String>,
    /// Only attempts at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
}

/// One attempt, with its request and response as logged (redacted JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRow {
    pub id: i64,
    pub job_id: i64,
    pub event_id: String,
    pub integration: String,
    pub event_type: String,
    pub at_ms: i64,
    pub attempt: u32,
    pub max_attempts: u32,
    pub outcome: String,
    pub error_class: Option<String>,
    pub status: Option<u16>,
    pub duration_ms: i64,
    pub next_retry_ms: Option<i64>,
    pub summary: String,
    /// Method, URL, headers (secrets masked), body size.
    pub request: serde_json::Value,
    /// Status, headers and the head of the body; none when no answer came.
    pub response: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogPage {
    /// Newest first.
    pub rows: Vec<AttemptRow>,
    /// Pass as `before` for the next (older) page; none at the end.
    pub next_before: Option<i64>,
}

const COLUMNS: &str = "id, job_id, event_id, integration, event_type, at, attempt, \
    max_attempts, outcome, error_class, status, duration_ms, next_retry_at, summary, \
    request, response";

fn row(row: &Row<'_>) -> rusqlite::Result<AttemptRow> {
    let request: String = row.get(14)?;
    let response: Option<String> = row.get(15)?;
    Ok(AttemptRow {
        id: row.get(0)?,
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
        duration_ms: row.get(11)?,
        next_retry_ms: row.get(12)?,
        summary: row.get(13)?,
        request: serde_json::from_str(&request).unwrap_or(serde_json::Value::Null),
        response: response.and_then(|text| serde_json::from_str(&text).ok()),
    })
}

/// `evt_` and 28 hexadecimal digits, as [`super::new_event_id`] makes them.
fn is_event_id(text: &str) -> bool {
    text.len() == 32 && text.starts_with("evt_") && text[4..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl LogFilter {
    fn clauses(&self, sql: &mut String, args: &mut Vec<Box<dyn ToSql>>) {
        if let Some(name) = &self.integration {
            args.push(Box::new(name.clone()));
            sql.push_str(&format!(" AND integration = ?{}", args.len()));
        }
        match self.outcome {
            None => {}
            Some(Outcome::Failed) => sql.push_str(" AND outcome IN ('retry', 'dead')"),
            Some(Outcome::Delivered) => sql.push_str(" AND outcome = 'delivered'"),
            Some(Outcome::Retry) => sql.push_str(" AND outcome = 'retry'"),
            Some(Outcome::Dead) => sql.push_str(" AND outcome = 'dead'"),
        }
        if let Some(since) = self.since_ms {
            args.push(Box::new(since));
            sql.push_str(&format!(" AND at >= ?{}", args.len()));
        }
        let text = self.text.as_deref().map(str::trim).unwrap_or_default();
        if is_event_id(text) {
            // A whole event id: the index finds it, where a substring search scans.
            args.push(Box::new(text.to_string()));
            sql.push_str(&format!(" AND event_id = ?{}", args.len()));
        } else if !text.is_empty() {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            args.push(Box::new(format!("%{escaped}%")));
            let n = args.len();
            sql.push_str(&format!(
                " AND (event_id LIKE ?{n} ESCAPE '\\' OR event_type LIKE ?{n} ESCAPE '\\' \
                 OR integration LIKE ?{n} ESCAPE '\\' OR summary LIKE ?{n} ESCAPE '\\')"
            ));
        }
    }
}

impl Queue {
    /// A page of at most `limit` attempts older than attempt `before` (none: the newest).
    pub fn log_page(
        &self,
        filter: &LogFilter,
        before: Option<i64>,
        limit: usize,
    ) -> Result<LogPage, QueueError> {
        let mut sql = format!("SELECT {COLUMNS} FROM attempts WHERE 1 = 1");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(before) = before {
            args.push(Box::new(before));
            sql.push_str(&format!(" AND id < ?{}", args.len()));
        }
        filter.clauses(&mut sql, &mut args);
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", limit.max(1)));
        let rows = self.query(&sql, &args)?;
        let next_before = (rows.len() == limit.max(1))
            .then(|| rows.last().map(|row| row.id))
            .flatten();
        Ok(LogPage { rows, next_before })
    }

    /// Attempts newer than attempt `after`, oldest first: what a follower has not seen.
    pub fn log_after(
        &self,
        filter: &LogFilter,
        after: i64,
        limit: usize,
    ) -> Result<Vec<AttemptRow>, QueueError> {
        let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(after)];
        let mut sql = format!("SELECT {COLUMNS} FROM attempts WHERE id > ?1");
        filter.clauses(&mut sql, &mut args);
        sql.push_str(&format!(" ORDER BY id ASC LIMIT {}", limit.max(1)));
        self.query(&sql, &args)
    }

    /// The newest attempt id (0 when the log is empty): where a follower starts.
    pub fn last_attempt_id(&self) -> Result<i64, QueueError> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM attempts", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.error(e))
    }

    /// Attempts per minute by outcome since `since_ms` (the LOGS sparkline): rows of
    /// (minute start in ms, outcome, count), oldest first.
    pub fn per_minute(&self, since_ms: i64) -> Result<Vec<(i64, String, i64)>, QueueError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT (at / 60000) * 60000 AS minute, outcome, count(*) FROM attempts \
                 WHERE at >= ?1 GROUP BY minute, outcome ORDER BY minute",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map(params![since_ms], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// One attempt, for the detail pane.
    pub fn attempt(&self, id: i64) -> Result<Option<AttemptRow>, QueueError> {
        let sql = format!("SELECT {COLUMNS} FROM attempts WHERE id = ?1");
        Ok(self.query(&sql, &[Box::new(id)])?.into_iter().next())
    }

    fn query(&self, sql: &str, args: &[Box<dyn ToSql>]) -> Result<Vec<AttemptRow>, QueueError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        let refs: Vec<&dyn ToSql> = args.iter().map(|arg| arg.as_ref()).collect();
        let rows = statement
            .query_map(refs.as_slice(), row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Deletes attempts older than `days` and beyond the newest `max_rows`, and the
    /// events whose jobs are all settled and whose attempts are all gone. Returns the
    /// number of attempts deleted.
    pub fn prune(&mut self, days: u32, max_rows: u64) -> Result<usize, QueueError> {
        let cutoff = now_ms() - i64::from(days) * 86_400_000;
        let mut deleted = self
            .conn
            .execute("DELETE FROM attempts WHERE at < ?1", params![cutoff])
            .map_err(|e| self.error(e))?;
        deleted += self
            .conn
            .execute(
                "DELETE FROM attempts WHERE id <= (SELECT id FROM attempts \
                 ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                params![max_rows as i64],
            )
            .map_err(|e| self.error(e))?;
        self.conn
            .execute(
                "DELETE FROM events WHERE created < ?1 AND NOT EXISTS (SELECT 1 FROM jobs \
                 WHERE jobs.event_id = events.id AND jobs.state NOT IN ('delivered', 'dead')) \
                 AND NOT EXISTS (SELECT 1 FROM attempts WHERE attempts.event_id = events.id)",
                params![cutoff],
            )
            .map_err(|e| self.error(e))?;
        Ok(deleted)
    }
}
