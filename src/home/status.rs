//! What `hookconsole status` (and the TUI's status) shows: whether the worker runs,
//! what waits in the queue and why, what the log says of each integration lately, the
//! authorization of the OAuth ones, the callback URL and the room left on disk. It is
//! gathered here once for every face; the faces only print it. The shape serializes
//! as `status --json` prints it, documented in the README: add fields, do not rename.

mod system;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Home;
use crate::model::{DestinationPolicy, HoldReason, Integration};
use crate::store::queue::{LogWindows, Recent, Waiting, now_ms};
use crate::store::worker_presence::{self, LockState, WorkerIdentity};
use crate::store::{Authorization, QueueError, StoreError, hold_reason};

/// How long the socket may take to say who it is.
const SOCKET_ANSWER: Duration = Duration::from_secs(2);
const HOUR_MS: i64 = 3_600_000;

/// Everything `status` says, as of `checked_at`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub checked_at: String,
    pub worker: WorkerStatus,
    pub queue: QueueStatus,
    pub integrations: Vec<IntegrationStatus>,
    pub callback: CallbackStatus,
    /// What is not well, one sentence each; empty when all is.
    pub problems: Vec<String>,
}

impl Status {
    pub fn all_well(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The worker's state, from its lock and its socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerState {
    /// It holds its lock and its socket answered.
    Running,
    /// It holds its lock but its socket did not answer: hung, or without a socket.
    NotAnswering,
    /// Nobody holds the lock.
    Stopped,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkerStatus {
    pub state: WorkerState,
    pub pid: Option<u32>,
    pub started_at: Option<String>,
    pub version: Option<String>,
    /// Why the socket gave no answer, when it did not.
    pub socket_problem: Option<String>,
    /// `systemctl is-active` of the packaged unit, where systemd runs.
    pub systemd_unit: Option<String>,
    pub systemd_state: Option<String>,
    /// How to start it, when it is not running.
    pub start_command: Option<String>,
}

/// What waits in the queue: the counts of [`Waiting`] and the log's recent counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub queued: u64,
    pub retrying: u64,
    pub next_retry_at: Option<String>,
    /// Held by the worker, or queued for an integration that holds its events (the
    /// worker holds them when it next reads, or starts).
    pub held: u64,
    /// When the oldest held event expires (dead, `retention_days` after it was queued).
    pub held_expires_at: Option<String>,
    pub delivering: u64,
    /// Every job not settled: queued, retrying, held and delivering.
    pub waiting: u64,
    pub oldest_waiting_at: Option<String>,
    pub oldest_waiting_seconds: Option<i64>,
    /// Dead in the retention window (`retention_days`).
    pub dead: u64,
    pub delivered_last_hour: u64,
    pub failed_last_hour: u64,
}

impl Counts {
    /// `retention_ms`: how long a held event waits before it expires.
    fn of(waiting: &Waiting, recent: &Recent, now: i64, retention_ms: i64) -> Counts {
        Counts {
            queued: waiting.queued,
            retrying: waiting.retrying,
            next_retry_at: waiting.next_retry_ms.map(rfc3339),
            held: waiting.held,
            held_expires_at: (waiting.held > 0)
                .then_some(waiting.oldest_held_ms)
                .flatten()
                .map(|queued| rfc3339(queued + retention_ms)),
            delivering: waiting.delivering,
            waiting: waiting.total(),
            oldest_waiting_at: waiting.oldest_ms.map(rfc3339),
            oldest_waiting_seconds: waiting.oldest_ms.map(|at| (now - at).max(0) / 1000),
            dead: recent.dead,
            delivered_last_hour: recent.delivered_last_hour,
            failed_last_hour: recent.failed_last_hour,
        }
    }

