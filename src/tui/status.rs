//! STATUS: what `hookconsole status` says, on screen: the worker, the queue in total,
//! each integration's waiting events, hold, last delivery and authorization, the
//! callback URL and the disk. Read again when the queue or the worker's files change
//! (`watch`), and with r.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::action::Action;
use super::form::break_lines;
use super::profile::Profile;
use super::theme::Theme;
use crate::home::{IntegrationStatus, Status, WorkerState};

/// What the view shows.
#[derive(Debug, Clone)]
pub enum StatusState {
    Reading,
    Shown(Box<Status>),
    Failed(Arc<crate::store::StoreError>),
}

#[derive(Debug, Clone)]
pub struct StatusView {
    state: StatusState,
    /// The first line in view.
    offset: usize,
}

/// What a key on STATUS asks of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRequest {
    Refresh,
    Back,
    Help,
}

impl StatusView {
    pub fn new() -> StatusView {
        StatusView {
            state: StatusState::Reading,
            offset: 0,
        }
    }

    pub fn handle(&mut self, action: Option<Action>) -> Option<StatusRequest> {
        match action? {
            Action::Up => self.offset = self.offset.saturating_sub(1),
            Action::Down => self.offset += 1,
            Action::PageUp => self.offset = self.offset.saturating_sub(10),
            Action::PageDown => self.offset += 10,
            Action::Reload => return Some(StatusRequest::Refresh),
            Action::Back => return Some(StatusRequest::Back),
            Action::Help => return Some(StatusRequest::Help),
            _ => {}
        }
        None
    }

    /// The status as read again (an error keeps what was shown, if anything).
    pub fn gathered(&mut self, result: Result<Box<Status>, Arc<crate::store::StoreError>>) {
        self.state = match (result, &self.state) {
            (Ok(status), _) => StatusState::Shown(status),
            (Err(error), StatusState::Shown(_)) => {
                tracing::warn!(%error, "STATUS could not be read again");
                return;
            }
            (Err(error), _) => StatusState::Failed(error),
        };
    }

    pub fn render(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, profile: Profile) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(
                " STATUS (as hookconsole status) ",
                theme.title,
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = usize::from(inner.width);
        let lines = match &self.state {
            StatusState::Reading => vec![Line::styled("Reading the status...", theme.hint)],
            // Whole, in lines: the error says what to do, and a cut hint says nothing.
            StatusState::Failed(error) => {
                break_lines(&format!("The status could not be read: {error}"), width)
                    .into_iter()
                    .map(|line| Line::styled(line, theme.error))
                    .collect()
            }
            StatusState::Shown(status) => lines(status, width, theme),
        };
        let room = usize::from(inner.height);
        self.offset = self.offset.min(lines.len().saturating_sub(room));
        let shown: Vec<Line> = lines
            .into_iter()
            .skip(self.offset)
            .take(room)
            .map(|line| fitted(line, width, theme))
            .collect();
        frame.render_widget(Paragraph::new(shown), inner);
    }
}

impl Default for StatusView {
    fn default() -> Self {
        StatusView::new()
    }
}

