//! How an authorization reads on screen and in the CLI: short words for the list, a
//! line with expiry, refresh token and scopes for the panes. Never a token.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::store::Authorization;

/// The status as the SETTINGS pane shows it: no token, ever.
pub fn status_line(status: Option<&Authorization>, now: OffsetDateTime) -> String {
    match status {
        None => "not authorized".into(),
        Some(Authorization::Authorized { tokens }) => {
            let expiry = match tokens.expires_at {
                // Before the expiry: the access token may be one the provider revoked.
                _ if tokens.refresh_sent_at.is_some() => {
                    "last refresh interrupted, repeated on next use".to_string()
                }
                Some(at) if at <= now => "expired (refreshed on next use)".to_string(),
                Some(at) => format!("expires in {}", human(at - now)),
                None => "no expiry given".into(),
            };
            format!(
                "authorized ({expiry}, refresh token {}, scopes: {})",
                if tokens.refresh_token.is_some() {
                    "yes"
                } else {
                    "no"
                },
                if tokens.scopes.is_empty() {
                    "none stated".into()
                } else {
                    tokens.scopes.join(" ")
                }
            )
        }
        Some(Authorization::RefreshFailed {
            failed_at, reason, ..
        }) => format!(
            "refresh failed at {}: {reason}",
            failed_at.format(&Rfc3339).unwrap_or_default()
        ),
        Some(Authorization::ReauthorizationNeeded { reason, .. }) => {
            format!("re-authorization needed: {reason}")
        }
        Some(Authorization::Denied { reason, .. }) => format!("denied: {reason}"),
    }
}

/// The list's words for an authorization (never a token).
pub fn status_words(authorization: &Authorization) -> &'static str {
    match authorization {
        Authorization::Authorized { .. } => "authorized",
        Authorization::RefreshFailed { .. } => "refresh failed",
        Authorization::ReauthorizationNeeded { .. } => "re-auth needed",
        Authorization::Denied { .. } => "denied",
    }
}

fn human(duration: time::Duration) -> String {
    let seconds = duration.whole_seconds().max(0);
    match seconds {
        0..=119 => format!("{seconds} s"),
        120..=7199 => format!("{} min", seconds / 60),
        _ => format!("{} h", seconds / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Secret;
    use crate::store::TokenSet;

    #[test]
    fn an_interrupted_refresh_is_told_without_a_token() {
        let tokens = TokenSet::bearer(
            Secret::new("access-secret"),
            Some(Secret::new("refresh-secret")),
            Some(std::time::Duration::from_secs(3600)),
            vec!["offline_access".into()],
        );
        let now = tokens.obtained_at;
        let interrupted = Authorization::Authorized {
            tokens: TokenSet {
                refresh_sent_at: Some(now),
                ..tokens.clone()
            },
        };
        assert_eq!(
            status_line(Some(&interrupted), now),
            "authorized (last refresh interrupted, repeated on next use, refresh token yes, scopes: offline_access)"
        );
        let line = status_line(Some(&Authorization::Authorized { tokens }), now);
        assert!(line.starts_with("authorized (expires in 60 min"), "{line}");
    }
}
