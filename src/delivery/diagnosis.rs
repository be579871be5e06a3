//! From what went wrong to a failure class, and from a failure class to one line of
//! advice a support engineer can act on.

use std::time::Duration;

use rustls::CertificateError;

use super::report::{Failure, Outcome, Stage, VerifyReport};
use crate::model::shell_word;

/// The failure class of a refused certificate.
pub fn certificate_failure(error: &CertificateError) -> Failure {
    match error {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => Failure::TlsExpired,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            Failure::TlsNotYetValid
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            Failure::TlsHostnameMismatch
        }
        CertificateError::UnknownIssuer | CertificateError::BadSignature => Failure::TlsUntrusted,
        _ => Failure::TlsFailed,
    }
}

/// Why a certificate was refused, in words.
pub fn certificate_refusal(error: &CertificateError) -> String {
    let why = match certificate_failure(error) {
        Failure::TlsUntrusted => "it is not the uploaded certificate and no trusted CA issued it",
        Failure::TlsExpired => "it has expired",
        Failure::TlsNotYetValid => "it is not valid yet",
        Failure::TlsHostnameMismatch => "it does not name the URL's host",
        _ => return format!("the server's certificate was refused: {error}"),
    };
    format!("the server's certificate was refused: {why}")
}

impl Failure {
    /// The failure an HTTP answer means: none for 2xx. `location` is a 3xx's Location.
    pub fn from_status(status: u16, location: Option<String>) -> Option<Failure> {
        (!(200..300).contains(&status)).then(|| status_failure(status, location))
    }
}

/// The failure class of an HTTP status that is not 2xx.
pub fn status_failure(status: u16, location: Option<String>) -> Failure {
    match status {
        300..=399 => Failure::Redirect { status, location },
        401 => Failure::Unauthorized,
        403 => Failure::Forbidden,
        404 => Failure::NotFound,
        405 => Failure::MethodNotAllowed,
        413 => Failure::PayloadTooLarge,
        400..=499 => Failure::ClientError { status },
        500..=599 => Failure::ServerError { status },
        _ => Failure::UnexpectedStatus { status },
    }
}

/// The failure class of an I/O error during a stage.
pub fn io_failure(error: &std::io::Error) -> Failure {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => Failure::ConnectionRefused,
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof => Failure::ConnectionReset,
        ErrorKind::TimedOut => Failure::Timeout,
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => Failure::Unreachable,
        _ => Failure::Other,
    }
}

/// Whether hyper refused an answer because its head (status line and headers) is
/// larger than it reads. hyper says so through `is_parse_too_large` only when built
/// as a server too; its words for it are the one sign a client build has.
pub fn head_too_large(error: &hyper::Error) -> bool {
    error.is_parse() && error.to_string().contains("too large")
}

/// The first I/O error in an error's chain of sources.
pub fn find_io_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a std::io::Error> {
    causes(error).find_map(|cause| cause.downcast_ref::<std::io::Error>())
}

/// The TLS error in an error's chain. rustls reports through an I/O error of kind
/// `InvalidData` that the connector wraps in another of kind `Other`: neither kind
/// says TLS (an `https://` URL on a port that speaks plain HTTP ends this way).
pub fn find_tls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    causes(error).find_map(|cause| cause.downcast_ref::<rustls::Error>())
}

/// An error and its causes, the errors an `io::Error` wraps included: its `source`
/// skips the wrapped error and goes on with that error's own source.
pub fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |current| {
        match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(wrapped) => Some(wrapped as &(dyn std::error::Error + 'static)),
            None => current.source(),
        }
    })
}

/// The outcome for a failure, with its advice drawn from what the report holds.
pub fn not_delivered(
    report: &VerifyReport,
    failure: Failure,
    stage: Stage,
    summary: String,
    timeouts: (Duration, Duration),
) -> Outcome {
    let advice = advice(report, &failure, stage, timeouts);
    Outcome::NotDelivered {
        failure,
        stage,
        summary,
        advice,
    }
}

