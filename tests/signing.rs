//! Signed payloads (Standard Webhooks) through the binary: `set NAME signing=on`
//! makes a secret and prints it once; the worker and VERIFY then sign what they send,
//! and Python's standard library, given what a real receiver captured, verifies the
//! signature (and refuses it once a byte of the body changed). Rotation sends both
//! signatures; the secret reaches neither the log file nor the attempt log.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::*;

/// A home with the integration `signed` delivering to `url`.
fn home_with(url: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    stdout_of(home.path(), &["add", "--name", "signed", "--url", url]);
    home
}

/// `set signed ARGS…`, which must succeed; what it printed.
fn set(home: &Path, changes: &[&str]) -> String {
    stdout_of(home, &[&["set", "signed"], changes].concat())
}

/// Queues one event with `payload` as its body; its id.
fn send(home: &Path, payload: &str) -> String {
    let file = home.join("payload.json");
    std::fs::write(&file, payload).unwrap();
    let answer = stdout_of(
        home,
        &[
            "send",
            "signed",
            "--event",
            "scan.finished",
            "--file",
            file.to_str().unwrap(),
            "--json",
        ],
    );
    let answer: serde_json::Value = serde_json::from_str(answer.trim()).unwrap();
    answer["id"].as_str().unwrap().to_string()
}

