//! The token store: OAuth tokens kept apart from the integrations, in a file of mode
//! 0600 written atomically. A refresh holds the lock across read, token request and
//! write, so two processes never use the same refresh token twice. Beside the tokens,
//! what recovers a refresh whose answer was lost: the refresh token a rotation
//! replaced, and a mark while a refresh's answer is not stored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::atomic::{FileLock, write_atomic};
use super::error::StoreError;
use super::read::{TOKENS_LIMIT, read_own_file};
use crate::model::{AuthorizationWait, DestinationPolicy, HoldReason, Integration, Secret};

const SCHEMA_VERSION: u32 = 1;
const FILE_MODE: u32 = 0o600;

/// What a token request gave, as stored.
// No deny_unknown_fields here: serde does not support it together with `flatten`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub obtained_at: OffsetDateTime,
    /// The refresh token `refresh_token` replaced, while a rotating provider may still
    /// take it (see `oauth::provider`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_refresh: Option<PreviousRefreshToken>,
    /// Set when a refresh with `refresh_token` is sent, cleared when its answer is
    /// stored. Still set when nobody holds the lock: the process sending it ended (or
    /// lost the connection) in between, and the provider may have rotated the refresh
    /// token without this file knowing the new one.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub refresh_sent_at: Option<OffsetDateTime>,
}

/// A refresh token a rotation replaced, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousRefreshToken {
    pub token: Secret,
    #[serde(with = "time::serde::rfc3339")]
    pub replaced_at: OffsetDateTime,
}

impl TokenSet {
    pub fn bearer(
        access_token: Secret,
        refresh_token: Option<Secret>,
        expires_in: Option<std::time::Duration>,
        scopes: Vec<String>,
    ) -> TokenSet {
        let now = OffsetDateTime::now_utc();
        TokenSet {
            access_token,
            refresh_token,
            expires_at: expires_in.map(|after| now + after),
            scopes,
            obtained_at: now,
            previous_refresh: None,
            refresh_sent_at: None,
        }
    }

    /// Expired, or expiring within `margin`: refresh before use. The margin shrinks to
    /// half the token's lifetime, so a token that lives less than the margin is still
    /// used instead of being refreshed again and again.
    pub fn needs_refresh(&self, margin: std::time::Duration, now: OffsetDateTime) -> bool {
        let Some(at) = self.expires_at else {
            return false;
        };
        let half_life = (at - self.obtained_at) / 2;
        let margin = time::Duration::try_from(margin)
            .unwrap_or(half_life)
            .min(half_life);
        at <= now + margin
    }
}

/// The authorization of one integration, as the SETTINGS pane and the list show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Authorization {
    Authorized {
        #[serde(flatten)]
        tokens: TokenSet,
    },
    /// A refresh failed for a reason that may pass (network, 5xx): the tokens are kept.
    RefreshFailed {
        #[serde(flatten)]
        tokens: TokenSet,
        #[serde(with = "time::serde::rfc3339")]
        failed_at: OffsetDateTime,
        reason: String,
    },
    /// The provider refused the refresh token (`invalid_grant`): authorize again.
    ReauthorizationNeeded {
        #[serde(with = "time::serde::rfc3339")]
        since: OffsetDateTime,
        reason: String,
    },
    /// The person denied access at the provider.
    Denied {
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        reason: String,
    },
}

impl Authorization {
    /// What an integration stored as `stored` (none: never authorized) waits for
    /// before its events can go out; none when it has tokens to send with (a refresh
    /// that failed for a passing reason still has them).
    pub fn wait(stored: Option<&Authorization>) -> Option<AuthorizationWait> {
        match stored {
            None | Some(Authorization::Denied { .. }) => Some(AuthorizationWait::NotAuthorized),
            Some(Authorization::ReauthorizationNeeded { .. }) => {
                Some(AuthorizationWait::ReauthorizationNeeded)
            }
            Some(Authorization::Authorized { .. } | Authorization::RefreshFailed { .. }) => None,
        }
    }

    pub fn tokens(&self) -> Option<&TokenSet> {
        match self {
            Authorization::Authorized { tokens } | Authorization::RefreshFailed { tokens, .. } => {
                Some(tokens)
            }
            _ => None,
        }
    }
}

/// Why the worker holds `integration`'s events, its configuration and what the token
/// store holds (`authorizations`, by integration name) both considered: the one
/// decision the worker, `status` and `send` share.
pub fn hold_reason(
    integration: &Integration,
    destinations: DestinationPolicy,
    authorizations: &BTreeMap<String, Authorization>,
) -> Option<HoldReason> {
    let wait = Authorization::wait(authorizations.get(&integration.name));
    integration.hold_reason_given(destinations, wait)
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFile {
    schema: u32,
    #[serde(default)]
    integrations: BTreeMap<String, Authorization>,
}

#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
}

