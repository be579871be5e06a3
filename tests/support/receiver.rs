//! A webhook receiver for delivery tests and benchmarks, on the one test server: it
//! answers each request by a script (request number → status and headers) and counts
//! requests, connections and distinct `Webhook-Id`s. A slow one answers after a delay,
//! and says how many requests it held at once, in all and by request target.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::http_message::{Request, Response};
use super::http_server::TestServer;

/// The answer to the request numbered n (from 0): status and extra headers.
pub type Script = Arc<dyn Fn(usize) -> (u16, Vec<(String, String)>) + Send + Sync>;

pub struct Receiver {
    pub addr: SocketAddr,
    server: TestServer,
    /// The `Webhook-Id`s of the requests answered with a 2xx status.
    ids: Arc<Mutex<HashSet<String>>>,
}

impl Receiver {
    pub fn url(&self) -> String {
        self.server.url("/hook")
    }
    pub fn requests(&self) -> usize {
        self.server.requests()
    }
    pub fn connections(&self) -> usize {
        self.server.connections()
    }
    pub fn distinct(&self) -> usize {
        self.ids.lock().unwrap().len()
    }
    /// Every request's head, in arrival order (kept only when asked).
    pub fn heads(&self) -> Vec<String> {
        let received = self.server.received();
        received
            .into_iter()
            .map(|request| request.raw_head)
            .collect()
    }
    /// The most requests held unanswered at once, for `target` ("" for all).
    pub fn most_at_once(&self, target: &str) -> usize {
        self.server.most_at_once(target)
    }
}

pub fn always(status: u16) -> Script {
    Arc::new(move |_| (status, Vec::new()))
}

pub async fn receiver(script: Script, keep_heads: bool) -> Receiver {
    serve(script, keep_heads, Duration::ZERO).await
}

/// A receiver that answers every request `delay` after it arrived, keeping heads.
pub async fn slow_receiver(script: Script, delay: Duration) -> Receiver {
    serve(script, true, delay).await
}

async fn serve(script: Script, keep_heads: bool, delay: Duration) -> Receiver {
    let ids = Arc::new(Mutex::new(HashSet::new()));
    let answered = ids.clone();
    let handler = move |request: &Request| {
        let (status, headers) = script(request.number);
        if let Some(id) = request.header("webhook-id")
            && (200..300).contains(&status)
        {
            answered.lock().unwrap().insert(id.to_string());
        }
        Response {
            headers,
            delay,
            ..Response::text(status, "ok")
        }
    };
    let server = if keep_heads {
        TestServer::start(handler).await
    } else {
        TestServer::start_unrecorded(handler).await
    };
    Receiver {
        addr: server.addr,
        server,
        ids,
    }
}
