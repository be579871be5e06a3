//! Every key the TUI answers to, as one `Action` enum and one binding table per view.
//! The same table decides what a key does, what the footer shows and what `?` lists,
//! so a key cannot be shown without working, nor work without being listed.
//!
//! Adding an action (the OAuth issue's "authorize", the delivery issue's "verify"):
//! add a variant with its description, a `Binding` in the views where it applies, and
//! the arm in that view's `handle_action`, which returns the `Effect` that starts the
//! background work. Until then no key is bound to them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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

    pub fn describe(self) -> &'static str {
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
            Action::Replay => "deliver the selected event again (asks first)",
            Action::CopyUrl => {
                "copy the full authorize URL (OSC 52: sent to the terminal clipboard)"
            }
        }
    }
}

/// The screens that take keys, each with its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyContext {
    List,
    Filter,
    Chooser,
    Editor,
    Dialog,
    Help,
    Verify,
    Authorize,
    AuthorizePaste,
    AuthorizeSite,
    Logs,
    LogsText,
    LogsDetail,
}

impl KeyContext {
    pub fn title(self) -> &'static str {
        match self {
            KeyContext::List => "Integrations list",
            KeyContext::Filter => "Filter",
            KeyContext::Chooser => "New integration: type",
            KeyContext::Editor => "Integration editor",
            KeyContext::Dialog => "Question",
            KeyContext::Help => "Help",
            KeyContext::Verify => "VERIFY report",
            KeyContext::Authorize => "AUTHORIZE",
            KeyContext::AuthorizePaste => "AUTHORIZE: paste the redirected URL",
            KeyContext::AuthorizeSite => "AUTHORIZE: choose the site",
            KeyContext::Logs => "LOGS: delivery attempts",
            KeyContext::LogsText => "LOGS: text filter",
            KeyContext::LogsDetail => "LOGS: attempt detail",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const fn plain(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    plain(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

const fn alt(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::ALT,
    }
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

/// One row of a table: the action, its keys, how the footer and help name the keys,
/// and whether the footer shows it.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub action: Action,
    pub keys: &'static [Key],
    pub hint: &'static str,
    pub footer: Option<&'static str>,
}

const fn bind(
    action: Action,
    keys: &'static [Key],
    hint: &'static str,
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        action,
        keys,
        hint,
        footer,
    }
}

const INTERRUPT: Binding = bind(Action::Interrupt, &[ctrl('c')], "Ctrl-C", None);
const REDRAW: Binding = bind(Action::Redraw, &[ctrl('l')], "Ctrl-L", None);
// Moving through rows, the same in every table.
const UP: Binding = bind(Action::Up, &[plain(KeyCode::Up), ch('k')], "Up/k", None);
const DOWN: Binding = bind(
    Action::Down,
    &[plain(KeyCode::Down), ch('j')],
    "Down/j",
    None,
);
const PAGE_UP: Binding = bind(Action::PageUp, &[plain(KeyCode::PageUp)], "PgUp", None);
const PAGE_DOWN: Binding = bind(Action::PageDown, &[plain(KeyCode::PageDown)], "PgDn", None);
const FIRST: Binding = bind(
    Action::First,
    &[plain(KeyCode::Home), ch('g')],
    "Home/g",
    None,
);
const LAST: Binding = bind(Action::Last, &[plain(KeyCode::End), ch('G')], "End/G", None);

const HELP_KEY: Binding = bind(
    Action::Help,
    &[ch('?'), plain(KeyCode::F(1))],
    "?/F1",
    Some("help"),
);
/// Esc cancels what runs (VERIFY, AUTHORIZE), then goes back.
const CANCEL_OR_BACK: Binding = bind(
    Action::Back,
    &[plain(KeyCode::Esc), ch('q')],
    "Esc/q",
    Some("cancel or back"),
);

const LIST: &[Binding] = &[
    UP,
    DOWN,
    PAGE_UP,
    PAGE_DOWN,
    FIRST,
    LAST,
    bind(
        Action::Open,
        &[plain(KeyCode::Enter)],
        "Enter",
        Some("edit"),
    ),
    bind(Action::New, &[ch('n'), ch('+')], "n/+", Some("new")),
    // Delete is in help, and Del says what it does; the footer keeps to 80 columns and
    // gives the room to the delivery log, where troubleshooting starts.
    bind(
        Action::Delete,
        &[ch('d'), plain(KeyCode::Delete)],
        "d/Del",
        None,
    ),
    // On/off is in help; the footer keeps to 80 columns.
    bind(Action::ToggleEnabled, &[ch(' ')], "Space", None),
    bind(Action::Verify, &[ch('v')], "v", Some("verify")),
    bind(Action::Authorize, &[ch('a')], "a", Some("authorize")),
    // LOGS of every integration is in help; the footer keeps to 80 columns.
    bind(Action::Logs, &[ch('L')], "L", None),
    bind(Action::LogsSelected, &[ch('l')], "l", Some("logs")),
    bind(Action::ForgetAuthorization, &[ch('x')], "x", None),
    bind(Action::Filter, &[ch('/')], "/", Some("filter")),
    // Sort is in help; the footer keeps to 80 columns.
    bind(Action::Sort, &[ch('s')], "s", None),
    bind(
        Action::Reload,
        &[ch('r'), plain(KeyCode::F(5))],
        "r/F5",
        None,
    ),
    bind(Action::ClearFilter, &[plain(KeyCode::Esc)], "Esc", None),
    HELP_KEY,
    bind(Action::Quit, &[ch('q')], "q", Some("quit")),
    INTERRUPT,
    REDRAW,
];

const FILTER: &[Binding] = &[
    bind(
        Action::AcceptFilter,
        &[plain(KeyCode::Enter), plain(KeyCode::Down)],
        "Enter",
        Some("keep filter"),
    ),
    bind(
        Action::ClearFilter,
        &[plain(KeyCode::Esc)],
        "Esc",
        Some("clear filter"),
    ),
    bind(Action::Help, &[plain(KeyCode::F(1))], "F1", Some("help")),
    INTERRUPT,
    REDRAW,
];

const CHOOSER: &[Binding] = &[
    UP,
    DOWN,
    bind(
        Action::Activate,
        &[plain(KeyCode::Enter)],
        "Enter",
        Some("choose"),
    ),
    bind(
        Action::Back,
        &[plain(KeyCode::Esc), ch('q')],
        "Esc/q",
        Some("back"),
    ),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const EDITOR: &[Binding] = &[
    bind(
        Action::NextField,
        &[plain(KeyCode::Tab), plain(KeyCode::Down)],
        "Tab/Down",
        Some("next"),
    ),
    bind(
        Action::PreviousField,
        &[
            plain(KeyCode::BackTab),
            plain(KeyCode::Up),
            alt(KeyCode::Tab),
        ],
        "Shift-Tab/Up/Alt-Tab",
        None,
    ),
    bind(
        Action::NextPane,
        &[ctrl('n'), plain(KeyCode::PageDown)],
        "Ctrl-N/PgDn",
        Some("pane"),
    ),
    bind(
        Action::PreviousPane,
        &[ctrl('p'), plain(KeyCode::PageUp)],
        "Ctrl-P/PgUp",
        None,
    ),
    bind(
        Action::NextOption,
        &[plain(KeyCode::Right), ch(' ')],
        "Right/Space",
        None,
    ),
    bind(
        Action::PreviousOption,
        &[plain(KeyCode::Left)],
        "Left",
        None,
    ),
    bind(Action::Activate, &[plain(KeyCode::Enter)], "Enter", None),
    bind(
        Action::Save,
        &[ctrl('s'), plain(KeyCode::F(2))],
        "Ctrl-S/F2",
        Some("save"),
    ),
    // Reveal is in help and on the secret fields' own help line; the footer keeps to
    // 80 columns.
    bind(Action::Reveal, &[ctrl('r')], "Ctrl-R", None),
    bind(
        Action::Verify,
        &[plain(KeyCode::F(3)), ctrl('t')],
        "F3/Ctrl-T",
        Some("verify"),
    ),
    bind(
        Action::LogsSelected,
        &[plain(KeyCode::F(6))],
        "F6",
        Some("logs"),
    ),
    bind(Action::RemoveRow, &[ctrl('d')], "Ctrl-D", None),
    bind(
        Action::ExternalEditor,
        &[ctrl('e'), plain(KeyCode::F(4)), ch('e')],
        "Ctrl-E/F4/e",
        None,
    ),
    // The content sample pane's own help line names it; the footer keeps to 80 columns.
    bind(
        Action::TogglePreview,
        &[ctrl('o'), plain(KeyCode::F(7))],
        "Ctrl-O/F7",
        None,
    ),
    bind(
        Action::Leave,
        &[plain(KeyCode::Esc), plain(KeyCode::F(10))],
        "Esc/F10",
        Some("close"),
    ),
    bind(
        Action::Help,
        &[plain(KeyCode::F(1)), ch('?')],
        "F1/?",
        Some("help"),
    ),
    INTERRUPT,
    REDRAW,
];

const DIALOG: &[Binding] = &[
    bind(
        Action::NextButton,
        &[plain(KeyCode::Right), plain(KeyCode::Tab), ch('l')],
        "Right/Tab",
        Some("next button"),
    ),
    bind(
        Action::PreviousButton,
        &[
            plain(KeyCode::Left),
            plain(KeyCode::BackTab),
            alt(KeyCode::Tab),
            ch('h'),
        ],
        "Left/Shift-Tab",
        None,
    ),
    bind(
        Action::Press,
        &[plain(KeyCode::Enter)],
        "Enter",
        Some("press"),
    ),
    bind(
        Action::Cancel,
        &[plain(KeyCode::Esc)],
        "Esc",
        Some("cancel"),
    ),
    INTERRUPT,
    REDRAW,
];

// Scrolling is offered on the help box's border, only when it does not fit.
const HELP: &[Binding] = &[
    bind(
        Action::CloseHelp,
        &[
            plain(KeyCode::Esc),
            ch('q'),
            ch('?'),
            plain(KeyCode::F(1)),
            plain(KeyCode::Enter),
        ],
        "Esc/q/?",
        Some("close help"),
    ),
    UP,
    DOWN,
    INTERRUPT,
    REDRAW,
];

const VERIFY: &[Binding] = &[
    UP,
    bind(
        Action::Down,
        &[plain(KeyCode::Down), ch('j')],
        "Down/j",
        Some("scroll"),
    ),
    PAGE_UP,
    PAGE_DOWN,
    bind(Action::Verify, &[ch('v')], "v", Some("verify again")),
    CANCEL_OR_BACK,
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const AUTHORIZE: &[Binding] = &[
    bind(Action::PasteUrl, &[ch('p')], "p", Some("paste URL")),
    bind(Action::PrintUrl, &[ch('u')], "u", Some("print URL")),
    bind(Action::CopyUrl, &[ch('c')], "c", Some("copy")),
    bind(Action::NextRendering, &[ch('r')], "r", Some("QR style")),
    bind(Action::ToggleQrTarget, &[ch('f')], "f", None),
    CANCEL_OR_BACK,
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const AUTHORIZE_PASTE: &[Binding] = &[
    bind(
        Action::Press,
        &[plain(KeyCode::Enter)],
        "Enter",
        Some("send"),
    ),
    bind(
        Action::Cancel,
        &[plain(KeyCode::Esc)],
        "Esc",
        Some("close the paste box"),
    ),
    INTERRUPT,
    REDRAW,
];

const AUTHORIZE_SITE: &[Binding] = &[
    UP,
    DOWN,
    bind(
        Action::Activate,
        &[plain(KeyCode::Enter)],
        "Enter",
        Some("deliver to this site"),
    ),
    bind(
        Action::Back,
        &[plain(KeyCode::Esc)],
        "Esc",
        Some("later (hookconsole sites)"),
    ),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const LOGS: &[Binding] = &[
    UP,
    DOWN,
    PAGE_UP,
    PAGE_DOWN,
    FIRST,
    LAST,
    bind(
        Action::Detail,
        &[plain(KeyCode::Enter)],
        "Enter",
        Some("detail"),
    ),
    bind(Action::CycleOutcome, &[ch('f')], "f", Some("outcome")),
    bind(Action::Filter, &[ch('/')], "/", Some("text")),
    bind(Action::Replay, &[ch('p')], "p", Some("replay")),
    bind(
        Action::Back,
        &[plain(KeyCode::Esc), ch('q')],
        "Esc/q",
        Some("back"),
    ),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const LOGS_TEXT: &[Binding] = &[
    bind(
        Action::AcceptFilter,
        &[plain(KeyCode::Enter)],
        "Enter",
        Some("apply"),
    ),
    bind(
        Action::ClearFilter,
        &[plain(KeyCode::Esc)],
        "Esc",
        Some("clear"),
    ),
    bind(Action::Help, &[plain(KeyCode::F(1))], "F1", Some("help")),
    INTERRUPT,
    REDRAW,
];

const LOGS_DETAIL: &[Binding] = &[
    UP,
    bind(
        Action::Down,
        &[plain(KeyCode::Down), ch('j')],
        "Down/j",
        Some("scroll"),
    ),
    PAGE_UP,
    PAGE_DOWN,
    bind(Action::Replay, &[ch('p')], "p", Some("replay")),
    bind(
        Action::Back,
        &[plain(KeyCode::Esc), ch('q')],
        "Esc/q",
        Some("close"),
    ),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

pub fn bindings(context: KeyContext) -> &'static [Binding] {
    match context {
        KeyContext::List => LIST,
        KeyContext::Filter => FILTER,
        KeyContext::Chooser => CHOOSER,
        KeyContext::Editor => EDITOR,
        KeyContext::Dialog => DIALOG,
        KeyContext::Help => HELP,
        KeyContext::Verify => VERIFY,
        KeyContext::Authorize => AUTHORIZE,
        KeyContext::AuthorizePaste => AUTHORIZE_PASTE,
        KeyContext::AuthorizeSite => AUTHORIZE_SITE,
        KeyContext::Logs => LOGS,
        KeyContext::LogsText => LOGS_TEXT,
        KeyContext::LogsDetail => LOGS_DETAIL,
    }
}

/// The action a key means in a context.
pub fn action_for(context: KeyContext, key: &KeyEvent) -> Option<Action> {
    bindings(context)
        .iter()
        .find(|binding| binding.keys.iter().any(|k| k.matches(key)))
        .map(|binding| binding.action)
}

/// The footer's hints: key, label and the action they stand for.
pub fn footer(context: KeyContext) -> impl Iterator<Item = (&'static str, &'static str, Action)> {
    bindings(context).iter().filter_map(|binding| {
        let label = binding.footer?;
        let key = binding.hint.split('/').find(|key| !key.is_empty());
        Some((key.unwrap_or(binding.hint), label, binding.action))
    })
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
    fn no_control_key_that_terminals_confuse_is_bound() {
        for context in [
            KeyContext::List,
            KeyContext::Filter,
            KeyContext::Chooser,
            KeyContext::Editor,
            KeyContext::Dialog,
            KeyContext::Help,
            KeyContext::Verify,
            KeyContext::Authorize,
            KeyContext::AuthorizePaste,
            KeyContext::AuthorizeSite,
            KeyContext::Logs,
            KeyContext::LogsText,
            KeyContext::LogsDetail,
        ] {
            for binding in bindings(context) {
                for key in binding.keys {
                    let confusing = key.modifiers == KeyModifiers::CONTROL
                        && matches!(key.code, KeyCode::Char('h' | 'i' | 'm' | '['));
                    assert!(!confusing, "{:?} in {context:?}", binding.action);
                }
            }
        }
    }
}
