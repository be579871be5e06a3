//! The one-time start link that the QR code holds. A real authorize URL (400–600
//! characters) needs a QR code far taller than 24 rows; this link redirects to it and
//! is written in upper case so that the QR code can use its compact alphanumeric mode
//! (`HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A`: version 2, 33x17 cells).
//! It redirects once: a second visit is told it was used and how to start again.

use std::sync::atomic::{AtomicBool, Ordering};

use ring::rand::{SecureRandom, SystemRandom};

use crate::model::shell_command;

/// Characters of the id: all in the QR alphanumeric set, none that read alike on a
/// screen (no 0/O, 1/I).
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// 7 characters of 32: 35 bits, enough for a link that lives ten minutes.
const ID_LENGTH: usize = 7;

/// The system's random source gave no bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system's random source failed")]
pub struct RandomSourceFailed;

pub fn new_start_id() -> Result<String, RandomSourceFailed> {
    let mut bytes = [0u8; ID_LENGTH];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| RandomSourceFailed)?;
    Ok(bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(byte % 32)] as char)
        .collect())
}

/// The start link for a callback URL: the callback URL in upper case, then `/S/<id>`.
/// The listener matches it without regard to case.
pub fn start_link(callback_url: &str, id: &str) -> String {
    format!(
        "{}/S/{id}",
        callback_url.trim_end_matches('/').to_ascii_uppercase()
    )
}

/// The start link of one authorize flow, as the listener serves it.
#[derive(Debug)]
pub struct StartLink {
    id: String,
    authorize_url: String,
    /// The integration being authorized, to say how to start again.
    integration: String,
    used: AtomicBool,
}

/// What a visit to the start link gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartVisit<'a> {
    /// Redirect to the authorize URL.
    Redirect(&'a str),
    /// The link was followed before: a page saying so, and how to start again.
    Used { how_to_restart: String },
}

impl StartLink {
    pub fn new(id: String, authorize_url: String, integration: String) -> StartLink {
        StartLink {
            id,
            authorize_url,
            integration,
            used: AtomicBool::new(false),
        }
    }

    /// Whether `path` is this link under `callback_path`, without regard to case.
    pub fn is_path(&self, callback_path: &str, path: &str) -> bool {
        let expected = format!("{}/s/{}", callback_path.trim_end_matches('/'), self.id);
        path.eq_ignore_ascii_case(&expected)
    }

    /// The first visit that `consumes` the link (a GET; a HEAD does not) gets the
    /// authorize URL, every visit after it the page that says the link was used.
    pub fn visit(&self, consumes: bool) -> StartVisit<'_> {
        let used = if consumes {
            self.used.swap(true, Ordering::SeqCst)
        } else {
            self.used.load(Ordering::SeqCst)
        };
        if used {
            StartVisit::Used {
                how_to_restart: format!(
                    "It opens the authorization only once. To start again, press a on \
                     `{name}` in the hookconsole console, or run `{command}`, and open the \
                     new link.",
                    name = self.integration,
                    command = shell_command(&["hookconsole", "authorize", &self.integration]),
                ),
            }
        } else {
            StartVisit::Redirect(&self.authorize_url)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_in_the_alphabet() {
        let a = new_start_id().unwrap();
        let b = new_start_id().unwrap();
        assert_eq!(a.len(), ID_LENGTH);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
    }

    #[test]
    fn link_is_upper_case() {
        assert_eq!(
            start_link("https://hiab.example.com/portal/oauth", "7K2QX9A"),
            "HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A"
        );
    }

    #[test]
    fn the_link_redirects_once() {
        let link = StartLink::new(
            "7K2QX9A".into(),
            "https://p/authorize".into(),
            "jira".into(),
        );
        assert!(link.is_path("/portal/oauth", "/PORTAL/OAUTH/S/7k2qx9a"));
        assert!(!link.is_path("/portal/oauth", "/portal/oauth/s/OTHER12"));
        assert_eq!(
            link.visit(false),
            StartVisit::Redirect("https://p/authorize")
        );
        assert_eq!(
            link.visit(true),
            StartVisit::Redirect("https://p/authorize")
        );
        let StartVisit::Used { how_to_restart } = link.visit(true) else {
            panic!("a second visit redirected again");
        };
        assert!(how_to_restart.contains("hookconsole authorize jira"));
        assert!(matches!(link.visit(false), StartVisit::Used { .. }));
    }
}
