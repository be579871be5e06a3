//! The queue file itself: migrations, keyset pages and filters, claims and leases,
//! held jobs, and retention pruning, on a real SQLite file.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use hookconsole::store::queue::{
    AttemptOutcome, AttemptRecord, Difference, EnqueueStatus, JobState, JobUpdate, LogFilter,
    LogOutcome, NewEvent, Replayed, now_ms,
};
use hookconsole::store::{Queue, QueueError};
use rusqlite::OptionalExtension;

fn event(integration: &str) -> NewEvent {
    NewEvent {
        id: None,
        integration: integration.into(),
        event_type: "t".into(),
        payload: "{}".into(),
        fingerprint: None,
    }
}

fn record(job_id: i64, integration: &str, outcome: &str, at_ms: i64) -> AttemptRecord {
    AttemptRecord {
        job_id,
        event_id: format!("evt_{job_id}"),
        integration: integration.into(),
        event_type: "t".into(),
        at_ms,
        attempt: 1,
        max_attempts: 10,
        outcome: AttemptOutcome::from_word(outcome).unwrap(),
        error_class: None,
        status: Some(200),
        duration_ms: 1,
        next_retry_ms: None,
        summary: "200 OK".into(),
        request: "{}".into(),
        response: None,
    }
}

fn finished(records: Vec<AttemptRecord>) -> Vec<JobUpdate> {
    records
        .into_iter()
        .map(|r| JobUpdate::Finished {
            job_id: r.job_id,
            attempts: 1,
            state: JobState::Delivered,
            next_attempt_ms: 0,
            records: vec![r],
        })
        .collect()
}

#[test]
fn a_newer_schema_is_refused_and_reopening_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    drop(Queue::open(&path).unwrap());
    drop(Queue::open(&path).unwrap());
    as_written_by(&path, "", 99);
    match Queue::open(&path) {
        Err(QueueError::TooNew { found: 99, .. }) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
}

#[test]
fn claims_lease_and_release_and_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
    let ids = queue
        .enqueue(&[event("a"), event("a"), event("b")])
        .unwrap();
    assert_eq!(ids.len(), 3);
    // The same id again queues nothing new.
    let again = NewEvent {
        id: Some(ids[0].id.clone()),
        ..event("a")
    };
    assert_eq!(
        queue.enqueue(&[again]).unwrap()[0].status,
        EnqueueStatus::Duplicate
    );
    queue.hold_disabled(&["b".to_string()]).unwrap();
    let claimed = queue.claim("w1", 10, 60_000).unwrap();
    assert_eq!(claimed.len(), 2, "b is held");
    assert!(queue.claim("w2", 10, 60_000).unwrap().is_empty(), "leased");
    assert_eq!(queue.release_all_claims().unwrap(), 2);
    // An expired lease is claimable again, by another worker: the one that holds it
    // may still be delivering it (a slow receiver), and would deliver it twice.
    assert_eq!(queue.claim("w1", 10, -1).unwrap().len(), 2);
    assert!(queue.claim("w1", 10, 60_000).unwrap().is_empty(), "its own");
    assert_eq!(queue.claim("w2", 10, 60_000).unwrap().len(), 2);
    queue.hold_disabled(&[]).unwrap();
    assert_eq!(queue.claim("w2", 10, 60_000).unwrap().len(), 1);
}

/// The worker's writer runs a group of claims, settles and enqueues in one
/// transaction: another connection sees none of it before the group's commit and all
/// of it after.
#[test]
fn a_group_of_writes_commits_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let mut queue = Queue::open(&path).unwrap();
    let reader = Queue::open(&path).unwrap();
    let first = queue.enqueue(&[event("a"), event("a")]).unwrap();
    queue.begin_group().unwrap();
    assert!(queue.group_is_open());
    let claimed = queue.claim("w1", 1, 60_000).unwrap();
    assert_eq!(claimed.len(), 1);
    let record = AttemptRecord {
        event_id: claimed[0].event_id.clone(),
        ..record(claimed[0].job_id, "a", "delivered", now_ms())
    };
    queue.apply(&finished(vec![record])).unwrap();
    queue.enqueue(&[event("b")]).unwrap();
    // The same id with another payload: refused, the rest of the group stands.
    let taken = NewEvent {
        id: Some(first[1].id.clone()),
        payload: "{\"other\":1}".into(),
        ..event("a")
    };
    let answers = queue.enqueue(&[taken]).unwrap();
    assert!(matches!(answers[0].status, EnqueueStatus::Conflict(_)));
    let counts = |queue: &Queue| {
        let mut counts = queue.counts().unwrap();
        counts.sort();
        counts
    };
    assert_eq!(
        counts(&reader),
        vec![("queued".to_string(), 2)],
        "nothing of the group shows before its commit"
    );
    queue.commit_group().unwrap();
    assert!(!queue.group_is_open());
    assert_eq!(
        counts(&reader),
        vec![("delivered".to_string(), 1), ("queued".to_string(), 2)],
        "the settle and the enqueue of `b`"
    );
    assert_eq!(
        reader
            .log_page(&LogFilter::default(), None, 10)
            .unwrap()
            .rows
            .len(),
        1
    );
}

