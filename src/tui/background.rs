//! The background tasks of one TUI run, and the handles the runtime keeps to them:
//! VERIFY runs (their cancel tokens), authorize sessions (their input channels) and
//! the site step after an authorization. Each reports back with messages.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::authorize::AuthorizeId;
use super::message::{AuthorizeInput, Message, TaskWork};
use super::verify::VerifyId;
use crate::delivery::{check_callback, verify_with_progress};
use crate::home::Home;
use crate::model::Integration;
use crate::oauth::{OAuthError, SessionInput, run_session};
use crate::store::Locations;

pub struct Background {
    locations: Locations,
    sender: mpsc::UnboundedSender<Message>,
    verifies: HashMap<VerifyId, CancellationToken>,
    authorizations: HashMap<AuthorizeId, mpsc::Sender<SessionInput>>,
}

impl Background {
    pub fn new(locations: &Locations, sender: mpsc::UnboundedSender<Message>) -> Background {
        Background {
            locations: locations.clone(),
            sender,
            verifies: HashMap::new(),
            authorizations: HashMap::new(),
        }
    }

    pub fn start(&mut self, work: TaskWork) {
        match work {
            TaskWork::StartVerify { id, integration } => {
                let cancel = CancellationToken::new();
                self.verifies.insert(id, cancel.clone());
                spawn_verify(
                    id,
                    *integration,
                    self.locations.clone(),
                    cancel,
                    self.sender.clone(),
                );
            }
            TaskWork::CancelVerify(id) => {
                if let Some(cancel) = self.verifies.get(&id) {
                    cancel.cancel();
                }
            }
            TaskWork::StartAuthorize { id, integration } => {
                let (inputs, input_rx) = mpsc::channel(4);
                self.authorizations.insert(id, inputs);
                spawn_authorize(
                    id,
                    *integration,
                    self.locations.clone(),
                    input_rx,
                    self.sender.clone(),
                );
            }
            TaskWork::AuthorizeInput { id, input } => {
                if let Some(inputs) = self.authorizations.get(&id) {
                    let input = match input {
                        AuthorizeInput::Paste(text) => SessionInput::Paste(text),
                        AuthorizeInput::Cancel => SessionInput::Cancel,
                    };
                    let _ = inputs.try_send(input);
                }
            }
            TaskWork::CheckCallback => {
                spawn_check_callback(self.locations.clone(), self.sender.clone())
            }
            TaskWork::ChooseSite { id, name, wanted } => spawn_choose_site(
                id,
                name,
                wanted,
                self.locations.clone(),
                self.sender.clone(),
            ),
        }
    }

    /// A message on its way to the app: a finished VERIFY's cancel handle goes.
    pub fn received(&mut self, message: &Message) {
        if let Message::Verified { id, .. } = message {
            self.verifies.remove(id);
        }
    }
}

/// Runs one VERIFY on a task of its own; each stage and the report come back as
/// messages. The settings are read now, so a changed timeout or proxy applies
/// without a restart (unreadable ones leave the defaults, the reason in the log).
fn spawn_verify(
    id: VerifyId,
    integration: Integration,
    locations: Locations,
    cancel: CancellationToken,
    sender: mpsc::UnboundedSender<Message>,
) {
    tokio::spawn(async move {
        let parts = tokio::task::spawn_blocking(move || {
            let home = Home::tolerant(&locations);
            Ok::<_, crate::store::StoreError>((
                home.http_options()?,
                home.appliance()?,
                home.token_provider()?,
            ))
        })
        .await;
        // A tolerant home has its settings (the defaults when unreadable): only a
        // panic on the blocking thread lands here, and Esc leaves the screen.
        let Ok(Ok((options, appliance, tokens))) = parts else {
            tracing::error!("VERIFY could not start: its settings were not read");
            return;
        };
        let (stage_tx, mut stages) = mpsc::unbounded_channel();
        let forward = sender.clone();
        let forwarding = tokio::spawn(async move {
            while let Some(stage) = stages.recv().await {
                let _ = forward.send(Message::VerifyStage { id, stage });
            }
        });
        let report = verify_with_progress(
            &integration,
            &options,
            &appliance,
            &tokens,
            cancel,
            Some(stage_tx),
        )
        .await;
        let _ = forwarding.await;
        let _ = sender.send(Message::Verified {
            id,
            name: integration.name.clone(),
            report: Box::new(report),
        });
    });
}

