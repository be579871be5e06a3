//! What the app and the runtime say to each other: the effects an update asks for,
//! and the messages background work sends back.

use std::path::PathBuf;
use std::sync::Arc;

use super::authorize::AuthorizeId;
use super::logs::LogQuery;
use super::terminal::ExternalEditError;
use super::verify::VerifyId;
use crate::delivery::{Stage, VerifyReport};
use crate::model::Integration;
use crate::oauth::OAuthError;
use crate::oauth::SessionUpdate;
use crate::store::queue::{AttemptRow, LogPage, QueueError};
use crate::store::{Catalog, StoreError};

/// What an update asks for, split by who carries it out, so that each of them matches
/// its own part whole and the compiler names the one that misses a new effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Disk work through the store, on a blocking thread (`task::perform`); its
    /// answer comes back as a [`Message`].
    Store(StoreWork),
    /// Work on a task of its own that the runtime spawns and keeps a handle to.
    Task(TaskWork),
    /// The terminal itself.
    Terminal(TerminalWork),
    /// Leave the full screen and end.
    Quit,
}

/// Store work; each comes back as one [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreWork {
    Load,
    /// Read the integrations file again after another process changed it.
    Refresh,
    /// Read the settings for the callback URL and the appliance's name.
    FindAppliance,
    Save(Box<SaveRequest>),
    Delete(Box<Integration>),
    ReadCertificate(PathBuf),
    /// Read every integration's authorization status from the token store.
    LoadAuthorizations,
    /// Read the last attempt of each of these integrations from the delivery log.
    LoadLastDeliveries(Vec<String>),
    /// Whether the worker runs and what waits in the queue, for the list.
    LoadDeliverySummary,
    /// Everything `hookconsole status` says, for STATUS.
    LoadStatus,
    /// Revoke (when configured) and delete the integration's tokens.
    ForgetAuthorization(Box<Integration>),
    /// What the LOGS view asks of the delivery log.
    Logs(LogQuery),
    /// The event of attempt `attempt_id` again (`Queue::replay`).
    Replay {
        attempt_id: i64,
    },
    /// Pin `pem`, the certificate a VERIFY of `name` was presented, on the integration.
    PinCertificate {
        name: String,
        pem: String,
    },
    /// Read the settings for SETTINGS.
    LoadSettings,
    /// Change these settings (`KEY`, `VALUE`), as `hookconsole settings` does.
    SaveSettings {
        changes: Vec<(String, String)>,
        then: AfterSave,
    },
}

/// Background tasks with a lifetime of their own; what they say comes back as messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskWork {
    /// VERIFY in the background; the runtime keeps its cancel handle under the id.
    StartVerify {
        id: VerifyId,
        integration: Box<Integration>,
    },
    CancelVerify(VerifyId),
    /// An authorize session in the background; the runtime keeps its input channel.
    StartAuthorize {
        id: AuthorizeId,
        integration: Box<Integration>,
    },
    AuthorizeInput {
        id: AuthorizeId,
        input: AuthorizeInput,
    },
    /// Check the callback URL of the saved settings (`delivery::check_callback`).
    CheckCallback,
    /// After an authorization: list the sites the grant reaches and set the URL from
    /// the one `wanted` names, or from the only one (site discovery).
    ChooseSite {
        id: AuthorizeId,
        name: String,
        wanted: Option<String>,
    },
}

/// What the runtime does with the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalWork {
    /// Clear the terminal and draw everything again.
    Redraw,
    /// Leave the full screen, print the URL as one line, wait for Enter.
    PrintUrl(String),
    /// OSC 52: the terminal puts the text on its clipboard (no answer comes back).
    CopyToClipboard(String),
    /// Hand the terminal to $VISUAL / $EDITOR on the text; the result comes back as
    /// [`Message::ExternallyEdited`].
    EditExternally(String),
}

impl From<StoreWork> for Effect {
    fn from(work: StoreWork) -> Effect {
        Effect::Store(work)
    }
}

impl From<TaskWork> for Effect {
    fn from(work: TaskWork) -> Effect {
        Effect::Task(work)
    }
}

