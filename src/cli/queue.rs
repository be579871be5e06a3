//! `send`, `send --batch`, `worker` and `replay`: the delivery queue from the command
//! line. `send` writes to the queue database directly (a running worker picks the
//! events up); the appliance's services use the worker's socket instead.

use std::io::BufRead;
use std::path::Path;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::error::unknown_integration;
use super::{CliError, CliResult, Problem, read_text};
use crate::delivery::worker::{self, WorkerError, WorkerOptions};
use crate::delivery::{
    EnqueueAnswer, EventError, EventLine, IntegrationTemplate, field_of_line_error,
};
use crate::home::Home;
use crate::model::HoldReason;
use crate::store::queue::{EnqueueStatus, Enqueued, NewEvent, choices_text};
use crate::store::{Catalog, EVENT_LIMIT, Locations, Queue, QueueError};
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
    pub json: bool,
}

/// Why `send` queued nothing.
enum NotSent {
    /// Lines of a batch, by number: invalid, or their id taken by a different event.
    Lines(Vec<(usize, Problem)>),
    Other(CliError),
}

impl<E: Into<CliError>> From<E> for NotSent {
    fn from(error: E) -> Self {
        NotSent::Other(error.into())
    }
}

/// Queues the events, all or none, and answers for each: queued, or a duplicate of
/// what the integration already has under that id (nothing queued twice). With
/// `--json`, the answers and the errors are JSON lines on standard output (the errors
/// are on standard error as well).
pub fn send(locations: &Locations, args: SendArgs) -> CliResult {
    let json = args.json;
    let error = match queue_events(locations, &args) {
        Ok(answers) => {
            for answer in &answers {
                if json {
                    say!("{}", EnqueueAnswer::of(answer).to_line())?;
                } else {
                    say!("{}", answer_line(answer))?;
                }
            }
            for warning in waiting_warnings(&Home::new(locations), &answers) {
                eprintln!("warning: {warning}");
            }
            return Ok(());
        }
        Err(NotSent::Lines(lines)) => {
            if json {
                for (line, problem) in &lines {
                    let mut answer = problem.json();
                    answer["ok"] = json!(false);
                    answer["line"] = json!(line);
                    say!("{answer}")?;
                }
            }
            let problems = lines.into_iter().map(|(line, problem)| Problem {
                message: format!("batch line {line}: {}", problem.message),
                ..problem
            });
            CliError::Input(problems.collect())
        }
        Err(NotSent::Other(error)) => {
            if json {
                let message = match &error {
                    CliError::Input(problems) => {
                        let messages: Vec<&str> =
                            problems.iter().map(|p| p.message.as_str()).collect();
                        messages.join("; ")
                    }
                    CliError::Failed(error) => super::error::failure_text(error),
                };
                say!("{}", json!({"ok": false, "error": message}))?;
            }
            error
        }
    };
    Err(error)
}

