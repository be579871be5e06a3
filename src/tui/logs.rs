//! The LOGS screen: the delivery log (every attempt, newest first) for all
//! integrations or one, paged with keyset queries so a million attempts cost what ten
//! do; an outcome and a text filter; a detail pane with the redacted request and
//! response; new attempts appended once a second while the screen is open.

mod message;
mod render;

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::action::{Action, KeyContext};
use super::text_input::TextInput;
use crate::store::queue::{
    AttemptRow, INDEXED_TEXT_CHARS, LogFilter, LogOutcome, LogPage, QueueError,
};

/// (minute start in ms, outcome, attempts), as `Queue::per_minute` gives them.
pub type MinuteCount = (i64, crate::store::queue::AttemptOutcome, i64);

/// Rows asked for per page.
pub const PAGE_ROWS: usize = 200;

/// What the view asks of the delivery log; answers carry the generation back, and
/// those of an older filter are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogQuery {
    /// A page (`before` none: the newest).
    Page {
        generation: u64,
        filter: LogFilter,
        before: Option<i64>,
    },
    /// The attempts logged after `after` (live updates).
    Poll {
        generation: u64,
        filter: LogFilter,
        after: i64,
    },
    /// Attempts per minute by outcome over the last hour among those the filter
    /// keeps (the sparkline).
    Sparkline { generation: u64, filter: LogFilter },
}

/// The outcome filter `f` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeFilter {
    All,
    Failed,
    Delivered,
}

impl OutcomeFilter {
    pub fn next(self) -> OutcomeFilter {
        match self {
            OutcomeFilter::All => OutcomeFilter::Failed,
            OutcomeFilter::Failed => OutcomeFilter::Delivered,
            OutcomeFilter::Delivered => OutcomeFilter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OutcomeFilter::All => "all outcomes",
            OutcomeFilter::Failed => "failed",
            OutcomeFilter::Delivered => "delivered",
        }
    }

    fn outcome(self) -> Option<LogOutcome> {
        match self {
            OutcomeFilter::All => None,
            OutcomeFilter::Failed => Some(LogOutcome::Failed),
            OutcomeFilter::Delivered => Some(LogOutcome::Delivered),
        }
    }
}

/// The detail pane of one attempt.
#[derive(Debug, Clone)]
pub struct Detail {
    row: Box<AttemptRow>,
    scroll: u16,
}

impl Detail {
    pub fn row(&self) -> &AttemptRow {
        &self.row
    }
}

/// Where the view's reading of the log stands.
#[derive(Debug, Clone)]
enum Reading {
    /// The newest page is asked for; nothing to show yet.
    FirstPage,
    /// Rows are shown (perhaps none). `older`: the next older page is asked for;
    /// `newer`: the attempts logged since the newest shown are.
    Shown { older: bool, newer: bool },
    /// A page could not be read; it stays so until the filter changes.
    Failed(Arc<QueueError>),
}

#[derive(Debug, Clone)]
pub struct LogsView {
    /// One integration, or all of them.
    integration: Option<String>,
    outcome: OutcomeFilter,
    /// The text filter as applied.
    text: String,
    /// The text filter being typed (`/`), until Enter or Esc.
    typing: Option<TextInput>,
    /// Enter was pressed on a text too short for the log's index: the box says so
    /// until the next key.
    too_short: bool,
    /// Newest first.
    rows: Vec<AttemptRow>,
    selected: usize,
    offset: usize,
    page: usize,
    /// Where the next older page starts; none once the oldest row is shown.
    next_before: Option<i64>,
    /// The newest attempt id seen: live updates ask for what came after it.
    last_id: i64,
    /// Bumped when the filter changes, so answers to an older query are dropped.
    generation: u64,
    reading: Reading,
    detail: Option<Detail>,
    /// The sparkline's data: since when, and (minute, outcome, count) rows of the
    /// attempts the filters keep.
    spark: Option<(i64, Vec<MinuteCount>)>,
    /// Clock ticks seen, to pace the sparkline's reads.
    ticks: u64,
}

/// What a key on LOGS asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogsRequest {
    /// Queries for the delivery log (an older page, or a new filter's first page).
    Load(Vec<LogQuery>),
    /// The outcome filter changed to this one; the queries of its first page.
    Showing(OutcomeFilter, Vec<LogQuery>),
    /// Ask whether to deliver this attempt's event again.
    Replay(Box<AttemptRow>),
    Back,
    Help,
}

