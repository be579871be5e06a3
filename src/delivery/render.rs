//! The verify report as plain text lines: for the CLI, the TUI's report pane and logs.
//! ASCII words for status ("OK", "FAILED"), never colour alone.

use super::report::{Failure, Outcome, Stage, VerifyReport};

const INDENT: &str = "          ";

/// The width of the label column every line starts with (blank on the lines that go
/// on with the same stage).
pub const LABEL_WIDTH: usize = INDENT.len();

/// The report, one stage after the other, each line without its newline.
pub fn report_lines(report: &VerifyReport) -> Vec<String> {
    report_lines_advising(report, None)
}

/// [`report_lines`] with `advice` in place of the report's own, for a face that says
/// how to do it its own way (a key rather than a command).
pub fn report_lines_advising(report: &VerifyReport, advice: Option<&str>) -> Vec<String> {
    lines_in(report, advice, &VERIFY_WORDS)
}

/// A check of the callback path (`check_callback`) as text lines: VERIFY's stages,
/// in the words of a check.
pub fn check_lines(report: &VerifyReport) -> Vec<String> {
    lines_in(report, None, &CHECK_WORDS)
}

/// The words that differ between a VERIFY and a check of the callback path.
struct Words {
    first: &'static str,
    body: bool,
    worked: &'static str,
    failed: &'static str,
}

const VERIFY_WORDS: Words = Words {
    first: "verify",
    body: true,
    worked: "DELIVERED",
    failed: "NOT DELIVERED",
};

const CHECK_WORDS: Words = Words {
    first: "check",
    body: false,
    worked: "WORKS",
    failed: "FAILS",
};