/// Why what was just queued will not go out soon: an integration that holds its
/// events (and why, and what releases them), or no worker running. The events stay
/// queued either way: these are warnings, and `send` still succeeds.
fn waiting_warnings(home: &Home, answers: &[Enqueued]) -> Vec<String> {
    let mut names: Vec<&str> = answers
        .iter()
        .filter(|answer| answer.status == EnqueueStatus::Queued)
        .map(|answer| answer.integration.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    let catalog = home.catalog().ok();
    for name in names {
        let held = catalog
            .as_ref()
            .and_then(|catalog| catalog.get(name))
            .and_then(|integration| home.hold_reason(integration).ok().flatten());
        if let Some(reason) = held {
            warnings.push(format!(
                "{name} holds its events ({reason}); they go out once {}",
                release_hint(name, &reason)
            ));
        }
    }
    if !home.worker_seems_to_run() {
        let start = home.worker_status().start_command.unwrap_or_default();
        warnings.push(format!(
            "no worker is running: the events wait in the queue until one starts ({start})"
        ));
    }
    warnings
}

/// What releases the events `reason` holds.
fn release_hint(name: &str, reason: &HoldReason) -> String {
    let quoted = shell_word(name);
    match reason {
        HoldReason::WaitingForAuthorization(_) => {
            format!("it is authorized: hookconsole authorize {quoted}")
        }
        HoldReason::WaitingForSite => {
            format!("its site is chosen: hookconsole sites {quoted} --choose SITE")
        }
        HoldReason::Disabled => "it is enabled".into(),
        _ => format!("its configuration is fixed: hookconsole show {quoted}"),
    }
}

/// `name` as one shell word.
fn shell_word(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-+:@%,=/".contains(c));
    if plain && !name.is_empty() {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

/// `evt_… queued for jira`, `evt_… duplicate (already queued for jira)`: the id
/// first, for scripts that cut it out.
fn answer_line(answer: &Enqueued) -> String {
    let Enqueued {
        id, integration, ..
    } = answer;
    match answer.status {
        EnqueueStatus::Queued => format!("{id} queued for {integration}"),
        EnqueueStatus::Duplicate => format!("{id} duplicate (already queued for {integration})"),
        EnqueueStatus::Conflict(_) => answer.refusal().unwrap_or_default(),
    }
}

fn queue_events(locations: &Locations, args: &SendArgs) -> Result<Vec<Enqueued>, NotSent> {
    let home = Home::new(locations);
    let catalog = home.catalog()?;
    let appliance = home.appliance()?;
    let numbered = if args.batch {
        batch_events(&catalog, args.name, &appliance)?
    } else {
        vec![(1, single_event(&catalog, args, &appliance)?)]
    };
    let (numbers, events): (Vec<usize>, Vec<NewEvent>) = numbered.into_iter().unzip();
    let mut queue = Queue::open(&locations.queue_database()).map_err(anyhow::Error::from)?;
    match queue.enqueue_all_or_none(&events) {
        Ok(answers) => Ok(answers),
        Err(QueueError::Refused(refused)) => Err(NotSent::Lines(
            refused
                .0
                .into_iter()
                .map(|(index, answer)| {
                    let refusal = answer.refusal().unwrap_or_default();
                    (numbers[index], Problem::new(refusal))
                })
                .collect(),
        )),
        Err(error) => Err(anyhow::Error::from(error).into()),
    }
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
        .ok_or_else(|| CliError::unknown_integration(name))?;
    let event_type = args.event.unwrap_or_default().trim();
    if event_type.is_empty() {
        return Err(CliError::Input(vec![
            Problem::new("--event: give the event type, e.g. scan.finished").with_field("--event"),
        ]));
    }
    let stdin = Path::new("-");
    if args.file == Some(stdin) && args.fields == Some(stdin) {
        return Err(CliError::Input(vec![
            Problem::new("--file - and --fields - cannot both read standard input")
                .with_field("--fields"),
        ]));
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
                let message = format!("--fields {}: not JSON: {error}", path.display());
                CliError::Input(vec![Problem::new(message).with_field("--fields")])
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
    line.into_event(
        None,
        |name| catalog.get(name).map(IntegrationTemplate::of),
        appliance,
    )
    .map_err(|error| {
        // Name the flags the person typed, not the event line's fields.
        let flag = match error.field() {
            "payload" => "--file",
            "fields" => "--fields",
            "type" => "--event",
            other => other,
        };
        let message = error.to_string().replace("`payload`", "--file");
        let message = message.replace("`fields`", "--fields");
        CliError::Input(vec![Problem::new(message).with_field(flag)])
    })
}

/// The events of standard input's lines, each with its line number; every line that
/// is not an event (not UTF-8, not JSON, not rendered) is named.
fn batch_events(
    catalog: &Catalog,
    name: Option<&str>,
    appliance: &Appliance,
) -> Result<Vec<(usize, NewEvent)>, NotSent> {
    let target = |name: &str| catalog.get(name).map(IntegrationTemplate::of);
    let mut events = Vec::new();
    let mut errors = Vec::new();
    let mut input = std::io::stdin().lock();
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        number += 1;
        let line = match std::str::from_utf8(&bytes) {
            Ok(line) => {
                let line = line.strip_suffix('\n').unwrap_or(line);
                line.strip_suffix('\r').unwrap_or(line)
            }
            Err(error) => {
                errors.push((
                    number,
                    Problem::new(format!(
                        "not UTF-8 text (byte {} of the line)",
                        error.valid_up_to() + 1
                    )),
                ));
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let event = EventLine::from_json(line)
            .map_err(|error| json_problem(&error))
            .and_then(|parsed| {
                parsed
                    .into_event(name, target, appliance)
                    .map_err(|error| match error {
                        EventError::UnknownIntegration(name) => unknown_integration(&name),
                        other => Problem::new(other.to_string()).with_field(other.field()),
                    })
            });
        match event {
            Ok(event) => events.push((number, event)),
            Err(error) => errors.push((number, error)),
        }
    }
    if !errors.is_empty() {
        return Err(NotSent::Lines(errors));
    }
    Ok(events)
}

/// A line that is not an event line: serde's words, with the key they name as the
/// field (`missing field `type``, `unknown field`…), none for a line that is not JSON.
fn json_problem(error: &serde_json::Error) -> Problem {
    match field_of_line_error(error) {
        Some(field) => Problem::new(error.to_string()).with_field(field),
        None => Problem::new(error.to_string()),
    }
}

pub fn worker(locations: &Locations) -> CliResult {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stop = CancellationToken::new();
    let result = runtime.block_on(async {
        super::cancel_on_termination(stop.clone());
        eprintln!(
            // Before the queue is opened: a worker that cannot start says why next.
            "hookconsole worker: starting for {} (socket {})",
            locations.data_dir.display(),
            worker::socket_path(locations).display()
        );
        worker::run(locations, WorkerOptions::default(), stop.clone()).await
    });
    result.map_err(|error: WorkerError| match error {
        // A file of the home that does not parse: bad input, as from every command.
        WorkerError::Store(error) => CliError::from(error),
        other => CliError::Failed(other.into()),
    })
}

/// `replay ID [--integration NAME]`: an event id queued for several integrations
/// needs the integration, or an attempt number; the refusal lists both.
pub fn replay(locations: &Locations, id: &str, integration: Option<&str>, json: bool) -> CliResult {
    // A job for no integration would never be delivered: the name must be one, as
    // the integrations file spells it.
    let catalog = Home::new(locations).catalog()?;
    let canonical = match integration {
        Some(name) => Some(
            catalog
                .get(name)
                .ok_or_else(|| CliError::unknown_integration(name))?
                .name
                .clone(),
        ),
        None => None,
    };
    let mut queue = Queue::open(&locations.queue_database()).map_err(anyhow::Error::from)?;
    match queue.replay(id, canonical.as_deref(), |name| catalog.holds_exactly(name)) {
        Ok(replay) if json => {
            super::output::print_json(&json!({
                "event": replay.event_id,
                "integration": replay.integration,
                "job": replay.replayed.job(),
                "replayed": replay.replayed.word(),
                "message": replay.describe(),
            }))?;
            Ok(())
        }
        Ok(replay) => {
            say!("{}", replay.describe())?;
            Ok(())
        }
        Err(QueueError::Ambiguous { id, choices }) => Err(CliError::Input(vec![
            Problem::new(format!(
                "the event `{id}` was queued for several integrations: {}; say which with \
                 --integration NAME, or replay an attempt by its number (#N)",
                choices_text(&choices)
            ))
            .with_field("integration"),
        ])),
        Err(error @ QueueError::IntegrationGone { .. }) => Err(CliError::Input(vec![
            Problem::new(error.to_string()).with_field("integration"),
        ])),
        Err(error @ (QueueError::NotFound(_) | QueueError::NotQueuedFor { .. })) => {
            Err(CliError::Input(vec![
                Problem::new(error.to_string()).with_field("id"),
            ]))
        }
        Err(error) => Err(CliError::Failed(error.into())),
    }
}
