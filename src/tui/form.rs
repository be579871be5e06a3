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

    fn height(&self, width: u16) -> u16 {
        // Only the count of lines matters here, not how the last one ends.
        1 + self
            .note
            .as_ref()
            .map_or(0, |note| note_lines(note, width, "").len() as u16)
    }
}

/// Columns left for values in a form drawn in `area`.
pub fn value_width(area: Rect) -> u16 {
    area.width.saturating_sub(LABEL_WIDTH + 1).max(1)
}

/// Draws the rows; returns where the terminal cursor belongs. When they do not all
/// fit, the focused row (and its note) is kept in view, and a line at the top or the
/// bottom says that more rows are above or below.
pub fn render(rows: &[FormRow], area: Rect, buf: &mut Buffer, theme: &Theme) -> Option<Position> {
    if rows.is_empty() {
        return None;
    }
    let focus = rows.iter().position(|row| row.focused).unwrap_or(0);
    let width = value_width(area);
    let heights: Vec<u16> = rows.iter().map(|row| row.height(width)).collect();
    let needed = |from: usize, to: usize| -> u16 { heights[from..=to].iter().sum() };
    let last = rows.len() - 1;
    let (top, more_above, more_below) = {
        let mut top = 0usize;
        loop {
            let above = top > 0;
            let room = area.height.saturating_sub(u16::from(above));
            let below = needed(top, last) > room;
            let room = room.saturating_sub(u16::from(below));
            if top < focus && needed(top, focus) > room {
                top += 1;
            } else {
                break (top, above, below);
            }
        }
    };
    let mark = |text: &str| Line::styled(format!("  {} {text}", theme.ellipsis), theme.hint);
    let mut y = area.y;
    if more_above && y < area.bottom() {
        buf.set_line(area.x, y, &mark("more above"), area.width);
        y += 1;
    }
    let bottom = area.bottom().saturating_sub(u16::from(more_below));
    let mut cursor = None;
    let value_x = area.x + LABEL_WIDTH + 1;
    for row in &rows[top..] {
        if y >= bottom {
            break;
        }
        let marker = if row.focused { "> " } else { "  " };
        let label_style = if row.focused {
            theme.primary
        } else {
            theme.label
        };
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
            let style = match note {
                Note::Help(_) => theme.hint,
                Note::Error(_) => theme.error,
            };
            for text in note_lines(note, width, theme.ellipsis) {
                if y >= bottom {
                    break;
                }
                buf.set_line(value_x, y, &Line::styled(text, style), width);
                y += 1;
            }
        }
    }
    if more_below && bottom < area.bottom() {
        buf.set_line(area.x, bottom, &mark("more below"), area.width);
    }
    cursor
}

/// A note in lines of `width` columns, broken at spaces: help in at most two, an error
/// in at most four (it says what to fix, and at 80 columns two cut the header rules'
/// and the URL's reasons short); a longer one ends with `mark`.
pub fn note_lines(note: &Note, width: u16, mark: &str) -> Vec<String> {
    let (text, most) = match note {
        Note::Help(text) => (text.clone(), 2),
        Note::Error(text) => (format!("Error: {text}"), 4),
    };
    wrap(&text, usize::from(width), most, mark)
}

/// Breaks `text` into at most `max_lines` lines of `width` characters; when the text
/// is longer, the last one is cut and ends with `mark`.
pub fn wrap(text: &str, width: usize, max_lines: usize, mark: &str) -> Vec<String> {
    let width = width.max(1);
    let mut lines = break_lines(text, width);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines.max(1) - 1).join(" ");
        lines.push(super::text::fit(&rest, width, mark));
    }
    lines
}

/// `text` in lines of at most `width` characters, broken at spaces; a word longer
/// than a line (a URL) is broken where the line ends, so nothing is cut off (unlike
/// [`wrap`], for text that must be read whole). A fingerprint (`AB:CD:…`) is broken
/// only after a colon, so that no byte is split and no line starts with `:`.
pub fn break_lines(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        } else if used > 0 {
            line.push(' ');
        }
        loop {
            let room = width - line.chars().count();
            let rest = word.split_off(break_point(&word, room));
            line.extend(word);
            if rest.is_empty() {
                break;
            }
            lines.push(std::mem::take(&mut line));
            word = rest;
        }
    }
    lines.push(line);
    lines
}

