//! The one way a table of rows is drawn: a header in the primary colour, the selected
//! row highlighted (reverse video in monochrome) behind a `>` marker that does not
//! depend on colour.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::widgets::{HighlightSpacing, Row, Table, TableState};

use super::theme::Theme;

/// Columns between two columns.
const COLUMN_SPACING: u16 = 1;
/// The selection marker's column.
const MARKER_WIDTH: u16 = 1;

/// The width each column of `widths` gets in `area`, as [`render_rows`] lays them out:
/// what a cell's text is fitted to.
pub fn column_widths(area: Rect, widths: &[Constraint]) -> Vec<usize> {
    let columns = Rect {
        width: area.width.saturating_sub(MARKER_WIDTH),
        ..area
    };
    Layout::horizontal(widths.iter().copied())
        .flex(Flex::Start)
        .spacing(COLUMN_SPACING)
        .split(columns)
        .iter()
        .map(|column| usize::from(column.width))
        .collect()
}

/// Draws `rows` under `header` in `area`, with row `selected` (counted from the first
/// row drawn) highlighted.
pub fn render_rows<'a>(
    frame: &mut Frame,
    area: Rect,
    header: Row<'a>,
    rows: impl IntoIterator<Item = Row<'a>>,
    widths: impl IntoIterator<Item = Constraint>,
    selected: usize,
    theme: &Theme,
) {
    let table = Table::new(rows, widths)
        .column_spacing(COLUMN_SPACING)
        .flex(Flex::Start)
        .header(header.style(theme.primary))
        .row_highlight_style(theme.selection)
        .highlight_symbol(">")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}
