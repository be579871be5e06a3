//! The HTTP client alone, without the queue or the log (`cargo bench --bench
//! http_clients -- URL [SECONDS]`): how many POSTs of a 1 KiB JSON body one thread gets
//! through against a receiver with 64 connections: on the reqwest client an integration
//! has (deliveries through a proxy; every delivery before 2026-12-06), on hyper's
//! client used directly, and as the worker sends (`delivery::send_keeping` on the
//! integration's hyper client: the request built with its headers, the answer read
//! and kept as the attempt log keeps it). Issue 20 item 1
//! asks for deliveries at half of wrk's rate against nginx; this says how much of that
//! each client could give if nothing else cost anything. `benches/nginx_anchor.py`
//! runs it against nginx beside wrk in each round.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // benches fail loudly and print

#[path = "support/process.rs"]
mod process;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookconsole::delivery::{
    ATTEMPT_BODY_BYTES, Credential, RequestBase, WebhookStamp, send_keeping,
};
use hookconsole::http::{HttpOptions, build_client};
use hookconsole::model::Integration;
use http_body_util::{BodyExt, Full};
use process::own_cpu_seconds;

/// The allocator the `hookconsole` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// As many requests in flight as the worker has with `concurrency_per_integration=64`
/// and as wrk has with `-c64`.
const CONNECTIONS: usize = 64;

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:18480/hook".to_string());
    let seconds: u64 = args.next().map_or(5, |s| s.parse().unwrap());
    let body = Bytes::from(format!(
        r#"{{"finding":{{"name":"{}","severity":"high"}}}}"#,
        "x".repeat(960)
    ));
    let duration = Duration::from_secs(seconds);
    let (rate, cpu_us) = measure(duration, || reqwest_loop(&url, body.clone(), duration));
    println!("reqwest (proxied deliveries): {rate:.0} requests/s, {cpu_us:.1} µs CPU/request");
    let (rate, cpu_us) = measure(duration, || hyper_loop(&url, body.clone(), duration));
    println!("hyper directly: {rate:.0} requests/s, {cpu_us:.1} µs CPU/request");
    let (rate, cpu_us) = measure(duration, || worker_send_loop(&url, &body, duration));
    println!("the worker's send: {rate:.0} requests/s, {cpu_us:.1} µs CPU/request");
}

/// Runs `requests` on one current-thread runtime (as each of the worker's delivery
/// threads is): requests per second and this process's CPU per request.
fn measure<F, Fut>(duration: Duration, requests: F) -> (f64, f64)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = u64>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cpu_before = own_cpu_seconds();
    let started = Instant::now();
    let done = runtime.block_on(requests());
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = own_cpu_seconds() - cpu_before;
    assert!(elapsed >= duration.as_secs_f64());
    (done as f64 / elapsed, cpu / done as f64 * 1e6)
}

async fn reqwest_loop(url: &str, body: Bytes, duration: Duration) -> u64 {
    let integration = Integration::new("bench", url);
    let client = build_client(&integration, &HttpOptions::default())
        .unwrap()
        .client;
    let url = reqwest::Url::parse(url).unwrap();
    in_parallel(duration, move || {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        async move {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            response.bytes().await.unwrap();
        }
    })
    .await
}

async fn hyper_loop(url: &str, body: Bytes, duration: Duration) -> u64 {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let uri: hyper::Uri = url.parse().unwrap();
    in_parallel(duration, move || {
        let (client, uri, body) = (client.clone(), uri.clone(), body.clone());
        async move {
            let request = hyper::Request::post(uri)
                .header("content-type", "application/json")
                .body(Full::new(body))
                .unwrap();
            let response = client.request(request).await.unwrap();
            assert!(response.status().is_success());
            response.into_body().collect().await.unwrap();
        }
    })
    .await
}

async fn worker_send_loop(url: &str, body: &Bytes, duration: Duration) -> u64 {
    let integration = Integration::new("bench", url);
    let client = Arc::new(build_client(&integration, &HttpOptions::default()).unwrap());
    let base = Arc::new(RequestBase::new(&integration).unwrap());
    let payload: Arc<str> = String::from_utf8(body.to_vec()).unwrap().into();
    in_parallel(duration, move || {
        let (client, base, payload) = (client.clone(), base.clone(), payload.clone());
        async move {
            let stamp = WebhookStamp {
                id: "evt_bench",
                timestamp: 1_700_000_000,
            };
            let request = base.request(&payload, &Credential::None, stamp).unwrap();
            let answer = send_keeping(&client, &request, ATTEMPT_BODY_BYTES)
                .await
                .unwrap();
            assert!((200..300).contains(&answer.status));
        }
    })
    .await
}

/// `CONNECTIONS` tasks each sending one request after another until `duration` is
/// over; how many were answered.
async fn in_parallel<F, Fut>(duration: Duration, request: F) -> u64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let deadline = Instant::now() + duration;
    let answered = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (request, answered) = (request.clone(), answered.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    request().await;
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    answered.load(Ordering::Relaxed)
}
