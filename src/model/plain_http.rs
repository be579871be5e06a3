//! Credentials over plain HTTP: a warning, not an error, since an on-premises receiver
//! may have no TLS at all. Shown by `add`, `set` and `import` (stderr), the editor and
//! VERIFY's report. Nothing is said for the loopback interface: nothing leaves the
//! machine.

use super::field::Field;
use super::header_rules::printable;
use super::integration::{Authentication, Integration};
use super::validation::{FieldError, is_loopback};

/// Credentials that would go over plain http:// to a host other than this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainHttpCredentials {
    /// The field of the URL they would go to.
    pub field: Field,
    pub host: String,
    /// What would go, in words ("the Basic authentication credentials", "the
    /// `X-Api-Key` header"); never a value.
    pub credentials: Vec<String>,
}

impl PlainHttpCredentials {
    /// The warning as `add`, `set`, `import` and VERIFY give it.
    pub fn warning(&self) -> FieldError {
        FieldError::new(
            self.field,
            format!(
                "sends {} over plain http:// to {}: anyone on the network path can read \
                 them; use https://",
                list(&self.credentials),
                self.host
            ),
        )
    }

    /// One short line, for the editor.
    pub fn summary(&self) -> String {
        format!(
            "credentials go over plain http:// to {}: use https://",
            self.host
        )
    }
}

/// Each URL that would carry the integration's credentials (Basic authentication, the
/// OAuth access token, a credential header) over plain http:// to a host other than
/// this machine.
pub fn plain_http_credentials(integration: &Integration) -> Vec<PlainHttpCredentials> {
    let credentials = credentials_sent(integration);
    if credentials.is_empty() {
        return Vec::new();
    }
    let mut targets = vec![(Field::Url, integration.url.clone())];
    if let Authentication::OAuth(oauth) = &integration.authentication
        && oauth.discovers_site()
    {
        targets.push((Field::SiteUrl, oauth.site_url.replace("{id}", "site-id")));
    }
    targets
        .into_iter()
        .filter_map(|(field, text)| {
            let url = url::Url::parse(text.trim()).ok()?;
            if url.scheme() != "http" || is_loopback(&url) {
                return None;
            }
            Some(PlainHttpCredentials {
                field,
                host: url.host_str().unwrap_or_default().to_string(),
                credentials: credentials.clone(),
            })
        })
        .collect()
}

/// What an attempt sends that is a credential, in words.
fn credentials_sent(integration: &Integration) -> Vec<String> {
    let mut sent = Vec::new();
    let authorizes = match &integration.authentication {
        Authentication::None => false,
        Authentication::Basic { .. } => {
            sent.push("the Basic authentication credentials".to_string());
            true
        }
        Authentication::OAuth(_) => {
            sent.push("the OAuth access token".to_string());
            true
        }
    };
    for header in &integration.http_headers {
        let replaced = authorizes && header.name.trim().eq_ignore_ascii_case("authorization");
        if header.is_sensitive() && !header.value.is_empty() && !replaced {
            sent.push(format!("the `{}` header", printable(header.name.trim())));
        }
    }
    sent
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, Secret};

    fn basic(url: &str) -> Integration {
        let mut integration = Integration::new("a", url);
        integration.authentication = Authentication::Basic {
            username: "svc".into(),
            password: Secret::new("basic-password-value"),
        };
        integration
    }

    #[test]
    fn basic_credentials_to_another_host_over_http_are_warned_about() {
        let warnings = plain_http_credentials(&basic("http://receiver.example.com/hook"));
        assert_eq!(warnings.len(), 1);
        let text = warnings[0].warning().to_string();
        assert!(text.starts_with("URL: sends the Basic authentication credentials over plain http:// to receiver.example.com"), "{text}");
        assert!(!text.contains("basic-password-value"));
    }

    #[test]
    fn https_loopback_and_no_credentials_are_quiet() {
        for url in [
            "https://receiver.example.com/hook",
            "http://127.0.0.1:9/hook",
            "http://localhost/hook",
            "http://[::1]/hook",
        ] {
            assert!(plain_http_credentials(&basic(url)).is_empty(), "{url}");
        }
        let plain = Integration::new("a", "http://receiver.example.com/hook");
        assert!(plain_http_credentials(&plain).is_empty());
    }

    #[test]
    fn credential_headers_are_named() {
        let mut integration = Integration::new("a", "http://10.0.0.8/hook");
        integration.http_headers = vec![
            Header::new("Authorization", "Bearer header-token-value"),
            Header::new("X-Api-Key", "key-value"),
            Header::new("X-Team", "ops"),
        ];
        let text = plain_http_credentials(&integration)[0]
            .warning()
            .to_string();
        assert!(
            text.contains("the `Authorization` header and the `X-Api-Key` header"),
            "{text}"
        );
        assert!(!text.contains("header-token-value") && !text.contains("key-value"));
    }
}