/// The check of the callback URL, on a task of its own. Strict about the settings,
/// as AUTHORIZE is: the listener comes from them.
fn spawn_check_callback(locations: Locations, sender: mpsc::UnboundedSender<Message>) {
    tokio::spawn(async move {
        let planned = tokio::task::spawn_blocking(move || {
            let home = Home::new(&locations);
            let plan = home
                .callback_check_plan()
                .map_err(|error| error.to_string())?;
            let options = home.http_options().map_err(|error| error.to_string())?;
            Ok::<_, String>((plan, options))
        })
        .await
        .map_err(|error| error.to_string())
        .and_then(|planned| planned);
        let result = match planned {
            Ok((plan, options)) => {
                let report = check_callback(plan, &options, CancellationToken::new()).await;
                Ok(Box::new(report))
            }
            Err(reason) => Err(reason),
        };
        let _ = sender.send(Message::CallbackChecked(result));
    });
}

/// The site step after an authorization, on a task of its own.
fn spawn_choose_site(
    id: AuthorizeId,
    name: String,
    wanted: Option<String>,
    locations: Locations,
    sender: mpsc::UnboundedSender<Message>,
) {
    tokio::spawn(async move {
        let loading = {
            let name = name.clone();
            tokio::task::spawn_blocking(move || Home::tolerant(&locations).site_context(&name))
                .await
        };
        let loaded = loading.unwrap_or_else(|error| {
            Err(OAuthError::Configuration(format!(
                "the site step stopped before it began: {error}"
            )))
        });
        let result = match loaded {
            Ok(at) => at.choose(wanted.as_deref(), true).await,
            Err(error) => Err(error),
        }
        .map_err(Arc::new);
        if let Err(error) = &result {
            tracing::warn!(integration = %name, %error, "site step failed");
        }
        let _ = sender.send(Message::SiteChosen { id, result });
    });
}

/// Runs one authorize session on a task of its own; what it says comes back as
/// messages. The session ends on success, cancel, timeout or error, and its listener
/// with it.
fn spawn_authorize(
    id: AuthorizeId,
    integration: Integration,
    locations: Locations,
    inputs: mpsc::Receiver<SessionInput>,
    sender: mpsc::UnboundedSender<Message>,
) {
    tokio::spawn(async move {
        // Strict about the settings: a broken file is said, not replaced by defaults,
        // since the callback URL and the listener come from it.
        let prepared = tokio::task::spawn_blocking(move || {
            Home::new(&locations).prepare_session(
                &integration,
                false,
                crate::oauth::DEFAULT_TIMEOUT,
                Vec::new(),
            )
        })
        .await
        .map_err(|error| error.to_string())
        .and_then(|prepared| prepared.map_err(|error| error.to_string()));
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(reason) => {
                let _ = sender.send(Message::AuthorizeFailed { id, reason });
                return;
            }
        };
        let _ = sender.send(Message::AuthorizePrepared {
            id,
            callback_url: prepared.callback_url.clone(),
            fingerprint: prepared.fingerprint.clone(),
        });
        let (update_tx, mut updates) = mpsc::unbounded_channel();
        let forward = sender.clone();
        let forwarding = tokio::spawn(async move {
            while let Some(update) = updates.recv().await {
                let _ = forward.send(Message::AuthorizeUpdate { id, update });
            }
        });
        let result = run_session(prepared.setup, inputs, update_tx).await;
        let _ = forwarding.await;
        if let Err(error) = result {
            let _ = sender.send(Message::AuthorizeFailed {
                id,
                reason: error.to_string(),
            });
        }
    });
}
