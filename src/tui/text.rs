//! Words shaped for the screen: a text cut to a width shows that it was cut, and a
//! count reads "1 line", "2 lines".

use ratatui::layout::Rect;
use ratatui::text::Span;

/// Columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

fn char_width(c: char) -> usize {
    let mut bytes = [0u8; 4];
    width(c.encode_utf8(&mut bytes))
}

/// `text` in at most `columns`: whole when it fits, else cut and ended with `mark` (the
/// profile's ellipsis, `Theme::ellipsis`), so that a cut never goes unseen. Spaces
/// before the mark are dropped: `FAILED:…`, not `FAILED: …`.
pub fn fit(text: &str, columns: usize, mark: &str) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    let room = columns.saturating_sub(width(mark));
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let needed = char_width(c);
        if used + needed > room {
            break;
        }
        kept.push(c);
        used += needed;
    }
    let kept = kept.trim_end();
    if room == 0 {
        // Not even the mark fits whole: as much of it as fits.
        return mark.chars().take(columns).collect();
    }
    format!("{kept}{mark}")
}

/// Columns for a title on the top border of `area`: between the corners, less a space
/// on each side.
pub fn title_room(area: Rect) -> usize {
    usize::from(area.width).saturating_sub(4)
}

/// `count` and the noun (with whatever follows it) that agrees with it: `1 line`,
/// `2 lines`, `1 field needs attention`.
pub fn count(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_what_fits_and_marks_a_cut() {
        assert_eq!(fit("DELIVERED 200", 13, "\u{2026}"), "DELIVERED 200");
        assert_eq!(fit("DELIVERED 200", 10, "\u{2026}"), "DELIVERED\u{2026}");
        assert_eq!(fit("DELIVERED 200", 10, "~"), "DELIVERED~");
        assert_eq!(fit("FAILED: connection refused", 9, "~"), "FAILED:~");
        assert_eq!(fit("Jira Cloud production", 13, "..."), "Jira Cloud...");
        assert_eq!(fit("abc", 0, "~"), "");
        assert_eq!(fit("abcdef", 2, "..."), "..");
        // Wide characters count as two columns and are not split.
        assert_eq!(
            fit("\u{6f22}\u{5b57}\u{6f22}\u{5b57}", 5, "~"),
            "\u{6f22}\u{5b57}~"
        );
        assert!(width(&fit("\u{6f22}\u{5b57}\u{6f22}\u{5b57}", 4, "~")) <= 4);
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(1, "line", "lines"), "1 line");
        assert_eq!(count(0, "line", "lines"), "0 lines");
        assert_eq!(count(12, "row", "rows"), "12 rows");
    }
}
