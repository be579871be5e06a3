//! The app: the screen shown, the popups over it and what every view needs to know
//! (the catalog, the settings' answers). Keys are routed to the view that has them;
//! each view handles its own keys and returns a request, and the app turns requests
//! and background messages into moves between screens and effects (disk work,
//! background tasks, the terminal, quitting) for the runtime. No I/O happens here, so
//! tests drive it with keys.

use std::collections::HashMap;
use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, KeyContext, action_for};
use super::authorize::AuthorizeView;
use super::chooser::Chooser;
use super::dialog::{Answer, Dialog, Question};
use super::editor::Editor;
use super::help::{Help, HelpRequest};
use super::list::ListView;
use super::logs::LogsView;
use super::profile::Profile;
use super::settings::SettingsView;
use super::theme::Theme;
use super::verify::VerifyView;
mod results;
mod screens;

pub use super::message::{
    AfterSave, Effect, Message, SaveOrigin, SaveRequest, StoreWork, TerminalWork,
};
use crate::model::Integration;
use crate::store::Catalog;

#[derive(Debug, Clone)]
pub enum Screen {
    List,
    Chooser(Chooser),
    Editor(Box<Editor>),
    /// VERIFY, over the screen it was started from (Esc goes back there).
    Verify(Box<VerifyScreen>),
    /// AUTHORIZE an OAuth integration; Esc goes back to the list.
    Authorize(Box<AuthorizeView>),
    /// LOGS: the delivery log; Esc goes back to the list.
    Logs(Box<LogsView>),
    /// SETTINGS: the appliance's settings; Esc goes back to the list.
    Settings(Box<SettingsView>),
    /// STATUS: the worker and the queue; Esc goes back to the list.
    Status(Box<super::status::StatusView>),
}

#[derive(Debug, Clone)]
pub struct VerifyScreen {
    pub view: VerifyView,
    pub back: Screen,
}

#[derive(Debug, Clone)]
pub enum Popup {
    Help(Help),
    Dialog(Box<Dialog>),
}

impl Popup {
    fn dialog(dialog: Dialog) -> Popup {
        Popup::Dialog(Box::new(dialog))
    }
}

/// The smallest screen the views are drawn on; below it the console only asks for a
/// larger one, and keys other than Ctrl-C and Ctrl-L wait.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Where the app's files are, for the help screen and the empty list.
#[derive(Debug, Clone)]
pub struct AppPaths {
    pub integrations_file: PathBuf,
    pub log_file: PathBuf,
}

pub struct App {
    pub profile: Profile,
    pub theme: Theme,
    pub paths: AppPaths,
    pub(super) catalog: Option<Catalog>,
    /// Why the last load failed, shown in place of the list until a load succeeds.
    pub(super) load_error: Option<String>,
    pub(super) callback_url: Option<String>,
    /// `appliance.name` in the editor's preview, once the settings are read.
    pub(super) appliance_name: Option<String>,
    /// What the editor lets integrations send to, once the settings are read.
    pub(super) destinations: crate::model::DestinationPolicy,
    pub(super) list: ListView,
    pub screen: Screen,
    pub popups: Vec<Popup>,
    pub status: Option<String>,
    /// The headline of the last VERIFY of each integration, for the list.
    pub(super) last_results: HashMap<String, String>,
    /// The token store's status words per OAuth integration.
    pub(super) authorizations: HashMap<String, super::list::AuthorizationText>,
    /// Each integration's last attempt in the delivery log, as the list shows it.
    pub(super) last_deliveries: HashMap<String, String>,
    /// Whether the worker runs and what waits, as last read; when the queue could
    /// not be read the title line says so instead of saying nothing.
    pub(super) deliveries: super::title::Deliveries,
    next_verify: u64,
    next_authorize: u64,
    /// The screen LOGS was opened from when it was not the list (the editor).
    logs_back: Option<Screen>,
    /// AUTHORIZE was started from the editor of this integration: Esc there opens it
    /// again, as stored then (the site step may have set its URL).
    authorize_back: Option<String>,
    /// "Reload" on a save refused because another session changed the file: the
    /// editor opens again on this integration as the file has it once it is read.
    pub(super) reopen_after_load: Option<String>,
    /// The status line's text when a key gave it, and the screen it was given on.
    status_given_on: Option<(std::mem::Discriminant<Screen>, String)>,
    /// The terminal is below 80x24 and the screen asks for a larger one: keys then act
    /// only where the person can see it (Ctrl-C, Ctrl-L).
    pub(super) too_small: bool,
}

