//! The fields a preset asks for when it is chosen (Jira Cloud's project key and issue
//! type): a small form from the preset's data, each field with its help, filled with
//! the preset's defaults. They are what `add --preset-field KEY=VALUE` gives on the
//! command line, checked the same way (`Preset::instantiate`).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::model::{Integration, Preset};
use crate::tui::action::Action;
use crate::tui::form::{self, FormRow, Note};
use crate::tui::profile::Profile;
use crate::tui::text::title_room;
use crate::tui::text_input::TextInput;
use crate::tui::theme::Theme;

#[derive(Debug, Clone)]
pub struct PresetFields {
    preset: &'static Preset,
    /// One per parameter of the preset, in its order.
    inputs: Vec<TextInput>,
    focus: usize,
    /// The field refused, by index, and why.
    error: Option<(usize, String)>,
}

/// What a key on the fields asks of the chooser.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldsRequest {
    /// The fields are valid: a new integration of the preset, with them.
    Done(Box<Integration>),
    Back,
    Help,
}

impl PresetFields {
    /// The form of `preset`'s parameters, or `None` when it has none.
    pub fn of(preset: &'static Preset) -> Option<PresetFields> {
        (!preset.parameters.is_empty()).then(|| PresetFields {
            preset,
            inputs: preset
                .parameters
                .iter()
                .map(|parameter| TextInput::new(&parameter.default))
                .collect(),
            focus: 0,
            error: None,
        })
    }

    pub fn handle(&mut self, action: Option<Action>, key: &KeyEvent) -> Option<FieldsRequest> {
        match action {
            Some(Action::NextField) => self.move_focus(1),
            Some(Action::PreviousField) => self.move_focus(-1),
            Some(Action::Activate) if self.focus + 1 < self.inputs.len() => self.move_focus(1),
            Some(Action::Activate) => return self.done(),
            Some(Action::Back) => return Some(FieldsRequest::Back),
            Some(Action::Help) => return Some(FieldsRequest::Help),
            _ => {
                if let Some(input) = self.inputs.get_mut(self.focus) {
                    input.handle_key(key);
                }
            }
        }
        None
    }

    /// Bracketed paste into the focused field.
    pub fn paste(&mut self, text: &str) {
        if let Some(input) = self.inputs.get_mut(self.focus) {
            input.insert_str(text);
        }
    }

    fn move_focus(&mut self, by: isize) {
        let count = self.inputs.len().max(1);
        self.focus = (self.focus as isize + by).rem_euclid(count as isize) as usize;
    }

    /// The integration with these values, or the first field refused, focused.
    fn done(&mut self) -> Option<FieldsRequest> {
        let values: Vec<(String, String)> = self
            .preset
            .parameters
            .iter()
            .zip(&self.inputs)
            .map(|(parameter, input)| (parameter.key.clone(), input.text().trim().to_string()))
            .collect();
        match self.preset.instantiate(&values) {
            Ok(integration) => Some(FieldsRequest::Done(Box::new(integration))),
            Err(error) => {
                let index = self
                    .preset
                    .parameters
                    .iter()
                    .position(|parameter| parameter.key == error.key())
                    .unwrap_or(0);
                self.focus = index;
                self.error = Some((index, error.to_string()));
                None
            }
        }
    }

    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        profile: Profile,
    ) -> Option<Position> {
        let title = format!("New {} integration: its fields", self.preset.name);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(
                format!(" {} ", theme.fit(&title, title_room(area))),
                theme.title,
            ));
        let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 1));
        frame.render_widget(block, area);
        let [intro, _, fields] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(
                "The preset puts these into its content sample, as `--preset-field` does. \
                 Enter on the last one opens the editor; Esc goes back to the types.",
            )
            .style(theme.hint)
            .wrap(Wrap { trim: true }),
            intro,
        );
        let width = form::value_width(fields);
        let rows: Vec<FormRow> = self
            .preset
            .parameters
            .iter()
            .zip(&self.inputs)
            .enumerate()
            .map(|(index, (parameter, input))| {
                let focused = index == self.focus;
                let mut row = if focused {
                    let (shown, column) = input.visible(usize::from(width), &[]);
                    let padded = format!("{shown:<width$}", width = usize::from(width));
                    let mut row = FormRow::new(
                        parameter.label.clone(),
                        Line::styled(padded, theme.input_focused),
                    );
                    row.cursor = Some(column as u16);
                    row
                } else {
                    FormRow::new(
                        parameter.label.clone(),
                        Line::styled(theme.fit(&input.text(), usize::from(width)), theme.input),
                    )
                };
                row.focused = focused;
                row.note = match &self.error {
                    Some((refused, message)) if *refused == index => {
                        Some(Note::Error(message.clone()))
                    }
                    _ if focused => Some(Note::Help(parameter.help.clone())),
                    _ => None,
                };
                row
            })
            .collect();
        form::render(&rows, fields, frame.buffer_mut(), theme)
    }
}
