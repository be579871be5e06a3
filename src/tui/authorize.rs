//! The AUTHORIZE screen: the person grants access on a phone or laptop. It shows the
//! callback URL to register, the one-time start link and its QR code (or the full
//! authorize URL's, where the terminal is large enough), the listener's certificate
//! fingerprint, the time left and the state of the flow; the redirected URL can be
//! pasted instead; the full URL can be printed unbroken or copied (OSC 52). With the
//! device grant it shows the code to enter instead, grouped and emphasised, where to
//! enter it, the QR code of that page, and the time the code has left.

mod device;
mod render;

use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;

use super::action::{Action, KeyContext};
use super::hyperlink::Hyperlink;
use super::message::AuthorizeInput;
use super::profile::Profile;
use super::qr_code::drawable_renderings;
use super::text_input::TextInput;
use crate::model::shell_command;
use crate::oauth::{CallbackReply, DeviceCodeShown, FlowState, SessionUpdate, Site, SiteOutcome};
use crate::qr::{QrMatrix, QrRendering};

/// Columns kept for the text beside the QR code.
const TEXT_WIDTH: u16 = 40;

/// Names one authorize session, so a late update of an earlier one is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorizeId(pub u64);

/// Which URL the QR code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrTarget {
    StartLink,
    FullUrl,
}

#[derive(Debug, Clone)]
pub struct AuthorizeView {
    id: AuthorizeId,
    name: String,
    callback_url: Option<String>,
    fingerprint: Option<String>,
    authorize_url: Option<String>,
    start_link: Option<String>,
    state: Option<FlowState>,
    deadline: Option<Instant>,
    rendering: QrRendering,
    target: QrTarget,
    /// The paste box, while open.
    paste: Option<TextInput>,
    /// The answer to the last paste, or a start failure.
    message: Option<String>,
    /// The sites to choose from, after an authorization that reaches several.
    sites: Option<SitePicker>,
    /// Where the site step stands, or what it did.
    site_line: Option<String>,
    matrix: Option<(String, QrMatrix)>,
    /// Whether the session is the device grant's (a code, no redirect).
    device_grant: bool,
    /// The device grant's code to enter and where, once the provider gave it.
    device: Option<DeviceCodeShown>,
    /// Where the last frame drew the links.
    hyperlinks: Vec<Hyperlink>,
}

/// The list of sites the person chooses from.
#[derive(Debug, Clone)]
struct SitePicker {
    sites: Vec<Site>,
    selected: usize,
}

impl SitePicker {
    fn move_by(&mut self, delta: isize) {
        let last = self.sites.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    fn chosen(&self) -> Option<&Site> {
        self.sites
            .get(self.selected.min(self.sites.len().saturating_sub(1)))
    }
}

/// What a key (or a paste) on AUTHORIZE asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeRequest {
    /// For the running session: a pasted URL, or cancel.
    Input(AuthorizeInput),
    PrintUrl(String),
    CopyUrl(String),
    /// Deliver to the site with this id.
    ChooseSite(String),
    /// Check the callback URL while the session waits: its listener answers the check
    /// itself, and the session goes on undisturbed.
    CheckCallback,
    /// Device grant: a new session for a new code.
    StartAgain,
    Back,
    Help,
}

impl AuthorizeView {
    pub fn new(id: AuthorizeId, name: &str, profile: Profile) -> AuthorizeView {
        let rendering = drawable_renderings(profile)
            .first()
            .copied()
            .unwrap_or(QrRendering::Ascii);
        AuthorizeView {
            id,
            name: name.to_string(),
            callback_url: None,
            fingerprint: None,
            authorize_url: None,
            start_link: None,
            state: None,
            deadline: None,
            rendering,
            target: QrTarget::StartLink,
            paste: None,
            message: None,
            sites: None,
            site_line: None,
            matrix: None,
            device_grant: false,
            device: None,
            hyperlinks: Vec::new(),
        }
    }

    /// The same view for the device grant's session.
    pub fn for_device_grant(mut self) -> AuthorizeView {
        self.device_grant = true;
        self
    }

    pub fn is_device_grant(&self) -> bool {
        self.device_grant
    }

    pub fn id(&self) -> AuthorizeId {
        self.id
    }

    /// The integration being authorized.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the QR code is drawn.
    pub fn rendering(&self) -> QrRendering {
        self.rendering
    }

    /// The keys of the screen, of its paste box or of its site list.
    pub fn key_context(&self) -> KeyContext {
        if self.paste.is_some() {
            KeyContext::AuthorizePaste
        } else if self.sites.is_some() {
            KeyContext::AuthorizeSite
        } else if self.device_grant && self.can_start_again() {
            KeyContext::AuthorizeDeviceEnded
        } else if !self.is_running() {
            KeyContext::AuthorizeEnded
        } else if self.device_grant {
            KeyContext::AuthorizeDevice
        } else {
            KeyContext::Authorize
        }
    }

