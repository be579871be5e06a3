//! The whole screen: title, the current view, status line, footer, popups; or, below
//! 80x24, a message asking for a larger terminal.

use std::io;

use ratatui::backend::Backend;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::{Frame, Terminal};

use super::action::{Action, KeyContext, footer};
use super::app::{App, MIN_HEIGHT, MIN_WIDTH, Popup, Screen};
use super::editor::render::EditorContext;
use super::hyperlink::{self, Hyperlink, LinkingBackend};

/// What a frame put on screen besides its cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedFrame {
    /// Where the terminal cursor goes (the focused text box), if anywhere.
    pub cursor: Option<Position>,
    /// The links the frame shows whole, for terminals that take OSC 8.
    pub hyperlinks: Vec<Hyperlink>,
}

impl App {
    /// Draws the screen, then replaces what the terminal profile cannot show.
    pub fn render(&mut self, frame: &mut Frame) {
        self.render_frame(frame);
    }

    /// [`App::render`], and what else the frame holds: the cursor and the links.
    pub fn render_frame(&mut self, frame: &mut Frame) -> RenderedFrame {
        let cursor = self.draw_screen(frame);
        self.profile.sanitize(frame.buffer_mut());
        if let Some(position) = cursor {
            frame.set_cursor_position(position);
        }
        let hyperlinks = if self.profile.hyperlinks() {
            hyperlink::on_screen(self.hyperlinks(), frame.buffer_mut())
        } else {
            Vec::new()
        };
        RenderedFrame { cursor, hyperlinks }
    }

    /// Draws a frame on the terminal: the cells that changed, the links among them
    /// as OSC 8 hyperlinks. (`Terminal::draw`, with the links handed to the backend
    /// between drawing and writing.)
    pub fn draw<B>(&mut self, terminal: &mut Terminal<LinkingBackend<B>>) -> io::Result<()>
    where
        LinkingBackend<B>: Backend<Error = io::Error>,
    {
        terminal.autoresize()?;
        let mut frame = terminal.get_frame();
        let rendered = self.render_frame(&mut frame);
        terminal.backend_mut().set_links(rendered.hyperlinks);
        terminal.apply_buffer_with_cursor(rendered.cursor)?;
        Ok(())
    }

    /// The links on the current screen, where the view drew them.
    fn hyperlinks(&self) -> Vec<Hyperlink> {
        match &self.screen {
            Screen::Authorize(view) => view.hyperlinks().to_vec(),
            _ => Vec::new(),
        }
    }

    /// The drawing alone: tests use it to check that the screen's own glyphs fit the
    /// profile without the final replacement.
    #[doc(hidden)]
    pub fn render_unsanitized(&mut self, frame: &mut Frame) {
        if let Some(position) = self.draw_screen(frame) {
            frame.set_cursor_position(position);
        }
    }

    /// Draws everything; returns where the cursor belongs.
    fn draw_screen(&mut self, frame: &mut Frame) -> Option<Position> {
        let area = frame.area();
        self.set_size(area.width, area.height);
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            self.render_too_small(frame, area);
            return None;
        }
        let [title, body, status, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.render_title(frame, title);
        let theme = self.theme;
        let profile = self.profile;
        let cursor = match &mut self.screen {
            Screen::List if self.catalog.is_none() && self.load_error.is_some() => {
                let message = format!(
                    "The integrations file could not be read, and is left as it is:\n\n{}\n\n\
                     Fix it, or its owner and mode when it says permission denied (hookconsole \
                     never overwrites a file it cannot read), then press r to read it again. The \
                     log is {}.",
                    self.load_error.as_deref().unwrap_or_default(),
                    self.paths.log_file.display()
                );
                frame.render_widget(
                    Paragraph::new(message)
                        .style(theme.error)
                        .wrap(Wrap { trim: false })
                        .block(
                            ratatui::widgets::Block::bordered()
                                .border_set(profile.border_set())
                                .title(" Integrations "),
                        ),
                    body,
                );
                None
            }
            Screen::List => {
                let integrations = self.catalog.as_ref().map(|c| c.integrations.as_slice());
                self.list.render(
                    frame,
                    body,
                    integrations,
                    super::list::RowStatuses {
                        last_results: &self.last_results,
                        last_deliveries: &self.last_deliveries,
                        deliveries: self.deliveries.summary(),
                        authorizations: &self.authorizations,
                        destinations: self.destinations,
                    },
                    &theme,
                    profile,
                )
            }
            Screen::Chooser(chooser) => chooser.render(frame, body, &theme, profile),
            Screen::Editor(editor) => {
                let context = EditorContext {
                    theme: &theme,
                    profile,
                    callback_url: self.callback_url.as_deref(),
                    appliance: self.appliance_name.as_deref(),
                    authorization: editor
                        .original()
                        .and_then(|original| self.authorizations.get(&original.name))
                        .map(|status| status.line.as_str()),
                };
                editor.render(frame, body, &context)
            }
            Screen::Verify(verify) => {
                verify.view.render(frame, body, &theme, profile);
                None
            }
            Screen::Authorize(view) => view.render(frame, body, &theme, profile),
            Screen::Logs(view) => view.render(frame, body, &theme, profile),
            Screen::Settings(view) => {
                view.render(frame, body, &theme, profile, self.callback_url.as_deref())
            }
            Screen::Status(view) => {
                view.render(frame, body, &theme, profile);
                None
            }
        };
        let status_text = self.status.clone().unwrap_or_default();
        let status_line = theme.fit(&format!(" {status_text}"), usize::from(status.width));
        frame.render_widget(Line::styled(status_line, theme.text), status);
        self.render_footer(frame, keys);
        for popup in &self.popups {
            match popup {
                Popup::Help(help) => {
                    help.render(frame, body, &theme, profile, &self.paths.log_file)
                }
                Popup::Dialog(dialog) => dialog.render(frame, body, &theme, profile),
            }
        }
        cursor.filter(|_| self.popups.is_empty())
    }

