//! A keep-alive HTTP/1.1 receiver for delivery tests and benchmarks: it answers each
//! request by a script (request number → status and headers) and counts requests and
//! distinct `Webhook-Id`s. A slow one answers after a delay and counts how many
//! requests it held at once, in all and by request target.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The answer to the request numbered n (from 0): status and extra headers.
pub type Script = Arc<dyn Fn(usize) -> (u16, Vec<(String, String)>) + Send + Sync>;

#[derive(Default)]
pub struct Tally {
    pub requests: AtomicUsize,
    /// Connections accepted.
    pub connections: AtomicUsize,
    pub ids: Mutex<HashSet<String>>,
    /// Every request's head, in arrival order (kept only when asked).
    pub heads: Mutex<Vec<String>>,
    /// Requests held unanswered now, and the most held at once, by request target
    /// ("" for all).
    open: Mutex<HashMap<String, usize>>,
    most_open: Mutex<HashMap<String, usize>>,
}

impl Tally {
    fn opened(&self, target: &str) {
        let mut open = self.open.lock().unwrap();
        let mut most = self.most_open.lock().unwrap();
        for key in ["", target] {
            let now = open.entry(key.to_string()).or_default();
            *now += 1;
            let highest = most.entry(key.to_string()).or_default();
            *highest = (*highest).max(*now);
        }
    }

    fn answered(&self, target: &str) {
        let mut open = self.open.lock().unwrap();
        for key in ["", target] {
            if let Some(now) = open.get_mut(key) {
                *now -= 1;
            }
        }
    }
}

pub struct Receiver {
    pub addr: SocketAddr,
    pub tally: Arc<Tally>,
    task: JoinHandle<()>,
}

impl Receiver {
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }
    pub fn requests(&self) -> usize {
        self.tally.requests.load(Ordering::SeqCst)
    }
    pub fn connections(&self) -> usize {
        self.tally.connections.load(Ordering::SeqCst)
    }
    pub fn distinct(&self) -> usize {
        self.tally.ids.lock().unwrap().len()
    }
    pub fn heads(&self) -> Vec<String> {
        self.tally.heads.lock().unwrap().clone()
    }
    /// The most requests held unanswered at once, for `target` ("" for all); only a
    /// slow receiver holds them.
    pub fn most_at_once(&self, target: &str) -> usize {
        let most = self.tally.most_open.lock().unwrap();
        most.get(target).copied().unwrap_or(0)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
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
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tally = Arc::new(Tally::default());
    let counted = tally.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            counted.connections.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_nodelay(true);
            tokio::spawn(connection(
                stream,
                script.clone(),
                counted.clone(),
                keep_heads,
                delay,
            ));
        }
    });
    Receiver { addr, tally, task }
}

async fn connection(
    mut stream: tokio::net::TcpStream,
    script: Script,
    tally: Arc<Tally>,
    keep_heads: bool,
    delay: Duration,
) {
    let mut buffer: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Parse as many complete requests as the buffer holds.
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut request = httparse::Request::new(&mut headers);
            let Ok(httparse::Status::Complete(head_len)) = request.parse(&buffer) else {
                break;
            };
            let mut length = 0usize;
            let mut id = None;
            for header in request.headers.iter() {
                if header.name.eq_ignore_ascii_case("content-length") {
                    length = std::str::from_utf8(header.value)
                        .ok()
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                }
                if header.name.eq_ignore_ascii_case("webhook-id") {
                    id = Some(String::from_utf8_lossy(header.value).into_owned());
                }
            }
            if buffer.len() < head_len + length {
                break;
            }
            let target = request.path.unwrap_or_default().to_string();
            if keep_heads {
                let head = String::from_utf8_lossy(&buffer[..head_len]).into_owned();
                tally.heads.lock().unwrap().push(head);
            }
            if !delay.is_zero() {
                tally.opened(&target);
                tokio::time::sleep(delay).await;
                tally.answered(&target);
            }
            buffer.drain(..head_len + length);
            let n = tally.requests.fetch_add(1, Ordering::SeqCst);
            let (status, extra) = script(n);
            if let Some(id) = id.filter(|_| (200..300).contains(&status)) {
                tally.ids.lock().unwrap().insert(id);
            }
            let mut answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\n");
            for (name, value) in extra {
                answer.push_str(&format!("{name}: {value}\r\n"));
            }
            answer.push_str("\r\nok");
            if stream.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}
