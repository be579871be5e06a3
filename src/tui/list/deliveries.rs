//! The words for the deliveries' state that the title line (above every view) and the
//! list's Waiting column use: whether the worker runs and how many events wait. Words,
//! not colour alone: `NOT RUNNING` reads on every terminal.

use crate::home::{DeliverySummary, WorkerState};

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
            queue_unreadable: None,
        }
    }

    #[test]
    fn the_words_for_what_waits() {
        let stopped = summary(WorkerState::Stopped);
        assert_eq!(waiting_words(&stopped), "3 waiting (2 held)");
        assert_eq!(not_running_words(WorkerState::Stopped), Some("NOT RUNNING"));
        assert_eq!(not_running_words(WorkerState::Running), None);
        assert_eq!(waiting_cell(Some(&stopped), "a"), "3");
        assert_eq!(waiting_cell(Some(&stopped), "b"), "-");
        assert_eq!(waiting_cell(None, "a"), "-");
    }
}
