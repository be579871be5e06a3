//! A check of the callback path before the provider uses it: the listener started as
//! an authorize session starts it, then the callback URL requested as the provider's
//! redirect reaches it — resolve, connect, TLS (through a reverse proxy, if one is in
//! front), HTTP — with VERIFY's stages and report, and advice in terms of the
//! settings. The request carries a check `state` (`oauth::new_check_state`) that the
//! listener answers itself, so a waiting authorization never sees it.

use std::net::SocketAddr;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::report::{Failure, Outcome, Stage, VerifyReport};
use super::tokens::NoTokens;
use super::verify::verify;
use crate::http::{HttpOptions, ProxyRules, TrustedBy};
use crate::model::{HttpMethod, Integration};
use crate::oauth::{
    CHECK_HEADER, CallbackCheckPlan, CallbackListener, ListenerConfig, ListenerError, StartLink,
    check_url, new_check_state, new_start_id,
};
use crate::template::Appliance;

/// What the report names the check.
pub const CHECK_NAME: &str = "callback URL";

/// Checks the callback path of `plan`. Never fails: every problem is an outcome at
/// its stage, with what to change. Cancelling `cancel` ends it at once.
pub async fn check_callback(
    plan: CallbackCheckPlan,
    options: &HttpOptions,
    cancel: CancellationToken,
) -> VerifyReport {
    let bind = plan.listener.bind;
    let path = url::Url::parse(&plan.callback_url)
        .map(|url| url.path().to_string())
        .unwrap_or_else(|_| crate::store::CALLBACK_PATH.into());
    let (state, start_id) = match (new_check_state(), new_start_id()) {
        (Ok(state), Ok(id)) => (state, id),
        _ => {
            let summary = "the system's random source failed".to_string();
            return early(&plan, Stage::Request, summary, "Try again.".into());
        }
    };
    // The redirect comes from the person's browser, not through the appliance's
    // outgoing proxy.
    let options = HttpOptions {
        proxy: ProxyRules::direct(),
        ..options.clone()
    };
    // Nothing waits for callbacks here: a real one that reaches this listener is told
    // no authorization is waiting.
    let (callbacks, _) = mpsc::channel(1);
    let config = ListenerConfig {
        bind,
        tls: plan.listener.tls.clone(),
        callback_path: path.clone(),
        start: StartLink::new(start_id, String::new(), CHECK_NAME.into()),
    };
    let mut notes = Vec::new();
    let listener = match CallbackListener::start(config, callbacks).await {
        Ok(listener) => {
            notes.push(format!(
                "the callback listener was started on {} for the check",
                listener.local_addr()
            ));
            Some(listener)
        }
        Err(ListenerError::PortInUse(_)) => {
            notes.push(format!(
                "port {} is in use: a waiting authorization's listener answers the check \
                 as well; another program does not",
                bind.port()
            ));
            None
        }
        Err(error) => {
            let advice = format!(
                "Set callback_bind to an address and port this user may bind (ports \
                 below 1024 need root), and have a reverse proxy forward {path} to it."
            );
            return early(&plan, Stage::Listener, error.to_string(), advice);
        }
    };
    let mut probe = Integration::new(CHECK_NAME, check_url(&plan.callback_url, &state));
    probe.http_method = Some(HttpMethod::Get);
    probe.certificate = plan.certificate.clone();
    probe.content_sample = String::new();
    let appliance = Appliance::new("");
    let mut report = verify(&probe, &options, &appliance, &NoTokens, cancel).await;
    drop(listener);
    report.integration = CHECK_NAME.into();
    report.request.notes.extend(notes);
    judge(&mut report, &state, &path, bind);
    report
}

/// A report that ends before any request.
fn early(plan: &CallbackCheckPlan, stage: Stage, summary: String, advice: String) -> VerifyReport {
    VerifyReport {
        integration: CHECK_NAME.into(),
        token: None,
        request: super::report::RequestSummary {
            method: "GET".into(),
            url: plan.callback_url.clone(),
            headers: Vec::new(),
            body_bytes: 0,
            notes: Vec::new(),
        },
        proxy: None,
        resolve: None,
        connect: None,
        tls: None,
        http: None,
        outcome: Outcome::NotDelivered {
            failure: Failure::Other,
            stage,
            summary,
            advice,
        },
        warnings: Vec::new(),
        elapsed_ms: 0,
    }
}

