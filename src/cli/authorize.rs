//! `authorize NAME` and `token NAME`: the OAuth flow from a plain terminal. The link,
//! a QR code and the full URL are printed; the callback listener waits, and a
//! redirected URL pasted on standard input works as well.

use std::io::{BufRead, Write};
use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;

use super::output::{print_json, print_qr};
use super::{CliError, CliResult, oauth_integration};
use crate::home::Home;
use crate::model::{Authentication, Grant, Integration};
use crate::oauth::{CallbackReply, FlowState, SessionInput, SessionUpdate, run_session};
use crate::qr::QrRendering;
use crate::store::Authorization;

/// `authorize`'s flags.
pub struct AuthorizeOptions<'a> {
    pub paste_only: bool,
    pub timeout: u64,
    pub params: &'a [String],
    pub qr: &'a str,
    /// The site to choose when the grant reaches several (site discovery).
    pub site: Option<&'a str>,
    /// The device grant's code as one JSON line.
    pub json: bool,
}

pub fn authorize(home: &Home, name: &str, options: AuthorizeOptions) -> CliResult {
    let AuthorizeOptions {
        paste_only,
        timeout,
        params,
        qr,
        site,
        json,
    } = options;
    let integration = oauth_integration(home, name)?;
    if uses_device_code(&integration) {
        let rendering = qr_rendering(qr)?;
        return super::authorize_device::authorize(home, &integration, rendering, json, site);
    }
    if !needs_authorize(&integration) {
        return Err(CliError::input(format!(
            "Grant: `{}` uses client credentials, which need no authorization: its token \
             is fetched when first needed (`hookconsole token {} --refresh` fetches one now)",
            integration.name, integration.name
        )));
    }
    let rendering = qr_rendering(qr)?;
    let extra_parameters = params
        .iter()
        .map(|param| {
            param
                .split_once('=')
                .map(|(name, value)| (name.trim().to_string(), value.to_string()))
                .ok_or_else(|| CliError::input(format!("--param `{param}` is not NAME=VALUE")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let prepared = home
        .prepare_session(
            &integration,
            paste_only,
            Duration::from_secs(timeout),
            extra_parameters,
        )
        .map_err(|error| CliError::input(error.to_string()))?;
    let (setup, callback, fingerprint) =
        (prepared.setup, prepared.callback_url, prepared.fingerprint);

    let runtime = crate::home::runtime()?;
    let end = runtime.block_on(async {
        let (inputs, input_rx) = mpsc::channel(4);
        let (update_tx, mut updates) = mpsc::unbounded_channel();
        let session = tokio::spawn(run_session(setup, input_rx, update_tx));
        let on_interrupt = inputs.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = on_interrupt.send(SessionInput::Cancel).await;
            }
        });
        spawn_paste_reader(inputs, paste_only);
        let mut last = String::new();
        while let Some(update) = updates.recv().await {
            match update {
                SessionUpdate::Started {
                    authorize_url,
                    start_link,
                    ..
                } => print_instructions(
                    &integration.name,
                    &callback,
                    &authorize_url,
                    start_link.as_deref(),
                    fingerprint.as_deref(),
                    rendering,
                ),
                SessionUpdate::State(state) => {
                    let line = state.describe();
                    if line != last {
                        eprintln!("{line}");
                        last = line;
                    }
                }
                SessionUpdate::PasteAnswer(Ok(CallbackReply::Refused(reason))) => {
                    eprintln!("pasted URL refused: {reason}");
                }
                SessionUpdate::PasteAnswer(Err(reason)) => eprintln!("pasted text: {reason}"),
                // The device grant's, which `authorize_device` runs.
                SessionUpdate::PasteAnswer(Ok(_)) | SessionUpdate::DeviceCode(_) => {}
            }
        }
        session.await
    });
    match end {
        Ok(Ok(FlowState::Authorized)) => {
            // A closed pipe (the reader went away) must not turn success into a panic.
            let _ = writeln!(std::io::stdout(), "authorized {}", integration.name);
            super::sites::after_authorization(home, &integration.name, site)
        }
        Ok(Ok(other)) => Err(CliError::Failed(anyhow::anyhow!(other.describe()))),
        Ok(Err(error)) => Err(CliError::Failed(error.into())),
        Err(error) => Err(CliError::Failed(error.into())),
    }
}

pub(super) fn qr_rendering(text: &str) -> Result<Option<QrRendering>, CliError> {
    let unicode = std::env::var("LANG")
        .or_else(|_| std::env::var("LC_ALL"))
        .map(|lang| {
            lang.to_ascii_uppercase().contains("UTF-8")
                || lang.to_ascii_uppercase().contains("UTF8")
        })
        .unwrap_or(false);
    Ok(match text {
        "auto" if unicode => Some(QrRendering::HalfBlocks),
        "auto" => Some(QrRendering::Ascii),
        "half-blocks" => Some(QrRendering::HalfBlocks),
        "two-columns" => Some(QrRendering::TwoColumns),
        "ascii" => Some(QrRendering::Ascii),
        "none" => None,
        other => {
            return Err(CliError::input(format!(
                "--qr `{other}` is not one of auto, half-blocks, two-columns, ascii, none"
            )));
        }
    })
}

/// Lines typed or pasted on standard input are tried as the redirected URL. With
/// `paste_only` (no listener) standard input is the only way in: when it ends with
/// nothing sent (`</dev/null`, a closed pipe), the authorization is cancelled rather
/// than left waiting out its timeout. (After a line, the exchange it started goes on.)
fn spawn_paste_reader(inputs: mpsc::Sender<SessionInput>, paste_only: bool) {
    std::thread::spawn(move || {
        let mut sent_any = false;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if line.trim().is_empty() {
                continue;
            }
            if inputs.blocking_send(SessionInput::Paste(line)).is_err() {
                return;
            }
            sent_any = true;
        }
        if paste_only && !sent_any {
            eprintln!(
                "standard input ended: with --paste nothing else can bring the redirected \
                 URL; cancelling"
            );
            let _ = inputs.blocking_send(SessionInput::Cancel);
        }
    });
}

