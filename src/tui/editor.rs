//! The integration editor: the portal's tabs as panes, every field parsed through
//! `model::set_field` and checked by `model::validate_with`, errors shown next to the
//! field when the person leaves it and all at once on save; credentials that would go
//! over plain HTTP are a warning line under the tabs. Edits are unsaved while the form
//! differs from what it held when opened or last saved.

mod keys;
mod pane;
mod pem;
mod preview;
pub(crate) mod render;

use std::collections::HashMap;
use std::path::PathBuf;

use time::OffsetDateTime;

use super::app::SaveRequest;
use super::text_input::{TextArea, TextInput};
use crate::model::{
    AuthKind, CertificateSummary, DEFAULT_SIGNING_OVERLAP, DestinationPolicy, Field, FieldError,
    Grant, Header, Integration, NoRandomness, Secret, Signing, SigningChange, change_signing,
    check_unique_name, destination_problems, field_text, header_problems, new_signing_secret,
    parse_pem, plain_http_credentials, set_field, validate_with,
};
pub use pane::{AuthChoice, Pane, Slot};

/// What the editor asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorRequest {
    Save(Box<SaveRequest>),
    Close,
    ReadCertificate(PathBuf),
    EditExternally(String),
    /// VERIFY what the form holds now, saved or not (it is valid).
    Verify(Box<Integration>),
    /// VERIFY was asked for, but these many fields must be fixed first (shown).
    NotVerified(usize),
    /// LOGS of the integration as stored; `None` for a new one, never saved.
    Logs(Option<String>),
    /// AUTHORIZE the integration as stored: the form holds nothing unsaved.
    Authorize(Box<Integration>),
    /// AUTHORIZE was asked for, but cannot start from the form as it is (shown).
    NotAuthorized(NotAuthorized),
    Help,
}

/// Why AUTHORIZE cannot start from the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAuthorized {
    /// The authentication chosen is not OAuth.
    NotOAuth,
    /// The grant chosen (client credentials) gets its token without a person.
    NoAuthorizeStep,
    /// These many fields must be fixed first (shown).
    Invalid(usize),
}

