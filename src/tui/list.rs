//! The integrations list: filter, sort, scroll; the selection follows the name across
//! reloads. Rows are computed when the catalog, filter or sort change, and a frame
//! draws only the rows in view, so 10,000 integrations cost what 20 do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Wrap};

pub(super) mod deliveries;

use super::action::{Action, KeyContext};
use super::profile::Profile;
use super::text_input::{Edit, TextInput};
use super::theme::Theme;
use crate::model::{Authentication, DestinationPolicy, HoldReason, Integration, names_match};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Host,
    Method,
    Authentication,
    Enabled,
}

impl SortKey {
    const ALL: [SortKey; 5] = [
        SortKey::Name,
        SortKey::Host,
        SortKey::Method,
        SortKey::Authentication,
        SortKey::Enabled,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Host => "host",
            SortKey::Method => "method",
            SortKey::Authentication => "authentication",
            SortKey::Enabled => "enabled",
        }
    }

    fn next(self) -> SortKey {
        let index = SortKey::ALL.iter().position(|&k| k == self).unwrap_or(0);
        SortKey::ALL[(index + 1) % SortKey::ALL.len()]
    }
}

/// An authorization as the screen shows it: words for the list's column, a line with
/// expiry, refresh token and scopes for the AUTHENTICATION pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationText {
    pub words: String,
    pub line: String,
}

/// What the list shows besides the integrations themselves, by name: the last VERIFY
/// result (else the last delivery in the log) and the token store's authorization
/// status.
#[derive(Debug, Clone, Copy)]
pub struct RowStatuses<'a> {
    /// VERIFY results since the console opened.
    pub last_results: &'a std::collections::HashMap<String, String>,
    /// The last attempt in the delivery log, which a restart keeps.
    pub last_deliveries: &'a std::collections::HashMap<String, String>,
    pub authorizations: &'a std::collections::HashMap<String, AuthorizationText>,
    /// What integrations may send to (the settings), to mark those that hold.
    pub destinations: DestinationPolicy,
    /// Whether the worker runs and what waits (none until read).
    pub deliveries: Option<&'a crate::home::DeliverySummary>,
}

#[derive(Debug, Clone)]
pub struct ListView {
    /// Indexes into the catalog, filtered and sorted.
    rows: Vec<usize>,
    /// Every index of the catalog, sorted.
    order: Vec<usize>,
    /// What the filter searches, per integration, lower case.
    haystacks: Vec<String>,
    selected: usize,
    offset: usize,
    page: usize,
    filter: TextInput,
    /// Keys type into the filter (`/` until Enter or Esc).
    filtering: bool,
    sort: SortKey,
}

/// What a key on the list asks of the app; `usize` is the selected integration's index
/// in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListRequest {
    Edit(usize),
    New,
    Delete(usize),
    ToggleEnabled(usize),
    Verify(usize),
    Authorize(usize),
    ForgetAuthorization(usize),
    /// LOGS of every integration (`None`) or of the selected one.
    Logs(Option<usize>),
    /// Sorted again, by this column.
    Sorted(SortKey),
    Reload,
    /// SETTINGS: the appliance's settings.
    Settings,
    /// STATUS: the worker and the queue.
    Status,
    Help,
    Quit,
}

impl Default for ListView {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            order: Vec::new(),
            haystacks: Vec::new(),
            selected: 0,
            offset: 0,
            page: 10,
            filter: TextInput::default(),
            filtering: false,
            sort: SortKey::Name,
        }
    }
}

impl ListView {
    /// The keys of the list, or of its filter while one is typed.
    pub fn key_context(&self) -> KeyContext {
        if self.filtering {
            KeyContext::Filter
        } else {
            KeyContext::List
        }
    }

