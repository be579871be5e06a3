//! VERIFY against real receivers on 127.0.0.1: every stage and every non-TLS failure
//! class produced for real, what the receiver gets, and that no secret reaches the
//! report or the log. TLS cases are in `trust.rs`, the command line in `verify_cli.rs`.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::time::Duration;

use hookconsole::delivery::{
    Failure, NoTokens, Outcome, Stage, headline, verify, verify_with_progress,
};
use hookconsole::http::HttpOptions;
use hookconsole::model::{Authentication, Header, HttpMethod, OAuthSettings, Secret};
use support::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn delivers_with_method_headers_credentials_and_body_as_configured() {
    let server = http_server(answer(200)).await;
    let mut hook = integration(&server.url("/hooks/in?team=ops"));
    hook.http_method = Some(HttpMethod::Put);
    hook.http_headers = vec![
        Header::new("X-Team", "ops"),
        Header::new("X-Api-Key", "key-123456"),
        Header::new("X-Trace", "abc"),
    ];
    hook.authentication = Authentication::Basic {
        username: "hiab".into(),
        password: Secret::new("s3cr3t-pass"),
    };
    let report = run(&hook).await;
    assert_delivered(&report);

    let received = server.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "PUT");
    assert_eq!(request.target, "/hooks/in?team=ops");
    assert_eq!(request.body, SAMPLE.as_bytes());
    let names: Vec<String> = request
        .headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| name != "host" && name != "content-length")
        .collect();
    assert_eq!(
        names,
        [
            "x-team",
            "x-api-key",
            "x-trace",
            "content-type",
            "user-agent",
            // What HTTP clients add when the request has none, listed as sent.
            "accept",
            "authorization",
            // As a delivery sends them: VERIFY is a message of its own.
            "webhook-id",
            "webhook-timestamp"
        ]
    );
    assert_eq!(request.header("X-Api-Key"), Some("key-123456"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("hookconsole/", env!("CARGO_PKG_VERSION")))
    );
    // base64("hiab:s3cr3t-pass")
    assert_eq!(
        request.header("authorization"),
        Some("Basic aGlhYjpzM2NyM3QtcGFzcw==")
    );
    assert_eq!(
        request.header("host"),
        Some(server.addr.to_string().as_str())
    );

    let resolve = report.resolve.as_ref().unwrap();
    assert!(!resolve.looked_up);
    assert_eq!(resolve.addresses, [server.addr.ip()]);
    assert_eq!(
        report.connect.as_ref().unwrap().connected,
        Some(server.addr)
    );
    assert!(report.tls.is_none());
    assert_eq!(report.http.as_ref().unwrap().status, 200);
    assert_eq!(report.http.as_ref().unwrap().body_preview, "status 200");
    assert!(text(&report).contains("outcome   DELIVERED (200)"));
    assert_eq!(headline(&report), "DELIVERED 200");
}

#[tokio::test]
async fn empty_method_is_post_and_text_is_text_plain() {
    let server = http_server(answer(204)).await;
    let mut hook = integration(&server.url("/"));
    hook.content_sample = "plain words".into();
    assert_delivered(&run(&hook).await);
    let request = &server.received()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(request.body, b"plain words");
}

#[tokio::test]
async fn a_name_is_looked_up() {
    let server = http_server(answer(200)).await;
    let url = format!("http://localhost:{}/", server.addr.port());
    let report = run(&integration(&url)).await;
    let resolve = report.resolve.as_ref().unwrap();
    assert!(resolve.looked_up);
    assert!(resolve.addresses.contains(&server.addr.ip()), "{resolve:?}");
    // localhost may resolve to ::1 first, where nothing listens: the next address works.
    assert_delivered(&report);
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let addr = unused_port();
    let report = run(&integration(&format!("http://{addr}/"))).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!(
        (failure, stage),
        (Failure::ConnectionRefused, Stage::Connect)
    );
    assert!(advice.contains(&addr.to_string()), "{advice}");
    assert!(text(&report).contains("NOT DELIVERED at connect"));
    assert_eq!(headline(&report), "FAILED: connection refused");
}

#[tokio::test]
async fn a_host_that_does_not_resolve_fails_at_resolve() {
    let report = run(&integration("http://no-such-receiver.invalid/")).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!(stage, Stage::Resolve);
    assert!(
        matches!(failure, Failure::Dns | Failure::Timeout),
        "{failure:?}"
    );
    assert!(advice.contains("no-such-receiver.invalid") || failure == Failure::Timeout);
}

