//! One HTTP client per integration, built once and reused (with its connection pool)
//! until the integration's settings change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::http::{HttpClient, HttpError, HttpOptions, build_client};
use crate::model::Integration;

/// A client, and the integration as it was when the client was built.
type Built = (Arc<Integration>, Arc<HttpClient>);

pub struct ClientCache {
    options: HttpOptions,
    clients: Mutex<HashMap<String, Built>>,
}

impl ClientCache {
    pub fn new(options: HttpOptions) -> ClientCache {
        ClientCache {
            options,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `integration`, built when first asked or when it changed. The
    /// scheduler hands every job the same `Arc` until the integrations file changes,
    /// so the usual check is a pointer comparison, not a comparison of every field.
    pub fn client(&self, integration: &Arc<Integration>) -> Result<Arc<HttpClient>, HttpError> {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((seen, client)) = clients.get_mut(&integration.name) {
            if Arc::ptr_eq(seen, integration) {
                return Ok(client.clone());
            }
            if **seen == **integration {
                // The file was read again, this integration unchanged: keep its client.
                *seen = integration.clone();
                return Ok(client.clone());
            }
        }
        let client = Arc::new(build_client(integration, &self.options)?);
        clients.insert(
            integration.name.clone(),
            (integration.clone(), client.clone()),
        );
        Ok(client)
    }
}