fn lines_in(report: &VerifyReport, advice: Option<&str>, words: &Words) -> Vec<String> {
    let mut lines = Vec::new();
    let mut push =
        |label: &str, text: String| lines.push(format!("{label:<10}{}", printable(&text)));
    let failed_stage = match &report.outcome {
        Outcome::NotDelivered { stage, .. } => Some(*stage),
        _ => None,
    };
    let status = |stage: Stage| {
        if failed_stage == Some(stage) {
            "FAILED"
        } else {
            "OK"
        }
    };

    push(words.first, report.integration.clone());
    if let Some(token) = &report.token {
        push(
            "token",
            format!(
                "{} POST {} ({}, {} body, client authentication {})",
                status(Stage::Token),
                token.url,
                token.grant,
                token.api_type,
                token.client_authentication
            ),
        );
        if !token.asked.is_empty() {
            push("", format!("asked    {}", token.asked.join(", ")));
        }
        let answer = match &token.failure {
            Some(failure) => failure.clone(),
            None if token.requested => format!("a new token in {} ms", token.elapsed_ms),
            None => "the stored token, still valid (no request)".into(),
        };
        push("", format!("answer   {answer}"));
        if token.failure.is_none() {
            let expiry = match (&token.expires_at, token.expires_in_s) {
                (Some(at), Some(seconds)) => format!("{at} (in {seconds} s)"),
                _ => "none stated".into(),
            };
            push("", format!("expires  {expiry}"));
            let scopes = if token.scopes.is_empty() {
                "none stated".into()
            } else {
                token.scopes.join(" ")
            };
            push("", format!("scopes   {scopes}"));
        }
    }
    push(
        "request",
        format!("{} {}", report.request.method, report.request.url),
    );
    for header in &report.request.headers {
        push("", format!("{}: {}", header.name, header.value));
    }
    if words.body {
        push(
            "",
            format!(
                "body: {} bytes (the content sample)",
                report.request.body_bytes
            ),
        );
    }
    for note in &report.request.notes {
        push("", format!("note: {note}"));
    }
    for warning in &report.warnings {
        push("warning", warning.clone());
    }
    if let Some(proxy) = &report.proxy {
        push(
            "proxy",
            format!(
                "{} via {proxy} (resolve and connect are the proxy's)",
                status(Stage::Proxy)
            ),
        );
    }
    if let Some(resolve) = &report.resolve {
        let addresses: Vec<String> = resolve.addresses.iter().map(ToString::to_string).collect();
        let found = if addresses.is_empty() {
            "no address".to_string()
        } else {
            addresses.join(", ")
        };
        let how = if resolve.looked_up {
            format!("{} -> {found} in {} ms", resolve.host, resolve.elapsed_ms)
        } else {
            format!("{found} (an IP address: no lookup)")
        };
        push("resolve", format!("{} {how}", status(Stage::Resolve)));
    }
    if let Some(connect) = &report.connect {
        let mut label = "connect";
        for attempt in &connect.attempts {
            let text = match &attempt.error {
                None => format!("OK {} in {} ms", attempt.address, attempt.elapsed_ms),
                Some(error) => format!(
                    "FAILED {} after {} ms: {error}",
                    attempt.address, attempt.elapsed_ms
                ),
            };
            push(label, text);
            label = "";
        }
    }
    if let Some(tls) = &report.tls {
        let protocol = tls.protocol.clone().unwrap_or_else(|| "handshake".into());
        push(
            "TLS",
            format!("{} {protocol} with {}", status(Stage::Tls), tls.server_name),
        );
        if let Some(certificate) = &tls.certificate {
            push("", format!("subject  {}", certificate.subject));
            push("", format!("issuer   {}", certificate.issuer));
            let expired = if certificate.expired {
                " (EXPIRED)"
            } else {
                ""
            };
            push(
                "",
                format!(
                    "valid    {} to {}{expired}",
                    certificate.not_before, certificate.not_after
                ),
            );
            if !certificate.names.is_empty() {
                push("", format!("names    {}", certificate.names.join(", ")));
            }
            push("", format!("sha256   {}", certificate.sha256_fingerprint));
        }
        let trust = match tls.trusted_by {
            Some(trusted_by) => trusted_by.describe().to_string(),
            None => "NOT TRUSTED".to_string(),
        };
        push("", format!("trust    {trust}"));
    }
    if let Some(http) = &report.http {
        push(
            "HTTP",
            format!(
                "{} {} {}, first byte after {} ms, complete after {} ms",
                status(Stage::Http),
                http.status,
                http.reason,
                http.first_byte_ms,
                http.total_ms
            ),
        );
        for header in &http.headers {
            push("", format!("{}: {}", header.name, header.value));
        }
        if http.body_bytes > 0 {
            let shown = if http.body_truncated {
                ", the first 4 KiB"
            } else {
                ""
            };
            push("", format!("body: {} bytes{shown}:", http.body_bytes));
            for line in http.body_preview.lines() {
                lines.push(format!("{INDENT}  {}", printable(line)));
            }
        }
    }
    let mut push =
        |label: &str, text: String| lines.push(format!("{label:<10}{}", printable(&text)));
    match &report.outcome {
        Outcome::Delivered { status } => {
            push(
                "outcome",
                format!("{} ({status}) in {} ms", words.worked, report.elapsed_ms),
            );
        }
        Outcome::NotDelivered {
            stage,
            summary,
            advice: own,
            ..
        } => {
            push(
                "outcome",
                format!("{} at {}: {summary}", words.failed, stage.label()),
            );
            push("advice", advice.unwrap_or(own).to_string());
        }
        Outcome::Cancelled => push("outcome", "CANCELLED".into()),
    }
    lines
}

/// One short line for a list column: `DELIVERED 200`, `FAILED: HTTP 404`,
/// `FAILED: untrusted certificate`, `CANCELLED`.
pub fn headline(report: &VerifyReport) -> String {
    match &report.outcome {
        Outcome::Delivered { status } => format!("DELIVERED {status}"),
        Outcome::NotDelivered { failure, .. } => format!("FAILED: {}", failure_words(failure)),
        Outcome::Cancelled => "CANCELLED".into(),
    }
}

/// A failure class in a few words.
pub fn failure_words(failure: &Failure) -> String {
    match failure {
        Failure::InvalidRequest => "invalid integration".into(),
        Failure::InvalidTemplate => "template error".into(),
        Failure::NotAuthorized => "not authorized".into(),
        Failure::SiteNotChosen { .. } => "no site chosen".into(),
        Failure::TokenUnavailable => "no access token".into(),
        Failure::Dns => "host not found".into(),
        Failure::DestinationRefused => "destination refused".into(),
        Failure::ConnectionRefused => "connection refused".into(),
        Failure::Unreachable => "network unreachable".into(),
        Failure::Timeout => "timeout".into(),
        Failure::ConnectionReset => "connection reset".into(),
        Failure::ProxyFailed => "proxy failed".into(),
        Failure::TlsUntrusted => "untrusted certificate".into(),
        Failure::TlsHostnameMismatch => "certificate name mismatch".into(),
        Failure::TlsExpired => "certificate expired".into(),
        Failure::TlsNotYetValid => "certificate not yet valid".into(),
        Failure::TlsFailed => "TLS failed".into(),
        Failure::NotHttp => "not HTTP".into(),
        Failure::Redirect { status, .. } => format!("HTTP {status} redirect"),
        Failure::Unauthorized => "HTTP 401".into(),
        Failure::Forbidden => "HTTP 403".into(),
        Failure::NotFound => "HTTP 404".into(),
        Failure::MethodNotAllowed => "HTTP 405".into(),
        Failure::PayloadTooLarge => "HTTP 413".into(),
        Failure::ClientError { status }
        | Failure::ServerError { status }
        | Failure::UnexpectedStatus { status } => format!("HTTP {status}"),
        Failure::Other => "failed".into(),
    }
}