#[tokio::test]
async fn a_receiver_that_stalls_times_out_at_http() {
    let server = http_server(Behaviour::Stall).await;
    let quick = HttpOptions {
        request_timeout: Duration::from_millis(600),
        ..options()
    };
    let report = run_with(&integration(&server.url("/")), &quick).await;
    assert_eq!(
        (failure(&report).0, failure(&report).1),
        (Failure::Timeout, Stage::Http)
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_body_that_never_ends_times_out_with_the_head_kept() {
    let server = http_server(Behaviour::HeadThenStall).await;
    let quick = HttpOptions {
        request_timeout: Duration::from_millis(600),
        ..options()
    };
    let report = run_with(&integration(&server.url("/")), &quick).await;
    let (failure, stage, _) = failure(&report);
    assert_eq!((failure, stage), (Failure::Timeout, Stage::Http));
    let http = report.http.as_ref().unwrap();
    assert_eq!((http.status, http.body_preview.as_str()), (200, "part"));
}

#[tokio::test]
async fn a_port_that_never_speaks_tls_times_out_at_tls() {
    let server = http_server(Behaviour::Silent).await;
    let quick = HttpOptions {
        request_timeout: Duration::from_millis(600),
        ..options()
    };
    let report = run_with(&integration(&format!("https://{}/", server.addr)), &quick).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::Timeout, Stage::Tls));
    assert!(advice.contains("HTTPS"), "{advice}");
}

#[tokio::test]
async fn a_reset_connection_is_reported_as_reset() {
    let server = resetting_server().await;
    let report = run(&integration(&server.url("/"))).await;
    assert_eq!(
        (failure(&report).0, failure(&report).1),
        (Failure::ConnectionReset, Stage::Http)
    );
}

#[tokio::test]
async fn http_errors_are_classified_with_location_for_redirects() {
    let cases = [
        (401, Failure::Unauthorized),
        (403, Failure::Forbidden),
        (404, Failure::NotFound),
        (405, Failure::MethodNotAllowed),
        (413, Failure::PayloadTooLarge),
        (422, Failure::ClientError { status: 422 }),
        (500, Failure::ServerError { status: 500 }),
        (503, Failure::ServerError { status: 503 }),
    ];
    for (status, expected) in cases {
        let server = http_server(answer(status)).await;
        let report = run(&integration(&server.url("/"))).await;
        let (failure, stage, advice) = failure(&report);
        assert_eq!((failure, stage), (expected, Stage::Http), "status {status}");
        assert!(!advice.is_empty());
        assert_eq!(
            report.http.as_ref().unwrap().body_preview,
            format!("status {status}")
        );
    }

    let location = "https://receiver.example/hooks/new";
    let server = http_server(Behaviour::Answer(
        302,
        vec![("Location".into(), location.into())],
        String::new(),
    ))
    .await;
    let report = run(&integration(&server.url("/old"))).await;
    let (failure, _, advice) = failure(&report);
    assert_eq!(
        failure,
        Failure::Redirect {
            status: 302,
            location: Some(location.into())
        }
    );
    assert!(advice.contains(location), "{advice}");
    assert_eq!(server.received().len(), 1, "redirects are not followed");
}

#[tokio::test]
async fn the_answer_body_is_kept_to_4_kib() {
    let big = "x".repeat(10_000);
    let server = http_server(Behaviour::Answer(500, Vec::new(), big)).await;
    let report = run(&integration(&server.url("/"))).await;
    let http = report.http.as_ref().unwrap();
    assert_eq!(http.body_bytes, 10_000);
    assert!(http.body_truncated);
    assert_eq!(http.body_preview.len(), 4096);
}

#[tokio::test]
async fn an_unauthorized_oauth_integration_says_so_without_sending() {
    let server = http_server(answer(200)).await;
    let mut hook = integration(&server.url("/"));
    hook.authentication = Authentication::OAuth(OAuthSettings {
        client_id: "client".into(),
        client_secret: Secret::new("oauth-client-secret"),
        token_url: "https://auth.example/token".into(),
        authorize_url: "https://auth.example/authorize".into(),
        ..OAuthSettings::default()
    });
    let report = run(&hook).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::NotAuthorized, Stage::Request));
    assert!(advice.contains("Authorize"), "{advice}");
    assert!(text(&report).contains("not authorized — authorize it first"));
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn verify_runs_as_a_spawned_task() {
    // The TUI spawns it and keeps only the cancel handle.
    let server = http_server(answer(200)).await;
    let hook = integration(&server.url("/"));
    let cancel = CancellationToken::new();
    let task = tokio::spawn(async move {
        verify(
            &hook,
            &HttpOptions::default(),
            &hookconsole::template::Appliance::new("hiab-test"),
            &NoTokens,
            cancel,
        )
        .await
    });
    assert!(task.await.unwrap().delivered());
}

