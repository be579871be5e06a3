//! Every key the TUI answers to, as one `Action` enum and one binding table per view
//! (and one for the text boxes). The same table decides what a key does, what the
//! footer shows and what `?` lists: the key names are derived from the keys bound, so
//! a key cannot be shown without working, nor work without being listed.
//!
//! Adding an action: add a variant with its description, a `Binding` in the views where
//! it applies (with its own help text where the action means something particular
//! there), and the arm in that view's `handle`, which returns the request that the app
//! turns into screens and effects.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod table;
pub use table::{TEXT_AREA, TEXT_BOX, bindings, typing};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Interrupt,
    Redraw,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Open,
    New,
    Delete,
    ToggleEnabled,
    Filter,
    Sort,
    Reload,
    ClearFilter,
    AcceptFilter,
    Back,
    NextField,
    PreviousField,
    NextPane,
    PreviousPane,
    NextOption,
    PreviousOption,
    Activate,
    Save,
    Leave,
    Reveal,
    RemoveRow,
    ExternalEditor,
    TogglePreview,
    NextButton,
    PreviousButton,
    Press,
    Cancel,
    CloseHelp,
    Verify,
    TrustCertificate,
    Authorize,
    PasteUrl,
    NextRendering,
    ToggleQrTarget,
    PrintUrl,
    CopyUrl,
    ForgetAuthorization,
    Logs,
    LogsSelected,
    Detail,
    CycleOutcome,
    Replay,
    Settings,
    Status,
    CheckCallback,
    /// Device grant: ask for a new code after the last one expired or was refused.
    StartAgain,
    // The text boxes' own keys.
    CursorLeft,
    CursorRight,
    LineStart,
    LineEnd,
    DeleteBack,
    DeleteForward,
    DeleteToStart,
    NewLine,
    LineUp,
    LineDown,
    StopTyping,
}

impl Action {
    /// Actions on the selected integration: not offered while the list is empty.
    pub fn needs_selection(self) -> bool {
        matches!(
            self,
            Action::Open
                | Action::Delete
                | Action::ToggleEnabled
                | Action::Verify
                | Action::Authorize
                | Action::ForgetAuthorization
                | Action::LogsSelected
        )
    }

