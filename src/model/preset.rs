//! Presets: the starting fields of a new integration for a kind of receiver (a plain
//! webhook, Jira Cloud, Microsoft Teams, an API behind Microsoft Entra ID). They are
//! data, in `assets/presets/`, read with the same schema as the integrations file; a
//! new vendor is a new file there.

use std::sync::OnceLock;

use serde::Deserialize;

use super::integration::{Authentication, Integration};

/// The preset files, in the order the type chooser lists them.
const PRESET_FILES: [(&str, &str); 5] = [
    (
        "generic.yaml",
        include_str!("../../assets/presets/generic.yaml"),
    ),
    (
        "jira-cloud.yaml",
        include_str!("../../assets/presets/jira-cloud.yaml"),
    ),
    (
        "microsoft-teams.yaml",
        include_str!("../../assets/presets/microsoft-teams.yaml"),
    ),
    (
        "entra-client-credentials.yaml",
        include_str!("../../assets/presets/entra-client-credentials.yaml"),
    ),
    (
        "device-code.yaml",
        include_str!("../../assets/presets/device-code.yaml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// What `hookconsole add --preset KEY` takes.
    pub key: String,
    /// What the type chooser shows.
    pub name: String,
    pub description: String,
    /// Values the person gives at creation; `${key}` in the content sample.
    #[serde(default)]
    pub parameters: Vec<PresetParameter>,
    integration: Integration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetParameter {
    pub key: String,
    pub label: String,
    pub default: String,
    pub help: String,
}

/// Why a preset's field was refused; each names the field by its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetFieldError {
    #[error("the preset `{preset}` takes no fields, not `{key}`")]
    NoFields { preset: String, key: String },
    #[error("the preset `{preset}` has no field `{key}`; its fields are {fields}")]
    Unknown {
        preset: String,
        key: String,
        fields: String,
    },
    #[error("`{key}` ({label}) must not be empty")]
    Empty { key: String, label: String },
    #[error("`{key}` must not contain {{{{, {{% or {{#: the content sample is a template")]
    TemplateCode { key: String },
    /// A value that goes into the OAuth block (a token URL, a scope), where a space
    /// would split the scope and a control character break the request.
    #[error("`{key}` ({label}) must not contain spaces or control characters")]
    NotOneWord { key: String, label: String },
}

impl PresetFieldError {
    /// The key of the field refused (`project`).
    pub fn key(&self) -> &str {
        match self {
            PresetFieldError::NoFields { key, .. }
            | PresetFieldError::Unknown { key, .. }
            | PresetFieldError::Empty { key, .. }
            | PresetFieldError::TemplateCode { key }
            | PresetFieldError::NotOneWord { key, .. } => key,
        }
    }
}

/// Every preset, the plain webhook first.
pub fn presets() -> &'static [Preset] {
    static PRESETS: OnceLock<Vec<Preset>> = OnceLock::new();
    PRESETS.get_or_init(|| {
        PRESET_FILES
            .iter()
            .map(|(file, text)| {
                // The files are part of the build and a test reads each one: a broken
                // file is a bug of this program, not of the appliance's data.
                serde_yaml::from_str(text)
                    .unwrap_or_else(|error| panic!("assets/presets/{file}: {error}"))
            })
            .collect()
    })
}

/// The preset of `key` (`jira-cloud`), or the message listing the keys that exist.
pub fn find_preset(key: &str) -> Result<&'static Preset, String> {
    let wanted = key.trim();
    presets()
        .iter()
        .find(|preset| preset.key.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            format!(
                "there is no preset `{wanted}`; presets are {}",
                preset_keys().join(", ")
            )
        })
}

pub fn preset_keys() -> Vec<&'static str> {
    presets().iter().map(|preset| preset.key.as_str()).collect()
}