#[tokio::test]
async fn progress_names_each_stage_as_it_begins() {
    let server = http_server(answer(200)).await;
    let hook = integration(&server.url("/"));
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let report = verify_with_progress(
        &hook,
        &options(),
        &hookconsole::template::Appliance::new("hiab-test"),
        &NoTokens,
        CancellationToken::new(),
        Some(sender),
    )
    .await;
    assert!(report.delivered());
    let mut stages = Vec::new();
    while let Ok(stage) = receiver.try_recv() {
        stages.push(stage);
    }
    assert_eq!(
        stages,
        [Stage::Request, Stage::Resolve, Stage::Connect, Stage::Http]
    );
}

#[tokio::test]
async fn cancelling_ends_the_verify_at_once() {
    let server = http_server(Behaviour::Stall).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let started = std::time::Instant::now();
    let hook = integration(&server.url("/"));
    let report = verify(
        &hook,
        &options(),
        &hookconsole::template::Appliance::new("hiab-test"),
        &NoTokens,
        cancel,
    )
    .await;
    assert_eq!(report.outcome, Outcome::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(report.connect.is_some(), "the stages done so far are kept");
    assert!(text(&report).ends_with("CANCELLED"));
}

// --- secrets -----------------------------------------------------------------------

#[tokio::test]
async fn no_secret_reaches_the_report_or_the_log() {
    let log = CapturedLog::default();
    let _guard = tracing::subscriber::set_default(log.subscriber());

    let server = http_server(Behaviour::Echo).await;
    let mut hook = integration(&server.url("/"));
    hook.http_headers = vec![
        Header::new("X-Api-Key", "key-123456"),
        Header::new("X-Signature", "sig-abcdef"),
    ];
    hook.authentication = Authentication::Basic {
        username: "hiab".into(),
        password: Secret::new("s3cr3t-pass"),
    };
    let report = run(&hook).await;
    assert_delivered(&report);
    // The receiver echoes the request: its answer holds every secret.
    assert!(server.received()[0].raw_head.contains("key-123456"));

    let plain = text(&report);
    let json = serde_json::to_string(&report).unwrap();
    let logged = log.text();
    assert!(logged.contains("verify"), "the log has lines: {logged}");
    for secret in [
        "s3cr3t-pass",
        "aGlhYjpzM2NyM3QtcGFzcw==",
        "key-123456",
        "sig-abcdef",
    ] {
        assert!(!plain.contains(secret), "{secret} in:\n{plain}");
        assert!(!json.contains(secret), "{secret} in:\n{json}");
        assert!(!logged.contains(secret), "{secret} in the log");
    }
    assert!(plain.contains("Authorization: ********"), "{plain}");
}

#[tokio::test]
async fn the_content_sample_is_rendered_with_the_sample_event() {
    use hookconsole::template::sample_event;
    let server = http_server(answer(200)).await;
    let mut hook = integration(&server.url("/"));
    hook.content_sample =
        "{\n  \"summary\": \"{{ finding.name }}\",\n  \"type\": \"{{ event.type }}\",\n  \
                           \"cvss\": {{ finding.cvss }},\n  \"from\": \"{{ appliance.name }}\"\n}"
            .into();
    let report = run(&hook).await;
    assert_delivered(&report);
    let received = server.received();
    let body: serde_json::Value = serde_json::from_slice(&received[0].body).expect("JSON");
    let sample = sample_event();
    assert_eq!(body["summary"], sample.fields["finding"]["name"]);
    assert_eq!(body["cvss"], sample.fields["finding"]["cvss"]);
    assert_eq!(body["type"], sample.event_type.as_str());
    // The appliance the verify was given (the settings' hostname in the CLI and TUI).
    assert_eq!(body["from"], "hiab-test");
    // The report gives the size of what was sent, not of the template.
    assert_eq!(report.request.body_bytes, received[0].body.len());
    assert_ne!(report.request.body_bytes, hook.content_sample.len());
}

#[tokio::test]
async fn a_template_error_fails_before_connecting_and_names_its_place() {
    let server = http_server(answer(200)).await;
    let mut hook = integration(&server.url("/"));
    hook.content_sample = "{\n  \"summary\": \"{{ finding.nmae }}\"\n}".into();
    let report = run(&hook).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::InvalidTemplate, Stage::Request));
    assert!(advice.contains("content sample"), "{advice}");
    let shown = text(&report);
    assert!(
        shown.contains("line 2, column 18: undefined variable `finding.nmae`"),
        "{shown}"
    );
    assert!(report.connect.is_none());
    assert!(server.received().is_empty());
}
