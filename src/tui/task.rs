//! Store work: disk reads and writes through the store, each answered by one message.
//! The runtime runs these on `spawn_blocking`; tests call them directly.

use std::path::PathBuf;
use std::sync::Arc;

use super::logs::LogQuery;
use super::message::{Message, StoreWork};
use crate::home::Home;
use crate::store::{
    IntegrationStore, Locations, MachineIdentity, Queue, SettingsStore, StoreError, TokenStore,
    callback_url,
};

/// What the background work needs: where the files are.
#[derive(Debug, Clone)]
pub struct Stores {
    pub integrations: IntegrationStore,
    pub settings: SettingsStore,
    pub tokens: TokenStore,
    /// The delivery queue and log (opened per call).
    pub queue: PathBuf,
    locations: Locations,
}

impl Stores {
    pub fn new(locations: &Locations) -> Stores {
        let home = Home::new(locations);
        Stores {
            integrations: home.integrations().clone(),
            settings: home.settings_store().clone(),
            tokens: home.tokens().clone(),
            queue: home.queue_file(),
            locations: locations.clone(),
        }
    }

    /// The home with its settings as they are now: a change made while the TUI runs
    /// counts, and unreadable settings leave the defaults (the reason in the log).
    fn home(&self) -> Home {
        Home::tolerant(&self.locations)
    }
}

/// Carries out store work and returns its message.
pub fn perform(work: StoreWork, stores: &Stores) -> Message {
    match work {
        StoreWork::LoadSettings => {
            Message::SettingsLoaded(stores.settings.load().map_err(Arc::new))
        }
        StoreWork::SaveSettings { changes, then } => Message::SettingsSaved {
            result: Home::new(&stores.locations)
                .change_settings(&changes)
                .map_err(Arc::new),
            then,
        },
        StoreWork::Load => Message::Loaded(stores.integrations.load()),
        StoreWork::Refresh => Message::Refreshed(stores.integrations.load()),
        StoreWork::FindAppliance => {
            let settings = stores.settings.load().unwrap_or_else(|error| {
                tracing::warn!(%error, "settings unreadable; callback URL from defaults");
                Default::default()
            });
            Message::Appliance {
                callback_url: callback_url(&settings, &MachineIdentity::detect()),
                name: crate::template::Appliance::local(settings.hostname.as_deref()).name,
                destinations: settings.destination_policy(),
            }
        }
        StoreWork::Save(request) => {
            // Saved under the settings as they are now, as `add` and `set` do.
            let saved = stores
                .home()
                .save(request.original.as_ref(), request.integration.clone());
            let (result, followed) = match saved {
                Ok(saved) => (
                    Ok(saved.catalog),
                    saved.renamed.and_then(|renamed| match renamed {
                        Ok(renamed) => renamed.describe(),
                        Err(error) => Some(error),
                    }),
                ),
                Err(error) => (Err(error), None),
            };
            Message::Saved {
                request,
                result,
                followed,
            }
        }
        StoreWork::Delete(integration) => {
            // A removed integration's grant would stay valid at the provider, and its
            // tokens would pass to the next integration given its name: forgotten too.
            let removed = stores.home().remove(&integration.name, Some(&integration));
            let (result, forgot) = match removed {
                Ok(removed) => (
                    Ok(removed.catalog),
                    removed
                        .forgot
                        .map(|forgot| describe_forgetting(forgot, &integration.name)),
                ),
                Err(error) => (Err(error), None),
            };
            Message::Deleted {
                name: integration.name.clone(),
                result,
                forgot,
            }
        }
        StoreWork::ForgetAuthorization(integration) => {
            Message::Forgot(forget(&integration, stores))
        }
        StoreWork::LoadAuthorizations => {
            let all = stores.tokens.all().unwrap_or_else(|error| {
                tracing::warn!(%error, "token store unreadable");
                Default::default()
            });
            Message::Authorizations(
                all.into_iter()
                    .map(|(name, authorization)| {
                        let status = crate::tui::list::AuthorizationText {
                            words: crate::oauth::status_words(&authorization).into(),
                            line: crate::oauth::status_line(
                                Some(&authorization),
                                time::OffsetDateTime::now_utc(),
                            ),
                        };
                        (name, status)
                    })
                    .collect(),
            )
        }
        StoreWork::LoadStatus => Message::StatusGathered(
            Home::tolerant(&stores.locations)
                .status()
                .map(Box::new)
                .map_err(Arc::new),
        ),
        StoreWork::LoadDeliverySummary => {
            Message::DeliverySummary(Home::tolerant(&stores.locations).delivery_summary())
        }
        StoreWork::LoadLastDeliveries(names) => {
            Message::LastDeliveries(last_deliveries(&stores.queue, &names))
        }
        StoreWork::Logs(LogQuery::Page {
            generation,
            filter,
            before,
        }) => Message::LogPage {
            generation,
            result: Queue::open(&stores.queue)
                .and_then(|queue| {
                    let newest = queue.last_attempt_id()?;
                    let page = queue.log_page(&filter, before, super::logs::PAGE_ROWS)?;
                    Ok((page, newest))
                })
                .map_err(Arc::new),
        },
        StoreWork::Logs(LogQuery::Poll {
            generation,
            filter,
            after,
        }) => Message::LogNew {
            generation,
            result: Queue::open(&stores.queue)
                .and_then(|queue| queue.log_after(&filter, after, super::logs::PAGE_ROWS))
                .map_err(Arc::new),
        },
        StoreWork::Logs(LogQuery::Sparkline { generation, filter }) => {
            let since_ms = crate::store::queue::now_ms() - 3_600_000;
            let rows = Queue::open(&stores.queue)
                .and_then(|queue| queue.per_minute(&filter, since_ms))
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "delivery log unreadable for the sparkline");
                    Vec::new()
                });
            Message::Sparkline {
                generation,
                since_ms,
                rows,
            }
        }
        StoreWork::Replay { attempt_id } => Message::Replayed(match stores.integrations.load() {
            Err(error) => format!("Not replayed: {error}"),
            Ok(catalog) => {
                let exists = |name: &str| catalog.holds_exactly(name);
                match Queue::open(&stores.queue)
                    .and_then(|mut queue| queue.replay(&format!("#{attempt_id}"), None, exists))
                {
                    Ok(replay) => format!("Replay: {}", replay.describe()),
                    Err(error) => format!("Not replayed: {error}"),
                }
            }
        }),
        StoreWork::PinCertificate { name, pem } => Message::CertificatePinned {
            result: stores
                .home()
                .pin_certificate(&name, &pem)
                .map(|saved| saved.catalog),
            name,
        },
        StoreWork::ReadCertificate(path) => Message::CertificateRead {
            result: read_text(&path),
            path,
        },
    }
}

