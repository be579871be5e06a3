//! The one way a table of rows is drawn: a header in the primary colour, the selected
//! row highlighted (reverse video in monochrome) behind a `>` marker that does not
//! depend on colour.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{HighlightSpacing, Row, Table, TableState};

use super::theme::Theme;

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
        .header(header.style(theme.primary))
        .row_highlight_style(theme.selection)
        .highlight_symbol(">")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}
