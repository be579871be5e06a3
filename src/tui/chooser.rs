//! The type chooser of "new integration": the portal's drop-down of configuration
//! types. The entries are the presets of `assets/presets/` (data, not code): the plain
//! webhook, Jira Cloud, Microsoft Teams. A preset with fields of its own asks for them
//! once chosen (`fields`).

mod fields;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::action::{Action, KeyContext};
use super::profile::Profile;
use super::theme::Theme;
use crate::model::{Integration, Preset, presets};
use fields::{FieldsRequest, PresetFields};

/// The description under the list: the preset's own, and the fields it asks for next.
fn describe(preset: &Preset) -> String {
    if preset.parameters.is_empty() {
        return preset.description.clone();
    }
    let fields: Vec<&str> = preset
        .parameters
        .iter()
        .map(|parameter| parameter.label.as_str())
        .collect();
    format!(
        "{}\n\nEnter asks for its fields: {}.",
        preset.description,
        fields.join(", ")
    )
}

#[derive(Debug, Clone, Default)]
pub struct Chooser {
    selected: usize,
    /// The chosen preset's own fields, being filled in.
    fields: Option<PresetFields>,
}

/// What a key on the chooser asks of the app.
#[derive(Debug, Clone)]
pub enum ChooserRequest {
    /// Open the editor on a new integration of this preset, made with its fields.
    Chosen(&'static Preset, Box<Integration>),
    Back,
    Help,
}

impl Chooser {
    /// The types, or the chosen preset's fields.
    pub fn key_context(&self) -> KeyContext {
        if self.fields.is_some() {
            KeyContext::PresetFields
        } else {
            KeyContext::Chooser
        }
    }

    pub fn handle(&mut self, action: Option<Action>, key: &KeyEvent) -> Option<ChooserRequest> {
        if let Some(fields) = &mut self.fields {
            return match fields.handle(action, key)? {
                FieldsRequest::Done(integration) => {
                    Some(ChooserRequest::Chosen(self.chosen(), integration))
                }
                FieldsRequest::Back => {
                    self.fields = None;
                    None
                }
                FieldsRequest::Help => Some(ChooserRequest::Help),
            };
        }
        match action? {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::Activate => {
                let preset = self.chosen();
                match PresetFields::of(preset) {
                    Some(fields) => self.fields = Some(fields),
                    None => {
                        let integration = Box::new(preset.with_defaults());
                        return Some(ChooserRequest::Chosen(preset, integration));
                    }
                }
            }
            Action::Back => return Some(ChooserRequest::Back),
            Action::Help => return Some(ChooserRequest::Help),
            _ => {}
        }
        None
    }

    /// Bracketed paste: into the focused field, while the fields are asked for.
    pub fn paste(&mut self, text: &str) {
        if let Some(fields) = &mut self.fields {
            fields.paste(text);
        }
    }

    fn move_by(&mut self, delta: isize) {
        let last = presets().len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    fn chosen(&self) -> &'static Preset {
        let all = presets();
        &all[self.selected.min(all.len() - 1)]
    }

    /// Draws the types, or the chosen preset's fields; returns where the cursor goes.
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        profile: Profile,
    ) -> Option<Position> {
        if let Some(fields) = &self.fields {
            return fields.render(frame, area, theme, profile);
        }
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
        None
    }
}
