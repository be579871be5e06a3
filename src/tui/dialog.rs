//! Questions and error messages over the current screen. A destructive question names
//! the object and the consequence, labels its button with the verb, and focuses the
//! harmless answer first.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::action::Action;
use super::profile::Profile;
use super::theme::Theme;
use crate::delivery::PeerCertificate;
use crate::model::Integration;

/// What a dialog is about, and so what its answers do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    Delete(Box<Integration>),
    /// Forget the stored tokens of the named integration.
    Forget(Box<Integration>),
    /// Unsaved edits and the person asked to close the editor.
    DiscardAndClose,
    /// Unsaved edits and the person asked to quit.
    DiscardAndQuit,
    /// Unsaved settings and the person asked to close SETTINGS.
    DiscardSettings,
    /// A save was refused: another session changed the file.
    Conflict,
    /// Deliver the event of this attempt again.
    Replay {
        attempt_id: i64,
        event_id: String,
    },
    /// Pin the certificate a VERIFY of the integration `name` was presented.
    Trust {
        name: String,
        certificate: Box<PeerCertificate>,
    },
    /// Something failed; the only answer is OK.
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Cancel,
    Delete,
    Forget,
    Discard,
    Save,
    Reload,
    Replay,
    Trust,
    Ok,
}

#[derive(Debug, Clone)]
pub struct Dialog {
    question: Question,
    title: String,
    message: String,
    buttons: Vec<(&'static str, Answer)>,
    focused: usize,
}

impl Dialog {
    /// A key on the dialog: the answer, once one is given (Esc cancels).
    pub fn handle(&mut self, action: Option<Action>) -> Option<Answer> {
        match action? {
            Action::NextButton => self.focused = (self.focused + 1).min(self.buttons.len() - 1),
            Action::PreviousButton => self.focused = self.focused.saturating_sub(1),
            Action::Press => return Some(self.answer()),
            Action::Cancel => return Some(Answer::Cancel),
            _ => {}
        }
        None
    }

    pub fn question(&self) -> &Question {
        &self.question
    }

