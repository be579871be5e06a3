//! `callback-url --check [--json]`: the check of the callback path
//! (`delivery::check_callback`) as text or JSON; exit 0 when the path works, 1 when a
//! stage fails, 2 when the settings cannot say how to run the listener.

use std::io::Write;

use tokio_util::sync::CancellationToken;

use super::output::print_json;
use super::{CliError, CliResult};
use crate::delivery::{Outcome, check_callback, check_lines};
use crate::home::Home;
use crate::oauth::SetupError;

pub fn check(home: &Home, json: bool) -> CliResult {
    let plan = home.callback_check_plan().map_err(|error| match error {
        SetupError::Settings(error) => error.into(),
        // A half identity, a bad bind address, a certificate file that does not
        // read: the settings are the person's input.
        other => CliError::input(other.to_string()),
    })?;
    let options = home.http_options()?;
    let runtime = crate::home::runtime()?;
    let cancel = CancellationToken::new();
    let report = runtime.block_on(async {
        super::cancel_on_termination(cancel.clone());
        check_callback(plan, &options, cancel).await
    });
    if json {
        print_json(&report)?;
    } else {
        let mut out = std::io::stdout().lock();
        for line in check_lines(&report) {
            if let Err(error) = writeln!(out, "{line}") {
                if error.kind() == std::io::ErrorKind::BrokenPipe {
                    break;
                }
                return Err(super::output_error(error).into());
            }
        }
    }
    match report.outcome {
        Outcome::Delivered { .. } => Ok(()),
        Outcome::NotDelivered { stage, .. } => Err(CliError::Failed(anyhow::anyhow!(
            "the callback path fails at {}",
            stage.label()
        ))),
        Outcome::Cancelled => Err(CliError::Failed(anyhow::anyhow!("check cancelled"))),
    }
}