impl LogsView {
    /// LOGS of one integration or all, and the queries of its first page.
    pub fn open(integration: Option<String>) -> (LogsView, Vec<LogQuery>) {
        let mut view = LogsView {
            integration,
            outcome: OutcomeFilter::All,
            text: String::new(),
            typing: None,
            too_short: false,
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            page: 10,
            next_before: None,
            last_id: 0,
            generation: 0,
            reading: Reading::FirstPage,
            detail: None,
            spark: None,
            ticks: 0,
        };
        let queries = view.first_page();
        (view, queries)
    }

    /// The integration shown, or none for all of them.
    pub fn integration(&self) -> Option<&str> {
        self.integration.as_deref()
    }

    /// The attempts read, newest first.
    pub fn rows(&self) -> &[AttemptRow] {
        &self.rows
    }

    /// Where the next older page starts; none once the oldest row is read.
    pub fn next_before(&self) -> Option<i64> {
        self.next_before
    }

    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// The keys of the table, of the text filter being typed, or of the detail.
    pub fn key_context(&self) -> KeyContext {
        if self.detail.is_some() {
            KeyContext::LogsDetail
        } else if self.typing.is_some() {
            KeyContext::LogsText
        } else {
            KeyContext::Logs
        }
    }

    /// A key (`action` from the table of [`LogsView::key_context`], `key` for the
    /// text filter's box).
    pub fn handle(&mut self, action: Option<Action>, key: &KeyEvent) -> Option<LogsRequest> {
        if action == Some(Action::Help) {
            return Some(LogsRequest::Help);
        }
        if let Some(input) = &mut self.typing {
            match action {
                Some(Action::AcceptFilter) => {
                    let text = input.text().trim().to_string();
                    // One or two characters cannot use the trigram index: the whole
                    // log would be read (half a second a million attempts) for a
                    // text that short. Empty clears the filter.
                    if (1..INDEXED_TEXT_CHARS).contains(&text.chars().count()) {
                        self.too_short = true;
                        return None;
                    }
                    self.text = text;
                    self.typing = None;
                    return Some(LogsRequest::Load(self.first_page()));
                }
                Some(Action::ClearFilter) => {
                    self.typing = None;
                    if !self.text.is_empty() {
                        self.text.clear();
                        return Some(LogsRequest::Load(self.first_page()));
                    }
                }
                _ => {
                    self.too_short = false;
                    input.handle_key(key);
                }
            }
            return None;
        }
        if self.detail.is_some() {
            match action? {
                Action::Up => self.scroll_detail(-1),
                Action::Down => self.scroll_detail(1),
                Action::PageUp => self.scroll_detail(-10),
                Action::PageDown => self.scroll_detail(10),
                Action::Back => self.detail = None,
                Action::Replay => {
                    return self
                        .detail
                        .as_ref()
                        .map(|detail| LogsRequest::Replay(detail.row.clone()));
                }
                _ => {}
            }
            return None;
        }
        let page = self.page_size();
        let rows = self.rows.len() as isize;
        let past_the_end = match action? {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::First => self.move_by(-rows),
            Action::Last => self.move_by(rows),
            Action::Detail => {
                if let Some(row) = self.selected_row() {
                    self.detail = Some(Detail {
                        row: Box::new(row.clone()),
                        scroll: 0,
                    });
                }
                false
            }
            Action::CycleOutcome => {
                self.outcome = self.outcome.next();
                return Some(LogsRequest::Showing(self.outcome, self.first_page()));
            }
            Action::Filter => {
                let mut input = TextInput::default();
                input.insert_str(&self.text);
                self.typing = Some(input);
                false
            }
            Action::Replay => {
                return self
                    .selected_row()
                    .map(|row| LogsRequest::Replay(Box::new(row.clone())));
            }
            Action::Back => return Some(LogsRequest::Back),
            _ => false,
        };
        if past_the_end {
            return self
                .older_page()
                .map(|query| LogsRequest::Load(vec![query]));
        }
        None
    }

    /// The next older page, when one exists and none is asked for already.
    fn older_page(&mut self) -> Option<LogQuery> {
        let Reading::Shown { older, .. } = &mut self.reading else {
            return None;
        };
        let before = self.next_before.filter(|_| !*older)?;
        *older = true;
        Some(LogQuery::Page {
            generation: self.generation,
            filter: self.filter(),
            before: Some(before),
        })
    }

    /// A second passed: what was logged since is asked for (one query at a time), and
    /// every 15 s the sparkline's counts, which change slowly.
    pub fn tick(&mut self) -> Vec<LogQuery> {
        self.ticks += 1;
        let mut queries = Vec::new();
        if self.ticks.is_multiple_of(15) {
            queries.push(self.sparkline());
        }
        if let Reading::Shown {
            older: false,
            newer,
        } = &mut self.reading
            && !*newer
        {
            *newer = true;
            queries.push(LogQuery::Poll {
                generation: self.generation,
                filter: self.filter(),
                after: self.last_id,
            });
        }
        queries
    }

