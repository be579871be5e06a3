//! Payload templates: a content sample or an event payload is a MiniJinja template
//! rendered with the event's variables when the event is queued (and with
//! [`sample_event`] for VERIFY and the editor's preview). Pure: no files, no network.
//!
//! Variables: `event.id`, `event.type`, `event.time` (RFC 3339, UTC),
//! `appliance.name`, and the event's own fields at the top level (`finding.name`,
//! `scan.name`, …); `event` and `appliance` win over fields of the same name.
//! Printing a variable that does not exist is an error naming it; testing it
//! (`{% if finding %}`) is not.
//!
//! A template whose first non-blank character is `{` or `[` — not a `{{`, `{%` or `{#`
//! tag — (or one sent with a JSON Content-Type) is JSON: every printed string is escaped as the contents of a JSON
//! string, so `"summary": "{{ finding.name }}"` stays valid JSON whatever the name
//! holds; numbers, booleans and none print as JSON literals; `| tojson` prints a whole
//! value as JSON. Other templates print values as they are.

use std::collections::BTreeMap;
use std::fmt;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value, ValueKind};
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, escape_formatter};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The name of our auto-escape format, and of the template that uses it.
const JSON_FORMAT: &str = "json";
const TEXT_NAME: &str = "text";
/// Instructions one rendering may run: a real payload needs a few hundred.
const TEMPLATE_FUEL: u64 = 200_000;

/// The event a template is rendered for.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub time: OffsetDateTime,
    /// The event's own fields, each a top-level variable.
    pub fields: Map<String, Json>,
}

/// The appliance sending the event: `appliance.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appliance {
    pub name: String,
}

impl Appliance {
    pub fn new(name: impl Into<String>) -> Appliance {
        Appliance { name: name.into() }
    }

    /// The settings' hostname when one is set, else the machine's hostname (the one
    /// place here that asks the system anything).
    pub fn local(configured: Option<&str>) -> Appliance {
        match configured.map(str::trim).filter(|name| !name.is_empty()) {
            Some(name) => Appliance::new(name),
            None => Appliance::new(gethostname::gethostname().to_string_lossy().trim()),
        }
    }
}

/// How printed values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escaping {
    /// As the contents of a JSON string.
    Json,
    /// Not at all.
    Plain,
}

impl Escaping {
    /// JSON when the template starts with `{` or `[` (a `{{`, `{%` or `{#` tag is not
    /// a JSON object), or the request declares a JSON Content-Type.
    pub fn detect(template: &str, declares_json: bool) -> Escaping {
        let start = template.trim_start();
        let tag = start.starts_with("{{") || start.starts_with("{%") || start.starts_with("{#");
        if declares_json || (start.starts_with(['{', '[']) && !tag) {
            Escaping::Json
        } else {
            Escaping::Plain
        }
    }
}

/// A template that does not parse, or does not render: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// 1-based line of the template.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, e.g. "undefined variable `finding.nmae`".
    pub message: String,
    /// True for a syntax error (the template cannot be parsed at all); false for an
    /// error while rendering it with an event (a missing variable, a bad filter
    /// argument), which another event might not have.
    pub syntax: bool,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for TemplateError {}

/// Renders `template` for `event`, escaping as its first character says.
pub fn render(
    template: &str,
    event: &Event,
    appliance: &Appliance,
) -> Result<String, TemplateError> {
    render_with(
        template,
        event,
        appliance,
        Escaping::detect(template, false),
    )
}

/// Renders `template` for `event` with the given escaping.
pub fn render_with(
    template: &str,
    event: &Event,
    appliance: &Appliance,
    escaping: Escaping,
) -> Result<String, TemplateError> {
    parse_and_render(template, event, appliance, escaping).map_err(|failure| match failure {
        Failure::Parse(error) | Failure::Render(error) => error,
    })
}

/// Where a template failed: it does not parse (any event would fail), or it parses
/// and did not render with this event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Parse(TemplateError),
    Render(TemplateError),
}

/// [`render_with`], telling a template that does not parse from one that did not
/// render, with one parse (validation does this for every integration each time the
/// file is read).
pub fn parse_and_render(
    template: &str,
    event: &Event,
    appliance: &Appliance,
    escaping: Escaping,
) -> Result<String, Failure> {
    // Text without a tag renders to itself: the bulk of socket events (payloads given
    // whole) skip the parse.
    if !has_tags(template) {
        return Ok(template.to_string());
    }
    let env = environment();
    let compiled = env
        .template_from_named_str(template_name(escaping), template)
        .map_err(|error| Failure::Parse(template_error(template, &error)))?;
    compiled
        .render(context(event, appliance))
        .map_err(|error| Failure::Render(template_error(template, &error)))
}

/// True when `text` holds template syntax: a `{{`, `{%` or `{#` tag opening.
pub fn has_tags(text: &str) -> bool {
    ["{{", "{%", "{#"].iter().any(|tag| text.contains(tag))
}

/// The sample event of VERIFY and the editor's preview: a finding, from
/// `assets/sample-event.json`, read once.
pub fn sample_event() -> &'static Event {
    static SAMPLE: std::sync::OnceLock<Event> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(read_sample_event)
}

