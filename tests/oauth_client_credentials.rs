//! The client-credentials grant (RFC 6749 section 4.4) end to end through the binary,
//! against a token endpoint written here: form and JSON bodies, HTTP Basic and body
//! client authentication, the token fetched when first needed and again after a 401,
//! the error answers with their advice, one token request for 50 concurrent
//! deliveries (in one worker, and across two token providers sharing the store).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use hookconsole::home::Home;
use hookconsole::store::Locations;
use oauth_support::cli::{run, run_with_input};
use oauth_support::client_credentials::{
    Body, CLIENT_ID, CLIENT_SECRET, ClientAuth, TokenEndpoint,
};
use support::{WorkerProcess, cli};

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `add --grant client-credentials` with the secret on standard input.
fn add(home: &Path, endpoint: &TokenEndpoint, extra: &[&str]) {
    let token_url = endpoint.token_url();
    let hook_url = endpoint.hook_url();
    let mut args = vec![
        "add",
        "--name",
        "m2m",
        "--url",
        &hook_url,
        "--grant",
        "client-credentials",
        "--client-id",
        CLIENT_ID,
        "--token-url",
        &token_url,
    ];
    args.extend_from_slice(extra);
    let added = run_with_input(home, &args, &format!("{CLIENT_SECRET}\n"));
    assert!(added.status.success(), "{}", text(&added));
}

