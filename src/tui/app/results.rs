//! The app's handling of messages from background work: loads, saves, deletes, the
//! certificate file and the external editor.

use std::sync::Arc;

use super::{App, Popup, Screen, screens};
use crate::home::SettingsChangeError;
use crate::store::{Catalog, StoreError};
use crate::tui::dialog::Dialog;
use crate::tui::message::{
    AfterSave, Effect, Message, SaveOrigin, SaveRequest, StoreWork, TaskWork, TerminalWork,
};
use crate::tui::text::count;
use crate::tui::title::Deliveries;

impl App {
    /// After "Reload" on a refused save: the editor again, on the other session's
    /// version; the list when that session removed or renamed the integration.
    fn reopen_reloaded(&mut self) {
        let Some(name) = self.reopen_after_load.take() else {
            return;
        };
        // Only where Reload left the person: a key may have opened something else
        // meanwhile (another editor, with edits of its own), which stays.
        if !matches!(self.screen, Screen::List) || !self.popups.is_empty() {
            return;
        }
        let stored = self.integrations().iter().find(|i| i.name == name).cloned();
        match stored {
            Some(integration) => {
                self.open_editor(Some(integration.clone()), &integration, "Webhook");
                self.status = Some(format!("Reloaded `{name}` as the other session saved it"));
            }
            None => {
                self.status = Some(format!(
                    "`{name}` is no longer in the file: another session removed or renamed it"
                ));
            }
        }
    }