impl TokenStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The authorization of `name`, read without the lock (a reader sees a whole file).
    pub fn get(&self, name: &str) -> Result<Option<Authorization>, StoreError> {
        Ok(self.read()?.integrations.remove(name))
    }

    /// Every stored authorization, by integration name.
    pub fn all(&self) -> Result<BTreeMap<String, Authorization>, StoreError> {
        Ok(self.read()?.integrations)
    }

    /// Takes the lock; the guard reads and writes under it. Blocking: call it from a
    /// blocking thread in async code.
    pub fn lock(&self) -> Result<TokenStoreGuard, StoreError> {
        Ok(TokenStoreGuard {
            _lock: FileLock::acquire(&self.path)?,
            store: self.clone(),
        })
    }

    pub fn set(&self, name: &str, authorization: Authorization) -> Result<(), StoreError> {
        self.lock()?.set(name, authorization)
    }

    pub fn forget(&self, name: &str) -> Result<Option<Authorization>, StoreError> {
        let guard = self.lock()?;
        let mut file = self.read()?;
        let removed = file.integrations.remove(name);
        guard.write(&file)?;
        Ok(removed)
    }

    /// Moves the authorization of `old` to `new` (an integration was renamed); returns
    /// whether there was one. Whatever `new` held before (left by an integration of
    /// that name that was removed) goes: it belonged to another integration.
    pub fn rename(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        let guard = self.lock()?;
        let mut file = self.read()?;
        let moved = file.integrations.remove(old);
        let stale = match &moved {
            Some(authorization) => file
                .integrations
                .insert(new.to_string(), authorization.clone()),
            None => file.integrations.remove(new),
        };
        if moved.is_some() || stale.is_some() {
            guard.write(&file)?;
        }
        Ok(moved.is_some())
    }

    fn read(&self) -> Result<TokenFile, StoreError> {
        let Some(bytes) = read_own_file(&self.path, TOKENS_LIMIT)? else {
            return Ok(TokenFile {
                schema: SCHEMA_VERSION,
                integrations: BTreeMap::new(),
            });
        };
        let text = String::from_utf8_lossy(&bytes);
        super::yaml_limits::check_nesting(&self.path, &text)?;
        // serde_yaml's messages quote no values here: the token fields are strings and
        // a type error names the field, not its content.
        let file: TokenFile = serde_yaml::from_str(&text).map_err(|error| {
            let location = error.location();
            StoreError::Parse {
                path: self.path.clone(),
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
                // `token NAME --forget` reads this same file: the way out is the file.
                message: "is not a valid token file: move it aside (every OAuth integration \
                          then waits to be authorized again) or restore it from a backup"
                    .into(),
            }
        })?;
        if file.schema != SCHEMA_VERSION {
            return Err(StoreError::Parse {
                path: self.path.clone(),
                line: None,
                column: None,
                message: format!("schema {} is not known to this hookconsole", file.schema),
            });
        }
        Ok(file)
    }
}

/// The token store while this process holds its lock.
pub struct TokenStoreGuard {
    store: TokenStore,
    _lock: FileLock,
}

impl TokenStoreGuard {
    pub fn get(&self, name: &str) -> Result<Option<Authorization>, StoreError> {
        self.store.get(name)
    }

    pub fn set(&self, name: &str, authorization: Authorization) -> Result<(), StoreError> {
        let mut file = self.store.read()?;
        file.integrations.insert(name.to_string(), authorization);
        self.write(&file)
    }

    fn write(&self, file: &TokenFile) -> Result<(), StoreError> {
        let yaml = serde_yaml::to_string(file).map_err(|error| StoreError::Parse {
            path: self.store.path.clone(),
            line: None,
            column: None,
            message: format!("cannot be written: {error}"),
        })?;
        write_atomic(&self.store.path, yaml.as_bytes(), FILE_MODE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_rename_moves_the_authorization_and_drops_a_stale_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("tokens.yaml"));
        let authorized = Authorization::Authorized {
            tokens: TokenSet::bearer(Secret::new("a"), None, None, Vec::new()),
        };
        store.set("old", authorized.clone()).unwrap();
        assert!(store.rename("old", "new").unwrap());
        assert_eq!(store.get("old").unwrap(), None);
        assert_eq!(store.get("new").unwrap(), Some(authorized));
        // Nothing under the old name: what the new name held was another's.
        assert!(!store.rename("never", "new").unwrap());
        assert_eq!(store.get("new").unwrap(), None);
    }

    #[test]
    fn round_trip_with_mode_0600_and_no_secret_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("tokens.yaml"));
        assert_eq!(store.get("jira").unwrap(), None);
        let tokens = TokenSet::bearer(
            Secret::new("access-1"),
            Some(Secret::new("refresh-1")),
            Some(std::time::Duration::from_secs(3600)),
            vec!["write:jira-work".into()],
        );
        let second = tokens.obtained_at.replace_nanosecond(0).unwrap();
        let tokens = TokenSet {
            expires_at: tokens.expires_at.map(|t| t.replace_nanosecond(0).unwrap()),
            obtained_at: second,
            previous_refresh: Some(PreviousRefreshToken {
                token: Secret::new("refresh-0"),
                replaced_at: second,
            }),
            refresh_sent_at: Some(second),
            ..tokens
        };
        store
            .set(
                "jira",
                Authorization::Authorized {
                    tokens: tokens.clone(),
                },
            )
            .unwrap();
        assert_eq!(
            store.get("jira").unwrap(),
            Some(Authorization::Authorized { tokens })
        );
        let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A file without the recovery fields (written before them) reads as none.
        let old = "schema: 1\nintegrations:\n  jira:\n    status: authorized\n    access_token: a\n    obtained_at: 2025-01-01T00:00:00Z\n";
        fs::write(store.path(), old).unwrap();
        let read = store.get("jira").unwrap().unwrap();
        let read = read.tokens().unwrap();
        assert_eq!(
            (&read.previous_refresh, read.refresh_sent_at),
            (&None, None)
        );

        fs::write(store.path(), "schema: 1\nintegrations:\n  jira:\n    status: authorized\n    access_token: [secret-value]\n").unwrap();
        let error = store.get("jira").unwrap_err().to_string();
        assert!(!error.contains("secret-value"), "{error}");
        assert!(error.contains("tokens.yaml:"), "{error}");
    }
}