/// A replay adds a job only for an event none of whose jobs waits: a waiting one is
/// made due now, one in delivery or held is left as it is (a second job would
/// deliver the event twice).
#[test]
fn a_replay_does_not_queue_an_event_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
    let ids: Vec<String> = queue
        .enqueue(&[event("a"), event("b"), event("c")])
        .unwrap()
        .into_iter()
        .map(|enqueued| enqueued.id)
        .collect();
    queue.hold_disabled(&["b".to_string()]).unwrap();
    let claimed = queue.claim("w1", 1, 60_000).unwrap();
    assert_eq!(claimed[0].integration, "a");
    let replay = queue.replay(&ids[0], None, |_| true).unwrap();
    assert_eq!(replay.replayed, Replayed::InFlight(claimed[0].job_id));
    assert_eq!(
        (replay.event_id.as_str(), replay.integration.as_str()),
        (ids[0].as_str(), "a")
    );
    assert!(matches!(
        queue.replay(&ids[1], None, |_| true).unwrap().replayed,
        Replayed::Held(_)
    ));
    assert!(matches!(
        queue.replay(&ids[2], None, |_| true).unwrap().replayed,
        Replayed::DueNow(_)
    ));
    let record = AttemptRecord {
        event_id: ids[0].clone(),
        ..record(claimed[0].job_id, "a", "delivered", now_ms())
    };
    queue.apply(&finished(vec![record])).unwrap();
    // An integration that is gone would only see its job die: refused.
    assert!(matches!(
        queue.replay(&ids[0], None, |name| name != "a"),
        Err(QueueError::IntegrationGone { .. })
    ));
    let Replayed::Queued(job) = queue.replay(&ids[0], None, |_| true).unwrap().replayed else {
        panic!("a delivered event is queued again")
    };
    assert!(job > claimed[0].job_id);
}

/// Replays from several processes at once (a script, two people) each wait their
/// turn: none is told the file is locked. (A deferred transaction that read first
/// was refused at once when another replay had committed since.)
#[test]
fn replays_at_once_wait_their_turn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let id = Queue::open(&path).unwrap().enqueue(&[event("a")]).unwrap()[0]
        .id
        .clone();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (path, id) = (path.clone(), id.clone());
            std::thread::spawn(move || {
                let mut queue = Queue::open(&path).unwrap();
                (0..25)
                    .map(|_| queue.replay(&id, None, |_| true).map(|_| ()))
                    .collect::<Result<Vec<()>, _>>()
            })
        })
        .collect();
    for thread in threads {
        if let Err(error) = thread.join().unwrap() {
            panic!("{error}");
        }
    }
}

/// When the next job is due, for a claimer that found fewer than it asked for: the
/// earliest queued job, or another worker's lease running out; never a held job or
/// the claimer's own lease.
#[test]
fn the_next_due_job_is_a_queued_one_or_another_workers_lease() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
    assert_eq!(queue.next_due_ms("w1").unwrap(), None, "an empty queue");
    queue.enqueue(&[event("a"), event("b")]).unwrap();
    queue.hold_disabled(&["b".to_string()]).unwrap();
    let before = now_ms();
    let due = queue.next_due_ms("w1").unwrap().unwrap();
    assert!(due <= before, "queued now, due now");
    let claimed = queue.claim("w1", 10, 60_000).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        queue.next_due_ms("w1").unwrap(),
        None,
        "its own lease, and b held"
    );
    let expires = queue.next_due_ms("w2").unwrap().unwrap();
    assert!((before + 60_000..=now_ms() + 60_000).contains(&expires));
    // A retry scheduled in a minute is due then.
    queue
        .apply(&[JobUpdate::Finished {
            job_id: claimed[0].job_id,
            attempts: 1,
            state: JobState::Queued,
            next_attempt_ms: before + 60_000,
            records: Vec::new(),
        }])
        .unwrap();
    assert_eq!(queue.next_due_ms("w1").unwrap(), Some(before + 60_000));
}

/// Makes the file at `path` look as a program of schema `version` left it: `undo`
/// takes the steps after it back.
fn as_written_by(path: &std::path::Path, undo: &str, version: i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!("{undo} PRAGMA user_version = {version};"))
        .unwrap();
}

