//! The `?` screen: every key of the view underneath, from the same table that drives
//! the keys (and, where the view has a text box, the box's), then the terminal profile
//! in use and where the log is.

use std::cell::Cell;
use std::path::Path;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::action::{Action, KeyContext, bindings, hint_for, typing};
use super::dialog::centered;
use super::profile::Profile;
use super::theme::Theme;

/// Where descriptions start: after the keys' column of 15 and its margins.
const DESCRIPTION_COLUMN: usize = 18;

/// What the help's keys in a text box's section say about the keys it does not list.
const OTHER_KEYS: (&str, &str) = ("Other keys", "type into the box");

/// The keys `?` lists for the view of `context`: how it names them, and what they do;
/// then, where the view has text boxes, their keys.
pub fn entries(context: KeyContext) -> Vec<(String, &'static str)> {
    let mut entries: Vec<(String, &'static str)> = bindings(context)
        .iter()
        .map(|binding| (binding.hint(), binding.help))
        .collect();
    let boxes = typing(context);
    for table in boxes {
        entries.extend(table.iter().map(|binding| (binding.hint(), binding.help)));
    }
    if !boxes.is_empty() {
        entries.push((OTHER_KEYS.0.to_string(), OTHER_KEYS.1));
    }
    entries
}

/// What a key on the help box asks of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpRequest {
    Close,
}

#[derive(Debug, Clone)]
pub struct Help {
    /// The view whose keys are listed.
    context: KeyContext,
    scroll: u16,
    /// How far the last frame could scroll, so that keys stop there.
    max_scroll: Cell<u16>,
    /// The lines the last frame showed at once: a page.
    page: Cell<u16>,
}

impl Help {
    pub fn new(context: KeyContext) -> Help {
        Help {
            context,
            scroll: 0,
            max_scroll: Cell::new(u16::MAX),
            page: Cell::new(1),
        }
    }

    pub fn handle(&mut self, action: Option<Action>) -> Option<HelpRequest> {
        let page = i32::from(self.page.get().max(1));
        match action? {
            Action::CloseHelp => return Some(HelpRequest::Close),
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-page),
            Action::PageDown => self.scroll_by(page),
            Action::First => self.scroll = 0,
            Action::Last => self.scroll = self.max_scroll.get(),
            _ => {}
        }
        None
    }

    /// The help's lines for a box `width` columns wide: a description longer than its
    /// line goes on below, under itself.
    pub fn lines(
        &self,
        theme: &Theme,
        profile: Profile,
        log_file: &Path,
        width: usize,
    ) -> Vec<Line<'static>> {
        let mut lines = vec![
            Line::from(vec![
                Span::styled("Terminal profile: ", theme.primary),
                Span::styled(profile.to_string(), theme.text),
            ]),
            Line::styled(
                "  --rich, --console, --ascii and --no-color choose another",
                theme.hint,
            ),
            Line::from(vec![
                Span::styled("Log file: ", theme.primary),
                Span::styled(log_file.display().to_string(), theme.text),
            ]),
            Line::default(),
            Line::styled(format!("Keys: {}", self.context.title()), theme.primary),
        ];
        let own = bindings(self.context).len();
        for (index, (keys, description)) in entries(self.context).into_iter().enumerate() {
            if index == own {
                lines.push(Line::styled("In a text box:", theme.primary));
            }
            // A space after the longest (Shift-Tab/Up/Alt-Tab), the column for the rest.
            let keys = format!("  {keys:<15} ");
            let room = width.saturating_sub(keys.len());
            let mut parts = super::form::break_lines(description, room).into_iter();
            lines.push(Line::from(vec![
                Span::styled(keys, theme.primary),
                Span::styled(parts.next().unwrap_or_default(), theme.text),
            ]));
            let under = " ".repeat(DESCRIPTION_COLUMN);
            let room = width.saturating_sub(DESCRIPTION_COLUMN);
            let rest = parts.collect::<Vec<_>>().join(" ");
            for part in super::form::break_lines(&rest, room)
                .into_iter()
                .filter(|part| !part.is_empty())
            {
                lines.push(Line::styled(format!("{under}{part}"), theme.text));
            }
        }
        lines
    }

    fn scroll_by(&mut self, delta: i32) {
        let next = (i32::from(self.scroll) + delta).clamp(0, i32::from(self.max_scroll.get()));
        self.scroll = u16::try_from(next).unwrap_or(0);
    }

    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        profile: Profile,
        log_file: &Path,
    ) {
        let width = area.width.min(100);
        let lines = self.lines(
            theme,
            profile,
            log_file,
            usize::from(width.saturating_sub(2)),
        );
        let height = (lines.len() as u16 + 2).min(area.height);
        let popup = centered(area, width, height);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(" Help (Esc closes) ", theme.title));
        let page = popup.height.saturating_sub(2);
        let max_scroll = (lines.len() as u16).saturating_sub(page);
        self.max_scroll.set(max_scroll);
        self.page.set(page);
        let block = if max_scroll == 0 {
            block
        } else if self.scroll < max_scroll {
            let keys = hint_for(KeyContext::Help, Action::Down);
            block.title_bottom(Span::styled(format!(" {keys}: more "), theme.hint))
        } else {
            let keys = hint_for(KeyContext::Help, Action::Up);
            block.title_bottom(Span::styled(format!(" {keys}: back "), theme.hint))
        };
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .scroll((self.scroll.min(max_scroll), 0)),
            popup,
        );
    }
}
