//! The type chooser of "new integration": the portal's drop-down of configuration
//! types. The list is data: a preset (Jira Cloud, Teams) is one more entry whose
//! template fills the headers and the content sample.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::profile::Profile;
use super::theme::Theme;
use crate::model::Integration;

/// One entry of the chooser.
#[derive(Debug, Clone, Copy)]
pub struct IntegrationType {
    pub name: &'static str,
    pub description: &'static str,
    /// The new integration's starting fields.
    pub template: fn() -> Integration,
}

fn webhook() -> Integration {
    Integration::new("", "")
}

pub const INTEGRATION_TYPES: &[IntegrationType] = &[IntegrationType {
    name: "Webhook",
    description: "Sends events as HTTP requests to a URL, with no, Basic or OAuth 2.0 \
                  authentication, an optional self-signed certificate and a content sample \
                  for VERIFY.",
    template: webhook,
}];

#[derive(Debug, Clone, Default)]
pub struct Chooser {
    pub selected: usize,
}

impl Chooser {
    pub fn move_by(&mut self, delta: isize) {
        let last = INTEGRATION_TYPES.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn chosen(&self) -> &'static IntegrationType {
        &INTEGRATION_TYPES[self.selected.min(INTEGRATION_TYPES.len() - 1)]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, profile: Profile) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(
                " New integration: choose the type ",
                theme.title,
            ));
        let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 1));
        frame.render_widget(block, area);
        let [list, _, description] = Layout::vertical([
            Constraint::Length(INTEGRATION_TYPES.len() as u16),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        let lines: Vec<Line> = INTEGRATION_TYPES
            .iter()
            .enumerate()
            .map(|(index, kind)| {
                if index == self.selected {
                    Line::styled(format!("> {:<20}", kind.name), theme.selection)
                } else {
                    Line::styled(format!("  {:<20}", kind.name), theme.text)
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), list);
        frame.render_widget(
            Paragraph::new(self.chosen().description)
                .style(theme.hint)
                .wrap(Wrap { trim: true }),
            description,
        );
    }
}
