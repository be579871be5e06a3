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
//!
//! A client may keep its connection and write event after event, within bounds (the
//! settings `socket_*`, see [`SocketLimits`]): a line longer than the limit is answered
//! with an error and its connection closed, a connection silent for the idle timeout
//! is closed, and a client beyond the cap is answered `too many connections` and
//! closed. Out of descriptors, the accept loop pauses ([`crate::accept`]). A clean stop
//! removes the socket file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

use super::writer::{WriterCommand, WriterSender};
use crate::accept::{AcceptBackoff, LOG_PERIOD, Occasional};
use crate::model::{Integration, Settings};
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

/// The socket's file, removed when this is dropped: when the scheduler ends, while
/// the worker still holds its lock (after it, the file could be a new worker's).
pub struct SocketFile(pub PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        match std::fs::remove_file(&self.0) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::warn!(%error, path = %self.0.display(), "the socket file stays")
            }
        }
    }
}

/// What one client may take of the worker: the settings `socket_max_connections`,
/// `socket_max_line_bytes` and `socket_idle_timeout`.
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    /// Clients served at once; one more is told so and closed.
    pub max_connections: usize,
    /// The longest line read; a longer one is refused and its connection closed.
    pub max_line_bytes: usize,
    /// How long a client may stay silent before its connection is closed.
    pub idle_timeout: Duration,
}

impl SocketLimits {
    pub fn from_settings(settings: &Settings) -> SocketLimits {
        SocketLimits {
            max_connections: settings.effective_socket_max_connections() as usize,
            max_line_bytes: settings.effective_socket_max_line_bytes() as usize,
            idle_timeout: Duration::from_secs(settings.effective_socket_idle_timeout().into()),
        }
    }
}

/// What every connection shares.
struct Shared {
    writer: WriterSender,
    targets: Targets,
    appliance: Appliance,
    enqueued: Arc<Notify>,
    limits: SocketLimits,
}

pub async fn serve(
    listener: UnixListener,
    limits: SocketLimits,
    writer: WriterSender,
    targets: Targets,
    appliance: Appliance,
    enqueued: Arc<Notify>,
    stop: CancellationToken,
) {
    let shared = Arc::new(Shared {
        writer,
        targets,
        appliance,
        enqueued,
        limits,
    });
    // Each connection holds a place (and a descriptor) while it lasts.
    let places = Arc::new(Semaphore::new(limits.max_connections));
    let mut failures = AcceptBackoff::new("the enqueue socket");
    let mut refusals = Occasional::new(LOG_PERIOD);
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                let pause = failures.pause_after(&error);
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(pause) => continue,
                }
            }
        };
        failures.accepted();
        let Ok(place) = places.clone().try_acquire_owned() else {
            refuse(&stream, limits.max_connections);
            if let Some(unlogged) = refusals.due() {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    refused_not_logged = unlogged,
                    "the enqueue socket refused a client: it serves socket_max_connections at once (logged once a minute at most)"
                );
            }
            continue;
        };
        tokio::spawn(connection(stream, place, shared.clone(), stop.clone()));
    }
}

/// Tells a client past the cap why it is closed. Not awaited: one short line fits in
/// the empty send buffer of a new connection, and the accept loop must not wait on a
/// client that does not read.
fn refuse(stream: &UnixStream, max_connections: usize) {
    let answer = serde_json::json!({
        "ok": false,
        "error": format!(
            "too many connections: the worker serves {max_connections} at once \
             (socket_max_connections); try again later"
        ),
    });
    let _ = stream.try_write(format!("{answer}\n").as_bytes());
}

type Answer = oneshot::Receiver<Result<Vec<Enqueued>, String>>;

/// An answer known at once (an error), in its turn after the lines before it.
fn answer_now(answer: Result<Vec<Enqueued>, String>) -> Answer {
    let (reply, receiver) = oneshot::channel();
    let _ = reply.send(answer);
    receiver
}

async fn connection(
    stream: UnixStream,
    _place: OwnedSemaphorePermit,
    shared: Arc<Shared>,
    stop: CancellationToken,
) {
    let (read, write) = stream.into_split();
    let (answers, mut pending) = mpsc::unbounded_channel::<Answer>();
    let enqueued = shared.enqueued.clone();
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
    let limits = shared.limits;
    // Reads at most the limit (and a read's worth) of a line: a longer one is refused
    // before it is held, not after.
    let mut lines = FramedRead::new(read, LinesCodec::new_with_max_length(limits.max_line_bytes));
    loop {
        let next = tokio::select! {
            () = stop.cancelled() => break,
            next = tokio::time::timeout(limits.idle_timeout, lines.next()) => next,
        };
        let line = match next {
            Ok(Some(Ok(line))) => line,
            Ok(Some(Err(LinesCodecError::MaxLineLengthExceeded))) => {
                let _ = answers.send(answer_now(Err(format!(
                    "the line is longer than {} bytes (socket_max_line_bytes): it is not \
                     read, and the connection is closed",
                    limits.max_line_bytes
                ))));
                break;
            }
            Ok(Some(Err(LinesCodecError::Io(error))))
                if error.kind() == std::io::ErrorKind::InvalidData =>
            {
                let _ = answers.send(answer_now(Err(
                    "the line is not UTF-8 text: the connection is closed".into(),
                )));
                break;
            }
            Ok(Some(Err(LinesCodecError::Io(error)))) => {
                tracing::debug!(%error, "an enqueue socket connection failed");
                break;
            }
            // The client closed its side.
            Ok(None) => break,
            Err(_) => {
                tracing::debug!(
                    idle_timeout_s = limits.idle_timeout.as_secs(),
                    "closed an enqueue socket connection that stayed silent"
                );
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let (reply, answer) = oneshot::channel();
        let event = serde_json::from_str::<EventLine>(&line)
            .map_err(|error| format!("not an event: {error}"))
            .and_then(|parsed| {
                parsed.into_event(None, |name| (shared.targets)(name), &shared.appliance)
            });
        match event {
            Ok(event) => {
                if shared
                    .writer
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
