//! How integrations look on standard output: a table, a labelled page, or JSON. No
//! secret is ever printed here: secrets show as set or not set, and the secrets
//! inside URLs as the mask.

use std::io;

use serde::Serialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::qr::{QrMatrix, QrRendering};

use crate::model::{
    Authentication, DestinationPolicy, Field, Grant, HoldReason, Integration, MASK, mask_url,
    parse_pem,
};

/// What marks an integration whose configuration holds its deliveries, in `list`.
const INVALID_MARK: &str = "!";

/// The JSON view of an integration: every field, secrets replaced by whether they are
/// set, plus what is derived (effective method, certificate summary). Fields borrow
/// from the integration and are declared in the order of their names, as the JSON has
/// always printed them; `list --json` of 10,000 integrations built a map of each
/// before (a tenth of its time).
#[derive(Serialize)]
pub struct IntegrationView<'a> {
    authentication: AuthenticationView<'a>,
    certificate: Option<&'a str>,
    certificate_summary: Value,
    content_sample: &'a str,
    effective_http_method: &'static str,
    enabled: bool,
    hold_reason: Option<HoldView>,
    http_headers: Vec<HeaderView<'a>>,
    http_method: &'static str,
    name: &'a str,
    retry_interval: u32,
    signing: Value,
    url: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum AuthenticationView<'a> {
    None {
        r#type: &'static str,
    },
    Basic {
        password_set: bool,
        r#type: &'static str,
        username: &'a str,
    },
    OAuth(Box<OAuthView<'a>>),
}

#[derive(Serialize)]
struct OAuthView<'a> {
    api_type: &'static str,
    audience: &'a str,
    authorize_parameters: &'a str,
    authorize_url: String,
    client_authentication: Option<&'static str>,
    client_id: &'a str,
    client_secret_set: bool,
    device_authorization_url: String,
    effective_client_authentication: &'static str,
    grant: &'static str,
    revocation_url: String,
    scope: &'a str,
    site_url: String,
    sites_url: String,
    token_parameters: &'a str,
    token_url: String,
    r#type: &'static str,
}

#[derive(Serialize)]
struct HeaderView<'a> {
    name: &'a str,
    sensitive: bool,
    value: &'a str,
}

#[derive(Serialize)]
struct HoldView {
    kind: &'static str,
    message: String,
}

pub fn json_view(
    integration: &Integration,
    destinations: DestinationPolicy,
) -> IntegrationView<'_> {
    let authentication = match &integration.authentication {
        Authentication::None => AuthenticationView::None { r#type: "none" },
        Authentication::Basic { username, password } => AuthenticationView::Basic {
            password_set: !password.is_empty(),
            r#type: "basic",
            username,
        },
        Authentication::OAuth(oauth) => AuthenticationView::OAuth(Box::new(OAuthView {
            api_type: oauth.api_type.as_str(),
            audience: &oauth.audience,
            authorize_parameters: &oauth.authorize_parameters,
            authorize_url: mask_url(&oauth.authorize_url),
            client_authentication: oauth.client_authentication.map(|a| a.as_str()),
            client_id: &oauth.client_id,
            client_secret_set: !oauth.client_secret.is_empty(),
            device_authorization_url: mask_url(&oauth.device_authorization_url),
            effective_client_authentication: oauth.effective_client_authentication().as_str(),
            grant: oauth.grant.as_str(),
            revocation_url: mask_url(&oauth.revocation_url),
            scope: &oauth.scope,
            site_url: mask_url(&oauth.site_url),
            sites_url: mask_url(&oauth.sites_url),
            token_parameters: &oauth.token_parameters,
            token_url: mask_url(&oauth.token_url),
            r#type: "oauth",
        })),
    };
    let http_headers = integration
        .http_headers
        .iter()
        .map(|header| HeaderView {
            name: &header.name,
            sensitive: header.is_sensitive(),
            value: if header.is_sensitive() && !header.value.is_empty() {
                MASK
            } else {
                &header.value
            },
        })
        .collect();
    IntegrationView {
        authentication,
        certificate: integration.certificate.as_deref(),
        certificate_summary: certificate_view(integration),
        content_sample: &integration.content_sample,
        effective_http_method: integration.effective_method().as_str(),
        enabled: integration.enabled,
        hold_reason: integration
            .hold_reason(destinations)
            .map(|reason| HoldView {
                kind: reason.kind(),
                message: match &reason {
                    HoldReason::InvalidConfiguration(message) => message.clone(),
                    other => other.to_string(),
                },
            }),
        http_headers,
        http_method: integration.http_method.map(|m| m.as_str()).unwrap_or(""),
        name: &integration.name,
        retry_interval: integration.retry_interval,
        signing: signing_view(integration),
        url: mask_url(&integration.url),
    }
}

/// Whether deliveries are signed, and until when a replaced secret signs too; never a
/// secret.
fn signing_view(integration: &Integration) -> Value {
    match &integration.signing {
        None => json!({ "enabled": false }),
        Some(signing) => json!({
            "enabled": true,
            "secret_set": !signing.secret.is_empty(),
            "previous_until": signing
                .previous
                .as_ref()
                .and_then(|previous| previous.until.format(&Rfc3339).ok()),
        }),
    }
}

