//! One home as the CLI, the TUI and the worker use it: the files of a [`Locations`]
//! with a store for each, the settings read from it once, and what they give (HTTP
//! options, the appliance's name, the callback URL, a token provider). The operations
//! every face carries out the same way are here too: `changes` (save and follow a
//! rename, remove and revoke) and `authorization` (preparing a session, the site step
//! after it), `status` (what `hookconsole status` shows). `process` is what every
//! process does first. Nothing here prints, or knows which face called it.

mod authorization;
mod changes;
mod process;
mod settings;
mod status;

use std::path::PathBuf;
use std::sync::OnceLock;

pub use crate::parallel::{runtime, single_thread_runtime};
pub use changes::{ForgetError, Removed, Saved};
pub use process::{Process, start_process};
pub use settings::SettingsChangeError;
pub use status::{
    AuthorizationStatus, CallbackStatus, Counts, DeliverySummary, Hold, IntegrationStatus,
    LastDelivery, QueueStatus, Status, WorkerState, WorkerStatus, rfc3339, size_text,
};

use crate::http::HttpOptions;
use crate::model::{DestinationPolicy, Integration, Settings};
use crate::oauth::TokenProvider;
use crate::store::{
    Catalog, IntegrationStore, Locations, MachineIdentity, Queue, QueueError, SettingsStore,
    StoreError, TokenStore, callback_url,
};
use crate::template::Appliance;

/// A home and its settings. The settings are read when first needed, then kept: a
/// command reads them once. A face that runs for long (the TUI) takes a new `Home`
/// for each operation, so that a change made meanwhile counts.
#[derive(Debug, Clone)]
pub struct Home {
    locations: Locations,
    integrations: IntegrationStore,
    settings_store: SettingsStore,
    tokens: TokenStore,
    settings: OnceLock<Settings>,
}

impl Home {
    /// The home at `locations`; nothing is read yet.
    pub fn new(locations: &Locations) -> Home {
        Home {
            locations: locations.clone(),
            integrations: IntegrationStore::new(locations.integrations_file()),
            settings_store: SettingsStore::new(locations),
            tokens: TokenStore::new(locations.tokens_file()),
            settings: OnceLock::new(),
        }
    }

    /// The home at `locations` with its settings read now; when they cannot be read,
    /// the defaults, and the reason in the log. For the TUI, which shows the problem
    /// elsewhere and goes on.
    pub fn tolerant(locations: &Locations) -> Home {
        let home = Home::new(locations);
        let settings = home.settings_store.load().unwrap_or_else(|error| {
            tracing::warn!(%error, "settings unreadable; using the defaults");
            Settings::default()
        });
        let _ = home.settings.set(settings);
        home
    }

    pub fn locations(&self) -> &Locations {
        &self.locations
    }

    /// The settings, read the first time they are asked for.
    pub fn settings(&self) -> Result<&Settings, StoreError> {
        if let Some(settings) = self.settings.get() {
            return Ok(settings);
        }
        let settings = self.settings_store.load()?;
        Ok(self.settings.get_or_init(|| settings))
    }

    /// The settings file (to change it, or say where it is).
    pub fn settings_store(&self) -> &SettingsStore {
        &self.settings_store
    }

    /// What integrations may send to (`allow_link_local_destinations`).
    pub fn destinations(&self) -> Result<DestinationPolicy, StoreError> {
        Ok(self.settings()?.destination_policy())
    }

    /// Timeouts, proxy and destinations for every request made for this home.
    pub fn http_options(&self) -> Result<HttpOptions, StoreError> {
        Ok(HttpOptions::from_settings(self.settings()?))
    }

    /// `appliance.name` of the events sent from here: the settings' hostname, else
    /// the machine's.
    pub fn appliance(&self) -> Result<Appliance, StoreError> {
        Ok(Appliance::local(self.settings()?.hostname.as_deref()))
    }

    /// The callback URL to register at providers.
    pub fn callback_url(&self) -> Result<String, StoreError> {
        Ok(callback_url(self.settings()?, &MachineIdentity::detect()))
    }

    /// Bearer tokens for deliveries, VERIFY and the site step: stored, refreshed when
    /// due (one refresh at a time, across processes).
    pub fn token_provider(&self) -> Result<TokenProvider, StoreError> {
        Ok(TokenProvider::with_http_options(
            self.tokens.clone(),
            self.http_options()?,
        ))
    }

    /// The integrations file, to read. A store that saves takes the settings'
    /// destination policy: [`Home::integrations_to_save`].
    pub fn integrations(&self) -> &IntegrationStore {
        &self.integrations
    }

    /// The integrations file, saving under the settings' destination policy.
    pub fn integrations_to_save(&self) -> Result<IntegrationStore, StoreError> {
        Ok(self
            .integrations
            .clone()
            .with_destinations(self.destinations()?))
    }

    pub fn catalog(&self) -> Result<Catalog, StoreError> {
        self.integrations.load()
    }

    /// The integration `name` (without regard to case), as the file has it now.
    pub fn integration(&self, name: &str) -> Result<Integration, StoreError> {
        self.catalog()?
            .get(name)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(name.into()))
    }

    pub fn tokens(&self) -> &TokenStore {
        &self.tokens
    }

    /// The delivery queue and attempt log.
    pub fn queue_file(&self) -> PathBuf {
        self.locations.queue_database()
    }

    /// Opens the queue (made on first use).
    pub fn open_queue(&self) -> Result<Queue, QueueError> {
        Queue::open(&self.queue_file())
    }
}