#[derive(Debug, Clone)]
pub struct Editor {
    /// The stored version being edited; `None` for a new integration.
    original: Option<Integration>,
    /// What the form's fields are applied to: the stored version, or the preset's.
    base: Integration,
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
    /// A PEM block being typed on the CERTIFICATE pane, and the certificates typed just
    /// before it (a chain pasted on the console arrives one block after the other).
    pem: pem::PemTyping,
    errors: HashMap<Field, String>,
    reveal: bool,
    /// What the form held when opened or last saved: "unsaved" is a difference from it.
    pristine: FormValues,
    saving: bool,
    content: TextArea,
    /// The content sample takes keys only after Enter, so that `e` can open the
    /// external editor on it; Esc or Tab stop typing (keeping the text).
    content_typing: bool,
    /// The content sample pane shows the template rendered with the sample event.
    preview: bool,
    /// What the integration may send to (the settings).
    destinations: DestinationPolicy,
    /// Credentials that would go over plain HTTP, as of the last check.
    warning: Option<String>,
    /// The secret Signing takes when turned on or rotated, made once per version being
    /// edited, so that every look at the form (and the save) has the same one.
    fresh_signing_secret: Result<Secret, NoRandomness>,
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
        // Fields no pane shows (a preset's site discovery) come from here.
        let base = original.clone().unwrap_or_else(|| integration.clone());
        let mut editor = Editor {
            base,
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
            pem: pem::PemTyping::default(),
            errors: HashMap::new(),
            reveal: false,
            pristine: FormValues::default(),
            saving: false,
            content: TextArea::new(&integration.content_sample),
            content_typing: false,
            preview: true,
            destinations: DestinationPolicy::STRICT,
            warning: plain_http_warning(integration),
            fresh_signing_secret: new_signing_secret(&ring::rand::SystemRandom::new()),
        };
        editor.set_certificate(integration.certificate.clone());
        editor.pristine = editor.values();
        // A stored integration whose headers hold its deliveries says why at once.
        for problem in header_problems(integration) {
            editor.add_error(problem.field, &problem.message);
        }
        editor
    }

    pub fn is_new(&self) -> bool {
        self.original.is_none()
    }

    /// The stored version being edited; `None` for a new integration.
    pub fn original(&self) -> Option<&Integration> {
        self.original.as_ref()
    }

    /// The name the editor opened with, empty for a new integration.
    pub fn original_name(&self) -> &str {
        self.original
            .as_ref()
            .map_or("", |original| original.name.as_str())
    }

    /// Counts what differs from `blank` as unsaved: a new integration opened with the
    /// preset's own fields already typed.
    pub fn unsaved_since(&mut self, blank: &Integration) {
        self.pristine = Editor::new(None, blank, self.type_name, Vec::new()).values();
    }

    /// True when the form differs from what it held when opened or last saved.
    pub fn is_dirty(&self) -> bool {
        self.values() != self.pristine
    }

    /// What the form holds now, as typed.
    fn values(&self) -> FormValues {
        let mut texts: Vec<(Field, String)> = self
            .texts
            .iter()
            .map(|(field, input)| (*field, input.text()))
            .collect();
        texts.sort_by_key(|(field, _)| field_order(*field));
        let mut choices: Vec<(Field, usize)> = self
            .choices
            .iter()
            .map(|(field, index)| (*field, *index))
            .collect();
        choices.sort_by_key(|(field, _)| field_order(*field));
        FormValues {
            texts,
            choices,
            // A row left empty is not saved, so it is no edit either.
            headers: self
                .headers
                .iter()
                .filter(|(name, value)| !(name.is_empty() && value.is_empty()))
                .map(|(name, value)| (name.text(), value.text()))
                .collect(),
            certificate: self.certificate.clone(),
            typed_pem: self.pem.block_text(),
            content: self.content.text(),
        }
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

    /// The grant chosen on the AUTHENTICATION pane (for OAuth).
    pub fn grant(&self) -> Grant {
        let index = self.choices.get(&Field::Grant).copied().unwrap_or(0);
        Grant::ALL.get(index).copied().unwrap_or_default()
    }

    /// The kind and grant the AUTHENTICATION pane shows the fields of.
    pub fn auth_choice(&self) -> AuthChoice {
        AuthChoice {
            kind: self.auth_kind(),
            grant: self.grant(),
        }
    }

    fn slots(&self) -> Vec<Slot> {
        pane::slots(
            self.pane,
            self.auth_choice(),
            self.headers.len(),
            self.certificate.is_some(),
        )
    }

    /// Puts the focus on `slot` of `pane`, when the pane has it.
    pub fn focus_on(&mut self, pane: Pane, slot: Slot) {
        self.switch_pane(pane);
        if let Some(index) = self.slots().iter().position(|s| *s == slot) {
            self.focus = index;
        }
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
        let mut integration = self.base.clone();
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
            if field != Field::Signing {
                apply(&mut integration, field);
            }
        }
        apply(&mut integration, Field::Authentication);
        for &field in pane::auth_fields(self.auth_choice()) {
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
        match self.signing() {
            Ok(signing) => integration.signing = signing,
            Err(error) => errors.push(FieldError::new(Field::Signing, error.to_string())),
        }
        let parse_failed: Vec<Field> = errors.iter().map(|error| error.field).collect();
        errors.extend(
            validate_with(&integration, OffsetDateTime::now_utc(), self.destinations)
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

    /// Signing as the form's choice makes it from the version being edited: off, on
    /// (keeping its secret, or the fresh one), or rotated (the fresh one, the old one
    /// signing for the default overlap).
    fn signing(&self) -> Result<Option<Signing>, NoRandomness> {
        let change = match self.choices.get(&Field::Signing).copied() {
            Some(pane::SIGNING_ON) => SigningChange::On,
            Some(pane::SIGNING_ROTATE) => SigningChange::Rotate {
                overlap: DEFAULT_SIGNING_OVERLAP,
            },
            _ => SigningChange::Off,
        };
        let fresh = match (&self.fresh_signing_secret, change) {
            (_, SigningChange::Off) => Secret::default(),
            (Ok(fresh), _) => fresh.clone(),
            (Err(error), _) => return Err(*error),
        };
        let (signing, _) = change_signing(
            self.base.signing.as_ref(),
            change,
            &fresh,
            OffsetDateTime::now_utc(),
        );
        Ok(signing)
    }

    /// True when the form's signing secret is one made in this editor, not saved yet:
    /// the one moment it is news to the receiver.
    fn signing_secret_is_new(&self) -> bool {
        let current = self.base.signing.as_ref().map(|signing| &signing.secret);
        matches!(self.signing(), Ok(Some(signing)) if Some(&signing.secret) != current)
    }

    /// Shows `errors`, one per field, and moves the focus to the first.
    pub fn show_errors(&mut self, errors: &[FieldError]) {
        self.errors.clear();
        for error in errors {
            self.add_error(error.field, &error.message);
        }
        let first = Pane::ALL.iter().find_map(|&pane| {
            let slots = pane::slots(pane, self.auth_choice(), self.headers.len(), true);
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

    /// The field's error; a field with several (header rows) holds them one per line.
    pub fn error_for(&self, field: Field) -> Option<&str> {
        self.errors.get(&field).map(String::as_str)
    }

    /// Keeps `message` for `field`: the first for most fields, every one for the
    /// header rows, each of which says its row (`row 3: …`).
    fn add_error(&mut self, field: Field, message: &str) {
        match self.errors.get_mut(&field) {
            Some(kept) if field == Field::HttpHeaders && !kept.lines().any(|l| l == message) => {
                kept.push('\n');
                kept.push_str(message);
            }
            Some(_) => {}
            None => {
                self.errors.insert(field, message.to_string());
            }
        }
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// What the integration may send to, from the settings. A stored integration
    /// whose URL names a refused destination says so at once, as for its headers.
    pub fn set_destinations(&mut self, destinations: DestinationPolicy) {
        self.destinations = destinations;
        if let Some(original) = &self.original {
            for problem in destination_problems(original, destinations) {
                self.errors.entry(problem.field).or_insert(problem.message);
            }
        }
    }

    /// The warning line: credentials that would go over plain HTTP.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// Re-checks the field of the slot being left: its error appears or goes away, and
    /// so does the warning line.
    fn check(&mut self, slot: Slot) {
        let Some(field) = slot.field() else { return };
        let (integration, errors) = self.build();
        self.warning = plain_http_warning(&integration);
        self.errors.remove(&field);
        for error in errors.iter().filter(|error| error.field == field) {
            self.add_error(field, &error.message);
        }
    }

    fn move_focus(&mut self, forward: bool) {
        self.content_typing = false;
        self.leave_certificate_box();
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
        self.leave_certificate_box();
        let left = self.focused();
        self.check(left);
        self.pane = pane;
        self.focus = 0;
    }

    /// The save was refused; the form stays as it is, and may be saved again.
    pub fn save_failed(&mut self) {
        self.saving = false;
    }

    /// The saved version is now `saved`: the form stays open on it, clean.
    pub fn saved(&mut self, saved: Integration, other_names: Vec<String>) {
        // A rotation is done once saved: the choice reads on again, and the next
        // rotation gets a secret of its own.
        let on = if saved.signing.is_some() {
            pane::SIGNING_ON
        } else {
            pane::SIGNING_OFF
        };
        self.choices.insert(Field::Signing, on);
        self.fresh_signing_secret = new_signing_secret(&ring::rand::SystemRandom::new());
        // The save trimmed what it stored (`   Test1` is `Test1`): the form shows that,
        // or it would say "no unsaved changes" beside text that is not what is saved.
        for (field, input) in &mut self.texts {
            let stored = field_text(&saved, *field).unwrap_or_default();
            let typed = input.text();
            if typed != stored && typed.trim() == stored {
                *input = TextInput::new(&stored);
            }
        }
        let rows = self
            .headers
            .iter_mut()
            .filter(|(name, value)| !(name.is_empty() && value.is_empty()));
        for ((name, value), header) in rows.zip(&saved.http_headers) {
            for (input, stored) in [(name, &header.name), (value, &header.value)] {
                let typed = input.text();
                if typed != *stored && typed.trim() == stored {
                    *input = TextInput::new(stored);
                }
            }
        }
        self.base = saved.clone();
        self.original = Some(saved);
        self.other_names = other_names;
        self.pristine = self.values();
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
        self.pem = pem::PemTyping::default();
        self.set_certificate(Some(text));
        self.check(Slot::CertificatePath);
    }

    pub fn set_content(&mut self, text: &str) {
        if text != self.content.text() {
            self.content = TextArea::new(text);
            self.check(Slot::Content);
        }
    }
}

/// The form's contents as typed, for telling whether anything differs from what was
/// opened or saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FormValues {
    texts: Vec<(Field, String)>,
    choices: Vec<(Field, usize)>,
    headers: Vec<(String, String)>,
    certificate: Option<String>,
    /// A PEM block being typed counts: quitting would lose it.
    typed_pem: Option<String>,
    content: String,
}

fn field_order(field: Field) -> usize {
    Field::ALL
        .iter()
        .position(|&f| f == field)
        .unwrap_or(usize::MAX)
}

/// The editor's warning line for `integration`, if its credentials would go over
/// plain HTTP to another host.
fn plain_http_warning(integration: &Integration) -> Option<String> {
    plain_http_credentials(integration)
        .first()
        .map(|exposure| exposure.summary())
}

/// Fields typed as one line of text (choices and the multi-line ones aside).
fn is_scalar_text(field: Field) -> bool {
    !matches!(
        field,
        Field::HttpHeaders | Field::Certificate | Field::ContentSample
    )
}
