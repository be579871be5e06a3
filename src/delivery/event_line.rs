//! One event as a line of JSON, as the enqueue socket and `send --batch` read it, and
//! the answer to it:
//!
//! ```text
//! {"integration": "…", "type": "…", "fields": {…}, "payload": …, "id": "…"}
//! ```
//!
//! A payload given as a string is a template (see [`crate::template`]); a payload given
//! as any other JSON value is data, sent as its JSON text without rendering (scan
//! evidence may contain `{{…}}`); without one, the integration's content sample is the
//! template. It is rendered here, at enqueue, so that the queue holds exactly the body
//! that is sent and every retry or replay sends the same bytes.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::Integration;
use crate::store::queue::{Enqueued, NewEvent, fingerprint, new_event_id};
use crate::template::{Appliance, Escaping, Event, TemplateError, render_with};

/// Why an event line makes no event; each names the field to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the event names no integration (`integration`)")]
    NoIntegration,
    #[error("the event has no type (`type`)")]
    NoType,
    #[error(
        "`fields` must be a JSON object, as in {{\"finding\": {{\"name\": \"…\"}}}}, not {kind}"
    )]
    FieldsNotAnObject { kind: &'static str },
    #[error("no integration named `{0}`")]
    UnknownIntegration(String),
    /// The id is sent as the `Webhook-Id` header, and shown in the log and on screen.
    #[error(
        "`id` must be printable ASCII, not empty and without control characters (it is \
         sent as the Webhook-Id header); leave it out for a new one"
    )]
    BadId,
    #[error("`type` must not contain control characters or line breaks")]
    BadType,
    /// The template (`payload`, or the integration's content sample) does not render.
    #[error("{template}, {error}")]
    Template {
        /// "`payload`", or "the Content Sample of `NAME`".
        template: String,
        error: TemplateError,
    },
}

impl EventError {
    /// The key of the event line at fault, for an answer that names it (`--json`).
    pub fn field(&self) -> &'static str {
        match self {
            EventError::NoIntegration => "integration",
            // As every command names an unknown integration (`name`).
            EventError::UnknownIntegration(_) => "name",
            EventError::NoType | EventError::BadType => "type",
            EventError::BadId => "id",
            EventError::FieldsNotAnObject { .. } => "fields",
            EventError::Template { template, .. } if template == "`payload`" => "payload",
            // The integration's content sample: its own field, not the line's.
            EventError::Template { .. } => "content_sample",
        }
    }
}

/// The key of the event line that serde's error names (`missing field `type``,
/// `unknown field `payloads``), for an answer that names it; none for a line that is
/// not JSON. serde gives no structured field: its words are read, and a message that
/// names none gives none, never a wrong one.
pub fn field_of_line_error(error: &serde_json::Error) -> Option<String> {
    let message = error.to_string();
    if !message.contains("field `") {
        return None;
    }
    message.split('`').nth(1).map(str::to_string)
}

/// One line on the socket or of `send --batch`. A key it does not know is refused
/// (`unknown field `payloads`, expected one of …`): a misspelt `payload` or `fields`
/// would otherwise send the content sample with nothing filled in, and say it was
/// queued.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventLine {
    #[serde(default)]
    pub id: Option<String>,
    pub integration: Option<String>,
    #[serde(rename = "type", alias = "event")]
    pub event_type: String,
    /// The event's own fields, a JSON object: the template's variables.
    #[serde(default)]
    pub fields: Option<serde_json::Value>,
    /// A string is a template; any other JSON value is sent as its text, unrendered.
    #[serde(default)]
    pub payload: Option<serde_json::Value>,
}

/// What enqueueing needs of an integration: its content sample (the template of an
/// event without a payload) and whether its headers declare a JSON body.
#[derive(Debug, Clone)]
pub struct IntegrationTemplate {
    /// The integration's name as stored: the queue keys events and jobs by it, so a
    /// line naming it in another case (`JIRA`, `jira `) is queued under this one.
    pub name: String,
    pub content_sample: String,
    pub declares_json: bool,
}

impl IntegrationTemplate {
    pub fn of(integration: &Integration) -> IntegrationTemplate {
        IntegrationTemplate {
            name: integration.name.clone(),
            content_sample: integration.content_sample.clone(),
            declares_json: integration.declares_json(),
        }
    }
}