    /// What the action does, as help says it unless a view's table says it its way.
    pub const fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit (asks first when there are unsaved edits)",
            Action::Interrupt => "quit from anywhere (asks first when there are unsaved edits)",
            Action::Redraw => "redraw the whole screen",
            Action::Help => "show this help",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "one page up",
            Action::PageDown => "one page down",
            Action::First => "first row",
            Action::Last => "last row",
            Action::Open => "edit the selected integration",
            Action::New => "new integration",
            Action::Delete => "delete the selected integration (asks first)",
            Action::ToggleEnabled => "enable or disable the selected integration",
            Action::Filter => "filter by name, host, method or authentication",
            Action::Sort => "change the sort column",
            Action::Reload => "reload from disk",
            Action::ClearFilter => "clear the filter",
            Action::AcceptFilter => "keep the filter and go back to the list",
            Action::Back => "back",
            Action::NextField => "next field",
            Action::PreviousField => "previous field (Shift-Tab arrives as Alt-Tab on the console)",
            Action::NextPane => "next pane",
            Action::PreviousPane => "previous pane",
            Action::NextOption => "next choice of a choice field",
            Action::PreviousOption => "previous choice of a choice field",
            Action::Activate => {
                "press the focused button, add a header row, type into the content sample"
            }
            Action::Save => "save (the Save button does the same)",
            Action::Leave => "close the editor (asks first when there are unsaved edits)",
            Action::Reveal => "show or mask secrets",
            Action::RemoveRow => "remove the focused header row or the certificate",
            Action::ExternalEditor => {
                "edit the content sample in $VISUAL / $EDITOR (e where no text box is focused)"
            }
            Action::TogglePreview => {
                "show or hide the content sample's preview with a sample event"
            }
            Action::NextButton => "next button",
            Action::PreviousButton => "previous button",
            Action::Press => "press the focused button",
            Action::Cancel => "cancel",
            Action::CloseHelp => "close help",
            Action::Verify => "VERIFY: send the content sample, show each stage",
            Action::Authorize => "AUTHORIZE an OAuth integration on a phone or laptop",
            Action::PasteUrl => {
                "paste the URL the browser ended on (when the phone cannot reach us)"
            }
            Action::NextRendering => "QR code drawing: half blocks, two columns, ASCII",
            Action::ToggleQrTarget => {
                "QR code of the short start link or of the full authorize URL"
            }
            Action::PrintUrl => "print the full authorize URL unbroken, outside the full screen",
            Action::ForgetAuthorization => "forget the OAuth authorization (asks first)",
            Action::Logs => "LOGS: every delivery attempt, all integrations",
            Action::LogsSelected => "LOGS of the selected integration",
            Action::Detail => "the attempt's request and response (redacted)",
            Action::CycleOutcome => "show all outcomes, failed only, delivered only",
            Action::TrustCertificate => {
                "trust the certificate the server presented: shows it, pins it only on Trust"
            }
            Action::Replay => "deliver the selected event again (asks first)",
            Action::Settings => {
                "APPLIANCE SETTINGS: hostname, callback URL, listener, proxy, timeouts, limits"
            }
            Action::Status => {
                "STATUS: the worker, what waits and why, each integration's last delivery"
            }
            Action::CheckCallback => {
                "check the callback URL: start the listener and request it as the provider's redirect would"
            }
            Action::CopyUrl => {
                "copy the full authorize URL (OSC 52: sent to the terminal clipboard)"
            }
            Action::StartAgain => "ask for a new code, once this one has expired or failed",
            Action::CursorLeft => "cursor left",
            Action::CursorRight => "cursor right",
            Action::LineStart => "start of the text",
            Action::LineEnd => "end of the text",
            Action::DeleteBack => "delete the character before the cursor",
            Action::DeleteForward => "delete the character at the cursor",
            Action::DeleteToStart => "delete everything before the cursor",
            Action::NewLine => "break the line (while typing into the content sample)",
            Action::LineUp => "line up (while typing into the content sample)",
            Action::LineDown => "line down (while typing into the content sample)",
            Action::StopTyping => "stop typing into the content sample, keeping the text",
        }
    }
}

/// The screens that take keys, each with its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyContext {
    List,
    Filter,
    Chooser,
    PresetFields,
    Editor,
    Dialog,
    Help,
    Verify,
    Authorize,
    AuthorizePaste,
    AuthorizeSite,
    /// AUTHORIZE with the device grant: a code to enter, no redirect.
    AuthorizeDevice,
    /// AUTHORIZE once the flow has ended: its listener closed, nothing to paste, print
    /// or copy any more.
    AuthorizeEnded,
    /// The same for the device grant, which can ask for a new code.
    AuthorizeDeviceEnded,
    Logs,
    LogsText,
    LogsDetail,
    Settings,
    Status,
}

