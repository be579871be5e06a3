//! The app's LOGS keys and the delivery log's answers.

use crossterm::event::KeyEvent;

use super::{App, Popup, Screen};
use crate::tui::action::{Action, KeyContext};
use crate::tui::dialog::Dialog;
use crate::tui::help::Help;
use crate::tui::logs::{Detail, LogQuery, LogsView};
use crate::tui::message::{Effect, StoreWork};
use crate::tui::text_input::TextInput;

impl App {
    /// Opens LOGS for one integration or all, and asks for the newest page.
    pub(super) fn open_logs(&mut self, integration: Option<String>) -> Vec<Effect> {
        // From the list, Esc goes back to the list (a stale editor is not kept).
        self.logs_back = None;
        let mut view = LogsView::new(integration);
        let effects = first_page(&mut view);
        self.screen = Screen::Logs(Box::new(view));
        self.status = None;
        effects
    }

    pub(super) fn logs_key(
        &mut self,
        context: KeyContext,
        action: Option<Action>,
        key: &KeyEvent,
    ) -> Vec<Effect> {
        let Screen::Logs(view) = &mut self.screen else {
            return Vec::new();
        };
        if action == Some(Action::Help) {
            self.popups.push(Popup::Help(Help::new(context)));
            return Vec::new();
        }
        match context {
            KeyContext::LogsText => match action {
                Some(Action::AcceptFilter) => {
                    let text = view.typing.take().map(|i| i.text()).unwrap_or_default();
                    view.text = text.trim().to_string();
                    first_page(view)
                }
                Some(Action::ClearFilter) => {
                    view.typing = None;
                    if view.text.is_empty() {
                        return Vec::new();
                    }
                    view.text.clear();
                    first_page(view)
                }
                _ => {
                    view.type_key(key);
                    Vec::new()
                }
            },
            KeyContext::LogsDetail => {
                match action {
                    Some(Action::Up) => view.scroll_detail(-1),
                    Some(Action::Down) => view.scroll_detail(1),
                    Some(Action::PageUp) => view.scroll_detail(-10),
                    Some(Action::PageDown) => view.scroll_detail(10),
                    Some(Action::Back) => view.detail = None,
                    Some(Action::Replay) => {
                        if let Some(detail) = &view.detail {
                            let dialog = Dialog::replay(&detail.row);
                            self.popups.push(Popup::dialog(dialog));
                        }
                    }
                    _ => {}
                }
                Vec::new()
            }
            _ => {
                let page = view.page_size();
                let older = match action {
                    Some(Action::Up) => view.move_by(-1),
                    Some(Action::Down) => view.move_by(1),
                    Some(Action::PageUp) => view.move_by(-page),
                    Some(Action::PageDown) => view.move_by(page),
                    Some(Action::First) => view.move_by(-(view.rows.len() as isize)),
                    Some(Action::Last) => view.move_by(view.rows.len() as isize),
                    Some(Action::Detail) => {
                        if let Some(row) = view.selected_row() {
                            view.detail = Some(Detail {
                                row: Box::new(row.clone()),
                                scroll: 0,
                            });
                        }
                        false
                    }
                    Some(Action::CycleOutcome) => {
                        view.outcome = view.outcome.next();
                        self.status = Some(format!("Showing {}", view.outcome.label()));
                        return first_page(view);
                    }
                    Some(Action::Filter) => {
                        let mut input = TextInput::default();
                        input.insert_str(&view.text);
                        view.typing = Some(input);
                        false
                    }
                    Some(Action::Replay) => {
                        if let Some(row) = view.selected_row() {
                            let dialog = Dialog::replay(row);
                            self.popups.push(Popup::dialog(dialog));
                        }
                        false
                    }
                    Some(Action::Back) => {
                        self.screen = self.logs_back.take().unwrap_or(Screen::List);
                        self.refresh_list();
                        return Vec::new();
                    }
                    _ => false,
                };
                if older && view.wants_older() {
                    view.loading = true;
                    return vec![query(LogQuery::Page {
                        generation: view.generation,
                        filter: view.filter(),
                        before: view.next_before,
                    })];
                }
                Vec::new()
            }
        }
    }

    /// A second passed on LOGS: ask for what was logged since (one query at a time).
    pub(super) fn logs_tick(&mut self) -> Vec<Effect> {
        let Screen::Logs(view) = &mut self.screen else {
            return Vec::new();
        };
        view.ticks += 1;
        let mut effects = Vec::new();
        // The hour's counts change slowly: read again every 15 s.
        if view.ticks % 15 == 0 {
            effects.push(sparkline(view));
        }
        if view.loading || view.polling || !view.loaded {
            return effects;
        }
        view.polling = true;
        effects.push(query(LogQuery::Poll {
            generation: view.generation,
            filter: view.filter(),
            after: view.last_id,
        }));
        effects
    }

    pub(super) fn logs_page(
        &mut self,
        generation: u64,
        result: Result<(crate::store::queue::LogPage, i64), String>,
    ) {
        let Screen::Logs(view) = &mut self.screen else {
            return;
        };
        if view.generation != generation {
            return;
        }
        match result {
            Ok((page, newest)) => view.page_arrived(page.rows, page.next_before, newest),
            Err(error) => {
                view.loading = false;
                view.loaded = true;
                view.error = Some(error);
            }
        }
    }

    pub(super) fn logs_new(
        &mut self,
        generation: u64,
        result: Result<Vec<crate::store::queue::AttemptRow>, String>,
    ) -> Vec<Effect> {
        let Screen::Logs(view) = &mut self.screen else {
            return Vec::new();
        };
        if view.generation != generation {
            return Vec::new();
        }
        match result {
            // New attempts: the sparkline's last minute changed too.
            Ok(rows) => {
                if view.new_rows(rows) > 0 {
                    return vec![sparkline(view)];
                }
            }
            Err(error) => {
                view.polling = false;
                tracing::warn!(%error, "delivery log poll failed");
            }
        }
        Vec::new()
    }

    /// The sparkline's counts arrived; those of a filter since changed are dropped.
    pub(super) fn logs_sparkline(
        &mut self,
        generation: u64,
        since_ms: i64,
        rows: Vec<crate::tui::logs::MinuteCount>,
    ) {
        if let Screen::Logs(view) = &mut self.screen
            && view.generation == generation
        {
            view.spark = Some((since_ms, rows));
        }
    }
}

/// Starts the view over with its filter: the queries of the newest page and of the
/// sparkline, which counts what the filter keeps.
fn first_page(view: &mut LogsView) -> Vec<Effect> {
    view.restart();
    vec![
        query(LogQuery::Page {
            generation: view.generation,
            filter: view.filter(),
            before: None,
        }),
        sparkline(view),
    ]
}

fn sparkline(view: &LogsView) -> Effect {
    query(LogQuery::Sparkline {
        generation: view.generation,
        filter: view.filter(),
    })
}

fn query(query: LogQuery) -> Effect {
    Effect::Store(StoreWork::Logs(query))
}
