//! Schema migrations, numbered by `PRAGMA user_version`: each step runs once, in one
//! transaction with the version bump, so a killed upgrade leaves the old version.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: events, jobs and attempts.
    "CREATE TABLE events (
        id TEXT PRIMARY KEY,
        integration TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        integration TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires INTEGER,
        replay_of INTEGER,
        created INTEGER NOT NULL
    );
    CREATE INDEX jobs_due ON jobs(state, next_attempt_at);
    CREATE INDEX jobs_event ON jobs(event_id);
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        integration TEXT NOT NULL,
        event_type TEXT NOT NULL,
        at INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        error_class TEXT,
        status INTEGER,
        duration_ms INTEGER NOT NULL,
        next_retry_at INTEGER,
        summary TEXT NOT NULL,
        request TEXT NOT NULL,
        response TEXT
    );
    CREATE INDEX attempts_integration ON attempts(integration, id);
    CREATE INDEX attempts_outcome ON attempts(outcome, id);
    CREATE INDEX attempts_integration_outcome ON attempts(integration, outcome, id);
    CREATE INDEX attempts_at ON attempts(at);
    CREATE INDEX attempts_event ON attempts(event_id);",
    // 2: a trigram full-text index over the text the log filter searches (event id,
    // type, integration, summary), so a substring of 3 characters or more is found
    // without reading the whole log. It holds no copy of the text (external content:
    // the attempts table). Indexing costs about three times what inserting the row
    // does, so the writer adds new rows to it in chunks when it is idle (or has fallen
    // far behind), not in the commit of a delivery burst: `text_index.indexed_to` is
    // the last attempt id in the index, and filters read the newer rows directly.
    // Deleting (pruning) and updating indexed rows is followed by triggers. (This
    // step used to index the rows already logged itself, 22-25 s for a million, longer
    // than a program opening the file waits for it; migration 3 replaces the index
    // anyway, so it now leaves that to the writer.)
    "CREATE VIRTUAL TABLE attempts_text USING fts5(
        event_id, event_type, integration, summary,
        content = 'attempts', content_rowid = 'id', tokenize = 'trigram'
    );
    CREATE TABLE text_index (indexed_to INTEGER NOT NULL);
    INSERT INTO text_index (indexed_to) VALUES (0);
    CREATE TRIGGER attempts_text_delete AFTER DELETE ON attempts
    WHEN old.id <= (SELECT indexed_to FROM text_index) BEGIN
        INSERT INTO attempts_text (attempts_text, rowid, event_id, event_type, integration,
            summary)
        VALUES ('delete', old.id, old.event_id, old.event_type, old.integration, old.summary);
    END;
    CREATE TRIGGER attempts_text_update AFTER UPDATE OF event_id, event_type, integration,
        summary ON attempts WHEN old.id <= (SELECT indexed_to FROM text_index) BEGIN
        INSERT INTO attempts_text (attempts_text, rowid, event_id, event_type, integration,
            summary)
        VALUES ('delete', old.id, old.event_id, old.event_type, old.integration, old.summary);
        INSERT INTO attempts_text (rowid, event_id, event_type, integration, summary)
        VALUES (new.id, new.event_id, new.event_type, new.integration, new.summary);
    END;",
    // 3: the same index without positions or column sizes (`detail=none`,
    // `columnsize=0`): filters ask it for rows holding every trigram of the text and
    // the LIKE decides, so positions were never needed, and leaving them out makes
    // indexing a row about half as dear (a delivery burst indexes as it goes once far
    // behind). Emptied here and filled again by the writer, oldest first, when idle:
    // instant for any size of log, and filters read the rows not yet indexed directly
    // meanwhile. The triggers of step 2 name the table, not the old one: they stay.
    "DROP TABLE attempts_text;
    CREATE VIRTUAL TABLE attempts_text USING fts5(
        event_id, event_type, integration, summary,
        content = 'attempts', content_rowid = 'id', tokenize = 'trigram',
        detail = none, columnsize = 0
    );
    UPDATE text_index SET indexed_to = 0;",
    // 4: the jobs index of step 1 held every job, delivered and dead ones too, so
    // each claim and each settle moved an entry within it. Partial indexes hold only
    // the jobs a query looks for: due (queued), leased (claimed, for leases that ran
    // out) and held (by integration, to queue them again). A delivery now adds and
    // removes an entry in the small claimed one and removes one from the queued one;
    // a delivered or dead job is in none.
    "DROP INDEX jobs_due;
    CREATE INDEX jobs_queued ON jobs(next_attempt_at) WHERE state = 'queued';
    CREATE INDEX jobs_claimed ON jobs(lease_expires) WHERE state = 'claimed';
    CREATE INDEX jobs_held ON jobs(integration) WHERE state = 'held';",
    // 5: an event id is unique per integration, not in the whole queue: a scanner
    // sends one finding to Jira and to Teams under one id, and the second was
    // acknowledged but never queued. Events are keyed by (integration, id) and jobs
    // refer to them by both. SQLite changes a key only by rebuilding the table: both
    // are copied (every row, job ids kept: attempts name them) into new tables, the
    // old ones dropped (jobs first: dropping events deletes its rows, and with them,
    // through the old reference, the jobs) and the new ones renamed, which also
    // renames the reference from jobs. A job takes its event's integration, which a
    // rename has always kept equal to its own (and every job has its event: the
    // reference is enforced on every connection). A rename moves an event's jobs along
    // (ON UPDATE CASCADE). The indexes of step 4 go with the old table and are made
    // again. `jobs_event` stays on the event id alone: SQLite finds an event's jobs
    // (cascades, replay, pruning) through it, and adding the integration made every
    // enqueue dearer for no better lookup (ids rarely repeat).
    // `fingerprint`: a digest of what the sender of an event with an id sent, so a
    // resend is known as the same event though its template renders another body
    // (none for the events already queued: their payloads are compared).
    "CREATE TABLE events_5 (
        id TEXT NOT NULL,
        integration TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created INTEGER NOT NULL,
        fingerprint BLOB,
        PRIMARY KEY (integration, id)
    );
    INSERT INTO events_5 (id, integration, type, payload, created)
        SELECT id, integration, type, payload, created FROM events;
    CREATE TABLE jobs_5 (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        integration TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires INTEGER,
        replay_of INTEGER,
        created INTEGER NOT NULL,
        FOREIGN KEY (integration, event_id) REFERENCES events_5 (integration, id)
            ON DELETE CASCADE ON UPDATE CASCADE
    );
    INSERT INTO jobs_5 (id, event_id, integration, state, attempts, next_attempt_at,
        lease_owner, lease_expires, replay_of, created)
        SELECT j.id, j.event_id, e.integration, j.state, j.attempts, j.next_attempt_at,
            j.lease_owner, j.lease_expires, j.replay_of, j.created
        FROM jobs j JOIN events e ON e.id = j.event_id;
    DROP TABLE jobs;
    DROP TABLE events;
    ALTER TABLE events_5 RENAME TO events;
    ALTER TABLE jobs_5 RENAME TO jobs;
    CREATE INDEX jobs_event ON jobs(event_id);
    CREATE INDEX jobs_queued ON jobs(next_attempt_at) WHERE state = 'queued';
    CREATE INDEX jobs_claimed ON jobs(lease_expires) WHERE state = 'claimed';
    CREATE INDEX jobs_held ON jobs(integration) WHERE state = 'held';",
];

pub const VERSION: i64 = MIGRATIONS.len() as i64;

pub enum MigrateError {
    Sqlite(rusqlite::Error),
    TooNew(i64),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(error: rusqlite::Error) -> Self {
        MigrateError::Sqlite(error)
    }
}

/// Runs the missing steps in one immediate transaction, reading the version inside
/// it, so that two processes opening a new file at once do not both migrate.
pub fn migrate(conn: &Connection) -> Result<(), MigrateError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current == VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if current > VERSION {
            return Err(MigrateError::TooNew(current));
        }
        for step in MIGRATIONS.iter().skip(current.max(0) as usize) {
            conn.execute_batch(step)?;
        }
        conn.execute_batch(&format!("PRAGMA user_version = {VERSION}"))?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(MigrateError::from),
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}
