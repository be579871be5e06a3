//! The APPLIANCE SETTINGS view: the appliance's settings (`hookconsole settings`) as a form of
//! text boxes, one per setting, each holding the text `settings KEY=VALUE` takes
//! (empty: the default). Ctrl-S checks every changed setting with the model's own
//! rules (`Settings::set_all`, as the CLI does) and saves only when none is refused;
//! a refused one shows its error under its row. The proxy's password is masked until
//! Ctrl-R. The callback URL check runs on the saved settings.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::action::Action;
use super::form::{self, FormRow, Note};
use super::profile::Profile;
use super::text::title_room;
use super::text_input::TextInput;
use super::theme::Theme;
use crate::model::{
    DEFAULT_CONCURRENCY, DEFAULT_CONCURRENCY_PER_INTEGRATION, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_ROWS,
    DEFAULT_SOCKET_IDLE_TIMEOUT, DEFAULT_SOCKET_MAX_CONNECTIONS, DEFAULT_SOCKET_MAX_LINE_BYTES,
    SettingError, Settings,
};

/// The rows, in the order of `Settings::KEYS`: the label and what the help line says.
fn row_text(key: &str) -> (&'static str, String) {
    match key {
        "hostname" => (
            "Hostname",
            "hostname: the appliance's name in the callback URL and in events; - for none \
             (the IP address is used). Empty: the machine's."
                .into(),
        ),
        "ip_address" => (
            "IP address",
            "ip_address: used when there is no hostname. Empty: the primary address.".into(),
        ),
        "callback_url" => (
            "Callback URL",
            "callback_url: one that differs from https://<hostname>/portal/oauth (another \
             port, a reverse proxy). Empty: that rule."
                .into(),
        ),
        "callback_bind" => (
            "Listener address",
            "callback_bind: ADDRESS:PORT the callback listener binds, e.g. 127.0.0.1:8443 \
             behind a reverse proxy. Empty: every address, the URL's port."
                .into(),
        ),
        "callback_certificate" => (
            "Listener certificate",
            "callback_certificate: absolute path of a PEM certificate (chain), with \
             callback_key. Empty: self-signed, made on first use."
                .into(),
        ),
        "callback_key" => (
            "Listener key",
            "callback_key: absolute path of the certificate's PEM private key.".into(),
        ),
        "connect_timeout" => (
            "Connect timeout",
            format!("connect_timeout: seconds, 1 to 600. Empty: {DEFAULT_CONNECT_TIMEOUT}."),
        ),
        "request_timeout" => (
            "Request timeout",
            format!("request_timeout: seconds, 1 to 600. Empty: {DEFAULT_REQUEST_TIMEOUT}."),
        ),
        "proxy" => (
            "Proxy",
            "proxy: http://[user:password@]host:port for outgoing requests, or none. Empty: \
             HTTPS_PROXY / HTTP_PROXY / NO_PROXY. Ctrl-R shows the password."
                .into(),
        ),
        "max_attempts" => (
            "Max attempts",
            format!("max_attempts: of one delivery, 1 to 100. Empty: {DEFAULT_MAX_ATTEMPTS}."),
        ),
        "retention_days" => (
            "Retention days",
            format!(
                "retention_days: days the log keeps an attempt, 1 to 3650. Empty: \
                 {DEFAULT_RETENTION_DAYS}."
            ),
        ),
        "retention_rows" => (
            "Retention rows",
            format!(
                "retention_rows: attempts the log keeps at most, 1000 to 100000000. Empty: \
                 {DEFAULT_RETENTION_ROWS}."
            ),
        ),
        "concurrency" => (
            "Concurrency",
            format!(
                "concurrency: requests in flight, all integrations, 1 to 1024. Empty: \
                 {DEFAULT_CONCURRENCY}."
            ),
        ),
        "concurrency_per_integration" => (
            "Per integration",
            format!(
                "concurrency_per_integration: requests in flight to one integration, 1 to \
                 1024. Empty: {DEFAULT_CONCURRENCY_PER_INTEGRATION}."
            ),
        ),
        "socket_max_connections" => (
            "Socket clients",
            format!(
                "socket_max_connections: enqueue socket clients at once, 1 to 4096. Empty: \
                 {DEFAULT_SOCKET_MAX_CONNECTIONS}."
            ),
        ),
        "socket_max_line_bytes" => (
            "Socket line bytes",
            format!(
                "socket_max_line_bytes: the longest event line, 1024 to 1073741824. Empty: \
                 {DEFAULT_SOCKET_MAX_LINE_BYTES}."
            ),
        ),
        "socket_idle_timeout" => (
            "Socket idle timeout",
            format!(
                "socket_idle_timeout: seconds a silent client stays, 1 to 600. Empty: \
                 {DEFAULT_SOCKET_IDLE_TIMEOUT}."
            ),
        ),
        "allow_link_local_destinations" => (
            "Link-local allowed",
            "allow_link_local_destinations: true lets integrations send to link-local and \
             cloud metadata addresses. Empty: false."
                .into(),
        ),
        _ => ("", String::new()),
    }
}

#[derive(Debug, Clone)]
pub struct SettingsView {
    /// As read or last saved: what "unsaved" is measured against.
    saved: Settings,
    /// One per `Settings::KEYS`, in its order.
    inputs: Vec<TextInput>,
    focus: usize,
    /// Refused settings, by row, and why.
    errors: Vec<(usize, String)>,
    reveal: bool,
}

/// What a key on SETTINGS asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsRequest {
    /// Every change passed the model's checks: save these `(key, value)` pairs.
    Save(Vec<(String, String)>),
    /// Ctrl-S with nothing changed.
    NothingToSave,
    /// Ctrl-S refused this many settings; their rows say why.
    Refused(usize),
    /// Close (the app asks first when [`SettingsView::is_dirty`]).
    Close,
    CheckCallback,
    Help,
}

