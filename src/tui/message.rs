//! What the app and the runtime say to each other: the effects an update asks for,
//! and the messages background work sends back.

use std::path::PathBuf;

use super::verify::VerifyId;
use crate::delivery::{Stage, VerifyReport};
use crate::model::Integration;
use crate::store::{Catalog, StoreError};

/// Work for the runtime; each comes back as a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Load,
    FindCallbackUrl,
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
    CallbackUrl(String),
    Saved {
        request: Box<SaveRequest>,
        result: Result<Catalog, StoreError>,
    },
    Deleted {
        name: String,
        result: Result<Catalog, StoreError>,
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
}
