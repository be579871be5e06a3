//! The list's word on the deliveries, in its frame's bottom border: whether the worker
//! runs (and, when it does not, how to start it, where there is room) and how many
//! events wait. Words, not colour alone: `NOT RUNNING` reads on every terminal.

use crate::home::{DeliverySummary, WorkerState};

/// ` worker running, 3 waiting (2 held) `, or ` worker NOT RUNNING, 3 waiting: start
/// it with … `, within `room` columns; and whether it is a warning.
pub fn worker_title(summary: &DeliverySummary, room: usize) -> (String, bool) {
    let waiting = waiting_words(summary);
    let Some(state) = not_running_words(summary.worker) else {
        return (format!(" worker running, {waiting} "), false);
    };
    let short = format!(" worker {state}, {waiting}: see hookconsole status ");
    let title = summary
        .start_command
        .as_ref()
        .map(|command| format!(" worker {state}, {waiting}: start it with {command} "))
        .filter(|long| long.chars().count() <= room)
        .unwrap_or(short);
    (title, true)
}

/// `3 waiting (2 held)`, or `3 waiting` when none is held.
pub fn waiting_words(summary: &DeliverySummary) -> String {
    let mut waiting = format!("{} waiting", summary.total_waiting);
    if summary.total_held > 0 {
        waiting.push_str(&format!(" ({} held)", summary.total_held));
    }
    waiting
}

/// What a worker that does not deliver is, in capitals; `None` when it runs.
pub fn not_running_words(worker: WorkerState) -> Option<&'static str> {
    match worker {
        WorkerState::Running => None,
        WorkerState::Stopped => Some("NOT RUNNING"),
        WorkerState::NotAnswering => Some("NOT ANSWERING"),
    }
}

/// An integration's waiting events for its row: `-` when none.
pub fn waiting_cell(summary: Option<&DeliverySummary>, name: &str) -> String {
    match summary.and_then(|summary| summary.waiting.get(name)) {
        Some(&count) if count > 0 => count.to_string(),
        _ => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(worker: WorkerState) -> DeliverySummary {
        DeliverySummary {
            worker,
            start_command: Some("sudo systemctl start hookconsole-worker.service".into()),
            waiting: [("a".to_string(), 3)].into_iter().collect(),
            total_waiting: 3,
            total_held: 2,
        }
    }

    #[test]
    fn a_stopped_worker_says_how_to_start_it_where_there_is_room() {
        let stopped = summary(WorkerState::Stopped);
        let (wide, warning) = worker_title(&stopped, 120);
        assert!(warning);
        assert_eq!(
            wide,
            " worker NOT RUNNING, 3 waiting (2 held): start it with sudo systemctl start \
             hookconsole-worker.service "
        );
        let (narrow, _) = worker_title(&stopped, 60);
        assert_eq!(
            narrow,
            " worker NOT RUNNING, 3 waiting (2 held): see hookconsole status "
        );
        let (running, warning) = worker_title(&summary(WorkerState::Running), 60);
        assert_eq!(
            (running.as_str(), warning),
            (" worker running, 3 waiting (2 held) ", false)
        );
        assert_eq!(waiting_cell(Some(&stopped), "a"), "3");
        assert_eq!(waiting_cell(Some(&stopped), "b"), "-");
        assert_eq!(waiting_cell(None, "a"), "-");
    }
}