impl Preset {
    /// A new integration from this preset. `values` give parameters by key; the others
    /// take their defaults. A value lands inside a JSON string of the content sample,
    /// so it is escaped as JSON string content; an empty one would leave the receiver
    /// without, say, a project, and is refused.
    pub fn instantiate(
        &self,
        values: &[(String, String)],
    ) -> Result<Integration, PresetFieldError> {
        for (key, value) in values {
            let Some(parameter) = self.parameters.iter().find(|p| p.key == *key) else {
                return Err(self.unknown_parameter(key));
            };
            if value.trim().is_empty() {
                return Err(PresetFieldError::Empty {
                    key: key.clone(),
                    label: parameter.label.clone(),
                });
            }
            // The value lands in a template: it must not become template code.
            if crate::template::has_tags(value) {
                return Err(PresetFieldError::TemplateCode { key: key.clone() });
            }
            if self.oauth_uses(key)
                && value
                    .trim()
                    .contains(|c: char| c.is_whitespace() || c.is_control())
            {
                return Err(PresetFieldError::NotOneWord {
                    key: key.clone(),
                    label: parameter.label.clone(),
                });
            }
        }
        Ok(self.fill(values))
    }

    /// A new integration with every parameter at its default.
    pub fn with_defaults(&self) -> Integration {
        self.fill(&[])
    }

    fn fill(&self, values: &[(String, String)]) -> Integration {
        let mut integration = self.integration.clone();
        for parameter in &self.parameters {
            let value = values
                .iter()
                .rev()
                .find(|(key, _)| *key == parameter.key)
                .map_or(parameter.default.as_str(), |(_, value)| value.as_str());
            let escaped = serde_json::to_string(value).expect("a string serialises");
            let escaped = &escaped[1..escaped.len() - 1];
            let placeholder = format!("${{{}}}", parameter.key);
            integration.content_sample = integration.content_sample.replace(&placeholder, escaped);
            // In the OAuth block a value is one word: a tenant in the token URL's path
            // (percent-encoded there), an API in the scope.
            if let Authentication::OAuth(oauth) = &mut integration.authentication {
                let word = value.trim();
                let in_path: String =
                    url::form_urlencoded::byte_serialize(word.as_bytes()).collect();
                oauth.token_url = oauth.token_url.replace(&placeholder, &in_path);
                for text in [
                    &mut oauth.scope,
                    &mut oauth.audience,
                    &mut oauth.token_parameters,
                ] {
                    *text = text.replace(&placeholder, word);
                }
            }
        }
        integration
    }

    /// Whether parameter `key` is used in the preset's OAuth block.
    fn oauth_uses(&self, key: &str) -> bool {
        let placeholder = format!("${{{key}}}");
        match &self.integration.authentication {
            Authentication::OAuth(oauth) => [
                &oauth.token_url,
                &oauth.scope,
                &oauth.audience,
                &oauth.token_parameters,
            ]
            .iter()
            .any(|text| text.contains(&placeholder)),
            _ => false,
        }
    }

