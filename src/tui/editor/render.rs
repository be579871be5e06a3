//! Drawing the editor: the tab bar, the focused pane as a form, the buttons.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use time::OffsetDateTime;
use time::macros::format_description;

use std::ops::Range;

use super::Editor;
use super::pane::{self, Pane, Slot};
use crate::model::{AuthKind, Field};
use crate::tui::form::{self, FormRow, Note};
use crate::tui::profile::Profile;
use crate::tui::text::{count, title_room};
use crate::tui::text_input::TextInput;
use crate::tui::theme::Theme;

/// What the editor needs from the app to draw itself.
pub struct EditorContext<'a> {
    pub theme: &'a Theme,
    pub profile: Profile,
    pub callback_url: Option<&'a str>,
    /// `appliance.name` for the preview (the sample's until the settings are read).
    pub appliance: Option<&'a str>,
    /// The token store's status of the integration being edited, when it has one.
    pub authorization: Option<&'a str>,
}

impl Editor {
    /// Draws the editor in `area`; returns the cursor position of the focused box.
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        context: &EditorContext,
    ) -> Option<Position> {
        let theme = context.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(context.profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(
                format!(" {} ", theme.fit(&self.title(), title_room(area))),
                theme.title,
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [tabs, warning, body, buttons] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        frame.render_widget(self.tab_line(context), tabs);
        // The line between the tabs and the pane is blank unless there is a warning.
        if let Some(text) = self.warning() {
            frame.render_widget(
                Line::styled(format!(" Warning: {text}"), theme.warning),
                warning,
            );
        }
        frame.render_widget(self.button_line(context), buttons);
        let rows = match self.pane {
            Pane::Settings => self.settings_rows(body, theme),
            Pane::Authentication => self.authentication_rows(body, context),
            Pane::Certificate => self.certificate_rows(body, context),
            Pane::ContentSample => return self.render_content(frame, body, context),
        };
        form::render(&rows, body, frame.buffer_mut(), theme)
    }

    fn tab_line(&self, context: &EditorContext) -> Line<'static> {
        let theme = context.theme;
        let mut spans = vec![Span::raw(" ")];
        for (index, pane) in Pane::ALL.into_iter().enumerate() {
            if index > 0 {
                spans.push(Span::styled(
                    format!(" {} ", context.profile.separator()),
                    theme.hint,
                ));
            }
            let has_error = self.errors.keys().any(|field| Pane::of(*field) == pane);
            let title = if has_error {
                format!("{} (!)", pane.title())
            } else {
                pane.title().to_string()
            };
            let style = if pane == self.pane {
                theme.selection
            } else {
                theme.text
            };
            spans.push(Span::styled(format!(" {title} "), style));
        }
        Line::from(spans)
    }

    fn button_line(&self, context: &EditorContext) -> Line<'static> {
        let theme = context.theme;
        let focused = self.focused();
        let button = |label: &str, slot: Slot| {
            let style = if focused == slot {
                theme.button_focused
            } else {
                theme.button
            };
            Span::styled(format!("[ {label} ]"), style)
        };
        let state = if self.saving {
            Span::styled("Saving...", theme.warning)
        } else if self.error_count() > 0 {
            Span::styled(
                count(
                    self.error_count(),
                    "field needs attention",
                    "fields need attention",
                ),
                theme.error,
            )
        } else if self.is_dirty() {
            Span::styled("unsaved changes", theme.warning)
        } else {
            Span::styled("no unsaved changes", theme.hint)
        };
        Line::from(vec![
            Span::raw(" "),
            button("Save", Slot::Save),
            Span::raw("  "),
            button("Close", Slot::Close),
            Span::raw("   "),
            state,
        ])
    }

    /// The note under a row: the focused slot's error or help; an unfocused slot shows
    /// the error of its field when no other slot of that field is focused.
    fn note(&self, slot: Slot, anchor: bool) -> Option<Note> {
        let focused = self.focused();
        let error = slot
            .field()
            .and_then(|field| self.error_for(field))
            .and_then(|errors| error_of_slot(errors, slot));
        let error = error.as_deref();
        if focused == slot {
            return Some(match error {
                Some(message) => Note::Error(message.to_string()),
                None if self.content_typing() => Note::Help(
                    "Typing: Enter breaks the line; Esc or Tab stops; Ctrl-E: $EDITOR.".into(),
                ),
                None => Note::Help(pane::help(slot).to_string()),
            });
        }
        let field_focused = focused.field().is_some() && focused.field() == slot.field();
        match error {
            Some(message) if anchor && !field_focused => Some(Note::Error(message.to_string())),
            _ => None,
        }
    }

    fn input_value(
        &self,
        slot: Slot,
        input: &TextInput,
        width: u16,
        masking: Masking,
        theme: &Theme,
    ) -> (Line<'static>, Option<u16>) {
        let focused = self.focused() == slot;
        let hidden = if self.reveal {
            Vec::new()
        } else {
            masking.hidden(input)
        };
        // The focused box shows the part around the cursor; the others their start,
        // marked where it goes on.
        let (shown, column) = if focused {
            input.visible(usize::from(width), &hidden)
        } else {
            let (whole, _) = input.visible(usize::MAX, &hidden);
            (theme.fit(&whole, usize::from(width)), 0)
        };
        let style = if focused {
            theme.input_focused
        } else {
            theme.input
        };
        let padded = format!("{shown:<width$}", width = usize::from(width));
        (
            Line::styled(padded, style),
            focused.then_some(column as u16),
        )
    }

    fn field_row(&self, field: Field, width: u16, theme: &Theme) -> FormRow<'static> {
        let slot = Slot::Field(field);
        let mut row = match pane::choices(field) {
            Some(options) => {
                let index = self.choices.get(&field).copied().unwrap_or(0);
                let shown = options.get(index).map(|(_, label)| *label).unwrap_or("");
                let style = if self.focused() == slot {
                    theme.input_focused
                } else {
                    theme.input
                };
                FormRow::new(field.label(), Line::styled(format!("< {shown} >"), style))
            }
            None => {
                let input = self.texts.get(&field).cloned().unwrap_or_default();
                let (value, cursor) =
                    self.input_value(slot, &input, width, Masking::of(field), theme);
                let mut row = FormRow::new(field.label(), value);
                row.cursor = cursor;
                row
            }
        };
        row.focused = self.focused() == slot;
        row.note = self.note(slot, true);
        row
    }

    fn settings_rows(&self, area: Rect, theme: &Theme) -> Vec<FormRow<'static>> {
        let width = form::value_width(area);
        let mut rows: Vec<FormRow> = Vec::new();
        for field in pane::SETTINGS_FIELDS {
            rows.push(self.field_row(field, width, theme));
            if field == Field::Signing {
                rows.extend(self.signing_rows(theme));
            }
        }
        let name_width = (width / 3).max(8);
        let value_width = width.saturating_sub(name_width + 3).max(4);
        for (index, (name, value)) in self.headers.iter().enumerate() {
            let (name_line, name_cursor) = self.input_value(
                Slot::HeaderName(index),
                name,
                name_width,
                Masking::Nothing,
                theme,
            );
            let masking = if crate::model::is_sensitive_header(&name.text()) {
                Masking::All
            } else {
                Masking::Nothing
            };
            let (value_line, value_cursor) =
                self.input_value(Slot::HeaderValue(index), value, value_width, masking, theme);
            let mut spans = name_line.spans;
            spans.push(Span::raw(" : "));
            spans.extend(value_line.spans);
            let mut row = FormRow::new(format!("Header {}", index + 1), Line::from(spans));
            let focused = self.focused();
            row.focused =
                matches!(focused, Slot::HeaderName(i) | Slot::HeaderValue(i) if i == index);
            row.cursor = name_cursor.or(value_cursor.map(|c| c + name_width + 3));
            row.note = if row.focused {
                self.note(focused, false)
            } else {
                None
            };
            rows.push(row);
        }
        let label = if self.headers.is_empty() {
            "HTTP Headers"
        } else {
            ""
        };
        let style = if self.focused() == Slot::AddHeader {
            theme.button_focused
        } else {
            theme.button
        };
        let mut add = FormRow::new(label, Line::styled("[ Add header ]", style));
        add.focused = self.focused() == Slot::AddHeader;
        add.note = self.note(Slot::AddHeader, true);
        rows.push(add);
        rows
    }

    /// Under Signing when on: the secret (masked until Ctrl-R), said to be new until
    /// saved, and until when the replaced one signs too.
    fn signing_rows(&self, theme: &Theme) -> Vec<FormRow<'static>> {
        let Ok(Some(signing)) = self.signing() else {
            return Vec::new();
        };
        let shown = if signing.secret.is_empty() {
            "(left out of the import)".to_string()
        } else if self.reveal {
            signing.secret.expose().to_string()
        } else {
            signing.secret.masked().to_string()
        };
        let mut secret = FormRow::new("Signing secret", Line::styled(shown, theme.text));
        if self.signing_secret_is_new() {
            secret.note = Some(Note::Help(
                "New: give it to the receiver (Ctrl-R shows it); it signs once saved.".into(),
            ));
        }
        let mut rows = vec![secret];
        if let Some(previous) = signing.signing_previous(OffsetDateTime::now_utc()) {
            let until = previous
                .until
                .to_offset(time::UtcOffset::UTC)
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .unwrap_or_else(|_| previous.until.to_string());
            rows.push(FormRow::new(
                "Previous secret",
                Line::styled(format!("signs too until {until}"), theme.text),
            ));
        }
        rows
    }

    fn authentication_rows(&self, area: Rect, context: &EditorContext) -> Vec<FormRow<'static>> {
        let width = form::value_width(area);
        let theme = context.theme;
        let choice = self.auth_choice();
        let oauth = choice.kind == AuthKind::OAuth;
        let mut rows = vec![self.field_row(Field::Authentication, width, theme)];
        // Whether it is authorized, where the pane opens (read-only). A client-credentials
        // token needs no person: it is only ever fetched.
        if oauth {
            let (label, words) = if choice.authorizes() {
                (
                    "Authorization",
                    context.authorization.unwrap_or("not authorized"),
                )
            } else {
                (
                    "Token",
                    context
                        .authorization
                        .unwrap_or("none yet: fetched when first needed"),
                )
            };
            let style = if words.starts_with("authorized") || !choice.authorizes() {
                theme.success
            } else {
                theme.warning
            };
            rows.push(FormRow::new(
                label,
                Line::styled(theme.fit(words, usize::from(width)), style),
            ));
        }
        for &field in pane::auth_fields(choice) {
            rows.push(self.field_row(field, width, theme));
        }
        if choice.uses_callback() {
            let url = context
                .callback_url
                .unwrap_or("(finding the appliance's address...)");
            let mut callback = FormRow::new(
                "Callback URL",
                Line::styled(theme.fit(url, usize::from(width)), theme.text),
            );
            callback.note = Some(Note::Help(
                "Register this URL at the provider (read-only).".into(),
            ));
            rows.push(callback);
        }
        if choice.authorizes() {
            // The button after the fields it uses.
            let focused = self.focused() == Slot::Authorize;
            let style = if focused {
                theme.button_focused
            } else {
                theme.button
            };
            let mut button = FormRow::new("", Line::styled("[ Authorize ]", style));
            button.focused = focused;
            button.note = self.note(Slot::Authorize, false);
            rows.push(button);
        }
        rows
    }

    fn certificate_rows(&self, area: Rect, context: &EditorContext) -> Vec<FormRow<'static>> {
        let theme = context.theme;
        let width = form::value_width(area);
        if self.pem_typing() {
            return self.pem_rows(width, theme);
        }
        let (value, cursor) = self.input_value(
            Slot::CertificatePath,
            &self.certificate_path,
            width,
            Masking::Nothing,
            theme,
        );
        let mut path = FormRow::new("File or PEM text", value);
        path.focused = self.focused() == Slot::CertificatePath;
        path.cursor = cursor;
        path.note = self.note(Slot::CertificatePath, true);
        let mut rows = vec![path];
        let info = |label: &str, text: String| {
            FormRow::new(label.to_string(), Line::styled(text, theme.text))
        };
        match (&self.certificate, &self.certificate_summary) {
            (None, _) => rows.push(info(
                "Certificate",
                "none uploaded (paste PEM text to add one)".into(),
            )),
            (Some(_), Err(_)) => {
                rows.push(info("Certificate", "cannot be read (see the error)".into()))
            }
            (Some(_), Ok(certificates)) => {
                let now = OffsetDateTime::now_utc();
                for (index, certificate) in certificates.iter().enumerate() {
                    let number = if certificates.len() > 1 {
                        format!(" {}", index + 1)
                    } else {
                        String::new()
                    };
                    rows.push(info(
                        &format!("Subject{number}"),
                        certificate.subject.clone(),
                    ));
                    rows.push(info("Issuer", certificate.issuer.clone()));
                    let state = if certificate.is_expired(now) {
                        "EXPIRED"
                    } else if certificate.is_not_yet_valid(now) {
                        "NOT YET VALID"
                    } else {
                        "valid"
                    };
                    rows.push(info(
                        "Valid",
                        format!(
                            "{} to {} ({state})",
                            date(certificate.not_before),
                            date(certificate.not_after)
                        ),
                    ));
                    let fingerprint = &certificate.sha256_fingerprint;
                    let split = fingerprint.len().min(48);
                    rows.push(info("SHA-256", fingerprint[..split].to_string()));
                    if split < fingerprint.len() {
                        rows.push(info(
                            "",
                            fingerprint[split..].trim_start_matches(':').to_string(),
                        ));
                    }
                    let kind = if certificate.is_ca {
                        "CA certificate"
                    } else {
                        "server certificate"
                    };
                    let signed = if certificate.is_self_signed() {
                        ", self-signed"
                    } else {
                        ""
                    };
                    rows.push(info("Kind", format!("{kind}{signed}")));
                    if !certificate.names.is_empty() {
                        rows.push(info("Names", certificate.names.join(", ")));
                    }
                }
            }
        }
        if self.certificate.is_some() {
            let style = if self.focused() == Slot::RemoveCertificate {
                theme.button_focused
            } else {
                theme.button
            };
            let mut remove = FormRow::new("", Line::styled("[ Remove certificate ]", style));
            remove.focused = self.focused() == Slot::RemoveCertificate;
            remove.note = self.note(Slot::RemoveCertificate, false);
            rows.push(remove);
        }
        rows
    }

    /// The PEM block being typed, a row per line, the cursor's focused: how it ends
    /// under it.
    fn pem_rows(&self, width: u16, theme: &Theme) -> Vec<FormRow<'static>> {
        let Some(block) = self.pem.block() else {
            return Vec::new();
        };
        let (cursor_row, _) = block.cursor();
        let columns = usize::from(width);
        block
            .lines()
            .iter()
            .enumerate()
            .map(|(index, line)| {
                let label = if index == 0 { "PEM text" } else { "" };
                if index == cursor_row {
                    let (shown, column) = line.visible(columns, &[]);
                    let mut row = FormRow::new(
                        label,
                        Line::styled(format!("{shown:<columns$}"), theme.input_focused),
                    );
                    row.focused = true;
                    row.cursor = Some(column as u16);
                    row.note = Some(Note::Help(format!(
                        "Typing PEM text ({}): it ends at its -----END line, or with \
                         Ctrl-S or Tab. Esc drops it.",
                        count(block.line_count(), "line", "lines")
                    )));
                    row
                } else {
                    FormRow::new(
                        label,
                        Line::styled(theme.fit(&line.text(), columns), theme.input),
                    )
                }
            })
            .collect()
    }

    fn render_content(
        &self,
        frame: &mut Frame,
        area: Rect,
        context: &EditorContext,
    ) -> Option<Position> {
        let theme = context.theme;
        let focused = self.focused() == Slot::Content;
        let [label, text_area, note] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let marker = if focused { "> " } else { "  " };
        frame.render_widget(
            Line::from(vec![
                Span::styled(marker, theme.primary),
                Span::styled(
                    format!(
                        "{} ({})",
                        Field::ContentSample.label(),
                        count(self.content.line_count(), "line", "lines")
                    ),
                    if focused { theme.primary } else { theme.label },
                ),
            ]),
            label,
        );
        let layout = self.preview_layout(text_area);
        let appliance = context
            .appliance
            .unwrap_or(crate::template::SAMPLE_APPLIANCE);
        let rendered = layout.preview.map(|_| self.preview(appliance));
        let error_line = rendered
            .as_ref()
            .and_then(|rendered| rendered.as_ref().err())
            .map(|error| error.line);
        let text_area = layout.template;
        let (row, column) = self.content.cursor();
        let height = usize::from(text_area.height.max(1));
        let width = usize::from(text_area.width.saturating_sub(2).max(1));
        let top = (row + 1).saturating_sub(height);
        let left = (column + 1).saturating_sub(width);
        let style = if focused {
            theme.input_focused
        } else {
            theme.input
        };
        let lines: Vec<Line> = self
            .content
            .lines()
            .iter()
            .enumerate()
            .skip(top)
            .take(height)
            .map(|(index, line)| {
                let text: String = line.text().chars().skip(left).take(width).collect();
                // The line of a template error is marked in the gutter.
                if error_line == Some(index + 1) {
                    Line::from(vec![
                        Span::styled("! ", theme.error),
                        Span::styled(format!("{text:<width$}"), style),
                    ])
                } else {
                    Line::styled(format!("  {text:<width$}"), style)
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), text_area);
        if let (Some(area), Some(rendered)) = (layout.preview, &rendered) {
            self.render_preview(frame, area, rendered, theme, context.profile);
        }
        let note_line = match self.note(Slot::Content, true) {
            Some(Note::Error(message)) => Line::styled(format!("  Error: {message}"), theme.error),
            Some(Note::Help(text)) => Line::styled(format!("  {text}"), theme.hint),
            None => Line::default(),
        };
        frame.render_widget(note_line, note);
        focused.then(|| {
            Position::new(
                text_area.x + 2 + (column - left) as u16,
                text_area.y + (row - top) as u16,
            )
        })
    }
}

