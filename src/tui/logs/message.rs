//! A logged request or answer as an HTTP message reads: the request line or the status
//! line, one `Name: value` line per header, then the body. The log keeps them as JSON
//! objects (see `delivery::worker::attempt`); fields this does not know, from older or
//! newer rows, are shown as `name: value` after the rest rather than dropped.

use serde_json::{Map, Value};

use crate::model::Grant;
use crate::tui::text::count;

/// The request's lines: `POST https://…`, its headers (secrets already masked by
/// the worker), and how long the body was (the log does not keep it).
pub fn request_lines(request: &Value) -> Vec<String> {
    let Some(fields) = request.as_object() else {
        return vec![request.to_string()];
    };
    let mut lines = Vec::new();
    match (text(fields, "method"), text(fields, "url")) {
        (Some(method), Some(url)) => lines.push(format!("{method} {url}")),
        (None, Some(url)) => lines.push(url.to_string()),
        (Some(method), None) => lines.push(method.to_string()),
        (None, None) => lines.push("(not sent: no request was built)".into()),
    }
    lines.extend(header_lines(fields));
    if let Some(bytes) = fields.get("body_bytes").and_then(Value::as_u64) {
        lines.push(format!("(body: {})", byte_count(bytes)));
    }
    if let Some(grant) = text(fields, "grant") {
        let grant = Grant::ALL
            .into_iter()
            .find(|known| known.as_str() == grant)
            .map_or_else(|| grant.to_string(), |known| known.label().to_string());
        lines.push(format!("(token: OAuth 2.0, {grant})"));
    }
    lines.extend(other_fields(
        fields,
        &["method", "url", "headers", "body_bytes", "grant"],
    ));
    lines
}

/// The answer's lines: `HTTP 503 Service Unavailable`, its headers, a blank line and
/// the head of its body (indented when it is JSON), and what of it the log left out.
pub fn response_lines(response: &Value) -> Vec<String> {
    let Some(fields) = response.as_object() else {
        return vec![response.to_string()];
    };
    let mut lines = Vec::new();
    if let Some(status) = fields.get("status").and_then(Value::as_u64) {
        let reason = text(fields, "reason").unwrap_or_default();
        lines.push(format!("HTTP {status} {reason}").trim_end().to_string());
    }
    lines.extend(header_lines(fields));
    let body = text(fields, "body").unwrap_or_default();
    let bytes = fields.get("body_bytes").and_then(Value::as_u64);
    let truncated = fields
        .get("body_truncated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if body.is_empty() {
        if bytes.unwrap_or(0) == 0 {
            lines.push("(no body)".into());
        }
    } else {
        lines.push(String::new());
        lines.extend(body_lines(body));
    }
    if truncated && let Some(bytes) = bytes {
        lines.push(format!(
            "(the first {} of {} kept)",
            byte_count(body.len() as u64),
            byte_count(bytes)
        ));
    }
    lines.extend(other_fields(
        fields,
        &[
            "status",
            "reason",
            "headers",
            "body",
            "body_bytes",
            "body_truncated",
        ],
    ));
    lines
}

/// A JSON body indented, as the receiver's error details are easier read that way;
/// anything else as it came.
fn body_lines(body: &str) -> Vec<String> {
    let trimmed = body.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(value) = serde_json::from_str::<Value>(body)
        && let Ok(pretty) = serde_json::to_string_pretty(&value)
    {
        return pretty.lines().map(str::to_string).collect();
    }
    body.lines().map(str::to_string).collect()
}

/// Headers as the worker logs them, `[{"name", "value"}]` in the order sent, or as a
/// `{name: value}` object.
fn header_lines(fields: &Map<String, Value>) -> Vec<String> {
    match fields.get("headers") {
        Some(Value::Array(headers)) => headers
            .iter()
            .flat_map(|header| {
                let name = header.get("name").and_then(Value::as_str).unwrap_or("?");
                header_line(name, header.get("value").unwrap_or(&Value::Null))
            })
            .collect(),
        Some(Value::Object(headers)) => headers
            .iter()
            .flat_map(|(name, value)| header_line(name, value))
            .collect(),
        _ => Vec::new(),
    }
}

/// `name: value`; a Standard Webhooks signature header that holds several signatures
/// (during a rotation) has one per line, under the first, so that each can be read
/// whole and compared with the receiver's at 80 columns.
fn header_line(name: &str, value: &Value) -> Vec<String> {
    match value.as_str() {
        Some(text) if name.eq_ignore_ascii_case("webhook-signature") && text.contains(' ') => {
            let indent = " ".repeat(name.chars().count() + 2);
            text.split_whitespace()
                .enumerate()
                .map(|(index, signature)| match index {
                    0 => format!("{name}: {signature}"),
                    _ => format!("{indent}{signature}"),
                })
                .collect()
        }
        _ => vec![field_line(name, value)],
    }
}

