//! The app: all UI state, updated by terminal events and by messages from background
//! tasks; every update returns the effects (disk work, the external editor, quitting)
//! for the runtime to carry out. No I/O happens here, so tests drive it with keys.

use std::collections::HashMap;
use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, KeyContext, action_for};
use super::authorize::{AuthorizeId, AuthorizeView, QrTarget};
use super::chooser::Chooser;
use super::dialog::{Answer, Dialog, Question};
use super::editor::{Editor, EditorRequest};
use super::help::{Help, HelpRequest};
use super::list::ListView;
use super::logs::LogsView;
use super::message::AuthorizeInput;
use super::profile::Profile;
use super::text_input::TextInput;
use super::theme::Theme;
use super::verify::{VerifyId, VerifyView};
mod logs;
mod results;

pub use super::message::{
    AfterSave, Effect, Message, SaveOrigin, SaveRequest, StoreWork, TaskWork, TerminalWork,
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
    pub catalog: Option<Catalog>,
    /// Why the last load failed, shown in place of the list until a load succeeds.
    pub load_error: Option<String>,
    pub callback_url: Option<String>,
    /// `appliance.name` in the editor's preview, once the settings are read.
    pub appliance_name: Option<String>,
    /// What the editor lets integrations send to, once the settings are read.
    pub destinations: crate::model::DestinationPolicy,
    pub list: ListView,
    pub screen: Screen,
    pub popups: Vec<Popup>,
    pub status: Option<String>,
    /// The headline of the last VERIFY of each integration, for the list.
    pub last_results: HashMap<String, String>,
    /// The token store's status words per OAuth integration.
    pub authorizations: HashMap<String, super::list::AuthorizationText>,
    next_verify: u64,
    next_authorize: u64,
    /// The screen LOGS was opened from when it was not the list (the editor).
    logs_back: Option<Screen>,
    /// The terminal is below 80x24 and the screen asks for a larger one: keys then act
    /// only where the person can see it (Ctrl-C, Ctrl-L).
    too_small: bool,
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
            next_verify: 1,
            next_authorize: 1,
            logs_back: None,
            too_small: false,
        };
        (
            app,
            vec![
                Effect::Store(StoreWork::Load),
                Effect::Store(StoreWork::FindAppliance),
                Effect::Store(StoreWork::LoadAuthorizations),
            ],
        )
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
                Screen::List if self.list.filtering => KeyContext::Filter,
                Screen::List => KeyContext::List,
                Screen::Chooser(_) => KeyContext::Chooser,
                Screen::Editor(_) => KeyContext::Editor,
                Screen::Verify(_) => KeyContext::Verify,
                Screen::Authorize(view) if view.paste.is_some() => KeyContext::AuthorizePaste,
                Screen::Authorize(view) if view.sites.is_some() => KeyContext::AuthorizeSite,
                Screen::Authorize(_) => KeyContext::Authorize,
                Screen::Logs(view) if view.detail.is_some() => KeyContext::LogsDetail,
                Screen::Logs(view) if view.typing.is_some() => KeyContext::LogsText,
                Screen::Logs(_) => KeyContext::Logs,
            },
        }
    }

    fn editor_dirty(&self) -> bool {
        matches!(&self.screen, Screen::Editor(editor) if editor.is_dirty())
    }

    pub fn handle_event(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Resize(width, height) => {
                self.set_size(width, height);
                Vec::new()
            }
            Event::Key(key) if key.kind != KeyEventKind::Release => self.handle_key(key),
            Event::Paste(_) if self.too_small => Vec::new(),
            Event::Paste(text) => {
                // Terminals send pasted line breaks as CR.
                let text = text.replace("\r\n", "\n").replace('\r', "\n");
                if self.popups.is_empty() {
                    match &mut self.screen {
                        Screen::Editor(editor) => editor.paste(&text),
                        // A bracketed paste on the AUTHORIZE screen is the redirected URL.
                        Screen::Authorize(view) if view.is_running() => {
                            view.paste = None;
                            let id = view.id;
                            return vec![Effect::Task(TaskWork::AuthorizeInput {
                                id,
                                input: AuthorizeInput::Paste(text),
                            })];
                        }
                        Screen::List if self.list.filtering => {
                            self.list.filter.insert_str(&text);
                            self.refilter_list();
                        }
                        _ => {}
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The terminal's size, from a resize or the frame just drawn.
    pub(super) fn set_size(&mut self, width: u16, height: u16) {
        self.too_small = width < super::ui::MIN_WIDTH || height < super::ui::MIN_HEIGHT;
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let context = self.key_context();
        if self.too_small {
            return match action_for(context, &key) {
                Some(Action::Redraw) => vec![Effect::Terminal(TerminalWork::Redraw)],
                Some(Action::Interrupt) => self.quit_requested(),
                _ => Vec::new(),
            };
        }
        // Esc followed quickly by a key arrives as Alt+key (crossterm has no Esc
        // timeout): where Alt+key means nothing, it is the two keys.
        if key.modifiers.contains(KeyModifiers::ALT)
            && matches!(key.code, KeyCode::Char(_))
            && action_for(context, &key).is_none()
        {
            let mut effects = self.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            let mut plain = key;
            plain.modifiers.remove(KeyModifiers::ALT);
            effects.extend(self.handle_key(plain));
            return effects;
        }
        if context == KeyContext::Editor
            && let Screen::Editor(editor) = &mut self.screen
            && editor.takes_key_first(&key)
        {
            return Vec::new();
        }
        let action = action_for(context, &key);
        match action {
            Some(Action::Redraw) => return vec![Effect::Terminal(TerminalWork::Redraw)],
            Some(Action::Interrupt) => return self.quit_requested(),
            _ => {}
        }
        match context {
            KeyContext::Help => self.help_key(action),
            KeyContext::Dialog => self.dialog_key(action),
            KeyContext::Filter => self.filter_key(action, &key),
            KeyContext::List => self.list_key(action),
            KeyContext::Chooser => self.chooser_key(action),
            KeyContext::Editor => self.editor_key(action, &key),
            KeyContext::Verify => self.verify_key(action),
            KeyContext::Authorize => self.authorize_key(action),
            KeyContext::AuthorizePaste => self.authorize_paste_key(action, &key),
            KeyContext::AuthorizeSite => self.authorize_site_key(action),
            KeyContext::Logs | KeyContext::LogsText | KeyContext::LogsDetail => {
                self.logs_key(context, action, &key)
            }
        }
    }

    fn quit_requested(&mut self) -> Vec<Effect> {
        if self.editor_dirty() {
            if !self
                .popups
                .iter()
                .any(|p| matches!(p, Popup::Dialog(d) if d.question == Question::DiscardAndQuit))
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
            Screen::Editor(editor) => editor
                .original
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn help_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        if let Some(Popup::Help(help)) = self.popups.last_mut()
            && help.handle(action) == Some(HelpRequest::Close)
        {
            self.popups.pop();
        }
        Vec::new()
    }

    fn dialog_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        let Some(Popup::Dialog(dialog)) = self.popups.last_mut() else {
            return Vec::new();
        };
        let answer = match action {
            Some(Action::NextButton) => {
                dialog.next();
                return Vec::new();
            }
            Some(Action::PreviousButton) => {
                dialog.previous();
                return Vec::new();
            }
            Some(Action::Press) => dialog.answer(),
            Some(Action::Cancel) => Answer::Cancel,
            _ => return Vec::new(),
        };
        let question = dialog.question.clone();
        self.popups.pop();
        self.answer(question, answer)
    }

    fn answer(&mut self, question: Question, answer: Answer) -> Vec<Effect> {
        match (question, answer) {
            (Question::Delete(integration), Answer::Delete) => {
                self.status = Some(format!("Deleting `{}`...", integration.name));
                vec![Effect::Store(StoreWork::Delete(integration))]
            }
            (Question::Forget(integration), Answer::Forget) => {
                self.status = Some(format!(
                    "Forgetting the authorization of `{}`...",
                    integration.name
                ));
                vec![Effect::Store(StoreWork::ForgetAuthorization(integration))]
            }
            (
                Question::Replay {
                    attempt_id,
                    event_id,
                },
                Answer::Replay,
            ) => {
                self.status = Some(format!("Replaying {event_id}..."));
                vec![Effect::Store(StoreWork::Replay {
                    attempt_id,
                    event_id,
                })]
            }
            (Question::DiscardAndClose, Answer::Discard) => {
                self.close_editor();
                Vec::new()
            }
            (Question::DiscardAndQuit, Answer::Discard) => {
                vec![Effect::Quit]
            }
            (Question::DiscardAndClose, Answer::Save) => self.editor_save(AfterSave::Close),
            (Question::DiscardAndQuit, Answer::Save) => self.editor_save(AfterSave::Quit),
            (Question::Conflict, Answer::Reload) => {
                self.close_editor();
                self.status = Some("Reloading...".into());
                vec![Effect::Store(StoreWork::Load)]
            }
            _ => Vec::new(),
        }
    }

    fn filter_key(&mut self, action: Option<Action>, key: &KeyEvent) -> Vec<Effect> {
        match action {
            Some(Action::AcceptFilter) => self.list.filtering = false,
            Some(Action::ClearFilter) => {
                self.list.filtering = false;
                self.list.filter = Default::default();
                self.refilter_list();
            }
            Some(Action::Help) => self.popups.push(Popup::Help(Help::new(KeyContext::Filter))),
            _ => {
                if self.list.type_filter(key) {
                    self.refilter_list();
                }
            }
        }
        Vec::new()
    }

    /// Sorts and filters the list again, keeping the selected integration selected.
    pub fn refresh_list(&mut self) {
        let keep = self.selected().map(|i| i.name.clone());
        let integrations = self
            .catalog
            .as_ref()
            .map(|c| c.integrations.as_slice())
            .unwrap_or(&[]);
        self.list.refresh(integrations, keep.as_deref());
    }

    /// Recomputes the rows after the filter changed.
    pub fn refilter_list(&mut self) {
        self.list.refilter();
    }

    fn list_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        let Some(action) = action else {
            return Vec::new();
        };
        match action {
            Action::Up => self.list.move_by(-1),
            Action::Down => self.list.move_by(1),
            Action::PageUp => self.list.move_by(-self.list.page_size()),
            Action::PageDown => self.list.move_by(self.list.page_size()),
            Action::First => self.list.first(),
            Action::Last => self.list.last(),
            Action::Filter => self.list.filtering = true,
            Action::ClearFilter => {
                self.list.filter = Default::default();
                self.refilter_list();
            }
            Action::Sort => {
                self.list.next_sort();
                self.refresh_list();
                self.status = Some(format!("Sorted by {}", self.list.sort().label()));
            }
            Action::Reload => {
                self.status = Some("Reloading...".into());
                return vec![
                    Effect::Store(StoreWork::Load),
                    Effect::Store(StoreWork::LoadAuthorizations),
                ];
            }
            Action::New if self.catalog.is_some() => {
                self.screen = Screen::Chooser(Chooser::default());
            }
            Action::Open => {
                if let Some(integration) = self.selected().cloned() {
                    self.open_editor(Some(integration.clone()), &integration, "Webhook");
                }
            }
            Action::Delete => {
                if let Some(integration) = self.selected().cloned() {
                    self.popups.push(Popup::dialog(Dialog::delete(integration)));
                }
            }
            Action::ToggleEnabled => {
                if let Some(original) = self.selected().cloned() {
                    let mut integration = original.clone();
                    integration.enabled = !integration.enabled;
                    return vec![Effect::Store(StoreWork::Save(Box::new(SaveRequest {
                        original: Some(original),
                        integration,
                        origin: SaveOrigin::ToggleEnabled,
                    })))];
                }
            }
            Action::Verify => {
                if let Some(integration) = self.selected().cloned() {
                    return self.start_verify(integration);
                }
            }
            Action::Authorize => {
                if let Some(integration) = self.selected().cloned() {
                    return self.start_authorize(integration);
                }
            }
            Action::ForgetAuthorization => {
                if let Some(integration) = self.selected() {
                    if self.authorizations.contains_key(&integration.name) {
                        let dialog = Dialog::forget(integration);
                        self.popups.push(Popup::dialog(dialog));
                    } else {
                        self.status =
                            Some(format!("`{}` holds no authorization", integration.name));
                    }
                }
            }
            Action::Logs => return self.open_logs(None),
            Action::LogsSelected => {
                if let Some(integration) = self.selected() {
                    let name = integration.name.clone();
                    return self.open_logs(Some(name));
                }
            }
            Action::Help => self.popups.push(Popup::Help(Help::new(KeyContext::List))),
            Action::Quit => return self.quit_requested(),
            _ => {}
        }
        Vec::new()
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

    fn start_authorize(&mut self, integration: Integration) -> Vec<Effect> {
        if !matches!(
            integration.authentication,
            crate::model::Authentication::OAuth(_)
        ) {
            self.status = Some(format!(
                "`{}` does not use OAuth: choose OAuth on its AUTHENTICATION pane first",
                integration.name
            ));
            return Vec::new();
        }
        let id = AuthorizeId(self.next_authorize);
        self.next_authorize += 1;
        self.screen = Screen::Authorize(Box::new(AuthorizeView::new(
            id,
            &integration.name,
            self.profile,
        )));
        self.status = Some(format!("Authorizing `{}`...", integration.name));
        vec![Effect::Task(TaskWork::StartAuthorize {
            id,
            integration: Box::new(integration),
        })]
    }

    fn authorize_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        let Screen::Authorize(view) = &mut self.screen else {
            return Vec::new();
        };
        let url = view.authorize_url.clone();
        match action {
            Some(Action::PasteUrl) if view.is_running() => view.paste = Some(TextInput::default()),
            Some(Action::NextRendering) => view.next_rendering(self.profile),
            Some(Action::ToggleQrTarget) => {
                view.target = match (view.target, &view.start_link) {
                    (QrTarget::StartLink, _) => QrTarget::FullUrl,
                    (QrTarget::FullUrl, Some(_)) => QrTarget::StartLink,
                    (QrTarget::FullUrl, None) => QrTarget::FullUrl,
                };
            }
            Some(Action::PrintUrl) => {
                if let Some(url) = url {
                    return vec![Effect::Terminal(TerminalWork::PrintUrl(url))];
                }
            }
            Some(Action::CopyUrl) => {
                if let Some(url) = url {
                    self.status = Some(
                        "Authorize URL sent to the terminal clipboard (OSC 52; some terminals ignore it)"
                            .into(),
                    );
                    return vec![Effect::Terminal(TerminalWork::CopyToClipboard(url))];
                }
            }
            Some(Action::Back) => {
                if view.is_running() {
                    let id = view.id;
                    return vec![Effect::Task(TaskWork::AuthorizeInput {
                        id,
                        input: AuthorizeInput::Cancel,
                    })];
                }
                self.screen = Screen::List;
                self.refresh_list();
                return vec![Effect::Store(StoreWork::LoadAuthorizations)];
            }
            Some(Action::Help) => self
                .popups
                .push(Popup::Help(Help::new(KeyContext::Authorize))),
            _ => {}
        }
        Vec::new()
    }

    fn authorize_site_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        let Screen::Authorize(view) = &mut self.screen else {
            return Vec::new();
        };
        let Some(picker) = &mut view.sites else {
            return Vec::new();
        };
        match action {
            Some(Action::Up) => picker.move_by(-1),
            Some(Action::Down) => picker.move_by(1),
            Some(Action::Activate) => {
                let wanted = picker.chosen().id.clone();
                view.sites = None;
                view.site_line = Some("Setting the URL...".into());
                return vec![Effect::Task(TaskWork::ChooseSite {
                    id: view.id,
                    name: view.name.clone(),
                    wanted: Some(wanted),
                })];
            }
            Some(Action::Back) => {
                view.sites = None;
                view.site_line = Some(format!(
                    "No site chosen: the URL stays empty until `hookconsole sites {} --choose SITE` or an edit sets it.",
                    view.name
                ));
            }
            Some(Action::Help) => self
                .popups
                .push(Popup::Help(Help::new(KeyContext::AuthorizeSite))),
            _ => {}
        }
        Vec::new()
    }

    fn authorize_paste_key(&mut self, action: Option<Action>, key: &KeyEvent) -> Vec<Effect> {
        let Screen::Authorize(view) = &mut self.screen else {
            return Vec::new();
        };
        match action {
            Some(Action::Press) => {
                let text = view
                    .paste
                    .take()
                    .map(|input| input.text())
                    .unwrap_or_default();
                if !text.trim().is_empty() {
                    let id = view.id;
                    return vec![Effect::Task(TaskWork::AuthorizeInput {
                        id,
                        input: AuthorizeInput::Paste(text),
                    })];
                }
            }
            Some(Action::Cancel) => view.paste = None,
            _ => {
                if let Some(input) = &mut view.paste {
                    input.handle_key(key);
                }
            }
        }
        Vec::new()
    }

    /// Opens the VERIFY screen over the current one and starts the run.
    fn start_verify(&mut self, integration: Integration) -> Vec<Effect> {
        let id = VerifyId(self.next_verify);
        self.next_verify += 1;
        let view = VerifyView::running(&integration.name, id);
        let back = std::mem::replace(&mut self.screen, Screen::List);
        let back = match back {
            // Verify again from the report: go back where the first one came from.
            Screen::Verify(previous) => previous.back,
            other => other,
        };
        self.screen = Screen::Verify(Box::new(VerifyScreen { view, back }));
        self.status = Some(format!("Verifying `{}`...", integration.name));
        vec![Effect::Task(TaskWork::StartVerify {
            id,
            integration: Box::new(integration),
        })]
    }

    fn verify_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        let Screen::Verify(verify) = &mut self.screen else {
            return Vec::new();
        };
        match action {
            Some(Action::Up) => verify.view.scroll_by(-1),
            Some(Action::Down) => verify.view.scroll_by(1),
            Some(Action::PageUp) => verify.view.scroll_by(-10),
            Some(Action::PageDown) => verify.view.scroll_by(10),
            Some(Action::Back) => {
                if let super::verify::VerifyState::Running { id, cancelling, .. } =
                    &mut verify.view.state
                {
                    *cancelling = true;
                    return vec![Effect::Task(TaskWork::CancelVerify(*id))];
                }
                let back = std::mem::replace(&mut verify.back, Screen::List);
                self.screen = back;
                self.refresh_list();
            }
            Some(Action::Verify) if !verify.view.is_running() => {
                let name = verify.view.name.clone();
                let integration = match &verify.back {
                    Screen::Editor(editor) => Some(editor.build().0),
                    _ => self.integrations().iter().find(|i| i.name == name).cloned(),
                };
                if let Some(integration) = integration {
                    return self.start_verify(integration);
                }
            }
            Some(Action::Help) => self.popups.push(Popup::Help(Help::new(KeyContext::Verify))),
            _ => {}
        }
        Vec::new()
    }

    fn chooser_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        let Screen::Chooser(chooser) = &mut self.screen else {
            return Vec::new();
        };
        match action {
            Some(Action::Up) => chooser.move_by(-1),
            Some(Action::Down) => chooser.move_by(1),
            Some(Action::Activate) => {
                let preset = chooser.chosen();
                self.open_editor(None, &preset.with_defaults(), &preset.name);
            }
            Some(Action::Back) => self.screen = Screen::List,
            Some(Action::Help) => self
                .popups
                .push(Popup::Help(Help::new(KeyContext::Chooser))),
            _ => {}
        }
        Vec::new()
    }

    fn open_editor(
        &mut self,
        original: Option<Integration>,
        integration: &Integration,
        type_name: &'static str,
    ) {
        let others = self.other_names(original.as_ref());
        match &original {
            Some(original) => tracing::info!(integration = %original.name, "editor opened"),
            None => tracing::info!(kind = type_name, "editor opened on a new integration"),
        }
        let mut editor = Editor::new(original, integration, type_name, others);
        editor.set_destinations(self.destinations);
        self.screen = Screen::Editor(Box::new(editor));
        self.status = None;
    }

    fn other_names(&self, original: Option<&Integration>) -> Vec<String> {
        self.integrations()
            .iter()
            .filter(|i| original.is_none_or(|o| !crate::model::names_match(&o.name, &i.name)))
            .map(|i| i.name.clone())
            .collect()
    }

    fn close_editor(&mut self) {
        tracing::info!("editor closed");
        self.screen = Screen::List;
        self.refresh_list();
    }

    fn editor_key(&mut self, action: Option<Action>, key: &KeyEvent) -> Vec<Effect> {
        let Screen::Editor(editor) = &mut self.screen else {
            return Vec::new();
        };
        if action == Some(Action::LogsSelected) {
            let Some(name) = editor.original.as_ref().map(|o| o.name.clone()) else {
                self.status = Some("No deliveries yet: save the new integration first".into());
                return Vec::new();
            };
            let editor = std::mem::replace(&mut self.screen, Screen::List);
            let effects = self.open_logs(Some(name));
            self.logs_back = Some(editor);
            return effects;
        }
        if action == Some(Action::Verify) {
            // VERIFY what the form holds now, saved or not, once it is valid.
            let (integration, errors) = editor.build();
            if !errors.is_empty() {
                editor.show_errors(&errors);
                self.status = Some(format!(
                    "Not verified: {} field error(s) to fix first",
                    errors.len()
                ));
                return Vec::new();
            }
            return self.start_verify(integration);
        }
        let request = match action {
            Some(action) => editor.handle_action(action),
            None => {
                editor.type_key(key);
                None
            }
        };
        match request {
            None => Vec::new(),
            Some(EditorRequest::Close) => {
                if editor.is_dirty() {
                    let name = self.editing_name();
                    self.popups
                        .push(Popup::dialog(Dialog::unsaved(&name, false)));
                } else {
                    self.close_editor();
                }
                Vec::new()
            }
            Some(EditorRequest::Save(request)) => {
                self.status = Some(format!("Saving `{}`...", request.integration.name));
                vec![Effect::Store(StoreWork::Save(request))]
            }
            Some(EditorRequest::ReadCertificate(path)) => {
                vec![Effect::Store(StoreWork::ReadCertificate(path))]
            }
            Some(EditorRequest::EditExternally(text)) => {
                vec![Effect::Terminal(TerminalWork::EditExternally(text))]
            }
            Some(EditorRequest::Help) => {
                self.popups.push(Popup::Help(Help::new(KeyContext::Editor)));
                Vec::new()
            }
        }
    }

    /// Save from the unsaved-edits question: on success the editor closes (or the app
    /// quits, when that was the question).
    fn editor_save(&mut self, then: AfterSave) -> Vec<Effect> {
        let Screen::Editor(editor) = &mut self.screen else {
            return Vec::new();
        };
        match editor.handle_action(Action::Save) {
            Some(EditorRequest::Save(mut request)) => {
                request.origin = SaveOrigin::Editor(then);
                vec![Effect::Store(StoreWork::Save(request))]
            }
            _ => Vec::new(),
        }
    }
}
