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
            Action::Replay => "deliver the selected event again (asks first)",
            Action::CopyUrl => {
                "copy the full authorize URL (OSC 52: sent to the terminal clipboard)"
            }
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
    const fn says(self, help: &'static str) -> Binding {
        Binding { help, ..self }
    }
}

const fn bind(action: Action, keys: &'static [Key], footer: Option<&'static str>) -> Binding {
    Binding {
        action,
        keys,
        help: action.describe(),
        footer,
    }
}

const INTERRUPT: Binding = bind(Action::Interrupt, &[ctrl('c')], None);
const REDRAW: Binding = bind(Action::Redraw, &[ctrl('l')], None);
// Moving through rows, the same in every table.
const UP: Binding = bind(Action::Up, &[plain(KeyCode::Up), ch('k')], None);
const DOWN: Binding = bind(Action::Down, &[plain(KeyCode::Down), ch('j')], None);
const PAGE_UP: Binding = bind(Action::PageUp, &[plain(KeyCode::PageUp)], None);
const PAGE_DOWN: Binding = bind(Action::PageDown, &[plain(KeyCode::PageDown)], None);
const FIRST: Binding = bind(Action::First, &[plain(KeyCode::Home), ch('g')], None);
const LAST: Binding = bind(Action::Last, &[plain(KeyCode::End), ch('G')], None);
// Scrolling text rather than moving a selection.
const SCROLL_UP: Binding = UP.says("scroll up");
const SCROLL_DOWN: Binding = bind(
    Action::Down,
    &[plain(KeyCode::Down), ch('j')],
    Some("scroll"),
)
.says("scroll down");

const HELP_KEY: Binding = bind(Action::Help, &[ch('?'), plain(KeyCode::F(1))], Some("help"));
/// Esc cancels what runs (VERIFY, AUTHORIZE), then goes back.
const CANCEL_OR_BACK: Binding = bind(
    Action::Back,
    &[plain(KeyCode::Esc), ch('q')],
    Some("cancel or back"),
);

const LIST: &[Binding] = &[
    UP,
    DOWN,
    PAGE_UP,
    PAGE_DOWN,
    FIRST,
    LAST,
    bind(Action::Open, &[plain(KeyCode::Enter)], Some("edit")),
    bind(Action::New, &[ch('n'), ch('+')], Some("new")),
    // Delete is in help, and Del says what it does; the footer keeps to 80 columns and
    // gives the room to the delivery log, where troubleshooting starts.
    bind(Action::Delete, &[ch('d'), plain(KeyCode::Delete)], None),
    // On/off is in help; the footer keeps to 80 columns.
    bind(Action::ToggleEnabled, &[ch(' ')], None),
    bind(Action::Verify, &[ch('v')], Some("verify")),
    bind(Action::Authorize, &[ch('a')], Some("authorize")),
    // LOGS of every integration is in help; the footer keeps to 80 columns.
    bind(Action::Logs, &[ch('L')], None),
    bind(Action::LogsSelected, &[ch('l')], Some("logs")),
    bind(Action::ForgetAuthorization, &[ch('x')], None),
    bind(Action::Filter, &[ch('/')], Some("filter")),
    // Sort is in help; the footer keeps to 80 columns.
    bind(Action::Sort, &[ch('s')], None),
    bind(Action::Reload, &[ch('r'), plain(KeyCode::F(5))], None),
    bind(Action::ClearFilter, &[plain(KeyCode::Esc)], None),
    HELP_KEY,
    bind(Action::Quit, &[ch('q')], Some("quit")),
    INTERRUPT,
    REDRAW,
];

const FILTER: &[Binding] = &[
    bind(
        Action::AcceptFilter,
        &[plain(KeyCode::Enter), plain(KeyCode::Down)],
        Some("keep filter"),
    ),
    bind(
        Action::ClearFilter,
        &[plain(KeyCode::Esc)],
        Some("clear filter"),
    ),
    bind(Action::Help, &[plain(KeyCode::F(1))], Some("help")),
    INTERRUPT,
    REDRAW,
];

