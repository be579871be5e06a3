//! Validation of a whole integration: every field error at once, each naming the field
//! as the screen labels it. Expired certificates, a content sample that does not
//! render with the sample event, and credentials sent over plain HTTP are warnings,
//! not errors. The header rules, the refused destinations and the plain-HTTP warning
//! have files of their own.

use std::fmt;

use time::OffsetDateTime;
use time::macros::format_description;

use super::certificate::parse_pem;
use super::destination::{DestinationPolicy, destination_problems};
use super::field::Field;
use super::grant::Grant;
use super::header_rules::{header_problems, printable};
use super::integration::{
    Authentication, Integration, NAME_MAX_CHARS, OAuthSettings, RETRY_INTERVAL_RANGE,
};
use super::missing_secrets::lacks_signing_secret;
use super::plain_http::plain_http_credentials;
use super::secret::{MASK, mask_url, masked_url_secret};
use super::signing::signing_problems;
use crate::template::{self, Escaping, sample_event};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field.label(), self.message)
    }
}

impl std::error::Error for FieldError {}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldError>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first error of a field, for showing it next to that field.
    pub fn error_for(&self, field: Field) -> Option<&FieldError> {
        self.errors.iter().find(|error| error.field == field)
    }
}

/// Checks every field, as a save does: `now` decides whether a certificate has
/// expired. Link-local and metadata destinations are refused; see [`validate_with`].
pub fn validate(integration: &Integration, now: OffsetDateTime) -> Validation {
    validate_with(integration, now, DestinationPolicy::STRICT)
}

/// [`validate`] under the appliance's `destinations` policy (the setting
/// `allow_link_local_destinations`): what `add`, `set`, `import` and the editor check.
pub fn validate_with(
    integration: &Integration,
    now: OffsetDateTime,
    destinations: DestinationPolicy,
) -> Validation {
    check(integration, now, Some(destinations))
}

/// What an integration read from the integrations file must pass for the file to load:
/// every check but those that only make it unsafe to send. Its header problems hold its
/// deliveries instead ([`Integration::hold_reason`]), and a refused destination is
/// refused by the HTTP client (the setting may have changed since it was saved), so
/// one such integration does not stop the others from loading.
pub fn validate_stored(integration: &Integration, now: OffsetDateTime) -> Validation {
    check(integration, now, None)
}