/// How much of `word` goes on a line with `room` columns left: all of it when it fits,
/// up to the last colon that fits for a fingerprint, else as much as fits.
fn break_point(word: &[char], room: usize) -> usize {
    if word.len() <= room {
        return word.len();
    }
    if is_fingerprint(word)
        && let Some(colon) = word[..room].iter().rposition(|c| *c == ':')
    {
        return colon + 1;
    }
    room
}

/// Hexadecimal bytes joined by colons, as certificate fingerprints are written.
fn is_fingerprint(word: &[char]) -> bool {
    word.len() >= 5
        && word
            .split(|c| *c == ':')
            .all(|byte| byte.len() == 2 && byte.iter().all(char::is_ascii_hexdigit))
}

/// `line` broken into lines of `width` characters with a hanging indent: what follows
/// the first `indent` characters (a label column) goes on under itself.
pub fn hanging(line: &str, indent: usize, width: usize) -> Vec<String> {
    let head: String = line.chars().take(indent).collect();
    let rest: String = line.chars().skip(indent).collect();
    let pad = " ".repeat(head.chars().count());
    break_lines(&rest, width.saturating_sub(indent))
        .into_iter()
        .enumerate()
        .map(|(n, part)| {
            if n == 0 {
                format!("{head}{part}")
            } else {
                format!("{pad}{part}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_marks_the_cut() {
        assert_eq!(wrap("one two three", 7, 2, "~"), ["one two", "three"]);
        assert_eq!(wrap("one two three four", 7, 2, "~"), ["one two", "three~"]);
        assert_eq!(
            wrap("one two three four", 8, 2, "\u{2026}"),
            ["one two", "three f\u{2026}"]
        );
        assert_eq!(wrap("", 5, 2, "~"), [""]);
    }

    #[test]
    fn break_lines_breaks_at_spaces_and_cuts_nothing_off() {
        assert_eq!(break_lines("short", 20), ["short"]);
        assert_eq!(
            break_lines("tcp connect error: Connection refused (os error 111)", 20),
            ["tcp connect error:", "Connection refused", "(os error 111)"]
        );
        let url = "https://hooks.example.com/services/T000/B000/XXXXXXXX";
        let lines = break_lines(&format!("sent to {url}"), 16);
        assert!(
            lines.iter().all(|line| line.chars().count() <= 16),
            "{lines:?}"
        );
        // The long word starts a line of its own and goes on over the next ones.
        assert_eq!(lines[0], "sent to");
        assert_eq!(lines[1..].concat(), url);
    }

    #[test]
    fn a_fingerprint_breaks_only_after_a_colon() {
        let fingerprint = "37:03:B2:40:12:39:48:D2:E8:7B:86:2F:E4:85:95:E9:A4:C8:47:17:F7:25:FB:\
                           04:14:E4:74:F4:31:8B:AF:3E";
        for width in 6..100 {
            let lines = break_lines(&format!("sha256 {fingerprint}"), width);
            let pieces = &lines[1.min(lines.len() - 1)..];
            assert_eq!(pieces.concat(), fingerprint, "{width}: {lines:?}");
            for (index, piece) in pieces.iter().enumerate() {
                assert!(piece.chars().count() <= width, "{width}: {lines:?}");
                assert!(!piece.starts_with(':'), "{width}: {lines:?}");
                if index + 1 < pieces.len() {
                    assert!(piece.ends_with(':'), "{width}: {lines:?}");
                }
            }
        }
        // Not a fingerprint: broken where the line ends.
        assert_eq!(break_lines("ab:cd:xyz", 4), ["ab:c", "d:xy", "z"]);
    }

    #[test]
    fn hanging_keeps_the_label_column_clear() {
        let line = "advice    The receiver rejected the request: its answer above says why";
        assert_eq!(
            hanging(line, 10, 40),
            [
                "advice    The receiver rejected the",
                "          request: its answer above says",
                "          why",
            ]
        );
        assert_eq!(hanging("short", 10, 40), ["short"]);
    }
}
