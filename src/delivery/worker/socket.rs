//! The enqueue socket: `<home>/worker.sock`, mode 0660. The appliance's services write
//! one JSON event per line ([`EventLine`]):
//!
//! ```text
//! {"integration": "…", "type": "…", "fields": {…}, "payload": …, "id": "…"}
//! ```
//!
//! `integration` and `type` are required; `fields` (a JSON object: the event's own
//! variables, e.g. `{"finding": {"name": …}}`), `payload` and `id` are optional. The
//! payload is rendered at enqueue; a template that does not render refuses the
//! event. An `id` makes a resend harmless: it is unique per
//! integration, so one event may go to several integrations under one id. Each line
//! is answered, in order, only after its commit (see [`EnqueueAnswer`]):
//! `{"ok":true,"id":"evt_…","integration":"…","status":"queued"}`, `"status":"duplicate"`
//! when the integration already has that very event (nothing queued twice), or
//! `{"ok":false,"error":"…"}` (with `field`, the key at fault, when there is one, and
//! `id` and `integration` when the id is taken by a different event).
//!
//! The line `{"status":true}` queues nothing: it is answered with who the worker is,
//! `{"ok":true,"worker":{"pid":…,"started_ms":…,"version":"…"}}` (`hookconsole
//! status` asks it, to tell a live worker from a stale file).
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
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

use super::writer::{WriterCommand, WriterSender};
use crate::accept::{AcceptBackoff, LOG_PERIOD, Occasional};
use crate::delivery::event_line::{
    EnqueueAnswer, EventError, EventLine, IntegrationTemplate, field_of_line_error,
};
use crate::model::Settings;
use crate::store::QueueError;
use crate::store::queue::{EnqueueStatus, Enqueued};
use crate::store::worker_presence::is_status_request;
use crate::template::Appliance;

/// Finds an integration's template by name, for [`EventLine::into_event`].
pub type TemplateLookup = Arc<dyn Fn(&str) -> Option<IntegrationTemplate> + Send + Sync>;

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

/// What the socket serves, shared by every connection.
pub struct Served {
    pub writer: WriterSender,
    pub templates: TemplateLookup,
    pub appliance: Appliance,
    /// Rung when an event is committed.
    pub enqueued: Arc<Notify>,
    pub limits: SocketLimits,
    /// The answer to the status request (`worker_presence::STATUS_REQUEST`): who this
    /// worker is.
    pub status_answer: String,
}

pub async fn serve(listener: UnixListener, served: Served, stop: CancellationToken) {
    let limits = served.limits;
    let shared = Arc::new(served);
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

/// Why a line queued nothing; the words are its answer's `error`.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("not an event: {0}")]
    NotAnEvent(serde_json::Error),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(
        "the line is longer than {0} bytes (socket_max_line_bytes): it is not read, and the \
         connection is closed"
    )]
    TooLong(usize),
    #[error("the line is not UTF-8 text: the connection is closed")]
    NotUtf8,
    #[error(transparent)]
    Queue(Arc<QueueError>),
}

/// The answer to one line, written in its turn after the lines before it: known at
/// once (a refusal), or when the writer has committed the event.
enum LineAnswer {
    /// The status request's answer.
    Status(String),
    Now(Refusal),
    Committed(oneshot::Receiver<Result<Vec<Enqueued>, Arc<QueueError>>>),
}

impl LineAnswer {
    async fn line(self, enqueued: &Notify) -> String {
        let answers = match self {
            LineAnswer::Status(line) => return line,
            LineAnswer::Now(refusal) => Err(refusal),
            LineAnswer::Committed(reply) => match reply.await {
                Ok(answers) => answers.map_err(Refusal::Queue),
                Err(_) => return refused("the worker is stopping"),
            },
        };
        match answers {
            Ok(answers) => {
                if answers
                    .iter()
                    .any(|one| one.status == EnqueueStatus::Queued)
                {
                    enqueued.notify_one();
                }
                match answers.first() {
                    Some(one) => EnqueueAnswer::of(one).to_line(),
                    None => refused("no event"),
                }
            }
            Err(refusal) => {
                let mut answer = serde_json::json!({"ok": false, "error": refusal.to_string()});
                // The key at fault, as `send --batch --json` names it.
                if let Some(field) = refusal.field() {
                    answer["field"] = field.into();
                }
                answer.to_string()
            }
        }
    }
}

impl Refusal {
    /// The key of the line at fault, when there is one.
    fn field(&self) -> Option<String> {
        match self {
            Refusal::NotAnEvent(error) => field_of_line_error(error),
            Refusal::Event(error) => Some(error.field().to_string()),
            Refusal::TooLong(_) | Refusal::NotUtf8 | Refusal::Queue(_) => None,
        }
    }
}

fn refused(error: &str) -> String {
    serde_json::json!({"ok": false, "error": error}).to_string()
}

async fn connection(
    stream: UnixStream,
    _place: OwnedSemaphorePermit,
    shared: Arc<Served>,
    stop: CancellationToken,
) {
    let (read, write) = stream.into_split();
    let (answers, mut pending) = mpsc::unbounded_channel::<LineAnswer>();
    let enqueued = shared.enqueued.clone();
    let replier = tokio::spawn(async move {
        let mut out = BufWriter::new(write);
        while let Some(answer) = pending.recv().await {
            let mut text = answer.line(&enqueued).await;
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
                let refusal = Refusal::TooLong(limits.max_line_bytes);
                let _ = answers.send(LineAnswer::Now(refusal));
                break;
            }
            Ok(Some(Err(LinesCodecError::Io(error))))
                if error.kind() == std::io::ErrorKind::InvalidData =>
            {
                let _ = answers.send(LineAnswer::Now(Refusal::NotUtf8));
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
        if is_status_request(&line) {
            let status = LineAnswer::Status(shared.status_answer.clone());
            if answers.send(status).is_err() {
                break;
            }
            continue;
        }
        let event = EventLine::from_json(&line)
            .map_err(Refusal::NotAnEvent)
            .and_then(|parsed| {
                let templates = |name: &str| (shared.templates)(name);
                Ok(parsed.into_event(None, templates, &shared.appliance)?)
            });
        let answer = match event {
            Ok(event) => {
                let (reply, committed) = oneshot::channel();
                if shared
                    .writer
                    .send(WriterCommand::Enqueue(vec![event], reply))
                    .is_err()
                {
                    break;
                }
                LineAnswer::Committed(committed)
            }
            Err(refusal) => LineAnswer::Now(refusal),
        };
        if answers.send(answer).is_err() {
            break;
        }
    }
    drop(answers);
    let _ = replier.await;
}
