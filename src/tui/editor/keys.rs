//! The editor's keys: typing into the focused box (a PEM block on the CERTIFICATE
//! pane included), the actions of the editor's key table, bracketed paste.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::pane::{self, Pane, Slot};
use super::pem::PemTyping;
use super::{Editor, EditorRequest, NotAuthorized};
use crate::model::{AuthKind, Field};
use crate::tui::action::{Action, TEXT_AREA, action_in};
use crate::tui::app::{AfterSave, SaveOrigin, SaveRequest};
use crate::tui::text_input::{Edit, TextInput};

impl Editor {
    /// Bracketed paste: on the CERTIFICATE pane the text is the certificate (or goes on
    /// the PEM block being typed); elsewhere it goes into the focused text box.
    pub fn paste(&mut self, text: &str) {
        if self.pem.is_typing() {
            self.pem.insert(text);
            self.pem_typed();
            return;
        }
        if self.pane == Pane::Certificate && text.contains("-----BEGIN") {
            self.pem.forget_chain();
            self.set_certificate(Some(text.trim().to_string() + "\n"));
            self.check(Slot::CertificatePath);
            return;
        }
        let slot = self.focused();
        if slot == Slot::Content {
            self.content.insert_text(text);
            self.content_typing = true;
        } else {
            self.edit_visibly(slot, |input| {
                input.insert_str(text);
                Edit::Changed
            });
        }
    }

    /// Applies `edit` to the box of `slot`, unless it would change only what is
    /// masked: a character typed (or pasted) inside a URL's hidden password went into
    /// it unseen, the field still showing the same mask. Then nothing changes and the
    /// field says how to see what is edited.
    fn edit_visibly(&mut self, slot: Slot, edit: impl FnOnce(&mut TextInput) -> Edit) -> Edit {
        let masked_url = match slot {
            Slot::Field(field) if field.is_url() && !self.reveal => Some(field),
            _ => None,
        };
        let Some(input) = self.input_mut(slot) else {
            return Edit::Ignored;
        };
        // Only a masked URL needs the before and after compared.
        let Some(field) = masked_url else {
            return edit(input);
        };
        let before = input.clone();
        let done = edit(input);
        let (old, new) = (before.text(), input.text());
        if old != new && crate::model::mask_url(&old) == crate::model::mask_url(&new) {
            *input = before;
            self.errors.insert(
                field,
                "its secret is masked: Ctrl-R shows it to edit".into(),
            );
            return Edit::Moved;
        }
        done
    }

    /// After a key or a paste in the PEM block: when its END line is there, the block is
    /// the certificate now, checked at once.
    fn pem_typed(&mut self) {
        if let Some(text) = self.pem.ended() {
            self.typed_certificate(text);
        }
    }

    fn typed_certificate(&mut self, text: String) {
        self.set_certificate(Some(text));
        self.check(Slot::CertificatePath);
    }

    /// The focus leaves the certificate's box: a block being typed ends there (and is
    /// checked), and what is typed next starts a certificate of its own.
    pub(super) fn leave_certificate_box(&mut self) {
        if let Some(text) = self.pem.finish() {
            self.typed_certificate(text);
        }
        self.pem.forget_chain();
    }

    fn input_mut(&mut self, slot: Slot) -> Option<&mut TextInput> {
        match slot {
            Slot::Field(field) => self.texts.get_mut(&field),
            Slot::HeaderName(row) => self.headers.get_mut(row).map(|(name, _)| name),
            Slot::HeaderValue(row) => self.headers.get_mut(row).map(|(_, value)| value),
            Slot::CertificatePath => Some(&mut self.certificate_path),
            _ => None,
        }
    }

    /// A key that is not an action of the table: typing into the focused box. Returns
    /// true when the key was used.
    fn type_key(&mut self, key: &KeyEvent) -> bool {
        let slot = self.focused();
        let edit = if slot == Slot::Content {
            if !self.content_typing {
                return false;
            }
            self.content.handle_key(key)
        } else if slot == Slot::CertificatePath && self.pem.is_typing() {
            let edit = self.pem.handle_key(key);
            self.pem_typed();
            edit
        } else {
            self.edit_visibly(slot, |input| input.handle_key(key))
        };
        // The path box holds the start of a PEM block: it becomes one.
        if slot == Slot::CertificatePath
            && !self.pem.is_typing()
            && PemTyping::begins(&self.certificate_path.text())
        {
            self.pem.start(&self.certificate_path.text());
            self.certificate_path = TextInput::default();
        }
        edit != Edit::Ignored
    }