/// `sending`: the destination policy when the integration is checked for saving;
/// `None` when it is checked as stored.
fn check(
    integration: &Integration,
    now: OffsetDateTime,
    sending: Option<DestinationPolicy>,
) -> Validation {
    let mut report = Validation::default();
    let site_pending = integration.waits_for_site();
    if site_pending {
        report.warnings.push(FieldError::new(
            Field::Url,
            "is empty: it is set from the site chosen after authorization".to_string(),
        ));
    }
    let mut error = |field, message: String| report.errors.push(FieldError::new(field, message));

    if let Some(message) = name_problem(&integration.name) {
        error(Field::Name, message);
    }
    if !site_pending && let Some(message) = webhook_url_problem(&integration.url) {
        error(Field::Url, message);
    }
    if !RETRY_INTERVAL_RANGE.contains(&integration.retry_interval) {
        error(
            Field::RetryInterval,
            format!(
                "must be between {} and {} seconds, not {}",
                RETRY_INTERVAL_RANGE.start(),
                RETRY_INTERVAL_RANGE.end(),
                integration.retry_interval
            ),
        );
    }
    if sending.is_some() {
        for problem in header_problems(integration) {
            error(problem.field, problem.message);
        }
    }
    let (sample_error, sample_warning) = content_sample_problems(integration);
    if let Some(message) = sample_error {
        error(Field::ContentSample, message);
    }
    match &integration.authentication {
        Authentication::None => {}
        Authentication::Basic { username, password } => {
            if username.contains(':') {
                error(
                    Field::Username,
                    "must not contain `:` (HTTP Basic, RFC 7617)".into(),
                );
            }
            if username.contains(char::is_control) {
                error(
                    Field::Username,
                    "must not contain control characters".into(),
                );
            }
            if password.is_empty() && integration.enabled {
                error(
                    Field::Password,
                    "is required for Basic authentication".into(),
                );
            }
        }
        Authentication::OAuth(oauth) => oauth_problems(oauth, integration.enabled, &mut error),
    }
    for (field, url) in integration.urls() {
        if let Some(slot) = masked_url_secret(url)
            && integration.enabled
        {
            error(
                field,
                format!(
                    "{slot} is `{MASK}`, where a secret was left out of an export: give the \
                     real value, or import over the integration that has it"
                ),
            );
        }
    }
    if let Some(policy) = sending {
        report
            .errors
            .extend(destination_problems(integration, policy));
        // Stored, a secret that cannot sign holds the deliveries instead (see
        // `Integration::hold_reason`): the file still loads.
        if let Some(signing) = &integration.signing
            && (integration.enabled || !lacks_signing_secret(signing))
        {
            report.errors.extend(
                signing_problems(signing)
                    .into_iter()
                    .map(|message| FieldError::new(Field::Signing, message)),
            );
        }
    }
    // A disabled integration may lack its secrets (an import of an export made without
    // them): it sends nothing, and enabling it requires them.
    if !integration.enabled {
        report
            .warnings
            .extend(integration.missing_secrets().into_iter().map(|missing| {
                let what = match missing.which {
                    Some(which) => format!("{which} is not set"),
                    None => "is not set".to_string(),
                };
                FieldError::new(
                    missing.field,
                    format!("{what}: set it before enabling the integration"),
                )
            }));
    }
    report.warnings.extend(
        plain_http_credentials(integration)
            .iter()
            .map(|exposure| exposure.warning()),
    );
    if let Some(message) = sample_warning {
        report
            .warnings
            .push(FieldError::new(Field::ContentSample, message));
    }

    if let Some(pem) = integration
        .certificate
        .as_deref()
        .filter(|pem| !pem.trim().is_empty())
    {
        match parse_pem(pem) {
            Err(message) => report
                .errors
                .push(FieldError::new(Field::Certificate, message)),
            Ok(certificates) => {
                for (index, certificate) in certificates.iter().enumerate() {
                    let number = index + 1;
                    if certificate.is_expired(now) {
                        report.warnings.push(FieldError::new(
                            Field::Certificate,
                            format!(
                                "certificate {number} ({}) expired on {}",
                                certificate.subject,
                                date(certificate.not_after)
                            ),
                        ));
                    } else if certificate.is_not_yet_valid(now) {
                        report.warnings.push(FieldError::new(
                            Field::Certificate,
                            format!(
                                "certificate {number} ({}) is not valid before {}",
                                certificate.subject,
                                date(certificate.not_before)
                            ),
                        ));
                    }
                }
            }
        }
    }
    report
}

/// `enabled`: whether the client secret is required now (a disabled integration may
/// lack it until it is enabled).
fn oauth_problems(oauth: &OAuthSettings, enabled: bool, error: &mut impl FnMut(Field, String)) {
    if oauth.client_id.trim().is_empty() {
        error(Field::ClientId, "is required for OAuth".into());
    }
    // A device-grant client is often public (RFC 8628 section 3.1): no secret.
    if oauth.client_secret.is_empty() && enabled && oauth.grant != Grant::DeviceCode {
        error(Field::ClientSecret, "is required for OAuth".into());
    }
    if let Some(message) = oauth_url_problem(&oauth.token_url) {
        error(Field::TokenUrl, message);
    }
    // Only the authorization code opens a browser at the Authorize URL; the device
    // grant asks its Device authorization URL instead.
    if oauth.grant.uses_callback()
        && let Some(message) = oauth_url_problem(&oauth.authorize_url)
    {
        error(Field::AuthorizeUrl, message);
    }
    if oauth.grant == Grant::DeviceCode
        && let Some(message) = oauth_url_problem(&oauth.device_authorization_url)
    {
        error(Field::DeviceAuthorizationUrl, message);
    }
    token_parameter_problems(oauth, error);
    if !oauth.revocation_url.trim().is_empty()
        && let Some(message) = oauth_url_problem(&oauth.revocation_url)
    {
        error(Field::RevocationUrl, message);
    }
    site_discovery_problems(oauth, error);
    const RESERVED: [&str; 8] = [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
        "scope",
        "audience",
    ];
    if oauth.authorize_parameters.contains(char::is_whitespace) {
        error(
            Field::AuthorizeParameters,
            "must be a query string without spaces, as in prompt=consent&access_type=offline"
                .into(),
        );
    }
    for (name, _) in oauth.extra_authorize_parameters() {
        if RESERVED.contains(&name.as_str()) {
            error(
                Field::AuthorizeParameters,
                format!(
                    "`{name}` is set by hookconsole itself (use the Scope and Audience fields)"
                ),
            );
        }
    }
}

