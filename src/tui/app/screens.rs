//! What the views' requests do: moving between screens, popups, and the effects that
//! start work.

use super::{App, Popup, Screen, VerifyScreen};
use crate::model::{Grant, Integration};
use crate::tui::authorize::{AuthorizeId, AuthorizeRequest, AuthorizeView};
use crate::tui::chooser::{Chooser, ChooserRequest};
use crate::tui::dialog::Dialog;
use crate::tui::editor::{Editor, EditorRequest, NotAuthorized, Pane, Slot};
use crate::tui::list::ListRequest;
use crate::tui::logs::{LogQuery, LogsRequest, LogsView};
use crate::tui::message::{
    AfterSave, Effect, SaveOrigin, SaveRequest, StoreWork, TaskWork, TerminalWork,
};
use crate::tui::settings::{SettingsRequest, SettingsView};
use crate::tui::status::StatusRequest;
use crate::tui::text::count;
use crate::tui::verify::{VerifyId, VerifyRequest, VerifyView};

/// Said where AUTHORIZE is asked of a client-credentials integration.
const NO_AUTHORIZE_STEP: &str = "Client credentials need no AUTHORIZE: the token is fetched when first needed (VERIFY shows it)";

impl App {
    pub(super) fn on_list(&mut self, request: ListRequest) -> Vec<Effect> {
        let integration = |index: usize| self.integrations().get(index).cloned();
        match request {
            ListRequest::Edit(index) => {
                if let Some(integration) = integration(index) {
                    self.open_editor(Some(integration.clone()), &integration, "Webhook");
                }
            }
            ListRequest::New if self.catalog.is_some() => {
                self.screen = Screen::Chooser(Chooser::default());
            }
            ListRequest::New => {}
            ListRequest::Delete(index) => {
                if let Some(integration) = integration(index) {
                    self.popups.push(Popup::dialog(Dialog::delete(integration)));
                }
            }
            ListRequest::ToggleEnabled(index) => {
                if let Some(original) = integration(index) {
                    let mut integration = original.clone();
                    integration.enabled = !integration.enabled;
                    return vec![
                        StoreWork::Save(Box::new(SaveRequest {
                            original: Some(original),
                            integration,
                            origin: SaveOrigin::ToggleEnabled,
                        }))
                        .into(),
                    ];
                }
            }
            ListRequest::Verify(index) => {
                if let Some(integration) = integration(index) {
                    return self.start_verify(integration);
                }
            }
            ListRequest::Authorize(index) => {
                if let Some(integration) = integration(index) {
                    return self.start_authorize(integration);
                }
            }
            ListRequest::ForgetAuthorization(index) => {
                if let Some(integration) = integration(index) {
                    if self.authorizations.contains_key(&integration.name) {
                        self.popups
                            .push(Popup::dialog(Dialog::forget(&integration)));
                    } else {
                        self.status =
                            Some(format!("`{}` holds no authorization", integration.name));
                    }
                }
            }
            ListRequest::Logs(index) => {
                let name = index.and_then(integration).map(|i| i.name);
                if index.is_none() || name.is_some() {
                    return self.open_logs(name);
                }
            }
            ListRequest::Sorted(sort) => self.status = Some(format!("Sorted by {}", sort.label())),
            ListRequest::Reload => {
                self.status = Some("Reloading...".into());
                return vec![StoreWork::Load.into(), StoreWork::LoadAuthorizations.into()];
            }
            ListRequest::Settings => {
                self.status = Some("Reading the settings...".into());
                return vec![StoreWork::LoadSettings.into()];
            }
            ListRequest::Status => {
                self.screen = Screen::Status(Box::default());
                return vec![StoreWork::LoadStatus.into()];
            }
            ListRequest::Help => return self.open_help(),
            ListRequest::Quit => return self.quit_requested(),
        }
        Vec::new()
    }

    pub(super) fn on_status(&mut self, request: StatusRequest) -> Vec<Effect> {
        match request {
            StatusRequest::Refresh => {
                self.status = Some("STATUS read again".into());
                return vec![StoreWork::LoadStatus.into()];
            }
            StatusRequest::Back => self.screen = Screen::List,
            StatusRequest::Help => return self.open_help(),
        }
        Vec::new()
    }

