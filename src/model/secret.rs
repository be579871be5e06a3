//! What must never be shown: passwords, client secrets, tokens ([`Secret`]), and the
//! secrets a URL carries (its password, credential query values), with the one
//! function that masks them wherever a URL is shown.

use std::fmt;
use std::ops::Range;

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

/// Words that mark a query parameter as a credential when its name contains one, in
/// any case: a Teams workflow's `sig`, an Azure Function's `code`, `apikey`, `token`,
/// `signature`, `password`…
const SECRET_PARAMETER_WORDS: [&str; 8] = [
    "sig",
    "token",
    "key",
    "secret",
    "pass",
    "auth",
    "code",
    "credential",
];

/// Which secret of a URL a span is: what an import matches a masked secret with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSecretSlot {
    /// The password of the userinfo, or a user name given alone (`https://TOKEN@host`),
    /// which is how a token rides in a URL.
    Userinfo,
    /// The value of the `n`-th query parameter of this name (as written).
    Query { name: String, occurrence: usize },
}

impl fmt::Display for UrlSecretSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSecretSlot::Userinfo => f.write_str("the password"),
            UrlSecretSlot::Query { name, .. } => write!(f, "the value of `{name}`"),
        }
    }
}

/// A secret inside a URL's text: where it is (bytes) and which one it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlSecret {
    pub range: Range<usize>,
    pub slot: UrlSecretSlot,
}

/// The secrets of a URL as written, in order: its password (or a user name alone), and
/// the values of query parameters whose names say they carry a credential. Works on
/// text that does not parse as a URL too (a field being typed, a stored URL that is
/// not valid), so that it can be shown masked all the same.
pub fn url_secrets(text: &str) -> Vec<UrlSecret> {
    let mut secrets = Vec::new();
    let fragment_at = text.find('#').unwrap_or(text.len());
    let authority_start = authority_start(&text[..fragment_at]);
    if let Some(start) = authority_start {
        let end = text[start..fragment_at]
            .find(['/', '\\', '?'])
            .map_or(fragment_at, |at| start + at);
        if let Some(at) = text[start..end].rfind('@') {
            let userinfo = start..start + at;
            let range = match text[userinfo.clone()].find(':') {
                Some(colon) => userinfo.start + colon + 1..userinfo.end,
                None => userinfo,
            };
            if !range.is_empty() {
                secrets.push(UrlSecret {
                    range,
                    slot: UrlSecretSlot::Userinfo,
                });
            }
        }
    }
    let query_from = authority_start.unwrap_or(0);
    let Some(question) = text[query_from..fragment_at].find('?') else {
        return secrets;
    };
    let mut position = query_from + question + 1;
    let mut seen: Vec<String> = Vec::new();
    for pair in text[position..fragment_at].split('&') {
        let start = position;
        position += pair.len() + 1;
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let decoded = url::form_urlencoded::parse(name.as_bytes())
            .next()
            .map(|(name, _)| name.to_ascii_lowercase())
            .unwrap_or_default();
        if value.is_empty()
            || !SECRET_PARAMETER_WORDS
                .iter()
                .any(|word| decoded.contains(word))
        {
            continue;
        }
        let occurrence = seen.iter().filter(|earlier| *earlier == name).count();
        seen.push(name.to_string());
        let value_start = start + name.len() + 1;
        secrets.push(UrlSecret {
            range: value_start..value_start + value.len(),
            slot: UrlSecretSlot::Query {
                name: name.to_string(),
                occurrence,
            },
        });
    }
    secrets
}

/// Where a URL's authority (`user:password@host:port`) begins, as the URL standard
/// reads a special scheme's URL: after the scheme's colon and any run of slashes and
/// backslashes, so `http:user:pw@h`, `http:/user:pw@h` and `http:\\\\user:pw@h`, which
/// the parser takes for `http://user:pw@h`, have theirs found too; a scheme written
/// without its colon (`https//user:pw@h`, refused as a URL but shown in the message
/// that refuses it) likewise. None when the text has no scheme.
fn authority_start(text: &str) -> Option<usize> {
    let scheme_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .unwrap_or(text.len());
    if scheme_end == 0 || !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after_scheme = match text[scheme_end..].chars().next() {
        Some(':') => scheme_end + 1,
        // Without its colon, only before two slashes: `example.com/a@b` is a path.
        Some('/' | '\\')
            if ["//", "\\\\"]
                .iter()
                .any(|two| text[scheme_end..].starts_with(two)) =>
        {
            scheme_end
        }
        _ => return None,
    };
    let slashes = text[after_scheme..]
        .find(|c: char| c != '/' && c != '\\')
        .unwrap_or(text.len() - after_scheme);
    Some(after_scheme + slashes)
}

/// The URL as it may be shown: each of its secrets ([`url_secrets`]) replaced by the
/// mask, whatever its length. The one masking of URLs: `show`, `list --json`,
/// `export`, the editor, VERIFY and the delivery log all show this.
pub fn mask_url(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut copied = 0;
    for secret in url_secrets(text) {
        shown.push_str(&text[copied..secret.range.start]);
        shown.push_str(MASK);
        copied = secret.range.end;
    }
    shown.push_str(&text[copied..]);
    shown
}

