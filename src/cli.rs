//! The non-interactive face: subcommands with plain or `--json` output. Exit status 0
//! on success, 2 on invalid input or a name no integration has (every problem on
//! stderr), 1 on other failures; `error.rs` decides which and how it is printed.

/// Writes one line to standard output and returns the `io::Result`. Unlike `println!`,
/// a reader that went away (`hookconsole logs | head`, `… | grep -q`) is an error the
/// command returns, not a panic; [`run`] ends such a command quietly.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::cli::output_error)
    }};
}

mod args;
mod authorize;
mod authorize_device;
mod callback_check;
mod error;
mod generate;
mod integrations;
mod logs;
mod output;
mod queue;
mod secrets;
mod settings;
mod sites;
mod status;
mod verify;

use std::process::ExitCode;

pub use args::{Cli, Command, Operation};

pub use error::{CliError, Problem, failure_text, report_usage_error};

use crate::home::Home;
use crate::model::{Authentication, Integration};

pub type CliResult = Result<(), CliError>;

/// A file the person named, or standard input for `-`, of at most `limit` bytes
/// (`crate::store::FIELD_LIMIT` and the like). One that cannot be read, is not a
/// regular file or is too large is an input error, named after the `flag` that gave
/// it when there is one.
fn read_text(path: &std::path::Path, flag: Option<&str>, limit: u64) -> Result<String, CliError> {
    let named = |message: String| match flag {
        Some(flag) => CliError::Input(vec![
            Problem::new(format!("{flag} {message}")).with_field(flag),
        ]),
        None => CliError::input(message),
    };
    let bytes = if path == std::path::Path::new("-") {
        crate::store::read_standard_input(limit)
    } else {
        crate::store::read_named_file(path, limit)
    }
    .map_err(|error| named(error.to_string()))?;
    String::from_utf8(bytes).map_err(|_| named(format!("{}: is not UTF-8 text", path.display())))
}

/// The key a person began to type (`proxy` of `proxy:http://…`): letters, digits and
/// `_` from the start.
fn leading_key(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// A `KEY=VALUE` argument without a usable key, as an error quotes it: its leading key,
/// not the rest, which may be a value with a secret in it (`password:hunter2`,
/// `proxy:http://user:secret@…`: `:` typed for `=`).
fn quoted_key(text: &str) -> String {
    let key = leading_key(text);
    if key.len() == text.len() {
        format!("`{key}`")
    } else {
        format!("`{key}…`")
    }
}

/// The integration `name`, which must use OAuth (`authorize`, `token`, `sites`).
fn oauth_integration(home: &Home, name: &str) -> Result<Integration, CliError> {
    let integration = home.integration(name)?;
    if !matches!(integration.authentication, Authentication::OAuth(_)) {
        return Err(CliError::Input(vec![
            Problem::new(format!(
                "Authentication: `{}` does not use OAuth (set authentication=oauth first)",
                integration.name
            ))
            .with_field("authentication"),
        ]));
    }
    Ok(integration)
}

/// Cancels `stop` on SIGINT, SIGTERM or SIGHUP, for the commands that stop cleanly
/// (storing a token refresh in flight, see oauth::in_flight) rather than die in the
/// middle; SIGHUP too, for a terminal that goes away. Call it inside the runtime.
fn cancel_on_termination(stop: tokio_util::sync::CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    // Registered now, not in the task: a signal between here and the task's first
    // poll would otherwise end the process without a clean stop.
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::warn!("the stop signals could not be caught");
        return;
    };
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
        tracing::info!("stop asked by a signal");
        stop.cancel();
    });
}