    pub(super) fn on_chooser(&mut self, request: ChooserRequest) -> Vec<Effect> {
        match request {
            ChooserRequest::Chosen(preset, integration) => {
                self.open_editor(None, &integration, &preset.name);
                // What was typed for the preset's own fields is an edit: Esc asks
                // before it is dropped.
                if let Screen::Editor(editor) = &mut self.screen {
                    editor.unsaved_since(&preset.with_defaults());
                }
            }
            ChooserRequest::Back => self.screen = Screen::List,
            ChooserRequest::Help => return self.open_help(),
        }
        Vec::new()
    }

    pub(super) fn open_editor(
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

    pub(super) fn close_editor(&mut self) {
        tracing::info!("editor closed");
        self.screen = Screen::List;
        self.refresh_list();
    }

    pub(super) fn on_editor(&mut self, request: EditorRequest) -> Vec<Effect> {
        match request {
            EditorRequest::Close => {
                if self.editor_dirty() {
                    let name = self.editing_name();
                    self.popups
                        .push(Popup::dialog(Dialog::unsaved(&name, false)));
                } else {
                    self.close_editor();
                }
            }
            EditorRequest::Save(request) => {
                self.status = Some(format!("Saving `{}`...", request.integration.name));
                return vec![StoreWork::Save(request).into()];
            }
            EditorRequest::ReadCertificate(path) => {
                return vec![StoreWork::ReadCertificate(path).into()];
            }
            EditorRequest::EditExternally(text) => {
                return vec![TerminalWork::EditExternally(text).into()];
            }
            EditorRequest::Verify(integration) => return self.start_verify(*integration),
            EditorRequest::NotVerified(errors) => {
                self.status = Some(format!(
                    "Not verified: {} first",
                    count(errors, "field to fix", "fields to fix")
                ));
            }
            EditorRequest::Logs(Some(name)) => {
                let editor = std::mem::replace(&mut self.screen, Screen::List);
                let effects = self.open_logs(Some(name));
                self.logs_back = Some(editor);
                return effects;
            }
            EditorRequest::Logs(None) => {
                self.status = Some("No deliveries yet: save the new integration first".into());
            }
            EditorRequest::Authorize(integration) => {
                return self.authorize_from_editor(*integration);
            }
            EditorRequest::NotAuthorized(NotAuthorized::NotOAuth) => {
                self.status =
                    Some("AUTHORIZE is for OAuth: choose OAuth under Authentication first".into());
            }
            EditorRequest::NotAuthorized(NotAuthorized::NoAuthorizeStep) => {
                self.status = Some(NO_AUTHORIZE_STEP.into());
            }
            EditorRequest::NotAuthorized(NotAuthorized::Invalid(errors)) => {
                self.status = Some(format!(
                    "Not authorized: {} first",
                    count(errors, "field to fix", "fields to fix")
                ));
            }
            EditorRequest::Help => return self.open_help(),
        }
        Vec::new()
    }

    /// Save from the unsaved-edits question: on success the editor closes (or the app
    /// quits, when that was the question).
    pub(super) fn editor_save(&mut self, then: AfterSave) -> Vec<Effect> {
        let Screen::Editor(editor) = &mut self.screen else {
            return Vec::new();
        };
        match editor.handle_action(crate::tui::action::Action::Save) {
            Some(EditorRequest::Save(mut request)) => {
                request.origin = SaveOrigin::Editor(then);
                vec![StoreWork::Save(request).into()]
            }
            _ => Vec::new(),
        }
    }

    /// Opens the VERIFY screen over the current one and starts the run.
    fn start_verify(&mut self, integration: Integration) -> Vec<Effect> {
        let id = VerifyId(self.next_verify);
        self.next_verify += 1;
        let view = VerifyView::running(&integration.name, id);
        let back = match std::mem::replace(&mut self.screen, Screen::List) {
            // Verify again from the report: go back where the first one came from.
            Screen::Verify(previous) => previous.back,
            other => other,
        };
        self.screen = Screen::Verify(Box::new(VerifyScreen { view, back }));
        self.status = Some(format!("Verifying `{}`...", integration.name));
        vec![
            TaskWork::StartVerify {
                id,
                integration: Box::new(integration),
            }
            .into(),
        ]
    }

    pub(super) fn on_verify(&mut self, request: VerifyRequest) -> Vec<Effect> {
        let Screen::Verify(verify) = &mut self.screen else {
            return Vec::new();
        };
        match request {
            VerifyRequest::Cancel(id) => return vec![TaskWork::CancelVerify(id).into()],
            VerifyRequest::Back => {
                self.screen = std::mem::replace(&mut verify.back, Screen::List);
                self.refresh_list();
            }
            VerifyRequest::Again => {
                let integration = match &verify.back {
                    Screen::Editor(editor) => Some(editor.build().0),
                    _ => {
                        let name = verify.view.name().to_string();
                        self.integrations().iter().find(|i| i.name == name).cloned()
                    }
                };
                if let Some(integration) = integration {
                    return self.start_verify(integration);
                }
            }
            VerifyRequest::Help => return self.open_help(),
            VerifyRequest::Trust(certificate) => {
                let name = verify.view.name().to_string();
                let uploaded = match &verify.back {
                    Screen::Editor(editor) => editor.build().0.certificate,
                    _ => self
                        .integrations()
                        .iter()
                        .find(|i| i.name == name)
                        .and_then(|i| i.certificate.clone()),
                };
                let replaces = uploaded.is_some_and(|pem| !pem.trim().is_empty());
                let dialog = Dialog::trust(&name, *certificate, replaces);
                self.popups.push(Popup::dialog(dialog));
            }
        }
        Vec::new()
    }

    /// Trust answered on a VERIFY report: from the editor, the certificate goes into
    /// its Certificate field (saved with the other edits); else it is pinned on the
    /// stored integration.
    pub(super) fn trust_certificate(&mut self, name: String, pem: String) -> Vec<Effect> {
        if let Screen::Verify(verify) = &mut self.screen
            && let Screen::Editor(editor) = &mut verify.back
        {
            editor.certificate_loaded(pem);
            self.status = Some(format!(
                "The certificate is in `{name}`'s Certificate field: save the editor to pin it"
            ));
            return Vec::new();
        }
        self.status = Some(format!("Pinning the certificate of `{name}`..."));
        vec![StoreWork::PinCertificate { name, pem }.into()]
    }

    /// AUTHORIZE `integration`, as stored, from its editor: Esc on AUTHORIZE comes back
    /// to the editor.
    pub(super) fn authorize_from_editor(&mut self, integration: Integration) -> Vec<Effect> {
        let name = integration.name.clone();
        let effects = self.start_authorize(integration);
        if matches!(self.screen, Screen::Authorize(_)) {
            self.authorize_back = Some(name);
        }
        effects
    }

    /// Back from AUTHORIZE: to the editor it was started from, opened on the
    /// integration as stored now, at its AUTHORIZE button; else to the list.
    fn leave_authorize(&mut self) {
        let stored = self
            .authorize_back
            .take()
            .and_then(|name| self.integrations().iter().find(|i| i.name == name).cloned());
        match stored {
            Some(integration) => {
                self.open_editor(Some(integration.clone()), &integration, "Webhook");
                if let Screen::Editor(editor) = &mut self.screen {
                    editor.focus_on(Pane::Authentication, Slot::Authorize);
                }
            }
            None => {
                self.screen = Screen::List;
                self.refresh_list();
            }
        }
    }

    fn start_authorize(&mut self, integration: Integration) -> Vec<Effect> {
        let grant = match &integration.authentication {
            crate::model::Authentication::OAuth(oauth) => oauth.grant,
            _ => {
                self.status = Some(format!(
                    "`{}` does not use OAuth: choose OAuth on its AUTHENTICATION pane first",
                    integration.name
                ));
                return Vec::new();
            }
        };
        if !grant.needs_authorize() {
            self.status = Some(NO_AUTHORIZE_STEP.into());
            return Vec::new();
        }
        let id = AuthorizeId(self.next_authorize);
        self.next_authorize += 1;
        let view = AuthorizeView::new(id, &integration.name, self.profile);
        let view = if grant == Grant::DeviceCode {
            view.for_device_grant()
        } else {
            view
        };
        self.screen = Screen::Authorize(Box::new(view));
        self.status = Some(format!("Authorizing `{}`...", integration.name));
        vec![
            TaskWork::StartAuthorize {
                id,
                integration: Box::new(integration),
            }
            .into(),
        ]
    }

    pub(super) fn on_authorize(&mut self, request: AuthorizeRequest) -> Vec<Effect> {
        let Screen::Authorize(view) = &self.screen else {
            return Vec::new();
        };
        let id = view.id();
        match request {
            AuthorizeRequest::Input(input) => vec![TaskWork::AuthorizeInput { id, input }.into()],
            AuthorizeRequest::PrintUrl(url) => vec![TerminalWork::PrintUrl(url).into()],
            AuthorizeRequest::CopyUrl(url) => {
                self.status = Some(
                    "Authorize URL sent to the terminal clipboard (OSC 52; some terminals ignore it)"
                        .into(),
                );
                vec![TerminalWork::CopyToClipboard(url).into()]
            }
            AuthorizeRequest::ChooseSite(wanted) => {
                let name = view.name().to_string();
                vec![
                    TaskWork::ChooseSite {
                        id,
                        name,
                        wanted: Some(wanted),
                    }
                    .into(),
                ]
            }
            AuthorizeRequest::CheckCallback => self.check_callback(),
            AuthorizeRequest::StartAgain => {
                let name = view.name().to_string();
                match self.integrations().iter().find(|i| i.name == name).cloned() {
                    Some(integration) => self.start_authorize(integration),
                    None => Vec::new(),
                }
            }
            AuthorizeRequest::Back => {
                self.leave_authorize();
                vec![StoreWork::LoadAuthorizations.into()]
            }
            AuthorizeRequest::Help => self.open_help(),
        }
    }

    /// Opens LOGS for one integration or all, and asks for the newest page.
    pub(super) fn open_logs(&mut self, integration: Option<String>) -> Vec<Effect> {
        // From the list, Esc goes back to the list (a stale editor is not kept).
        self.logs_back = None;
        let (view, queries) = LogsView::open(integration);
        self.screen = Screen::Logs(Box::new(view));
        self.status = None;
        log_queries(queries)
    }

    pub(super) fn on_logs(&mut self, request: LogsRequest) -> Vec<Effect> {
        match request {
            LogsRequest::Load(queries) => return log_queries(queries),
            LogsRequest::Showing(outcome, queries) => {
                self.status = Some(format!("Showing {}", outcome.label()));
                return log_queries(queries);
            }
            LogsRequest::Replay(row) => self.popups.push(Popup::dialog(Dialog::replay(&row))),
            LogsRequest::Back => {
                self.screen = self.logs_back.take().unwrap_or(Screen::List);
                self.refresh_list();
            }
            LogsRequest::Help => return self.open_help(),
        }
        Vec::new()
    }
}

impl App {
    pub(super) fn on_settings(&mut self, request: SettingsRequest) -> Vec<Effect> {
        match request {
            SettingsRequest::Save(changes) => {
                self.status = Some("Saving the settings...".into());
                return vec![
                    StoreWork::SaveSettings {
                        changes,
                        then: AfterSave::Stay,
                    }
                    .into(),
                ];
            }
            SettingsRequest::NothingToSave => self.status = Some("Nothing to save".into()),
            SettingsRequest::Refused(refused) => {
                self.status = Some(format!(
                    "Not saved: {} first",
                    count(refused, "setting to fix", "settings to fix")
                ));
            }
            SettingsRequest::Close if self.settings_dirty() => {
                self.popups
                    .push(Popup::dialog(Dialog::unsaved_settings(false)));
            }
            SettingsRequest::Close => self.close_settings(),
            SettingsRequest::CheckCallback if self.settings_dirty() => {
                self.status =
                    Some("Save the settings first: the check runs on the saved ones".into());
            }
            SettingsRequest::CheckCallback => return self.check_callback(),
            SettingsRequest::Help => return self.open_help(),
        }
        Vec::new()
    }