/// Nothing a person sees holds the client secret or an access token.
fn assert_no_secret(shown: &str) {
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(!shown.contains("cc-access-"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_and_basic_fetch_when_needed_reuse_refresh_and_renew_after_a_401() {
    let endpoint = TokenEndpoint::start(Body::Form, ClientAuth::Basic).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    add(
        home,
        &endpoint,
        &[
            "--scope",
            "hooks.write",
            "--audience",
            "https://api.example.test",
            "--token-parameters",
            "resource=https://resource.example.test/",
            "--api-type",
            "form",
            "--client-authentication",
            "basic",
        ],
    );
    let shown = run(home, &["show", "m2m"]);
    assert!(
        text(&shown).contains("Client credentials"),
        "{}",
        text(&shown)
    );
    let status = run(home, &["token", "m2m"]);
    assert!(text(&status).contains("no token yet"), "{}", text(&status));
    // No authorization step exists for this grant.
    let authorize = run(home, &["authorize", "m2m"]);
    assert_eq!(authorize.status.code(), Some(2), "{}", text(&authorize));
    assert!(
        text(&authorize).contains("client credentials, which need no authorization"),
        "{}",
        text(&authorize)
    );
    assert_eq!(endpoint.token_requests(), 0);

    let verified = run(home, &["verify", "m2m"]);
    let report = text(&verified);
    assert!(verified.status.success(), "{report}");
    let token_line = report
        .lines()
        .position(|l| l.starts_with("token "))
        .unwrap();
    let request_line = report
        .lines()
        .position(|l| l.starts_with("request "))
        .unwrap();
    assert!(token_line < request_line, "token stage first: {report}");
    assert!(
        report.contains("(client_credentials, application/x-www-form-urlencoded body, client authentication HTTP Basic)"),
        "{report}"
    );
    assert!(
        report.contains("asked    scope hooks.write, audience https://api.example.test, resource=https://resource.example.test/"),
        "{report}"
    );
    assert!(report.contains("answer   a new token"), "{report}");
    assert!(
        report.contains("(in 3600 s)") || report.contains("(in 3599 s)"),
        "{report}"
    );
    assert!(report.contains("scopes   hooks.write"), "{report}");
    assert!(report.contains("DELIVERED (202)"), "{report}");
    assert_no_secret(&report);
    let sent = endpoint.last_parameters();
    assert_eq!(sent["grant_type"], "client_credentials");
    assert_eq!(sent["scope"], "hooks.write");
    assert_eq!(sent["audience"], "https://api.example.test");
    assert_eq!(sent["resource"], "https://resource.example.test/");
    assert_eq!(endpoint.token_requests(), 1);

    // The stored token is good for another hour: no new request.
    let again = text(&run(home, &["verify", "m2m"]));
    assert!(again.contains("the stored token, still valid"), "{again}");
    assert_eq!(endpoint.token_requests(), 1);

    // `token --refresh` fetches a new one.
    let refreshed = run(home, &["token", "m2m", "--refresh", "--json"]);
    assert!(refreshed.status.success(), "{}", text(&refreshed));
    let status: serde_json::Value = serde_json::from_slice(&refreshed.stdout).unwrap();
    assert_eq!(status["status"], "authorized");
    assert_eq!(status["grant"], "client_credentials");
    assert_eq!(status["scopes"], serde_json::json!(["hooks.write"]));
    assert_no_secret(&text(&refreshed));
    assert_eq!(endpoint.token_requests(), 2);

    // The receiver stops taking the token: one new token, and the delivery again.
    endpoint.expire_every_token();
    let renewed = text(&run(home, &["verify", "m2m"]));
    assert!(renewed.contains("DELIVERED (202)"), "{renewed}");
    assert!(renewed.contains("the first attempt got 401"), "{renewed}");
    assert_eq!(endpoint.token_requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_body_with_the_secret_in_the_body() {
    let endpoint = TokenEndpoint::start(Body::Json, ClientAuth::InBody).await;
    endpoint.state.lock().unwrap().granted_scope = None;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    add(
        home,
        &endpoint,
        &[
            "--scope",
            "a b",
            "--api-type",
            "application/json",
            "--client-authentication",
            "body",
        ],
    );
    let verified = run(home, &["verify", "m2m", "--json"]);
    assert!(verified.status.success(), "{}", text(&verified));
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    let token = &report["token"];
    assert_eq!(token["grant"], "client_credentials");
    assert_eq!(token["api_type"], "application/json");
    assert_eq!(token["client_authentication"], "secret in body");
    assert_eq!(token["requested"], true);
    // No scope in the answer: the scopes asked for (RFC 6749 section 5.1).
    assert_eq!(token["scopes"], serde_json::json!(["a", "b"]));
    assert_eq!(endpoint.last_parameters()["scope"], "a b");
    assert_eq!(endpoint.delivered(), 1);
    assert_no_secret(&text(&verified));
}

/// VERIFY's outcome and advice for each refusal the issue names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_fail_at_the_token_stage_with_their_advice() {
    // The provider wants HTTP Basic; the integration sends the secret in the body.
    let endpoint = TokenEndpoint::start(Body::Form, ClientAuth::Basic).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    add(home, &endpoint, &["--client-authentication", "body"]);
    let refused = run(home, &["verify", "m2m"]);
    let report = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{report}");
    assert!(report.contains("token     FAILED POST"), "{report}");
    assert!(report.contains("invalid_client"), "{report}");
    assert!(report.contains("NOT DELIVERED at token"), "{report}");
    assert!(
        report.contains("check the Client ID and Client Secret"),
        "{report}"
    );
    assert_no_secret(&report);
    assert_eq!(endpoint.delivered(), 0);

    let set = run(home, &["set", "m2m", "client_authentication=basic"]);
    assert!(set.status.success(), "{}", text(&set));
    for (error, advice) in [
        ("invalid_scope", "The provider refuses the Scope"),
        (
            "unauthorized_client",
            "may not use the client-credentials grant",
        ),
    ] {
        endpoint.state.lock().unwrap().refuse_with = Some(error);
        let refused = run(home, &["verify", "m2m", "--json"]);
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
        let report: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
        assert_eq!(report["token"]["error"], error, "{report}");
        assert_eq!(report["outcome"]["stage"], "token", "{report}");
        let given = report["outcome"]["advice"].as_str().unwrap();
        assert!(given.contains(advice), "{given}");
        // `token --refresh` fails too, saying why, exit 1.
        let refresh = run(home, &["token", "m2m", "--refresh"]);
        assert_eq!(refresh.status.code(), Some(1), "{}", text(&refresh));
        assert!(text(&refresh).contains(error), "{}", text(&refresh));
        assert_no_secret(&text(&refresh));
    }
}

/// A provider that quotes the request in its refusal (the Authorization header, the
/// form body) has the secret masked in every form: as sent in the body, and as the
/// Basic credentials' Base64, in what `token` and VERIFY print and in the log file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_quoting_the_request_shows_no_secret() {
    use base64::Engine;
    let endpoint = TokenEndpoint::start(Body::Form, ClientAuth::InBody).await;
    endpoint.state.lock().unwrap().echo_request = true;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    // Basic where the provider wants the body: refused, quoting the header.
    add(home, &endpoint, &["--client-authentication", "basic"]);
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let quoted_basic = run(home, &["token", "m2m", "--refresh"]);
    let quoted_body = {
        let set = run(home, &["set", "m2m", "client_authentication=body"]);
        assert!(set.status.success(), "{}", text(&set));
        endpoint.state.lock().unwrap().client_auth = ClientAuth::Basic;
        run(home, &["verify", "m2m"])
    };
    for refused in [&quoted_basic, &quoted_body] {
        let shown = text(refused);
        assert_eq!(refused.status.code(), Some(1), "{shown}");
        assert!(
            shown.contains("client authentication failed for"),
            "{shown}"
        );
        assert!(shown.contains("********"), "{shown}");
        assert_no_secret(&shown);
        assert!(!shown.contains(&basic), "{shown}");
    }
    let log =
        std::fs::read_to_string(home.join("logs").join("hookconsole.log")).unwrap_or_default();
    assert_no_secret(&log);
    assert!(!log.contains(&basic), "{log}");
}

/// Before its first delivery a client-credentials integration has no token and needs
/// no authorization: `status` says so, as the list does, not "not authorized".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_says_token_on_use_before_the_first_delivery() {
    let endpoint = TokenEndpoint::start(Body::Form, ClientAuth::Basic).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    add(home, &endpoint, &[]);
    let shown = run(home, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let m2m = status["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|integration| integration["name"] == "m2m")
        .unwrap();
    assert_eq!(m2m["authorization"]["state"], "token_on_use", "{status:#}");
    let text = text(&run(home, &["status"]));
    assert!(text.contains("authorization: token on use"), "{text}");
    assert!(!text.contains("not authorized"), "{text}");
}

fn until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < timeout,
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send_batch(home: &Path, count: usize) {
    let lines: String = (0..count)
        .map(|n| format!("{}\n", serde_json::json!({"integration": "m2m", "type": "scan", "payload": format!("{{\"n\":{n}}}")})))
        .collect();
    cli(home)
        .args(["send", "--batch"])
        .write_stdin(lines)
        .assert()
        .success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_deliveries_make_one_token_request_then_one_after_a_401() {
    let endpoint = TokenEndpoint::start(Body::Form, ClientAuth::Basic).await;
    // A slow token endpoint: every delivery that needs a token asks while the first
    // request is still out.
    endpoint.state.lock().unwrap().answer_delay = Duration::from_millis(300);
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    add(home, &endpoint, &[]);
    let set = run(
        home,
        &[
            "settings",
            "concurrency_per_integration=50",
            "concurrency=64",
        ],
    );
    assert!(set.status.success(), "{}", text(&set));
    send_batch(home, 50);
    let worker = WorkerProcess::start(home, &[]);
    until("50 delivered", Duration::from_secs(60), || {
        endpoint.delivered() == 50
    });
    assert_eq!(endpoint.token_requests(), 1);

    endpoint.expire_every_token();
    send_batch(home, 50);
    until("100 delivered", Duration::from_secs(60), || {
        endpoint.delivered() == 100
    });
    worker.stop();
    assert_eq!(endpoint.token_requests(), 2, "one new token after the 401s");
    // The log says which grant each delivery's token came by.
    let logs = run(home, &["logs", "--json", "--limit", "1"]);
    assert!(logs.status.success(), "{}", text(&logs));
    let row: serde_json::Value = serde_json::from_slice(&logs.stdout).unwrap();
    assert_eq!(row["request"]["grant"], "client_credentials", "{row}");
}

/// Two processes' providers (their own in-process gates) on one token store: the
/// store's lock makes it one request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_providers_sharing_the_store_make_one_request() {
    let endpoint = TokenEndpoint::start(Body::Form, ClientAuth::Basic).await;
    endpoint.state.lock().unwrap().answer_delay = Duration::from_millis(300);
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), &endpoint, &[]);
    let locations = Locations::in_home(dir.path());
    let home = Home::new(&locations);
    let integration = home.integration("m2m").unwrap();
    let first = std::sync::Arc::new(home.token_provider().unwrap());
    let second = std::sync::Arc::new(Home::new(&locations).token_provider().unwrap());
    let mut tasks = Vec::new();
    for n in 0..50 {
        let provider = if n % 2 == 0 { &first } else { &second }.clone();
        let integration = integration.clone();
        tasks.push(tokio::spawn(async move {
            provider.bearer_token(&integration).await.unwrap()
        }));
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "everyone got the one token");
    assert_eq!(endpoint.token_requests(), 1);
}

#[test]
fn the_entra_id_preset_fills_the_tenants_token_url_and_scope() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let args = [
        "add",
        "--preset",
        "entra-client-credentials",
        "--preset-field",
        "tenant=contoso.onmicrosoft.com",
        "--preset-field",
        "resource=api://receiver",
        "--name",
        "logic-app",
        "--url",
        "https://prod-01.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke",
        "--client-id",
        "00000000-1111-2222-3333-444444444444",
    ];
    let added = run_with_input(home, &args, "entra-secret\n");
    assert!(added.status.success(), "{}", text(&added));
    let shown = run(home, &["show", "logic-app", "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let oauth = &shown["authentication"];
    assert_eq!(oauth["grant"], "client_credentials");
    assert_eq!(
        oauth["token_url"],
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert_eq!(oauth["scope"], "api://receiver/.default");

    let mut spaced = args;
    spaced[4] = "tenant=contoso tenant";
    spaced[8] = "other";
    let refused = run_with_input(home, &spaced, "entra-secret\n");
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("`tenant` (Tenant ID)"),
        "{}",
        text(&refused)
    );
}