/// Takes a file back from schema 5 to 4: events keyed by their id alone, jobs
/// referring to them by it (the schema 4 tables and indexes, as shipped).
const UNDO_5: &str = "CREATE TABLE events_4 (
        id TEXT PRIMARY KEY,
        integration TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    INSERT INTO events_4 SELECT id, integration, type, payload, created FROM events;
    CREATE TABLE jobs_4 (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events_4(id) ON DELETE CASCADE,
        integration TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires INTEGER,
        replay_of INTEGER,
        created INTEGER NOT NULL
    );
    INSERT INTO jobs_4 SELECT id, event_id, integration, state, attempts, next_attempt_at,
        lease_owner, lease_expires, replay_of, created FROM jobs;
    DROP TABLE jobs;
    DROP TABLE events;
    ALTER TABLE events_4 RENAME TO events;
    ALTER TABLE jobs_4 RENAME TO jobs;
    CREATE INDEX jobs_event ON jobs(event_id);
    CREATE INDEX jobs_queued ON jobs(next_attempt_at) WHERE state = 'queued';
    CREATE INDEX jobs_claimed ON jobs(lease_expires) WHERE state = 'claimed';
    CREATE INDEX jobs_held ON jobs(integration) WHERE state = 'held';";

/// Takes a file back from schema 4 to 3.
const UNDO_4: &str = "DROP INDEX jobs_queued; DROP INDEX jobs_claimed; DROP INDEX jobs_held; \
    CREATE INDEX jobs_due ON jobs(state, next_attempt_at);";

#[test]
fn jobs_waiting_in_a_schema_3_file_are_claimed_held_and_taken_over_after_the_upgrade() {
    // Schema 4 replaced the index over every job with partial ones (queued, claimed,
    // held): the jobs an older worker left in each state are found through them.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let mut queue = Queue::open(&path).unwrap();
    queue
        .enqueue(&[event("a"), event("a"), event("b"), event("c")])
        .unwrap();
    queue.hold_disabled(&["c".to_string()]).unwrap();
    let leased = queue.claim("old worker", 1, 60_000).unwrap();
    queue
        .apply(&finished(vec![record(
            leased[0].job_id,
            "a",
            "delivered",
            now_ms(),
        )]))
        .unwrap();
    let leased = queue.claim("old worker", 1, 60_000).unwrap();
    assert_eq!(leased[0].integration, "a");
    drop(queue);
    as_written_by(&path, &format!("{UNDO_5} {UNDO_4}"), 3);

    let mut queue = Queue::open(&path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        indexes,
        ["jobs_claimed", "jobs_event", "jobs_held", "jobs_queued"]
    );
    drop(conn);
    let integrations = |jobs: Vec<hookconsole::store::queue::ClaimedJob>| {
        jobs.into_iter()
            .map(|job| job.integration)
            .collect::<Vec<_>>()
    };
    assert_eq!(integrations(queue.claim("new", 10, 60_000).unwrap()), ["b"]);
    assert_eq!(
        queue.release_all_claims().unwrap(),
        2,
        "the old lease and b"
    );
    let mut again = integrations(queue.claim("new", 10, 60_000).unwrap());
    again.sort();
    assert_eq!(again, ["a", "b"]);
    queue.hold_disabled(&[]).unwrap();
    assert_eq!(integrations(queue.claim("new", 10, 60_000).unwrap()), ["c"]);
    assert!(queue.claim("new", 10, 60_000).unwrap().is_empty());
    let counts = queue.counts().unwrap();
    assert_eq!(
        counts,
        [("claimed".to_string(), 3), ("delivered".to_string(), 1)]
    );
}

#[test]
fn keyset_pages_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
    let now = now_ms();
    let records = (1..=25)
        .map(|n| {
            let outcome = if n % 5 == 0 { "dead" } else { "delivered" };
            let name = if n % 2 == 0 { "even" } else { "odd" };
            record(n, name, outcome, now)
        })
        .collect();
    queue.apply(&finished(records)).unwrap();
    let all = LogFilter::default();
    let first = queue.log_page(&all, None, 10).unwrap();
    assert_eq!(first.rows[0].id, 25);
    let second = queue.log_page(&all, first.next_before, 10).unwrap();
    assert_eq!(second.rows[0].id, 15);
    let third = queue.log_page(&all, second.next_before, 10).unwrap();
    assert_eq!(third.rows.len(), 5);
    assert_eq!(third.next_before, None);
    let failed_even = LogFilter {
        integration: Some("even".into()),
        outcome: Some(LogOutcome::Failed),
        ..LogFilter::default()
    };
    let ids: Vec<i64> = queue
        .log_page(&failed_even, None, 50)
        .unwrap()
        .rows
        .iter()
        .map(|r| r.job_id)
        .collect();
    assert_eq!(ids, [20, 10]);
    let text = LogFilter {
        text: Some("evt_2".into()),
        ..LogFilter::default()
    };
    assert_eq!(queue.log_page(&text, None, 50).unwrap().rows.len(), 7);
    let newer = queue.log_after(&all, 23, 50).unwrap();
    assert_eq!(newer.iter().map(|r| r.id).collect::<Vec<_>>(), [24, 25]);
    assert_eq!(queue.last_attempt_id().unwrap(), 25);
    let minutes = queue.per_minute(&all, now - 60_000).unwrap();
    assert_eq!(minutes.iter().map(|m| m.2).sum::<i64>(), 25);
}

