//! Why the worker keeps an integration's events queued instead of sending them. Events
//! wait rather than die while a person must do something first; every view that shows
//! a held integration says which of these it is.

use std::fmt;

use super::destination::{DestinationPolicy, destination_problems};
use super::field::Field;
use super::header_rules::header_problems;
use super::integration::{Authentication, Integration};
use super::missing_secrets::lacks_signing_secret;
use super::signing::signing_problems;

/// A reason to hold deliveries. Match with a catch-all where only some matter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HoldReason {
    /// The stored integration cannot be sent as it is (a header the HTTP client owns,
    /// a control character in a header, a URL that names a refused destination, a
    /// signing secret that cannot sign): the
    /// file still loads, and nothing is sent until it is fixed. The message names each
    /// field and header, never a value.
    InvalidConfiguration(String),
    /// Switched off.
    Disabled,
    /// No URL until the site is chosen after authorization.
    WaitingForSite,
    /// An OAuth integration with no token to send: a person must authorize it (again)
    /// at the provider. The caller tells which from the token store; the model only
    /// orders it among the other reasons.
    WaitingForAuthorization(AuthorizationWait),
}

/// Why an OAuth integration has no token to send with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationWait {
    /// Never authorized (or access was denied at the provider).
    NotAuthorized,
    /// The provider refused the refresh token (`invalid_grant`): authorize again.
    ReauthorizationNeeded,
}

impl HoldReason {
    /// A stable word for scripts (`--json`) and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            HoldReason::InvalidConfiguration(_) => "invalid_configuration",
            HoldReason::Disabled => "disabled",
            HoldReason::WaitingForSite => "waiting_for_site",
            HoldReason::WaitingForAuthorization(_) => "waiting_for_authorization",
        }
    }
}

impl fmt::Display for HoldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldReason::InvalidConfiguration(message) => {
                write!(f, "invalid configuration: {message}")
            }
            HoldReason::Disabled => f.write_str("disabled"),
            HoldReason::WaitingForSite => {
                f.write_str("waiting for the site to be chosen after authorization")
            }
            HoldReason::WaitingForAuthorization(AuthorizationWait::NotAuthorized) => {
                f.write_str("waiting for authorization: not authorized yet")
            }
            HoldReason::WaitingForAuthorization(AuthorizationWait::ReauthorizationNeeded) => {
                f.write_str("waiting for authorization: the provider refused the refresh token")
            }
        }
    }
}

impl Integration {
    /// Why the worker keeps this integration's events queued instead of sending them,
    /// or `None` when it sends them: [`Integration::hold_reason`], with `authorization`
    /// what the token store says of an OAuth integration (ignored for the others).
    /// Authorization comes before the site, which is chosen after it.
    pub fn hold_reason_given(
        &self,
        destinations: DestinationPolicy,
        authorization: Option<AuthorizationWait>,
    ) -> Option<HoldReason> {
        let reason = self.hold_reason(destinations);
        // Client credentials fetch their own token: nothing for a person to do.
        let oauth = matches!(
            &self.authentication,
            Authentication::OAuth(oauth) if oauth.grant.needs_authorize()
        );
        match (reason, authorization) {
            (None | Some(HoldReason::WaitingForSite), Some(wait)) if oauth => {
                Some(HoldReason::WaitingForAuthorization(wait))
            }
            (reason, _) => reason,
        }
    }

    /// Why this integration's configuration keeps its events queued, or `None` when it
    /// does not; `destinations` is the settings' policy. An invalid configuration
    /// comes first: enabling such an integration would not release its events. What
    /// the token store says is left to [`Integration::hold_reason_given`].
    pub fn hold_reason(&self, destinations: DestinationPolicy) -> Option<HoldReason> {
        let mut problems = header_problems(self);
        problems.extend(destination_problems(self, destinations));
        let mut messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        // A disabled integration may lack its signing secret (see validation).
        if let Some(signing) = &self.signing
            && (self.enabled || !lacks_signing_secret(signing))
        {
            messages.extend(
                signing_problems(signing)
                    .into_iter()
                    .map(|message| format!("{}: {message}", Field::Signing.label())),
            );
        }
        if !messages.is_empty() {
            let message = messages.join("; ");
            return Some(HoldReason::InvalidConfiguration(message));
        }
        if !self.enabled {
            return Some(HoldReason::Disabled);
        }
        self.waits_for_site().then_some(HoldReason::WaitingForSite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Header;

    const STRICT: DestinationPolicy = DestinationPolicy::STRICT;

    #[test]
    fn an_owned_header_holds_before_anything_else() {
        let mut integration = Integration::new("a", "https://r.example/");
        assert_eq!(integration.hold_reason(STRICT), None);
        integration.enabled = false;
        assert_eq!(integration.hold_reason(STRICT), Some(HoldReason::Disabled));
        integration.http_headers = vec![Header::new("Content-Length", "54321")];
        let reason = integration.hold_reason(STRICT).unwrap();
        assert_eq!(reason.kind(), "invalid_configuration");
        let text = reason.to_string();
        assert!(
            text.contains("HTTP Headers: row 1: `Content-Length`"),
            "{text}"
        );
        assert!(!text.contains("54321"), "no value in the reason: {text}");
    }

    #[test]
    fn an_oauth_integration_waits_for_authorization_before_its_site() {
        let mut integration = Integration::new("a", "https://r.example/");
        let wait = Some(AuthorizationWait::NotAuthorized);
        assert_eq!(
            integration.hold_reason_given(STRICT, wait),
            None,
            "not OAuth"
        );
        integration.authentication = Authentication::OAuth(Default::default());
        assert_eq!(
            integration.hold_reason_given(STRICT, wait),
            Some(HoldReason::WaitingForAuthorization(
                AuthorizationWait::NotAuthorized
            ))
        );
        assert_eq!(integration.hold_reason_given(STRICT, None), None);
        // Client credentials fetch a token themselves: nobody is waited for.
        integration.authentication = Authentication::OAuth(crate::model::OAuthSettings {
            grant: crate::model::Grant::ClientCredentials,
            ..Default::default()
        });
        assert_eq!(integration.hold_reason_given(STRICT, wait), None);
        integration.authentication = Authentication::OAuth(Default::default());
        integration.enabled = false;
        assert_eq!(
            integration.hold_reason_given(STRICT, wait),
            Some(HoldReason::Disabled),
            "disabled first: authorizing would not release the events"
        );
    }

    #[test]
    fn a_stored_refused_destination_holds_unless_the_setting_allows_it() {
        let integration = Integration::new("a", "http://[::ffff:a9fe:a9fe]/latest/");
        let reason = integration.hold_reason(STRICT).unwrap().to_string();
        assert!(
            reason.starts_with("invalid configuration: URL: goes to ::ffff:169.254.169.254"),
            "{reason}"
        );
        let allow = DestinationPolicy {
            allow_link_local: true,
        };
        assert_eq!(integration.hold_reason(allow), None);
    }
}
