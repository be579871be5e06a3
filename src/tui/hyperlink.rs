//! OSC 8 hyperlinks: the authorize URL and the start link are clickable where the
//! terminal supports it, wherever the screen breaks them over lines.
//!
//! Ratatui writes only the cells that changed since the last frame, and its buffer
//! cannot hold an escape sequence. So the views say which cells show a link
//! ([`Hyperlink`]), and [`LinkingBackend`] wraps every run of those cells that ratatui
//! writes in `OSC 8 ; id=… ; URL ST` … `OSC 8 ; ; ST`: a link is sent once when it
//! appears or changes, and a part of it redrawn (after a popup, say) is a link again.
//! Unchanged frames send nothing. The `id` makes the pieces of a link written at
//! different times, or on different rows, one link to the terminal.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};

/// The cells from `x` on row `y` that show `text`, a link to `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hyperlink {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub url: String,
}

impl Hyperlink {
    fn width(&self) -> u16 {
        u16::try_from(self.text.chars().count()).unwrap_or(u16::MAX)
    }

    fn contains(&self, x: u16, y: u16) -> bool {
        y == self.y && x >= self.x && x - self.x < self.width()
    }

    /// Whether `buffer` shows the link's text at its cells (nothing drawn over it).
    fn is_shown(&self, buffer: &Buffer) -> bool {
        let mut expected = self.text.chars();
        (self.x..self.x.saturating_add(self.width())).all(|x| {
            buffer.cell(Position::new(x, self.y)).is_some_and(|cell| {
                Some(cell.symbol()) == expected.next().map(String::from).as_deref()
            })
        })
    }
}

/// The links that `buffer` really shows, whole: a popup over one, a frame too small
/// for it, or a URL with bytes a terminal must not get in an escape sequence (only
/// printable ASCII is allowed in OSC 8) leaves it out.
pub fn on_screen(links: Vec<Hyperlink>, buffer: &Buffer) -> Vec<Hyperlink> {
    links
        .into_iter()
        .filter(|link| {
            !link.text.is_empty()
                && !link.url.is_empty()
                && link.url.bytes().all(|b| b.is_ascii_graphic())
                && link.is_shown(buffer)
        })
        .collect()
}

/// A ratatui backend that writes the cells of the current frame's links as OSC 8
/// hyperlinks and everything else as the backend it wraps.
#[derive(Debug)]
pub struct LinkingBackend<B> {
    inner: B,
    links: Vec<Hyperlink>,
}

impl<B> LinkingBackend<B> {
    pub fn new(inner: B) -> LinkingBackend<B> {
        LinkingBackend {
            inner,
            links: Vec::new(),
        }
    }

    /// The links of the frame about to be written (see [`on_screen`]).
    pub fn set_links(&mut self, links: Vec<Hyperlink>) {
        self.links = links;
    }

    fn link_at(&self, x: u16, y: u16) -> Option<&Hyperlink> {
        self.links.iter().find(|link| link.contains(x, y))
    }
}

/// A short id per URL: the same URL is the same link wherever its pieces are.
fn link_id(url: &str) -> String {
    let mut hasher = DefaultHasher::new();
    url.hash(&mut hasher);
    format!("hc{:x}", hasher.finish())
}

impl<B> Backend for LinkingBackend<B>
where
    B: Backend<Error = io::Error> + Write,
{
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        if self.links.is_empty() {
            return self.inner.draw(content);
        }
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        let mut start = 0;
        while start < cells.len() {
            let link = self.link_at(cells[start].0, cells[start].1).cloned();
            let end = cells[start..]
                .iter()
                .position(|&(x, y, _)| self.link_at(x, y) != link.as_ref())
                .map_or(cells.len(), |length| start + length);
            let run = cells[start..end].iter().copied();
            match &link {
                Some(link) => {
                    write!(
                        self.inner,
                        "\x1b]8;id={};{}\x1b\\",
                        link_id(&link.url),
                        link.url
                    )?;
                    self.inner.draw(run)?;
                    write!(self.inner, "\x1b]8;;\x1b\\")?;
                }
                None => self.inner.draw(run)?,
            }
            start = end;
        }
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn link(x: u16, text: &str, url: &str) -> Hyperlink {
        Hyperlink {
            x,
            y: 1,
            text: text.into(),
            url: url.into(),
        }
    }

    #[test]
    fn only_links_shown_whole_and_safe_to_send_are_kept() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 20, 3));
        buffer.set_string(2, 1, "https://a.test/x", ratatui::style::Style::default());
        let shown = link(2, "https://a.test/x", "https://a.test/x");
        let covered = link(2, "https://a.test/y", "https://a.test/y");
        let outside = link(10, "https://a.test/x", "https://a.test/x");
        let escape = link(2, "https://a.test/x", "https://a.test/x\u{7}\u{1b}]2;title");
        let kept = on_screen(vec![shown.clone(), covered, outside, escape], &buffer);
        assert_eq!(kept, [shown]);
    }
}