#[test]
fn retention_prunes_old_and_surplus_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
    let now = now_ms();
    let old = now - 10 * 86_400_000;
    let mut records: Vec<_> = (1..=5).map(|n| record(n, "a", "delivered", old)).collect();
    records.extend((6..=3005).map(|n| record(n, "a", "delivered", now)));
    queue.apply(&finished(records)).unwrap();
    let deleted = queue.prune(7, 2_000).unwrap();
    assert_eq!(deleted, 5 + 1_000);
    let page = queue.log_page(&LogFilter::default(), None, 5000).unwrap();
    assert_eq!(page.rows.len(), 2_000);
    assert_eq!(page.rows.last().unwrap().job_id, 1006);
}

/// A held event waits for a person, but not for ever: past `retention_days` since it
/// was queued it is dead, with a line in the log that says why.
#[test]
fn held_events_expire_by_the_retention_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let mut queue = Queue::open(&path).unwrap();
    let old = queue.enqueue(&[event("a")]).unwrap()[0].id.clone();
    queue.enqueue(&[event("a"), event("b")]).unwrap();
    queue.hold_disabled(&["a".to_string()]).unwrap();
    let forty_days_ago = now_ms() - 40 * 86_400_000;
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE events SET created = ?1 WHERE id = ?2",
            rusqlite::params![forty_days_ago, old],
        )
        .unwrap();
    queue.prune(30, 1_000_000).unwrap();
    let mut counts = queue.counts().unwrap();
    counts.sort();
    assert_eq!(
        counts,
        [("dead".into(), 1), ("held".into(), 1), ("queued".into(), 1)]
    );
    let page = queue.log_page(&LogFilter::default(), None, 10).unwrap();
    assert_eq!(page.rows.len(), 1);
    let row = &page.rows[0];
    assert_eq!(row.event_id, old);
    assert_eq!(row.outcome, AttemptOutcome::Dead);
    assert_eq!(row.error_class.as_deref(), Some("expired"));
    assert!(
        row.summary.contains("30 days (retention_days)"),
        "{}",
        row.summary
    );
    // Pruning again expires nothing more: the other held event is recent.
    queue.prune(30, 1_000_000).unwrap();
    assert_eq!(
        queue
            .log_page(&LogFilter::default(), None, 10)
            .unwrap()
            .rows
            .len(),
        1
    );
}

/// The full-text index agrees with the attempts table (FTS5's own check).
fn index_is_in_step(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("INSERT INTO attempts_text (attempts_text) VALUES ('integrity-check')")
        .unwrap();
}

fn texts(queue: &Queue, text: &str) -> Vec<i64> {
    let filter = LogFilter {
        text: Some(text.into()),
        ..LogFilter::default()
    };
    let newest_first: Vec<i64> = queue
        .log_page(&filter, None, 100)
        .unwrap()
        .rows
        .iter()
        .map(|r| r.job_id)
        .collect();
    let oldest_first: Vec<i64> = queue
        .log_after(&filter, 0, 100)
        .unwrap()
        .iter()
        .rev()
        .map(|r| r.job_id)
        .collect();
    assert_eq!(
        newest_first, oldest_first,
        "pages and follow agree on {text:?}"
    );
    newest_first
}

