//! What the worker keeps per integration, built once and reused until the
//! integration's settings change: its HTTP client (with its connection pool) and the
//! request base (URL and headers parsed, secrets found).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::delivery::{RequestBase, RequestError};
use crate::http::{HttpClient, HttpError, HttpOptions, build_client};
use crate::model::Integration;

/// What deliveries to one integration share.
pub struct DeliveryTarget {
    pub client: Result<HttpClient, HttpError>,
    pub base: Result<RequestBase, RequestError>,
}

/// A target, and the integration as it was when the target was built.
type Built = (Arc<Integration>, Arc<DeliveryTarget>);

pub struct ClientCache {
    options: HttpOptions,
    targets: Mutex<HashMap<String, Built>>,
}

impl ClientCache {
    pub fn new(options: HttpOptions) -> ClientCache {
        ClientCache {
            options,
            targets: Mutex::new(HashMap::new()),
        }
    }

    /// The target of `integration`, built when first asked or when it changed. The
    /// scheduler hands every job the same `Arc` until the integrations file changes,
    /// so the usual check is a pointer comparison, not a comparison of every field.
    pub fn target(&self, integration: &Arc<Integration>) -> Arc<DeliveryTarget> {
        let mut targets = self
            .targets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((seen, target)) = targets.get_mut(&integration.name) {
            if Arc::ptr_eq(seen, integration) {
                return target.clone();
            }
            if **seen == **integration {
                // The file was read again, this integration unchanged: keep its client.
                *seen = integration.clone();
                return target.clone();
            }
        }
        let target = Arc::new(DeliveryTarget {
            client: build_client(integration, &self.options),
            base: RequestBase::new(integration),
        });
        targets.insert(
            integration.name.clone(),
            (integration.clone(), target.clone()),
        );
        target
    }
}