fn other_fields<'a>(
    fields: &'a Map<String, Value>,
    known: &'a [&str],
) -> impl Iterator<Item = String> + 'a {
    fields
        .iter()
        .filter(|(name, _)| !known.contains(&name.as_str()))
        .map(|(name, value)| field_line(name, value))
}

/// `name: value`, a text without its quotes.
fn field_line(name: &str, value: &Value) -> String {
    match value {
        Value::String(text) => format!("{name}: {text}"),
        other => format!("{name}: {other}"),
    }
}

fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

fn byte_count(bytes: u64) -> String {
    match bytes {
        0..1024 => count(bytes as usize, "byte", "bytes"),
        _ => format!("{:.1} KiB", bytes as f64 / 1024.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_reads_as_its_request_line_and_headers() {
        let request = json!({
            "body_bytes": 512,
            "headers": [
                {"name": "Authorization", "value": "••••••"},
                {"name": "Webhook-Id", "value": "evt_1"},
            ],
            "method": "POST",
            "url": "https://jira.example.com/rest/api/2/issue",
        });
        assert_eq!(
            request_lines(&request),
            [
                "POST https://jira.example.com/rest/api/2/issue",
                "Authorization: ••••••",
                "Webhook-Id: evt_1",
                "(body: 512 bytes)",
            ]
        );
    }

    #[test]
    fn an_oauth_request_says_which_grant_its_token_came_by() {
        let request = json!({
            "body_bytes": 2,
            "grant": "client_credentials",
            "headers": [{"name": "Authorization", "value": "Bearer ••••••"}],
            "method": "POST",
            "url": "https://r.example/hook",
        });
        assert_eq!(
            request_lines(&request),
            [
                "POST https://r.example/hook",
                "Authorization: Bearer ••••••",
                "(body: 2 bytes)",
                "(token: OAuth 2.0, Client credentials)",
            ]
        );
    }

    #[test]
    fn a_request_never_built_says_so() {
        assert_eq!(
            request_lines(&json!({ "body_bytes": 0 })),
            ["(not sent: no request was built)", "(body: 0 bytes)"]
        );
    }

    #[test]
    fn a_json_answer_is_indented_and_a_cut_one_says_how_much_was_kept() {
        let response = json!({
            "body": "{\"errors\":{\"project\":\"project is required\"}}",
            "body_bytes": 45,
            "body_truncated": false,
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "reason": "Bad Request",
            "status": 400,
        });
        assert_eq!(
            response_lines(&response),
            [
                "HTTP 400 Bad Request",
                "Content-Type: application/json",
                "",
                "{",
                "  \"errors\": {",
                "    \"project\": \"project is required\"",
                "  }",
                "}",
            ]
        );
        let cut = json!({
            "body": "{\"a\":",
            "body_bytes": 20_000,
            "body_truncated": true,
            "headers": [],
            "reason": "",
            "status": 502,
        });
        assert_eq!(
            response_lines(&cut),
            [
                "HTTP 502",
                "",
                "{\"a\":",
                "(the first 5 bytes of 19.5 KiB kept)"
            ]
        );
    }

    #[test]
    fn fields_it_does_not_know_are_shown_not_dropped() {
        let response = json!({ "status": 204, "reason": "No Content", "body": "",
            "body_bytes": 0, "headers": [], "protocol": "HTTP/2" });
        assert_eq!(
            response_lines(&response),
            ["HTTP 204 No Content", "(no body)", "protocol: HTTP/2"]
        );
    }

    #[test]
    fn each_signature_of_a_rotation_has_its_own_line_under_the_first() {
        let request = json!({
            "body_bytes": 7,
            "headers": [
                {"name": "Webhook-Id", "value": "evt_1"},
                {"name": "Webhook-Signature", "value": "v1,bmV3IHNpZ25hdHVyZQ== v1,b2xkIHNpZ25hdHVyZQ=="},
            ],
            "method": "POST",
            "url": "https://r.example/hook",
        });
        assert_eq!(
            request_lines(&request),
            [
                "POST https://r.example/hook",
                "Webhook-Id: evt_1",
                "Webhook-Signature: v1,bmV3IHNpZ25hdHVyZQ==",
                "                   v1,b2xkIHNpZ25hdHVyZQ==",
                "(body: 7 bytes)",
            ]
        );
    }
}
