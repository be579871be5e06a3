//! What an HTTP Headers row may hold: a name that is an RFC 9110 token and is not one
//! of the headers the HTTP client writes itself, and a value without control
//! characters. A request built from anything else is corrupt on the wire: a
//! `Content-Length: 5` sends five bytes of every body, and the receiver's 200 is
//! logged as delivered.

use super::field::Field;
use super::integration::Integration;
use super::validation::FieldError;

/// Headers the HTTP client writes from the request itself (lower case), with why.
/// Framing (RFC 9112 section 6), the host (RFC 9110 section 7.2), and the
/// connection-specific fields that HTTP/2 forbids outright (RFC 9113 section 8.2.2)
/// and HTTP/1.1 intermediaries drop (RFC 9110 section 7.6.1).
const CLIENT_OWNED: [(&str, &str); 10] = [
    (
        "content-length",
        "it frames the body (RFC 9112, section 6.2)",
    ),
    (
        "transfer-encoding",
        "it frames the body (RFC 9112, section 6.1)",
    ),
    ("host", "it comes from the URL (RFC 9110, section 7.2)"),
    (
        "connection",
        "it belongs to the connection (RFC 9110, section 7.6.1)",
    ),
    (
        "keep-alive",
        "it belongs to the connection (RFC 9110, section 7.6.1)",
    ),
    (
        "upgrade",
        "it switches the connection's protocol (RFC 9110, section 7.8)",
    ),
    (
        "te",
        "it belongs to the connection (RFC 9110, section 10.1.4)",
    ),
    (
        "trailer",
        "it announces trailer fields the client never sends (RFC 9110, section 6.6.2)",
    ),
    (
        "expect",
        "the client would wait for a 100 Continue it does not handle (RFC 9110, section 10.1.1)",
    ),
    (
        "http2-settings",
        "it belongs to an HTTP/2 upgrade (RFC 7540, section 3.2.1)",
    ),
];

/// Why a header named `name` (any case) cannot come from the integration, when it
/// is one the HTTP client owns: the list above, and every `Proxy-*` header, which is
/// for the proxy the settings name.
pub fn client_owned_header(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.len() >= 6 && name[..6].eq_ignore_ascii_case("proxy-") {
        return Some("it is meant for a proxy, which comes from the settings");
    }
    CLIENT_OWNED
        .iter()
        .chain(DELIVERY_OWNED.iter())
        .find(|(owned, _)| name.eq_ignore_ascii_case(owned))
        .map(|(_, why)| *why)
}

/// Headers every delivery and VERIFY set per event (lower case): a second copy from the
/// integration would reach the receiver beside ours, and a receiver that deduplicates
/// or checks timestamps would read either.
const DELIVERY_OWNED: [(&str, &str); 3] = [
    (
        "webhook-id",
        "it is the event's id, which every delivery sets itself",
    ),
    (
        "webhook-timestamp",
        "it is the time of the attempt, which every delivery sets itself",
    ),
    (
        "webhook-signature",
        "it is the payload's signature, which a delivery computes itself",
    ),
];

/// Every problem of the HTTP Headers rows, in row order, each naming its row and
/// header. A stored integration with one of them loads, but holds its deliveries
/// (see `Integration::hold_reason`).
pub fn header_problems(integration: &Integration) -> Vec<FieldError> {
    let mut problems = Vec::new();
    for (index, header) in integration.http_headers.iter().enumerate() {
        let row = index + 1;
        let mut problem =
            |message: String| problems.push(FieldError::new(Field::HttpHeaders, message));
        let name = printable(&header.name);
        if header.name.is_empty() {
            problem(format!("row {row}: the name is empty"));
        } else if !header.name.bytes().all(is_token_char) {
            problem(format!(
                "row {row}: `{name}` is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
            ));
        } else if let Some(why) = client_owned_header(&header.name) {
            problem(format!(
                "row {row}: `{name}` is set by the HTTP client, not by the integration: {why}; remove this header"
            ));
        }
        if header.value.contains(['\r', '\n']) {
            problem(format!(
                "row {row}: the value of `{name}` contains a line break, which would split the request"
            ));
        } else if let Some(control) = header.value.chars().find(|&c| is_forbidden_control(c)) {
            problem(format!(
                "row {row}: the value of `{name}` contains the control character U+{:04X}, which a header cannot carry",
                u32::from(control)
            ));
        } else if let Some(other) = header.value.chars().find(|c| !c.is_ascii()) {
            // The HTTP client sends visible ASCII only (RFC 9110 section 5.5 leaves
            // other bytes undefined): every attempt would fail before it is sent.
            problem(format!(
                "row {row}: the value of `{name}` contains `{}`, which is not ASCII: header values are sent as ASCII (percent-encode it, or see RFC 8187)",
                other.escape_debug()
            ));
        }
    }
    problems
}

/// Control characters a field value cannot hold: all but the tab (RFC 9110,
/// section 5.5), and DEL.
fn is_forbidden_control(c: char) -> bool {
    (c < ' ' && c != '\t') || c == '\u{7f}'
}

/// RFC 9110 `tchar`.
fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Shows control characters as escapes, so a message never breaks a line or a screen.
pub(super) fn printable(text: &str) -> String {
    text.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Header;

    fn problems(name: &str, value: &str) -> Vec<String> {
        let mut integration = Integration::new("a", "https://r.example/");
        integration.http_headers = vec![Header::new(name, value)];
        header_problems(&integration)
            .into_iter()
            .map(|problem| problem.to_string())
            .collect()
    }

    #[test]
    fn every_owned_header_is_refused_in_any_case() {
        for name in [
            "Content-Length",
            "CONTENT-LENGTH",
            "Transfer-Encoding",
            "Host",
            "Connection",
            "Keep-Alive",
            "Upgrade",
            "TE",
            "te",
            "Trailer",
            "Expect",
            "HTTP2-Settings",
            "Proxy-Authorization",
            "Proxy-Connection",
            "proxy-anything",
        ] {
            let found = problems(name, "x");
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert!(
                found[0].starts_with(&format!(
                    "HTTP Headers: row 1: `{name}` is set by the HTTP client"
                )),
                "{found:?}"
            );
        }
    }

    #[test]
    fn the_headers_every_delivery_sets_are_refused() {
        for name in ["Webhook-Id", "webhook-timestamp", "Webhook-Signature"] {
            let found = problems(name, "x");
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert!(found[0].contains("which"), "{found:?}");
        }
    }

    #[test]
    fn a_value_that_is_not_ascii_is_refused_naming_the_character() {
        let found = problems("X-Team", "Sécurité");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`é`, which is not ASCII"), "{found:?}");
        assert!(problems("X-Team", "Securite\tok").is_empty());
    }

    #[test]
    fn ordinary_headers_are_kept() {
        for name in [
            "Content-Type",
            "User-Agent",
            "Authorization",
            "X-Proxy-Id",
            "Hosting",
            "Accept",
        ] {
            assert!(problems(name, "x").is_empty(), "{name}");
        }
    }

    #[test]
    fn control_characters_are_refused_but_a_tab_is_not() {
        for value in ["a\u{1}b", "\u{1b}[2J", "a\u{7f}", "a\u{0}b", "\u{1f}"] {
            let found = problems("X-Note", value);
            assert_eq!(found.len(), 1, "{value:?}: {found:?}");
            assert!(found[0].contains("control character U+"), "{found:?}");
        }
        assert!(problems("X-Note", "a\tb").is_empty());
        assert!(problems("X-Note", "a\r\nX-Injected: 1")[0].contains("line break"));
    }
}
