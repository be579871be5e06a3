//! The attempt log as read by `logs` and the TUI: keyset pages (newest first, by
//! attempt id), the attempts after one (for following), one attempt's detail, and
//! retention pruning.

use std::collections::BTreeMap;

use rusqlite::{ToSql, params};
use serde::Serialize;

use super::attempt::{AttemptOutcome, AttemptRow, COLUMNS, read_row};
use super::{Queue, QueueError, now_ms};

/// Which attempts a filter keeps by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogOutcome {
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
    pub outcome: Option<LogOutcome>,
    /// Kept when the event id, type, integration or summary contains it.
    pub text: Option<String>,
    /// Only attempts at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogPage {
    /// Newest first.
    pub rows: Vec<AttemptRow>,
    /// Pass as `before` for the next (older) page; none at the end.
    pub next_before: Option<i64>,
}

/// The shortest text filter the trigram index can find (its tokens are three
/// characters); shorter ones scan the log.
pub const INDEXED_TEXT_CHARS: usize = 3;

/// Indexed attempts a text filter reads directly before it asks the index.
const PROBE_ROWS: i64 = 2_000;

/// `evt_` and 28 hexadecimal digits, as [`super::new_event_id`] makes them.
fn is_event_id(text: &str) -> bool {
    text.len() == 32 && text.starts_with("evt_") && text[4..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The full-text query for rows holding every trigram of `text` (the index keeps no
/// positions, so not necessarily in a row: the LIKE decides). The query's terms go
/// through the same tokenizer as the rows, which folds their case.
fn trigram_query(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut trigrams: Vec<String> = chars
        .windows(INDEXED_TEXT_CHARS)
        .map(|window| window.iter().collect::<String>())
        .collect();
    trigrams.sort();
    trigrams.dedup();
    trigrams
        .iter()
        .map(|trigram| format!("\"{}\"", trigram.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// How a text filter is found.
enum TextSearch {
    None,
    /// A whole event id: the index on `event_id`.
    EventId(String),
    /// A LIKE pattern over the searchable columns, and the full-text phrase that
    /// narrows the rows to check (none: too short for the index, the rows are scanned).
    Substring {
        like: String,
        phrase: Option<String>,
    },
}

impl LogFilter {
    fn text_search(&self) -> TextSearch {
        let text = self.text.as_deref().map(str::trim).unwrap_or_default();
        if text.is_empty() {
            return TextSearch::None;
        }
        if is_event_id(text) {
            return TextSearch::EventId(text.to_string());
        }
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let phrase = (text.chars().count() >= INDEXED_TEXT_CHARS).then(|| trigram_query(text));
        TextSearch::Substring {
            like: format!("%{escaped}%"),
            phrase,
        }
    }

    /// The conditions on `attempts a`, each after ` AND `. The LIKE stays even when the
    /// full-text index found the rows: it is what decides (ASCII case folding, as
    /// before), the index only keeps it from reading every row.
    fn clauses(&self, search: &TextSearch, sql: &mut String, args: &mut Vec<Box<dyn ToSql>>) {
        if let Some(name) = &self.integration {
            args.push(Box::new(name.clone()));
            sql.push_str(&format!(" AND a.integration = ?{}", args.len()));
        }
        match self.outcome {
            None => {}
            Some(LogOutcome::Failed) => sql.push_str(" AND a.outcome IN ('retry', 'dead')"),
            Some(LogOutcome::Delivered) => sql.push_str(" AND a.outcome = 'delivered'"),
            Some(LogOutcome::Retry) => sql.push_str(" AND a.outcome = 'retry'"),
            Some(LogOutcome::Dead) => sql.push_str(" AND a.outcome = 'dead'"),
        }
        if let Some(since) = self.since_ms {
            args.push(Box::new(since));
            sql.push_str(&format!(" AND a.at >= ?{}", args.len()));
        }
        match search {
            TextSearch::None => {}
            TextSearch::EventId(id) => {
                args.push(Box::new(id.clone()));
                sql.push_str(&format!(" AND a.event_id = ?{}", args.len()));
            }
            TextSearch::Substring { like, .. } => {
                args.push(Box::new(like.clone()));
                let n = args.len();
                sql.push_str(&format!(
                    " AND (a.event_id LIKE ?{n} ESCAPE '\\' OR a.event_type LIKE ?{n} ESCAPE '\\' \
                     OR a.integration LIKE ?{n} ESCAPE '\\' OR a.summary LIKE ?{n} ESCAPE '\\')"
                ));
            }
        }
    }

    /// The query of at most `limit` attempts of `part` matching the filter, beyond
    /// attempt `from`: older when `newest_first`, newer otherwise.
    fn page_query(
        &self,
        search: &TextSearch,
        part: Part<'_>,
        from: Option<i64>,
        newest_first: bool,
        limit: usize,
    ) -> (String, Vec<Box<dyn ToSql>>) {
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let mut from = from;
        let (mut sql, id) = match part {
            Part::Indexed { up_to, phrase } => {
                // The index drives, in id order, so a page stops at its last row. One
                // upper bound only: FTS5 starts from one, and checks a second on
                // every row it passes (a far page read the whole index down to it).
                let upper = match from {
                    Some(before) if newest_first => {
                        from = None;
                        up_to.min(before - 1)
                    }
                    _ => up_to,
                };
                args.push(Box::new(phrase.to_string()));
                args.push(Box::new(upper));
                let sql = format!(
                    "SELECT {COLUMNS} FROM attempts_text CROSS JOIN attempts a \
                     ON a.id = attempts_text.rowid WHERE attempts_text MATCH ?1 \
                     AND attempts_text.rowid <= ?2"
                );
                (sql, "attempts_text.rowid")
            }
            Part::Range { low, high } => {
                args.push(Box::new(low));
                args.push(Box::new(high));
                let sql =
                    format!("SELECT {COLUMNS} FROM attempts a WHERE a.id > ?1 AND a.id <= ?2");
                (sql, "a.id")
            }
            Part::Table { above } => {
                let mut sql = format!("SELECT {COLUMNS} FROM attempts a WHERE 1 = 1");
                if let Some(above) = above {
                    args.push(Box::new(above));
                    sql.push_str(&format!(" AND a.id > ?{}", args.len()));
                }
                (sql, "a.id")
            }
        };
        if let Some(from) = from {
            args.push(Box::new(from));
            let direction = if newest_first { '<' } else { '>' };
            sql.push_str(&format!(" AND {id} {direction} ?{}", args.len()));
        }
        self.clauses(search, &mut sql, &mut args);
        let order = if newest_first { "DESC" } else { "ASC" };
        sql.push_str(&format!(" ORDER BY {id} {order} LIMIT {}", limit.max(1)));
        (sql, args)
    }
}

/// Where a page's rows are looked for.
#[derive(Debug, Clone, Copy)]
enum Part<'a> {
    /// The attempts table, all of it or the rows after `above`.
    Table { above: Option<i64> },
    /// The rows up to `up_to` (those the text index holds) that hold `phrase`.
    Indexed { up_to: i64, phrase: &'a str },
    /// The rows after `low` up to `high`, read directly.
    Range { low: i64, high: i64 },
}

impl Queue {
    /// A page of at most `limit` attempts older than attempt `before` (none: the newest).
    pub fn log_page(
        &self,
        filter: &LogFilter,
        before: Option<i64>,
        limit: usize,
    ) -> Result<LogPage, QueueError> {
        let rows = self.select_page(filter, before, true, limit.max(1))?;
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
        self.select_page(filter, Some(after), false, limit.max(1))
    }

    /// Up to `limit` attempts beyond `from`. A text filter the index can serve reads
    /// the index for the rows it holds and the table for the newer ones not yet in it
    /// (few: the writer catches up when idle), newest or oldest first as asked.
    fn select_page(
        &self,
        filter: &LogFilter,
        from: Option<i64>,
        newest_first: bool,
        limit: usize,
    ) -> Result<Vec<AttemptRow>, QueueError> {
        let search = filter.text_search();
        let TextSearch::Substring {
            phrase: Some(phrase),
            ..
        } = &search
        else {
            let part = Part::Table { above: None };
            let (sql, args) = filter.page_query(&search, part, from, newest_first, limit);
            return self.query(&sql, &args);
        };
        let up_to = self.indexed_to()?;
        let newer = (Part::Table { above: Some(up_to) }, from);
        // The indexed rows: the first PROBE_ROWS of them from where the page starts
        // read directly, then the index. A text most rows hold fills the page within
        // the probe (the index would merge the long lists of its every trigram); a rare
        // one costs the probe, about a millisecond, before the index finds it.
        let (probe, indexed) = if newest_first {
            let high = from.map_or(up_to, |before| up_to.min(before - 1));
            let low = (high - PROBE_ROWS).max(0);
            (
                (Part::Range { low, high }, None),
                (Part::Indexed { up_to: low, phrase }, None),
            )
        } else {
            let low = from.unwrap_or(0);
            let high = up_to.min(low + PROBE_ROWS);
            (
                (Part::Range { low, high }, None),
                (Part::Indexed { up_to, phrase }, Some(high)),
            )
        };
        let parts = if newest_first {
            [newer, probe, indexed]
        } else {
            [probe, indexed, newer]
        };
        let mut rows = Vec::new();
        for (part, from) in parts {
            let room = limit - rows.len();
            if room == 0 {
                break;
            }
            if let Part::Range { low, high } = part
                && high <= low
            {
                continue;
            }
            let (sql, args) = filter.page_query(&search, part, from, newest_first, room);
            rows.extend(self.query(&sql, &args)?);
        }
        Ok(rows)
    }

    /// The last attempt id in the text index.
    fn indexed_to(&self) -> Result<i64, QueueError> {
        self.conn
            .query_row("SELECT indexed_to FROM text_index", [], |row| row.get(0))
            .map_err(|e| self.error(e))
    }

    /// Adds up to `limit` attempts not yet in the text index to it, oldest first, in
    /// one transaction; returns how many (the writer calls it when idle, and when far
    /// behind).
    pub fn index_text(&mut self, limit: usize) -> Result<usize, QueueError> {
        let path = self.path.clone();
        let fail = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(fail)?;
        let from: i64 = tx
            .prepare_cached("SELECT indexed_to FROM text_index")
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .map_err(fail)?;
        let up_to: Option<i64> = tx
            .prepare_cached(
                "SELECT max(id) FROM (SELECT id FROM attempts WHERE id > ?1 ORDER BY id \
                 LIMIT ?2)",
            )
            .and_then(|mut statement| {
                statement.query_row(params![from, limit as i64], |row| row.get(0))
            })
            .map_err(fail)?;
        let Some(up_to) = up_to else {
            return Ok(0);
        };
        let added = tx
            .prepare_cached(
                "INSERT INTO attempts_text (rowid, event_id, event_type, integration, summary) \
                 SELECT id, event_id, event_type, integration, summary FROM attempts \
                 WHERE id > ?1 AND id <= ?2",
            )
            .and_then(|mut insert| insert.execute(params![from, up_to]))
            .map_err(fail)?;
        tx.prepare_cached("UPDATE text_index SET indexed_to = ?1")
            .and_then(|mut update| update.execute(params![up_to]))
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(added)
    }

    /// About how many attempts are not yet in the text index (ids after the last
    /// indexed one up to the newest).
    pub fn unindexed_text(&self) -> Result<i64, QueueError> {
        self.conn
            .prepare_cached(
                "SELECT coalesce(max(id), 0) - (SELECT indexed_to FROM text_index) \
                 FROM attempts",
            )
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .map_err(|e| self.error(e))
    }

    /// The newest attempt id (0 when the log is empty): where a follower starts.
    pub fn last_attempt_id(&self) -> Result<i64, QueueError> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM attempts", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.error(e))
    }

    /// Attempts per minute by outcome since `since_ms` among those `filter` keeps (the
    /// LOGS sparkline): rows of (minute start in ms, outcome, count), oldest first. The
    /// hour is found by time (the index on `at`) and its rows checked one by one: the
    /// full-text index would list every match in the whole log first. The counting is
    /// done here, not by a GROUP BY: SQLite sorts for that in a temporary B-tree, which
    /// `temp_store = MEMORY` keeps in memory, and an hour of a million attempts took
    /// 60 MB and four times as long as this scan in the index's order.
    pub fn per_minute(
        &self,
        filter: &LogFilter,
        since_ms: i64,
    ) -> Result<Vec<(i64, AttemptOutcome, i64)>, QueueError> {
        let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(since_ms)];
        let mut sql = String::from("SELECT a.at, a.outcome FROM attempts a WHERE a.at >= ?1");
        filter.clauses(&filter.text_search(), &mut sql, &mut args);
        let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let refs: Vec<&dyn ToSql> = args.iter().map(|arg| arg.as_ref()).collect();
        let mut rows = statement
            .query(refs.as_slice())
            .map_err(|e| self.error(e))?;
        // Ordered as the GROUP BY was: by minute, then by the outcome's stored word.
        let mut counts: BTreeMap<(i64, &'static str), (AttemptOutcome, i64)> = BTreeMap::new();
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let at: i64 = row.get(0).map_err(|e| self.error(e))?;
            let outcome: AttemptOutcome = row.get(1).map_err(|e| self.error(e))?;
            let minute = at.div_euclid(60_000) * 60_000;
            counts
                .entry((minute, outcome.as_str()))
                .or_insert((outcome, 0))
                .1 += 1;
        }
        Ok(counts
            .into_iter()
            .map(|((minute, _), (outcome, count))| (minute, outcome, count))
            .collect())
    }

    /// One attempt, for the detail pane.
    pub fn attempt(&self, id: i64) -> Result<Option<AttemptRow>, QueueError> {
        let sql = format!("SELECT {COLUMNS} FROM attempts a WHERE a.id = ?1");
        Ok(self.query(&sql, &[Box::new(id)])?.into_iter().next())
    }

    fn query(&self, sql: &str, args: &[Box<dyn ToSql>]) -> Result<Vec<AttemptRow>, QueueError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        let refs: Vec<&dyn ToSql> = args.iter().map(|arg| arg.as_ref()).collect();
        let rows = statement
            .query_map(refs.as_slice(), read_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Deletes attempts older than `days` and beyond the newest `max_rows`, and the
    /// events whose jobs are all settled and whose attempts are all gone. Returns the
    /// number of attempts deleted.
    pub fn prune(&mut self, days: u32, max_rows: u64) -> Result<usize, QueueError> {
        // Held events first: settled, their events go with the others below.
        self.expire_held(days)?;
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
        // Ids go on from the largest left: when the newest rows are gone, new ones
        // may reuse ids the index counted as done.
        self.conn
            .execute(
                "UPDATE text_index SET indexed_to = \
                 min(indexed_to, (SELECT coalesce(max(id), 0) FROM attempts))",
                [],
            )
            .map_err(|e| self.error(e))?;
        self.conn
            .execute(
                "DELETE FROM events WHERE created < ?1 AND NOT EXISTS (SELECT 1 FROM jobs \
                 WHERE jobs.event_id = events.id AND jobs.integration = events.integration \
                 AND jobs.state NOT IN ('delivered', 'dead')) \
                 AND NOT EXISTS (SELECT 1 FROM attempts WHERE attempts.event_id = events.id)",
                params![cutoff],
            )
            .map_err(|e| self.error(e))?;
        Ok(deleted)
    }
}