    pub fn handle_message(&mut self, message: Message) -> Vec<Effect> {
        match message {
            Message::Loaded(Ok(catalog)) => {
                self.status = Some(count(
                    catalog.integrations.len(),
                    "integration loaded",
                    "integrations loaded",
                ));
                self.load_error = None;
                self.set_catalog(catalog);
                self.reopen_reloaded();
                return vec![
                    self.load_last_deliveries(),
                    StoreWork::LoadDeliverySummary.into(),
                ];
            }
            Message::DeliveriesChanged => {
                let mut effects = vec![
                    self.load_last_deliveries(),
                    StoreWork::LoadDeliverySummary.into(),
                ];
                if let Screen::Status(_) = self.screen {
                    effects.push(StoreWork::LoadStatus.into());
                }
                return effects;
            }
            Message::StatusGathered(result) => {
                if let Screen::Status(view) = &mut self.screen {
                    view.gathered(result);
                }
            }
            Message::DeliverySummary(summary) => {
                if let Some(error) = &summary.queue_unreadable {
                    tracing::warn!(%error, "the delivery queue cannot be read for the list");
                }
                self.deliveries = Deliveries::Read(summary);
            }
            Message::IntegrationsFileChanged => return vec![StoreWork::Refresh.into()],
            Message::Refreshed(result) => {
                self.refreshed(result);
                return vec![self.load_last_deliveries()];
            }
            Message::LastDeliveries(last) => self.last_deliveries = last,
            Message::Loaded(Err(error)) => {
                tracing::error!(%error, "loading integrations failed");
                // A later load (the file fixed) is no answer to that Reload.
                self.reopen_after_load = None;
                self.status = Some("The integrations file could not be read".into());
                self.load_error = Some(error.to_string());
                // What was read before may no longer be what the file says.
                self.catalog = None;
                self.list.refresh(&[], None);
            }
            Message::Appliance {
                callback_url,
                name,
                destinations,
            } => {
                self.callback_url = Some(callback_url);
                self.appliance_name = Some(name);
                self.destinations = destinations;
                if let Screen::Editor(editor) = &mut self.screen {
                    editor.set_destinations(destinations);
                }
            }
            Message::Tick => {
                if let Screen::Logs(view) = &mut self.screen {
                    return screens::log_queries(view.tick());
                }
            }
            Message::LogPage { generation, result } => {
                if let Screen::Logs(view) = &mut self.screen {
                    view.page_arrived(generation, result);
                }
            }
            Message::LogNew { generation, result } => {
                if let Screen::Logs(view) = &mut self.screen {
                    return screens::log_queries(
                        view.new_arrived(generation, result).into_iter().collect(),
                    );
                }
            }
            Message::Sparkline {
                generation,
                since_ms,
                rows,
            } => {
                if let Screen::Logs(view) = &mut self.screen {
                    view.sparkline_arrived(generation, since_ms, rows);
                }
            }
            Message::SettingsLoaded(Ok(settings)) => self.open_settings(settings),
            Message::SettingsLoaded(Err(error)) => {
                self.status = None;
                self.popups.push(Popup::dialog(Dialog::error(
                    "Settings not read",
                    format!("{error}\n\nFix the file, or change it with `hookconsole settings`."),
                )));
            }
            Message::SettingsSaved { result, then } => return self.settings_saved(result, then),
            Message::CallbackChecked(result) => self.callback_checked(result),
            Message::Replayed(line) => {
                self.status = Some(line);
                if let Screen::Logs(view) = &mut self.screen {
                    return screens::log_queries(view.tick());
                }
            }
            Message::Authorizations(statuses) => self.authorizations = statuses,
            Message::Forgot(line) => {
                self.status = Some(line);
                return vec![StoreWork::LoadAuthorizations.into()];
            }
            Message::AuthorizePrepared {
                id,
                callback_url,
                fingerprint,
            } => {
                if let Screen::Authorize(view) = &mut self.screen
                    && view.id() == id
                {
                    view.prepared(callback_url, fingerprint);
                }
            }
            Message::AuthorizeUpdate { id, update } => {
                if let Screen::Authorize(view) = &mut self.screen
                    && view.id() == id
                    && let Some(state) = view.update(update)
                {
                    self.status =
                        Some(format!("AUTHORIZE `{}`: {}", view.name(), state.describe()));
                    let mut effects = vec![StoreWork::LoadAuthorizations.into()];
                    let waits_for_site = self
                        .catalog
                        .as_ref()
                        .and_then(|catalog| catalog.get(view.name()))
                        .is_some_and(crate::model::Integration::waits_for_site);
                    if matches!(state, crate::oauth::FlowState::Authorized) && waits_for_site {
                        view.listing_sites();
                        effects.push(
                            TaskWork::ChooseSite {
                                id,
                                name: view.name().to_string(),
                                wanted: None,
                            }
                            .into(),
                        );
                    }
                    return effects;
                }
            }
            Message::SiteChosen { id, result } => {
                if let Screen::Authorize(view) = &mut self.screen
                    && view.id() == id
                    && let Some(line) = view.site_outcome(result)
                {
                    // The URL may have changed: the catalog is read again.
                    self.status = Some(line);
                    return vec![StoreWork::Load.into()];
                }
            }
            Message::AuthorizeFailed { id, reason } => {
                if let Screen::Authorize(view) = &mut self.screen
                    && view.id() == id
                {
                    view.failed(reason.clone());
                }
                self.status = Some(format!("AUTHORIZE did not start: {reason}"));
            }
            Message::VerifyStage { id, stage } => {
                if let Screen::Verify(verify) = &mut self.screen {
                    verify.view.stage(id, stage);
                }
            }
            Message::Verified { id, name, report } => {
                let headline = crate::delivery::headline(&report);
                if !matches!(report.outcome, crate::delivery::Outcome::Cancelled) {
                    self.last_results.insert(name.clone(), headline.clone());
                }
                tracing::info!(integration = %name, result = %headline, "verify finished");
                self.status = Some(format!("VERIFY `{name}`: {headline}"));
                if let Screen::Verify(verify) = &mut self.screen {
                    verify.view.finished(id, *report);
                }
            }
            Message::Saved {
                request,
                result,
                followed,
            } => return self.saved(request, result, followed),
            Message::Deleted {
                name,
                result,
                forgot,
            } => match result {
                Ok(catalog) => {
                    tracing::info!(integration = %name, "deleted");
                    self.status = Some(match forgot {
                        Some(forgot) => format!("Deleted `{name}`. {forgot}"),
                        None => format!("Deleted `{name}`"),
                    });
                    self.set_catalog(catalog);
                }
                Err(StoreError::Conflict(message)) => {
                    self.popups.push(Popup::dialog(Dialog::conflict(&message)));
                }
                Err(error) => self.popups.push(Popup::dialog(Dialog::error(
                    "Not deleted",
                    error.to_string(),
                ))),
            },
            Message::CertificatePinned { name, result } => match result {
                Ok(catalog) => {
                    tracing::info!(integration = %name, "certificate pinned");
                    self.status = Some(format!(
                        "Pinned: `{name}` trusts the certificate it was presented; v verifies again"
                    ));
                    self.set_catalog(catalog);
                }
                Err(StoreError::Conflict(message)) => {
                    self.popups.push(Popup::dialog(Dialog::conflict(&message)));
                }
                Err(error) => self.popups.push(Popup::dialog(Dialog::error(
                    "Not pinned",
                    error.to_string(),
                ))),
            },
            Message::CertificateRead { path, result } => {
                if let Screen::Editor(editor) = &mut self.screen {
                    match result {
                        Ok(text) => {
                            editor.certificate_loaded(text);
                            self.status = Some(format!("Certificate read from {}", path.display()));
                        }
                        Err(error) => self.popups.push(Popup::dialog(Dialog::error(
                            "Cannot read the certificate",
                            format!("{}: {error}", path.display()),
                        ))),
                    }
                }
            }
            Message::ExternallyEdited(result) => {
                if let Screen::Editor(editor) = &mut self.screen {
                    match result {
                        Ok(text) => editor.set_content(&text),
                        Err(error) => self.popups.push(Popup::dialog(Dialog::error(
                            "The editor failed",
                            error.to_string(),
                        ))),
                    }
                }
                return vec![TerminalWork::Redraw.into()];
            }
        }
        Vec::new()
    }