/// Revokes and forgets on this blocking thread: through the runtime when there is one
/// (the TUI), else on a small one of its own (tests call `perform` directly).
fn forget(integration: &crate::model::Integration, stores: &Stores) -> String {
    describe_forgetting(
        stores.home().forget_authorization(integration),
        &integration.name,
    )
}

/// What forgetting an authorization did, one line.
fn describe_forgetting(
    forgot: Result<crate::oauth::Revocation, crate::home::ForgetError>,
    name: &str,
) -> String {
    match forgot {
        Ok(outcome) => outcome.describe(name),
        Err(error) => format!("Not forgotten: {error}"),
    }
}

/// A certificate file the person named: a regular file of at most 1 MiB (a PEM
/// certificate is a few kilobytes), UTF-8.
fn read_text(path: &std::path::Path) -> Result<String, Arc<StoreError>> {
    let bytes = crate::store::read_named_file(path, crate::store::FIELD_LIMIT)?;
    String::from_utf8(bytes).map_err(|_| {
        let not_text = std::io::Error::new(std::io::ErrorKind::InvalidData, "is not UTF-8 text");
        Arc::new(StoreError::io(path, not_text))
    })
}

/// `DELIVERED 200 2026-12-05 07:40 UTC`: each named integration's last attempt in the
/// log, for the list. A log that cannot be read leaves the column to VERIFY results.
fn last_deliveries(
    queue: &std::path::Path,
    names: &[String],
) -> std::collections::HashMap<String, String> {
    let queue = match Queue::open(queue) {
        Ok(queue) => queue,
        Err(error) => {
            tracing::warn!(%error, "the delivery log cannot be read for the list");
            return Default::default();
        }
    };
    let shown = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    names
        .iter()
        .filter_map(|name| {
            let last = queue.last_attempt(name).ok().flatten()?;
            let status = last
                .status
                .map(|code| format!(" {code}"))
                .unwrap_or_default();
            let at =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(last.at_ms) * 1_000_000)
                    .ok()
                    .and_then(|at| at.format(&shown).ok())
                    .unwrap_or_default();
            let outcome = last.outcome.as_str().to_uppercase();
            Some((name.clone(), format!("{outcome}{status} {at}")))
        })
        .collect()
}
