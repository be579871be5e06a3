//! The enqueue socket: `<home>/worker.sock`, mode 0660. The appliance's services write
//! one JSON event per line, `{"integration": "…", "type": "…", "payload": …}` (an
//! optional `"id"` makes a resend harmless); each line is answered, in order, only
//! after its commit: `{"ok":true,"id":"evt_…"}` or `{"ok":false,"error":"…"}`.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::writer::{WriterCommand, WriterSender};
use crate::store::queue::NewEvent;

/// One line on the socket or of `send --batch`.
#[derive(Debug, Deserialize)]
pub struct EventLine {
    #[serde(default)]
    pub id: Option<String>,
    pub integration: Option<String>,
    #[serde(rename = "type", alias = "event")]
    pub event_type: String,
    /// Any JSON; a string is sent as it is.
    #[serde(default)]
    pub payload: Option<serde_json::Value>,
}

impl EventLine {
    /// The event, for `default_integration` when the line names none; `sample` gives
    /// the content sample of an integration for a line without a payload.
    pub fn into_event(
        self,
        default_integration: Option<&str>,
        sample: impl Fn(&str) -> Option<String>,
    ) -> Result<NewEvent, String> {
        let integration = self
            .integration
            .or_else(|| default_integration.map(String::from))
            .ok_or("the event names no integration")?;
        let payload = match self.payload {
            Some(serde_json::Value::String(text)) => text,
            Some(value) => value.to_string(),
            None => sample(&integration)
                .ok_or_else(|| format!("no integration named `{integration}`"))?,
        };
        if self.event_type.trim().is_empty() {
            return Err("the event has no type".into());
        }
        Ok(NewEvent {
            id: self.id,
            integration,
            event_type: self.event_type,
            payload,
        })
    }
}

/// Tells whether an integration exists, and gives its content sample.
pub type Samples = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    // The worker lock is held: a socket file left here is a dead worker's.
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

pub async fn serve(
    listener: UnixListener,
    writer: WriterSender,
    samples: Samples,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                let stop = stop.clone();
                tokio::spawn(connection(stream, writer.clone(), samples.clone(), stop));
            }
            Err(error) => tracing::warn!(%error, "the enqueue socket refused a connection"),
        }
    }
}

type Answer = oneshot::Receiver<Result<Vec<String>, String>>;

async fn connection(
    stream: UnixStream,
    writer: WriterSender,
    samples: Samples,
    stop: CancellationToken,
) {
    let (read, write) = stream.into_split();
    let (answers, mut pending) = mpsc::unbounded_channel::<Answer>();
    let replier = tokio::spawn(async move {
        let mut out = BufWriter::new(write);
        while let Some(answer) = pending.recv().await {
            let line = match answer.await {
                Ok(Ok(ids)) => serde_json::json!({"ok": true, "id": ids.first()}),
                Ok(Err(error)) => serde_json::json!({"ok": false, "error": error}),
                Err(_) => serde_json::json!({"ok": false, "error": "the worker is stopping"}),
            };
            let mut text = line.to_string();
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
            .and_then(|parsed| parsed.into_event(None, |name| samples(name)))
            .and_then(|event| {
                if samples(&event.integration).is_some() {
                    Ok(event)
                } else {
                    Err(format!("no integration named `{}`", event.integration))
                }
            });
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
