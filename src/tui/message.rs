//! What the app and the runtime say to each other: the effects an update asks for,
//! and the messages background work sends back.

use std::path::PathBuf;

use super::authorize::AuthorizeId;
use super::verify::VerifyId;
use crate::delivery::{Stage, VerifyReport};
use crate::model::Integration;
use crate::oauth::SessionUpdate;
use crate::store::queue::{AttemptRow, LogFilter, LogPage};
use crate::store::{Catalog, StoreError};

/// Work for the runtime; each comes back as a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Load,
    /// Read the settings for the callback URL and the appliance's name.
    FindAppliance,
    Save(Box<SaveRequest>),
    Delete(Box<Integration>),
    ReadCertificate(PathBuf),
    EditExternally(String),
    /// Clear the terminal and draw everything again.
    Redraw,
    Quit,
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
    /// After an authorization: list the sites the grant reaches and set the URL from
    /// the one `wanted` names, or from the only one (site discovery).
    ChooseSite {
        id: AuthorizeId,
        name: String,
        wanted: Option<String>,
    },
    /// Leave the full screen, print the URL as one line, wait for Enter.
    PrintUrl(String),
    /// OSC 52: the terminal puts the text on its clipboard (no answer comes back).
    CopyToClipboard(String),
    /// Read every integration's authorization status from the token store.
    LoadAuthorizations,
    /// Revoke (when configured) and delete the integration's tokens.
    ForgetAuthorization(Box<Integration>),
    /// A page of the delivery log (`before` none: the newest).
    LoadLogs {
        generation: u64,
        filter: LogFilter,
        before: Option<i64>,
    },
    /// The attempts logged after `after` (LOGS live updates).
    PollLogs {
        generation: u64,
        filter: LogFilter,
        after: i64,
    },
    /// Attempts per minute by outcome over the last hour among those the LOGS
    /// view's filter keeps (its sparkline).
    LoadSparkline {
        generation: u64,
        filter: LogFilter,
    },
    /// A new job for the event of attempt `attempt_id`.
    Replay {
        attempt_id: i64,
        event_id: String,
    },
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
}

/// Results of background work.
#[derive(Debug)]
pub enum Message {
    Loaded(Result<Catalog, StoreError>),
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
        result: Result<String, String>,
    },
    ExternallyEdited(Result<String, String>),
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
        result: Result<crate::oauth::SiteOutcome, String>,
    },
    /// What forgetting did, one line; then the statuses are read again.
    Forgot(String),
    /// Status words per integration name ("authorized", "re-authorization needed").
    Authorizations(std::collections::HashMap<String, super::list::AuthorizationText>),
    /// A page of the delivery log; `newest` is the newest attempt id of the whole log.
    LogPage {
        generation: u64,
        result: Result<(LogPage, i64), String>,
    },
    /// New attempts, oldest first.
    LogNew {
        generation: u64,
        result: Result<Vec<AttemptRow>, String>,
    },
    /// Rows of (minute start in ms, outcome, count) since `since_ms`.
    Sparkline {
        generation: u64,
        since_ms: i64,
        rows: Vec<(i64, crate::store::queue::AttemptOutcome, i64)>,
    },
    /// What replaying did, one line.
    Replayed(String),
}
