//! Everything hookconsole keeps on disk: where it lives, how it is written (atomically,
//! under a lock), the integrations file and the appliance settings.

mod atomic;
mod error;
mod integrations;
mod locations;
pub(crate) use locations::permission_hint;
mod proxy_credentials;
pub mod queue;
mod read;
mod rename;
mod settings;
mod tokens;
pub mod worker_presence;
mod yaml_limits;

pub use atomic::{
    FileLock, adopt_directory_owner, create_private_dir, open_own_file, write_atomic,
};
pub use error::StoreError;
pub use integrations::{
    Catalog, IntegrationStore, Revision, SCHEMA_VERSION, check_document, parse_document,
    to_document,
};
pub use locations::{Locations, PACKAGED_DATA_DIR, PACKAGED_SETTINGS_FILE};
pub use queue::{Queue, QueueError};
pub use read::{
    DOCUMENT_LIMIT, EVENT_LIMIT, FIELD_LIMIT, read_named_file, read_own_file, read_standard_input,
};
pub use rename::{Renamed, follow_rename};
pub use settings::{CALLBACK_PATH, MachineIdentity, SettingsStore, callback_url};
pub use tokens::{
    Authorization, PreviousRefreshToken, TokenSet, TokenStore, TokenStoreGuard, hold_reason,
};
