//! The integration editor: the portal's tabs as panes, every field parsed through
//! `model::set_field` and checked by `model::validate`, errors shown next to the field
//! when the person leaves it and all at once on save.

mod pane;
pub(crate) mod render;

use std::collections::HashMap;
use std::path::PathBuf;

use crossterm::event::KeyEvent;
use time::OffsetDateTime;

use super::action::Action;
use super::app::{AfterSave, SaveOrigin, SaveRequest};
use super::text_input::{Edit, TextArea, TextInput};
use crate::model::{
    AuthKind, CertificateSummary, Field, FieldError, Header, Integration, check_unique_name,
    field_text, parse_pem, set_field, validate,
};
pub use pane::{Pane, Slot};

/// What the editor asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorRequest {
    Save(Box<SaveRequest>),
    Close,
    ReadCertificate(PathBuf),
    EditExternally(String),
    Help,
}

#[derive(Debug, Clone)]
pub struct Editor {
    /// The stored version being edited; `None` for a new integration.
    pub original: Option<Integration>,
    type_name: &'static str,
    other_names: Vec<String>,
    pane: Pane,
    focus: usize,
    texts: HashMap<Field, TextInput>,
    choices: HashMap<Field, usize>,
    headers: Vec<(TextInput, TextInput)>,
    certificate: Option<String>,
    certificate_summary: Result<Vec<CertificateSummary>, String>,
    certificate_path: TextInput,
    errors: HashMap<Field, String>,
    reveal: bool,
    dirty: bool,
    pub saving: bool,
    content: TextArea,
    /// The content sample takes keys only after Enter, so that `e` can open the
    /// external editor on it; Esc or Tab stop typing (keeping the text).
    content_typing: bool,
}

impl Editor {
    /// Opens `integration` for editing; `original` is the stored version (`None` for a
    /// new one, whose fields start from a template). `other_names` are the names taken.
    pub fn new(
        original: Option<Integration>,
        integration: &Integration,
        type_name: &'static str,
        other_names: Vec<String>,
    ) -> Editor {
        let mut texts = HashMap::new();
        let mut choices = HashMap::new();
        for field in Field::ALL {
            let text = field_text(integration, field).unwrap_or_default();
            match pane::choices(field) {
                Some(options) => {
                    let index = options
                        .iter()
                        .position(|(value, _)| value.eq_ignore_ascii_case(&text))
                        .unwrap_or(0);
                    choices.insert(field, index);
                }
                None if is_scalar_text(field) => {
                    texts.insert(field, TextInput::new(&text));
                }
                None => {}
            }
        }
        let headers = integration
            .http_headers
            .iter()
            .map(|header| (TextInput::new(&header.name), TextInput::new(&header.value)))
            .collect();
        let mut editor = Editor {
            original,
            type_name,
            other_names,
            pane: Pane::Settings,
            focus: 0,
            texts,
            choices,
            headers,
            certificate: None,
            certificate_summary: Ok(Vec::new()),
            certificate_path: TextInput::default(),
            errors: HashMap::new(),
            reveal: false,
            dirty: false,
            saving: false,
            content: TextArea::new(&integration.content_sample),
            content_typing: false,
        };
        editor.set_certificate(integration.certificate.clone());
        editor
    }

