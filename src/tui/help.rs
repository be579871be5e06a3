//! The `?` screen: every key of the view underneath, from the same table that drives
//! the keys, then the terminal profile in use and where the log is.

use std::cell::Cell;
use std::path::Path;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::action::{KeyContext, bindings};
use super::dialog::centered;
use super::profile::Profile;
use super::theme::Theme;

#[derive(Debug, Clone)]
pub struct Help {
    /// The view whose keys are listed.
    pub context: KeyContext,
    pub scroll: u16,
    /// How far the last frame could scroll, so that keys stop there.
    max_scroll: Cell<u16>,
}

impl Help {
    pub fn new(context: KeyContext) -> Help {
        Help {
            context,
            scroll: 0,
            max_scroll: Cell::new(u16::MAX),
        }
    }

    pub fn lines(&self, theme: &Theme, profile: Profile, log_file: &Path) -> Vec<Line<'static>> {
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
        for binding in bindings(self.context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", binding.hint), theme.primary),
                Span::styled(binding.action.describe().to_string(), theme.text),
            ]));
        }
        if self.context == KeyContext::Editor {
            lines.push(Line::styled(
                "  Other keys type into the focused box (Left/Right, Home/End, Backspace, Ctrl-U).",
                theme.hint,
            ));
        }
        lines
    }

    pub fn scroll_by(&mut self, delta: i16) {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll.get());
    }

    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        profile: Profile,
        log_file: &Path,
    ) {
        let lines = self.lines(theme, profile, log_file);
        let height = (lines.len() as u16 + 2).min(area.height);
        let popup = centered(area, area.width.min(100), height);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(" Help (Esc closes) ", theme.title));
        let max_scroll = (lines.len() as u16).saturating_sub(popup.height.saturating_sub(2));
        self.max_scroll.set(max_scroll);
        let block = if max_scroll == 0 {
            block
        } else if self.scroll < max_scroll {
            block.title_bottom(Span::styled(" Down/j: more ", theme.hint))
        } else {
            block.title_bottom(Span::styled(" Up/k: back ", theme.hint))
        };
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .scroll((self.scroll.min(max_scroll), 0)),
            popup,
        );
    }
}