#[test]
fn text_filters_find_substrings_without_regard_to_case_indexed_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let mut queue = Queue::open(&path).unwrap();
    let now = now_ms();
    let mut records: Vec<_> = (1..=6)
        .map(|n| record(n, "alpha", "delivered", now))
        .collect();
    records[1].summary = "503 Service Unavailable".into();
    records[3].summary = "connection refused: 100% of tries".into();
    records[4].integration = "Beta_Hook".into();
    records[5].event_type = "scan.finished".into();
    queue.apply(&finished(records)).unwrap();
    // The same answers whether the writer has indexed none of the rows (the table is
    // read), some (the index, then the newer rows from the table) or all of them.
    for indexed in [0, 3, 6] {
        while queue.unindexed_text().unwrap() > 6 - indexed {
            queue.index_text(3).unwrap();
        }
        // Three characters or more: through the index.
        assert_eq!(texts(&queue, "UNAVAIL"), [2]);
        assert_eq!(texts(&queue, "vice una"), [2]);
        assert_eq!(texts(&queue, "beta_h"), [5]);
        assert_eq!(texts(&queue, "SCAN.FIN"), [6]);
        assert_eq!(texts(&queue, "100%"), [4]);
        assert_eq!(texts(&queue, "evt_3"), [3]);
        assert_eq!(texts(&queue, "\"quoted\""), Vec::<i64>::new());
        assert_eq!(texts(&queue, "ALPHA"), [6, 4, 3, 2, 1]);
        // Shorter: the rows are read.
        assert_eq!(texts(&queue, "OK"), [6, 5, 3, 1]);
        assert_eq!(texts(&queue, "%"), [4]);
        assert_eq!(texts(&queue, "_h"), [5]);
        // Paged across the index and the newer rows.
        let alpha = LogFilter {
            text: Some("alpha".into()),
            ..LogFilter::default()
        };
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = queue.log_page(&alpha, before, 2).unwrap();
            seen.extend(page.rows.iter().map(|r| r.job_id));
            before = page.next_before;
            if before.is_none() {
                break;
            }
        }
        assert_eq!(seen, [6, 4, 3, 2, 1], "indexed: {indexed}");
        assert_eq!(
            queue
                .log_after(&alpha, 2, 2)
                .unwrap()
                .iter()
                .map(|r| r.job_id)
                .collect::<Vec<_>>(),
            [3, 4]
        );
    }
    index_is_in_step(&path);
    // Combined with the other filters, and paged.
    let filter = LogFilter {
        integration: Some("alpha".into()),
        text: Some("200 ok".into()),
        ..LogFilter::default()
    };
    let page = queue.log_page(&filter, None, 2).unwrap();
    assert_eq!(
        page.rows.iter().map(|r| r.job_id).collect::<Vec<_>>(),
        [6, 3]
    );
    let page = queue.log_page(&filter, page.next_before, 2).unwrap();
    assert_eq!(page.rows.iter().map(|r| r.job_id).collect::<Vec<_>>(), [1]);
    // Pruned rows leave the index too.
    queue.prune(7, 2).unwrap();
    index_is_in_step(&path);
    assert_eq!(texts(&queue, "ALPHA"), [6]);
}

