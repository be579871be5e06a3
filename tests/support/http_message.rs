//! HTTP/1.1 messages as the test server reads and writes them: the request it read, the
//! answer it gives (or the silence or reset it gives instead), and the parser that cuts
//! whole requests out of what a connection sent.

use std::collections::HashMap;
use std::time::Duration;

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its place in the order the server read requests, from 0.
    pub number: usize,
    pub method: String,
    /// The request target as sent: the path and the query.
    pub target: String,
    pub path: String,
    pub query: String,
    /// Header names as sent, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The request line and the headers as on the wire, without the blank line.
    pub raw_head: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query_map(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How long the server waits before it sends the answer (after the handler ran):
    /// what a slow receiver or provider looks like to a client waiting for it.
    pub delay: Duration,
}

impl Response {
    pub fn status(status: u16) -> Response {
        Response::text(status, "")
    }

    pub fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    pub fn json(status: u16, value: serde_json::Value) -> Response {
        Response {
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(&value).unwrap(),
            ..Response::status(status)
        }
    }

    pub fn redirect(location: &str) -> Response {
        Response {
            headers: vec![("Location".into(), location.into())],
            ..Response::status(302)
        }
    }

    /// The answer as it goes on the wire, head and body in one write.
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let reason = http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or("Unknown");
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\n",
            self.status,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// What the server does with a request it has read.
#[derive(Debug, Clone)]
pub enum Reply {
    Answer(Response),
    /// Say nothing more on this connection, for as long as the server runs.
    Stall,
    /// Send a head promising a body that never comes, then stall.
    HeadThenStall,
    /// Reset the connection (TCP RST), without an answer.
    Reset,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Reply {
        Reply::Answer(response)
    }
}

/// A whole request at the start of `bytes`, and how many bytes it took; None while it
/// is not all there (or cannot be read as HTTP).
pub(super) fn parse(bytes: &[u8]) -> Option<(Request, usize)> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(head_length) = parsed.parse(bytes).ok()? else {
        return None;
    };
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|header| {
            let value = String::from_utf8_lossy(header.value).trim().to_string();
            (header.name.to_string(), value)
        })
        .collect();
    let body_length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let length = head_length + body_length;
    if bytes.len() < length {
        return None;
    }
    let target = parsed.path.unwrap_or("/").to_string();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target.clone(), String::new()),
    };
    let request = Request {
        number: 0,
        method: parsed.method.unwrap_or_default().to_string(),
        target,
        path,
        query,
        headers,
        body: bytes[head_length..length].to_vec(),
        raw_head: String::from_utf8_lossy(&bytes[..head_length])
            .trim_end()
            .to_string(),
    };
    Some((request, length))
}