impl App {
    /// A new app and the effects that start it: load the integrations, find the
    /// callback URL and the appliance's name.
    pub fn new(profile: Profile, paths: AppPaths) -> (App, Vec<Effect>) {
        let app = App {
            profile,
            theme: Theme::for_profile(profile),
            paths,
            catalog: None,
            load_error: None,
            callback_url: None,
            appliance_name: None,
            destinations: crate::model::DestinationPolicy::STRICT,
            list: ListView::default(),
            screen: Screen::List,
            popups: Vec::new(),
            status: Some("Loading integrations...".into()),
            last_results: HashMap::new(),
            authorizations: HashMap::new(),
            last_deliveries: HashMap::new(),
            deliveries: super::title::Deliveries::NotYetRead,
            next_verify: 1,
            next_authorize: 1,
            logs_back: None,
            authorize_back: None,
            reopen_after_load: None,
            status_given_on: None,
            too_small: false,
        };
        let start = [
            StoreWork::Load,
            StoreWork::FindAppliance,
            StoreWork::LoadAuthorizations,
        ];
        (app, start.into_iter().map(Effect::Store).collect())
    }

    pub fn integrations(&self) -> &[Integration] {
        self.catalog
            .as_ref()
            .map(|c| c.integrations.as_slice())
            .unwrap_or(&[])
    }

    pub fn selected(&self) -> Option<&Integration> {
        self.list
            .selected_index()
            .and_then(|index| self.integrations().get(index))
    }

    /// The view that takes keys now.
    pub fn key_context(&self) -> KeyContext {
        match self.popups.last() {
            Some(Popup::Help(_)) => KeyContext::Help,
            Some(Popup::Dialog(_)) => KeyContext::Dialog,
            None => match &self.screen {
                Screen::List => self.list.key_context(),
                Screen::Chooser(chooser) => chooser.key_context(),
                Screen::Editor(_) => KeyContext::Editor,
                Screen::Verify(_) => KeyContext::Verify,
                Screen::Authorize(view) => view.key_context(),
                Screen::Logs(view) => view.key_context(),
                Screen::Settings(_) => KeyContext::Settings,
                Screen::Status(_) => KeyContext::Status,
            },
        }
    }

    /// True while background work shows a clock (VERIFY): the runtime then ticks once
    /// a second; otherwise nothing redraws while idle.
    pub fn is_busy(&self) -> bool {
        match &self.screen {
            Screen::Verify(verify) => verify.view.is_running(),
            Screen::Authorize(view) => view.is_running(),
            // LOGS follows the log: new attempts are asked for once a second.
            Screen::Logs(_) => true,
            _ => false,
        }
    }

