//! `hookconsole verify NAME [--json]`: exit status, output, and a log without secrets.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use hookconsole::model::{Authentication, Integration, Secret};
use support::*;

/// Runs `hookconsole --home HOME verify ARGS…` off the async threads (the receivers
/// run on them meanwhile).
async fn cli_verify(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    output_async(home, &[&["verify"], args].concat()).await
}

fn store(home: &std::path::Path, integrations: &[Integration]) {
    let document = hookconsole::store::to_document(integrations).unwrap();
    std::fs::write(home.join("integrations.yaml"), document).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_exit_status_says_delivered_or_not_and_output_is_the_stages() {
    let home = tempfile::tempdir().unwrap();
    let ok = http_server(answer(200)).await;
    let missing = http_server(answer(404)).await;
    let mut delivered = integration(&ok.url("/"));
    delivered.authentication = Authentication::Basic {
        username: "hiab".into(),
        password: Secret::new("s3cr3t-pass"),
    };
    let mut not_found = integration(&missing.url("/nope"));
    not_found.name = "missing".into();
    store(home.path(), &[delivered, not_found]);

    let output = cli_verify(home.path(), &["receiver"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for stage in [
        "request",
        "resolve",
        "connect",
        "HTTP",
        "outcome   DELIVERED (200)",
    ] {
        assert!(stdout.contains(stage), "{stage} in {stdout}");
    }

    let output = cli_verify(home.path(), &["missing", "--json"]).await;
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["outcome"]["result"], "not_delivered");
    assert_eq!(json["outcome"]["failure"]["class"], "not_found");
    assert_eq!(json["http"]["status"], 404);

    // A name no integration has is bad input, as for every command.
    let output = cli_verify(home.path(), &["no-such-integration"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-integration"));

    let log = std::fs::read_to_string(home.path().join("logs/hookconsole.log")).unwrap();
    assert!(log.contains("verify"), "{log}");
    assert!(!log.contains("s3cr3t-pass") && !log.contains("aGlhYjpzM2NyM3QtcGFzcw=="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_refuses_an_invalid_integration_with_status_2() {
    let home = tempfile::tempdir().unwrap();
    let mut broken = integration("ftp://receiver.example/");
    broken.content_sample = "{not json".into();
    store(home.path(), &[broken]);
    let output = cli_verify(home.path(), &["receiver"]).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("URL"), "{stderr}");
    let output = cli_verify(home.path(), &[]).await;
    assert_eq!(output.status.code(), Some(2), "no NAME is a usage error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_names_the_appliance_as_queued_events_do() {
    // The settings' hostname, as the worker renders queued events with it.
    let home = tempfile::tempdir().unwrap();
    let server = http_server(answer(200)).await;
    let mut hook = integration(&server.url("/"));
    hook.content_sample = r#"{"from": "{{ appliance.name }}"}"#.into();
    store(home.path(), &[hook]);
    hookconsole::store::SettingsStore::new(&hookconsole::store::Locations::in_home(home.path()))
        .update(|settings| settings.set("hostname", "hiab-eu.example.com"))
        .unwrap();
    let output = cli_verify(home.path(), &["receiver"]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let received = server.received();
    assert_eq!(
        String::from_utf8_lossy(&received[0].body),
        r#"{"from": "hiab-eu.example.com"}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_cannot_be_written_is_an_error_and_a_closed_pipe_is_not() {
    let home = tempfile::tempdir().unwrap();
    let ok = http_server(answer(200)).await;
    store(home.path(), &[integration(&ok.url("/"))]);
    let run = |stdout: std::process::Stdio| {
        let mut command = hookconsole(home.path());
        command.args(["verify", "receiver"]).stdout(stdout);
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = run(full.into()).await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("writing standard output"), "{stderr}");

    // Delivered, read by nobody: the exit status still says delivered.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = run(writer.into()).await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// Jira Cloud before authorization: its URL comes from the site chosen after it. The
/// outcome and the advice say the same thing, with the command that does it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_its_site_is_chosen_the_advice_is_to_authorize_with_the_command() {
    let home = tempfile::tempdir().unwrap();
    let mut jira = hookconsole::model::find_preset("jira-cloud")
        .unwrap()
        .with_defaults();
    jira.name = "Jira".into();
    if let Authentication::OAuth(oauth) = &mut jira.authentication {
        oauth.client_id = "hiab-client".into();
        oauth.client_secret = Secret::new("client-secret");
    }
    store(home.path(), &[jira]);
    let output = cli_verify(home.path(), &["Jira"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let advice = stdout
        .lines()
        .find(|line| line.starts_with("advice"))
        .unwrap_or_else(|| panic!("no advice:\n{stdout}"));
    assert!(advice.contains("hookconsole authorize Jira"), "{advice}");
    assert!(advice.contains("site"), "{advice}");
    assert!(
        !stdout.contains("Correct the integration's URL"),
        "{stdout}"
    );
    let outcome = stdout
        .lines()
        .find(|line| line.starts_with("outcome"))
        .unwrap();
    assert!(outcome.contains("not authorized"), "{outcome}");

    let output = cli_verify(home.path(), &["Jira", "--json"]).await;
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["outcome"]["failure"]["class"], "site_not_chosen");
    assert_eq!(json["outcome"]["failure"]["authorized"], false);
}

/// A receiver on loopback with a self-signed certificate: VERIFY fails on it and says
/// how to trust it, `--trust-presented` pins exactly the certificate presented and
/// prints its fingerprint, and the next VERIFY is delivered, trusting it by the pin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_presented_pins_a_self_signed_certificate_and_the_next_verify_passes() {
    let home = tempfile::tempdir().unwrap();
    let presented = self_signed(&["127.0.0.1"]);
    let server = https_server(answer(200), vec![presented.der.clone()], presented.key()).await;
    store(
        home.path(),
        &[Integration::new("Self signed", server.url("/hook"))],
    );
    let expected = hookconsole::model::fingerprint(presented.der.as_ref());

    let output = cli_verify(home.path(), &["Self signed"]).await;
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("trust    NOT TRUSTED"), "{stdout}");
    assert!(stdout.contains(&expected), "{stdout}");
    assert!(stdout.contains("valid    "), "{stdout}");
    assert!(
        stderr.contains("hookconsole verify 'Self signed' --trust-presented"),
        "{stderr}"
    );
    // Only the explicit flag pins.
    let stored = || {
        hookconsole::store::IntegrationStore::new(home.path().join("integrations.yaml"))
            .load()
            .unwrap()
            .integrations[0]
            .certificate
            .clone()
    };
    assert_eq!(stored(), None);
    assert_eq!(server.requests(), 0);

    let output = cli_verify(home.path(), &["Self signed", "--trust-presented"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "pinned the certificate `Self signed`'s server presented: SHA-256 {expected}"
        )),
        "{stdout}"
    );
    let pinned = hookconsole::model::parse_pem(&stored().unwrap()).unwrap();
    assert_eq!(pinned[0].der, presented.der.as_ref());

    let output = cli_verify(home.path(), &["Self signed"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("trust    pinned"), "{stdout}");
    assert_eq!(server.requests(), 1);

    // Where nothing is refused, the flag pins nothing.
    let output = cli_verify(home.path(), &["Self signed", "--trust-presented"]).await;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(parse(&stored()).len(), 1);
}

fn parse(pem: &Option<String>) -> Vec<hookconsole::model::CertificateSummary> {
    hookconsole::model::parse_pem(pem.as_deref().unwrap()).unwrap()
}