    /// A key (`action` from the table of [`AuthorizeView::key_context`], `key` for the
    /// paste box).
    pub fn handle(
        &mut self,
        action: Option<Action>,
        key: &KeyEvent,
        profile: Profile,
    ) -> Option<AuthorizeRequest> {
        if let Some(input) = &mut self.paste {
            match action {
                Some(Action::Press) => {
                    let text = input.text();
                    self.paste = None;
                    if !text.trim().is_empty() {
                        return Some(AuthorizeRequest::Input(AuthorizeInput::Paste(text)));
                    }
                }
                Some(Action::Cancel) => self.paste = None,
                _ => {
                    input.handle_key(key);
                }
            }
            return None;
        }
        if let Some(picker) = &mut self.sites {
            match action? {
                Action::Up => picker.move_by(-1),
                Action::Down => picker.move_by(1),
                Action::Activate => {
                    let wanted = picker.chosen()?.id.clone();
                    self.sites = None;
                    self.site_line = Some("Setting the URL...".into());
                    return Some(AuthorizeRequest::ChooseSite(wanted));
                }
                Action::Back => {
                    self.sites = None;
                    self.site_line = Some(format!(
                        "No site chosen: the URL stays empty until `{}` or an edit sets it.",
                        shell_command(&["hookconsole", "sites", &self.name, "--choose", "SITE"])
                    ));
                }
                Action::Help => return Some(AuthorizeRequest::Help),
                _ => {}
            }
            return None;
        }
        if self.device_grant {
            return self.handle_device(action?, profile);
        }
        match action? {
            Action::PasteUrl if self.is_running() => self.paste = Some(TextInput::default()),
            Action::NextRendering => self.next_rendering(profile),
            Action::ToggleQrTarget => {
                self.target = match (self.target, &self.start_link) {
                    (QrTarget::StartLink, _) => QrTarget::FullUrl,
                    (QrTarget::FullUrl, Some(_)) => QrTarget::StartLink,
                    (QrTarget::FullUrl, None) => QrTarget::FullUrl,
                };
            }
            Action::PrintUrl => return self.authorize_url.clone().map(AuthorizeRequest::PrintUrl),
            Action::CopyUrl => return self.authorize_url.clone().map(AuthorizeRequest::CopyUrl),
            Action::CheckCallback => return Some(AuthorizeRequest::CheckCallback),
            Action::Back if self.is_running() => {
                return Some(AuthorizeRequest::Input(AuthorizeInput::Cancel));
            }
            Action::Back => return Some(AuthorizeRequest::Back),
            Action::Help => return Some(AuthorizeRequest::Help),
            _ => {}
        }
        None
    }

    /// A key of the device grant's screen.
    fn handle_device(&mut self, action: Action, profile: Profile) -> Option<AuthorizeRequest> {
        let url = self
            .device
            .as_ref()
            .map(|device| device.verification_uri.clone());
        match action {
            Action::NextRendering => self.next_rendering(profile),
            Action::PrintUrl => return url.map(AuthorizeRequest::PrintUrl),
            Action::CopyUrl => return url.map(AuthorizeRequest::CopyUrl),
            Action::StartAgain if self.can_start_again() => {
                return Some(AuthorizeRequest::StartAgain);
            }
            Action::Back if self.is_running() => {
                return Some(AuthorizeRequest::Input(AuthorizeInput::Cancel));
            }
            Action::Back => return Some(AuthorizeRequest::Back),
            Action::Help => return Some(AuthorizeRequest::Help),
            _ => {}
        }
        None
    }

    /// A new code can be asked for once this session ended without an authorization.
    pub fn can_start_again(&self) -> bool {
        !self.is_running() && self.state != Some(FlowState::Authorized)
    }

    /// The device grant's code and where to enter it, once given.
    pub fn device_code(&self) -> Option<&DeviceCodeShown> {
        self.device.as_ref()
    }

    /// A bracketed paste: the redirected URL, while the session runs.
    pub fn paste(&mut self, text: String) -> Option<AuthorizeRequest> {
        if self.device_grant || !self.is_running() {
            return None;
        }
        self.paste = None;
        Some(AuthorizeRequest::Input(AuthorizeInput::Paste(text)))
    }

    /// The next rendering `profile` can draw (`r`).
    fn next_rendering(&mut self, profile: Profile) {
        let renderings = drawable_renderings(profile);
        let next = renderings
            .iter()
            .position(|rendering| *rendering == self.rendering)
            .map_or(0, |index| (index + 1) % renderings.len());
        if let Some(rendering) = renderings.get(next) {
            self.rendering = *rendering;
        }
    }

