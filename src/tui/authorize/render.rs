//! Drawing AUTHORIZE: the QR code where it fits (else the size it needs), the text
//! beside it broken into rows here so that the links' rows are known, the start link
//! on a row of its own, and the paste box.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{AuthorizeView, QrTarget, TEXT_WIDTH};
use crate::oauth::FlowState;
use crate::tui::form;
use crate::tui::hyperlink::Hyperlink;
use crate::tui::profile::Profile;
use crate::tui::qr_code::{QrCode, drawable_renderings, pins_colours};
use crate::tui::text::title_room;
use crate::tui::theme::Theme;

impl AuthorizeView {
    /// The QR code at the left of `upper`, drawn when it fits beside `TEXT_WIDTH`
    /// columns of text (this one room decides whether it fits and what size the screen
    /// must be): the area left for the text, and, when the code does not fit, what the
    /// whole screen needs, the code and everything around its room.
    pub(super) fn place_qr(
        &mut self,
        frame: &mut Frame,
        upper: Rect,
        profile: Profile,
    ) -> (Rect, Option<QrRequest>) {
        let color = pins_colours(profile);
        let rendering = self.rendering;
        let room = Rect {
            width: upper.width.saturating_sub(TEXT_WIDTH),
            ..upper
        };
        let screen = frame.area();
        let Some(matrix) = self.matrix() else {
            return (upper, None);
        };
        let widget = QrCode::new(matrix, rendering, color);
        let (width, height) = widget.size();
        if !widget.fits(room) {
            let request = QrRequest {
                version: matrix.version(),
                width: width.saturating_add(screen.width.saturating_sub(room.width)),
                height: height.saturating_add(screen.height.saturating_sub(room.height)),
            };
            return (upper, Some(request));
        }
        let [qr_area, text_area] =
            Layout::horizontal([Constraint::Length(width + 1), Constraint::Fill(1)]).areas(upper);
        frame.render_widget(widget, qr_area);
        (text_area, None)
    }

    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        profile: Profile,
    ) -> Option<Position> {
        let block = Block::bordered()
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(format!(
                " {} ",
                theme.fit(&format!("AUTHORIZE {}", self.name), title_room(area))
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.device_grant {
            return self.render_device(frame, inner, theme, profile);
        }
        // The start link goes on the bottom row across the whole width, so it is never
        // broken across lines; the QR code and the text share the rows above.
        // Once the flow has ended its listener is closed: a code or a link left on
        // the screen would lead a phone to nothing.
        let ended = self.has_ended();
        let link = match self.target {
            QrTarget::StartLink if !ended => self.start_link.clone(),
            _ => None,
        };
        let [upper, link_row] = if link.is_some() && inner.height > 2 {
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner)
        } else {
            [inner, Rect::default()]
        };
        let (text_area, request) = if ended {
            (upper, None)
        } else {
            self.place_qr(frame, upper, profile)
        };
        let mut hyperlinks = Vec::new();
        if let Some(link) = &link {
            const OPEN: &str = "Open: ";
            frame.render_widget(
                Line::from(vec![
                    Span::styled(OPEN, theme.label),
                    Span::styled(link.clone(), theme.primary),
                ]),
                link_row,
            );
            hyperlinks.push(Hyperlink {
                x: link_row.x + OPEN.len() as u16,
                y: link_row.y,
                text: link.clone(),
                url: link.clone(),
            });
        }
        let lines = self.text_lines(theme, profile, link.is_some(), request);
        let mut cursor = None;
        let body = match &self.paste {
            Some(paste) => {
                let [body, input] =
                    Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(text_area);
                let width = usize::from(input.width.saturating_sub(1));
                // The authorization code is a secret too: masked like a URL's.
                let (visible, column) = paste.visible(width, &paste.url_secrets());
                frame.render_widget(
                    Paragraph::new(vec![
                        Line::styled("Paste the redirected URL, Enter sends:", theme.label),
                        Line::styled(visible, theme.input_focused),
                    ]),
                    input,
                );
                cursor = Some(Position::new(
                    input.x + u16::try_from(column).unwrap_or(0),
                    input.y + 1,
                ));
                body
            }
            None => text_area,
        };
        // Broken into rows here rather than by the paragraph, so that the rows a URL
        // takes are known (its links) and a fingerprint breaks only at its colons.
        let mut rows = Vec::new();
        for line in lines {
            let indent = line.text.len() - line.text.trim_start_matches(' ').len();
            for part in form::hanging(&line.text, indent, usize::from(body.width)) {
                let row = u16::try_from(rows.len()).unwrap_or(u16::MAX);
                if let Some(url) = &line.links_to
                    && row < body.height
                {
                    hyperlinks.push(Hyperlink {
                        x: body.x,
                        y: body.y + row,
                        text: part.clone(),
                        url: url.clone(),
                    });
                }
                rows.push(Line::styled(part, line.style));
            }
        }
        // More rows than room: the last one shown says so, so that a URL cut short is
        // not copied as if it were whole (`u` prints it whole).
        let room = usize::from(body.height);
        if rows.len() > room && room > 0 {
            rows.truncate(room);
            if let Some(last) = rows.last_mut() {
                let text: String = last
                    .spans
                    .iter()
                    .map(|span| span.content.as_ref())
                    .collect();
                // Cut to fit or not, it ends with the ellipsis.
                let cut = theme.fit(
                    &format!("{text}{}", theme.ellipsis),
                    usize::from(body.width),
                );
                *last = Line::styled(cut, last.style);
                let row_y = body.y + u16::try_from(room - 1).unwrap_or(u16::MAX);
                hyperlinks.retain(|link| link.y != row_y || link.x != body.x);
            }
        }
        frame.render_widget(Paragraph::new(rows), body);
        self.hyperlinks = hyperlinks;
        cursor
    }

    /// The text beside (or instead of) the QR code, line by line, not yet broken to
    /// the column's width.
    fn text_lines(
        &self,
        theme: &Theme,
        profile: Profile,
        start_link_shown: bool,
        request: Option<QrRequest>,
    ) -> Vec<TextLine> {
        let mut lines = Vec::new();
        let state = self
            .state
            .as_ref()
            .map(FlowState::describe)
            .unwrap_or_else(|| "Starting...".into());
        let state_style = match &self.state {
            Some(FlowState::Authorized) => theme.success,
            Some(FlowState::Denied { .. } | FlowState::Failed(_) | FlowState::TimedOut) => {
                theme.error
            }
            _ => theme.primary,
        };
        lines.push(TextLine::new(state, state_style));
        if let (Some(left), true) = (self.time_left(), self.is_running()) {
            let seconds = left.as_secs();
            lines.push(TextLine::new(
                format!("Time left: {}:{:02}", seconds / 60, seconds % 60),
                theme.text,
            ));
        }
        if let Some(message) = &self.message {
            lines.push(TextLine::new(message.clone(), theme.warning));
        }
        if let Some(line) = &self.site_line {
            lines.push(TextLine::new(line.clone(), theme.primary));
        }
        if let Some(picker) = &self.sites {
            for (index, site) in picker.sites.iter().enumerate() {
                if index == picker.selected {
                    lines.push(TextLine::new(
                        format!("> {}", site.label()),
                        theme.selection,
                    ));
                } else {
                    lines.push(TextLine::new(format!("  {}", site.label()), theme.text));
                }
            }
        }
        lines.push(TextLine::new("", theme.text));
        let ended = self.has_ended();
        if let Some(callback) = &self.callback_url {
            lines.push(TextLine::new(
                if ended {
                    "Callback URL to register:"
                } else {
                    "Callback URL to register (k checks it):"
                },
                theme.label,
            ));
            lines.push(TextLine::new(callback.clone(), theme.text));
        }
        if ended {
            // Nothing to scan, open, print or copy: the flow's listener is closed.
            return lines;
        }
        lines.push(TextLine::new(
            if start_link_shown {
                "Scan the code, or open the link below, on a phone or laptop."
            } else {
                "The QR code holds the full authorize URL."
            },
            theme.label,
        ));
        if let Some(QrRequest {
            version,
            width,
            height,
        }) = request
        {
            let another = if drawable_renderings(profile).len() > 1 {
                "press r for another rendering, "
            } else {
                ""
            };
            lines.push(TextLine::new(
                format!(
                    "QR code ({}, version {version}) needs {width} x {height} cells: enlarge \
                     the terminal, {another}or u to print the URL.",
                    self.rendering.label(),
                ),
                theme.warning,
            ));
        }
        if let Some(fingerprint) = &self.fingerprint {
            lines.push(TextLine::new("Listener certificate SHA-256:", theme.label));
            lines.push(TextLine::new(fingerprint.clone(), theme.hint));
        }
        if let Some(url) = &self.authorize_url {
            lines.push(TextLine::new(
                "Full authorize URL (u prints it whole):",
                theme.label,
            ));
            lines.push(TextLine {
                links_to: Some(url.clone()),
                ..TextLine::new(url.clone(), theme.hint)
            });
        }
        lines
    }
}

/// The screen size the QR code needs, when it does not fit.
#[derive(Debug, Clone, Copy)]
pub(super) struct QrRequest {
    pub(super) version: i16,
    pub(super) width: u16,
    pub(super) height: u16,
}

/// One line of the text, before it is broken to the column's width.
struct TextLine {
    text: String,
    style: Style,
    /// The URL its rows link to.
    links_to: Option<String>,
}

impl TextLine {
    fn new(text: impl Into<String>, style: Style) -> TextLine {
        TextLine {
            text: text.into(),
            style,
            links_to: None,
        }
    }
}
