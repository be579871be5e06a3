//! `hookconsole authorize` as a person runs it: the binary prints the start link, a
//! "phone" opens it, the provider redirects to the listener, the command ends
//! authorized; `token` shows the status without a token; `verify` then delivers with
//! the Bearer token.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::process::Stdio;
use std::sync::{Arc, Mutex};

use oauth_support::cli::{
    Authorizing, authorize_by_phone, listen_on_loopback, run, run_with_input,
};
use oauth_support::provider::{Provider, SECRET, Style};
use oauth_support::{Response, TestServer};
use support::hookconsole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_then_token_then_verify_with_the_bearer_token() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let receiver = TestServer::start(move |request| {
        record
            .lock()
            .unwrap()
            .push(request.header("authorization").unwrap_or("").to_string());
        Response::json(201, serde_json::json!({"id": "10001", "key": "TEST-1"}))
    })
    .await;

    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let settings = provider.settings(Style::StrictJson);
    let issue_url = receiver.url("/rest/api/2/issue");
    let added = run_with_input(
        home,
        &[
            "add",
            "--name",
            "jira",
            "--url",
            &issue_url,
            "--auth",
            "oauth",
            "--client-id",
            &settings.client_id,
            "--token-url",
            &settings.token_url,
            "--authorize-url",
            &settings.authorize_url,
            "--api-type",
            "application/json",
            "--scope",
            &settings.scope,
            "--header",
            "Content-Type: application/json",
        ],
        &format!("{SECRET}\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    listen_on_loopback(home);
    assert_eq!(
        String::from_utf8_lossy(&run(home, &["token", "jira"]).stdout).trim(),
        "not authorized"
    );

    let (status, printed) = authorize_by_phone(
        home,
        "jira",
        &["--param", "prompt=consent", "--qr", "ascii"],
    )
    .await;
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(printed.contains("authorized jira"));
    assert!(printed.contains("##"), "an ASCII QR code is printed");
    assert!(printed.contains("prompt=consent"));

    let token = run(home, &["token", "jira", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&token.stdout).unwrap();
    assert_eq!(json["status"], "authorized");
    assert_eq!(json["refresh_token"], true);
    let shown = String::from_utf8_lossy(&token.stdout).to_string()
        + &String::from_utf8_lossy(&run(home, &["token", "jira"]).stdout);
    assert!(
        !shown.contains("access-") && !shown.contains("refresh-"),
        "no token shown: {shown}"
    );

    let verify = run(home, &["verify", "jira"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let authorization = seen.lock().unwrap().last().cloned().unwrap();
    assert!(
        authorization.starts_with("Bearer access-"),
        "{authorization}"
    );
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(!report.contains("access-"), "the report shows no token");

    // No token or secret reached the log file.
    let log = std::fs::read_to_string(home.join("logs/hookconsole.log")).unwrap_or_default();
    assert!(!log.contains("access-") && !log.contains("refresh-") && !log.contains(SECRET));

    let forgot = run(home, &["token", "jira", "--forget"]);
    assert!(forgot.status.success());
    let verify = run(home, &["verify", "jira"]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("not authorized"));
}

/// Two real processes refresh at the same moment against a provider that rotates
/// refresh tokens: both succeed, and a rotated refresh token is never sent again (a
/// process that started after the other's refresh may refresh once more, with the new
/// token; one that overlapped takes the other's result).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refreshing_at_once_make_one_request() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_path_buf();
    let settings = provider.settings(Style::StrictJson);
    let added = hookconsole(&home)
        .args(["add", "--name", "jira", "--url", "http://127.0.0.1:9/hook"])
        .args([
            "--auth",
            "oauth",
            "--client-id",
            &settings.client_id,
            "--client-secret",
            SECRET,
        ])
        .args([
            "--token-url",
            &settings.token_url,
            "--authorize-url",
            &settings.authorize_url,
        ])
        .args(["--api-type", "application/json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    listen_on_loopback(&home);
    // Authorize by paste: the "browser" follows the authorize URL, the redirect is typed in.
    let authorizing = Authorizing::start_paste(&home, "jira").await;
    let redirected = oauth_support::provider::browse(&authorizing.link).await;
    let (done, _) = authorizing.finish_by_paste(&redirected).await;
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(provider.token_requests(), 1);

    for _ in 0..5 {
        let (a, b) = (home.clone(), home.clone());
        let first = std::thread::spawn(move || run(&a, &["token", "jira", "--refresh"]));
        let second = std::thread::spawn(move || run(&b, &["token", "jira", "--refresh"]));
        for output in [first.join().unwrap(), second.join().unwrap()] {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(String::from_utf8_lossy(&output.stdout).starts_with("authorized"));
        }
    }
    let state = provider.state.lock().unwrap();
    assert_eq!(
        state.refresh_reuse, 0,
        "a rotated refresh token was sent again"
    );
    assert!(
        (6..=11).contains(&state.token_requests),
        "{}",
        state.token_requests
    );
}

/// The callback listener listens on all addresses while an authorization waits: with
/// fewer descriptors than connections (`ulimit -n 64`, 200 idle clients), it does not
/// spin on `accept` (little CPU, little log), and the phone that comes once they are
/// gone still completes the authorization.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_the_callback_listener_pauses_and_still_authorizes() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let settings = provider.settings(Style::StrictJson);
    let added = run_with_input(
        home,
        &[
            "add",
            "--name",
            "jira",
            "--url",
            "http://127.0.0.1:9/hook",
            "--auth",
            "oauth",
            "--client-id",
            &settings.client_id,
            "--token-url",
            &settings.token_url,
            "--authorize-url",
            &settings.authorize_url,
            "--api-type",
            "application/json",
            "--scope",
            &settings.scope,
        ],
        &format!("{SECRET}\n"),
    );
    assert!(added.status.success(), "{added:?}");
    listen_on_loopback(home);
    let authorizing = Authorizing::start(home, "jira", &[], Some(64)).await;
    let listener = url::Url::parse(&authorizing.link)
        .unwrap()
        .socket_addrs(|| None)
        .unwrap()[0];
    let idle: Vec<std::net::TcpStream> = (0..200)
        .map(|_| std::net::TcpStream::connect(listener).unwrap())
        .collect();
    // Let it reach the limit, then watch it there.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let pid = authorizing.child.id();
    let log_file = home.join("logs/hookconsole.log");
    let cpu = support::cpu_time(pid);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let used = support::cpu_time(pid) - cpu;
    let logged = std::fs::metadata(&log_file).map_or(0, |meta| meta.len());
    // A loop that spins on EMFILE burns the whole 2 s.
    assert!(
        used < std::time::Duration::from_millis(500),
        "{used:?} of CPU in 2 s"
    );
    assert!(logged < 64 * 1024, "the log holds {logged} bytes");
    drop(idle);
    let (status, printed) = authorizing.finish_by_phone().await;
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(printed.contains("authorized jira"), "{printed}");
}

/// The start link is one-time (issue 15): a second visit does not redirect to the
/// authorize URL again but says the link was used and how to start again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_link_works_once() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_path_buf();
    let settings = provider.settings(Style::StrictJson);
    let added = hookconsole(&home)
        .args(["add", "--name", "jira", "--url", "http://127.0.0.1:9/hook"])
        .args(["--auth", "oauth", "--client-id", &settings.client_id])
        .args([
            "--client-secret",
            SECRET,
            "--token-url",
            &settings.token_url,
        ])
        .args(["--authorize-url", &settings.authorize_url])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    listen_on_loopback(&home);
    let authorizing = Authorizing::start(&home, "jira", &["--timeout", "60"], None).await;
    let link = authorizing.link.clone();

    let _ = rustls::crypto::ring::default_provider().install_default();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let first = browser.get(&link).send().await.unwrap();
    assert_eq!(first.status(), 302);
    let location = first.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&settings.authorize_url), "{location}");

    let second = browser.get(&link).send().await.unwrap();
    assert_eq!(second.status(), 410);
    assert!(second.headers().get("location").is_none());
    let page = second.text().await.unwrap();
    assert!(page.contains("already been used"), "{page}");
    assert!(page.contains("hookconsole authorize jira"), "{page}");
    assert!(page.contains("press a"), "{page}");

    authorizing.cancel();
}