    /// Reads each integration's last delivery from the log, for the list.
    fn load_last_deliveries(&self) -> Effect {
        let names = self
            .integrations()
            .iter()
            .map(|integration| integration.name.clone())
            .collect();
        StoreWork::LoadLastDeliveries(names).into()
    }

    fn set_catalog(&mut self, catalog: Catalog) {
        let keep = self.selected().map(|i| i.name.clone());
        self.list.refresh(&catalog.integrations, keep.as_deref());
        self.catalog = Some(catalog);
    }

    fn saved(
        &mut self,
        request: Box<SaveRequest>,
        result: Result<Catalog, StoreError>,
        followed: Option<String>,
    ) -> Vec<Effect> {
        let name = request.integration.name.clone();
        match (request.origin, result) {
            (origin, Ok(catalog)) => {
                let stored = catalog.get(&name).cloned();
                let others = self.catalog_names_except(&catalog, &name);
                // Select what was just saved, so that the list shows it on return.
                self.list.refresh(&catalog.integrations, Some(&name));
                self.catalog = Some(catalog);
                self.status = Some(match origin {
                    SaveOrigin::ToggleEnabled if request.integration.enabled => {
                        format!("Enabled `{name}`")
                    }
                    SaveOrigin::ToggleEnabled => format!("Disabled `{name}`"),
                    SaveOrigin::Editor(_) => match &followed {
                        Some(followed) => format!("Saved `{name}`: {followed}"),
                        None => format!("Saved `{name}`"),
                    },
                });
                if let (SaveOrigin::Editor(then), Screen::Editor(editor)) =
                    (origin, &mut self.screen)
                {
                    if let Some(stored) = &stored {
                        editor.saved(stored.clone(), others);
                    }
                    match then {
                        AfterSave::Stay => {}
                        AfterSave::Close => self.close_editor(),
                        AfterSave::Quit => {
                            return vec![Effect::Quit];
                        }
                        AfterSave::Authorize => {
                            if let Some(stored) = stored {
                                return self.authorize_from_editor(stored);
                            }
                        }
                    }
                }
            }
            (origin, Err(error)) => {
                if let Screen::Editor(editor) = &mut self.screen {
                    editor.save_failed();
                }
                tracing::warn!(%error, integration = %name, "save refused");
                self.status = Some(format!("Not saved: `{name}`"));
                match error {
                    StoreError::Conflict(message) => {
                        self.popups.push(Popup::dialog(Dialog::conflict(&message)))
                    }
                    StoreError::Invalid(errors) if matches!(origin, SaveOrigin::Editor(_)) => {
                        if let Screen::Editor(editor) = &mut self.screen {
                            editor.show_errors(&errors);
                        }
                    }
                    other => self
                        .popups
                        .push(Popup::dialog(Dialog::error("Not saved", other.to_string()))),
                }
            }
        }
        Vec::new()
    }