    /// Save from the unsaved-edits question: on success SETTINGS closes (or the app
    /// quits); a refused setting keeps it open, its row saying why.
    pub(super) fn settings_save(&mut self, then: AfterSave) -> Vec<Effect> {
        let Screen::Settings(view) = &mut self.screen else {
            return Vec::new();
        };
        match view.save() {
            SettingsRequest::Save(changes) => {
                self.status = Some("Saving the settings...".into());
                vec![StoreWork::SaveSettings { changes, then }.into()]
            }
            other => self.on_settings(other),
        }
    }

    pub(super) fn open_settings(&mut self, settings: crate::model::Settings) {
        tracing::info!("settings opened");
        self.screen = Screen::Settings(Box::new(SettingsView::new(settings)));
        self.status = None;
    }

    pub(super) fn close_settings(&mut self) {
        self.screen = Screen::List;
        self.refresh_list();
    }

    /// Checks the callback URL in the background; the result comes as a popup over
    /// the screen it was asked from, which stays (an AUTHORIZE session goes on).
    pub(super) fn check_callback(&mut self) -> Vec<Effect> {
        self.status = Some("Checking the callback URL...".into());
        vec![TaskWork::CheckCallback.into()]
    }
}

pub(super) fn log_queries(queries: Vec<LogQuery>) -> Vec<Effect> {
    queries
        .into_iter()
        .map(|query| StoreWork::Logs(query).into())
        .collect()
}