const CHOOSER: &[Binding] = &[
    UP,
    DOWN,
    bind(Action::Activate, &[plain(KeyCode::Enter)], Some("choose"))
        .says("open the editor on a new integration of this type"),
    bind(Action::Back, &[plain(KeyCode::Esc), ch('q')], Some("back")).says("back to the list"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const EDITOR: &[Binding] = &[
    bind(
        Action::NextField,
        &[plain(KeyCode::Tab), plain(KeyCode::Down)],
        Some("next"),
    ),
    bind(
        Action::PreviousField,
        &[
            plain(KeyCode::BackTab),
            plain(KeyCode::Up),
            alt(KeyCode::Tab),
        ],
        None,
    ),
    bind(
        Action::NextPane,
        &[ctrl('n'), plain(KeyCode::PageDown)],
        Some("pane"),
    ),
    bind(
        Action::PreviousPane,
        &[ctrl('p'), plain(KeyCode::PageUp)],
        None,
    ),
    bind(Action::NextOption, &[plain(KeyCode::Right), ch(' ')], None),
    bind(Action::PreviousOption, &[plain(KeyCode::Left)], None),
    bind(Action::Activate, &[plain(KeyCode::Enter)], None),
    bind(
        Action::Save,
        &[ctrl('s'), plain(KeyCode::F(2))],
        Some("save"),
    ),
    // Reveal is in help and on the secret fields' own help line; the footer keeps to
    // 80 columns.
    bind(Action::Reveal, &[ctrl('r')], None),
    bind(
        Action::Verify,
        &[plain(KeyCode::F(3)), ctrl('t')],
        Some("verify"),
    ),
    bind(Action::LogsSelected, &[plain(KeyCode::F(6))], Some("logs")),
    bind(Action::RemoveRow, &[ctrl('d')], None),
    bind(
        Action::ExternalEditor,
        &[ctrl('e'), plain(KeyCode::F(4)), ch('e')],
        None,
    ),
    // The content sample pane's own help line names it; the footer keeps to 80 columns.
    bind(
        Action::TogglePreview,
        &[ctrl('o'), plain(KeyCode::F(7))],
        None,
    ),
    bind(
        Action::Leave,
        &[plain(KeyCode::Esc), plain(KeyCode::F(10))],
        Some("close"),
    )
    .says("close the editor (asks first when there are unsaved edits)"),
    bind(Action::Help, &[plain(KeyCode::F(1)), ch('?')], Some("help")),
    INTERRUPT,
    REDRAW,
];

const DIALOG: &[Binding] = &[
    bind(
        Action::NextButton,
        &[plain(KeyCode::Right), plain(KeyCode::Tab), ch('l')],
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
        None,
    ),
    bind(Action::Press, &[plain(KeyCode::Enter)], Some("press")),
    bind(Action::Cancel, &[plain(KeyCode::Esc)], Some("cancel")),
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
        Some("close help"),
    ),
    SCROLL_UP,
    DOWN.says("scroll down"),
    PAGE_UP,
    PAGE_DOWN,
    FIRST.says("to the top"),
    LAST.says("to the end"),
    INTERRUPT,
    REDRAW,
];

const VERIFY: &[Binding] = &[
    SCROLL_UP,
    SCROLL_DOWN,
    PAGE_UP,
    PAGE_DOWN,
    bind(Action::Verify, &[ch('v')], Some("verify again"))
        .says("VERIFY again, once the run has ended"),
    CANCEL_OR_BACK.says("cancel the run; once it has ended, back"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const AUTHORIZE: &[Binding] = &[
    bind(Action::PasteUrl, &[ch('p')], Some("paste URL")),
    bind(Action::PrintUrl, &[ch('u')], Some("print URL")),
    bind(Action::CopyUrl, &[ch('c')], Some("copy")),
    bind(Action::NextRendering, &[ch('r')], Some("QR style")),
    bind(Action::ToggleQrTarget, &[ch('f')], None),
    CANCEL_OR_BACK.says("cancel the authorization; once it has ended, back to the list"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const AUTHORIZE_PASTE: &[Binding] = &[
    bind(Action::Press, &[plain(KeyCode::Enter)], Some("send"))
        .says("send the pasted URL to the authorization"),
    bind(
        Action::Cancel,
        &[plain(KeyCode::Esc)],
        Some("close the paste box"),
    )
    .says("close the paste box"),
    INTERRUPT,
    REDRAW,
];

const AUTHORIZE_SITE: &[Binding] = &[
    UP,
    DOWN,
    bind(
        Action::Activate,
        &[plain(KeyCode::Enter)],
        Some("deliver to this site"),
    )
    .says("deliver to the selected site: its URL becomes the integration's"),
    bind(
        Action::Back,
        &[plain(KeyCode::Esc)],
        Some("later (hookconsole sites)"),
    )
    .says("choose later, with `hookconsole sites NAME --choose SITE` or an edit"),
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
    bind(Action::Detail, &[plain(KeyCode::Enter)], Some("detail")),
    bind(Action::CycleOutcome, &[ch('f')], Some("outcome")),
    bind(Action::Filter, &[ch('/')], Some("text"))
        .says("filter by text in the event id, type, integration or summary"),
    bind(Action::Replay, &[ch('p')], Some("replay")),
    bind(Action::Back, &[plain(KeyCode::Esc), ch('q')], Some("back")),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const LOGS_TEXT: &[Binding] = &[
    bind(
        Action::AcceptFilter,
        &[plain(KeyCode::Enter)],
        Some("apply"),
    )
    .says("apply the text filter"),
    bind(Action::ClearFilter, &[plain(KeyCode::Esc)], Some("clear"))
        .says("close the box; an empty text clears the filter"),
    bind(Action::Help, &[plain(KeyCode::F(1))], Some("help")),
    INTERRUPT,
    REDRAW,
];

const LOGS_DETAIL: &[Binding] = &[
    SCROLL_UP,
    SCROLL_DOWN,
    PAGE_UP,
    PAGE_DOWN,
    bind(Action::Replay, &[ch('p')], Some("replay")),
    bind(Action::Back, &[plain(KeyCode::Esc), ch('q')], Some("close")).says("close the detail"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

/// The keys of a one-line text box (filters, the editor's fields, the paste box);
/// other printable keys type.
pub const TEXT_BOX: &[Binding] = &[
    bind(Action::CursorLeft, &[plain(KeyCode::Left)], None),
    bind(Action::CursorRight, &[plain(KeyCode::Right)], None),
    bind(Action::LineStart, &[plain(KeyCode::Home), ctrl('a')], None),
    bind(Action::LineEnd, &[plain(KeyCode::End)], None),
    bind(Action::DeleteBack, &[plain(KeyCode::Backspace)], None),
    bind(Action::DeleteForward, &[plain(KeyCode::Delete)], None),
    bind(Action::DeleteToStart, &[ctrl('u')], None),
];

/// The content sample's keys besides a text box's, while typing into it (the editor
/// stops the typing; the area does the rest).
pub const TEXT_AREA: &[Binding] = &[
    bind(Action::NewLine, &[plain(KeyCode::Enter)], None),
    bind(Action::LineUp, &[plain(KeyCode::Up)], None),
    bind(Action::LineDown, &[plain(KeyCode::Down)], None),
    bind(Action::StopTyping, &[plain(KeyCode::Esc)], None),
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

/// The text boxes' tables that apply in a context besides its own: keys its table
/// does not take go to the box.
pub fn typing(context: KeyContext) -> &'static [&'static [Binding]] {
    match context {
        KeyContext::Filter | KeyContext::AuthorizePaste | KeyContext::LogsText => &[TEXT_BOX],
        KeyContext::Editor => &[TEXT_BOX, TEXT_AREA],
        KeyContext::List
        | KeyContext::Chooser
        | KeyContext::Dialog
        | KeyContext::Help
        | KeyContext::Verify
        | KeyContext::Authorize
        | KeyContext::AuthorizeSite
        | KeyContext::Logs
        | KeyContext::LogsDetail => &[],
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