fn advice(
    report: &VerifyReport,
    failure: &Failure,
    stage: Stage,
    (connect_timeout, request_timeout): (Duration, Duration),
) -> String {
    let name = shell_word(&report.integration);
    let host = report
        .resolve
        .as_ref()
        .map(|resolve| resolve.host.clone())
        .unwrap_or_else(|| "the host".into());
    let address = report
        .connect
        .as_ref()
        .and_then(|connect| {
            connect
                .connected
                .or(connect.attempts.last().map(|a| a.address))
        })
        .map(|address| address.to_string())
        .unwrap_or_else(|| host.clone());
    let certificate = report.tls.as_ref().and_then(|tls| tls.certificate.as_ref());
    let fingerprint = certificate
        .map(|certificate| {
            format!(
                "; its SHA-256 fingerprint is {}",
                certificate.sha256_fingerprint
            )
        })
        .unwrap_or_default();
    match failure {
        Failure::InvalidRequest => "Correct the integration's URL and HTTP headers, then verify again.".into(),
        Failure::InvalidTemplate => "Correct the content sample at the line and column shown (the editor's CONTENT SAMPLE pane previews it), then verify again.".into(),
        Failure::NotAuthorized => format!(
            "Authorize it first: hookconsole authorize {name}, then verify again."
        ),
        Failure::SiteNotChosen { authorized: false } => format!(
            "Authorize it: hookconsole authorize {name}; the sites the grant reaches are listed then, to choose the one to deliver to. Then verify again."
        ),
        Failure::SiteNotChosen { authorized: true } => format!(
            "Choose the site to deliver to: hookconsole sites {name} lists them, hookconsole sites {name} --choose SITE sets it. Then verify again."
        ),
        Failure::TokenUnavailable => match report.token.as_ref() {
            Some(token) => fetched_token_advice(token.error.as_deref(), &name),
            None => "Check the OAuth settings and the token URL, or authorize the integration again.".into(),
        },
        Failure::DestinationRefused => format!(
            "hookconsole does not send to link-local or cloud metadata addresses: correct the URL, or the DNS record of `{host}`; where such a receiver is meant, set {} to true.",
            crate::model::ALLOW_LINK_LOCAL_SETTING
        ),
        Failure::Dns => format!(
            "Check the host name `{host}` in the URL and the appliance's DNS servers (/etc/resolv.conf)."
        ),
        Failure::ConnectionRefused => format!(
            "Nothing accepts connections on {address}: check the URL's port, that the receiver runs, and firewalls that reject."
        ),
        Failure::Unreachable => format!(
            "The appliance has no route to {address}: check its network, gateway and firewall, or set a proxy (hookconsole settings proxy=URL)."
        ),
        Failure::Timeout => match stage {
            Stage::Resolve => "The DNS servers did not answer in time: check the appliance's DNS servers (/etc/resolv.conf).".into(),
            Stage::Connect => format!(
                "No answer from {address} within {} s: a firewall probably drops the traffic; the network may need a proxy (hookconsole settings proxy=URL).",
                connect_timeout.as_secs_f32()
            ),
            Stage::Tls => format!(
                "{address} accepted the connection but did not complete TLS: check that the port speaks HTTPS (or use http://) and that nothing intercepts it."
            ),
            _ => format!(
                "The receiver did not answer within {} s: check that it is healthy; if it is only slow, raise request_timeout (hookconsole settings request_timeout=60).",
                request_timeout.as_secs_f32()
            ),
        },
        Failure::ConnectionReset => format!(
            "The connection was cut during the {} stage: check the receiver's log, and any firewall or proxy between the appliance and {address}.",
            stage.label()
        ),
        Failure::ProxyFailed => "Check the proxy (hookconsole settings proxy=URL or none; HTTPS_PROXY, NO_PROXY) and that it allows this host.".into(),
        Failure::TlsUntrusted => format!(
            "The server's certificate is not trusted: if it is the receiver's own (self-signed) certificate, upload it on the CERTIFICATE tab{fingerprint} (compare it with the receiver's before trusting it)."
        ),
        Failure::TlsHostnameMismatch => format!(
            "The certificate does not name `{host}`{}: use a URL with a name it lists, or upload this exact certificate on the CERTIFICATE tab to pin it{fingerprint}.",
            certificate
                .filter(|c| !c.names.is_empty())
                .map(|c| format!(" (it names {})", c.names.join(", ")))
                .unwrap_or_default()
        ),
        Failure::TlsExpired => format!(
            "The server's certificate expired{}: the receiver's administrator must renew it; check the appliance's clock too (date).",
            certificate.map(|c| format!(" on {}", c.not_after)).unwrap_or_default()
        ),
        Failure::TlsNotYetValid => format!(
            "The server's certificate is not valid yet{}: check the appliance's clock (date) and the receiver's.",
            certificate.map(|c| format!(" (from {})", c.not_before)).unwrap_or_default()
        ),
        Failure::TlsFailed => "TLS failed: check that the URL's port speaks HTTPS (or use http://) and that the receiver accepts modern TLS (1.2 or 1.3).".into(),
        Failure::NotHttp => format!(
            "{address} does not answer in plain HTTP: if it is an HTTPS port, start the URL with https://."
        ),
        Failure::Redirect { location, .. } => match location {
            Some(location) => format!(
                "Deliveries do not follow redirects: if {location} is the real endpoint, set the URL to it."
            ),
            None => "Deliveries do not follow redirects, and the answer names no Location: check the URL with the receiver's administrator.".into(),
        },
        Failure::Unauthorized => "The receiver refused the credentials: check the username and password, the token, or the authentication headers on the Authentication tab.".into(),
        Failure::Forbidden => "The credentials were accepted but may not post here: check the account's permissions at the receiver.".into(),
        Failure::NotFound => "The receiver has nothing at this path: check the URL's path (and the webhook's id in it).".into(),
        Failure::MethodNotAllowed => format!(
            "The receiver does not accept {} at this URL: check the HTTP method (empty means POST).",
            report.request.method
        ),
        Failure::PayloadTooLarge => "The payload is too large for the receiver: shorten the content sample or raise the receiver's limit.".into(),
        Failure::ClientError { .. } => "The receiver rejected the request: its answer above says why; check the HTTP headers and the content sample.".into(),
        Failure::ServerError { .. } => "The receiver failed on its side: retry later or ask its administrator; its answer is below.".into(),
        Failure::UnexpectedStatus { .. } => "The receiver gave an answer that is neither success nor a known error: check the URL with its administrator.".into(),
        Failure::Other => "See the detail above; check the URL and the network path to the receiver.".into(),
    }
}