/// Runs one operation and turns its result into the exit status. (The full-screen
/// console is `main`'s to start.)
pub fn run(cli: Cli, operation: Operation) -> ExitCode {
    let process =
        crate::home::start_process(cli.home.as_deref(), !generate::is_generator(&operation));
    let locations = &process.locations;
    // A token refresh must be stored before the process ends (see oauth::in_flight).
    // These commands catch the signals to stop cleanly and wait for it themselves.
    if !matches!(
        operation,
        Operation::Worker | Operation::Verify { .. } | Operation::Authorize { .. }
    ) {
        crate::oauth::defer_termination_signals();
    }
    let home = Home::new(locations);
    let json = operation.json();
    let result = match operation {
        Operation::List { json } => integrations::list(&home, json),
        Operation::Show { name, json } => integrations::show(&home, &name, json),
        Operation::Add(add) => integrations::add(&home, *add),
        Operation::Set {
            name,
            changes,
            json,
        } => integrations::set(&home, &name, &changes, json),
        Operation::Remove { name, json } => integrations::remove(&home, &name, json),
        Operation::Export {
            name,
            with_secrets,
            json,
        } => integrations::export(&home, name.as_deref(), with_secrets, json),
        Operation::Import {
            file,
            replace,
            json,
        } => integrations::import(&home, &file, replace, json),
        Operation::Verify {
            name,
            json,
            trust_presented,
        } => verify::verify(&home, &name, json, trust_presented),
        Operation::Authorize {
            name,
            paste,
            timeout,
            params,
            qr,
            site,
            json,
        } => authorize::authorize(
            &home,
            &name,
            authorize::AuthorizeOptions {
                paste_only: paste,
                timeout,
                params: &params,
                qr: &qr,
                site: site.as_deref(),
                json,
            },
        ),
        Operation::Sites { name, choose, json } => {
            sites::sites(&home, &name, choose.as_deref(), json)
        }
        Operation::Token {
            name,
            json,
            forget,
            refresh,
        } => authorize::token(&home, &name, json, forget, refresh),
        Operation::CallbackUrl { check: false, .. } => settings::callback_url(&home),
        Operation::CallbackUrl { check: true, json } => callback_check::check(&home, json),
        Operation::Settings { changes, json } => settings::settings(&home, &changes, json),
        Operation::Send {
            name,
            event,
            file,
            fields,
            batch,
            json,
        } => queue::send(
            locations,
            queue::SendArgs {
                name: name.as_deref(),
                event: event.as_deref(),
                file: file.as_deref(),
                fields: fields.as_deref(),
                batch,
                json,
            },
        ),
        Operation::Worker => queue::worker(locations),
        Operation::Status { json } => status::status(&home, json),
        Operation::Logs {
            name,
            failed,
            since,
            grep,
            limit,
            json,
            follow,
        } => logs::logs(
            locations,
            logs::LogsArgs {
                name,
                failed,
                since,
                grep,
                limit: limit as usize,
                json,
                follow,
            },
        ),
        Operation::Replay {
            id,
            integration,
            json,
        } => queue::replay(locations, &id, integration.as_deref(), json),
        Operation::Completions { shell } => generate::completions(shell),
        Operation::Man => generate::manual_page(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // As `head` and `grep -q` expect: output nobody reads any more is not a failure.
        Err(CliError::Failed(error)) if is_output_closed(&error) => ExitCode::SUCCESS,
        Err(error) => error::report(error, json),
    }
}

/// Standard output's reader went away. Marked so that only that ends a command
/// quietly: a broken pipe on a connection (a token refresh, say) is a failure.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
struct OutputClosed;

/// An error writing standard output: a closed pipe marked as such, anything else
/// (a full disk) saying where it happened.
pub(crate) fn output_error(error: std::io::Error) -> std::io::Error {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::io::Error::new(std::io::ErrorKind::BrokenPipe, OutputClosed)
    } else {
        std::io::Error::new(error.kind(), format!("writing standard output: {error}"))
    }
}

fn is_output_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .is_some_and(|inner| inner.is::<OutputClosed>())
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Error, ErrorKind};

    use super::*;

    #[test]
    fn only_a_closed_standard_output_ends_a_command_quietly() {
        let closed = || output_error(Error::from(ErrorKind::BrokenPipe));
        assert!(is_output_closed(&anyhow::Error::new(closed())));
        assert!(is_output_closed(
            &anyhow::Error::new(closed()).context("standard output")
        ));
        // A connection that broke (a token refresh, a revocation) is still a failure.
        let connection = anyhow::Error::new(Error::from(ErrorKind::BrokenPipe));
        assert!(!is_output_closed(
            &connection.context("refreshing the token")
        ));
        // Other errors writing standard output too.
        let full = output_error(Error::other("no space left on device"));
        assert!(!is_output_closed(&anyhow::Error::new(full)));
    }
}