/// The Signing row of `show`: off, or on with the secret masked, and the replaced
/// secret's overlap.
fn signing_text(integration: &Integration) -> String {
    let Some(signing) = &integration.signing else {
        return "off".into();
    };
    let mut text = format!("on, secret {}", set_or_not(signing.secret.is_empty()));
    if let Some(previous) = &signing.previous {
        let until = previous
            .until
            .format(&Rfc3339)
            .unwrap_or_else(|_| previous.until.to_string());
        text.push_str(&format!("; the previous secret signs too until {until}"));
    }
    text
}

fn certificate_view(integration: &Integration) -> Value {
    let Some(pem) = integration.certificate.as_deref() else {
        return Value::Null;
    };
    match parse_pem(pem) {
        Ok(certificates) => certificates
            .iter()
            .map(|certificate| {
                json!({
                    "subject": certificate.subject,
                    "issuer": certificate.issuer,
                    "not_before": certificate.not_before.format(&Rfc3339).ok(),
                    "not_after": certificate.not_after.format(&Rfc3339).ok(),
                    "sha256_fingerprint": certificate.sha256_fingerprint,
                    "is_ca": certificate.is_ca,
                    "names": certificate.names,
                })
            })
            .collect(),
        Err(message) => json!({ "error": message }),
    }
}

pub fn print_json(value: &impl Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    say!("{text}")
}

/// A JSON array printed as `print_json` prints one, each element made and written in
/// turn: `list --json` of 10,000 integrations held every element's `Value` and the
/// whole text at once (some 60 MB) before writing any of it.
pub fn print_json_array<T: Serialize>(elements: impl IntoIterator<Item = T>) -> io::Result<()> {
    use serde::Serializer as _;
    use std::io::Write as _;
    let mut out = io::BufWriter::new(io::stdout().lock());
    serde_json::Serializer::pretty(&mut out)
        .collect_seq(elements)
        .map_err(|error| match error.io_error_kind() {
            Some(kind) => io::Error::from(kind),
            None => io::Error::other(error),
        })
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(crate::cli::output_error)
}