/// A line cut to `width` with the theme's mark, in its first span's style.
fn fitted(line: Line<'static>, width: usize, theme: &Theme) -> Line<'static> {
    let style = line
        .spans
        .first()
        .map_or(Style::default(), |span| span.style);
    let text: String = line
        .spans
        .iter()
        .map(|span| span.content.as_ref())
        .collect();
    Line::styled(theme.fit(&text, width), style)
}

fn lines(status: &Status, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let worker = &status.worker;
    let mut lines = Vec::new();
    let (state, style) = match worker.state {
        WorkerState::Running => ("running".to_string(), theme.success),
        WorkerState::Stopped => ("NOT RUNNING".to_string(), theme.warning),
        WorkerState::NotAnswering => ("NOT ANSWERING (it holds its lock)".into(), theme.warning),
    };
    let mut first = format!("Worker    {state}");
    if let Some(pid) = worker.pid {
        first.push_str(&format!(", pid {pid}"));
    }
    if let Some(since) = &worker.started_at {
        first.push_str(&format!(", since {since}"));
    }
    if let Some(version) = &worker.version {
        first.push_str(&format!(", version {version}"));
    }
    lines.push(Line::styled(first, style));
    if let (Some(unit), Some(state)) = (&worker.systemd_unit, &worker.systemd_state) {
        lines.push(Line::styled(
            format!("          systemd {unit}: {state}"),
            theme.text,
        ));
    }
    if let Some(command) = &worker.start_command {
        lines.push(Line::styled(
            format!("          start it: {command}"),
            theme.text,
        ));
    }
    match &status.queue.unreadable {
        // Whole, in lines, as a failed read: the reason says what to do.
        // In lines under the heading's column, as the other sections' second lines.
        Some(why) => lines.extend(
            break_lines(
                &format!("UNREADABLE: {why}"),
                width.saturating_sub(10).max(20),
            )
            .into_iter()
            .enumerate()
            .map(|(number, line)| {
                let heading = if number == 0 {
                    "Queue     "
                } else {
                    "          "
                };
                Line::styled(format!("{heading}{line}"), theme.warning)
            }),
        ),
        None => {
            let total = &status.queue.total;
            lines.push(Line::styled(
                format!(
                    "Queue     {} waiting: {} queued, {} retrying, {} held, {} being delivered",
                    total.waiting, total.queued, total.retrying, total.held, total.delivering
                ),
                theme.text,
            ));
            if let Some(next) = &total.next_retry_at {
                lines.push(Line::styled(
                    format!("          next retry at {next}"),
                    theme.text,
                ));
            }
            lines.push(Line::styled(
                format!(
                    "          last hour {} delivered, {} failed; dead in {} days: {}",
                    total.delivered_last_hour,
                    total.failed_last_hour,
                    status.queue.retention_days,
                    total.dead
                ),
                theme.text,
            ));
        }
    }
    let free = status
        .queue
        .free_bytes
        .map_or("unknown".to_string(), crate::home::size_text);
    lines.push(Line::styled(
        format!(
            "          {} in the queue file, {free} free",
            crate::home::size_text(status.queue.file_bytes)
        ),
        theme.text,
    ));
    if let Some(url) = &status.callback.url {
        lines.push(Line::styled(format!("Callback  {url}"), theme.text));
    }
    if let Some(listener) = &status.callback.listener {
        lines.push(Line::styled(
            format!("          listener {listener} while an authorization waits"),
            theme.text,
        ));
    }
    // What is not well before the integrations: it is what a person looks for.
    if !status.problems.is_empty() {
        lines.push(Line::styled("Not well", theme.warning));
        for problem in &status.problems {
            lines.push(Line::styled(format!("  - {problem}"), theme.warning));
        }
    }
    lines.push(Line::raw(""));
    let counted = status.queue.unreadable.is_none();
    for integration in &status.integrations {
        lines.extend(integration_lines(
            integration,
            counted,
            status.queue.retention_days,
            theme,
        ));
    }
    lines
}

/// `counted`: whether the queue could be read; when not, only the integration's
/// state is shown, not counts that would read as none.
fn integration_lines(
    integration: &IntegrationStatus,
    counted: bool,
    retention_days: u32,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let counts = &integration.counts;
    let last = integration
        .last_delivery
        .as_ref()
        .map_or("none".to_string(), |last| {
            let status = last
                .status
                .map(|code| format!(" {code}"))
                .unwrap_or_default();
            format!("{}{status} at {}", last.outcome.to_uppercase(), last.at)
        });
    let mut lines = if counted {
        vec![
            Line::styled(
                format!(
                    "{}: {} waiting ({} held, {} retrying), {} dead",
                    integration.name, counts.waiting, counts.held, counts.retrying, counts.dead,
                ),
                theme.text,
            ),
            Line::styled(
                format!(
                    "  last hour {} delivered, {} failed; last delivery {last}",
                    counts.delivered_last_hour, counts.failed_last_hour,
                ),
                theme.text,
            ),
        ]
    } else {
        vec![Line::styled(
            format!("{}: queue unreadable", integration.name),
            theme.text,
        )]
    };
    for note in integration.notes(retention_days) {
        let style = if note.warning {
            theme.warning
        } else {
            theme.text
        };
        lines.push(Line::styled(format!("  {}", note.text), style));
    }
    lines
}
