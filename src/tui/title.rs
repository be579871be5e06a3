//! The title line, drawn above every view: the program and its integrations file on
//! the left, the deliveries' state on the right (issue 16 item 2), so that a stopped
//! worker is seen from the editor, VERIFY or LOGS as well as from the list. It reads
//! the summary the list's border reads; no view asks the queue again.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::list::deliveries::{not_running_words, waiting_words};
use super::profile::Profile;
use super::text::{fit, width};
use super::theme::Theme;
use crate::home::DeliverySummary;

/// Fewer columns than this for the integrations file, and the title leaves it out.
const MIN_PATH_COLUMNS: usize = 16;

/// `worker running, 3 waiting (2 held)`, or for a worker that does not deliver the
/// longest of: how to start it in words, the command alone, a pointer to `hookconsole
/// status`, that fits `room` columns (the last cut with `mark` when nothing does);
/// and whether it is a warning.
pub fn delivery_status(summary: &DeliverySummary, room: usize, mark: &str) -> (String, bool) {
    if summary.queue_unreadable.is_some() {
        // The worker's state first: the queue's reason and what to do are in status.
        let worker = not_running_words(summary.worker).unwrap_or("running");
        return (
            fit(&format!("worker {worker}, {UNREADABLE}"), room, mark),
            true,
        );
    }
    let waiting = waiting_words(summary);
    let Some(state) = not_running_words(summary.worker) else {
        return (
            fit(&format!("worker running, {waiting}"), room, mark),
            false,
        );
    };
    let start = summary.start_command.as_deref();
    // The console's own view: `hookconsole status` alone would read the default home,
    // not the one this console was opened on with --home.
    let pointer = format!("worker {state}, {waiting}: {SEE_STATUS}");
    let shown = [
        start.map(|command| format!("worker {state}, {waiting}: start it with {command}")),
        start.map(|command| format!("worker {state}, {waiting}: {command}")),
    ]
    .into_iter()
    .flatten()
    .find(|text| width(text) <= room)
    .unwrap_or_else(|| fit(&pointer, room, mark));
    (shown, true)
}

/// What the title line knows of the deliveries.
pub enum Deliveries {
    /// Not read yet (the first reading is under way).
    NotYetRead,
    /// The worker's state, and what waits or why the queue could not be read.
    Read(DeliverySummary),
}

impl Deliveries {
    /// What was read, when it could be.
    pub fn summary(&self) -> Option<&DeliverySummary> {
        match self {
            Deliveries::Read(summary) => Some(summary),
            Deliveries::NotYetRead => None,
        }
    }
}

/// Said for a queue that cannot be read; `status` (and STATUS) say why and what to do.
const UNREADABLE: &str = "delivery queue UNREADABLE: see STATUS (w on the list)";

/// Where the whole story is, from any view.
const SEE_STATUS: &str = "see STATUS (w on the list)";

/// Draws the title line on `area`. The deliveries' state has the first claim on the
/// room (it is what an operator acts on); the program's name and the file take what is
/// left: the name and what it is whole or not at all, the file cut to fit.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    (theme, profile): (&Theme, Profile),
    file: &str,
    deliveries: &Deliveries,
) {
    let columns = usize::from(area.width);
    let (status, warning) = match deliveries {
        Deliveries::NotYetRead => (String::new(), false),
        Deliveries::Read(summary) => {
            delivery_status(summary, columns.saturating_sub(2), theme.ellipsis)
        }
    };
    let status = if status.is_empty() {
        status
    } else {
        format!(" {status} ")
    };
    let mut left_room = columns.saturating_sub(width(&status));
    let name = " hookconsole ";
    let mut spans = Vec::new();
    if width(name) <= left_room {
        left_room -= width(name);
        let separator = profile.separator();
        let what = format!("{separator} webhook integrations ");
        spans.push(Span::styled(name, theme.title));
        if width(&what) <= left_room {
            left_room -= width(&what);
            spans.push(Span::styled(what, theme.text));
            // A path cut to a few characters says nothing; then none at all.
            if left_room >= MIN_PATH_COLUMNS {
                spans.push(Span::styled(
                    fit(&format!("{separator} {file}"), left_room, theme.ellipsis),
                    theme.hint,
                ));
            }
        }
    }
    frame.render_widget(Line::from(spans), area);
    if !status.is_empty() {
        let style = if warning { theme.warning } else { theme.hint };
        frame.render_widget(Line::styled(status, style).right_aligned(), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::home::WorkerState;

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
    fn an_unreadable_queue_still_says_the_workers_state() {
        let mut unreadable = summary(WorkerState::Stopped);
        unreadable.queue_unreadable = Some("file is not a database".into());
        assert_eq!(
            delivery_status(&unreadable, 120, "~"),
            (format!("worker NOT RUNNING, {UNREADABLE}"), true)
        );
        unreadable.worker = WorkerState::Running;
        assert_eq!(
            delivery_status(&unreadable, 120, "~").0,
            format!("worker running, {UNREADABLE}")
        );
    }

    #[test]
    fn a_stopped_worker_is_told_with_as_much_of_its_start_command_as_fits() {
        let stopped = summary(WorkerState::Stopped);
        let command = "sudo systemctl start hookconsole-worker.service";
        let shown = |room| delivery_status(&stopped, room, "~");
        assert_eq!(
            shown(120),
            (
                format!("worker NOT RUNNING, 3 waiting (2 held): start it with {command}"),
                true
            )
        );
        assert_eq!(
            shown(90).0,
            format!("worker NOT RUNNING, 3 waiting (2 held): {command}")
        );
        assert_eq!(
            shown(70).0,
            "worker NOT RUNNING, 3 waiting (2 held): see STATUS (w on the list)"
        );
        assert_eq!(shown(30).0, "worker NOT RUNNING, 3 waiting~");
        assert_eq!(
            delivery_status(&summary(WorkerState::Running), 60, "~"),
            ("worker running, 3 waiting (2 held)".to_string(), false)
        );
    }
}
