//! Drawing LOGS: the table of attempts (fewer columns below 110), the text filter
//! being typed, the last hour's sparkline and the detail of one attempt.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Wrap};

use super::{LogsView, OutcomeFilter, Reading, message};
use crate::model::shell_command;
use crate::store::queue::AttemptRow;
use crate::tui::form;
use crate::tui::profile::Profile;
use crate::tui::text::count;
use crate::tui::theme::Theme;

impl LogsView {
    fn title(&self) -> String {
        let who = self.integration.as_deref().unwrap_or("all integrations");
        let mut title = format!(" LOGS {who} ({}", self.outcome.label());
        if !self.text.is_empty() {
            title.push_str(&format!(", \"{}\"", self.text));
        }
        title.push_str(") ");
        title
    }

    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        profile: Profile,
    ) -> Option<Position> {
        if self.detail.is_some() {
            self.render_detail(frame, area, theme, profile);
            return None;
        }
        let typing_height = u16::from(self.typing.is_some());
        let spark_height = if self.spark.is_some() { 2 } else { 0 };
        let [filter_area, spark_area, table_area] = Layout::vertical([
            Constraint::Length(typing_height),
            Constraint::Length(spark_height),
            Constraint::Fill(1),
        ])
        .areas(area);
        self.render_spark(frame, spark_area, theme, profile);
        let more = if self.next_before.is_some() {
            format!(" {}, older below ", count(self.rows.len(), "row", "rows"))
        } else {
            format!(" {} ", count(self.rows.len(), "row", "rows"))
        };
        let block = Block::bordered()
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(self.title(), theme.title))
            .title_bottom(Span::styled(more, theme.hint));
        let inner = block.inner(table_area);
        frame.render_widget(block, table_area);
        let cursor = self.render_typing(frame, filter_area, theme);
        if let Reading::Failed(error) = &self.reading {
            frame.render_widget(
                Paragraph::new(format!("The delivery log could not be read:\n\n{error}"))
                    .style(theme.error)
                    .wrap(Wrap { trim: false }),
                inner.inner(Margin::new(2, 1)),
            );
            return cursor;
        }
        if self.rows.is_empty() {
            let text = if matches!(self.reading, Reading::FirstPage) {
                "Reading the delivery log...".to_string()
            } else if self.outcome != OutcomeFilter::All || !self.text.is_empty() {
                "No attempt matches the filter.\n\nf changes the outcome shown, / the text \
                 (Esc on an empty text clears it)."
                    .to_string()
            } else {
                let name = self.integration.as_deref().unwrap_or("NAME");
                let send = shell_command(&["hookconsole", "send", name, "--event", "TYPE"]);
                format!(
                    "No deliveries logged yet.\n\nAn event gets here once it is sent: \
                     `{send}` queues one, and the worker \
                     (`hookconsole worker`, usually its systemd service) delivers it. Every \
                     attempt shows here as it happens; this screen follows the log."
                )
            };
            frame.render_widget(
                Paragraph::new(text)
                    .style(theme.text)
                    .wrap(Wrap { trim: false }),
                inner.inner(Margin::new(2, 1)),
            );
            return cursor;
        }
        let wide = area.width >= 110;
        let page = usize::from(inner.height.saturating_sub(1)).max(1);
        self.page = page;
        self.selected = self.selected.min(self.rows.len() - 1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(page));
        let end = (self.offset + page).min(self.rows.len());
        let columns = log_columns(wide);
        let widths: Vec<Constraint> = columns.iter().map(|column| column.width(wide)).collect();
        let room = crate::tui::table::column_widths(inner, &widths);
        let rows = self.rows[self.offset..end].iter().map(|row| {
            let style = match row.outcome.as_str() {
                "delivered" => theme.success,
                "dead" => theme.error,
                _ => theme.warning,
            };
            Row::new(columns.iter().zip(&room).map(|(column, &room)| {
                let text = match column {
                    LogColumn::Time => clock(row.at_ms, wide),
                    LogColumn::Integration => row.integration.clone(),
                    LogColumn::Event => short_event(&row.event_id),
                    LogColumn::Type => row.event_type.clone(),
                    LogColumn::Try => format!("{}/{}", row.attempt, row.max_attempts),
                    LogColumn::Outcome => outcome_text(row),
                    LogColumn::Status => row.status.map(|s| s.to_string()).unwrap_or("-".into()),
                    LogColumn::Took => duration(row.duration_ms),
                    LogColumn::NextTry => row
                        .next_retry_ms
                        .map(|at| clock(at, false))
                        .unwrap_or("-".into()),
                };
                let text = theme.fit(&text, room);
                match column {
                    LogColumn::Outcome => Cell::from(Span::styled(text, style)),
                    _ => Cell::from(text),
                }
            }))
        });
        let header = Row::new(columns.iter().map(|column| column.title(wide)));
        crate::tui::table::render_rows(
            frame,
            inner,
            header,
            rows,
            widths,
            self.selected - self.offset,
            theme,
        );
        cursor
    }

    fn render_typing(&self, frame: &mut Frame, area: Rect, theme: &Theme) -> Option<Position> {
        let input = self.typing.as_ref()?;
        if area.height == 0 {
            return None;
        }
        let label = " Text: ";
        let note = if self.too_short {
            " type at least 3 characters "
        } else {
            ""
        };
        let width = usize::from(area.width).saturating_sub(label.len() + note.len() + 1);
        let (shown, column) = input.visible(width, &[]);
        frame.render_widget(
            Line::from(vec![
                Span::styled(label, theme.primary),
                Span::styled(format!("{shown:<width$}"), theme.input_focused),
                Span::styled(note, theme.warning),
            ]),
            area,
        );
        Some(Position::new(
            area.x + label.len() as u16 + column as u16,
            area.y,
        ))
    }

    /// Two lines, one column a minute over the last hour, of the attempts the view's
    /// filters keep (integration, outcome, text): deliveries, then failed attempts;
    /// bars scale to the busiest minute.
    fn render_spark(&self, frame: &mut Frame, area: Rect, theme: &Theme, profile: Profile) {
        let Some((since, rows)) = &self.spark else {
            return;
        };
        if area.height < 2 {
            return;
        }
        // Sixty columns that end with the minute of now (the hour began at `since`).
        let first_minute = (since + 3_600_000) / 60_000 - 59;
        let mut delivered = [0i64; 60];
        let mut failed = [0i64; 60];
        for (minute, outcome, count) in rows {
            let Ok(index) = usize::try_from(minute / 60_000 - first_minute) else {
                continue;
            };
            if index >= 60 {
                continue;
            }
            if outcome == "delivered" {
                delivered[index] += count;
            } else {
                failed[index] += count;
            }
        }
        let levels = profile.spark_levels();
        let peak = delivered
            .iter()
            .chain(failed.iter())
            .copied()
            .max()
            .unwrap_or(0);
        let bars = |counts: &[i64; 60]| -> String {
            counts
                .iter()
                .map(|&count| {
                    if count == 0 || peak == 0 {
                        ' '
                    } else {
                        let level = (count * levels.len() as i64 - 1) / peak;
                        levels[usize::try_from(level).unwrap_or(0).min(levels.len() - 1)]
                    }
                })
                .collect()
        };
        let total = |counts: &[i64; 60]| counts.iter().sum::<i64>();
        let [top, bottom] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        frame.render_widget(
            Line::from(vec![
                Span::styled(" ok/min ", theme.hint),
                Span::styled(bars(&delivered), theme.success),
                Span::styled(format!(" {} in 1h", total(&delivered)), theme.hint),
            ]),
            top,
        );
        frame.render_widget(
            Line::from(vec![
                Span::styled(" failed ", theme.hint),
                Span::styled(bars(&failed), theme.error),
                Span::styled(format!(" {} in 1h", total(&failed)), theme.hint),
            ]),
            bottom,
        );
    }

    fn render_detail(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, profile: Profile) {
        let Some(detail) = &mut self.detail else {
            return;
        };
        let row = &detail.row;
        let block = Block::bordered()
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(
                format!(" Attempt #{} of {} ", row.id, row.event_id),
                theme.title,
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        // A long value goes on under itself, not under the labels.
        let value_width = usize::from(inner.width).saturating_sub(LABEL_WIDTH);
        let field = |name: &str, value: String| -> Vec<Line> {
            form::break_lines(&value, value_width)
                .into_iter()
                .enumerate()
                .map(|(n, part)| {
                    let label = if n == 0 { name } else { "" };
                    Line::from(vec![
                        Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.primary),
                        Span::styled(part, theme.text),
                    ])
                })
                .collect()
        };
        let mut lines: Vec<Line> = [
            field("Integration", row.integration.clone()),
            field("Event", format!("{} ({})", row.event_id, row.event_type)),
            field("Time (UTC)", clock(row.at_ms, true)),
            field(
                "Attempt",
                format!("{} of {}", row.attempt, row.max_attempts),
            ),
            field("Outcome", outcome_text(row)),
            field("Took", duration(row.duration_ms)),
            field(
                "Next try",
                row.next_retry_ms
                    .map(|at| clock(at, true))
                    .unwrap_or("-".into()),
            ),
            field("Summary", row.summary.clone()),
        ]
        .concat();
        lines.push(Line::default());
        lines.push(Line::styled("Request (secrets redacted)", theme.title));
        lines.extend(
            message::request_lines(&row.request)
                .into_iter()
                .map(|l| Line::styled(l, theme.text)),
        );
        lines.push(Line::default());
        lines.push(Line::styled("Response", theme.title));
        match &row.response {
            Some(response) => lines.extend(
                message::response_lines(response)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.text)),
            ),
            None => lines.push(Line::styled("(no answer came)", theme.hint)),
        }
        let max_scroll = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_sub(inner.height);
        detail.scroll = detail.scroll.min(max_scroll);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((detail.scroll, 0)),
            inner,
        );
    }
}

