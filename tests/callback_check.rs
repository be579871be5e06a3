#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

//! `hookconsole callback-url --check`: the callback listener started as an authorize
//! session starts it, and the callback URL requested as the provider's redirect would
//! reach it, stage by stage. Loopback only: every callback URL and bind address here is
//! on 127.0.0.1, and every server a test starts is dropped (stopped) by it.

mod support;

use std::net::SocketAddr;
use std::path::Path;

use hookconsole::delivery::{Outcome, Stage, check_callback};
use hookconsole::http::HttpOptions;
use hookconsole::oauth::{
    CallbackCheckPlan, CallbackListener, ListenerConfig, ListenerPlan, StartLink,
};
use support::*;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn settings(home: &Path, changes: &[String]) {
    let mut command = cli(home);
    command.arg("settings").args(changes);
    command.assert().success();
}

/// `callback-url --check [ARGS]` off the async threads; its exit status and stdout.
async fn check(home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = output_async(home, &[&["callback-url", "--check"], args].concat()).await;
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A callback URL on `url_port` with the listener bound to `bind`.
fn callback_on(home: &Path, scheme: &str, url_port: u16, bind: SocketAddr) {
    settings(
        home,
        &[
            format!("callback_url={scheme}://127.0.0.1:{url_port}/portal/oauth"),
            format!("callback_bind={bind}"),
        ],
    );
}

/// The listener's certificate and key: files the settings name.
fn identity_files(home: &Path, cert: &TestCert) {
    let (certificate, key) = (home.join("listener.pem"), home.join("listener.key"));
    std::fs::write(&certificate, &cert.pem).unwrap();
    std::fs::write(&key, &cert.key_pem).unwrap();
    settings(
        home,
        &[
            format!("callback_certificate={}", certificate.display()),
            format!("callback_key={}", key.display()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_fails_at_connect_and_a_listening_one_works() {
    let home = tempfile::tempdir().unwrap();
    // The URL points at a port nothing listens on; the listener binds another.
    let closed = unused_port();
    let bind = unused_port();
    callback_on(home.path(), "https", closed.port(), bind);
    let (code, stdout, _) = check(home.path(), &[]).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("connect   FAILED"), "{stdout}");
    assert!(stdout.contains("FAILS at connect"), "{stdout}");
    assert!(
        stdout.contains(&format!("callback_bind (now {bind})")),
        "{stdout}"
    );

    // The listener on the URL's own port, with its self-signed certificate.
    callback_on(home.path(), "https", bind.port(), bind);
    let (code, stdout, _) = check(home.path(), &[]).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("TLS       OK"), "{stdout}");
    assert!(stdout.contains("outcome   WORKS (200)"), "{stdout}");

    let (code, stdout, _) = check(home.path(), &["--json"]).await;
    assert_eq!(code, Some(0), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["http"]["status"], 200);
    assert!(
        json["request"]["url"]
            .as_str()
            .unwrap()
            .contains("state=hookconsole-check-")
    );
}

/// A reverse proxy that passes TLS through to the listener (as nginx's stream module
/// does): the URL's port is the proxy's, the listener binds another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_through_a_reverse_proxy_that_forwards_to_the_listener() {
    let home = tempfile::tempdir().unwrap();
    let bind = unused_port();
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let forwarding = tokio::spawn(async move {
        loop {
            let (mut inbound, _) = proxy.accept().await.unwrap();
            tokio::spawn(async move {
                let mut outbound = tokio::net::TcpStream::connect(bind).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    callback_on(home.path(), "https", proxy_addr.port(), bind);
    let (code, stdout, _) = check(home.path(), &[]).await;
    forwarding.abort();
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("connect   OK {proxy_addr}")),
        "{stdout}"
    );
    assert!(stdout.contains("WORKS"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reverse_proxy_that_does_not_forward_the_callback_path_is_named() {
    let home = tempfile::tempdir().unwrap();
    // The proxy presents the certificate the listener is configured with (so TLS
    // passes) and answers every path itself.
    let cert = self_signed(&["127.0.0.1"]);
    let proxy = TestServer::start_tls(
        |_| Response::text(404, "not found"),
        vec![cert.der.clone()],
        cert.key(),
    )
    .await;
    identity_files(home.path(), &cert);
    callback_on(home.path(), "https", proxy.addr.port(), unused_port());
    let (code, stdout, _) = check(home.path(), &[]).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("TLS       OK"), "{stdout}");
    assert!(stdout.contains("FAILS at HTTP"), "{stdout}");
    assert!(
        stdout.contains("the reverse proxy does not forward /portal/oauth"),
        "{stdout}"
    );
    assert_eq!(proxy.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_that_does_not_name_the_host_fails_at_tls() {
    let home = tempfile::tempdir().unwrap();
    let cert = self_signed(&["other.example"]);
    let proxy = TestServer::start_tls(
        |_| Response::text(200, "ok"),
        vec![cert.der.clone()],
        cert.key(),
    )
    .await;
    identity_files(home.path(), &cert);
    callback_on(home.path(), "https", proxy.addr.port(), unused_port());
    let (code, stdout, _) = check(home.path(), &[]).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAILS at TLS"), "{stdout}");
    assert!(stdout.contains("names other.example"), "{stdout}");
    assert!(stdout.contains("does not name `127.0.0.1`"), "{stdout}");
}

#[test]
fn settings_that_cannot_run_a_listener_are_bad_input() {
    let home = tempfile::tempdir().unwrap();
    let certificate = home.path().join("listener.pem");
    std::fs::write(&certificate, self_signed(&["127.0.0.1"]).pem).unwrap();
    // One of the two may be set before the other.
    settings(
        home.path(),
        &[format!("callback_certificate={}", certificate.display())],
    );
    let stderr = stderr_of(cli(home.path()).args(["callback-url", "--check"]), 2);
    assert!(
        stderr.contains("callback_certificate and callback_key"),
        "{stderr}"
    );
}

/// A callback certificate or key is read when it is set, not first when an AUTHORIZE
/// starts: a path to nothing, a file that is not PEM, and a key that is not the
/// certificate's are refused, naming the setting, and nothing is saved.
#[test]
fn a_listener_certificate_or_key_that_cannot_serve_is_refused_when_set() {
    let home = tempfile::tempdir().unwrap();
    let (cert, other) = (self_signed(&["127.0.0.1"]), self_signed(&["127.0.0.1"]));
    let file = |name: &str, text: &str| {
        let path = home.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let (certificate, key) = (file("c.pem", &cert.pem), file("k.pem", &cert.key_pem));
    let (other_key, not_pem) = (file("o.pem", &other.key_pem), file("n.pem", "hello\n"));
    let saved = home.path().join("settings.yaml");
    for (changes, field, says) in [
        (
            vec!["callback_certificate=/nonexistent/listener.pem".to_string()],
            "callback_certificate",
            "/nonexistent/listener.pem",
        ),
        (
            vec![
                format!("callback_certificate={certificate}"),
                format!("callback_key={other_key}"),
            ],
            "callback_key",
            "is not the private key of the certificate in",
        ),
        // Alone, before the other of the pair: still what it must be.
        (
            vec![format!("callback_certificate={not_pem}")],
            "callback_certificate",
            "no certificate in the file",
        ),
        (
            vec![format!("callback_certificate={key}")],
            "callback_certificate",
            "no certificate in the file",
        ),
        (
            vec![format!("callback_key={certificate}")],
            "callback_key",
            "not a PEM private key",
        ),
        (
            vec![
                format!("callback_certificate={certificate}"),
                format!("callback_key={not_pem}"),
            ],
            "callback_key",
            "not a PEM private key",
        ),
    ] {
        let stderr = stderr_of(cli(home.path()).arg("settings").args(&changes), 2);
        assert!(
            stderr.contains(&format!("error: {field}: ")) && stderr.contains(says),
            "{changes:?}: {stderr}"
        );
        assert!(!saved.exists(), "nothing saved: {changes:?}");
    }
    // One, then the other; a key that is not the stored certificate's blames the key.
    settings(
        home.path(),
        &[format!("callback_certificate={certificate}")],
    );
    let stderr = stderr_of(
        cli(home.path()).args(["settings", &format!("callback_key={other_key}")]),
        2,
    );
    assert!(
        stderr.contains("error: callback_key: ") && stderr.contains("not the private key"),
        "{stderr}"
    );
    settings(home.path(), &[format!("callback_key={key}")]);
}

/// A listener already waiting for an authorization answers the check itself; the
/// waiting flow never sees the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_authorization_is_not_disturbed() {
    let bind = unused_port();
    let (callbacks, mut waiting) = mpsc::channel(8);
    let config = ListenerConfig {
        bind,
        tls: None,
        callback_path: "/portal/oauth".into(),
        start: StartLink::new(
            "ABCDEFG".into(),
            "https://idp.example/authorize".into(),
            "jira".into(),
        ),
    };
    let session = CallbackListener::start(config, callbacks).await.unwrap();
    let plan = CallbackCheckPlan {
        callback_url: format!("http://{bind}/portal/oauth"),
        listener: ListenerPlan { bind, tls: None },
        certificate: None,
    };
    let report = check_callback(plan, &HttpOptions::default(), CancellationToken::new()).await;
    assert!(
        matches!(report.outcome, Outcome::Delivered { status: 200 }),
        "{:?}",
        report.outcome
    );
    assert!(
        report
            .request
            .notes
            .iter()
            .any(|note| note.contains("in use")),
        "{:?}",
        report.request.notes
    );
    assert!(waiting.try_recv().is_err(), "the flow saw the check");
    drop(session);

    // With nothing listening any more, the check starts its own listener on `bind`;
    // a callback URL on another port fails at connect.
    let plan = CallbackCheckPlan {
        callback_url: format!("http://{}/portal/oauth", unused_port()),
        listener: ListenerPlan { bind, tls: None },
        certificate: None,
    };
    let report = check_callback(plan, &HttpOptions::default(), CancellationToken::new()).await;
    assert!(
        matches!(
            report.outcome,
            Outcome::NotDelivered {
                stage: Stage::Connect,
                ..
            }
        ),
        "{:?}",
        report.outcome
    );
}