    fn render_title(&self, frame: &mut Frame, area: Rect) {
        let file = self.paths.integrations_file.display().to_string();
        super::title::render(
            frame,
            area,
            (&self.theme, self.profile),
            &file,
            &self.deliveries,
        );
    }

    fn render_footer(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.theme;
        let context = self.key_context();
        let mut spans = vec![Span::raw(" ")];
        // Keys that act on the selection are left out while there is none.
        let has_selection = self.selected().is_some();
        let loaded = self.catalog.is_some();
        // Trust is offered only by a report that refused a certificate pinning trusts.
        let offers_trust = matches!(&self.screen, Screen::Verify(verify)
            if verify.view.certificate_to_pin().is_some());
        let hints = footer(context).filter(|(_, _, action)| {
            let listed = context != KeyContext::List
                || ((has_selection || !action.needs_selection())
                    && (loaded || *action != Action::New));
            listed && (offers_trust || *action != Action::TrustCertificate)
        });
        let hints: Vec<(String, &str, Action)> = hints.collect();
        let room = usize::from(area.width).saturating_sub(1);
        for (index, hint) in fit_hints(&hints, room, theme.ellipsis)
            .into_iter()
            .enumerate()
        {
            if index > 0 {
                spans.push(Span::raw("  "));
            }
            match hint {
                Some((key, label, _)) => {
                    spans.push(Span::styled(key.clone(), theme.primary));
                    spans.push(Span::styled(format!(" {label}"), theme.hint));
                }
                None => spans.push(Span::styled(theme.ellipsis, theme.hint)),
            }
        }
        frame.render_widget(Line::from(spans), area);
    }

    fn render_too_small(&self, frame: &mut Frame, area: Rect) {
        let mut text = format!(
            "Enlarge the terminal to {MIN_WIDTH}x{MIN_HEIGHT} (it is {}x{} now). Ctrl-C quits.",
            area.width, area.height
        );
        if !self.popups.is_empty() {
            text.push_str(" A question is waiting for an answer on the full screen.");
        }
        frame.render_widget(
            Paragraph::new(text)
                .style(self.theme.warning)
                .wrap(Wrap { trim: true }),
            area,
        );
    }
}

/// The footer's hints that fit `room` columns, two spaces apart: all of them, or the
/// first ones, the mark (`None`) and help last, so that a hint left out is seen to be
/// missing and `?` shows it.
fn fit_hints<'a>(
    hints: &'a [(String, &str, Action)],
    room: usize,
    mark: &str,
) -> Vec<Option<&'a (String, &'a str, Action)>> {
    let hint_width = |(key, label, _): &(String, &str, Action)| {
        super::text::width(key) + 1 + super::text::width(label)
    };
    let total = |shown: &[Option<&(String, &str, Action)>]| -> usize {
        let widths: usize = shown
            .iter()
            .map(|hint| hint.map_or(super::text::width(mark), hint_width))
            .sum();
        widths + 2 * shown.len().saturating_sub(1)
    };
    let mut shown: Vec<Option<&(String, &str, Action)>> = hints.iter().map(Some).collect();
    if total(&shown) <= room {
        return shown;
    }
    let help = hints
        .iter()
        .position(|(_, _, action)| *action == Action::Help);
    let kept_last = help.map(|index| shown.remove(index));
    shown.push(None);
    shown.extend(kept_last);
    let mark_at = |shown: &[Option<&(String, &str, Action)>]| {
        shown.iter().position(Option::is_none).unwrap_or(0)
    };
    while total(&shown) > room && mark_at(&shown) > 0 {
        shown.remove(mark_at(&shown) - 1);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_that_do_not_fit_give_way_to_the_mark_and_help_stays() {
        let hints: Vec<(String, &str, Action)> = vec![
            ("Tab".into(), "next", Action::NextField),
            ("F3".into(), "verify", Action::Verify),
            ("Esc".into(), "close", Action::Leave),
            ("F1".into(), "help", Action::Help),
        ];
        let shown = |room| {
            fit_hints(&hints, room, "~")
                .into_iter()
                .map(|hint| hint.map_or("~", |(key, _, _)| key.as_str()))
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(80), ["Tab", "F3", "Esc", "F1"]);
        // "Tab next  F3 verify  Esc close  F1 help" is 39 columns.
        assert_eq!(shown(39), ["Tab", "F3", "Esc", "F1"]);
        assert_eq!(shown(38), ["Tab", "F3", "~", "F1"]);
        assert_eq!(shown(20), ["Tab", "~", "F1"]);
        assert_eq!(shown(5), ["~", "F1"]);
    }
}