/// Columns of the detail's labels (`Integration` and a space).
const LABEL_WIDTH: usize = 12;

/// The last 8 characters of the event id: its head is a time prefix that events of
/// the same minute share, its tail tells them apart (the detail shows it whole).
pub fn short_event(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

/// A column of the attempts table.
#[derive(Debug, Clone, Copy)]
enum LogColumn {
    Time,
    Integration,
    Event,
    Type,
    Try,
    Outcome,
    Status,
    Took,
    NextTry,
}

/// The table's columns. Below 110 columns the date, the event type and the duration
/// go: at 80, the outcome keeps room for `retry connection_refused` and the next try
/// stays, which says more about an event that has not arrived than how long the
/// last attempt took (the detail pane has both).
fn log_columns(wide: bool) -> &'static [LogColumn] {
    use LogColumn::*;
    if wide {
        &[
            Time,
            Integration,
            Event,
            Type,
            Try,
            Outcome,
            Status,
            Took,
            NextTry,
        ]
    } else {
        &[Time, Integration, Event, Try, Outcome, Status, NextTry]
    }
}

impl LogColumn {
    fn title(self, wide: bool) -> &'static str {
        match self {
            LogColumn::Time if wide => "Time (UTC)",
            LogColumn::Time => "UTC",
            LogColumn::Integration => "Integration",
            LogColumn::Event => "Event",
            LogColumn::Type => "Type",
            LogColumn::Try => "Try",
            LogColumn::Outcome => "Outcome",
            LogColumn::Status => "HTTP",
            LogColumn::Took => "Took",
            LogColumn::NextTry => "Next try",
        }
    }

    fn width(self, wide: bool) -> Constraint {
        match self {
            LogColumn::Time if wide => Constraint::Length(19),
            LogColumn::Time => Constraint::Length(8),
            LogColumn::Integration | LogColumn::Type => Constraint::Fill(1),
            LogColumn::Event | LogColumn::NextTry => Constraint::Length(8),
            LogColumn::Try => Constraint::Length(5),
            LogColumn::Outcome => Constraint::Length(24),
            LogColumn::Status => Constraint::Length(4),
            LogColumn::Took => Constraint::Length(7),
        }
    }
}

/// "delivered", "retry timeout", "dead http_4xx".
fn outcome_text(row: &AttemptRow) -> String {
    match &row.error_class {
        Some(class) => format!("{} {class}", row.outcome),
        None => row.outcome.to_string(),
    }
}

fn duration(ms: u64) -> String {
    if ms < 10_000 {
        format!("{ms}ms")
    } else {
        format!("{}s", ms / 1000)
    }
}

/// UTC time of `ms`: "HH:MM:SS", or with the date.
fn clock(ms: i64, with_date: bool) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return "?".into();
    };
    if with_date {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    } else {
        format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
    }
}