impl From<TerminalWork> for Effect {
    fn from(work: TerminalWork) -> Effect {
        Effect::Terminal(work)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeInput {
    Paste(String),
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveRequest {
    pub original: Option<Integration>,
    pub integration: Integration,
    pub origin: SaveOrigin,
}

/// Who asked for a save, which decides what its result updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOrigin {
    Editor(AfterSave),
    ToggleEnabled,
}

/// What the editor does once its save succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterSave {
    Stay,
    Close,
    Quit,
    /// AUTHORIZE what was saved; Esc there comes back to the editor.
    Authorize,
}

/// Results of background work.
#[derive(Debug)]
pub enum Message {
    Loaded(Result<Catalog, StoreError>),
    /// The integrations file changed on disk (`watch`).
    IntegrationsFileChanged,
    /// The file as read after it changed.
    Refreshed(Result<Catalog, StoreError>),
    /// Each integration's last attempt in the log, as the list's last column shows it
    /// (integrations the log does not name are left out).
    LastDeliveries(std::collections::HashMap<String, String>),
    /// The delivery queue or the worker's files changed (`watch`).
    DeliveriesChanged,
    /// What `hookconsole status` says, for STATUS.
    StatusGathered(Result<Box<crate::home::Status>, Arc<crate::store::StoreError>>),
    /// Whether the worker runs and what waits, for the list's status.
    DeliverySummary(crate::home::DeliverySummary),
    /// From the settings: the callback URL, and the appliance's name as events and
    /// VERIFY give it to templates (`appliance.name`), for the preview.
    Appliance {
        callback_url: String,
        name: String,
        /// Whether link-local and metadata destinations may be saved.
        destinations: crate::model::DestinationPolicy,
    },
    Saved {
        request: Box<SaveRequest>,
        result: Result<Catalog, StoreError>,
        /// After a rename: what followed the new name (authorization, waiting
        /// events), or what could not.
        followed: Option<String>,
    },
    Deleted {
        name: String,
        result: Result<Catalog, StoreError>,
        /// What became of its authorization, when it had one.
        forgot: Option<String>,
    },
    CertificateRead {
        path: PathBuf,
        result: Result<String, Arc<StoreError>>,
    },
    ExternallyEdited(Result<String, ExternalEditError>),
    VerifyStage {
        id: VerifyId,
        stage: Stage,
    },
    Verified {
        id: VerifyId,
        name: String,
        report: Box<VerifyReport>,
    },
    /// A second passed while something runs: redraw the clock.
    Tick,
    AuthorizePrepared {
        id: AuthorizeId,
        callback_url: String,
        fingerprint: Option<String>,
    },
    AuthorizeUpdate {
        id: AuthorizeId,
        update: SessionUpdate,
    },
    /// The session could not start or ended in error; one line for the person.
    AuthorizeFailed {
        id: AuthorizeId,
        reason: String,
    },
    /// What the site step came to.
    SiteChosen {
        id: AuthorizeId,
        result: Result<crate::oauth::SiteOutcome, Arc<OAuthError>>,
    },
    /// What forgetting did, one line; then the statuses are read again.
    Forgot(String),
    /// Status words per integration name ("authorized", "re-authorization needed").
    Authorizations(std::collections::HashMap<String, super::list::AuthorizationText>),
    /// A page of the delivery log; `newest` is the newest attempt id of the whole log.
    LogPage {
        generation: u64,
        result: Result<(LogPage, i64), Arc<QueueError>>,
    },
    /// New attempts, oldest first.
    LogNew {
        generation: u64,
        result: Result<Vec<AttemptRow>, Arc<QueueError>>,
    },
    /// Rows of (minute start in ms, outcome, count) since `since_ms`.
    Sparkline {
        generation: u64,
        since_ms: i64,
        rows: Vec<(i64, crate::store::queue::AttemptOutcome, i64)>,
    },
    /// What replaying did, one line.
    Replayed(String),
    /// A certificate was pinned on `name` (the file as saved), or why not.
    CertificatePinned {
        name: String,
        result: Result<crate::store::Catalog, StoreError>,
    },
    /// The settings, for SETTINGS.
    SettingsLoaded(Result<crate::model::Settings, Arc<StoreError>>),
    SettingsSaved {
        result: Result<crate::model::Settings, Arc<crate::home::SettingsChangeError>>,
        then: AfterSave,
    },
    /// What the check of the callback URL found, or why it could not run.
    CallbackChecked(Result<Box<VerifyReport>, String>),
}