    /// Starts over with the current filter: the queries of the newest page and of the
    /// sparkline, which counts what the filter keeps.
    fn first_page(&mut self) -> Vec<LogQuery> {
        self.generation += 1;
        self.rows.clear();
        self.selected = 0;
        self.offset = 0;
        self.next_before = None;
        self.reading = Reading::FirstPage;
        vec![
            LogQuery::Page {
                generation: self.generation,
                filter: self.filter(),
                before: None,
            },
            self.sparkline(),
        ]
    }

    fn sparkline(&self) -> LogQuery {
        LogQuery::Sparkline {
            generation: self.generation,
            filter: self.filter(),
        }
    }

    fn filter(&self) -> LogFilter {
        let text = self.text.trim();
        LogFilter {
            integration: self.integration.clone(),
            outcome: self.outcome.outcome(),
            text: (!text.is_empty()).then(|| text.to_string()),
            since_ms: None,
        }
    }

    pub fn selected_row(&self) -> Option<&AttemptRow> {
        self.rows.get(self.selected)
    }

    fn page_size(&self) -> isize {
        self.page.max(1) as isize
    }

    /// Moves the selection; true when it went past the last row or near it (the
    /// caller reads the next older page, if there is one).
    fn move_by(&mut self, delta: isize) -> bool {
        if self.rows.is_empty() {
            return false;
        }
        let wanted = self.selected.saturating_add_signed(delta);
        let last = self.rows.len() - 1;
        self.selected = wanted.min(last);
        wanted > last || (delta > 0 && self.selected + self.page > last)
    }

    /// A page arrived (the first, or an older one) with the newest attempt id of the
    /// whole log; an answer to an earlier filter is dropped.
    pub fn page_arrived(
        &mut self,
        generation: u64,
        result: Result<(LogPage, i64), Arc<QueueError>>,
    ) {
        if generation != self.generation {
            return;
        }
        let newer = matches!(self.reading, Reading::Shown { newer: true, .. });
        match result {
            Ok((page, newest)) => {
                self.reading = Reading::Shown {
                    older: false,
                    newer,
                };
                self.last_id = self.last_id.max(newest);
                if let Some(first) = page.rows.first() {
                    self.last_id = self.last_id.max(first.id);
                }
                self.rows.extend(page.rows);
                self.next_before = page.next_before;
            }
            Err(error) => self.reading = Reading::Failed(error),
        }
    }

    /// The attempts logged since the newest shown arrived; when there were any, the
    /// sparkline's last minute changed too (its query comes back).
    pub fn new_arrived(
        &mut self,
        generation: u64,
        result: Result<Vec<AttemptRow>, Arc<QueueError>>,
    ) -> Option<LogQuery> {
        if generation != self.generation {
            return None;
        }
        if let Reading::Shown { newer, .. } = &mut self.reading {
            *newer = false;
        }
        match result {
            Ok(rows) => (self.new_rows(rows) > 0).then(|| self.sparkline()),
            Err(error) => {
                tracing::warn!(%error, "delivery log poll failed");
                None
            }
        }
    }

    /// The sparkline's counts arrived; those of a filter since changed are dropped.
    pub fn sparkline_arrived(&mut self, generation: u64, since_ms: i64, rows: Vec<MinuteCount>) {
        if generation == self.generation {
            self.spark = Some((since_ms, rows));
        }
    }

    /// New attempts, oldest first: they go on top, the selection stays on its row.
    fn new_rows(&mut self, rows: Vec<AttemptRow>) -> usize {
        let fresh: Vec<AttemptRow> = rows
            .into_iter()
            .filter(|row| row.id > self.last_id)
            .collect();
        let count = fresh.len();
        if count == 0 {
            return 0;
        }
        self.last_id = fresh.last().map(|row| row.id).unwrap_or(self.last_id);
        let had_rows = !self.rows.is_empty();
        let mut rows: Vec<AttemptRow> = fresh.into_iter().rev().collect();
        rows.append(&mut self.rows);
        self.rows = rows;
        if had_rows {
            self.selected += count;
            self.offset += count;
        }
        count
    }

    fn scroll_detail(&mut self, lines: i32) {
        if let Some(detail) = &mut self.detail {
            let next = i32::from(detail.scroll) + lines;
            detail.scroll = u16::try_from(next.max(0)).unwrap_or(u16::MAX);
        }
    }
}