    pub fn is_new(&self) -> bool {
        self.original.is_none()
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn pane(&self) -> Pane {
        self.pane
    }

    pub fn title(&self) -> String {
        match &self.original {
            Some(original) => format!("Edit {} integration `{}`", self.type_name, original.name),
            None => format!("New {} integration", self.type_name),
        }
    }

    pub fn auth_kind(&self) -> AuthKind {
        let index = self
            .choices
            .get(&Field::Authentication)
            .copied()
            .unwrap_or(0);
        AuthKind::ALL.get(index).copied().unwrap_or(AuthKind::None)
    }

    fn slots(&self) -> Vec<Slot> {
        pane::slots(
            self.pane,
            self.auth_kind(),
            self.headers.len(),
            self.certificate.is_some(),
        )
    }

    pub fn focused(&self) -> Slot {
        let slots = self.slots();
        slots
            .get(self.focus.min(slots.len().saturating_sub(1)))
            .copied()
            .unwrap_or(Slot::Save)
    }

    /// True when printable keys go to a text box.
    pub fn typing(&self) -> bool {
        match self.focused() {
            Slot::Content => self.content_typing,
            slot => slot.is_text(|field| pane::choices(field).is_some()),
        }
    }

    /// True while keys type into the content sample (after Enter on it).
    pub fn content_typing(&self) -> bool {
        self.content_typing && self.focused() == Slot::Content
    }

    /// The integration the form describes, and every error in it: parse errors from
    /// `set_field`, then `validate`'s, then a name already taken.
    pub fn build(&self) -> (Integration, Vec<FieldError>) {
        let mut integration = self
            .original
            .clone()
            .unwrap_or_else(|| Integration::new("", ""));
        let mut errors = Vec::new();
        let mut apply = |integration: &mut Integration, field: Field| {
            let text = match pane::choices(field) {
                Some(options) => {
                    let index = self.choices.get(&field).copied().unwrap_or(0);
                    options
                        .get(index)
                        .map(|(value, _)| value.to_string())
                        .unwrap_or_default()
                }
                None => self
                    .texts
                    .get(&field)
                    .map(TextInput::text)
                    .unwrap_or_default(),
            };
            if let Err(error) = set_field(integration, field, &text) {
                errors.push(error);
            }
        };
        for field in pane::SETTINGS_FIELDS {
            apply(&mut integration, field);
        }
        apply(&mut integration, Field::Authentication);
        for &field in pane::auth_fields(self.auth_kind()) {
            apply(&mut integration, field);
        }
        integration.http_headers = self
            .headers
            .iter()
            .filter(|(name, value)| !(name.is_empty() && value.is_empty()))
            .map(|(name, value)| Header::new(name.text().trim(), value.text().trim()))
            .collect();
        integration.certificate = self.certificate.clone();
        integration.content_sample = self.content.text();
        let parse_failed: Vec<Field> = errors.iter().map(|error| error.field).collect();
        errors.extend(
            validate(&integration, OffsetDateTime::now_utc())
                .errors
                .into_iter()
                .filter(|error| !parse_failed.contains(&error.field)),
        );
        errors.extend(check_unique_name(
            &integration.name,
            self.other_names.iter().map(String::as_str),
        ));
        (integration, errors)
    }

    /// Shows `errors`, one per field, and moves the focus to the first.
    pub fn show_errors(&mut self, errors: &[FieldError]) {
        self.errors.clear();
        for error in errors {
            self.errors
                .entry(error.field)
                .or_insert_with(|| error.message.clone());
        }
        let first = Pane::ALL.iter().find_map(|&pane| {
            let slots = pane::slots(pane, self.auth_kind(), self.headers.len(), true);
            slots
                .iter()
                .position(|slot| slot.field().is_some_and(|f| self.errors.contains_key(&f)))
                .map(|index| (pane, index))
        });
        if let Some((pane, index)) = first {
            self.pane = pane;
            self.focus = index;
        }
    }

    pub fn error_for(&self, field: Field) -> Option<&str> {
        self.errors.get(&field).map(String::as_str)
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Re-checks the field of the slot being left: its error appears or goes away.
    fn check(&mut self, slot: Slot) {
        let Some(field) = slot.field() else { return };
        let (_, errors) = self.build();
        match errors.into_iter().find(|error| error.field == field) {
            Some(error) => {
                self.errors.insert(field, error.message);
            }
            None => {
                self.errors.remove(&field);
            }
        }
    }

    fn move_focus(&mut self, forward: bool) {
        self.content_typing = false;
        let left = self.focused();
        let count = self.slots().len();
        self.focus = if forward {
            (self.focus + 1) % count
        } else {
            (self.focus + count - 1) % count
        };
        self.check(left);
    }

    fn switch_pane(&mut self, pane: Pane) {
        self.content_typing = false;
        let left = self.focused();
        self.check(left);
        self.pane = pane;
        self.focus = 0;
    }

    /// The saved version is now `saved`: the form stays open on it, clean.
    pub fn saved(&mut self, saved: Integration, other_names: Vec<String>) {
        self.original = Some(saved);
        self.other_names = other_names;
        self.dirty = false;
        self.saving = false;
    }

    pub fn set_certificate(&mut self, certificate: Option<String>) {
        self.certificate_summary = match &certificate {
            Some(pem) => parse_pem(pem),
            None => Ok(Vec::new()),
        };
        self.certificate = certificate;
    }

    pub fn certificate_loaded(&mut self, text: String) {
        self.set_certificate(Some(text));
        self.dirty = true;
        self.check(Slot::CertificatePath);
    }

    pub fn set_content(&mut self, text: &str) {
        if text != self.content.text() {
            self.content = TextArea::new(text);
            self.dirty = true;
            self.check(Slot::Content);
        }
    }

    /// Bracketed paste: on the CERTIFICATE pane the text is the certificate; elsewhere
    /// it goes into the focused text box.
    pub fn paste(&mut self, text: &str) {
        if self.pane == Pane::Certificate && text.contains("-----BEGIN") {
            self.set_certificate(Some(text.trim().to_string() + "\n"));
            self.dirty = true;
            self.check(Slot::CertificatePath);
            return;
        }
        let slot = self.focused();
        if slot == Slot::Content {
            self.content.insert_text(text);
            self.content_typing = true;
        } else if let Some(input) = self.input_mut(slot) {
            input.insert_str(text);
        } else {
            return;
        }
        self.dirty = true;
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
    pub fn type_key(&mut self, key: &KeyEvent) -> bool {
        let slot = self.focused();
        let edit = if slot == Slot::Content {
            if !self.content_typing {
                return false;
            }
            self.content.handle_key(key)
        } else {
            match self.input_mut(slot) {
                Some(input) => input.handle_key(key),
                None => Edit::Ignored,
            }
        };
        if edit == Edit::Changed && slot != Slot::CertificatePath {
            self.dirty = true;
        }
        edit != Edit::Ignored
    }

    /// Keys the focused text box takes before the action table sees them: printable
    /// characters, and in the content sample Enter and Up/Down within the text.
    pub fn takes_key_first(&mut self, key: &KeyEvent) -> bool {
        use crossterm::event::{KeyCode, KeyModifiers};
        let plain_char = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let slot = self.focused();
        if self.content_typing() && key.code == KeyCode::Esc {
            self.content_typing = false;
            self.check(Slot::Content);
            return true;
        }
        let area_key = self.content_typing()
            && matches!(key.code, KeyCode::Enter | KeyCode::Up | KeyCode::Down)
            && key.modifiers.is_empty();
        let line_key = slot != Slot::Content
            && self.typing()
            && matches!(key.code, KeyCode::Left | KeyCode::Right)
            && key.modifiers.is_empty();
        if (plain_char && self.typing()) || area_key || line_key {
            return self.type_key(key);
        }
        false
    }

    pub fn handle_action(&mut self, action: Action) -> Option<EditorRequest> {
        match action {
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
        self.dirty = true;
        if field == Field::Authentication {
            for field in pane::BASIC_FIELDS.iter().chain(&pane::OAUTH_FIELDS) {
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
                self.dirty = true;
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
                    return Some(EditorRequest::ReadCertificate(PathBuf::from(path)));
                }
            }
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
                self.dirty = true;
                let count = self.slots().len();
                self.focus = self.focus.min(count - 1);
                self.check(Slot::AddHeader);
            }
            Slot::RemoveCertificate | Slot::CertificatePath if self.certificate.is_some() => {
                self.set_certificate(None);
                self.dirty = true;
                self.focus = 0;
                self.errors.remove(&Field::Certificate);
            }
            _ => {}
        }
    }

    fn save(&mut self) -> Option<EditorRequest> {
        if self.saving {
            return None;
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
            origin: SaveOrigin::Editor(AfterSave::Stay),
        })))
    }
}

/// Fields typed as one line of text (choices and the multi-line ones aside).
fn is_scalar_text(field: Field) -> bool {
    !matches!(
        field,
        Field::HttpHeaders | Field::Certificate | Field::ContentSample
    )
}