#[test]
fn the_index_is_filled_for_attempts_logged_before_it() {
    // From the schema before the index (1) and from the index with positions (2): the
    // upgrade is instant, filters find the old rows meanwhile by reading them, and the
    // writer's indexing (`index_text`) brings the new index in step.
    for (version, undo) in [
        (
            1,
            "DROP TABLE attempts_text; DROP TABLE text_index; \
             DROP TRIGGER attempts_text_delete; DROP TRIGGER attempts_text_update;",
        ),
        (
            2,
            "DROP TABLE attempts_text; \
             CREATE VIRTUAL TABLE attempts_text USING fts5(event_id, event_type, \
             integration, summary, content = 'attempts', content_rowid = 'id', \
             tokenize = 'trigram'); \
             INSERT INTO attempts_text (attempts_text) VALUES ('rebuild'); \
             UPDATE text_index SET indexed_to = (SELECT max(id) FROM attempts);",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite3");
        let mut queue = Queue::open(&path).unwrap();
        let mut records: Vec<_> = (1..=3)
            .map(|n| record(n, "a", "delivered", now_ms()))
            .collect();
        records[2].summary = "503 Service Unavailable".into();
        queue.apply(&finished(records)).unwrap();
        drop(queue);
        as_written_by(&path, &format!("{UNDO_4} {undo}"), version);
        let mut queue = Queue::open(&path).unwrap();
        assert_eq!(queue.unindexed_text().unwrap(), 3, "from version {version}");
        assert_eq!(texts(&queue, "unavailable"), [3], "from version {version}");
        assert_eq!(queue.index_text(1000).unwrap(), 3);
        assert_eq!(queue.unindexed_text().unwrap(), 0);
        index_is_in_step(&path);
        assert_eq!(texts(&queue, "unavailable"), [3], "from version {version}");
        assert_eq!(
            texts(&queue, "Service Unavail"),
            [3],
            "from version {version}"
        );
    }
}

/// Every page of `filter`, newest first (pages of 50) and oldest first (follow from 0),
/// as attempt ids.
fn all_pages(queue: &Queue, filter: &LogFilter) -> (Vec<i64>, Vec<i64>) {
    let mut newest_first = Vec::new();
    let mut before = None;
    loop {
        let page = queue.log_page(filter, before, 50).unwrap();
        newest_first.extend(page.rows.iter().map(|row| row.id));
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    let mut oldest_first = Vec::new();
    let mut after = 0;
    loop {
        let rows = queue.log_after(filter, after, 50).unwrap();
        let Some(last) = rows.last() else { break };
        after = last.id;
        oldest_first.extend(rows.iter().map(|row| row.id));
    }
    (newest_first, oldest_first)
}

#[test]
fn text_filters_page_alike_across_the_probe_the_index_and_the_unindexed_rows() {
    // More rows than a filter reads directly before it asks the index (2,000), some of
    // them not yet indexed: a common text, a rare one far back, and one that is only
    // in the rows not yet indexed come out whole and in order, both ways.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let mut queue = Queue::open(&path).unwrap();
    let now = now_ms();
    let records: Vec<_> = (1..=5_000)
        .map(|n| {
            let mut record = record(n, "alpha", "delivered", now);
            if n % 7 == 0 {
                record.summary = "503 Service Unavailable".into();
            }
            if n == 12 {
                record.summary = "TLS: certificate expired".into();
            }
            if n == 4_990 {
                record.summary = "connection reset mid-answer".into();
            }
            record
        })
        .collect();
    queue.apply(&finished(records)).unwrap();
    // Up to 4,002: the boundaries (4,002, and 2,002 where the direct reading stops)
    // are rows that match.
    queue.index_text(4_002).unwrap();
    assert_eq!(queue.unindexed_text().unwrap(), 998);
    let filter = |text: &str| LogFilter {
        text: Some(text.into()),
        ..LogFilter::default()
    };
    let ids = |queue: &Queue, text: &str| queue.log_page(&filter(text), None, 50).unwrap().rows;

    let (newest_first, oldest_first) = all_pages(&queue, &filter("unavailable"));
    let expected: Vec<i64> = (1..=5_000).rev().filter(|n| n % 7 == 0).collect();
    assert_eq!(newest_first, expected);
    assert_eq!(
        oldest_first,
        expected.iter().rev().copied().collect::<Vec<_>>()
    );
    let rare = ids(&queue, "CERTIFICATE exp");
    assert_eq!(rare.iter().map(|row| row.id).collect::<Vec<_>>(), [12]);
    let (newest, oldest) = all_pages(&queue, &filter("reset mid"));
    assert_eq!((newest, oldest), (vec![4_990], vec![4_990]));
    // A page that starts inside the indexed rows, far back.
    let page = queue
        .log_page(&filter("unavailable"), Some(1_000), 50)
        .unwrap();
    let expected: Vec<i64> = (1..1_000).rev().filter(|n| n % 7 == 0).take(50).collect();
    assert_eq!(
        page.rows.iter().map(|row| row.id).collect::<Vec<_>>(),
        expected
    );
}

/// Every row of `table`, as text, in the order of its first column.
fn rows_of(path: &std::path::Path, table: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut select = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
        .unwrap();
    let columns = select.column_count();
    select
        .query_map([], |row| {
            (0..columns)
                .map(|n| {
                    row.get::<_, rusqlite::types::Value>(n)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|values| values.join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn with_id(id: &str, integration: &str, payload: &str) -> NewEvent {
    NewEvent {
        id: Some(id.into()),
        payload: payload.into(),
        ..event(integration)
    }
}

#[test]
fn a_schema_4_queue_keeps_every_row_and_then_takes_an_event_id_once_per_integration() {
    // Schema 5 keys events by integration and id. A schema 4 file holds jobs in every
    // state, replays and attempts: the upgrade rebuilds both tables and keeps them all.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let mut queue = Queue::open(&path).unwrap();
    let events: Vec<_> = ["a", "a", "a", "a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(n, integration)| {
            with_id(&format!("evt_{n}"), integration, &format!("{{\"n\":{n}}}"))
        })
        .collect();
    queue.enqueue(&events).unwrap();
    queue.hold_disabled(&["c".to_string()]).unwrap();
    let claimed = queue.claim("old worker", 3, 60_000).unwrap();
    let settle =
        |job: &hookconsole::store::queue::ClaimedJob, state, outcome: &str| JobUpdate::Finished {
            job_id: job.job_id,
            attempts: 1,
            state,
            next_attempt_ms: now_ms() + 3_600_000,
            records: vec![AttemptRecord {
                event_id: job.event_id.clone(),
                ..record(job.job_id, &job.integration, outcome, now_ms())
            }],
        };
    queue
        .apply(&[
            settle(&claimed[0], JobState::Delivered, "delivered"),
            settle(&claimed[1], JobState::Dead, "dead"),
            settle(&claimed[2], JobState::Queued, "retry"),
        ])
        .unwrap();
    // Still leased by the old worker: a claimed job.
    assert_eq!(queue.claim("old worker", 1, 60_000).unwrap().len(), 1);
    queue.replay("evt_0", None, |_| true).unwrap();
    drop(queue);
    let (events_before, jobs_before, attempts_before) = (
        rows_of(&path, "events"),
        rows_of(&path, "jobs"),
        rows_of(&path, "attempts"),
    );
    as_written_by(&path, UNDO_5, 4);
    let states: Vec<String> = rusqlite::Connection::open(&path)
        .unwrap()
        .prepare("SELECT DISTINCT state FROM jobs ORDER BY state")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(states, ["claimed", "dead", "delivered", "held", "queued"]);

    let mut queue = Queue::open(&path).unwrap();
    assert_eq!(rows_of(&path, "events"), events_before);
    assert_eq!(rows_of(&path, "jobs"), jobs_before);
    assert_eq!(rows_of(&path, "attempts"), attempts_before);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 5);
    let indexes: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' \
             AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let names: Vec<&str> = indexes.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["jobs_claimed", "jobs_event", "jobs_held", "jobs_queued"]
    );
    for (name, partial) in [
        ("jobs_claimed", "WHERE state = 'claimed'"),
        ("jobs_held", "WHERE state = 'held'"),
        ("jobs_queued", "WHERE state = 'queued'"),
    ] {
        let sql = &indexes.iter().find(|(n, _)| n == name).unwrap().1;
        assert!(sql.contains(partial), "{sql}");
    }
    let broken: Option<String> = conn
        .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
        .optional()
        .unwrap();
    assert_eq!(broken, None);
    drop(conn);

    // The upgraded file: an old job is claimed and settled as before …
    let due: Vec<_> = queue
        .claim("new worker", 10, 60_000)
        .unwrap()
        .into_iter()
        .map(|job| (job.event_id, job.integration, job.payload))
        .collect();
    assert!(
        due.contains(&(
            "evt_0".to_string(),
            "a".to_string(),
            "{\"n\":0}".to_string()
        )),
        "the replay: {due:?}"
    );
    // … and an id of `a` can now be queued for `b`, once; with another payload it is
    // refused.
    let answers = queue
        .enqueue(&[
            with_id("evt_0", "b", "{\"n\":0}"),
            with_id("evt_0", "b", "{\"n\":0}"),
            with_id("evt_0", "a", "{\"n\":1}"),
        ])
        .unwrap();
    let statuses: Vec<_> = answers.iter().map(|answer| answer.status).collect();
    assert_eq!(
        statuses,
        [
            EnqueueStatus::Queued,
            EnqueueStatus::Duplicate,
            EnqueueStatus::Conflict(Difference::Payload)
        ]
    );
    // Pruning still takes an event's jobs with it (the key of the reference changed).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("PRAGMA foreign_keys = ON", []).unwrap();
    conn.execute("DELETE FROM events WHERE id = 'evt_5'", [])
        .unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM jobs WHERE event_id = 'evt_5'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn an_attempt_is_stored_with_its_outcome_word_and_read_back_as_the_same_attempt() {
    // One attempt type: what the worker records is what the log reads back, beside its
    // id; the outcome is an enum in the program and the same words in the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let mut queue = Queue::open(&path).unwrap();
    let now = now_ms();
    let records: Vec<AttemptRecord> = [
        (1, AttemptOutcome::Delivered),
        (2, AttemptOutcome::Retry),
        (3, AttemptOutcome::Dead),
    ]
    .into_iter()
    .map(|(job, outcome)| AttemptRecord {
        outcome,
        duration_ms: 1_234,
        request: r#"{"body_bytes":2,"method":"POST"}"#.into(),
        response: Some(r#"{"status":503}"#.into()),
        ..record(job, "a", "delivered", now)
    })
    .collect();
    queue.apply(&finished(records.clone())).unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let words: Vec<String> = conn
        .prepare("SELECT outcome FROM attempts ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(words, ["delivered", "retry", "dead"]);

    let mut rows = queue
        .log_page(&LogFilter::default(), None, 10)
        .unwrap()
        .rows;
    rows.reverse();
    for (row, record) in rows.iter().zip(&records) {
        assert_eq!(row.logged.outcome, record.outcome);
        assert_eq!(row.logged.duration_ms, record.duration_ms);
        assert_eq!(
            row.logged.request,
            serde_json::json!({"body_bytes": 2, "method": "POST"})
        );
        assert_eq!(
            row.logged.response,
            Some(serde_json::json!({"status": 503}))
        );
    }
    // `logs --json` prints the row as before: the id, then the attempt's fields, the
    // outcome as its word.
    let printed = serde_json::to_string(&rows[1]).unwrap();
    assert!(
        printed.starts_with(r#"{"id":2,"job_id":2,"event_id":"evt_2","#),
        "{printed}"
    );
    assert!(printed.contains(r#""outcome":"retry","#), "{printed}");
    let retried = LogFilter {
        outcome: Some(LogOutcome::Retry),
        ..LogFilter::default()
    };
    let page = queue.log_page(&retried, None, 10).unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].outcome, AttemptOutcome::Retry);
    let minutes = queue
        .per_minute(&LogFilter::default(), now - 60_000)
        .unwrap();
    let mut outcomes: Vec<AttemptOutcome> = minutes.iter().map(|m| m.1).collect();
    outcomes.sort_by_key(|outcome| outcome.as_str());
    assert_eq!(
        outcomes,
        [
            AttemptOutcome::Dead,
            AttemptOutcome::Delivered,
            AttemptOutcome::Retry
        ]
    );
}

/// What `status` reads: jobs waiting per integration (queued, retrying, held, being
/// delivered) and, from the log, the last hour's counts, the dead ones and the last
/// attempt. The hour is counted from the lowest id made in it: an attempt that
/// started earlier may be committed later, with a higher id.
#[test]
fn status_counts_what_waits_and_what_the_log_says_lately() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
    queue
        .enqueue(&[event("a"), event("a"), event("a"), event("b"), event("b")])
        .unwrap();
    queue.hold_disabled(&["b".to_string()]).unwrap();
    let claimed = queue.claim("w", 2, 60_000).unwrap();
    assert_eq!(claimed.len(), 2);
    // The first one fails and is queued again; the second is being delivered.
    queue
        .apply(&[JobUpdate::Finished {
            job_id: claimed[0].job_id,
            attempts: 1,
            state: JobState::Queued,
            next_attempt_ms: 4_000_000_000_000,
            records: Vec::new(),
        }])
        .unwrap();
    let (by_name, total) = queue.waiting().unwrap();
    let a = &by_name["a"];
    assert_eq!(
        (a.queued, a.retrying, a.held, a.delivering),
        (1, 1, 0, 1),
        "{a:?}"
    );
    assert_eq!(a.next_retry_ms, Some(4_000_000_000_000));
    assert_eq!((by_name["b"].held, total.total()), (2, 5));

    let now = now_ms();
    let hour_ago = now - 3_600_000;
    // Committed in this order: one from two hours ago, then one of the hour, then one
    // that started before the hour but ended after the previous one, then the hour's.
    let mut late = record(12, "a", "retry", hour_ago - 60_000);
    late.status = Some(503);
    queue
        .apply(&finished(vec![
            record(10, "a", "dead", now - 7_200_000),
            record(11, "a", "delivered", now - 1_000),
            late,
            record(13, "a", "dead", now - 500),
            record(14, "b", "delivered", now - 100),
        ]))
        .unwrap();
    let windows = queue.log_windows(now - 86_400_000, hour_ago).unwrap();
    let recent = queue.recent("a", windows).unwrap();
    assert_eq!(recent.dead, 2, "both in the retention window");
    assert_eq!(recent.delivered_last_hour, 1);
    // The late attempt has an id after the hour's first: it counts, as documented.
    assert_eq!(recent.failed_last_hour, 2);
    let last = recent.last.unwrap();
    assert_eq!(
        (last.outcome, last.at_ms),
        (AttemptOutcome::Dead, now - 500)
    );
    let outside = queue.log_windows(now - 86_400_000, now - 800).unwrap();
    let recent = queue.recent("a", outside).unwrap();
    assert_eq!(
        (recent.delivered_last_hour, recent.failed_last_hour),
        (0, 1),
        "only the attempt made at now - 500"
    );
    assert_eq!(queue.recent("c", windows).unwrap().last, None);
    assert_eq!(
        queue.last_attempt("b").unwrap().unwrap().outcome,
        AttemptOutcome::Delivered
    );
}

/// The hour's first attempt in time may have been committed, and numbered, after
/// another attempt of the hour: both count.
#[test]
fn the_last_hour_counts_an_attempt_committed_before_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue = Queue::open(&dir.path().join("q.sqlite3")).unwrap();
    let now = now_ms();
    queue
        .apply(&finished(vec![
            record(1, "a", "delivered", now - 7_200_000),
            record(2, "a", "delivered", now - 1_000),
            // Started before #2, ended after it.
            record(3, "a", "delivered", now - 1_100),
        ]))
        .unwrap();
    let windows = queue.log_windows(now - 86_400_000, now - 1_100).unwrap();
    assert_eq!(queue.recent("a", windows).unwrap().delivered_last_hour, 2);
    // One that started just before the hour and was committed after one of the hour
    // counts in it (the counts read the index alone, which has no times).
    let windows = queue.log_windows(now - 86_400_000, now - 1_050).unwrap();
    assert_eq!(queue.recent("a", windows).unwrap().delivered_last_hour, 2);
    let windows = queue.log_windows(now - 86_400_000, now - 900).unwrap();
    assert_eq!(queue.recent("a", windows).unwrap().delivered_last_hour, 0);
}
