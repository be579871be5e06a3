//! Templates rendered at enqueue: `send --fields`, `send --batch` and the worker's socket
//! put the rendered body in the queue, and the worker delivers exactly that body to a
//! real loopback receiver; a template that does not render is refused with its line and
//! column, and nothing is queued.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::time::Duration;

use hookconsole::delivery::worker;
use hookconsole::store::{Locations, Queue};
use serde_json::Value;
use support::{cli, home_with_jira, stderr_of, stdout_of};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const APPLIANCE: &str = "hiab-test.example.com";
const NAME: &str = "Log4j \"Log4Shell\" at O'Reilly's café";

/// A Jira-like content sample: JSON, with every kind of variable.
const SAMPLE: &str = r#"{
  "summary": "[{{ finding.severity }}] {{ finding.name }}",
  "host": "{{ finding.host }}",
  "cvss": {{ finding.cvss }},
  "event": "{{ event.type }} {{ event.id }}",
  "from": "{{ appliance.name }}"
}"#;

fn home_with(url: &str, sample: &str) -> (tempfile::TempDir, Locations) {
    let (dir, locations) = home_with_jira(url, |jira| jira.content_sample = sample.into());
    cli(&dir)
        .args(["settings", &format!("hostname={APPLIANCE}")])
        .assert()
        .success();
    (dir, locations)
}

fn fields() -> Value {
    serde_json::json!({
        "finding": {"name": NAME, "severity": "critical", "host": "10.0.4.17", "cvss": 9.8}
    })
}

fn queued(locations: &Locations) -> i64 {
    let queue = Queue::open(&locations.queue_database()).unwrap();
    queue
        .counts()
        .unwrap()
        .into_iter()
        .map(|(_, count)| count)
        .sum()
}