/// Token parameters are sent as they are with each client-credentials token request;
/// the ones hookconsole sends itself would be sent twice.
fn token_parameter_problems(oauth: &OAuthSettings, error: &mut impl FnMut(Field, String)) {
    const RESERVED: [&str; 5] = [
        "grant_type",
        "client_id",
        "client_secret",
        "scope",
        "audience",
    ];
    if oauth.token_parameters.contains(char::is_whitespace) {
        error(
            Field::TokenParameters,
            "must be a query string without spaces, as in resource=https://service.example/".into(),
        );
    }
    for (name, _) in oauth.extra_token_parameters() {
        if RESERVED.contains(&name.as_str()) {
            error(
                Field::TokenParameters,
                format!(
                    "`{name}` is set by hookconsole itself (use the Client ID, Client Secret, \
                     Scope and Audience fields)"
                ),
            );
        }
    }
}

/// The two site-discovery fields go together; the sites list is asked with the Bearer
/// token, so it is held to the rules of the other OAuth endpoints.
fn site_discovery_problems(oauth: &OAuthSettings, error: &mut impl FnMut(Field, String)) {
    let sites = oauth.sites_url.trim();
    let pattern = oauth.site_url.trim();
    match (sites.is_empty(), pattern.is_empty()) {
        (true, true) => return,
        (false, true) => error(
            Field::SiteUrl,
            "is required with a Sites URL: the webhook URL for a site, with {id} for its id".into(),
        ),
        (true, false) => error(
            Field::SitesUrl,
            "is required with a Site URL pattern: where the sites are listed".into(),
        ),
        (false, false) => {}
    }
    if !sites.is_empty()
        && let Some(message) = oauth_url_problem(sites)
    {
        error(Field::SitesUrl, message);
    }
    if !pattern.is_empty() {
        if !pattern.contains("{id}") {
            error(
                Field::SiteUrl,
                "must contain {id}, which is replaced by the chosen site's id".into(),
            );
        } else if let Some(message) = webhook_url_problem(&pattern.replace("{id}", "site-id")) {
            error(Field::SiteUrl, message);
        }
    }
}

/// Characters that draw nothing or turn the text around (Unicode's format characters
/// a name has no use for): U+200B-U+200F, U+202A-U+202E, U+2060-U+2064,
/// U+2066-U+2069, U+FEFF, and the soft hyphen.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}')
}

fn name_problem(name: &str) -> Option<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        Some("is required".into())
    } else if trimmed.chars().count() > NAME_MAX_CHARS {
        Some(format!(
            "is {} characters long; at most {NAME_MAX_CHARS} are allowed",
            trimmed.chars().count()
        ))
    } else if trimmed.contains(char::is_control) {
        Some("must not contain control characters or line breaks".into())
    } else if trimmed.contains(is_invisible_format) {
        Some(
            "must not contain invisible or text-direction characters (zero-width spaces, \
             right-to-left overrides): two names that look alike would be two integrations"
                .into(),
        )
    } else if trimmed != name {
        Some("must not start or end with spaces".into())
    } else {
        None
    }
}

/// The longest URL taken. RFC 9110 asks for at least 8,000 octets; hyper refuses a
/// request target near 64 KiB, so a longer URL was stored and never delivered.
const URL_MAX_CHARS: usize = 16_384;