    fn unknown_parameter(&self, key: &str) -> PresetFieldError {
        if self.parameters.is_empty() {
            PresetFieldError::NoFields {
                preset: self.key.clone(),
                key: key.to_string(),
            }
        } else {
            let keys: Vec<&str> = self.parameters.iter().map(|p| p.key.as_str()).collect();
            PresetFieldError::Unknown {
                preset: self.key.clone(),
                key: key.to_string(),
                fields: keys.join(", "),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ApiType, Authentication};

    #[test]
    fn every_preset_file_reads_and_keys_are_unique() {
        let keys = preset_keys();
        assert_eq!(
            keys,
            [
                "generic",
                "jira-cloud",
                "microsoft-teams",
                "entra-client-credentials",
                "device-code"
            ]
        );
        for preset in presets() {
            for parameter in &preset.parameters {
                assert!(
                    preset
                        .integration
                        .content_sample
                        .contains(&format!("${{{}}}", parameter.key))
                        || preset.oauth_uses(&parameter.key),
                    "{}: parameter {} is used nowhere",
                    preset.key,
                    parameter.key
                );
            }
        }
    }

    #[test]
    fn jira_cloud_carries_atlassians_endpoints() {
        let jira = find_preset("Jira-Cloud").unwrap().instantiate(&[]).unwrap();
        let Authentication::OAuth(oauth) = &jira.authentication else {
            panic!("Jira Cloud uses OAuth");
        };
        assert_eq!(oauth.authorize_url, "https://auth.atlassian.com/authorize");
        assert_eq!(oauth.token_url, "https://auth.atlassian.com/oauth/token");
        assert_eq!(oauth.audience, "api.atlassian.com");
        assert_eq!(oauth.scope, "read:jira-work write:jira-work offline_access");
        assert_eq!(oauth.api_type, ApiType::Json);
        assert_eq!(oauth.authorize_parameters, "prompt=consent");
        assert!(oauth.discovers_site());
        assert!(jira.url.is_empty());
        assert!(jira.content_sample.contains(r#""key": "TEST""#));
        assert!(jira.content_sample.contains(r#""name": "Task""#));
    }

    #[test]
    fn the_device_code_preset_asks_for_no_callback() {
        let device = find_preset("device-code").unwrap().with_defaults();
        let Authentication::OAuth(oauth) = &device.authentication else {
            panic!("the device code preset uses OAuth");
        };
        assert_eq!(oauth.grant, crate::model::Grant::DeviceCode);
        assert!(!oauth.grant.uses_callback());
        assert!(oauth.authorize_url.is_empty());
        assert!(
            oauth.device_authorization_url.is_empty(),
            "the person fills it in"
        );
    }

    #[test]
    fn entra_client_credentials_fill_the_tenants_token_url_and_the_default_scope() {
        let entra = find_preset("entra-client-credentials").unwrap();
        let made = entra
            .instantiate(&[
                ("tenant".into(), "contoso.onmicrosoft.com".into()),
                ("resource".into(), "api://7f3c-receiver".into()),
            ])
            .unwrap();
        let Authentication::OAuth(oauth) = &made.authentication else {
            panic!("Entra ID uses OAuth");
        };
        assert_eq!(oauth.grant, crate::model::Grant::ClientCredentials);
        assert_eq!(
            oauth.token_url,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(oauth.scope, "api://7f3c-receiver/.default");
        assert!(oauth.authorize_url.is_empty());
        // A tenant cannot leave the token URL's path segment.
        let odd = entra
            .instantiate(&[("tenant".into(), "a/b?c".into())])
            .unwrap();
        let Authentication::OAuth(oauth) = &odd.authentication else {
            panic!("Entra ID uses OAuth");
        };
        assert!(
            oauth.token_url.contains("/a%2Fb%3Fc/oauth2/"),
            "{}",
            oauth.token_url
        );
        let spaced = entra
            .instantiate(&[("resource".into(), "api://a b".into())])
            .unwrap_err();
        assert_eq!(spaced.key(), "resource");
    }

    #[test]
    fn parameters_are_escaped_and_unknown_ones_refused() {
        let jira = find_preset("jira-cloud").unwrap();
        let made = jira
            .instantiate(&[("issue_type".into(), "Bug \"urgent\"".into())])
            .unwrap();
        assert!(made.content_sample.contains(r#""name": "Bug \"urgent\"""#));
        let error = jira
            .instantiate(&[("projekt".into(), "OPS".into())])
            .unwrap_err()
            .to_string();
        assert!(error.contains("no field `projekt`"), "{error}");
        assert!(error.contains("project, issue_type"), "{error}");
        let empty = jira
            .instantiate(&[("project".into(), " ".into())])
            .unwrap_err();
        assert_eq!(empty.key(), "project");
        assert_eq!(
            empty.to_string(),
            "`project` (Project key) must not be empty"
        );
        let code = jira
            .instantiate(&[("issue_type".into(), "{{ event.id }}".into())])
            .unwrap_err();
        assert_eq!(code.key(), "issue_type");
        assert!(
            find_preset("servicenow")
                .unwrap_err()
                .contains("jira-cloud")
        );
    }
}
