//! The secrets an integration lacks after an export made without them: what an import
//! into a home that never had them must ask the person for, all at once.

use std::fmt;

use super::field::Field;
use super::integration::{Authentication, Integration};
use super::secret::masked_url_secret;
use super::signing::Signing;

/// One secret an integration holds empty, or as the mask in a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSecret {
    pub field: Field,
    /// Which one, where the field holds several: a header's name, a URL's parameter.
    pub which: Option<String>,
}

impl fmt::Display for MissingSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.which {
            Some(which) => write!(f, "{} ({which})", self.field.label()),
            None => f.write_str(self.field.label()),
        }
    }
}

/// A signing secret, or the replaced one, left out of an export: a disabled
/// integration may lack it, and neither validation nor holding calls that invalid.
pub(super) fn lacks_signing_secret(signing: &Signing) -> bool {
    signing.secret.is_empty()
        || signing
            .previous
            .as_ref()
            .is_some_and(|previous| previous.secret.is_empty())
}

impl Integration {
    /// Every secret this integration lacks: the Basic password, the OAuth client
    /// secret, a sensitive header's value, a signing secret, a URL secret left as the
    /// mask. Only what the integration uses counts.
    pub fn missing_secrets(&self) -> Vec<MissingSecret> {
        let mut missing = Vec::new();
        let mut lacks = |field, which: Option<String>| missing.push(MissingSecret { field, which });
        match &self.authentication {
            Authentication::None => {}
            Authentication::Basic { password, .. } if password.is_empty() => {
                lacks(Field::Password, None);
            }
            Authentication::Basic { .. } => {}
            Authentication::OAuth(oauth) if oauth.client_secret.is_empty() => {
                lacks(Field::ClientSecret, None);
            }
            Authentication::OAuth(_) => {}
        }
        for (field, url) in self.urls() {
            if let Some(slot) = masked_url_secret(url) {
                lacks(field, Some(slot.to_string()));
            }
        }
        for header in &self.http_headers {
            if header.is_sensitive() && header.value.is_empty() {
                lacks(
                    Field::HttpHeaders,
                    Some(format!("the value of {}", header.name)),
                );
            }
        }
        if let Some(signing) = &self.signing {
            if signing.secret.is_empty() {
                lacks(Field::Signing, Some("its secret".into()));
            }
            if signing
                .previous
                .as_ref()
                .is_some_and(|p| p.secret.is_empty())
            {
                lacks(Field::Signing, Some("the previous secret".into()));
            }
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, OAuthSettings, Secret};

    #[test]
    fn an_export_without_secrets_lacks_every_secret_it_had() {
        let mut integration = Integration::new("Jira", "https://hooks.example.com/x?sig=s3cr3t");
        integration.authentication = Authentication::OAuth(OAuthSettings {
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
            ..OAuthSettings::default()
        });
        integration.http_headers = vec![Header {
            name: "X-Api-Key".into(),
            value: "k".into(),
        }];
        integration.signing = Some(Signing {
            secret: Secret::new("whsec_x"),
            previous: None,
        });
        assert!(integration.missing_secrets().is_empty());
        let lacking: Vec<String> = integration
            .without_secrets()
            .missing_secrets()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lacking,
            [
                "Client Secret",
                "URL (the value of `sig`)",
                "HTTP Headers (the value of X-Api-Key)",
                "Signing (its secret)",
            ]
        );
    }

    #[test]
    fn only_a_disabled_integration_may_lack_its_secrets() {
        use crate::model::{DestinationPolicy, HoldReason, validate, validate_stored};
        let mut integration = Integration::new("Teams", "https://hooks.example.com/x?sig=s");
        integration.authentication = Authentication::Basic {
            username: "u".into(),
            password: Secret::new("p"),
        };
        integration.signing = Some(Signing {
            secret: Secret::new("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            previous: None,
        });
        let mut lacking = integration.without_secrets();
        let now = time::OffsetDateTime::now_utc();
        let errors = |i: &Integration| validate(i, now).errors;
        let fields =
            |i: &Integration| -> Vec<Field> { errors(i).iter().map(|e| e.field).collect() };
        assert_eq!(
            fields(&lacking),
            [Field::Password, Field::Url, Field::Signing]
        );
        lacking.enabled = false;
        assert!(errors(&lacking).is_empty(), "{:?}", errors(&lacking));
        assert!(validate_stored(&lacking, now).is_valid());
        let warned: Vec<Field> = validate(&lacking, now)
            .warnings
            .iter()
            .map(|w| w.field)
            .collect();
        assert_eq!(
            warned,
            [
                Field::Password,
                Field::Url,
                Field::Signing,
                Field::ContentSample
            ]
        );
        assert_eq!(
            lacking.hold_reason(DestinationPolicy::STRICT),
            Some(HoldReason::Disabled)
        );
    }
}