pub fn print_table(
    integrations: &[Integration],
    destinations: DestinationPolicy,
) -> io::Result<()> {
    if integrations.is_empty() {
        return say!("No integrations yet. Add one with `hookconsole add --name NAME --url URL`.");
    }
    let invalid = |integration: &Integration| {
        matches!(
            integration.hold_reason(destinations),
            Some(HoldReason::InvalidConfiguration(_))
        )
    };
    let any_invalid = integrations.iter().any(invalid);
    let rows: Vec<[String; 5]> = integrations
        .iter()
        .map(|integration| {
            // The mark goes before the name: a name cut short keeps it.
            let name = match (any_invalid, invalid(integration)) {
                (false, _) => integration.name.clone(),
                (true, true) => format!("{INVALID_MARK} {}", integration.name),
                (true, false) => format!("  {}", integration.name),
            };
            [
                name,
                integration.url_host(),
                integration.effective_method().to_string(),
                integration.authentication.kind().label().to_string(),
                if integration.enabled { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    let name_title = if any_invalid { "  NAME" } else { "NAME" };
    let titles = [name_title, "HOST", "METHOD", "AUTH", "ENABLED"];
    let widths: Vec<usize> = (0..titles.len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([titles[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        say!("{}", padded.join("  ").trim_end())
    };
    line(titles)?;
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]])?;
    }
    if any_invalid {
        say!(
            "\n{INVALID_MARK} invalid configuration: its events are held; \
             `hookconsole show NAME` says why"
        )?;
    }
    Ok(())
}

/// One labelled row per field, as the editor panes show them.
pub fn print_details(integration: &Integration) -> io::Result<()> {
    let row = |field: Field, value: &str| say!("{:<22} {value}", field.label());
    row(Field::Name, &integration.name)?;
    row(Field::Url, &mask_url(&integration.url))?;
    row(
        Field::RetryInterval,
        &format!("{} s", integration.retry_interval),
    )?;
    row(
        Field::HttpMethod,
        &match integration.http_method {
            Some(method) => method.to_string(),
            None => "(empty: POST)".to_string(),
        },
    )?;
    if integration.http_headers.is_empty() {
        row(Field::HttpHeaders, "(none)")?;
    }
    for (index, header) in integration.http_headers.iter().enumerate() {
        let value = if header.is_sensitive() && !header.value.is_empty() {
            MASK
        } else {
            &header.value
        };
        let label = if index == 0 {
            Field::HttpHeaders.label()
        } else {
            ""
        };
        // A file written by hand may hold control characters: shown as escapes, they
        // cannot move the cursor or recolour the terminal.
        say!(
            "{label:<22} {}: {}",
            without_controls(&header.name),
            without_controls(value)
        )?;
    }
    row(
        Field::Enabled,
        if integration.enabled { "yes" } else { "no" },
    )?;
    row(Field::Signing, &signing_text(integration))?;
    row(
        Field::Authentication,
        integration.authentication.kind().label(),
    )?;
    match &integration.authentication {
        Authentication::None => {}
        Authentication::Basic { username, password } => {
            row(Field::Username, username)?;
            row(Field::Password, set_or_not(password.is_empty()))?;
        }
        Authentication::OAuth(oauth) => {
            row(Field::Grant, oauth.grant.label())?;
            row(Field::ClientId, &oauth.client_id)?;
            row(
                Field::ClientSecret,
                set_or_not(oauth.client_secret.is_empty()),
            )?;
            row(Field::TokenUrl, &mask_url(&oauth.token_url))?;
            match oauth.grant {
                Grant::AuthorizationCode => {
                    row(Field::AuthorizeUrl, &mask_url(&oauth.authorize_url))?;
                }
                Grant::DeviceCode => row(
                    Field::DeviceAuthorizationUrl,
                    &mask_url(&oauth.device_authorization_url),
                )?,
                Grant::ClientCredentials => {}
            }
            row(Field::Audience, &oauth.audience)?;
            row(Field::Scope, &oauth.scope)?;
            match oauth.grant {
                Grant::AuthorizationCode => {
                    row(Field::AuthorizeParameters, &oauth.authorize_parameters)?;
                }
                Grant::ClientCredentials => {
                    row(Field::TokenParameters, &oauth.token_parameters)?;
                }
                Grant::DeviceCode => {}
            }
            row(Field::RevocationUrl, &mask_url(&oauth.revocation_url))?;
            if oauth.discovers_site() {
                row(Field::SitesUrl, &mask_url(&oauth.sites_url))?;
                row(Field::SiteUrl, &mask_url(&oauth.site_url))?;
            }
            row(Field::ApiType, oauth.api_type.as_str())?;
            row(
                Field::ClientAuthentication,
                oauth.effective_client_authentication().label(),
            )?;
        }
    }
    match integration.certificate.as_deref().map(parse_pem) {
        None => row(Field::Certificate, "(none)")?,
        Some(Err(message)) => row(Field::Certificate, &format!("invalid: {message}"))?,
        Some(Ok(certificates)) => {
            for certificate in certificates {
                row(Field::Certificate, &certificate.subject)?;
                say!("{:<22} issuer {}", "", certificate.issuer)?;
                say!(
                    "{:<22} valid {} to {}",
                    "",
                    certificate.not_before.date(),
                    certificate.not_after.date()
                )?;
                say!("{:<22} SHA-256 {}", "", certificate.sha256_fingerprint)?;
            }
        }
    }
    if integration.content_sample.is_empty() {
        row(Field::ContentSample, "(empty)")?;
    } else {
        say!("{}:", Field::ContentSample.label())?;
        for line in integration.content_sample.lines() {
            say!("  {line}")?;
        }
    }
    Ok(())
}

/// `text` with its control characters written as escapes (`\u{1b}`).
fn without_controls(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn set_or_not(empty: bool) -> &'static str {
    if empty { "(not set)" } else { MASK }
}

/// `text` as a QR code in `rendering`, then a blank line; dark on light whatever the
/// terminal's colours when colours may be used (a terminal, no NO_COLOR, not ASCII).
/// A text too long for a QR code says so instead.
pub fn print_qr(out: &mut impl io::Write, text: &str, rendering: QrRendering) {
    use std::io::IsTerminal as _;
    match QrMatrix::encode(text) {
        Ok(matrix) => {
            let pin = io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                && rendering != QrRendering::Ascii;
            for line in matrix.lines(rendering) {
                if pin {
                    let _ = writeln!(out, "\x1b[30;47m{line}\x1b[0m");
                } else {
                    let _ = writeln!(out, "{line}");
                }
            }
            let _ = writeln!(out);
        }
        Err(error) => {
            let _ = writeln!(out, "(no QR code: {error})\n");
        }
    }
}

/// What a command that changes something says when it is done: lines for a person,
/// or, with `--json`, one JSON object (its warnings in `warnings`, not on standard
/// error, where a script reads only errors).
pub struct Done {
    json: bool,
    object: serde_json::Map<String, Value>,
    lines: Vec<String>,
    warnings: Vec<String>,
}

impl Done {
    pub fn new(json: bool) -> Done {
        Done {
            json,
            object: serde_json::Map::new(),
            lines: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A warning: on standard error at once, or in the object's `warnings`.
    pub fn warn(&mut self, text: String) {
        if self.json {
            self.warnings.push(text);
        } else {
            eprintln!("warning: {text}");
        }
    }

    /// A line for a person; nothing in the JSON object (see [`Done::set`]).
    pub fn line(&mut self, text: String) {
        self.lines.push(text);
    }

    /// A key of the JSON object.
    pub fn set(&mut self, key: &str, value: impl Serialize) {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.object.insert(key.to_string(), value);
    }

    pub fn print(mut self) -> io::Result<()> {
        if !self.json {
            return self.lines.iter().try_for_each(|line| say!("{line}"));
        }
        self.object
            .insert("warnings".into(), json!(std::mem::take(&mut self.warnings)));
        print_json(&Value::Object(self.object))
    }
}
