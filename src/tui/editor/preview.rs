//! The content sample's live preview: the template rendered with the sample event as
//! the person types, or the template error with its line and column.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Editor;
use crate::model::EMPTY_CONTENT_SAMPLE;
use crate::template::{self, Appliance, Escaping, TemplateError};
use crate::tui::profile::Profile;
use crate::tui::theme::Theme;

/// Below this many rows for the text, the preview is not shown even when it is on:
/// the template itself needs the room.
pub const PREVIEW_MIN_ROWS: u16 = 8;

/// Where the template text and the preview go within the content pane's text area:
/// the template above, the preview below.
pub struct PreviewLayout {
    pub template: Rect,
    pub preview: Option<Rect>,
}

impl Editor {
    /// The content sample rendered for the sample event from `appliance`, as VERIFY
    /// sends it (escaped as JSON when it starts with `{`/`[` or a header declares JSON).
    pub fn preview(&self, appliance: &str) -> Result<String, TemplateError> {
        let text = self.content.text();
        let declares_json = self.headers.iter().any(|(name, value)| {
            name.text().trim().eq_ignore_ascii_case("content-type")
                && value.text().to_ascii_lowercase().contains("json")
        });
        template::render_with(
            &text,
            template::sample_event(),
            &Appliance::new(appliance),
            Escaping::detect(&text, declares_json),
        )
    }

    pub fn preview_shown(&self) -> bool {
        self.preview
    }

    pub(super) fn preview_layout(&self, area: Rect) -> PreviewLayout {
        if !self.preview || area.height < PREVIEW_MIN_ROWS {
            return PreviewLayout {
                template: area,
                preview: None,
            };
        }
        // One above the other, never side by side: payload lines are long, and a
        // half-width column would cut them.
        let [template, preview] =
            Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
        PreviewLayout {
            template,
            preview: Some(preview),
        }
    }

    /// Draws the preview: a title line, then the rendered text or the error.
    pub(super) fn render_preview(
        &self,
        frame: &mut Frame,
        area: Rect,
        rendered: &Result<String, TemplateError>,
        theme: &Theme,
        profile: Profile,
    ) {
        // The sample's data (a finding name with `é`) in what the profile can show, as
        // the final pass over the screen would do.
        let shown = |text: String| -> String {
            text.chars()
                .map(|c| {
                    let mut buffer = [0u8; 4];
                    if profile.can_show(c.encode_utf8(&mut buffer)) {
                        c
                    } else {
                        '?'
                    }
                })
                .collect()
        };
        let [title, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        let width = usize::from(body.width.saturating_sub(2).max(1));
        let sample = template::sample_event();
        match rendered {
            Ok(text) => {
                let heading = format!(
                    "  Preview: sample {} event ({} bytes)  Ctrl-O hides",
                    sample.event_type,
                    text.len()
                );
                frame.render_widget(Line::styled(fit(&heading, area.width), theme.label), title);
                if self.content.text().trim().is_empty() {
                    let warning = format!("Content Sample {EMPTY_CONTENT_SAMPLE}.");
                    let lines: Vec<Line> = crate::tui::form::break_lines(&warning, width)
                        .into_iter()
                        .map(|line| Line::styled(format!("  {line}"), theme.warning))
                        .collect();
                    frame.render_widget(Paragraph::new(lines), body);
                    return;
                }
                let height = usize::from(body.height);
                let all: Vec<&str> = text.lines().collect();
                let mut lines: Vec<Line> = all
                    .iter()
                    .take(height)
                    .map(|line| Line::styled(format!("  {}", shown(clip(line, width))), theme.text))
                    .collect();
                if all.len() > height && height > 0 {
                    lines.pop();
                    lines.push(Line::styled(
                        format!("  ... {} more lines", all.len() - height + 1),
                        theme.hint,
                    ));
                }
                frame.render_widget(Paragraph::new(lines), body);
            }
            Err(error) => {
                let heading = "  Preview: TEMPLATE ERROR (the marked line)";
                frame.render_widget(Line::styled(fit(heading, area.width), theme.error), title);
                let source = self.content.text();
                let line_text = source.lines().nth(error.line - 1).unwrap_or_default();
                let (excerpt, caret) = excerpt(line_text, error.column, width.saturating_sub(7));
                let lines = vec![
                    Line::styled(shown(format!("  {error}")), theme.error),
                    Line::from(vec![
                        Span::styled(format!("  {:>4} | ", error.line), theme.hint),
                        Span::styled(shown(excerpt), theme.text),
                    ]),
                    Line::from(vec![
                        Span::styled("       | ", theme.hint),
                        Span::styled(format!("{}^", " ".repeat(caret)), theme.error),
                    ]),
                ];
                frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
            }
        }
    }
}

/// `text` padded or cut to `width` columns.
fn fit(text: &str, width: u16) -> String {
    let width = usize::from(width);
    let cut: String = text.chars().take(width).collect();
    format!("{cut:<width$}")
}

/// The first `width` characters of a line, tabs and control characters as spaces.
fn clip(line: &str, width: usize) -> String {
    line.chars()
        .take(width)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A window of `line` at most `width` characters wide that shows 1-based `column`,
/// and the caret's offset within it.
fn excerpt(line: &str, column: usize, width: usize) -> (String, usize) {
    let width = width.max(10);
    let index = column.saturating_sub(1);
    let start = (index + 1).saturating_sub(width * 2 / 3).min(index);
    let shown: String = line.chars().skip(start).take(width).collect();
    (clip(&shown, width), index - start)
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn the_excerpt_keeps_the_column_in_view() {
        assert_eq!(excerpt("abc", 2, 20), ("abc".into(), 1));
        let long = "x".repeat(100) + "{{ y }}";
        let (shown, caret) = excerpt(&long, 101, 30);
        assert_eq!(shown.chars().nth(caret), Some('{'));
        assert!(shown.chars().count() <= 30);
    }
}