impl KeyContext {
    pub fn title(self) -> &'static str {
        match self {
            KeyContext::List => "Integrations list",
            KeyContext::Filter => "Filter",
            KeyContext::Chooser => "New integration: type",
            KeyContext::PresetFields => "New integration: the preset's fields",
            KeyContext::Editor => "Integration editor",
            KeyContext::Dialog => "Question",
            KeyContext::Help => "Help",
            KeyContext::Verify => "VERIFY report",
            KeyContext::Authorize => "AUTHORIZE",
            KeyContext::AuthorizePaste => "AUTHORIZE: paste the redirected URL",
            KeyContext::AuthorizeSite => "AUTHORIZE: choose the site",
            KeyContext::AuthorizeDevice => "AUTHORIZE: device code",
            KeyContext::AuthorizeEnded | KeyContext::AuthorizeDeviceEnded => "AUTHORIZE: ended",
            KeyContext::Logs => "LOGS: delivery attempts",
            KeyContext::LogsText => "LOGS: text filter",
            KeyContext::LogsDetail => "LOGS: attempt detail",
            KeyContext::Settings => "APPLIANCE SETTINGS",
            KeyContext::Status => "STATUS",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let mut modifiers = event.modifiers;
        // Upper-case letters and symbols arrive with SHIFT on some terminals only.
        if matches!(event.code, KeyCode::Char(_)) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        if event.code == KeyCode::BackTab {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        let code = match event.code {
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        code == self.code && modifiers == self.modifiers
    }
}

/// The key as the footer and help name it, in ASCII words the console font has:
/// `Enter`, `PgDn`, `Ctrl-S`, `Shift-Tab`, `Space`, `q`.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One row of a table: the action, its keys, what help says it does in this view, and
/// the footer's label when the footer shows it.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub action: Action,
    pub keys: &'static [Key],
    pub help: &'static str,
    pub footer: Option<&'static str>,
}

impl Binding {
    /// Its keys as help lists them: `Esc/q/?`.
    pub fn hint(&self) -> String {
        self.keys
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// What help says, where the action means something particular in this view.
    pub(super) const fn says(self, help: &'static str) -> Binding {
        Binding { help, ..self }
    }
}

/// The action a key means in one table.
pub fn action_in(table: &[Binding], key: &KeyEvent) -> Option<Action> {
    table
        .iter()
        .find(|binding| binding.keys.iter().any(|k| k.matches(key)))
        .map(|binding| binding.action)
}

/// The action a key means in a context.
pub fn action_for(context: KeyContext, key: &KeyEvent) -> Option<Action> {
    action_in(bindings(context), key)
}

/// The footer's hints: key (the first bound), label and the action they stand for.
pub fn footer(context: KeyContext) -> impl Iterator<Item = (String, &'static str, Action)> {
    bindings(context).iter().filter_map(|binding| {
        let label = binding.footer?;
        let key = binding.keys.first()?;
        Some((key.to_string(), label, binding.action))
    })
}

/// How the table of `context` names the keys of `action`, for text that points at them.
pub fn hint_for(context: KeyContext, action: Action) -> String {
    bindings(context)
        .iter()
        .find(|binding| binding.action == action)
        .map(Binding::hint)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_resolve_in_their_context() {
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        assert_eq!(
            action_for(KeyContext::List, &key(KeyCode::Char('n'))),
            Some(Action::New)
        );
        assert_eq!(
            action_for(KeyContext::List, &key(KeyCode::Char('+'))),
            Some(Action::New)
        );
        let shifted_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(KeyContext::List, &shifted_g), Some(Action::Last));
        let alt_tab = KeyEvent::new(KeyCode::Tab, KeyModifiers::ALT);
        assert_eq!(
            action_for(KeyContext::Editor, &alt_tab),
            Some(Action::PreviousField)
        );
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            action_for(KeyContext::Editor, &back_tab),
            Some(Action::PreviousField)
        );
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(action_for(KeyContext::Editor, &ctrl_s), Some(Action::Save));
    }

    #[test]
    fn hints_name_every_key_bound() {
        assert_eq!(
            hint_for(KeyContext::Dialog, Action::PreviousButton),
            "Left/Shift-Tab/Alt-Tab/h"
        );
        assert_eq!(hint_for(KeyContext::Editor, Action::Save), "Ctrl-S/F2");
        assert_eq!(hint_for(KeyContext::List, Action::ToggleEnabled), "Space");
        assert_eq!(hint_for(KeyContext::List, Action::Delete), "d/Del");
    }

    #[test]
    fn no_control_key_that_terminals_confuse_is_bound() {
        let contexts = [
            KeyContext::List,
            KeyContext::Filter,
            KeyContext::Chooser,
            KeyContext::PresetFields,
            KeyContext::Editor,
            KeyContext::Dialog,
            KeyContext::Help,
            KeyContext::Verify,
            KeyContext::Authorize,
            KeyContext::AuthorizePaste,
            KeyContext::AuthorizeSite,
            KeyContext::AuthorizeDevice,
            KeyContext::AuthorizeEnded,
            KeyContext::AuthorizeDeviceEnded,
            KeyContext::Logs,
            KeyContext::LogsText,
            KeyContext::LogsDetail,
            KeyContext::Settings,
            KeyContext::Status,
        ];
        let tables = contexts
            .iter()
            .map(|context| bindings(*context))
            .chain([TEXT_BOX, TEXT_AREA]);
        for table in tables {
            for binding in table {
                for key in binding.keys {
                    let confusing = key.modifiers == KeyModifiers::CONTROL
                        && matches!(key.code, KeyCode::Char('h' | 'i' | 'm' | '['));
                    assert!(!confusing, "{:?}", binding.action);
                }
            }
        }
    }
}
