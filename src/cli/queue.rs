//! `send`, `send --batch`, `worker` and `replay`: the delivery queue from the command
//! line. `send` writes to the queue database directly (a running worker picks the
//! events up); the appliance's services use the worker's socket instead.

use std::io::BufRead;
use std::path::Path;

use tokio_util::sync::CancellationToken;

use super::{CliError, CliResult, read_text};
use crate::delivery::worker::{self, EventLine, Target, WorkerError, WorkerOptions};
use crate::home::Home;
use crate::store::queue::NewEvent;
use crate::store::{Catalog, EVENT_LIMIT, Locations, Queue, StoreError};
use crate::template::Appliance;

/// `send NAME --event TYPE [--file PAYLOAD|-] [--fields FILE|-]` and `send --batch`:
/// each event's payload (the file, else the integration's content sample) is rendered
/// as a template with its fields here, so the queue holds the body that is sent.
pub struct SendArgs<'a> {
    pub name: Option<&'a str>,
    pub event: Option<&'a str>,
    pub file: Option<&'a Path>,
    pub fields: Option<&'a Path>,
    pub batch: bool,
}

pub fn send(locations: &Locations, args: SendArgs) -> CliResult {
    let home = Home::new(locations);
    let catalog = home.catalog()?;
    let appliance = home.appliance()?;
    let events = if args.batch {
        batch_events(&catalog, args.name, &appliance)?
    } else {
        vec![single_event(&catalog, &args, &appliance)?]
    };
    let mut queue = Queue::open(&locations.queue_database()).map_err(anyhow::Error::from)?;
    let ids = queue.enqueue(&events).map_err(anyhow::Error::from)?;
    for id in ids {
        say!("{id}")?;
    }
    Ok(())
}

fn single_event(
    catalog: &Catalog,
    args: &SendArgs,
    appliance: &Appliance,
) -> Result<NewEvent, CliError> {
    let name = args
        .name
        .ok_or_else(|| CliError::input("name the integration: send NAME --event TYPE"))?;
    let integration = catalog
        .get(name)
        .ok_or_else(|| CliError::Failed(StoreError::NotFound(name.into()).into()))?;
    let event_type = args.event.unwrap_or_default().trim();
    if event_type.is_empty() {
        return Err(CliError::input(
            "--event: give the event type, e.g. scan.finished",
        ));
    }
    let stdin = Path::new("-");
    if args.file == Some(stdin) && args.fields == Some(stdin) {
        return Err(CliError::input(
            "--file - and --fields - cannot both read standard input",
        ));
    }
    let payload = args
        .file
        .map(|path| read_text(path, Some("--file"), EVENT_LIMIT))
        .transpose()?;
    let fields = match args.fields {
        None => None,
        Some(path) => {
            let text = read_text(path, Some("--fields"), EVENT_LIMIT)?;
            let value = serde_json::from_str::<serde_json::Value>(&text).map_err(|error| {
                CliError::input(format!("--fields {}: not JSON: {error}", path.display()))
            })?;
            Some(value)
        }
    };
    let line = EventLine {
        id: None,
        integration: Some(integration.name.clone()),
        event_type: event_type.to_string(),
        fields,
        payload: payload.map(serde_json::Value::String),
    };
    line.into_event(None, |name| catalog.get(name).map(Target::of), appliance)
        .map_err(|error| {
            // Name the flags the person typed, not the event line's fields.
            let error = error.replace("`payload`", "--file");
            CliError::input(error.replace("`fields`", "--fields"))
        })
}

fn batch_events(
    catalog: &Catalog,
    name: Option<&str>,
    appliance: &Appliance,
) -> Result<Vec<NewEvent>, CliError> {
    let target = |name: &str| catalog.get(name).map(Target::of);
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str::<EventLine>(&line)
            .map_err(|error| error.to_string())
            .and_then(|parsed| parsed.into_event(name, target, appliance));
        match event {
            Ok(event) => events.push(event),
            Err(error) => errors.push(format!("batch line {}: {error}", index + 1)),
        }
    }
    if !errors.is_empty() {
        return Err(CliError::Input(errors));
    }
    Ok(events)
}

pub fn worker(locations: &Locations) -> CliResult {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stop = CancellationToken::new();
    let result = runtime.block_on(async {
        super::cancel_on_termination(stop.clone());
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
            say!("queued again as job {job}")?;
            Ok(())
        }
        Err(error @ crate::store::QueueError::NotFound(_)) => {
            Err(CliError::input(error.to_string()))
        }
        Err(error) => Err(CliError::Failed(error.into())),
    }
}