/// What of a text box is hidden until Ctrl-R reveals it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Masking {
    Nothing,
    /// A password, a client secret, a sensitive header's value.
    All,
    /// A URL's password and credential query values.
    UrlSecrets,
}

impl Masking {
    fn of(field: Field) -> Masking {
        if field.is_secret() {
            Masking::All
        } else if field.is_url() {
            Masking::UrlSecrets
        } else {
            Masking::Nothing
        }
    }

    /// The character ranges of `input` to show as the mask.
    fn hidden(self, input: &TextInput) -> Vec<Range<usize>> {
        match self {
            Masking::Nothing => Vec::new(),
            Masking::All if input.is_empty() => Vec::new(),
            Masking::All => std::iter::once(0..input.len()).collect(),
            Masking::UrlSecrets => input.url_secrets(),
        }
    }
}

fn date(moment: OffsetDateTime) -> String {
    moment
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_else(|_| moment.to_string())
}

/// What a slot shows of its field's errors, one per line (the header rows', each
/// `row N: …`): a header row its own or none (its help then); elsewhere (the Add
/// header button) the first, after which rows need attention.
fn error_of_slot(errors: &str, slot: Slot) -> Option<String> {
    if let Slot::HeaderName(row) | Slot::HeaderValue(row) = slot {
        let prefix = format!("row {}: ", row + 1);
        let own: Vec<&str> = errors
            .lines()
            .filter(|line| line.starts_with(prefix.as_str()))
            .collect();
        return (!own.is_empty()).then(|| own.join("; "));
    }
    let mut rows: Vec<&str> = errors
        .lines()
        .filter_map(|line| line.strip_prefix("row ")?.split_once(':'))
        .map(|(row, _)| row)
        .collect();
    // A row with a bad name and a bad value is one row.
    rows.dedup();
    let first = errors.lines().next().unwrap_or_default();
    Some(match rows.as_slice() {
        [] | [_] => first.to_string(),
        [most @ .., last] => format!(
            "rows {} and {last} need attention; {first}",
            most.join(", ")
        ),
    })
}