/// Control characters other than tab shown as `?`, so that an answer or a certificate
/// cannot move the cursor or change colours on the person's terminal.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::report::{
        ConnectAttempt, ConnectStage, HttpStage, PeerCertificate, RequestSummary, ResolveStage,
        TlsStage,
    };
    use crate::delivery::request::ShownHeader;
    use crate::http::TrustedBy;

    fn header(name: &str, value: &str) -> ShownHeader {
        ShownHeader {
            name: name.into(),
            value: value.into(),
        }
    }

    fn report(outcome: Outcome, trusted_by: Option<TrustedBy>, http: bool) -> VerifyReport {
        let address: std::net::SocketAddr = "10.0.0.5:443".parse().unwrap();
        VerifyReport {
            integration: "Jira Cloud".into(),
            token: None,
            request: RequestSummary {
                method: "POST".into(),
                url: "https://jira.example.com/rest/hook".into(),
                headers: vec![
                    header("X-Team", "ops"),
                    header("Content-Type", "application/json"),
                    header("Authorization", "********"),
                ],
                body_bytes: 42,
                notes: Vec::new(),
            },
            proxy: None,
            resolve: Some(ResolveStage {
                host: "jira.example.com".into(),
                looked_up: true,
                addresses: vec![address.ip()],
                elapsed_ms: 3,
            }),
            connect: Some(ConnectStage {
                attempts: vec![ConnectAttempt {
                    address,
                    elapsed_ms: 12,
                    error: None,
                }],
                connected: Some(address),
            }),
            tls: Some(TlsStage {
                server_name: "jira.example.com".into(),
                protocol: trusted_by.map(|_| "TLS 1.3".into()),
                elapsed_ms: 20,
                certificate: Some(PeerCertificate {
                    subject: "CN=jira.example.com".into(),
                    issuer: "CN=jira.example.com".into(),
                    not_before: "2026-01-01 00:00:00 UTC".into(),
                    not_after: "2027-01-01 00:00:00 UTC".into(),
                    expired: false,
                    sha256_fingerprint: "AB:CD".into(),
                    names: vec!["jira.example.com".into()],
                    pem: "-----BEGIN CERTIFICATE-----\n...".into(),
                }),
                trusted_by,
            }),
            http: http.then(|| HttpStage {
                status: 200,
                reason: "OK".into(),
                first_byte_ms: 80,
                total_ms: 81,
                headers: vec![header("content-type", "application/json")],
                body_preview: "{\"ok\":true}\n\u{1b}[31mred".into(),
                body_bytes: 20,
                body_truncated: false,
            }),
            outcome,
            warnings: Vec::new(),
            elapsed_ms: 120,
        }
    }

    #[test]
    fn a_delivered_report_reads_stage_by_stage() {
        let delivered = report(
            Outcome::Delivered { status: 200 },
            Some(TrustedBy::Pinned),
            true,
        );
        insta::assert_snapshot!(report_lines(&delivered).join("\n"));
        assert_eq!(headline(&delivered), "DELIVERED 200");
    }

    #[test]
    fn a_refused_certificate_reads_with_its_advice() {
        let outcome = Outcome::NotDelivered {
            failure: Failure::TlsUntrusted,
            stage: Stage::Tls,
            summary: "the server's certificate was refused".into(),
            advice: "Upload it on the CERTIFICATE tab.".into(),
        };
        let refused = report(outcome, None, false);
        insta::assert_snapshot!(report_lines(&refused).join("\n"));
        assert_eq!(headline(&refused), "FAILED: untrusted certificate");
    }
}