    fn add_recent(&mut self, recent: &Recent) {
        self.dead += recent.dead;
        self.delivered_last_hour += recent.delivered_last_hour;
        self.failed_last_hour += recent.failed_last_hour;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueStatus {
    pub file: String,
    pub file_bytes: u64,
    pub free_bytes: Option<u64>,
    pub retention_days: u32,
    /// All zero when the queue cannot be read (`unreadable`).
    pub total: Counts,
    /// Why the queue cannot be read (damaged, not a queue, not permitted): the counts
    /// are then unknown, and status says so among its problems.
    pub unreadable: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hold {
    /// `disabled`, `waiting_for_site`, `waiting_for_authorization`,
    /// `invalid_configuration`.
    pub kind: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastDelivery {
    pub at: String,
    /// `delivered`, `retry` or `dead`.
    pub outcome: String,
    pub status: Option<u16>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorizationStatus {
    /// `authorized`, `refresh_failed`, `reauthorization_needed`, `denied`,
    /// `not_authorized`, or `token_on_use` for client credentials not fetched yet.
    pub state: &'static str,
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntegrationStatus {
    pub name: String,
    /// False for a name only the queue still has (the integration was removed).
    pub configured: bool,
    pub enabled: bool,
    pub hold: Option<Hold>,
    #[serde(flatten)]
    pub counts: Counts,
    pub last_delivery: Option<LastDelivery>,
    /// For OAuth integrations.
    pub authorization: Option<AuthorizationStatus>,
}

/// A line said of an integration under its counts, for `status` and the STATUS view
/// alike; `warning` for what holds its events back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusNote {
    pub text: String,
    pub warning: bool,
}

impl IntegrationStatus {
    /// What is said of it under its row: removed, held, when held events expire, its
    /// authorization.
    pub fn notes(&self, retention_days: u32) -> Vec<StatusNote> {
        let note = |text: String, warning| StatusNote { text, warning };
        let mut notes = Vec::new();
        if !self.configured {
            notes.push(note(
                "removed: its events wait for no integration".into(),
                true,
            ));
        }
        if let Some(hold) = &self.hold {
            notes.push(note(format!("held: {}", hold.reason), true));
        }
        if let Some(expires) = &self.counts.held_expires_at {
            notes.push(note(
                format!(
                    "held events expire (dead) {retention_days} days after they were \
                     queued: the oldest at {expires}"
                ),
                false,
            ));
        }
        if let Some(authorization) = &self.authorization {
            let expiry = authorization
                .expires_at
                .as_ref()
                .map(|at| format!(", token expires {at}"))
                .unwrap_or_default();
            notes.push(note(
                format!(
                    "authorization: {}{expiry}",
                    authorization.state.replace('_', " ")
                ),
                false,
            ));
        }
        notes
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CallbackStatus {
    pub url: Option<String>,
    /// Where the listener binds while an authorization waits for its callback.
    pub listener: Option<String>,
    /// Why the two are unknown (settings that cannot be read).
    pub problem: Option<String>,
}

/// What the TUI's list shows of the deliveries: whether the worker runs and what
/// waits, per integration and in total; the queue's indexes only, no log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySummary {
    pub worker: WorkerState,
    /// How to start it, when it is not running.
    pub start_command: Option<String>,
    /// Jobs not settled, by integration name.
    pub waiting: BTreeMap<String, u64>,
    pub total_waiting: u64,
    pub total_held: u64,
    /// Why the queue could not be read; then nothing is counted as waiting, and the
    /// worker's state is still known.
    pub queue_unreadable: Option<String>,
}

impl Home {
    /// The list's summary: the worker (its lock and socket) and the waiting jobs.
    pub fn delivery_summary(&self) -> DeliverySummary {
        let worker = self.worker_status_quickly();
        let mut summary = DeliverySummary {
            worker: worker.state,
            start_command: worker.start_command,
            waiting: BTreeMap::new(),
            total_waiting: 0,
            total_held: 0,
            queue_unreadable: None,
        };
        match self.open_queue().and_then(|queue| queue.waiting()) {
            Ok((by_name, total)) => {
                summary.waiting = by_name
                    .into_iter()
                    .map(|(name, jobs)| (name, jobs.total()))
                    .collect();
                summary.total_waiting = total.total();
                summary.total_held = total.held;
            }
            Err(error) => summary.queue_unreadable = Some(error.to_string()),
        }
        summary
    }

    /// Gathers the status now. The worker is asked on its socket (at most a few
    /// seconds when it hangs); the rest is read from the files.
    pub fn status(&self) -> Result<Status, StoreError> {
        let now = now_ms();
        let worker = self.worker_status();
        let settings = self.settings()?;
        let retention_days = settings.effective_retention_days();
        let retention_ms = i64::from(retention_days) * 24 * HOUR_MS;
        let destinations = settings.destination_policy();
        let catalog = self.catalog()?;
        // Unreadable tokens hold the OAuth integrations, as in the worker.
        let authorizations = self.tokens().all().unwrap_or_default();
        let file = self.queue_file();
        let read = self.queue_counts(
            &catalog.integrations,
            destinations,
            &authorizations,
            (now, retention_ms),
        );
        let (integrations, total, unreadable) = match read {
            Ok((integrations, total)) => (integrations, total, None),
            // What the queue holds cannot be said; the worker, the integrations and
            // their holds and authorizations still can, and are what a person needs
            // most when the queue is damaged.
            Err(error) => {
                let integrations = catalog
                    .integrations
                    .iter()
                    .map(|integration| IntegrationStatus {
                        name: integration.name.clone(),
                        configured: true,
                        enabled: integration.enabled,
                        hold: hold_reason(integration, destinations, &authorizations)
                            .as_ref()
                            .map(hold_of),
                        counts: Counts::default(),
                        last_delivery: None,
                        authorization: authorization_of(integration, &authorizations),
                    })
                    .collect();
                (integrations, Counts::default(), Some(error.to_string()))
            }
        };
        let queue_status = QueueStatus {
            file_bytes: system::database_bytes(&file),
            free_bytes: system::free_bytes(&self.locations().data_dir),
            file: file.display().to_string(),
            retention_days,
            total,
            unreadable,
        };
        let mut problems = problems(&worker, &integrations, retention_days);
        // The queue's error names the file and what to do with it.
        problems.extend(queue_status.unreadable.clone());
        Ok(Status {
            checked_at: rfc3339(now),
            worker,
            queue: queue_status,
            integrations,
            callback: self.callback_status(),
            problems,
        })
    }

    /// Each integration's counts from the queue and the log, names only the queue has
    /// (removed integrations whose jobs still wait) after them, and the total. `now`
    /// and how long a held event waits before it expires, in ms.
    fn queue_counts(
        &self,
        configured: &[Integration],
        destinations: DestinationPolicy,
        authorizations: &BTreeMap<String, Authorization>,
        (now, retention_ms): (i64, i64),
    ) -> Result<(Vec<IntegrationStatus>, Counts), QueueError> {
        let queue = self.open_queue()?;
        let (mut waiting, _) = queue.waiting()?;
        let mut total_waiting = Waiting::default();
        let windows: LogWindows = queue.log_windows(now - retention_ms, now - HOUR_MS)?;
        let mut integrations = Vec::new();
        let mut total_recent = Recent::default();
        for integration in configured {
            let hold = hold_reason(integration, destinations, authorizations);
            let mut jobs = waiting.remove(&integration.name).unwrap_or_default();
            if hold.is_some() {
                jobs = jobs.all_held();
            }
            let recent = queue.recent(&integration.name, windows)?;
            total_waiting.add(&jobs);
            total_recent = sum(total_recent, &recent);
            integrations.push(IntegrationStatus {
                name: integration.name.clone(),
                configured: true,
                enabled: integration.enabled,
                hold: hold.as_ref().map(hold_of),
                counts: Counts::of(&jobs, &recent, now, retention_ms),
                last_delivery: last_delivery(&recent),
                authorization: authorization_of(integration, authorizations),
            });
        }
        for (name, jobs) in waiting {
            let recent = queue.recent(&name, windows)?;
            total_waiting.add(&jobs);
            total_recent = sum(total_recent, &recent);
            integrations.push(IntegrationStatus {
                counts: Counts::of(&jobs, &recent, now, retention_ms),
                last_delivery: last_delivery(&recent),
                name,
                configured: false,
                enabled: false,
                hold: None,
                authorization: None,
            });
        }
        let mut total = Counts::of(&total_waiting, &Recent::default(), now, retention_ms);
        total.add_recent(&total_recent);
        Ok((integrations, total))
    }

    /// Whether a worker runs: its lock, then its socket; and the systemd unit's state.
    pub fn worker_status(&self) -> WorkerStatus {
        self.with_systemd(self.worker_presence())
    }

    /// The systemd unit's state, and how to start the worker when it does not run.
    fn with_systemd(&self, mut status: WorkerStatus) -> WorkerStatus {
        let (unit, systemd_state) = system::unit_state();
        status.systemd_unit = systemd_state.as_ref().map(|_| unit.to_string());
        status.systemd_state = systemd_state;
        if status.state != WorkerState::Running {
            status.start_command = Some(system::start_command(
                status.systemd_unit.as_deref(),
                &self.locations().data_dir,
            ));
        }
        status
    }

    /// [`Home::worker_status`] without asking systemd while the worker runs: what the
    /// TUI reads each time the queue changes, without a `systemctl` process each time.
    fn worker_status_quickly(&self) -> WorkerStatus {
        let status = self.worker_presence();
        if status.state == WorkerState::Running {
            return status;
        }
        self.with_systemd(status)
    }

    /// Whether a worker runs: its lock, then its socket.
    fn worker_presence(&self) -> WorkerStatus {
        let locations = self.locations();
        let lock = worker_presence::probe_lock(locations);
        let mut status = WorkerStatus {
            state: WorkerState::Stopped,
            pid: None,
            started_at: None,
            version: None,
            socket_problem: None,
            systemd_unit: None,
            systemd_state: None,
            start_command: None,
        };
        let held = matches!(lock, LockState::Held(_));
        let from_lock = match lock {
            LockState::Held(identity) => Some(identity),
            // Only the socket can tell; silent, it counts as stopped.
            LockState::Unreadable => Some(None),
            LockState::Missing | LockState::Free => None,
        };
        if let Some(from_lock) = from_lock {
            let socket = worker_presence::socket_path(locations);
            let identity = match worker_presence::ask_socket(&socket, SOCKET_ANSWER) {
                Ok(identity) => {
                    status.state = WorkerState::Running;
                    Some(identity)
                }
                Err(silence) => {
                    if held {
                        status.state = WorkerState::NotAnswering;
                    }
                    status.socket_problem = Some(silence.to_string());
                    from_lock
                }
            };
            if let Some(WorkerIdentity {
                pid,
                started_ms,
                version,
            }) = identity
            {
                status.pid = Some(pid);
                status.started_at = Some(rfc3339(started_ms));
                status.version = Some(version);
            }
        }
        status
    }

    /// Whether a worker seems to run, told quickly (for `send`): it holds the lock, or,
    /// where this user may not open the lock, its socket is there.
    pub fn worker_seems_to_run(&self) -> bool {
        match worker_presence::probe_lock(self.locations()) {
            LockState::Held(_) => true,
            LockState::Unreadable => worker_presence::socket_path(self.locations()).exists(),
            LockState::Missing | LockState::Free => false,
        }
    }

    /// Why `integration`'s events are held now, the token store considered.
    pub fn hold_reason(&self, integration: &Integration) -> Result<Option<HoldReason>, StoreError> {
        let authorizations = self.tokens().all().unwrap_or_default();
        Ok(hold_reason(
            integration,
            self.destinations()?,
            &authorizations,
        ))
    }

    fn callback_status(&self) -> CallbackStatus {
        let (url, problem) = match self.callback_url() {
            Ok(url) => (Some(url), None),
            Err(error) => (None, Some(error.to_string())),
        };
        let bind = self
            .settings()
            .ok()
            .and_then(|settings| settings.callback_bind.clone());
        let listener = url
            .as_deref()
            .and_then(|url| crate::oauth::listener_address(url, bind.as_deref()));
        CallbackStatus {
            url,
            listener,
            problem,
        }
    }
}

fn sum(mut total: Recent, one: &Recent) -> Recent {
    total.dead += one.dead;
    total.delivered_last_hour += one.delivered_last_hour;
    total.failed_last_hour += one.failed_last_hour;
    total
}

fn hold_of(reason: &HoldReason) -> Hold {
    Hold {
        kind: reason.kind(),
        reason: reason.to_string(),
    }
}

fn last_delivery(recent: &Recent) -> Option<LastDelivery> {
    recent.last.as_ref().map(|last| LastDelivery {
        at: rfc3339(last.at_ms),
        outcome: last.outcome.as_str().to_string(),
        status: last.status,
        summary: last.summary.clone(),
    })
}

/// The authorization of an OAuth integration, its token's expiry (never a token).
fn authorization_of(
    integration: &Integration,
    authorizations: &BTreeMap<String, Authorization>,
) -> Option<AuthorizationStatus> {
    let crate::model::Authentication::OAuth(oauth) = &integration.authentication else {
        return None;
    };
    let stored = authorizations.get(&integration.name);
    let state = match stored {
        // Client credentials are never "not authorized": the first delivery fetches a
        // token (the list says the same).
        None if !oauth.grant.needs_authorize() => "token_on_use",
        None => "not_authorized",
        Some(Authorization::Authorized { .. }) => "authorized",
        Some(Authorization::RefreshFailed { .. }) => "refresh_failed",
        Some(Authorization::ReauthorizationNeeded { .. }) => "reauthorization_needed",
        Some(Authorization::Denied { .. }) => "denied",
    };
    let expires_at = stored
        .and_then(Authorization::tokens)
        .and_then(|tokens| tokens.expires_at)
        .and_then(|at| at.format(&Rfc3339).ok());
    Some(AuthorizationStatus { state, expires_at })
}

/// One sentence per thing not well: the worker down, events held, events dead.
fn problems(
    worker: &WorkerStatus,
    integrations: &[IntegrationStatus],
    retention_days: u32,
) -> Vec<String> {
    let mut problems = Vec::new();
    match worker.state {
        WorkerState::Running => {}
        WorkerState::Stopped => problems.push("the worker is not running".to_string()),
        WorkerState::NotAnswering => problems.push(format!(
            "the worker holds its lock but does not answer: {}",
            worker.socket_problem.as_deref().unwrap_or("no answer")
        )),
    }
    for integration in integrations {
        let name = &integration.name;
        let held = integration.counts.held;
        if held > 0 {
            let why = integration
                .hold
                .as_ref()
                .map_or("held".to_string(), |hold| hold.reason.clone());
            problems.push(format!("{name}: {held} held ({why})"));
        }
        let dead = integration.counts.dead;
        if dead > 0 {
            problems.push(format!(
                "{name}: {dead} dead in the last {retention_days} days"
            ));
        }
    }
    problems
}

/// `812 B`, `12.3 MiB`, `40.1 GiB`: sizes as `status` and STATUS both say them.
pub fn size_text(count: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if count < 1024 {
        return format!("{count} B");
    }
    let mut value = count as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `2026-12-05T07:40:00.123Z` for ms since the epoch.
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_a_person_says_them() {
        assert_eq!(size_text(812), "812 B");
        assert_eq!(size_text(12_900_000), "12.3 MiB");
        assert_eq!(size_text(43_000_000_000), "40.0 GiB");
    }
}
