//! Why the worker keeps an integration's events queued instead of sending them. Events
//! wait rather than die while a person must do something first; every view that shows
//! a held integration says which of these it is.

use std::fmt;

use super::destination::{DestinationPolicy, destination_problems};
use super::field::Field;
use super::header_rules::header_problems;
use super::integration::Integration;
use super::missing_secrets::lacks_signing_secret;
use super::signing::signing_problems;

/// A reason to hold deliveries. More will come (waiting for an authorization); match
/// with a catch-all where only some matter.
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
}

impl HoldReason {
    /// A stable word for scripts (`--json`) and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            HoldReason::InvalidConfiguration(_) => "invalid_configuration",
            HoldReason::Disabled => "disabled",
            HoldReason::WaitingForSite => "waiting_for_site",
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
        }
    }
}

impl Integration {
    /// Why the worker keeps this integration's events queued instead of sending them,
    /// or `None` when it sends them; `destinations` is the settings' policy. An invalid
    /// configuration comes first: enabling such an integration would not release its
    /// events.
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