    /// The flow reached its end (authorized, denied, failed, cancelled, timed out).
    pub fn has_ended(&self) -> bool {
        self.state.as_ref().is_some_and(FlowState::is_finished)
    }

    pub fn is_running(&self) -> bool {
        !self.has_ended() && self.message_is_not_fatal()
    }

    fn message_is_not_fatal(&self) -> bool {
        !(self.state.is_none() && self.message.is_some())
    }

    pub fn prepared(&mut self, callback_url: String, fingerprint: Option<String>) {
        self.callback_url = Some(callback_url);
        self.fingerprint = fingerprint;
    }

    /// The session could not start, or ended in error.
    pub fn failed(&mut self, reason: String) {
        self.message = Some(reason);
    }

    /// A session update; the state the flow ended in, when this update ended it.
    pub fn update(&mut self, update: SessionUpdate) -> Option<FlowState> {
        let finished = matches!(&update, SessionUpdate::State(state) if state.is_finished());
        self.apply(update);
        self.state.clone().filter(|_| finished)
    }

    /// The site step after the authorization begins: the screen says so.
    pub fn listing_sites(&mut self) {
        self.site_line = Some("Listing the sites this authorization reaches...".into());
    }

    fn apply(&mut self, update: SessionUpdate) {
        match update {
            SessionUpdate::Started {
                authorize_url,
                start_link,
                timeout,
                ..
            } => {
                self.authorize_url = Some(authorize_url);
                if start_link.is_none() {
                    self.target = QrTarget::FullUrl;
                }
                self.start_link = start_link;
                self.deadline = Some(Instant::now() + timeout);
            }
            SessionUpdate::DeviceCode(shown) => {
                self.deadline = Some(Instant::now() + shown.expires_in);
                self.device = Some(shown);
            }
            SessionUpdate::State(state) => {
                // What a paste said ("refused: still waiting") is over once it ends.
                if state.is_finished() {
                    self.message = None;
                }
                self.state = Some(state);
            }
            SessionUpdate::PasteAnswer(Ok(CallbackReply::Accepted)) => {
                self.message = Some("Pasted URL accepted.".into());
            }
            // A listener's page is told these; the state says them here.
            SessionUpdate::PasteAnswer(Ok(
                CallbackReply::Authorized | CallbackReply::Unfinished(_),
            )) => {}
            SessionUpdate::PasteAnswer(Ok(CallbackReply::Denied { error, .. })) => {
                self.message = Some(format!("The pasted URL says access was denied ({error})."));
            }
            SessionUpdate::PasteAnswer(Ok(CallbackReply::Refused(reason))) => {
                self.message = Some(format!("Pasted URL refused: {reason}"));
            }
            SessionUpdate::PasteAnswer(Err(reason)) => {
                self.message = Some(format!("Pasted text: {reason}"));
            }
        }
    }

    /// What the site step came to: when it is done, what it did (the status line; the
    /// catalog is then read again, as the URL may have changed).
    pub fn site_outcome(
        &mut self,
        result: Result<SiteOutcome, std::sync::Arc<crate::oauth::OAuthError>>,
    ) -> Option<String> {
        match result {
            Ok(SiteOutcome::Choose(sites)) if !sites.is_empty() => {
                self.site_line = Some(SiteOutcome::Choose(sites.clone()).describe(&self.name));
                self.sites = Some(SitePicker { sites, selected: 0 });
                None
            }
            Ok(outcome) => {
                let line = outcome.describe(&self.name);
                self.site_line = Some(line.clone());
                Some(line)
            }
            Err(error) => {
                self.site_line = Some(format!("Choosing the site failed: {error}"));
                None
            }
        }
    }

    /// The URL the QR code holds now.
    pub fn qr_text(&self) -> Option<&str> {
        // The complete URI carries the code: scanning it skips the typing.
        if let Some(device) = &self.device {
            return Some(
                device
                    .verification_uri_complete
                    .as_deref()
                    .unwrap_or(&device.verification_uri),
            );
        }
        match self.target {
            QrTarget::StartLink => self.start_link.as_deref().or(self.authorize_url.as_deref()),
            QrTarget::FullUrl => self.authorize_url.as_deref(),
        }
    }

    fn matrix(&mut self) -> Option<&QrMatrix> {
        let text = self.qr_text()?.to_string();
        if self
            .matrix
            .as_ref()
            .is_none_or(|(cached, _)| *cached != text)
        {
            self.matrix = QrMatrix::encode(&text).ok().map(|matrix| (text, matrix));
        }
        self.matrix.as_ref().map(|(_, matrix)| matrix)
    }

    fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Where the last frame drew the links (the start link, the rows of the full URL).
    pub fn hyperlinks(&self) -> &[Hyperlink] {
        &self.hyperlinks
    }
}