/// The secret values of a URL, as written and percent-decoded: what an error message
/// that quotes the URL (or a server that echoes it) must have masked.
pub fn url_secret_values(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    for secret in url_secrets(text) {
        let raw = &text[secret.range];
        values.push(raw.to_string());
        let decoded = match secret.slot {
            UrlSecretSlot::Userinfo => {
                url::form_urlencoded::parse(raw.replace('+', "%2B").as_bytes())
                    .next()
                    .map(|(decoded, _)| decoded.into_owned())
            }
            UrlSecretSlot::Query { .. } => {
                url::form_urlencoded::parse(format!("x={raw}").as_bytes())
                    .next()
                    .map(|(_, decoded)| decoded.into_owned())
            }
        };
        if let Some(decoded) = decoded.filter(|decoded| decoded != raw) {
            values.push(decoded);
        }
    }
    values.retain(|value| !value.is_empty());
    values
}

/// `incoming` with each secret that is exactly the mask (an export made without
/// secrets) given back its value from `stored`, the same secret of the URL already on
/// disk; secrets `stored` does not have stay masked (validation refuses them).
pub fn restore_masked_url(incoming: &str, stored: &str) -> String {
    let kept = url_secrets(stored);
    let mut restored = String::with_capacity(incoming.len());
    let mut copied = 0;
    for secret in url_secrets(incoming) {
        if &incoming[secret.range.clone()] != MASK {
            continue;
        }
        if let Some(original) = kept.iter().find(|kept| kept.slot == secret.slot) {
            restored.push_str(&incoming[copied..secret.range.start]);
            restored.push_str(&stored[original.range.clone()]);
            copied = secret.range.end;
        }
    }
    restored.push_str(&incoming[copied..]);
    restored
}

/// The first secret of a URL that holds the mask instead of a value: a URL from an
/// export made without secrets, given where nothing stored can fill it in.
pub fn masked_url_secret(text: &str) -> Option<UrlSecretSlot> {
    url_secrets(text)
        .into_iter()
        .find(|secret| &text[secret.range.clone()] == MASK)
        .map(|secret| secret.slot)
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
    #[test]
    fn a_url_shows_its_secrets_masked_whatever_their_length() {
        let teams = "https://prod.logic.azure.com/workflows/1/invoke?api-version=2016-06-01&sp=%2Ftriggers&sig=Zx9%2Bq7secretVALUE";
        assert_eq!(
            mask_url(teams),
            format!(
                "https://prod.logic.azure.com/workflows/1/invoke?api-version=2016-06-01&sp=%2Ftriggers&sig={MASK}"
            )
        );
        assert_eq!(
            mask_url("https://u:p@h.example/x?apikey=1&Token=abcdefghijklmnop#code=x"),
            format!("https://u:{MASK}@h.example/x?apikey={MASK}&Token={MASK}#code=x")
        );
        assert_eq!(
            mask_url("https://ghp_TOKEN@h.example/"),
            format!("https://{MASK}@h.example/")
        );
        // Text that is not a URL (yet) is masked all the same.
        assert_eq!(
            mask_url("https://u:p w@h x/a@b?code="),
            format!("https://u:{MASK}@h x/a@b?code=")
        );
        assert_eq!(
            mask_url("https://h.example/a?b=c"),
            "https://h.example/a?b=c"
        );
    }

    #[test]
    fn a_url_without_its_two_slashes_has_its_password_masked_too() {
        // The URL parser reads the first three as `http://alice:pw@h/x`, and the worker
        // sends the password; the fourth is refused, in a message that quotes it.
        for (written, shown) in [
            ("http:alice:pw@h/x", format!("http:alice:{MASK}@h/x")),
            ("http:/alice:pw@h/x", format!("http:/alice:{MASK}@h/x")),
            (
                "http:\\\\alice:pw@h\\x",
                format!("http:\\\\alice:{MASK}@h\\x"),
            ),
            ("https//alice:pw@h/x", format!("https//alice:{MASK}@h/x")),
            ("HTTP:ghp_TOKEN@h", format!("HTTP:{MASK}@h")),
        ] {
            assert_eq!(mask_url(written), shown, "{written}");
        }
        // A path with an @ in it holds no credential.
        assert_eq!(mask_url("http:h/a@b"), "http:h/a@b");
        assert_eq!(mask_url("/relative/a@b"), "/relative/a@b");
        assert_eq!(mask_url("example.com/a@b"), "example.com/a@b");
    }

    #[test]
    fn secret_values_come_as_written_and_decoded() {
        let values = url_secret_values("https://u:p%40ss@h/?sig=a%2Bb&x=1");
        assert_eq!(values, ["p%40ss", "p@ss", "a%2Bb", "a+b"]);
    }

    #[test]
    fn a_masked_url_takes_its_secrets_back_from_the_stored_one() {
        let stored = "https://u:pw@h/x?sig=S1&code=C1&code=C2";
        let exported = mask_url(stored);
        assert_eq!(restore_masked_url(&exported, stored), stored);
        assert_eq!(masked_url_secret(&exported), Some(UrlSecretSlot::Userinfo));
        // A parameter the stored URL lacks stays masked, for validation to refuse.
        let other = format!("https://u:pw@h/x?key={MASK}");
        assert_eq!(restore_masked_url(&other, stored), other);
        assert_eq!(
            masked_url_secret(&other).map(|slot| slot.to_string()),
            Some("the value of `key`".into())
        );
        // A secret typed in full is left as it is.
        let typed = "https://u:new@h/x?sig=S2";
        assert_eq!(restore_masked_url(typed, stored), typed);
        assert_eq!(masked_url_secret(typed), None);
    }
}
