//! The queue from outside: `send`, `send --batch`, `logs`, `replay` on a real home,
//! and the worker's enqueue socket answering each line after its commit.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use hookconsole::delivery::worker::{self, WorkerOptions};
use hookconsole::store::queue::{LogFilter, LogOutcome};
use hookconsole::store::{Locations, Queue};
use support::{cli, home_with_jira, stdout_of};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

fn home_with(url: &str) -> (tempfile::TempDir, Locations) {
    home_with_jira(url, |jira| {
        jira.content_sample = r#"{"sample":true}"#.into();
        jira.retry_interval = 1;
    })
}

#[test]
fn send_batch_logs_and_replay() {
    let (dir, locations) = home_with("http://127.0.0.1:9/hook");
    let out = stdout_of(&dir, &["send", "jira", "--event", "scan.finished"]);
    // `evt_… queued for jira`: the id first.
    let id = out.split(' ').next().unwrap().trim().to_string();
    assert!(id.starts_with("evt_"), "{id}");
    assert_eq!(out, format!("{id} queued for jira\n"));
    cli(&dir)
        .args(["send", "--batch"])
        .write_stdin(
            "{\"integration\":\"jira\",\"type\":\"a\",\"payload\":{\"k\":1}}\n\
             {\"integration\":\"jira\",\"type\":\"b\",\"payload\":\"plain\"}\n",
        )
        .assert()
        .success();
    let bad = cli(&dir)
        .args(["send", "--batch"])
        .write_stdin("{\"integration\":\"nope\",\"type\":\"a\"}\nnot json\n")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let bad = String::from_utf8(bad).unwrap();
    assert!(bad.contains("line 1: no integration named `nope`"), "{bad}");
    assert!(bad.contains("line 2:"), "{bad}");
    let queue = Queue::open(&locations.queue_database()).unwrap();
    assert_eq!(queue.counts().unwrap(), vec![("queued".to_string(), 3)]);
    // A name no integration has is bad input, as for every command.
    cli(&dir)
        .args(["send", "nope", "--event", "x"])
        .assert()
        .code(2);
    cli(&dir)
        .args(["logs"])
        .assert()
        .success()
        .stdout("no attempts logged\n");
    cli(&dir)
        .args(["logs", "--since", "yesterday"])
        .assert()
        .code(2);
    // Still queued (no worker): made due now, not queued a second time.
    cli(&dir)
        .args(["replay", &id])
        .assert()
        .success()
        .stdout(format!(
            "{id} was still waiting for `jira` (job 1): it is due now, not queued twice\n"
        ));
    cli(&dir).args(["replay", "evt_missing"]).assert().code(2);
    assert_eq!(queue.counts().unwrap(), vec![("queued".to_string(), 3)]);
    // The same for a script.
    let answer = stdout_of(&dir, &["replay", &id, "--json"]);
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["replayed"], "due_now", "{answer}");
    assert_eq!(answer["job"], 1, "{answer}");
    let refused = support::stderr_of(cli(&dir).args(["replay", "evt_missing", "--json"]), 2);
    let refused: serde_json::Value = serde_json::from_str(&refused).unwrap();
    assert_eq!(refused["field"], "id", "{refused}");

    // An event whose integration was removed is not replayed: its job would only die.
    cli(&dir).args(["remove", "jira"]).assert().success();
    let refused = support::stderr_of(cli(&dir).args(["replay", &id, "--json"]), 2);
    let refused: serde_json::Value = serde_json::from_str(&refused).unwrap();
    assert_eq!(refused["field"], "integration", "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("no longer exists"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_answers_each_line_after_its_commit() {
    let server = support::receiver(support::always(500), false).await;
    let (dir, locations) = home_with(&server.url());
    let running = support::start_worker(&locations, true);
    let path = worker::socket_path(&locations);
    for _ in 0..100 {
        if path.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
    // A second worker for the same home is refused.
    let second = worker::run(
        &locations,
        WorkerOptions::default(),
        CancellationToken::new(),
    )
    .await;
    assert!(second.unwrap_err().to_string().contains("already running"));

    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let (read, mut write) = stream.into_split();
    write
        .write_all(
            b"{\"integration\":\"jira\",\"type\":\"scan.finished\",\"payload\":{\"a\":1}}\n\
              {\"integration\":\"ghost\",\"type\":\"x\"}\n\
              {\"integration\":\"jira\",\"type\":\"t\",\"id\":\"evt_fixed\"}\n",
        )
        .await
        .unwrap();
    let mut lines = BufReader::new(read).lines();
    let mut answers = Vec::new();
    for _ in 0..3 {
        let line = lines.next_line().await.unwrap().unwrap();
        answers.push(serde_json::from_str::<serde_json::Value>(&line).unwrap());
    }
    assert_eq!(answers[0]["ok"], true);
    let first = answers[0]["id"].as_str().unwrap().to_string();
    assert_eq!(answers[1]["ok"], false);
    assert!(answers[1]["error"].as_str().unwrap().contains("ghost"));
    assert_eq!(answers[2]["id"], "evt_fixed");
    // Answered means committed: another connection sees it at once.
    let reader = Queue::open(&locations.queue_database()).unwrap();
    let failed = LogFilter {
        outcome: Some(LogOutcome::Failed),
        ..LogFilter::default()
    };
    for _ in 0..200 {
        if reader.log_page(&failed, None, 10).unwrap().rows.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = reader.log_page(&failed, None, 10).unwrap();
    let ids: Vec<_> = page.rows.iter().map(|r| r.event_id.as_str()).collect();
    assert!(
        ids.contains(&first.as_str()) && ids.contains(&"evt_fixed"),
        "{ids:?}"
    );
    running.stop().await;
    let text = stdout_of(&dir, &["logs", "jira", "--failed", "--json"]);
    assert!(text.lines().count() >= 2, "{text}");
    let first_line = text.lines().next().unwrap();
    let row: serde_json::Value = serde_json::from_str(first_line).unwrap();
    assert_eq!(row["error_class"], "server_error");
    // The row prints as it always has: its id first, then the attempt's fields, the
    // outcome as its word.
    assert!(first_line.starts_with("{\"id\":"), "{first_line}");
    let mut keys: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "at_ms",
            "attempt",
            "duration_ms",
            "error_class",
            "event_id",
            "event_type",
            "id",
            "integration",
            "job_id",
            "max_attempts",
            "next_retry_ms",
            "outcome",
            "request",
            "response",
            "status",
            "summary"
        ]
    );
    assert!(
        matches!(row["outcome"].as_str(), Some("retry" | "dead")),
        "{row}"
    );
    let out = stdout_of(&dir, &["logs", "--grep", "evt_fixed"]);
    assert!(
        out.lines().count() >= 1 && out.lines().all(|l| l.contains("evt_fixed")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_takes_the_authorization_and_the_waiting_events_along() {
    use hookconsole::model::Secret;
    use hookconsole::store::{Authorization, TokenSet, TokenStore};

    let server = support::receiver(support::always(200), false).await;
    let (dir, locations) = home_with(&server.url());
    let tokens = TokenStore::new(locations.tokens_file());
    let authorized = Authorization::Authorized {
        tokens: TokenSet::bearer(Secret::new("access-1"), None, None, Vec::new()),
    };
    tokens.set("jira", authorized.clone()).unwrap();
    // Left by a removed integration of the new name: not this one's.
    tokens.set("jira-cloud", authorized.clone()).unwrap();
    cli(&dir)
        .args(["set", "jira", "enabled=false"])
        .assert()
        .success();
    for event in ["a", "b"] {
        cli(&dir)
            .args(["send", "jira", "--event", event])
            .assert()
            .success();
    }

    let out = stdout_of(&dir, &["set", "jira", "name=jira-cloud", "enabled=true"]);
    assert!(
        out.contains("its authorization and 2 waiting events follow the new name"),
        "{out}"
    );
    assert_eq!(tokens.get("jira").unwrap(), None);
    assert_eq!(tokens.get("jira-cloud").unwrap(), Some(authorized));

    // The worker delivers them under the new name.
    let worker = support::start_worker(&locations, false);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server.distinct() < 2 {
        assert!(std::time::Instant::now() < deadline, "not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.stop().await;
    let queue = Queue::open(&locations.queue_database()).unwrap();
    assert_eq!(queue.counts().unwrap(), vec![("delivered".to_string(), 2)]);
    let page = queue.log_page(&LogFilter::default(), None, 10).unwrap();
    assert!(page.rows.iter().all(|row| row.integration == "jira-cloud"));

    // Renamed back: the authorization goes back too; no event waits any more.
    assert_eq!(
        stdout_of(&dir, &["set", "jira-cloud", "name=jira"]),
        "updated jira\nits authorization follows the new name\n"
    );
}

/// A home with `jira` and `teams`, both at `url` (`/jira` and `/teams`).
fn home_with_two(url: &str) -> (tempfile::TempDir, Locations) {
    use hookconsole::model::Integration;
    use hookconsole::store::IntegrationStore;
    let (dir, locations) = home_with_jira(&format!("{url}/jira"), |jira| jira.retry_interval = 1);
    let mut teams = Integration::new("teams", format!("{url}/teams"));
    teams.retry_interval = 1;
    IntegrationStore::new(locations.integrations_file())
        .put(None, teams)
        .unwrap();
    (dir, locations)
}

/// An event line with the id `id` for `integration`, its payload the JSON `payload`.
fn line(integration: &str, id: &str, payload: &str) -> String {
    format!(
        "{{\"integration\":\"{integration}\",\"id\":\"{id}\",\"type\":\"finding.created\",\"payload\":{payload}}}\n"
    )
}

fn send_batch(
    dir: &tempfile::TempDir,
    extra: &[&str],
    lines: &[String],
) -> assert_cmd::assert::Assert {
    cli(dir)
        .args(["send", "--batch"])
        .args(extra)
        .write_stdin(lines.concat())
        .assert()
}

/// What `send --batch` printed for `lines`, which it took.
fn sent(dir: &tempfile::TempDir, lines: &[String]) -> Vec<u8> {
    send_batch(dir, &[], lines)
        .success()
        .get_output()
        .stdout
        .clone()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn one_event_id_is_queued_once_for_each_integration() {
    let (dir, locations) = home_with_two("http://127.0.0.1:9");
    let queue = Queue::open(&locations.queue_database()).unwrap();
    let queued = |n: i64| vec![("queued".to_string(), n)];

    // One scanner finding for Jira and for Teams, under one id: two jobs.
    let both = [
        line("jira", "shared-1", r#"{"n":1}"#),
        line("teams", "shared-1", r#"{"n":1}"#),
    ];
    let out = sent(&dir, &both);
    assert_eq!(
        text(&out),
        "shared-1 queued for jira\nshared-1 queued for teams\n"
    );
    assert_eq!(queue.counts().unwrap(), queued(2));

    // Sent again, the same: acknowledged as a duplicate, nothing queued twice.
    let out = sent(&dir, &both[..1]);
    assert_eq!(text(&out), "shared-1 duplicate (already queued for jira)\n");
    assert_eq!(queue.counts().unwrap(), queued(2));

    // The same id for jira with another payload is refused, naming the line, and the
    // batch is all or nothing: its good line is not queued either.
    let conflicting = [
        line("teams", "new-2", r#"{"n":2}"#),
        line("jira", "shared-1", r#"{"n":99}"#),
    ];
    let refused = send_batch(&dir, &[], &conflicting)
        .code(2)
        .get_output()
        .clone();
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("batch line 2:"), "{stderr}");
    assert!(
        stderr.contains("`shared-1`")
            && stderr.contains("`jira`")
            && stderr.contains("different payload"),
        "{stderr}"
    );
    assert!(!stderr.contains("batch line 1"), "{stderr}");
    assert_eq!(queue.counts().unwrap(), queued(2));

    // Within one batch too: the second line with the id and another payload.
    let twice = [
        line("teams", "dup-3", r#"{"n":3}"#),
        line("teams", "dup-3", r#"{"n":4}"#),
    ];
    let stderr = text(&send_batch(&dir, &[], &twice).code(2).get_output().stderr);
    assert!(
        stderr.contains("batch line 2:") && stderr.contains("`dup-3`"),
        "{stderr}"
    );
    assert_eq!(queue.counts().unwrap(), queued(2));
    // The same line twice in one batch is one job.
    let same_twice = [
        line("teams", "dup-3", r#"{"n":3}"#),
        line("teams", "dup-3", r#"{"n":3}"#),
    ];
    let out = sent(&dir, &same_twice);
    assert_eq!(
        text(&out),
        "dup-3 queued for teams\ndup-3 duplicate (already queued for teams)\n"
    );
    assert_eq!(queue.counts().unwrap(), queued(3));

    // A resend is the same event when its sender sent the same: a template rendered
    // with the time of queueing gives another body each time, and is still a duplicate.
    let templated = [line(
        "jira",
        "timed-1",
        r#""sent at {{ event.time }} for {{ finding.name }}", "fields": {"finding": {"name": "x"}}"#,
    )];
    let out = sent(&dir, &templated);
    assert_eq!(text(&out), "timed-1 queued for jira\n");
    let out = sent(&dir, &templated);
    assert_eq!(text(&out), "timed-1 duplicate (already queued for jira)\n");
    let other_fields = [line(
        "jira",
        "timed-1",
        r#""sent at {{ event.time }} for {{ finding.name }}", "fields": {"finding": {"name": "y"}}"#,
    )];
    let stderr = text(
        &send_batch(&dir, &[], &other_fields)
            .code(2)
            .get_output()
            .stderr,
    );
    assert!(
        stderr.contains("batch line 1:") && stderr.contains("`timed-1`"),
        "{stderr}"
    );
    assert_eq!(queue.counts().unwrap(), queued(4));

    // --json: one answer per line, in a stable shape; a refusal is JSON too.
    let out = send_batch(
        &dir,
        &["--json"],
        &[
            line("jira", "shared-1", r#"{"n":1}"#),
            line("jira", "new-4", "{}"),
        ],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let answers: Vec<serde_json::Value> = text(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        answers,
        [
            serde_json::json!({"ok": true, "id": "shared-1", "integration": "jira", "status": "duplicate"}),
            serde_json::json!({"ok": true, "id": "new-4", "integration": "jira", "status": "queued"}),
        ]
    );
    let refused = send_batch(&dir, &["--json"], &[line("jira", "new-4", "[]")])
        .code(2)
        .get_output()
        .stdout
        .clone();
    let refusal: serde_json::Value = serde_json::from_str(text(&refused).trim()).unwrap();
    assert_eq!(refusal["ok"], false);
    assert_eq!(refusal["line"], 1);
    assert!(
        refusal["error"]
            .as_str()
            .unwrap()
            .contains("different payload"),
        "{refusal}"
    );
    assert_eq!(queue.counts().unwrap(), queued(5));

    // A replay of an id queued for two integrations asks which; `--integration` says.
    let stderr = support::stderr_of(cli(&dir).args(["replay", "shared-1"]), 2);
    assert!(
        stderr.contains("jira") && stderr.contains("teams") && stderr.contains("--integration"),
        "{stderr}"
    );
    // Still waiting (no worker runs): due now, not a second job delivered twice.
    let said = cli(&dir)
        .args(["replay", "shared-1", "--integration", "teams"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        text(&said).contains("due now, not queued twice"),
        "{}",
        text(&said)
    );
    cli(&dir)
        .args(["replay", "shared-1", "--integration", "nope"])
        .assert()
        .code(2);
    cli(&dir).args(["replay", "new-4"]).assert().success();
    assert_eq!(queue.counts().unwrap(), queued(5));
}

#[test]
fn a_line_naming_its_integration_in_another_case_is_queued_under_the_stored_name() {
    let (dir, locations) = home_with("http://127.0.0.1:9/hook");
    let queue = Queue::open(&locations.queue_database()).unwrap();
    let out = sent(&dir, &[line("jira", "same-id", "{}")]);
    assert_eq!(text(&out), "same-id queued for jira\n");
    // Name lookup ignores case and spaces; the queue's key must too, or one event
    // would go out three times under one Webhook-Id.
    let out = send_batch(
        &dir,
        &[],
        &[
            line("JIRA", "same-id", "{}"),
            line("jira ", "same-id", "{}"),
        ],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    assert_eq!(
        text(&out),
        "same-id duplicate (already queued for jira)\nsame-id duplicate (already queued for jira)\n"
    );
    assert_eq!(queue.counts().unwrap(), vec![("queued".to_string(), 1)]);
}

#[test]
fn an_event_id_or_type_that_cannot_be_shown_or_sent_is_refused_at_once() {
    let (dir, locations) = home_with("http://127.0.0.1:9/hook");
    for (bad, field) in [
        (r#"{"integration":"jira","type":"t","id":""}"#, "`id`"),
        (r#"{"integration":"jira","type":"t","id":"a\nb"}"#, "`id`"),
        (
            r#"{"integration":"jira","type":"t","id":"x\u001b[31mred"}"#,
            "`id`",
        ),
        (r#"{"integration":"jira","type":"t","id":"café"}"#, "`id`"),
        (
            r#"{"integration":"jira","type":"x\u001b]52;c;cHduZWQ=\u0007y"}"#,
            "`type`",
        ),
    ] {
        let stderr = support::stderr_of(
            cli(&dir)
                .args(["send", "--batch"])
                .write_stdin(format!("{bad}\n")),
            2,
        );
        assert!(stderr.contains(field), "{bad}: {stderr}");
        assert!(!stderr.contains('\u{1b}'), "{bad}: {stderr}");
    }
    let stderr = support::stderr_of(cli(&dir).args(["send", "jira", "--event", "a\nb"]), 2);
    assert!(stderr.contains("`type`"), "{stderr}");
    let queue = Queue::open(&locations.queue_database()).unwrap();
    assert_eq!(queue.counts().unwrap(), vec![]);
}

/// With --json, each refused line names the key at fault.
#[test]
fn a_refused_batch_line_names_its_field_in_json() {
    let (dir, _locations) = home_with("http://127.0.0.1:9/hook");
    let input = [
        r#"{"integration":"jira"}"#,
        r#"{"integration":"nobody","type":"t"}"#,
        r#"{"integration":"jira","type":"t","id":""}"#,
        r#"{"integration":"jira","type":"t","fields":[1]}"#,
        r#"{"integration":"jira","type":"t","payload":"{{ oops"}"#,
        // A misspelt key would send the content sample unfilled: refused, named.
        r#"{"integration":"jira","type":"t","payloads":"x"}"#,
        // Only an object is an event line (serde would read an array in field order).
        r#"["arr-1","jira","t"]"#,
    ]
    .join("\n");
    let output = cli(&dir)
        .args(["send", "--batch", "--json"])
        .write_stdin(input)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let fields: Vec<String> = text(&output)
        .lines()
        .map(|line| {
            let answer: serde_json::Value = serde_json::from_str(line).unwrap();
            answer["field"].as_str().unwrap_or("(none)").to_string()
        })
        .collect();
    // An unknown name is `name`, as every command says it (tests/cli_contract.rs).
    assert_eq!(
        fields,
        [
            "type", "name", "id", "fields", "payload", "payloads", "(none)"
        ]
    );
}

#[test]
fn a_batch_line_that_is_not_utf8_is_named() {
    let (dir, locations) = home_with("http://127.0.0.1:9/hook");
    let mut input = line("jira", "ok-1", "{}").into_bytes();
    input
        .extend_from_slice(b"{\"integration\":\"jira\",\"type\":\"t\",\"payload\":\"\xff\xfe\"}\n");
    input.extend_from_slice(line("jira", "ok-2", "{}").as_bytes());
    let stderr = support::stderr_of(cli(&dir).args(["send", "--batch"]).write_stdin(input), 2);
    assert!(
        stderr.contains("batch line 2:") && stderr.contains("UTF-8"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("line 1") && !stderr.contains("line 3"),
        "{stderr}"
    );
    // All or nothing, as for any bad line.
    let queue = Queue::open(&locations.queue_database()).unwrap();
    assert_eq!(queue.counts().unwrap(), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_queues_one_event_id_for_each_integration() {
    let server = support::receiver(support::always(200), true).await;
    let url = format!("http://{}", server.addr);
    let (dir, locations) = home_with_two(&url);
    let running = support::start_worker(&locations, true);
    let path = worker::socket_path(&locations);
    for _ in 0..100 {
        if path.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let (read, mut write) = stream.into_split();
    let lines = [
        line("jira", "shared-1", r#"{"n":1}"#),
        line("teams", "shared-1", r#"{"n":1}"#),
        line("jira", "shared-1", r#"{"n":1}"#),
        line("jira", "shared-1", r#"{"n":2}"#),
    ];
    write.write_all(lines.concat().as_bytes()).await.unwrap();
    let mut replies = BufReader::new(read).lines();
    let mut answers = Vec::new();
    for _ in 0..lines.len() {
        let line = replies.next_line().await.unwrap().unwrap();
        answers.push(serde_json::from_str::<serde_json::Value>(&line).unwrap());
    }
    let ok = |integration: &str, status: &str| serde_json::json!({"ok": true, "id": "shared-1", "integration": integration, "status": status});
    assert_eq!(answers[0], ok("jira", "queued"));
    assert_eq!(answers[1], ok("teams", "queued"));
    assert_eq!(answers[2], ok("jira", "duplicate"));
    assert_eq!(answers[3]["ok"], false, "{}", answers[3]);
    assert_eq!(answers[3]["id"], "shared-1");
    assert_eq!(answers[3]["integration"], "jira");
    let error = answers[3]["error"].as_str().unwrap();
    assert!(error.contains("different payload"), "{error}");

    // Both delivered, each to its own integration, with the same Webhook-Id: the
    // event's id, as before (receivers drop duplicates by it, per receiver).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server.requests() < 2 {
        assert!(std::time::Instant::now() < deadline, "not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.stop().await;
    let mut heads = server.heads();
    heads.sort();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(
        heads[0].starts_with("POST /jira ") && heads[1].starts_with("POST /teams "),
        "{heads:?}"
    );
    assert!(
        heads
            .iter()
            .all(|head| head.contains("Webhook-Id: shared-1\r\n")),
        "{heads:?}"
    );
    let queue = Queue::open(&locations.queue_database()).unwrap();
    assert_eq!(queue.counts().unwrap(), vec![("delivered".to_string(), 2)]);
    let logged = stdout_of(&dir, &["logs", "--grep", "shared-1", "--json"]);
    let mut integrations: Vec<String> = logged
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["integration"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    integrations.sort();
    assert_eq!(integrations, ["jira", "teams"]);
}

#[test]
fn a_rename_onto_the_name_of_a_removed_integration_keeps_the_renamed_events() {
    // `teams` had the event `shared-1` too, then was removed: its leftover event must
    // not keep `jira`'s from following jira's rename to `teams`.
    let (dir, locations) = home_with_two("http://127.0.0.1:9");
    cli(&dir)
        .args(["set", "jira", "enabled=false"])
        .assert()
        .success();
    send_batch(
        &dir,
        &[],
        &[
            line("jira", "shared-1", r#"{"for":"jira"}"#),
            line("teams", "shared-1", r#"{"for":"teams"}"#),
        ],
    )
    .success();
    cli(&dir).args(["remove", "teams"]).assert().success();
    let out = stdout_of(&dir, &["set", "jira", "name=teams"]);
    assert!(out.contains("1 waiting event follow"), "{out}");
    assert!(out.contains("removed integration"), "{out}");
    let conn = rusqlite::Connection::open(locations.queue_database()).unwrap();
    let payloads: Vec<(String, String)> = conn
        .prepare("SELECT j.integration, e.payload FROM jobs j JOIN events e ON e.id = j.event_id AND e.integration = j.integration")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        payloads,
        [("teams".to_string(), r#"{"for":"jira"}"#.to_string())]
    );
    // Replayed by its attempt number or its id, it is the renamed one.
    cli(&dir).args(["replay", "shared-1"]).assert().success();
}