/// Runs the worker until `count` requests reached `server` (writing `socket_lines` to
/// its socket first, when given); returns the socket's answers.
async fn deliver(
    locations: &Locations,
    server: &support::TestServer,
    count: usize,
    socket_lines: Option<&str>,
) -> Vec<Value> {
    let running = support::start_worker(locations, socket_lines.is_some());
    let mut answers = Vec::new();
    if let Some(lines) = socket_lines {
        let path = worker::socket_path(locations);
        for _ in 0..200 {
            if path.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
        let (read, mut write) = stream.into_split();
        write.write_all(lines.as_bytes()).await.unwrap();
        let mut reader = BufReader::new(read).lines();
        for _ in 0..lines.lines().count() {
            let line = reader.next_line().await.unwrap().unwrap();
            answers.push(serde_json::from_str::<Value>(&line).unwrap());
        }
    }
    for _ in 0..500 {
        if server.received().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.stop().await;
    answers
}

fn json_body(received: &support::Request) -> Value {
    serde_json::from_slice(&received.body).unwrap_or_else(|error| {
        panic!(
            "the body is not JSON ({error}): {}",
            String::from_utf8_lossy(&received.body)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_with_fields_delivers_the_rendered_content_sample() {
    let server = support::http_server(support::answer(200)).await;
    let (dir, locations) = home_with(&server.url("/hook"), SAMPLE);
    let fields_file = dir.path().join("fields.json");
    std::fs::write(&fields_file, fields().to_string()).unwrap();
    let fields_arg = fields_file.to_str().unwrap();
    let out = stdout_of(
        &dir,
        &[
            "send",
            "jira",
            "--event",
            "finding.created",
            "--fields",
            fields_arg,
        ],
    );
    // `evt_… queued for jira`: the id first.
    let id = out.split(' ').next().unwrap().trim().to_string();
    // Fields from standard input, and a payload file that is a template of its own.
    let payload_file = dir.path().join("payload.txt");
    std::fs::write(&payload_file, "{{ finding.name }} on {{ appliance.name }}").unwrap();
    cli(&dir)
        .args([
            "send",
            "jira",
            "--event",
            "finding.updated",
            "--fields",
            "-",
        ])
        .arg("--file")
        .arg(&payload_file)
        .write_stdin(fields().to_string())
        .assert()
        .success();

    deliver(&locations, &server, 2, None).await;
    let received = server.received();
    assert_eq!(received.len(), 2);
    let json = received
        .iter()
        .position(|r| r.body.first() == Some(&b'{'))
        .expect("the JSON delivery");
    let body = json_body(&received[json]);
    assert_eq!(body["summary"], format!("[critical] {NAME}"));
    assert_eq!(body["host"], "10.0.4.17");
    assert_eq!(body["cvss"], 9.8);
    assert_eq!(body["event"], format!("finding.created {id}"));
    assert_eq!(body["from"], APPLIANCE);
    assert_eq!(received[json].header("webhook-id"), Some(id.as_str()));
    let plain = String::from_utf8(received[1 - json].body.clone()).unwrap();
    assert_eq!(plain, format!("{NAME} on {APPLIANCE}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_line_with_fields_delivers_the_rendered_body() {
    let server = support::http_server(support::answer(200)).await;
    let (_dir, locations) = home_with(&server.url("/hook"), SAMPLE);
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({"integration": "jira", "type": "finding.created", "id": "evt_socket_1", "fields": fields()}),
        // A missing variable: refused at once, with its place.
        serde_json::json!({"integration": "jira", "type": "finding.created", "payload": "{\"a\": \"{{ finding.nmae }}\"}", "fields": fields()}),
    );
    let answers = deliver(&locations, &server, 1, Some(&lines)).await;
    assert_eq!(answers[0]["ok"], true, "{answers:?}");
    assert_eq!(answers[0]["id"], "evt_socket_1");
    assert_eq!(answers[1]["ok"], false);
    let error = answers[1]["error"].as_str().unwrap();
    assert!(
        error.contains("`payload`, line 1, column 11: undefined variable `finding.nmae`"),
        "{error}"
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    let body = json_body(&received[0]);
    assert_eq!(body["summary"], format!("[critical] {NAME}"));
    assert_eq!(body["event"], "finding.created evt_socket_1");
    assert_eq!(body["from"], APPLIANCE);
    assert_eq!(queued(&locations), 1);
}

#[test]
fn a_template_that_does_not_render_is_refused_and_nothing_is_queued() {
    let (dir, locations) = home_with("http://127.0.0.1:9/hook", SAMPLE);
    // No fields: `finding.severity` is printed on line 2 of the content sample.
    let stderr = stderr_of(
        cli(&dir).args(["send", "jira", "--event", "finding.created"]),
        2,
    );
    assert!(
        stderr.contains(
            "the Content Sample of `jira`, line 2, column 19: undefined variable `finding`"
        ),
        "{stderr}"
    );
    // The flags are named as typed.
    let stderr = stderr_of(
        cli(&dir)
            .args(["send", "jira", "--event", "x", "--fields", "-"])
            .write_stdin("[1, 2]"),
        2,
    );
    assert!(
        stderr.contains("--fields must be a JSON object"),
        "{stderr}"
    );
    // A batch is all or nothing: the good line is not queued either.
    let good = serde_json::json!({"integration": "jira", "type": "a", "fields": fields()});
    let bad_fields = serde_json::json!({"integration": "jira", "type": "b", "fields": ["x"]});
    let bad_syntax =
        serde_json::json!({"integration": "jira", "type": "c", "payload": "ok\n{{ finding.name }"});
    let stderr = stderr_of(
        cli(&dir)
            .args(["send", "--batch"])
            .write_stdin(format!("{good}\n{bad_fields}\n{bad_syntax}\n")),
        2,
    );
    assert!(
        stderr.contains("batch line 2: `fields` must be a JSON object"),
        "{stderr}"
    );
    assert!(
        stderr.contains("batch line 3: `payload`, line 2, column 17: syntax error"),
        "{stderr}"
    );
    assert!(!stderr.contains("batch line 1"), "{stderr}");
    assert_eq!(queued(&locations), 0);
    // The same fields as a good batch line are queued, rendered.
    cli(&dir)
        .args(["send", "--batch"])
        .write_stdin(format!("{good}\n"))
        .assert()
        .success();
    assert_eq!(queued(&locations), 1);
}

/// A payload given as a JSON value is data: scan evidence holding template syntax is
/// sent as it is. A payload given as a string is a template.
#[test]
fn a_json_payload_is_data_and_a_string_payload_a_template() {
    use hookconsole::delivery::{EventError, EventLine, IntegrationTemplate};
    use hookconsole::template::Appliance;
    let target = |_: &str| {
        Some(IntegrationTemplate {
            name: "a".into(),
            content_sample: String::new(),
            declares_json: true,
        })
    };
    let appliance = Appliance::new("hiab-1");
    let data: EventLine = serde_json::from_str(
        r#"{"integration": "a", "type": "finding.created", "payload": {"evidence": "{{7*7}} {% for x in range(999999999) %}{% endfor %}"}}"#,
    )
    .unwrap();
    let event = data.into_event(None, target, &appliance).unwrap();
    assert!(event.payload.contains("{{7*7}}"), "{}", event.payload);

    let text: EventLine = serde_json::from_str(
        r#"{"integration": "a", "type": "t", "payload": "{\"n\": {{ 6*7 }}, \"from\": \"{{ appliance.name }}\"}"}"#,
    )
    .unwrap();
    let event = text.into_event(None, target, &appliance).unwrap();
    assert_eq!(event.payload, r#"{"n": 42, "from": "hiab-1"}"#);

    // A runaway loop in a template ends with an error, not a busy worker.
    let runaway: EventLine = serde_json::from_str(
        r#"{"integration": "a", "type": "t", "payload": "{% for x in range(100000) %}{% for y in range(100000) %}{% endfor %}{% endfor %}"}"#,
    )
    .unwrap();
    let error = runaway.into_event(None, target, &appliance).unwrap_err();
    assert!(matches!(error, EventError::Template { .. }), "{error}");
    assert!(error.to_string().contains("payload"), "{error}");
}