/// Turns VERIFY's outcome into the check's: an answer counts only when it is the
/// listener's to this check and came with a certificate naming the host; a failure
/// gets advice about the settings and the reverse proxy rather than an integration.
fn judge(report: &mut VerifyReport, state: &str, path: &str, bind: SocketAddr) {
    let host = report
        .resolve
        .as_ref()
        .map(|resolve| resolve.host.clone())
        .unwrap_or_default();
    if let Outcome::Delivered { status } = report.outcome {
        let answered = report.http.as_ref().is_some_and(|http| {
            http.headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(CHECK_HEADER) && h.value == state)
        });
        // A pinned certificate is accepted whatever it names; the phone's browser
        // still checks the name. (One a CA issued was checked by webpki, wildcards
        // included.)
        let unnamed = report.tls.as_ref().and_then(|tls| {
            if tls.trusted_by != Some(TrustedBy::Pinned) {
                return None;
            }
            let names = &tls.certificate.as_ref()?.names;
            (!names.iter().any(|name| name.eq_ignore_ascii_case(&host))).then(|| names.join(", "))
        });
        report.outcome = if let Some(names) = unnamed {
            Outcome::NotDelivered {
                failure: Failure::TlsHostnameMismatch,
                stage: Stage::Tls,
                summary: format!("the certificate names {names}, not `{host}`"),
                advice: String::new(),
            }
        } else if answered {
            Outcome::Delivered { status }
        } else {
            Outcome::NotDelivered {
                failure: Failure::Other,
                stage: Stage::Http,
                summary: format!(
                    "{status} came from something other than the hookconsole listener"
                ),
                advice: String::new(),
            }
        };
    }
    if let Outcome::NotDelivered {
        failure,
        stage,
        advice,
        ..
    } = &mut report.outcome
        && let Some(better) = callback_advice(failure, *stage, &host, path, bind)
    {
        *advice = better;
    }
}

/// What to change when the callback path fails at `stage`, in terms of the settings;
/// `None` keeps VERIFY's own advice.
fn callback_advice(
    failure: &Failure,
    stage: Stage,
    host: &str,
    path: &str,
    bind: SocketAddr,
) -> Option<String> {
    let advice = match (stage, failure) {
        (Stage::Resolve, Failure::Dns) => format!(
            "`{host}` does not resolve here, and the provider's redirect (the person's \
             browser) must reach it: add it to DNS, or set hostname to a name that \
             resolves (hostname=- uses the IP address), or callback_url."
        ),
        (Stage::Connect, Failure::ConnectionRefused) => format!(
            "Nothing listens on the callback URL's port. Without a reverse proxy, \
             callback_bind (now {bind}) must use that port; with one, start it and have it \
             forward {path} to {bind}."
        ),
        (Stage::Connect, Failure::Timeout | Failure::Unreachable) => {
            "A firewall drops connections to the callback URL's port: open it (the \
             person's browser needs it too)."
                .into()
        }
        (Stage::Tls, Failure::TlsHostnameMismatch) => format!(
            "The certificate does not name `{host}`: set callback_certificate and \
             callback_key (or the reverse proxy's certificate) to one that does, or change \
             hostname or callback_url to a name it has."
        ),
        (Stage::Tls, Failure::TlsUntrusted) => {
            "The certificate is neither the listener's nor issued by a trusted CA: a \
             reverse proxy in front presents its own; give it one from a trusted CA, or \
             set callback_certificate and callback_key to the same one."
                .into()
        }
        (Stage::Tls, Failure::TlsExpired | Failure::TlsNotYetValid) => {
            "Renew the certificate (callback_certificate, or the reverse proxy's).".into()
        }
        (Stage::Tls, _) | (Stage::Http, Failure::NotHttp) => {
            "The port does not speak what the callback URL's scheme says: use https:// in \
             callback_url for a TLS port, http:// otherwise."
                .into()
        }
        (Stage::Http, Failure::ServerError { status: 502..=504 }) => format!(
            "The reverse proxy could not reach the listener: point it at {bind}, over https \
             when the callback URL is https."
        ),
        (Stage::Http, _) => format!(
            "The answer is not the hookconsole listener's: the reverse proxy does not \
             forward {path} to {bind}. Forward {path} and the paths below it, with the query."
        ),
        _ => return None,
    };
    Some(advice)
}