fn read_sample_event() -> Event {
    #[derive(Deserialize)]
    struct SampleFile {
        id: String,
        #[serde(rename = "type")]
        event_type: String,
        #[serde(with = "time::serde::rfc3339")]
        time: OffsetDateTime,
        fields: Map<String, Json>,
    }
    let sample: SampleFile = serde_json::from_str(include_str!("../assets/sample-event.json"))
        .expect("assets/sample-event.json is a valid event (a unit test checks it)");
    Event {
        id: sample.id,
        event_type: sample.event_type,
        time: sample.time,
        fields: sample.fields,
    }
}

/// The appliance name VERIFY and the preview use when none is known.
pub const SAMPLE_APPLIANCE: &str = "hiab.example.com";

fn template_name(escaping: Escaping) -> &'static str {
    match escaping {
        Escaping::Json => JSON_FORMAT,
        Escaping::Plain => TEXT_NAME,
    }
}

/// The one environment every rendering uses: built once, not per event.
fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENVIRONMENT.get_or_init(build_environment)
}

fn build_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    // A template in an event line comes from another service: a loop over a huge range
    // must end with an error, not hold the worker's CPU.
    env.set_fuel(Some(TEMPLATE_FUEL));
    // A sample without tags is sent byte for byte as it was, final line break included.
    if let Ok(syntax) = SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    // Debug mode names the undefined expression in the error ("`finding.nmae` is
    // undefined") in release builds too.
    env.set_debug(true);
    env.set_auto_escape_callback(|name| {
        if name == JSON_FORMAT {
            AutoEscape::Custom(JSON_FORMAT.into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        let json = matches!(state.auto_escape(), AutoEscape::Custom(name) if name == JSON_FORMAT);
        if !json || value.is_safe() {
            return escape_formatter(out, state, value);
        }
        match value.kind() {
            ValueKind::Number => write!(out, "{value}"),
            // MiniJinja shows booleans as Python does (True); JSON wants true.
            ValueKind::Bool => out.write_str(if value.is_true() { "true" } else { "false" }),
            ValueKind::None => out.write_str("null"),
            // Only the missing `else` of an inline `if` gets here: it prints nothing.
            ValueKind::Undefined => Ok(()),
            _ => out.write_str(&json_string_contents(&value.to_string())),
        }
        .map_err(|_| minijinja::Error::new(ErrorKind::WriteFailure, "cannot write the output"))
    });
    env
}

/// `text` escaped as the inside of a JSON string: quotes, backslashes and control
/// characters escaped, everything else (unicode included) kept.
fn json_string_contents(text: &str) -> String {
    let quoted = Json::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// The variables: the event's fields, then `event` and `appliance` over them.
fn context(event: &Event, appliance: &Appliance) -> Value {
    let mut variables: BTreeMap<String, Value> = event
        .fields
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(Serde(value))))
        .collect();
    let time = event
        .time
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default();
    let event_variables = BTreeMap::from([
        ("id", Value::from(event.id.as_str())),
        ("type", Value::from(event.event_type.as_str())),
        ("time", Value::from(time)),
    ]);
    variables.insert("event".into(), Value::from(event_variables));
    variables.insert(
        "appliance".into(),
        Value::from(BTreeMap::from([(
            "name",
            Value::from(appliance.name.as_str()),
        )])),
    );
    Value::from(variables)
}

fn template_error(source: &str, error: &minijinja::Error) -> TemplateError {
    let range = error.range();
    let line = error
        .line()
        .or_else(|| range.as_ref().map(|r| line_of(source, r.start)))
        .unwrap_or(1);
    let column = range.map_or(1, |r| column_of(source, r.start));
    TemplateError {
        line,
        column,
        message: message(error),
        syntax: error.kind() == ErrorKind::SyntaxError,
    }
}

fn message(error: &minijinja::Error) -> String {
    let detail = error.detail().unwrap_or_default();
    if error.kind() == ErrorKind::UndefinedError {
        // MiniJinja's detail names the expression: "`finding.nmae` is undefined".
        let name = detail
            .strip_prefix('`')
            .and_then(|rest| rest.split_once("` is undefined"))
            .map(|(name, _)| name);
        return match name {
            Some(name) => format!("undefined variable `{name}`"),
            None if detail.is_empty() => "undefined variable".into(),
            None => format!("undefined variable ({detail})"),
        };
    }
    if detail.is_empty() {
        error.kind().to_string()
    } else {
        format!("{}: {detail}", error.kind())
    }
}

/// The 1-based line holding byte `offset`.
fn line_of(source: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(source, offset);
    source[..offset].matches('\n').count() + 1
}

/// The 1-based column, in characters, of byte `offset` within its line.
fn column_of(source: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(source, offset);
    let line_start = source[..offset].rfind('\n').map_or(0, |at| at + 1);
    source[line_start..offset].chars().count() + 1
}

fn floor_char_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_event_parses() {
        let event = sample_event();
        assert_eq!(event.event_type, "finding.created");
        assert!(event.fields["finding"]["name"].is_string());
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = "ab\ncafé {{ x }}";
        let offset = source.find("{{").expect("present");
        assert_eq!((line_of(source, offset), column_of(source, offset)), (2, 6));
    }
}