/// Advice for a client-credentials token the provider refused, by its OAuth error
/// code (RFC 6749 section 5.2).
fn fetched_token_advice(error: Option<&str>, name: &str) -> String {
    match error {
        Some("invalid_client") => format!(
            "The provider does not accept the client: check the Client ID and Client Secret (a secret that expired is replaced at the provider), and Client authentication (body or HTTP Basic) as the provider expects it; then hookconsole verify {name}."
        ),
        Some("invalid_scope") => format!(
            "The provider refuses the Scope: ask for scopes the client was granted (Microsoft Entra ID wants one `<resource>/.default`), or leave Scope empty for the client's default; then hookconsole verify {name}."
        ),
        Some("unauthorized_client") => format!(
            "The client may not use the client-credentials grant: allow it for this app at the provider (a machine-to-machine or daemon application, with the API's permissions granted), or choose the grant the provider allows; then hookconsole verify {name}."
        ),
        Some(_) => format!(
            "The token URL refused the request: check the Token URL, Scope, Audience and Token parameters against the provider's documentation; then hookconsole verify {name}."
        ),
        None => format!(
            "No token could be had: check that the Token URL is reachable from this appliance and answers as an OAuth token endpoint (OAuth API type form or JSON); then hookconsole verify {name}."
        ),
    }
}
