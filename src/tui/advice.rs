//! VERIFY's advice in the console's words: where the report's advice (written for the
//! command line) names a command, the console names the key that does the same.

use super::action::{Action, KeyContext, bindings};
use crate::delivery::{Failure, Outcome, VerifyReport};

/// The advice the VERIFY screen shows for `report`, where it differs from the report's.
pub fn console_advice(report: &VerifyReport) -> Option<String> {
    let Outcome::NotDelivered { failure, .. } = &report.outcome else {
        return None;
    };
    let authorize = format!(
        "press {} on the list ({} in the editor)",
        first_key(KeyContext::List, Action::Authorize),
        first_key(KeyContext::Editor, Action::Authorize)
    );
    let advice = match failure {
        Failure::NotAuthorized => format!("Authorize it first: {authorize}; then verify again."),
        Failure::SiteNotChosen { authorized: false } => format!(
            "Authorize it: {authorize}. AUTHORIZE then lists the sites the grant reaches, \
             to choose the one to deliver to. Then verify again."
        ),
        Failure::SiteNotChosen { authorized: true } => format!(
            "Choose the site to deliver to: {authorize} to authorize again; AUTHORIZE then \
             lists the sites to choose from. Then verify again."
        ),
        Failure::TlsUntrusted | Failure::TlsHostnameMismatch
            if report.certificate_to_pin().is_some() =>
        {
            let trust = first_key(KeyContext::Verify, Action::TrustCertificate);
            let why = if *failure == Failure::TlsUntrusted {
                "The server's certificate is not trusted"
            } else {
                "The certificate does not name the URL's host"
            };
            format!(
                "{why}: if it is the receiver's own certificate, compare its SHA-256 \
                 fingerprint above with the receiver's, then press {trust} to see it and pin \
                 it (asks first), or upload it on the CERTIFICATE tab."
            )
        }
        _ => return None,
    };
    Some(advice)
}

/// The first key bound to `action` in `context`, as help names it.
fn first_key(context: KeyContext, action: Action) -> String {
    bindings(context)
        .iter()
        .find(|binding| binding.action == action)
        .and_then(|binding| binding.keys.first())
        .map(ToString::to_string)
        .unwrap_or_default()
}