impl SettingsView {
    pub fn new(settings: Settings) -> SettingsView {
        let mut view = SettingsView {
            saved: Settings::default(),
            inputs: Vec::new(),
            focus: 0,
            errors: Vec::new(),
            reveal: false,
        };
        view.saved(settings);
        view
    }

    /// The settings as saved now: the boxes show them, and nothing is unsaved.
    pub fn saved(&mut self, settings: Settings) {
        self.inputs = Settings::KEYS
            .iter()
            .map(|key| TextInput::new(&settings.text_of(key)))
            .collect();
        self.saved = settings;
        self.errors.clear();
    }

    pub fn handle(&mut self, action: Option<Action>, key: &KeyEvent) -> Option<SettingsRequest> {
        match action {
            Some(Action::NextField) => self.move_focus(1),
            Some(Action::PreviousField) => self.move_focus(-1),
            Some(Action::Reveal) => self.reveal = !self.reveal,
            Some(Action::Save) => return Some(self.save()),
            Some(Action::CheckCallback) => return Some(SettingsRequest::CheckCallback),
            Some(Action::Leave) => return Some(SettingsRequest::Close),
            Some(Action::Help) => return Some(SettingsRequest::Help),
            _ => {
                if let Some(input) = self.inputs.get_mut(self.focus) {
                    input.handle_key(key);
                }
            }
        }
        None
    }

    /// Bracketed paste into the focused box.
    pub fn paste(&mut self, text: &str) {
        if let Some(input) = self.inputs.get_mut(self.focus) {
            input.insert_str(text);
        }
    }

    /// The settings changed and not saved, as `(key, value)`.
    pub fn changes(&self) -> Vec<(String, String)> {
        Settings::KEYS
            .iter()
            .zip(&self.inputs)
            .filter(|(key, input)| input.text() != self.saved.text_of(key))
            .map(|(key, input)| (key.to_string(), input.text()))
            .collect()
    }

    pub fn is_dirty(&self) -> bool {
        !self.changes().is_empty()
    }

    /// Ctrl-S: the changes when the model takes every one; else each refused row gets
    /// its error and the first is focused.
    pub fn save(&mut self) -> SettingsRequest {
        let changes = self.changes();
        if changes.is_empty() {
            self.errors.clear();
            return SettingsRequest::NothingToSave;
        }
        match self.saved.clone().set_all(&changes) {
            Ok(()) => {
                self.errors.clear();
                SettingsRequest::Save(changes)
            }
            Err(refused) => {
                self.refused(&refused);
                SettingsRequest::Refused(refused.len())
            }
        }
    }

    /// Shows `refused` under their rows and focuses the first.
    pub fn refused(&mut self, refused: &[SettingError]) {
        self.errors = refused
            .iter()
            .filter_map(|error| {
                let row = Settings::KEYS.iter().position(|key| *key == error.key)?;
                Some((row, error.message.clone()))
            })
            .collect();
        if let Some((row, _)) = self.errors.first() {
            self.focus = *row;
        }
    }

    fn move_focus(&mut self, by: isize) {
        let count = self.inputs.len().max(1);
        self.focus = (self.focus as isize + by).rem_euclid(count as isize) as usize;
    }

    /// Draws the form; returns where the cursor belongs. `callback_url` is the one the
    /// saved settings give, when known.
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        profile: Profile,
        callback_url: Option<&str>,
    ) -> Option<Position> {
        let title = if self.is_dirty() {
            "APPLIANCE SETTINGS (unsaved edits)"
        } else {
            "APPLIANCE SETTINGS"
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(Span::styled(
                format!(" {} ", theme.fit(title, title_room(area))),
                theme.title,
            ));
        let inner = block.inner(area).inner(Margin::new(1, 0));
        frame.render_widget(block, area);
        let [intro, fields] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
        let callback = callback_url.unwrap_or("(reading the settings...)");
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(
                    "Empty: the default. Ctrl-S saves the changes, as hookconsole settings does.",
                    theme.hint,
                ),
                Line::from(vec![
                    Span::styled("Callback URL to register: ", theme.label),
                    Span::styled(callback.to_string(), theme.text),
                ]),
            ])
            .wrap(Wrap { trim: true }),
            intro,
        );
        let width = form::value_width(fields);
        let rows: Vec<FormRow> = Settings::KEYS
            .iter()
            .zip(&self.inputs)
            .enumerate()
            .map(|(index, (key, input))| {
                let (label, help) = row_text(key);
                let focused = index == self.focus;
                let hidden = if *key == "proxy" && !self.reveal {
                    input.url_secrets()
                } else {
                    Vec::new()
                };
                let mut row = if focused {
                    let (shown, column) = input.visible(usize::from(width), &hidden);
                    let padded = format!("{shown:<width$}", width = usize::from(width));
                    let mut row = FormRow::new(label, Line::styled(padded, theme.input_focused));
                    row.cursor = Some(column as u16);
                    row
                } else {
                    let (whole, _) = input.visible(usize::MAX, &hidden);
                    FormRow::new(
                        label,
                        Line::styled(theme.fit(&whole, usize::from(width)), theme.input),
                    )
                };
                row.focused = focused;
                row.note = match self.errors.iter().find(|(row, _)| *row == index) {
                    Some((_, message)) => Some(Note::Error(message.clone())),
                    None if focused => Some(Note::Help(help)),
                    None => None,
                };
                row
            })
            .collect();
        form::render(&rows, fields, frame.buffer_mut(), theme)
    }
}
