//! The queue from outside: `send`, `send --batch`, `logs`, `replay` on a real home,
//! and the worker's enqueue socket answering each line after its commit.

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
    let id = out.trim().to_string();
    assert!(id.starts_with("evt_"), "{id}");
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
    cli(&dir)
        .args(["send", "nope", "--event", "x"])
        .assert()
        .code(1);
    cli(&dir)
        .args(["logs"])
        .assert()
        .success()
        .stdout("no attempts logged\n");
    cli(&dir)
        .args(["logs", "--since", "yesterday"])
        .assert()
        .code(2);
    cli(&dir).args(["replay", &id]).assert().success();
    cli(&dir).args(["replay", "evt_missing"]).assert().code(2);
    assert_eq!(queue.counts().unwrap(), vec![("queued".to_string(), 4)]);
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
    let row: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(row["error_class"], "server_error");
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
