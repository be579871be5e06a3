//! One HTTP client per integration, built once and reused (with its connection pool)
//! until the integration's settings change.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::http::{HttpClient, HttpError, HttpOptions, build_client};
use crate::model::Integration;

pub struct ClientCache {
    options: HttpOptions,
    clients: Mutex<HashMap<String, (Integration, HttpClient)>>,
}

impl ClientCache {
    pub fn new(options: HttpOptions) -> ClientCache {
        ClientCache {
            options,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `integration`, built when first asked or when it changed.
    pub fn client(&self, integration: &Integration) -> Result<HttpClient, HttpError> {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((seen, client)) = clients.get(&integration.name)
            && seen == integration
        {
            return Ok(client.clone());
        }
        let client = build_client(integration, &self.options)?;
        clients.insert(
            integration.name.clone(),
            (integration.clone(), client.clone()),
        );
        Ok(client)
    }
}
