//! Drawing AUTHORIZE for the device grant (RFC 8628): the code to enter, spaced out in
//! its groups and emphasised by reverse and bold (no colour needed, every profile),
//! where to enter it, the QR code of that page where it fits (else the size it needs),
//! the time the code has left, and how the wait ended. The URL has no row of its own
//! as on the redirect's screen: the QR code of a complete verification URI (byte mode,
//! up to version 3) needs every row of 80x24.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::AuthorizeView;
use crate::oauth::{FlowState, code_groups};
use crate::tui::form;
use crate::tui::profile::Profile;
use crate::tui::qr_code::drawable_renderings;
use crate::tui::theme::Theme;

impl AuthorizeView {
    /// The device grant's screen inside the frame's block.
    pub(super) fn render_device(
        &mut self,
        frame: &mut Frame,
        inner: Rect,
        theme: &Theme,
        profile: Profile,
    ) -> Option<Position> {
        // No row of its own for the URL (the text has it): at 80x24 the QR code of a
        // complete verification URI needs every row.
        let (text_area, request) = self.place_qr(frame, inner, profile);
        let needs = request.map(|request| {
            format!(
                "QR code ({}, version {}) needs {} x {} cells: enlarge the terminal{}, or open the address shown.",
                self.rendering.label(),
                request.version,
                request.width,
                request.height,
                if drawable_renderings(profile).len() > 1 {
                    ", press r for another rendering"
                } else {
                    ""
                },
            )
        });
        let width = usize::from(text_area.width);
        let mut rows = Vec::new();
        for (text, style) in self.device_lines(theme, needs) {
            for part in form::hanging(&text, 0, width) {
                rows.push(Line::styled(part, style));
            }
        }
        frame.render_widget(Paragraph::new(rows), text_area);
        self.hyperlinks = Vec::new();
        None
    }

    fn device_lines(&self, theme: &Theme, needs: Option<String>) -> Vec<(String, Style)> {
        let mut lines = Vec::new();
        let state = self
            .state
            .as_ref()
            .map(FlowState::describe)
            .unwrap_or_else(|| "Starting...".into());
        let state_style = match &self.state {
            Some(FlowState::Authorized) => theme.success,
            Some(
                FlowState::Denied { .. }
                | FlowState::Failed(_)
                | FlowState::Expired
                | FlowState::TimedOut,
            ) => theme.error,
            _ => theme.primary,
        };
        lines.push((state, state_style));
        if let (Some(left), true) = (self.time_left(), self.is_running()) {
            let seconds = left.as_secs();
            lines.push((
                format!("Code expires in {}:{:02}", seconds / 60, seconds % 60),
                theme.text,
            ));
        }
        if let Some(message) = &self.message {
            lines.push((message.clone(), theme.warning));
        }
        if let Some(line) = &self.site_line {
            lines.push((line.clone(), theme.primary));
        }
        if self.can_start_again() {
            lines.push(("s asks for a new code.".into(), theme.warning));
        }
        let Some(device) = &self.device else {
            return lines;
        };
        lines.push((String::new(), theme.text));
        lines.push(("Enter this code at the provider:".into(), theme.label));
        lines.push((String::new(), theme.text));
        // Reverse and bold: emphasis that needs no colour (NO_COLOR, the console).
        let code = theme.text.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        lines.push((format!("  {}  ", spaced(&device.user_code)), code));
        lines.push((String::new(), theme.text));
        lines.push((
            "On a phone or laptop, open (u prints it whole):".into(),
            theme.label,
        ));
        lines.push((device.verification_uri.clone(), theme.primary));
        lines.push((
            if device.verification_uri_complete.is_some() {
                "The QR code opens it with the code filled in.".into()
            } else {
                "The QR code holds this address.".into()
            },
            theme.label,
        ));
        if let Some(needs) = needs {
            lines.push((needs, theme.warning));
        }
        lines
    }
}

/// The code with a space between characters and a dash between its groups, so that it
/// reads at a glance: `WDJBMJHT` is `W D J B - M J H T`.
pub fn spaced(code: &str) -> String {
    code_groups(code)
        .iter()
        .map(|group| {
            group
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" - ")
}

#[cfg(test)]
mod tests {
    use super::spaced;

    #[test]
    fn codes_are_spaced_in_their_groups() {
        assert_eq!(spaced("WDJBMJHT"), "W D J B - M J H T");
        assert_eq!(spaced("WDJB-MJHT"), "W D J B - M J H T");
    }
}