/// Runs `hookconsole worker` until `server` has received `count` requests.
async fn deliver(home: &Path, server: &TestServer, count: usize) {
    let home = home.to_path_buf();
    let worker = tokio::task::spawn_blocking(move || WorkerProcess::start(&home, &[]))
        .await
        .unwrap();
    let started = Instant::now();
    while server.requests() < count {
        assert!(started.elapsed() < Duration::from_secs(20), "not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::task::spawn_blocking(move || worker.stop())
        .await
        .unwrap();
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .header(name)
        .unwrap_or_else(|| panic!("no {name} in {}", request.raw_head))
}

/// The positions of the request's signatures that `secret` verifies, by Python.
fn verified_by(secret: &str, request: &Request, body: &[u8]) -> Vec<usize> {
    python_verifies(
        secret,
        header(request, "webhook-id"),
        header(request, "webhook-timestamp"),
        header(request, "webhook-signature"),
        body,
    )
}

fn everything_logged(home: &Path) -> String {
    let log = std::fs::read_to_string(home.join("logs/hookconsole.log")).unwrap_or_default();
    log + &stdout_of(home, &["logs", "--json"])
}

/// The secret as written (`whsec_…`) and its base64 part, neither of which may show.
fn assert_secret_absent(secret: &str, text: &str) {
    let encoded = secret.trim_start_matches("whsec_");
    assert!(
        !text.contains(secret) && !text.contains(encoded),
        "the signing secret shows in:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_signed_and_python_verifies_it_until_a_byte_changes() {
    let server = TestServer::start(|_: &Request| Response::text(200, "ok")).await;
    let home = home_with(&server.url("/hook"));
    let printed = set(home.path(), &["signing=on"]);
    let secret = signing_secret_in(&printed)
        .unwrap_or_else(|| panic!("signing=on prints the new secret: {printed}"));
    let key = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        secret.trim_start_matches("whsec_"),
    )
    .unwrap();
    assert!(key.len() >= 24, "{} bytes", key.len());

    // Not ASCII, and spaced as a person wrote it: signed as the bytes sent.
    let id = send(
        home.path(),
        "{ \"summary\": \"Scan fini — 3 vulnérabilités\" }\n",
    );
    deliver(home.path(), &server, 1).await;
    let request = &server.received()[0];
    assert_eq!(header(request, "webhook-id"), id);
    let signatures = header(request, "webhook-signature");
    assert!(signatures.starts_with("v1,"), "{signatures}");
    assert!(!signatures.contains(' '), "one secret, one signature");
    assert_eq!(verified_by(&secret, request, &request.body), [0]);

    let mut altered = request.body.clone();
    altered[3] ^= 0x01;
    assert_eq!(verified_by(&secret, request, &altered), Vec::<usize>::new());
    let mut longer = request.body.clone();
    longer.push(b' ');
    assert_eq!(verified_by(&secret, request, &longer), Vec::<usize>::new());

    // The log shows the signature header as sent, and never the secret.
    let logged = everything_logged(home.path());
    assert!(
        logged.contains(&format!(
            "{{\"name\":\"Webhook-Signature\",\"value\":\"{signatures}\"}}"
        )),
        "{logged}"
    );
    assert_secret_absent(&secret, &logged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_sends_both_signatures_each_verifying_with_its_secret() {
    let server = TestServer::start(|_: &Request| Response::text(200, "ok")).await;
    let home = home_with(&server.url("/hook"));
    let old = signing_secret_in(&set(home.path(), &["signing=on"])).unwrap();
    let printed = set(home.path(), &["signing=rotate", "overlap=2h"]);
    let new = signing_secret_in(&printed).unwrap();
    assert_ne!(old, new);
    assert!(
        printed.contains("until"),
        "the overlap's end is said: {printed}"
    );
    let shown = stdout_of(home.path(), &["show", "signed"]);
    assert_secret_absent(&old, &shown);
    assert_secret_absent(&new, &shown);

    send(home.path(), "{\"n\":1}");
    deliver(home.path(), &server, 1).await;
    let request = &server.received()[0];
    let signatures = header(request, "webhook-signature");
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
    assert_eq!(verified_by(&new, request, &request.body), [0]);
    assert_eq!(verified_by(&old, request, &request.body), [1]);
    let logged = everything_logged(home.path());
    assert_secret_absent(&old, &logged);
    assert_secret_absent(&new, &logged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_is_signed_as_a_delivery_is() {
    let server = TestServer::start(|_: &Request| Response::text(200, "ok")).await;
    let home = home_with(&server.url("/hook"));
    let secret = signing_secret_in(&set(home.path(), &["signing=on"])).unwrap();
    let output = output_async(home.path(), &["verify", "signed"]).await;
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Webhook-Signature: v1,"), "{stdout}");
    let request = &server.received()[0];
    assert_eq!(verified_by(&secret, request, &request.body), [0]);
    assert_secret_absent(&secret, &stdout);
    assert_secret_absent(&secret, &everything_logged(home.path()));
}

#[test]
fn the_secret_is_masked_kept_0600_and_exported_only_with_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let home = home_with("https://hooks.example.test/in");
    let secret = signing_secret_in(&set(home.path(), &["signing=on"])).unwrap();
    let file = home.path().join("integrations.yaml");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains(&secret));

    let shown = stdout_of(home.path(), &["show", "signed"]);
    assert!(shown.contains("Signing"), "{shown}");
    assert_secret_absent(&secret, &shown);
    let json = stdout_of(home.path(), &["show", "signed", "--json"]);
    assert_secret_absent(&secret, &json);
    let view: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(view["signing"]["enabled"], true, "{json}");
    assert_secret_absent(&secret, &stdout_of(home.path(), &["list"]));

    let bare = stdout_of(home.path(), &["export", "signed"]);
    assert_secret_absent(&secret, &bare);
    let full = stdout_of(home.path(), &["export", "signed", "--with-secrets"]);
    assert!(full.contains(&secret), "{full}");

    // An export without secrets imports back over the stored one, keeping its secret.
    let exported = home.path().join("export.yaml");
    std::fs::write(&exported, bare).unwrap();
    stdout_of(home.path(), &["import", exported.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&file).unwrap().contains(&secret));

    // signing=on again keeps the secret the receiver already has.
    let again = set(home.path(), &["signing=on"]);
    assert_eq!(signing_secret_in(&again), None, "{again}");
    assert!(std::fs::read_to_string(&file).unwrap().contains(&secret));

    set(home.path(), &["signing=off"]);
    assert!(!std::fs::read_to_string(&file).unwrap().contains("whsec_"));
    assert!(
        stdout_of(home.path(), &["show", "signed"]).contains("off"),
        "signing off shows as off"
    );
}

#[test]
fn bad_signing_input_is_refused_naming_the_field_and_changes_nothing() {
    let home = home_with("https://hooks.example.test/in");
    let file = home.path().join("integrations.yaml");
    let before = bytes(&file);
    for (changes, expected) in [
        (
            vec!["signing=maybe"],
            "Signing: `maybe` is not one of on, off, rotate",
        ),
        (
            vec!["signing=on", "overlap=1h"],
            "overlap: only with signing=rotate",
        ),
        (
            vec!["signing=rotate", "overlap=soon"],
            "overlap: `soon` is not",
        ),
        (
            vec!["signing=rotate", "overlap=90d"],
            "overlap: at most 30 days",
        ),
    ] {
        let stderr = stderr_of(
            cli(home.path()).args([&["set", "signed"], changes.as_slice()].concat()),
            2,
        );
        assert!(stderr.contains(expected), "{changes:?}: {stderr}");
        assert_eq!(bytes(&file), before, "{changes:?} changed the file");
    }
}

#[test]
fn a_stored_secret_that_cannot_sign_holds_the_deliveries_and_the_file_still_loads() {
    let home = home_with("https://hooks.example.test/in");
    stdout_of(
        home.path(),
        &["add", "--name", "other", "--url", "https://b.example.test/"],
    );
    let file = home.path().join("integrations.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    // Written by hand: 17 bytes, too short for the specification.
    let broken = text.replacen(
        "  url: https://hooks.example.test/in\n",
        "  url: https://hooks.example.test/in\n  signing:\n    secret: whsec_c2hvcnQtc2hvcnQtc2hvcnQ=\n",
        1,
    );
    assert_ne!(broken, text);
    std::fs::write(&file, broken).unwrap();
    let shown = stdout_of(home.path(), &["show", "signed"]);
    assert!(
        shown.contains("deliveries are held: invalid configuration: Signing: the secret's key must be 24 to 64 bytes, not 17"),
        "{shown}"
    );
    assert_secret_absent("whsec_c2hvcnQtc2hvcnQtc2hvcnQ=", &shown);
    assert!(stdout_of(home.path(), &["list"]).contains("other"));
    // Saving it as it is is refused, naming the field; signing=on makes a good one.
    let stderr = stderr_of(
        cli(home.path()).args(["set", "signed", "retry_interval=30"]),
        2,
    );
    assert!(
        stderr.contains("Signing: the secret's key must be"),
        "{stderr}"
    );
    let printed = set(home.path(), &["signing=rotate", "overlap=0"]);
    assert!(signing_secret_in(&printed).is_some(), "{printed}");
    assert!(!stdout_of(home.path(), &["show", "signed"]).contains("held"));
}
