//! Repairs token refreshes whose answer was never stored: the process that sent one
//! was killed, or lost the connection after the provider answered (the store keeps
//! a mark, see `oauth::provider`). A rotating provider takes the stored refresh token
//! again only for its reuse interval, and the next delivery of that integration may
//! come later than that; so the worker, which runs all along, refreshes it now.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::delivery::TokenSource;
use crate::model::Integration;
use crate::oauth::ROTATION_REUSE_INTERVAL;
use crate::store::TokenStore;

/// The integration of a name, from the worker's last reading of the file.
pub type Lookup = Arc<dyn Fn(&str) -> Option<Integration> + Send + Sync>;

/// Every `every`, until `stop`: refreshes each integration whose store entry holds a
/// refresh mark from within the reuse interval. A refresh in progress in another
/// process holds the store's lock; this one waits for it and then finds the mark gone.
pub async fn run(
    tokens: Arc<dyn TokenSource>,
    store: TokenStore,
    lookup: Lookup,
    every: Duration,
    stop: CancellationToken,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let reader = store.clone();
        let Ok(Ok(stored)) = tokio::task::spawn_blocking(move || reader.all()).await else {
            continue;
        };
        let now = OffsetDateTime::now_utc();
        for (name, authorization) in stored {
            let marked = authorization
                .tokens()
                .and_then(|tokens| tokens.refresh_sent_at);
            // Past the interval a refresh may revoke the grant as well as repair it:
            // that is left to the next use, which has no other choice.
            if marked.is_none_or(|at| now - at >= ROTATION_REUSE_INTERVAL) {
                continue;
            }
            let Some(integration) = lookup(&name) else {
                continue;
            };
            tracing::info!(integration = %name, "repairing a refresh whose answer was not stored");
            if stop.is_cancelled() {
                return;
            }
            if let Err(error) = tokens.bearer_token(&integration).await {
                tracing::warn!(integration = %name, %error, "repairing the refresh failed");
            }
        }
    }
}
