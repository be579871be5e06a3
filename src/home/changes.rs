//! Changes to the integrations that carry their consequences along: a rename moves
//! what is keyed by the name (the authorization, the waiting events); a removal
//! revokes the grant, which would otherwise stay valid at the provider, and forgets
//! its tokens, which would otherwise pass to the next integration given the name.

use super::Home;
use crate::model::Integration;
use crate::oauth::{OAuthError, Revocation, forget_authorization_blocking};
use crate::store::{Catalog, Renamed, StoreError, follow_rename};

/// What saving did.
#[derive(Debug)]
pub struct Saved {
    /// The file as saved.
    pub catalog: Catalog,
    /// After a rename, what followed the new name, or what could not (the rename
    /// itself is saved either way).
    pub renamed: Option<Result<Renamed, String>>,
}

/// What removing did.
#[derive(Debug)]
pub struct Removed {
    /// The file as saved.
    pub catalog: Catalog,
    /// The integration removed, as the file had it.
    pub integration: Integration,
    /// When it was authorized: what revoking and forgetting did, or why they did not.
    pub forgot: Option<Result<Revocation, ForgetError>>,
}

/// Why an authorization was not forgotten.
#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    /// The settings or the token store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tokens could not be deleted (or the client for the revocation not built).
    #[error(transparent)]
    Failed(#[from] OAuthError),
}

impl Home {
    /// Adds `integration` (`original` is `None`) or replaces `original` with it,
    /// under the settings' destination policy; a new name takes the authorization
    /// and the waiting events of the old one along.
    pub fn save(
        &self,
        original: Option<&Integration>,
        integration: Integration,
    ) -> Result<Saved, StoreError> {
        let new_name = integration.name.clone();
        let catalog = self.integrations_to_save()?.put(original, integration)?;
        let renamed = original
            .filter(|original| original.name != new_name)
            .map(|original| self.follow_rename(&original.name, &new_name));
        Ok(Saved { catalog, renamed })
    }

    /// Pins `pem`, the certificate a VERIFY of `name` was presented and the person
    /// chose to trust, as the integration's uploaded certificate, as the Certificate
    /// field does (it replaces one uploaded before). A change to the integration made
    /// meanwhile stays: the pin is saved on the version read here.
    pub fn pin_certificate(&self, name: &str, pem: &str) -> Result<Saved, StoreError> {
        let original = self.integration(name)?;
        let mut pinned = original.clone();
        pinned.certificate = Some(pem.to_string());
        tracing::info!(integration = %original.name, "pinning the certificate VERIFY was presented");
        self.save(Some(&original), pinned)
    }

    /// Moves what is keyed by `old` (authorization, waiting events) to `new`.
    pub fn follow_rename(&self, old: &str, new: &str) -> Result<Renamed, String> {
        let followed = follow_rename(&self.tokens, &self.queue_file(), old, new);
        if let Err(error) = &followed {
            tracing::error!(%error, "after renaming `{old}` to `{new}`");
        }
        followed
    }

    /// Removes the integration `name` (with `expected`, only while the file still
    /// holds that version), then revokes and forgets its authorization when it has
    /// one. Blocking: run it off the async threads.
    pub fn remove(
        &self,
        name: &str,
        expected: Option<&Integration>,
    ) -> Result<Removed, StoreError> {
        let integration = match expected {
            Some(expected) => expected.clone(),
            None => self.integration(name)?,
        };
        // The token store first: one that cannot be read would leave the tokens
        // behind the removed integration, for a new one of that name to use.
        let authorized = self.tokens.get(&integration.name)?.is_some();
        // No new integration is checked: the settings' policy is not needed (nor read).
        let catalog = self.integrations.remove(&integration.name, expected)?;
        let forgot = authorized.then(|| self.forget_authorization(&integration));
        Ok(Removed {
            catalog,
            integration,
            forgot,
        })
    }

    /// Revokes the grant of `integration` at the provider (when it has a revocation
    /// URL) and deletes its tokens here whatever the provider answered. Blocking.
    pub fn forget_authorization(
        &self,
        integration: &Integration,
    ) -> Result<Revocation, ForgetError> {
        let options = self.http_options()?;
        Ok(forget_authorization_blocking(
            &self.tokens,
            integration,
            &options,
        )?)
    }
}
