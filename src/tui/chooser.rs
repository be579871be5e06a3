//! The type chooser of "new integration": the portal's drop-down of configuration
//! types. The entries are the presets of `assets/presets/` (data, not code): the plain
//! webhook, Jira Cloud, Microsoft Teams.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::action::Action;
use super::profile::Profile;
use super::theme::Theme;
use crate::model::{Preset, presets};

/// The description under the list: the preset's own, and where its creation-time
/// fields ended up, since the screen does not ask for them one by one.
fn describe(preset: &Preset) -> String {
    if preset.parameters.is_empty() {
        return preset.description.clone();
    }
    let fields: Vec<String> = preset
        .parameters
        .iter()
        .map(|parameter| format!("{} ({})", parameter.label, parameter.default))
        .collect();
    format!(
        "{}\n\n{} are set in the CONTENT SAMPLE pane: change them there.",
        preset.description,
        fields.join(" and ")
    )
}

#[derive(Debug, Clone, Default)]
pub struct Chooser {
    selected: usize,
}

/// What a key on the chooser asks of the app.
#[derive(Debug, Clone, Copy)]
pub enum ChooserRequest {
    /// Open the editor on a new integration of this preset.
    Chosen(&'static Preset),
    Back,
    Help,
}

impl Chooser {
    pub fn handle(&mut self, action: Option<Action>) -> Option<ChooserRequest> {
        match action? {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::Activate => return Some(ChooserRequest::Chosen(self.chosen())),
            Action::Back => return Some(ChooserRequest::Back),
            Action::Help => return Some(ChooserRequest::Help),
            _ => {}
        }
        None
    }

    fn move_by(&mut self, delta: isize) {
        let last = presets().len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    fn chosen(&self) -> &'static Preset {
        let all = presets();
        &all[self.selected.min(all.len() - 1)]
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
            Constraint::Length(presets().len() as u16),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        let lines: Vec<Line> = presets()
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
            Paragraph::new(describe(self.chosen()))
                .style(theme.hint)
                .wrap(Wrap { trim: true }),
            description,
        );
    }
}
