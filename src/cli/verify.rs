//! `verify NAME [--json]`: the same stages as the TUI's VERIFY, as text or JSON.

use std::io::Write;

use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::output::print_json;
use super::{CliError, CliResult};
use crate::delivery::{Outcome, PeerCertificate, report_lines, verify as run_verify};
use crate::home::Home;
use crate::model::{shell_command, validate_with};
use crate::store::StoreError;

pub fn verify(home: &Home, name: &str, json: bool, trust_presented: bool) -> CliResult {
    // The store refuses a file holding an invalid integration; for verify that is
    // invalid input (exit 2), as an integration that fails validation is.
    let catalog = home.catalog().map_err(|error| match error {
        StoreError::InvalidInFile { .. } => CliError::input(error.to_string()),
        other => other.into(),
    })?;
    let integration = catalog
        .get(name)
        .ok_or_else(|| CliError::unknown_integration(name))?
        .clone();
    // An integration the file holds but that cannot be sent (a header the HTTP client
    // owns, a refused destination) is refused here, before anything is sent.
    let validation = validate_with(
        &integration,
        OffsetDateTime::now_utc(),
        home.destinations()?,
    );
    if !validation.is_valid() {
        return Err(CliError::fields(&validation.errors));
    }
    let options = home.http_options()?;
    let tokens = home.token_provider()?;
    let appliance = home.appliance()?;
    let runtime = crate::home::runtime()?;
    let cancel = CancellationToken::new();
    let report = runtime.block_on(async {
        super::cancel_on_termination(cancel.clone());
        let report = run_verify(&integration, &options, &appliance, &tokens, cancel).await;
        // A cancelled VERIFY leaves its token refresh running: its answer is stored
        // before the runtime goes (see oauth::in_flight).
        crate::oauth::token_requests_settled().await;
        report
    });
    if json {
        print_json(&report)?;
    } else {
        // A closed pipe (`| head`) ends the output quietly, and the exit status still
        // tells the outcome; any other write error (a full disk) is the command's.
        let mut out = std::io::stdout().lock();
        for line in report_lines(&report) {
            if let Err(error) = writeln!(out, "{line}") {
                if error.kind() == std::io::ErrorKind::BrokenPipe {
                    break;
                }
                return Err(super::output_error(error).into());
            }
        }
    }
    if let Some(certificate) = report.certificate_to_pin() {
        if trust_presented {
            return pin(home, &integration.name, certificate, json);
        }
        // On standard error: standard output is the report. With --json, standard
        // error is the one JSON error, and the report holds the certificate.
        if !json {
            let command = [
                "hookconsole",
                "verify",
                &integration.name,
                "--trust-presented",
            ];
            eprintln!(
                "To trust this certificate (compare its fingerprint with the receiver's \
                 first): {}",
                shell_command(&command)
            );
        }
    } else if trust_presented && !report.delivered() && !json {
        eprintln!("Nothing pinned: VERIFY did not fail on an untrusted certificate.");
    }
    match report.outcome {
        Outcome::Delivered { .. } => Ok(()),
        Outcome::NotDelivered { .. } => Err(CliError::Failed(anyhow::anyhow!(
            "`{}` was not delivered",
            integration.name
        ))),
        Outcome::Cancelled => Err(CliError::Failed(anyhow::anyhow!("verify cancelled"))),
    }
}

/// `--trust-presented` after a VERIFY refused the server's certificate: it becomes the
/// integration's uploaded certificate, and the fingerprint pinned is printed (on
/// standard error with `--json`, whose standard output is the report).
fn pin(home: &Home, name: &str, certificate: &PeerCertificate, json: bool) -> CliResult {
    home.pin_certificate(name, &certificate.pem)?;
    let line = format!(
        "pinned the certificate `{name}`'s server presented: SHA-256 {} ({}, valid {} to {}); \
         the next VERIFY trusts it",
        certificate.sha256_fingerprint,
        certificate.subject,
        certificate.not_before,
        certificate.not_after
    );
    if json {
        eprintln!("{line}");
    } else {
        say!("{line}")?;
    }
    Ok(())
}