fn print_instructions(
    name: &str,
    callback: &str,
    authorize_url: &str,
    start_link: Option<&str>,
    fingerprint: Option<&str>,
    rendering: Option<QrRendering>,
) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Authorize `{name}`\n");
    let _ = writeln!(
        out,
        "Callback URL to register at the provider:\n  {callback}\n"
    );
    let link = start_link.unwrap_or(authorize_url);
    let _ = writeln!(out, "Open on a phone or laptop:\n  {link}\n");
    if let Some(rendering) = rendering {
        print_qr(&mut out, link, rendering);
    }
    if let Some(fingerprint) = fingerprint {
        let _ = writeln!(
            out,
            "The listener's certificate is self-signed; the browser will warn. Its SHA-256\nfingerprint is:\n  {fingerprint}\n"
        );
    }
    let _ = writeln!(out, "Full authorize URL (one line):\n{authorize_url}\n");
    let _ = writeln!(
        out,
        "When the phone cannot reach this appliance, paste the address the browser\nended on here and press Enter. Ctrl-C cancels."
    );
    let _ = out.flush();
}

pub fn token(home: &Home, name: &str, json: bool, forget: bool, refresh: bool) -> CliResult {
    let integration = oauth_integration(home, name)?;
    if forget {
        let outcome = home.forget_authorization(&integration)?;
        say!("{}", outcome.describe(&integration.name))?;
        return Ok(());
    }
    if refresh {
        refresh_now(home, &integration)?;
    }
    let status = home.tokens().get(&integration.name)?;
    if json {
        let mut answer = status_json(status.as_ref());
        if !needs_authorize(&integration)
            && let Some(object) = answer.as_object_mut()
        {
            object.insert("grant".into(), json!(Grant::ClientCredentials.as_str()));
            if status.is_none() {
                object.insert("status".into(), json!("no_token"));
            }
        }
        print_json(&answer)?;
    } else if status.is_none() && !needs_authorize(&integration) {
        say!("no token yet: a client-credentials token is fetched when first needed")?;
    } else {
        say!(
            "{}",
            crate::oauth::status_line(status.as_ref(), OffsetDateTime::now_utc())
        )?;
    }
    Ok(())
}

/// Refreshes the stored access token, as a delivery that got a 401 would: when
/// another process refreshed meanwhile, its token is taken instead of a second
/// refresh. With client credentials and no token yet, the first one is fetched.
fn refresh_now(home: &Home, integration: &Integration) -> CliResult {
    let current = home
        .tokens()
        .get(&integration.name)?
        .and_then(|authorization| {
            authorization
                .tokens()
                .map(|tokens| tokens.access_token.clone())
        });
    if current.is_none() && needs_authorize(integration) {
        return Err(CliError::Failed(anyhow::anyhow!(
            "not authorized: authorize it first"
        )));
    }
    let provider = home.token_provider()?;
    let runtime = crate::home::single_thread_runtime()?;
    runtime
        .block_on(async {
            match &current {
                Some(current) => provider.after_unauthorized(integration, current).await,
                None => provider.bearer_token(integration).await,
            }
        })
        .map_err(|error| CliError::Failed(error.into()))?;
    Ok(())
}

fn uses_device_code(integration: &Integration) -> bool {
    matches!(&integration.authentication, Authentication::OAuth(oauth) if oauth.grant == Grant::DeviceCode)
}

/// Whether the integration's grant has a person authorize it (the authorization
/// code); client credentials do not.
fn needs_authorize(integration: &Integration) -> bool {
    match &integration.authentication {
        Authentication::OAuth(oauth) => oauth.grant.needs_authorize(),
        _ => true,
    }
}

fn status_json(status: Option<&Authorization>) -> serde_json::Value {
    let time = |at: &OffsetDateTime| at.format(&Rfc3339).ok();
    match status {
        None => json!({ "status": "not_authorized" }),
        Some(Authorization::Authorized { tokens }) => json!({
            "status": "authorized",
            "expires_at": tokens.expires_at.as_ref().and_then(time),
            "refresh_token": tokens.refresh_token.is_some(),
            "scopes": tokens.scopes,
            "obtained_at": time(&tokens.obtained_at),
            "refresh_interrupted_at": tokens.refresh_sent_at.as_ref().and_then(time),
        }),
        Some(Authorization::RefreshFailed {
            tokens,
            failed_at,
            reason,
        }) => json!({
            "status": "refresh_failed",
            "failed_at": time(failed_at),
            "reason": reason,
            "expires_at": tokens.expires_at.as_ref().and_then(time),
            "refresh_token": tokens.refresh_token.is_some(),
            "refresh_interrupted_at": tokens.refresh_sent_at.as_ref().and_then(time),
        }),
        Some(Authorization::ReauthorizationNeeded { since, reason }) => json!({
            "status": "reauthorization_needed",
            "since": time(since),
            "reason": reason,
        }),
        Some(Authorization::Denied { at, reason }) => json!({
            "status": "denied",
            "at": time(at),
            "reason": reason,
        }),
    }
}
