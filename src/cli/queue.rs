//! `send`, `send --batch`, `worker` and `replay`: the delivery queue from the command
//! line. `send` writes to the queue database directly (a running worker picks the
//! events up); the appliance's services use the worker's socket instead.

use std::io::{BufRead, Read};
use std::path::Path;

use tokio_util::sync::CancellationToken;

use super::{CliError, CliResult};
use crate::delivery::worker::{self, EventLine, WorkerError, WorkerOptions};
use crate::store::queue::NewEvent;
use crate::store::{Catalog, IntegrationStore, Locations, Queue, StoreError};

pub fn send(
    locations: &Locations,
    name: Option<&str>,
    event: Option<&str>,
    file: Option<&Path>,
    batch: bool,
) -> CliResult {
    let catalog = IntegrationStore::new(locations.integrations_file()).load()?;
    let events = if batch {
        batch_events(&catalog, name)?
    } else {
        let name =
            name.ok_or_else(|| CliError::input("name the integration: send NAME --event TYPE"))?;
        let integration = catalog
            .get(name)
            .ok_or_else(|| CliError::Failed(StoreError::NotFound(name.into()).into()))?;
        let payload = match file {
            None => integration.content_sample.clone(),
            Some(path) if path == Path::new("-") => {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                text
            }
            Some(path) => std::fs::read_to_string(path)
                .map_err(|error| CliError::input(format!("{}: {error}", path.display())))?,
        };
        let event_type = event.unwrap_or_default().trim();
        if event_type.is_empty() {
            return Err(CliError::input(
                "--event: give the event type, e.g. scan.finished",
            ));
        }
        vec![NewEvent {
            id: None,
            integration: integration.name.clone(),
            event_type: event_type.to_string(),
            payload,
        }]
    };
    let mut queue = Queue::open(&locations.queue_database()).map_err(anyhow::Error::from)?;
    let ids = queue.enqueue(&events).map_err(anyhow::Error::from)?;
    for id in ids {
        println!("{id}");
    }
    Ok(())
}

fn batch_events(catalog: &Catalog, name: Option<&str>) -> Result<Vec<NewEvent>, CliError> {
    let sample = |name: &str| catalog.get(name).map(|found| found.content_sample.clone());
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str::<EventLine>(&line)
            .map_err(|error| error.to_string())
            .and_then(|parsed| parsed.into_event(name, sample))
            .and_then(|event| match catalog.get(&event.integration) {
                Some(_) => Ok(event),
                None => Err(format!("no integration named `{}`", event.integration)),
            });
        match event {
            Ok(event) => events.push(event),
            Err(error) => errors.push(format!("line {}: {error}", index + 1)),
        }
    }
    if !errors.is_empty() {
        return Err(CliError::Input(errors));
    }
    Ok(events)
}

pub fn worker(locations: &Locations) -> CliResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let stop = CancellationToken::new();
    let result = runtime.block_on(async {
        let on_signal = stop.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("stop asked by a signal");
            on_signal.cancel();
        });
        eprintln!(
            "hookconsole worker: delivering for {} (socket {})",
            locations.data_dir.display(),
            worker::socket_path(locations).display()
        );
        worker::run(locations, WorkerOptions::default(), stop.clone()).await
    });
    result.map_err(|error: WorkerError| CliError::Failed(error.into()))
}

pub fn replay(locations: &Locations, id: &str) -> CliResult {
    let mut queue = Queue::open(&locations.queue_database()).map_err(anyhow::Error::from)?;
    match queue.replay(id) {
        Ok(job) => {
            println!("queued again as job {job}");
            Ok(())
        }
        Err(error @ crate::store::QueueError::NotFound(_)) => {
            Err(CliError::input(error.to_string()))
        }
        Err(error) => Err(CliError::Failed(error.into())),
    }
}
