//! The form widget: one labelled row per field, labels in a fixed column, values
//! aligned; a one-line note under a row: the help of the focused field, or
//! `Error: …` for a field that is invalid. Scrolls to keep the focused row in view.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};

use super::theme::Theme;

/// Width of the label column, marker included.
pub const LABEL_WIDTH: u16 = 24;

#[derive(Debug, Clone)]
pub enum Note {
    Help(String),
    Error(String),
}

#[derive(Debug, Clone)]
pub struct FormRow<'a> {
    pub label: String,
    pub value: Line<'a>,
    pub focused: bool,
    /// Column of the terminal cursor within the value, when the row takes text.
    pub cursor: Option<u16>,
    pub note: Option<Note>,
}

impl<'a> FormRow<'a> {
    pub fn new(label: impl Into<String>, value: Line<'a>) -> Self {
        Self {
            label: label.into(),
            value,
            focused: false,
            cursor: None,
            note: None,
        }
    }

    fn height(&self) -> u16 {
        1 + u16::from(self.note.is_some())
    }
}

/// Columns left for values in a form drawn in `area`.
pub fn value_width(area: Rect) -> u16 {
    area.width.saturating_sub(LABEL_WIDTH + 1).max(1)
}

/// Draws the rows; returns where the terminal cursor belongs.
pub fn render(rows: &[FormRow], area: Rect, buf: &mut Buffer, theme: &Theme) -> Option<Position> {
    let focus = rows.iter().position(|row| row.focused).unwrap_or(0);
    let mut top = 0usize;
    let needed = |from: usize, to: usize| -> u16 { rows[from..=to].iter().map(FormRow::height).sum() };
    while top < focus && needed(top, focus) > area.height {
        top += 1;
    }
    let mut y = area.y;
    let mut cursor = None;
    let value_x = area.x + LABEL_WIDTH + 1;
    let width = value_width(area);
    for row in &rows[top..] {
        if y >= area.bottom() {
            break;
        }
        let marker = if row.focused { "> " } else { "  " };
        let label_style = if row.focused { theme.primary } else { theme.label };
        let label = Line::from(vec![
            Span::styled(marker, theme.primary),
            Span::styled(row.label.clone(), label_style),
        ]);
        buf.set_line(area.x, y, &label, LABEL_WIDTH);
        buf.set_line(value_x, y, &row.value, width);
        if row.focused
            && let Some(column) = row.cursor
        {
            cursor = Some(Position::new(value_x + column.min(width - 1), y));
        }
        y += 1;
        if let Some(note) = &row.note {
            if y >= area.bottom() {
                break;
            }
            let line = match note {
                Note::Help(text) => Line::styled(text.clone(), theme.hint),
                Note::Error(text) => Line::styled(format!("Error: {text}"), theme.error),
            };
            buf.set_line(value_x, y, &line, width);
            y += 1;
        }
    }
    cursor
}