    /// A key on the list (`action` from its table, `key` for typing into the filter);
    /// `integrations` is the catalog its rows index, for sorting.
    pub fn handle(
        &mut self,
        action: Option<Action>,
        key: &crossterm::event::KeyEvent,
        integrations: &[Integration],
    ) -> Option<ListRequest> {
        if self.filtering {
            return self.handle_filter(action, key);
        }
        let selected = self.selected_index();
        let on_selected = |request: fn(usize) -> ListRequest| selected.map(request);
        match action? {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-self.page_size()),
            Action::PageDown => self.move_by(self.page_size()),
            Action::First => self.selected = 0,
            Action::Last => self.selected = self.rows.len().saturating_sub(1),
            Action::Filter => self.filtering = true,
            Action::ClearFilter => {
                self.filter = TextInput::default();
                self.refilter();
            }
            Action::Sort => {
                self.sort = self.sort.next();
                let keep = selected
                    .and_then(|index| integrations.get(index))
                    .map(|integration| integration.name.clone());
                self.refresh(integrations, keep.as_deref());
                return Some(ListRequest::Sorted(self.sort));
            }
            Action::Reload => return Some(ListRequest::Reload),
            Action::New => return Some(ListRequest::New),
            Action::Open => return on_selected(ListRequest::Edit),
            Action::Delete => return on_selected(ListRequest::Delete),
            Action::ToggleEnabled => return on_selected(ListRequest::ToggleEnabled),
            Action::Verify => return on_selected(ListRequest::Verify),
            Action::Authorize => return on_selected(ListRequest::Authorize),
            Action::ForgetAuthorization => return on_selected(ListRequest::ForgetAuthorization),
            Action::Logs => return Some(ListRequest::Logs(None)),
            Action::LogsSelected => return selected.map(|index| ListRequest::Logs(Some(index))),
            Action::Settings => return Some(ListRequest::Settings),
            Action::Status => return Some(ListRequest::Status),
            Action::Help => return Some(ListRequest::Help),
            Action::Quit => return Some(ListRequest::Quit),
            _ => {}
        }
        None
    }

    fn handle_filter(
        &mut self,
        action: Option<Action>,
        key: &crossterm::event::KeyEvent,
    ) -> Option<ListRequest> {
        match action {
            Some(Action::AcceptFilter) => self.filtering = false,
            Some(Action::ClearFilter) => {
                self.filtering = false;
                self.filter = TextInput::default();
                self.refilter();
            }
            Some(Action::Help) => return Some(ListRequest::Help),
            _ => {
                if self.filter.handle_key(key) == Edit::Changed {
                    self.refilter();
                }
            }
        }
        None
    }

    /// A bracketed paste: into the filter while one is typed.
    pub fn paste(&mut self, text: &str) {
        if self.filtering {
            self.filter.insert_str(text);
            self.refilter();
        }
    }

    /// Sorts the catalog again and recomputes the rows (the catalog or the sort
    /// changed); the selection stays on `keep` when it is still there.
    pub fn refresh(&mut self, integrations: &[Integration], keep: Option<&str>) {
        let sort = self.sort;
        let key = |integration: &Integration| -> String {
            match sort {
                SortKey::Name => String::new(),
                SortKey::Host => integration.url_host().to_lowercase(),
                SortKey::Method => integration.effective_method().as_str().to_string(),
                SortKey::Authentication => integration.authentication.kind().as_str().to_string(),
                SortKey::Enabled => (if integration.enabled { "0" } else { "1" }).to_string(),
            }
        };
        let mut keyed: Vec<(String, String, usize)> = integrations
            .iter()
            .enumerate()
            .map(|(index, integration)| (key(integration), integration.name.to_lowercase(), index))
            .collect();
        keyed.sort();
        self.order = keyed.into_iter().map(|(_, _, index)| index).collect();
        self.haystacks = integrations.iter().map(haystack).collect();
        let keep = keep.and_then(|name| {
            integrations
                .iter()
                .position(|integration| names_match(&integration.name, name))
        });
        self.filter_rows(keep);
    }

    /// Recomputes the rows from the sorted order after the filter changed: no sorting
    /// and no allocation per integration, so typing stays quick with 10,000.
    fn refilter(&mut self) {
        let keep = self.selected_index();
        self.filter_rows(keep);
    }

    /// The rows that pass the filter, in sorted order; `keep` (an index into the
    /// catalog) stays selected when it passes.
    fn filter_rows(&mut self, keep: Option<usize>) {
        let needle = self.filter.text().to_lowercase();
        self.rows = self
            .order
            .iter()
            .copied()
            .filter(|&index| {
                needle.is_empty()
                    || self
                        .haystacks
                        .get(index)
                        .is_some_and(|text| text.contains(&needle))
            })
            .collect();
        self.selected = keep
            .and_then(|kept| self.rows.iter().position(|&index| index == kept))
            .unwrap_or(self.selected)
            .min(self.rows.len().saturating_sub(1));
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    fn page_size(&self) -> isize {
        self.page.max(1) as isize
    }

    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        integrations: Option<&[Integration]>,
        statuses: RowStatuses<'_>,
        theme: &Theme,
        profile: Profile,
    ) -> Option<Position> {
        let wide = area.width >= 110;
        let filter_height = u16::from(self.filtering || !self.filter.is_empty());
        let [filter_area, table_area] =
            Layout::vertical([Constraint::Length(filter_height), Constraint::Fill(1)]).areas(area);
        let title = match integrations {
            Some(all) if self.filter.is_empty() => format!(" Integrations ({}) ", all.len()),
            Some(all) => format!(" Integrations ({} of {}) ", self.rows.len(), all.len()),
            None => " Integrations ".to_string(),
        };
        let sorted = format!(" sorted by {} ", self.sort.label());
        // Whether the worker runs is on the title line above every view; the border
        // said it too, in other words, until that line came.
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(title, theme.title))
            .title_bottom(Span::styled(sorted, theme.hint));
        let inner = block.inner(table_area);
        frame.render_widget(block, table_area);
        let cursor = self.render_filter(frame, filter_area, theme);
        let Some(integrations) = integrations else {
            frame.render_widget(
                Paragraph::new("Loading integrations...").style(theme.hint),
                inner,
            );
            return cursor;
        };
        if self.rows.is_empty() {
            let text = if integrations.is_empty() {
                "No integrations yet.\n\nPress n (or +) to add a webhook integration: name, URL, \
                 authentication, certificate and a content sample, one pane each.\n\n\
                 Press ? for every key."
                    .to_string()
            } else {
                format!(
                    "No integration matches `{}`.\n\nEsc clears the filter.",
                    self.filter.text()
                )
            };
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(Wrap { trim: false })
                    .style(theme.text),
                inner.inner(ratatui::layout::Margin::new(2, 1)),
            );
            return cursor;
        }
        let page = usize::from(inner.height.saturating_sub(1)).max(1);
        self.page = page;
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(page));
        let visible = &self.rows[self.offset..(self.offset + page).min(self.rows.len())];
        // The waiting column only while something waits: at 80 columns its room
        // comes out of the name and host.
        let waiting = statuses
            .deliveries
            .is_some_and(|summary| summary.total_waiting > 0);
        let keep = |column: usize| waiting || column != WAITING_COLUMN;
        let cells: Vec<Vec<String>> = visible
            .iter()
            .map(|&index| {
                let texts = row_texts(&integrations[index], &statuses);
                let kept = texts.into_iter().enumerate().filter(|(i, _)| keep(*i));
                kept.map(|(_, text)| text).collect()
            })
            .collect();
        let header: Vec<&str> = if wide {
            vec![
                "Name",
                "Host",
                "Method",
                "Auth",
                "Authorization",
                "Enabled",
                "Waiting",
                "Last result",
            ]
        } else {
            vec![
                "Name",
                "Host",
                "Method",
                "Auth",
                "Authorization",
                "On",
                "Wait",
                "Last",
            ]
        };
        let header: Vec<&str> = header
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, title)| title)
            .collect();
        let last_title = header.last().map_or(0, |title| title.len());
        let last = cells
            .iter()
            .filter_map(|row| row.last().map(String::as_str));
        let last_width = if wide {
            // The whole result, as far as a third of the row allows.
            last.map(super::text::width)
                .max()
                .unwrap_or(0)
                .clamp(last_title, usize::from(inner.width / 3))
        } else {
            longest_first_word(last, theme.ellipsis).max(last_title)
        };
        let last_width = Constraint::Length(u16::try_from(last_width).unwrap_or(u16::MAX));
        let widths: Vec<Constraint> = if wide {
            vec![
                Constraint::Fill(3),
                Constraint::Fill(3),
                Constraint::Length(6),
                Constraint::Length(5),
                Constraint::Length(14),
                Constraint::Length(7),
                Constraint::Length(7),
                last_width,
            ]
        } else {
            vec![
                Constraint::Fill(1),
                Constraint::Fill(1),
                Constraint::Length(6),
                Constraint::Length(5),
                Constraint::Length(14),
                Constraint::Length(3),
                Constraint::Length(4),
                last_width,
            ]
        };
        let widths: Vec<Constraint> = widths
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, width)| width)
            .collect();
        let columns = super::table::column_widths(inner, &widths);
        let rows = cells.iter().map(|texts| {
            Row::new(
                texts
                    .iter()
                    .zip(&columns)
                    .map(|(text, &width)| Cell::from(theme.fit(text, width))),
            )
        });
        super::table::render_rows(
            frame,
            inner,
            Row::new(header),
            rows,
            widths,
            self.selected - self.offset,
            theme,
        );
        cursor
    }

    fn render_filter(&self, frame: &mut Frame, area: Rect, theme: &Theme) -> Option<Position> {
        if area.height == 0 {
            return None;
        }
        let label = " Filter: ";
        let width = usize::from(area.width).saturating_sub(label.len() + 1);
        let (shown, column) = self.filter.visible(width, &[]);
        let style = if self.filtering {
            theme.input_focused
        } else {
            theme.input
        };
        frame.render_widget(
            Line::from(vec![
                Span::styled(label, theme.primary),
                Span::styled(format!("{shown:<width$}"), style),
            ]),
            area,
        );
        self.filtering
            .then(|| Position::new(area.x + label.len() as u16 + column as u16, area.y))
    }
}