impl EventLine {
    /// Parses one line. Only a JSON object is an event line: serde would also take an
    /// array for the fields in their order (`["id", "jira", "t"]`), a form nobody
    /// documents and a typo can produce.
    pub fn from_json(line: &str) -> Result<EventLine, serde_json::Error> {
        if !line.trim_start().starts_with('{') {
            return Err(<serde_json::Error as serde::de::Error>::custom(
                "an event line is a JSON object: {\"integration\": …, \"type\": …}",
            ));
        }
        serde_json::from_str(line)
    }

    /// The event, for `default_integration` when the line names none, with its payload
    /// rendered: `template` gives what is needed of an integration (`None`: there is
    /// no such integration).
    pub fn into_event(
        self,
        default_integration: Option<&str>,
        template: impl Fn(&str) -> Option<IntegrationTemplate>,
        appliance: &Appliance,
    ) -> Result<NewEvent, EventError> {
        let integration = self
            .integration
            .or_else(|| default_integration.map(String::from))
            .ok_or(EventError::NoIntegration)?;
        if self.event_type.trim().is_empty() {
            return Err(EventError::NoType);
        }
        if self.event_type.contains(char::is_control) {
            return Err(EventError::BadType);
        }
        if let Some(id) = &self.id
            && (id.trim().is_empty() || !id.bytes().all(|byte| (b' '..=b'~').contains(&byte)))
        {
            return Err(EventError::BadId);
        }
        let fields = match self.fields {
            None | Some(serde_json::Value::Null) => serde_json::Map::new(),
            Some(serde_json::Value::Object(fields)) => fields,
            Some(other) => {
                return Err(EventError::FieldsNotAnObject {
                    kind: json_kind(&other),
                });
            }
        };
        let found = template(&integration)
            .ok_or_else(|| EventError::UnknownIntegration(integration.clone()))?;
        let integration = found.name;
        // Only an id the sender chose can be sent again; a made one is new each time.
        let fingerprint = self.id.is_some().then(|| {
            fingerprint(&serde_json::json!({ "fields": fields, "payload": self.payload }))
        });
        let (text, source) = match self.payload {
            Some(serde_json::Value::String(text)) => (text, "`payload`".to_string()),
            // A JSON value is data (scan evidence may hold `{{7*7}}`): sent as it is.
            Some(value) => {
                return Ok(NewEvent {
                    id: Some(self.id.unwrap_or_else(new_event_id)),
                    integration,
                    event_type: self.event_type,
                    payload: value.to_string(),
                    fingerprint,
                });
            }
            None => (
                found.content_sample,
                format!("the Content Sample of `{integration}`"),
            ),
        };
        let event = Event {
            id: self.id.unwrap_or_else(new_event_id),
            event_type: self.event_type,
            time: OffsetDateTime::now_utc(),
            fields,
        };
        let escaping = Escaping::detect(&text, found.declares_json);
        let payload = render_with(&text, &event, appliance, escaping).map_err(|error| {
            EventError::Template {
                template: source,
                error,
            }
        })?;
        Ok(NewEvent {
            id: Some(event.id),
            integration,
            event_type: event.event_type,
            payload,
            fingerprint,
        })
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The answer to one event, as the socket writes it and `send --json` prints it. The
/// shape is stable: `id`, `integration`, `ok`, then `status` (`queued` or `duplicate`)
/// when the event was taken, or `error` when it was refused. It borrows what it shows:
/// the socket writes one per event.
#[derive(Debug, Serialize)]
pub struct EnqueueAnswer<'a> {
    id: &'a str,
    integration: &'a str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<'a> EnqueueAnswer<'a> {
    pub fn of(enqueued: &'a Enqueued) -> EnqueueAnswer<'a> {
        let error = enqueued.refusal();
        EnqueueAnswer {
            id: &enqueued.id,
            integration: &enqueued.integration,
            ok: error.is_none(),
            status: error.is_none().then(|| enqueued.status.as_str()),
            error,
        }
    }

    /// One line of JSON, without its line break.
    pub fn to_line(&self) -> String {
        // Strings and a bool: nothing here can fail to serialize.
        serde_json::to_string(self).unwrap_or_else(|error| {
            serde_json::json!({"ok": false, "error": error.to_string()}).to_string()
        })
    }
}