    /// The question answered: the dialog is done with.
    pub fn into_question(self) -> Question {
        self.question
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn delete(integration: Integration) -> Dialog {
        let authorization = if matches!(
            integration.authentication,
            crate::model::Authentication::OAuth(_)
        ) {
            " Its authorization is forgotten, and revoked at the provider when a Revocation \
             URL is set."
        } else {
            ""
        };
        Dialog {
            title: "Delete integration".into(),
            message: format!(
                "Delete the integration `{}`?\n\nIts settings, secrets and certificate are removed \
                 from this appliance.{authorization} This cannot be undone.",
                integration.name
            ),
            question: Question::Delete(Box::new(integration)),
            buttons: vec![("Cancel", Answer::Cancel), ("Delete", Answer::Delete)],
            focused: 0,
        }
    }

    pub fn forget(integration: &Integration) -> Dialog {
        let name = &integration.name;
        let revokes = matches!(
            &integration.authentication,
            crate::model::Authentication::OAuth(oauth) if !oauth.revocation_url.trim().is_empty()
        );
        let provider = if revokes {
            "The grant is revoked at the provider too (its Revocation URL)."
        } else {
            "No Revocation URL is set: the grant stays valid at the provider; revoke it there too if it must end."
        };
        Dialog {
            title: "Forget authorization".into(),
            message: format!(
                "Forget the authorization of `{name}`?\n\nIts tokens are deleted from this \
                 appliance; deliveries fail as \"not authorized\" until it is authorized \
                 again. {provider}"
            ),
            question: Question::Forget(Box::new(integration.clone())),
            buttons: vec![("Cancel", Answer::Cancel), ("Forget", Answer::Forget)],
            focused: 0,
        }
    }

    pub fn replay(row: &crate::store::queue::AttemptRow) -> Dialog {
        Dialog {
            title: "Replay delivery".into(),
            message: format!(
                "Deliver the event {} ({}) to `{}` again?\n\nA new job is queued with the same \
                 event id and payload; the worker sends it, and the receiver may see it twice. \
                 An event still waiting for a retry is sent now instead, not queued twice.",
                row.event_id, row.event_type, row.integration
            ),
            question: Question::Replay {
                attempt_id: row.id,
                event_id: row.event_id.clone(),
            },
            buttons: vec![("Cancel", Answer::Cancel), ("Replay", Answer::Replay)],
            focused: 0,
        }
    }

    /// Whether to pin what the server presented: everything a person compares with the
    /// receiver's own certificate before trusting it, and what pinning replaces.
    pub fn trust(name: &str, certificate: PeerCertificate, replaces: bool) -> Dialog {
        let replaced = if replaces {
            " It replaces the certificate uploaded now."
        } else {
            ""
        };
        Dialog {
            title: "Trust this certificate?".into(),
            message: format!(
                "Subject  {}\nIssuer   {}\nValid    {} to {}\nSHA-256  {}\n\nCompare the \
                 fingerprint with the receiver's own before trusting it. Trust pins this exact \
                 certificate as `{name}`'s uploaded certificate: VERIFY and deliveries then \
                 accept it from the receiver, whatever names it lists.{replaced}",
                certificate.subject,
                certificate.issuer,
                certificate.not_before,
                certificate.not_after,
                certificate.sha256_fingerprint,
            ),
            question: Question::Trust {
                name: name.to_string(),
                certificate: Box::new(certificate),
            },
            buttons: vec![("Cancel", Answer::Cancel), ("Trust", Answer::Trust)],
            focused: 0,
        }
    }

    pub fn unsaved(name: &str, quitting: bool) -> Dialog {
        let what = if name.is_empty() {
            "the new integration".to_string()
        } else {
            format!("`{name}`")
        };
        let (question, title, verb) = if quitting {
            (Question::DiscardAndQuit, "Quit with unsaved edits?", "quit")
        } else {
            (
                Question::DiscardAndClose,
                "Unsaved edits",
                "close the editor",
            )
        };
        Dialog {
            question,
            title: title.into(),
            message: format!(
                "Your edits to {what} are not saved.\n\nSave them, discard them and {verb}, or keep editing."
            ),
            buttons: vec![
                ("Keep editing", Answer::Cancel),
                ("Save", Answer::Save),
                ("Discard", Answer::Discard),
            ],
            focused: 0,
        }
    }

    /// Unsaved edits on SETTINGS, and the person asked to close it or to quit.
    pub fn unsaved_settings(quitting: bool) -> Dialog {
        let (question, title, verb) = if quitting {
            (Question::DiscardAndQuit, "Quit with unsaved edits?", "quit")
        } else {
            (Question::DiscardSettings, "Unsaved edits", "close SETTINGS")
        };
        Dialog {
            question,
            title: title.into(),
            message: format!(
                "Your edits to the settings are not saved.\n\nSave them, discard them and {verb}, or keep editing."
            ),
            buttons: vec![
                ("Keep editing", Answer::Cancel),
                ("Save", Answer::Save),
                ("Discard", Answer::Discard),
            ],
            focused: 0,
        }
    }

    pub fn conflict(message: &str) -> Dialog {
        Dialog {
            question: Question::Conflict,
            title: "Changed by another session".into(),
            message: format!(
                "Not saved: {message}.\n\nReload to see the other change (your edits here are \
                 discarded), or keep editing and copy what you need first."
            ),
            buttons: vec![("Keep editing", Answer::Cancel), ("Reload", Answer::Reload)],
            focused: 0,
        }
    }

    pub fn error(title: &str, message: impl Into<String>) -> Dialog {
        Dialog {
            question: Question::Error,
            title: title.into(),
            message: message.into(),
            buttons: vec![("OK", Answer::Ok)],
            focused: 0,
        }
    }

    fn answer(&self) -> Answer {
        self.buttons
            .get(self.focused)
            .map(|(_, answer)| *answer)
            .unwrap_or(Answer::Cancel)
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, profile: Profile) {
        let width = area.width.min(64);
        let text_width = usize::from(width.saturating_sub(4)).max(1);
        let text_lines: usize = self
            .message
            .split('\n')
            .map(|line| super::form::break_lines(line, text_width).len())
            .sum();
        // Borders, a blank line and the buttons around the text.
        let height = (text_lines as u16 + 4).min(area.height);
        let popup = centered(area, width, height);
        frame.render_widget(Clear, popup);
        let style = if self.question == Question::Error {
            theme.error
        } else {
            theme.border_focused
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(style)
            .title(Span::styled(format!(" {} ", self.title), theme.title));
        let inner = block.inner(popup);
        frame.render_widget(block, popup);
        let [text, _, buttons] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner.inner(ratatui::layout::Margin::new(1, 0)));
        frame.render_widget(
            Paragraph::new(self.message.as_str())
                .style(theme.text)
                .wrap(Wrap { trim: false }),
            text,
        );
        let mut spans = Vec::new();
        for (index, (label, _)) in self.buttons.iter().enumerate() {
            if index > 0 {
                spans.push(Span::raw("  "));
            }
            let style = if index == self.focused {
                theme.button_focused
            } else {
                theme.button
            };
            spans.push(Span::styled(format!("[ {label} ]"), style));
        }
        frame.render_widget(Line::from(spans).alignment(Alignment::Center), buttons);
    }
}

/// A `width` x `height` rectangle in the middle of `area`, clamped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