fn webhook_url_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("is required".into());
    }
    if text.contains(char::is_control) {
        // The parser drops a line break or a tab, so what is sent would differ from
        // what is shown; an escape would reach the terminal of whoever lists it.
        return Some("must not contain control characters or line breaks".into());
    }
    let length = text.chars().count();
    if length > URL_MAX_CHARS {
        return Some(format!(
            "is {length} characters long; at most {URL_MAX_CHARS} are allowed"
        ));
    }
    let written = text.trim_start().to_ascii_lowercase();
    if ["http:", "https:"]
        .iter()
        .any(|scheme| written.starts_with(scheme))
        && !["http://", "https://"]
            .iter()
            .any(|scheme| written.starts_with(scheme))
    {
        // `http:host/x` and `http:/host/x` parse as `http://host/x`: said as it is
        // meant, so that the text shown is the URL used.
        return Some("must start with http:// or https:// (two slashes)".into());
    }
    match url::Url::parse(text) {
        Err(reason) => Some(format!(
            "`{}` is not an absolute URL ({reason})",
            printable(&mask_url(text))
        )),
        Ok(url) if !matches!(url.scheme(), "http" | "https") => Some(format!(
            "must start with http:// or https://, not {}://",
            url.scheme()
        )),
        Ok(url) if url.host_str().is_none_or(str::is_empty) => {
            Some("must name a host, as in https://jira.example.com/…".into())
        }
        Ok(_) => None,
    }
}

/// OAuth endpoints carry secrets: https only, except on the loopback interface.
fn oauth_url_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("is required for OAuth".into());
    }
    if let Some(problem) = webhook_url_problem(text) {
        return Some(problem);
    }
    let url = url::Url::parse(text).ok()?;
    if url.scheme() == "http" && !is_loopback(&url) {
        return Some("must use https:// (http:// only for 127.0.0.1, ::1 or localhost)".into());
    }
    None
}

pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The content sample is a template (see `crate::template`): one that does not parse
/// is an error; one that does not render with the sample event (a variable this event
/// lacks) only a warning, since events differ. A JSON sample must render to JSON.
/// The warning for an empty content sample, after the field's name (the editor's
/// preview says it too).
pub const EMPTY_CONTENT_SAMPLE: &str = "is empty: VERIFY, and every event sent without a payload of its own, go out with an \
     empty body";

fn content_sample_problems(integration: &Integration) -> (Option<String>, Option<String>) {
    let sample = &integration.content_sample;
    if sample.trim().is_empty() {
        // Allowed (the scanner may send every event with a payload of its own), but
        // an empty POST arriving at a receiver is a puzzle worth saying in advance.
        return (None, Some(EMPTY_CONTENT_SAMPLE.into()));
    }
    let escaping = Escaping::detect(sample, integration.declares_json());
    let appliance = template::Appliance::new(template::SAMPLE_APPLIANCE);
    let rendered = match template::parse_and_render(sample, sample_event(), &appliance, escaping) {
        Ok(rendered) => rendered,
        Err(template::Failure::Parse(problem)) => {
            return (
                Some(format!(
                    "is not a valid template at line {}, column {}: {}",
                    problem.line, problem.column, problem.message
                )),
                None,
            );
        }
        Err(template::Failure::Render(problem)) => {
            return (
                None,
                Some(format!(
                    "does not render with the sample event: {problem} (events that have it will render)"
                )),
            );
        }
    };
    if escaping != Escaping::Json {
        return (None, None);
    }
    // Checked, not kept: no tree of values is built.
    let error = serde_json::from_str::<serde::de::IgnoredAny>(&rendered)
        .err()
        .map(|error| {
            let place = if rendered == *sample {
                "is not valid JSON"
            } else {
                "renders to invalid JSON (with the sample event)"
            };
            format!(
                "{place} at line {} column {}: {}",
                error.line(),
                error.column(),
                json_reason(&error)
            )
        });
    (error, None)
}

/// serde_json's message without its own " at line L column C" suffix.
fn json_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

fn date(moment: OffsetDateTime) -> String {
    moment
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_else(|_| moment.to_string())
}

/// Names are unique without regard to case or surrounding spaces.
pub fn names_match(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// What two names that match have in common: a key to index integrations by name
/// (`import` of thousands compared every pair, allocating each time).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An error when `name` is already taken by one of `others`.
pub fn check_unique_name<'a>(
    name: &str,
    mut others: impl Iterator<Item = &'a str>,
) -> Option<FieldError> {
    others.find(|other| names_match(other, name)).map(|other| {
        FieldError::new(
            Field::Name,
            format!("an integration named `{other}` already exists"),
        )
    })
}