/// The text the filter looks in: name, URL (its secrets masked: a filter must not
/// find out a secret a character at a time), method and authentication kind.
fn haystack(integration: &Integration) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        integration.name,
        crate::model::mask_url(&integration.url),
        integration.effective_method().as_str(),
        integration.authentication.kind().as_str()
    )
    .to_lowercase()
}

/// The column of each row's waiting events.
const WAITING_COLUMN: usize = 6;

/// The texts of an integration's row, column by column.
fn row_texts(integration: &Integration, statuses: &RowStatuses<'_>) -> [String; 8] {
    // An integration whose configuration holds its deliveries is marked before its
    // name, where a narrow column does not cut the mark off; the editor says why.
    let invalid = matches!(
        integration.hold_reason(statuses.destinations),
        Some(HoldReason::InvalidConfiguration(_))
    );
    let name = if invalid {
        format!("! {}", integration.name)
    } else {
        integration.name.clone()
    };
    // Client credentials are never "not authorized": the first delivery fetches a token.
    let authorization = match &integration.authentication {
        Authentication::OAuth(oauth) => {
            let missing = if oauth.grant.needs_authorize() {
                "not authorized"
            } else {
                "token on use"
            };
            statuses
                .authorizations
                .get(&integration.name)
                .map_or(missing, |status| status.words.as_str())
        }
        _ => "-",
    };
    let enabled = if integration.enabled { "yes" } else { "no" };
    let last = statuses
        .last_results
        .get(&integration.name)
        .or_else(|| statuses.last_deliveries.get(&integration.name))
        .map_or("-", String::as_str);
    [
        name,
        integration.url_host(),
        integration.effective_method().as_str().to_string(),
        integration.authentication.kind().label().to_string(),
        authorization.to_string(),
        enabled.to_string(),
        deliveries::waiting_cell(statuses.deliveries, &integration.name),
        last.to_string(),
    ]
}

/// Columns for the widest first word of `texts`, and the mark after it where the text
/// goes on: at 80 columns the last result shows `DELIVERED…`, not `DELI`.
fn longest_first_word<'a>(texts: impl Iterator<Item = &'a str>, mark: &str) -> usize {
    texts
        .map(|text| {
            let word = text.split(' ').next().unwrap_or_default();
            let more = if word.len() < text.len() {
                super::text::width(mark)
            } else {
                0
            };
            super::text::width(word) + more
        })
        .max()
        .unwrap_or(0)
}