    pub fn handle_event(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Resize(width, height) => {
                self.set_size(width, height);
                Vec::new()
            }
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                let (screen, status) = (std::mem::discriminant(&self.screen), self.status.clone());
                let effects = self.handle_key(key);
                self.follow_screen_with_status(screen, status);
                effects
            }
            Event::Paste(text) if !self.too_small && self.popups.is_empty() => {
                // Terminals send pasted line breaks as CR.
                let text = text.replace("\r\n", "\n").replace('\r', "\n");
                self.paste(text)
            }
            _ => Vec::new(),
        }
    }

    fn paste(&mut self, text: String) -> Vec<Effect> {
        match &mut self.screen {
            Screen::Editor(editor) => editor.paste(&text),
            Screen::List => self.list.paste(&text),
            Screen::Chooser(chooser) => chooser.paste(&text),
            Screen::Settings(view) => view.paste(&text),
            // A bracketed paste on the AUTHORIZE screen is the redirected URL.
            Screen::Authorize(view) => {
                if let Some(request) = view.paste(text) {
                    return self.on_authorize(request);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The terminal's size, from a resize or the frame just drawn.
    pub(super) fn set_size(&mut self, width: u16, height: u16) {
        self.too_small = width < MIN_WIDTH || height < MIN_HEIGHT;
    }

    /// A message a key gave says something of the screen it was given on ("Typed text
    /// is not saved" on the list, "type at least 3 characters" in LOGS): when a later
    /// key moves to another screen, it goes. The results of work (a VERIFY, a save)
    /// come as messages and stay until the next.
    fn follow_screen_with_status(
        &mut self,
        before: std::mem::Discriminant<Screen>,
        status_before: Option<String>,
    ) {
        let now = std::mem::discriminant(&self.screen);
        if self.status != status_before {
            self.status_given_on = self.status.clone().map(|text| (now, text));
            return;
        }
        let given_there = self
            .status_given_on
            .as_ref()
            .is_some_and(|(screen, text)| *screen == before && self.status.as_ref() == Some(text));
        if now != before && given_there {
            self.status = None;
            self.status_given_on = None;
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let context = self.key_context();
        let action = action_for(context, &key);
        if self.too_small {
            return match action {
                Some(Action::Redraw) => vec![TerminalWork::Redraw.into()],
                Some(Action::Interrupt) => self.quit_requested(),
                _ => Vec::new(),
            };
        }
        // Esc followed quickly by a key arrives as Alt+key (crossterm has no Esc
        // timeout): where Alt+key means nothing, it is the two keys.
        if key.modifiers.contains(KeyModifiers::ALT)
            && matches!(key.code, KeyCode::Char(_))
            && action.is_none()
        {
            let mut effects = self.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            let mut plain = key;
            plain.modifiers.remove(KeyModifiers::ALT);
            effects.extend(self.handle_key(plain));
            return effects;
        }
        match action {
            Some(Action::Redraw) => return vec![TerminalWork::Redraw.into()],
            Some(Action::Interrupt) => return self.quit_requested(),
            _ => {}
        }
        match self.popups.last_mut() {
            Some(Popup::Help(help)) => {
                if help.handle(action) == Some(HelpRequest::Close) {
                    self.popups.pop();
                }
                return Vec::new();
            }
            Some(Popup::Dialog(dialog)) => {
                let Some(answer) = dialog.handle(action) else {
                    return Vec::new();
                };
                return match self.popups.pop() {
                    Some(Popup::Dialog(dialog)) => self.answer(dialog.into_question(), answer),
                    _ => Vec::new(),
                };
            }
            None => {}
        }
        let integrations = self
            .catalog
            .as_ref()
            .map_or(&[][..], |catalog| catalog.integrations.as_slice());
        match &mut self.screen {
            Screen::List => match self.list.handle(action, &key, integrations) {
                Some(request) => self.on_list(request),
                None => Vec::new(),
            },
            Screen::Chooser(chooser) => match chooser.handle(action, &key) {
                Some(request) => self.on_chooser(request),
                None => Vec::new(),
            },
            Screen::Editor(editor) => match editor.handle(action, &key) {
                Some(request) => self.on_editor(request),
                None => Vec::new(),
            },
            Screen::Verify(verify) => match verify.view.handle(action) {
                Some(request) => self.on_verify(request),
                None => Vec::new(),
            },
            Screen::Authorize(view) => match view.handle(action, &key, self.profile) {
                Some(request) => self.on_authorize(request),
                None => Vec::new(),
            },
            Screen::Logs(view) => match view.handle(action, &key) {
                Some(request) => self.on_logs(request),
                None => Vec::new(),
            },
            Screen::Settings(view) => match view.handle(action, &key) {
                Some(request) => self.on_settings(request),
                None => Vec::new(),
            },
            Screen::Status(view) => match view.handle(action) {
                Some(request) => self.on_status(request),
                None => Vec::new(),
            },
        }
    }

    fn open_help(&mut self) -> Vec<Effect> {
        self.popups.push(Popup::Help(Help::new(self.key_context())));
        Vec::new()
    }

    fn editor_dirty(&self) -> bool {
        matches!(&self.screen, Screen::Editor(editor) if editor.is_dirty())
    }

    fn settings_dirty(&self) -> bool {
        matches!(&self.screen, Screen::Settings(view) if view.is_dirty())
    }

    fn quit_requested(&mut self) -> Vec<Effect> {
        let asking = |popups: &[Popup]| {
            popups
                .iter()
                .any(|p| matches!(p, Popup::Dialog(d) if *d.question() == Question::DiscardAndQuit))
        };
        if self.settings_dirty() {
            if !asking(&self.popups) {
                self.popups
                    .push(Popup::dialog(Dialog::unsaved_settings(true)));
            }
            return Vec::new();
        }
        if self.editor_dirty() {
            if !self
                .popups
                .iter()
                .any(|p| matches!(p, Popup::Dialog(d) if *d.question() == Question::DiscardAndQuit))
            {
                let name = self.editing_name();
                self.popups
                    .push(Popup::dialog(Dialog::unsaved(&name, true)));
            }
            return Vec::new();
        }
        vec![Effect::Quit]
    }

    fn editing_name(&self) -> String {
        match &self.screen {
            Screen::Editor(editor) => editor.original_name().to_string(),
            _ => String::new(),
        }
    }

    fn answer(&mut self, question: Question, answer: Answer) -> Vec<Effect> {
        match (question, answer) {
            (Question::Delete(integration), Answer::Delete) => {
                self.status = Some(format!("Deleting `{}`...", integration.name));
                vec![StoreWork::Delete(integration).into()]
            }
            (Question::Forget(integration), Answer::Forget) => {
                self.status = Some(format!(
                    "Forgetting the authorization of `{}`...",
                    integration.name
                ));
                vec![StoreWork::ForgetAuthorization(integration).into()]
            }
            (
                Question::Replay {
                    attempt_id,
                    event_id,
                },
                Answer::Replay,
            ) => {
                self.status = Some(format!("Replaying {event_id}..."));
                vec![StoreWork::Replay { attempt_id }.into()]
            }
            (Question::Trust { name, certificate }, Answer::Trust) => {
                self.trust_certificate(name, certificate.pem)
            }
            (Question::DiscardAndClose, Answer::Discard) => {
                self.close_editor();
                Vec::new()
            }
            (Question::DiscardAndQuit, Answer::Discard) => vec![Effect::Quit],
            (Question::DiscardAndClose, Answer::Save) => self.editor_save(AfterSave::Close),
            (Question::DiscardAndQuit, Answer::Save) if self.settings_dirty() => {
                self.settings_save(AfterSave::Quit)
            }
            (Question::DiscardAndQuit, Answer::Save) => self.editor_save(AfterSave::Quit),
            (Question::DiscardSettings, Answer::Discard) => {
                self.close_settings();
                Vec::new()
            }
            (Question::DiscardSettings, Answer::Save) => self.settings_save(AfterSave::Close),
            (Question::Conflict, Answer::Reload) => {
                self.reopen_after_load = match &self.screen {
                    Screen::Editor(editor) if !editor.is_new() => {
                        Some(editor.original_name().to_string())
                    }
                    _ => None,
                };
                self.close_editor();
                self.status = Some("Reloading...".into());
                vec![StoreWork::Load.into()]
            }
            _ => Vec::new(),
        }
    }

    /// Sorts and filters the list again, keeping the selected integration selected.
    fn refresh_list(&mut self) {
        let keep = self.selected().map(|i| i.name.clone());
        let integrations = self
            .catalog
            .as_ref()
            .map_or(&[][..], |catalog| catalog.integrations.as_slice());
        self.list.refresh(integrations, keep.as_deref());
    }
}
