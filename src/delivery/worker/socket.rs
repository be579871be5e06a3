//! The enqueue socket: `<home>/worker.sock`, mode 0660. The appliance's services write
//! one JSON event per line:
//!
//! ```text
//! {"integration": "…", "type": "…", "fields": {…}, "payload": …, "id": "…"}
//! ```
//!
//! `integration` and `type` are required; `fields` (a JSON object: the event's own
//! variables, e.g. `{"finding": {"name": …}}`), `payload` and `id` are optional. A
//! payload given as a string is a template (see [`crate::template`]); a payload given
//! as any other JSON value is data, sent as its JSON text without rendering (scan
//! evidence may contain `{{…}}`); without one, the integration's content sample is the
//! template.
//! It is rendered here, at enqueue, so that the queue holds exactly the body that is
//! sent and every retry or replay sends the same bytes; a template that does not
//! render refuses the event. An `id` makes a resend harmless: it is unique per
//! integration, so one event may go to several integrations under one id. Each line
//! is answered, in order, only after its commit (see [`EnqueueAnswer`]):
//! `{"ok":true,"id":"evt_…","integration":"…","status":"queued"}`, `"status":"duplicate"`
//! when the integration already has that very event (nothing queued twice), or
//! `{"ok":false,"error":"…"}` (with `id` and `integration` when the id is taken by a
//! different event).

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::writer::{WriterCommand, WriterSender};
use crate::model::Integration;
use crate::store::queue::{EnqueueStatus, Enqueued, NewEvent, fingerprint, new_event_id};
use crate::template::{Appliance, Escaping, Event, render_with};

/// One line on the socket or of `send --batch`.
#[derive(Debug, Deserialize)]
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
pub struct Target {
    pub content_sample: String,
    pub declares_json: bool,
}

impl Target {
    pub fn of(integration: &Integration) -> Target {
        Target {
            content_sample: integration.content_sample.clone(),
            declares_json: integration.declares_json(),
        }
    }
}

impl EventLine {
    /// The event, for `default_integration` when the line names none, with its payload
    /// rendered: `target` gives what is needed of an integration (`None`: there is no
    /// such integration). An error says what to fix, naming the field.
    pub fn into_event(
        self,
        default_integration: Option<&str>,
        target: impl Fn(&str) -> Option<Target>,
        appliance: &Appliance,
    ) -> Result<NewEvent, String> {
        let integration = self
            .integration
            .or_else(|| default_integration.map(String::from))
            .ok_or("the event names no integration (`integration`)")?;
        if self.event_type.trim().is_empty() {
            return Err("the event has no type (`type`)".into());
        }
        let fields = match self.fields {
            None | Some(serde_json::Value::Null) => serde_json::Map::new(),
            Some(serde_json::Value::Object(fields)) => fields,
            Some(other) => {
                return Err(format!(
                    "`fields` must be a JSON object, as in {{\"finding\": {{\"name\": \"…\"}}}}, not {}",
                    json_kind(&other)
                ));
            }
        };
        let found =
            target(&integration).ok_or_else(|| format!("no integration named `{integration}`"))?;
        // Only an id the sender chose can be sent again; a made one is new each time.
        let fingerprint = self.id.is_some().then(|| {
            fingerprint(&serde_json::json!({ "fields": fields, "payload": self.payload }))
        });
        let (template, source) = match self.payload {
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
        let escaping = Escaping::detect(&template, found.declares_json);
        let payload = render_with(&template, &event, appliance, escaping)
            .map_err(|error| format!("{source}, {error}"))?;
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

/// Finds an integration by name, for [`EventLine::into_event`].
pub type Targets = Arc<dyn Fn(&str) -> Option<Target> + Send + Sync>;

pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    // The worker lock is held: a socket file left here is a dead worker's.
    let _ = std::fs::remove_file(path);
    // The mode comes from the umask at bind time rather than a chmod by path
    // afterwards, which would follow a link planted in between.
    // SAFETY: umask only swaps the process's file creation mask.
    let previous = unsafe { libc::umask(0o117) };
    let bound = UnixListener::bind(path);
    unsafe { libc::umask(previous) };
    let listener = bound?;
    crate::store::adopt_directory_owner(path);
    Ok(listener)
}

pub async fn serve(
    listener: UnixListener,
    writer: WriterSender,
    targets: Targets,
    appliance: Appliance,
    enqueued: Arc<Notify>,
    stop: CancellationToken,
) {
    let appliance = Arc::new(appliance);
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                let stop = stop.clone();
                tokio::spawn(connection(
                    stream,
                    writer.clone(),
                    targets.clone(),
                    appliance.clone(),
                    enqueued.clone(),
                    stop,
                ));
            }
            Err(error) => tracing::warn!(%error, "the enqueue socket refused a connection"),
        }
    }
}

type Answer = oneshot::Receiver<Result<Vec<Enqueued>, String>>;

async fn connection(
    stream: UnixStream,
    writer: WriterSender,
    targets: Targets,
    appliance: Arc<Appliance>,
    enqueued: Arc<Notify>,
    stop: CancellationToken,
) {
    let (read, write) = stream.into_split();
    let (answers, mut pending) = mpsc::unbounded_channel::<Answer>();
    let replier = tokio::spawn(async move {
        let mut out = BufWriter::new(write);
        while let Some(answer) = pending.recv().await {
            let mut text = match answer.await {
                Ok(Ok(answers)) => {
                    let queued = answers
                        .iter()
                        .any(|one| one.status == EnqueueStatus::Queued);
                    if queued {
                        enqueued.notify_one();
                    }
                    match answers.first() {
                        Some(one) => EnqueueAnswer::of(one).to_line(),
                        None => serde_json::json!({"ok": false, "error": "no event"}).to_string(),
                    }
                }
                Ok(Err(error)) => serde_json::json!({"ok": false, "error": error}).to_string(),
                Err(_) => {
                    serde_json::json!({"ok": false, "error": "the worker is stopping"}).to_string()
                }
            };
            text.push('\n');
            if out.write_all(text.as_bytes()).await.is_err() {
                return;
            }
            if pending.is_empty() && out.flush().await.is_err() {
                return;
            }
        }
        let _ = out.flush().await;
    });
    let mut lines = BufReader::new(read).lines();
    loop {
        let line = tokio::select! {
            () = stop.cancelled() => break,
            line = lines.next_line() => match line {
                Ok(Some(line)) => line,
                _ => break,
            },
        };
        if line.trim().is_empty() {
            continue;
        }
        let (reply, answer) = oneshot::channel();
        let event = serde_json::from_str::<EventLine>(&line)
            .map_err(|error| format!("not an event: {error}"))
            .and_then(|parsed| parsed.into_event(None, |name| targets(name), &appliance));
        match event {
            Ok(event) => {
                if writer
                    .send(WriterCommand::Enqueue(vec![event], reply))
                    .is_err()
                {
                    break;
                }
            }
            Err(error) => {
                let _ = reply.send(Err(error));
            }
        }
        if answers.send(answer).is_err() {
            break;
        }
    }
    drop(answers);
    let _ = replier.await;
}
