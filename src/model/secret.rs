//! A value that must never be shown: passwords, client secrets, tokens.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a secret prints as. ASCII so that it reads the same on every console font.
pub const MASK: &str = "********";

/// A secret string. `Debug` and `Display` print a mask, so a secret that ends up in a
/// log line, an error or a `{:?}` dump shows nothing; only [`Secret::expose`] gives
/// the value, and every call to it is a place worth reviewing.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The mask when set, nothing when empty: what a screen or listing shows.
    pub fn masked(&self) -> &'static str {
        if self.0.is_empty() { "" } else { MASK }
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), MASK);
        assert_eq!(format!("{secret:?}"), MASK);
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn empty_secret_prints_nothing() {
        assert_eq!(Secret::default().to_string(), "");
    }
}