    /// True while keys type into a PEM block on the CERTIFICATE pane.
    pub fn pem_typing(&self) -> bool {
        self.pem.is_typing() && self.focused() == Slot::CertificatePath
    }

    /// Keys the focused text box takes before the action table sees them: printable
    /// characters, and in the content sample Enter and Up/Down within the text.
    fn takes_key_first(&mut self, key: &KeyEvent) -> bool {
        let plain_char = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if self.content_typing() && action_in(TEXT_AREA, key) == Some(Action::StopTyping) {
            self.content_typing = false;
            self.check(Slot::Content);
            return true;
        }
        if self.pem_typing() && action_in(TEXT_AREA, key) == Some(Action::StopTyping) {
            self.pem.discard();
            return true;
        }
        let area_key = (self.content_typing() || self.pem_typing())
            && matches!(key.code, KeyCode::Enter | KeyCode::Up | KeyCode::Down)
            && key.modifiers.is_empty();
        // Left/Right move within the line being typed, the content sample's too;
        // elsewhere they cycle a choice or move between the buttons.
        let line_key = self.typing()
            && matches!(key.code, KeyCode::Left | KeyCode::Right)
            && key.modifiers.is_empty();
        if (plain_char && self.typing()) || area_key || line_key {
            return self.type_key(key);
        }
        false
    }

    /// A key: the focused box's, or the action of the editor's table it means (`None`:
    /// typed into the focused box).
    pub fn handle(&mut self, action: Option<Action>, key: &KeyEvent) -> Option<EditorRequest> {
        if self.takes_key_first(key) {
            return None;
        }
        match action {
            Some(action) => self.handle_action(action),
            // Plain letters act on nothing but the content sample's `e`: on a button
            // or a choice, a letter typed by someone who thinks a text box still has
            // the focus does nothing.
            None if self.focused() == Slot::Content
                && key.code == KeyCode::Char('e')
                && key.modifiers.is_empty() =>
            {
                self.handle_action(Action::ExternalEditor)
            }
            None => {
                self.type_key(key);
                None
            }
        }
    }

    pub fn handle_action(&mut self, action: Action) -> Option<EditorRequest> {
        match action {
            Action::Verify => {
                // What the form holds now, saved or not, once it is valid.
                let (integration, errors) = self.build();
                if !errors.is_empty() {
                    self.show_errors(&errors);
                    return Some(EditorRequest::NotVerified(errors.len()));
                }
                return Some(EditorRequest::Verify(Box::new(integration)));
            }
            Action::LogsSelected => {
                let name = self.original.as_ref().map(|o| o.name.clone());
                return Some(EditorRequest::Logs(name));
            }
            Action::Authorize => return self.authorize(),
            Action::NextField => self.move_focus(true),
            Action::PreviousField => self.move_focus(false),
            Action::NextPane => self.switch_pane(self.pane.next()),
            Action::PreviousPane => self.switch_pane(self.pane.previous()),
            Action::NextOption => self.cycle(true),
            Action::PreviousOption => self.cycle(false),
            Action::Reveal => self.reveal = !self.reveal,
            Action::Save => return self.save(),
            Action::Leave => return Some(EditorRequest::Close),
            Action::Help => return Some(EditorRequest::Help),
            Action::RemoveRow => self.remove_row(),
            Action::ExternalEditor => {
                self.content_typing = false;
                if self.pane != Pane::ContentSample {
                    self.pane = Pane::ContentSample;
                    self.focus = 0;
                }
                return Some(EditorRequest::EditExternally(self.content.text()));
            }
            Action::TogglePreview => {
                if self.pane == Pane::ContentSample {
                    self.preview = !self.preview;
                } else {
                    self.switch_pane(Pane::ContentSample);
                    self.preview = true;
                }
            }
            Action::Activate => return self.activate(),
            _ => {}
        }
        None
    }

