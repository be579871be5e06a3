//! `authorize NAME` for the device grant (RFC 8628): the code to enter, where, and its
//! QR code are printed (or, with `--json`, one line for scripts), then the command
//! waits while the session polls, and ends authorized, denied or expired. The same
//! session driver as the redirect's runs it.

use std::io::Write;
use std::time::Duration;

use tokio::sync::mpsc;

use super::output::print_qr;
use super::{CliError, CliResult};
use crate::home::Home;
use crate::model::Integration;
use crate::oauth::{
    DeviceCodeShown, FlowState, SessionInput, SessionUpdate, code_groups, run_session,
};
use crate::qr::QrRendering;

pub fn authorize(
    home: &Home,
    integration: &Integration,
    rendering: Option<QrRendering>,
    json: bool,
    site: Option<&str>,
) -> CliResult {
    let prepared = home
        .prepare_session(integration, true, Duration::ZERO, Vec::new())
        .map_err(|error| CliError::input(error.to_string()))?;
    let runtime = crate::home::runtime()?;
    let end = runtime.block_on(async {
        let (inputs, input_rx) = mpsc::channel(1);
        let (update_tx, mut updates) = mpsc::unbounded_channel();
        let session = tokio::spawn(run_session(prepared.setup, input_rx, update_tx));
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = inputs.send(SessionInput::Cancel).await;
            }
        });
        let mut last = String::new();
        while let Some(update) = updates.recv().await {
            match update {
                SessionUpdate::DeviceCode(shown) if json => print_json_line(&shown),
                SessionUpdate::DeviceCode(shown) => {
                    print_instructions(&integration.name, &shown, rendering)
                }
                SessionUpdate::State(state) => {
                    let line = state.describe();
                    if line != last {
                        eprintln!("{line}");
                        last = line;
                    }
                }
                SessionUpdate::Started { .. } | SessionUpdate::PasteAnswer(_) => {}
            }
        }
        session.await
    });
    match end {
        Ok(Ok(FlowState::Authorized)) => {
            if !json {
                let _ = writeln!(std::io::stdout(), "authorized {}", integration.name);
            }
            super::sites::after_authorization(home, &integration.name, site)
        }
        Ok(Ok(other)) => Err(CliError::Failed(anyhow::anyhow!(other.describe()))),
        Ok(Err(error)) => Err(CliError::Failed(error.into())),
        Err(error) => Err(CliError::Failed(error.into())),
    }
}

/// One line, its first keys those a script needs at once (serde_json's maps would
/// sort them).
fn print_json_line(shown: &DeviceCodeShown) {
    let text = |value: &str| serde_json::Value::from(value).to_string();
    let complete = shown
        .verification_uri_complete
        .as_deref()
        .map_or("null".to_string(), text);
    let line = format!(
        "{{\"user_code\":{},\"verification_uri\":{},\"expires_in\":{},\"verification_uri_complete\":{complete}}}",
        text(&shown.user_code),
        text(&shown.verification_uri),
        shown.expires_in.as_secs(),
    );
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn print_instructions(name: &str, shown: &DeviceCodeShown, rendering: Option<QrRendering>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Authorize `{name}` (device code)\n");
    let _ = writeln!(
        out,
        "On a phone or laptop, open:\n  {}\nand enter the code:\n\n    {}\n",
        shown.verification_uri,
        code_groups(&shown.user_code).join("-")
    );
    // The complete URI carries the code: scanning it skips the typing.
    let target = shown
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&shown.verification_uri);
    if let Some(rendering) = rendering {
        print_qr(&mut out, target, rendering);
    }
    let _ = writeln!(
        out,
        "The code expires in {} min. Waiting for it to be entered; Ctrl-C cancels.",
        shown.expires_in.as_secs().div_ceil(60)
    );
    let _ = out.flush();
}
