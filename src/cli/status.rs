//! `status [--json]`: the worker, the queue and each integration at a glance, as
//! `home` gathers them. Exit 0 when all is well, 1 when the worker is down or events
//! are held or dead, so a monitoring script can run it.

use super::{CliError, CliResult};
use crate::home::{Home, IntegrationStatus, Status, WorkerState, WorkerStatus, size_text};

pub fn status(home: &Home, json: bool) -> CliResult {
    // A settings or integrations file that does not parse is bad input here as in
    // every other command (exit 2); a queue that cannot be read is among the problems
    // (exit 1), below what can still be said.
    let status = home.status().map_err(CliError::from)?;
    if json {
        let text = serde_json::to_string_pretty(&status).map_err(anyhow::Error::from)?;
        say!("{text}")?;
    } else {
        for line in lines(&status) {
            say!("{line}")?;
        }
    }
    if status.all_well() {
        Ok(())
    } else {
        Err(CliError::Failed(anyhow::anyhow!(
            "not all is well: {}",
            status.problems.join("; ")
        )))
    }
}

fn lines(status: &Status) -> Vec<String> {
    let mut lines = worker_lines(&status.worker);
    match &status.queue.unreadable {
        Some(why) => lines.push(format!("Queue:     UNREADABLE: {why}")),
        None => lines.extend(queue_lines(status)),
    }
    let free = status
        .queue
        .free_bytes
        .map_or("free space unknown".to_string(), |free| {
            format!("{} free", size_text(free))
        });
    lines.push(format!(
        "           {} ({}), {free}",
        status.queue.file,
        size_text(status.queue.file_bytes)
    ));
    let callback = &status.callback;
    lines.push(match (&callback.url, &callback.listener) {
        (Some(url), Some(listener)) => {
            format!("Callback:  {url} (the listener binds {listener} while an authorization waits)")
        }
        (Some(url), None) => format!("Callback:  {url}"),
        _ => format!(
            "Callback:  unknown: {}",
            callback.problem.as_deref().unwrap_or("no callback URL")
        ),
    });
    lines.push(String::new());
    if status.integrations.is_empty() {
        lines.push("No integrations.".into());
    } else {
        lines.push(format!(
            "{:<24} {:>7} {:>5} {:>8} {:>5} {:>10}  LAST DELIVERY",
            "INTEGRATION", "WAITING", "HELD", "RETRYING", "DEAD", "1H OK/FAIL"
        ));
        for integration in &status.integrations {
            lines.extend(integration_lines(
                integration,
                status.queue.retention_days,
                status.queue.unreadable.is_none(),
            ));
        }
    }
    if !status.problems.is_empty() {
        lines.push(String::new());
        lines.push("Not well:".into());
        for problem in &status.problems {
            lines.push(format!("  - {problem}"));
        }
    }
    lines
}

/// The queue's counts, when it could be read.
fn queue_lines(status: &Status) -> Vec<String> {
    let total = &status.queue.total;
    let mut waiting = format!(
        "Queue:     {} waiting: {} queued, {} retrying",
        total.waiting, total.queued, total.retrying
    );
    if let Some(next) = &total.next_retry_at {
        waiting.push_str(&format!(" (next at {next})"));
    }
    waiting.push_str(&format!(
        ", {} held, {} being delivered",
        total.held, total.delivering
    ));
    if let Some(age) = total.oldest_waiting_seconds {
        waiting.push_str(&format!("; oldest waits for {}", duration(age)));
    }
    let mut lines = vec![waiting];
    lines.push(format!(
        "           last hour: {} delivered, {} failed; dead in the last {} days: {}",
        total.delivered_last_hour, total.failed_last_hour, status.queue.retention_days, total.dead
    ));
    lines
}

fn worker_lines(worker: &WorkerStatus) -> Vec<String> {
    let mut first = match worker.state {
        WorkerState::Running => "Worker:    running".to_string(),
        WorkerState::Stopped => "Worker:    NOT RUNNING".to_string(),
        WorkerState::NotAnswering => "Worker:    NOT ANSWERING (it holds its lock)".to_string(),
    };
    if let Some(pid) = worker.pid {
        first.push_str(&format!(", pid {pid}"));
    }
    if let Some(since) = &worker.started_at {
        first.push_str(&format!(", since {since}"));
    }
    if let Some(version) = &worker.version {
        first.push_str(&format!(", version {version}"));
    }
    let mut lines = vec![first];
    if let (Some(unit), Some(state)) = (&worker.systemd_unit, &worker.systemd_state) {
        lines.push(format!("           systemd {unit}: {state}"));
    }
    if let Some(problem) = &worker.socket_problem {
        lines.push(format!("           {problem}"));
    }
    if let Some(command) = &worker.start_command {
        lines.push(format!(
            "           events wait until it runs; start it: {command}"
        ));
    }
    lines
}

/// `counted`: whether the queue could be read; its columns show `?` when not.
fn integration_lines(
    integration: &IntegrationStatus,
    retention_days: u32,
    counted: bool,
) -> Vec<String> {
    let counts = &integration.counts;
    if !counted {
        let mut lines = vec![format!(
            "{:<24} {:>7} {:>5} {:>8} {:>5} {:>10}  ?",
            integration.name, "?", "?", "?", "?", "?"
        )];
        lines.extend(integration_notes(integration, retention_days));
        return lines;
    }
    let last = integration
        .last_delivery
        .as_ref()
        .map_or("-".to_string(), |last| {
            let status = last
                .status
                .map(|code| format!(" {code}"))
                .unwrap_or_default();
            format!("{}{status} at {}", last.outcome, last.at)
        });
    let mut lines = vec![format!(
        "{:<24} {:>7} {:>5} {:>8} {:>5} {:>10}  {last}",
        integration.name,
        counts.waiting,
        counts.held,
        counts.retrying,
        counts.dead,
        format!("{}/{}", counts.delivered_last_hour, counts.failed_last_hour),
    )];
    lines.extend(integration_notes(integration, retention_days));
    lines
}

/// What is said of an integration under its row: removed, held, its authorization.
fn integration_notes(integration: &IntegrationStatus, retention_days: u32) -> Vec<String> {
    integration
        .notes(retention_days)
        .into_iter()
        .map(|note| format!("  {}", note.text))
        .collect()
}

/// `45 s`, `12 min`, `3 h`, `2 d`.
fn duration(seconds: i64) -> String {
    if seconds < 120 {
        format!("{seconds} s")
    } else if seconds < 7_200 {
        format!("{} min", seconds / 60)
    } else if seconds < 172_800 {
        format!("{} h", seconds / 3_600)
    } else {
        format!("{} d", seconds / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ages_read_as_a_person_says_them() {
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(720), "12 min");
        assert_eq!(duration(3 * 86_400), "3 d");
    }
}