    fn catalog_names_except(&self, catalog: &Catalog, name: &str) -> Vec<String> {
        catalog
            .integrations
            .iter()
            .filter(|i| !crate::model::names_match(&i.name, name))
            .map(|i| i.name.clone())
            .collect()
    }
}

impl App {
    fn settings_saved(
        &mut self,
        result: Result<crate::model::Settings, Arc<SettingsChangeError>>,
        then: AfterSave,
    ) -> Vec<Effect> {
        match result {
            Ok(settings) => {
                tracing::info!("settings saved");
                self.status = Some("Settings saved".into());
                if let Screen::Settings(view) = &mut self.screen {
                    view.saved(settings);
                }
                match then {
                    AfterSave::Close => self.close_settings(),
                    AfterSave::Quit => return vec![Effect::Quit],
                    AfterSave::Stay | AfterSave::Authorize => {}
                }
                // The callback URL, the appliance's name and what may be saved follow.
                return vec![StoreWork::FindAppliance.into()];
            }
            Err(error) => match &*error {
                // Refused when saving: a certificate or key file that cannot serve the
                // listener, or the file as another process changed it meanwhile. The
                // rows say why.
                SettingsChangeError::Invalid(refused) => {
                    self.status = Some(format!(
                        "Not saved: {}",
                        crate::tui::text::count(
                            refused.len(),
                            "setting to fix first",
                            "settings to fix first"
                        )
                    ));
                    if let Screen::Settings(view) = &mut self.screen {
                        view.refused(refused);
                    }
                }
                SettingsChangeError::Store(store) => {
                    self.status = Some("Settings not saved".into());
                    self.popups.push(Popup::dialog(Dialog::error(
                        "Settings not saved",
                        store.to_string(),
                    )));
                }
            },
        }
        Vec::new()
    }

    /// The check's outcome and advice in a popup over the screen it was asked from,
    /// with the stages that ran: the full report is `hookconsole callback-url --check`.
    fn callback_checked(&mut self, result: Result<Box<crate::delivery::VerifyReport>, String>) {
        let (title, text) = match result {
            Ok(report) => {
                let works = matches!(report.outcome, crate::delivery::Outcome::Delivered { .. });
                let lines: Vec<String> = crate::delivery::check_lines(&report)
                    .into_iter()
                    .filter(|line| {
                        ["resolve", "connect", "TLS", "HTTP", "outcome", "advice"]
                            .iter()
                            .any(|label| line.starts_with(label))
                    })
                    .collect();
                let title = if works {
                    "The callback URL works"
                } else {
                    "The callback URL fails"
                };
                self.status = Some(title.into());
                (
                    title,
                    format!(
                        "{}\n\nEvery stage: hookconsole callback-url --check",
                        lines.join("\n")
                    ),
                )
            }
            Err(reason) => {
                self.status = Some("The callback URL was not checked".into());
                ("The callback URL was not checked", reason)
            }
        };
        self.popups.push(Popup::dialog(Dialog::error(title, text)));
    }
}

impl App {
    /// The integrations file as another process left it: the list follows, keeping
    /// its selection; an open editor keeps its edits (a save based on the old copy
    /// is refused as a conflict).
    fn refreshed(&mut self, result: Result<Catalog, StoreError>) {
        match result {
            Ok(catalog) => {
                let changed = self
                    .catalog
                    .as_ref()
                    .is_none_or(|current| current.integrations != catalog.integrations);
                self.load_error = None;
                self.set_catalog(catalog);
                if changed && matches!(self.screen, Screen::List) {
                    tracing::info!("integrations file changed: reloaded");
                    self.status = Some(count(
                        self.integrations().len(),
                        "integration: the file changed, reloaded",
                        "integrations: the file changed, reloaded",
                    ));
                }
            }
            Err(error) => {
                tracing::warn!(%error, "integrations file changed and cannot be read");
                if self.catalog.is_some() {
                    // What is shown stays until the file reads again. The title names
                    // the file: its name alone here leaves the status line's 80
                    // columns for the line, the column and what is wrong there.
                    let text = error.with_file_name();
                    self.status = Some(format!("File changed, not reloaded: {text}"));
                } else {
                    self.load_error = Some(error.to_string());
                }
            }
        }
    }
}
