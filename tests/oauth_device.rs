//! The device authorization grant (RFC 8628) end to end through the binary, against
//! a provider written in the tests: `authorize --json` prints the code first, the
//! session polls at the interval (5 s more after slow_down), and ends authorized,
//! denied or expired; the tokens then serve deliveries like the authorization code's.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use oauth_support::cli::run;
use oauth_support::device::{CLIENT_ID, DeviceProvider, Poll, USER_CODE};
use support::hookconsole;

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A public device client (no secret), form bodies unless `extra` says otherwise.
fn add(home: &Path, provider: &DeviceProvider) {
    add_with(home, provider, &[]);
}

fn add_with(home: &Path, provider: &DeviceProvider, extra: &[&str]) {
    let (hook, token, device) = (
        provider.server.url("/hook"),
        provider.server.url("/token"),
        provider.server.url("/device"),
    );
    let mut args = vec![
        "add",
        "--name",
        "dev",
        "--url",
        &hook,
        "--grant",
        "device-code",
        "--client-id",
        CLIENT_ID,
        "--token-url",
        &token,
        "--device-authorization-url",
        &device,
        "--scope",
        "hooks.write offline_access",
        "--client-authentication",
        "body",
    ];
    args.extend_from_slice(extra);
    let added = run(home, &args);
    assert!(added.status.success(), "{}", text(&added));
}

/// `authorize dev ARGS…` run to its end, in a thread so the provider keeps answering.
async fn authorize(home: &Path, args: &[&str]) -> Output {
    let mut command = hookconsole(home);
    command.args(["authorize", "dev"]).args(args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_line_first_then_pending_slow_down_and_authorized() {
    let provider = DeviceProvider::start(
        1,
        &[Poll::Pending, Poll::SlowDown, Poll::Pending],
        Poll::Approve,
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_path_buf();
    add(&home, &provider);

    let mut child = hookconsole(&home)
        .args(["authorize", "dev", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (first, child) = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        (line, child.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    assert!(child.status.success(), "{first}{}", text(&child));
    assert!(
        first.starts_with(&format!(
            "{{\"user_code\":\"{USER_CODE}\",\"verification_uri\":\"{}\",\"expires_in\":900,",
            provider.verification_uri()
        )),
        "{first}"
    );
    let line: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(
        line["verification_uri_complete"]
            .as_str()
            .unwrap()
            .ends_with("user_code=WDJBMJHT")
    );
    assert!(!first.contains("device-code-"), "the device code is secret");

    let state = provider.state.lock().unwrap();
    assert_eq!(
        state.device_parameters["scope"],
        "hooks.write offline_access"
    );
    assert_eq!(state.polls.len(), 4, "pending, slow_down, pending, tokens");
    assert_eq!(state.too_soon, 0, "never sooner than the interval");
    // After slow_down the interval is 1 + 5 s.
    let after_slow_down = state.polls[2].duration_since(state.polls[1]);
    assert!(
        after_slow_down >= Duration::from_secs(6),
        "{after_slow_down:?}"
    );
    drop(state);

    let status = run(&home, &["token", "dev", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["status"], "authorized");
    assert_eq!(status["refresh_token"], true);
    let verified = run(&home, &["verify", "dev"]);
    assert!(verified.status.success(), "{}", text(&verified));
    // Its tokens live as the authorization code's: refreshed with the refresh token,
    // as a public client (no secret).
    let refreshed = run(&home, &["token", "dev", "--refresh"]);
    assert!(refreshed.status.success(), "{}", text(&refreshed));
    assert_eq!(provider.state.lock().unwrap().refreshes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_url_and_qr_are_printed_and_denied_ends_it() {
    let provider = DeviceProvider::start(1, &[Poll::Pending], Poll::Denied).await;
    let home = tempfile::tempdir().unwrap();
    add(home.path(), &provider);
    let denied = authorize(home.path(), &["--qr", "ascii"]).await;
    let shown = text(&denied);
    assert_eq!(denied.status.code(), Some(1), "{shown}");
    assert!(shown.contains("WDJB-MJHT"), "grouped: {shown}");
    assert!(shown.contains(&provider.verification_uri()), "{shown}");
    assert!(shown.contains("##"), "an ASCII QR code: {shown}");
    assert!(
        shown.contains("Denied by the provider: access_denied"),
        "{shown}"
    );
    assert!(!shown.contains("device-code-"), "{shown}");
    let status = run(home.path(), &["token", "dev"]);
    assert!(text(&status).contains("denied"), "{}", text(&status));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_code_ends_it_as_expired() {
    let provider = DeviceProvider::start(1, &[], Poll::Expired).await;
    let home = tempfile::tempdir().unwrap();
    add(home.path(), &provider);
    let expired = authorize(home.path(), &["--qr", "none"]).await;
    assert_eq!(expired.status.code(), Some(1), "{}", text(&expired));
    assert!(
        text(&expired).contains("The code expired before it was entered"),
        "{}",
        text(&expired)
    );
}

/// A Device code URL that cannot be reached is named as such: the message blamed the
/// token request, whose URL is another field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_device_code_url_is_named() {
    let provider = DeviceProvider::start(1, &[], Poll::Expired).await;
    let home = tempfile::tempdir().unwrap();
    add(home.path(), &provider);
    let set = run(
        home.path(),
        &[
            "set",
            "dev",
            "device_authorization_url=http://127.0.0.1:9/device",
        ],
    );
    assert!(set.status.success(), "{}", text(&set));
    let failed = authorize(home.path(), &["--qr", "none"]).await;
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(
        text(&failed).contains("device authorization request (Device code URL) failed"),
        "{}",
        text(&failed)
    );
    assert!(
        !text(&failed).contains("token request"),
        "{}",
        text(&failed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_bodies_when_the_api_type_says_so() {
    let provider = DeviceProvider::start(1, &[Poll::Pending], Poll::Approve).await;
    let home = tempfile::tempdir().unwrap();
    add_with(home.path(), &provider, &["--api-type", "application/json"]);
    let authorized = authorize(home.path(), &["--qr", "none"]).await;
    assert!(authorized.status.success(), "{}", text(&authorized));
    assert!(
        text(&authorized).contains("authorized dev"),
        "{}",
        text(&authorized)
    );
    assert_eq!(
        provider.state.lock().unwrap().device_parameters["scope"],
        "hooks.write offline_access"
    );
}