    fn cycle(&mut self, forward: bool) {
        let Slot::Field(field) = self.focused() else {
            if self.focused() == Slot::Save && forward {
                self.focus += 1;
            } else if self.focused() == Slot::Close && !forward {
                self.focus -= 1;
            }
            return;
        };
        let Some(options) = pane::choices(field) else {
            return;
        };
        let index = self.choices.entry(field).or_insert(0);
        *index = if forward {
            (*index + 1) % options.len()
        } else {
            (*index + options.len() - 1) % options.len()
        };
        if field == Field::Authentication {
            for field in pane::BASIC_FIELDS.iter().chain(pane::OAUTH_FIELDS) {
                self.errors.remove(field);
            }
        }
    }

    fn activate(&mut self) -> Option<EditorRequest> {
        match self.focused() {
            Slot::Save => return self.save(),
            Slot::Close => return Some(EditorRequest::Close),
            Slot::AddHeader => {
                self.headers
                    .push((TextInput::default(), TextInput::default()));
                self.focus = self
                    .slots()
                    .iter()
                    .position(|slot| *slot == Slot::HeaderName(self.headers.len() - 1))
                    .unwrap_or(self.focus);
            }
            Slot::CertificatePath => {
                let path = self.certificate_path.text();
                let path = path.trim();
                if !path.is_empty() {
                    self.pem.forget_chain();
                    return Some(EditorRequest::ReadCertificate(PathBuf::from(path)));
                }
            }
            Slot::Authorize => return self.authorize(),
            Slot::RemoveCertificate => self.remove_row(),
            Slot::Content => self.content_typing = true,
            Slot::Field(field) if pane::choices(field).is_some() => self.cycle(true),
            _ => self.move_focus(true),
        }
        None
    }

    fn remove_row(&mut self) {
        match self.focused() {
            Slot::HeaderName(row) | Slot::HeaderValue(row) => {
                self.headers.remove(row);
                let count = self.slots().len();
                self.focus = self.focus.min(count - 1);
                self.check(Slot::AddHeader);
            }
            Slot::RemoveCertificate | Slot::CertificatePath if self.certificate.is_some() => {
                self.pem = PemTyping::default();
                self.set_certificate(None);
                self.focus = 0;
                self.errors.remove(&Field::Certificate);
            }
            _ => {}
        }
    }

    fn save(&mut self) -> Option<EditorRequest> {
        self.save_then(AfterSave::Stay)
    }

    /// Saves the form when it is valid (a PEM block being typed ends first), then does
    /// `then`; `None` while a save is under way or when errors are shown instead.
    pub(crate) fn save_then(&mut self, then: AfterSave) -> Option<EditorRequest> {
        if self.saving {
            return None;
        }
        if let Some(text) = self.pem.finish() {
            self.typed_certificate(text);
        }
        let left = self.focused();
        self.check(left);
        let (integration, errors) = self.build();
        if !errors.is_empty() {
            self.show_errors(&errors);
            return None;
        }
        self.errors.clear();
        self.saving = true;
        Some(EditorRequest::Save(Box::new(SaveRequest {
            original: self.original.clone(),
            integration,
            origin: SaveOrigin::Editor(then),
        })))
    }

    /// AUTHORIZE from the editor: what is stored when nothing is unsaved; else the form
    /// saved first when it is valid.
    fn authorize(&mut self) -> Option<EditorRequest> {
        if self.auth_kind() != AuthKind::OAuth {
            return Some(EditorRequest::NotAuthorized(NotAuthorized::NotOAuth));
        }
        if !self.grant().needs_authorize() {
            return Some(EditorRequest::NotAuthorized(NotAuthorized::NoAuthorizeStep));
        }
        if let Some(original) = &self.original
            && !self.is_dirty()
        {
            return Some(EditorRequest::Authorize(Box::new(original.clone())));
        }
        match self.save_then(AfterSave::Authorize) {
            Some(request) => Some(request),
            None if self.saving => None,
            None => Some(EditorRequest::NotAuthorized(NotAuthorized::Invalid(
                self.error_count(),
            ))),
        }
    }
}
