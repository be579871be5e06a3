//! The one key table: for each view, which keys mean which action, what help says the
//! action does there, and what the footer calls it. Keys and help text are derived from
//! these rows; `Action::describe` is the help text unless a row says it its own way.

use crossterm::event::{KeyCode, KeyModifiers};

use super::{Action, Binding, Key, KeyContext};

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
    // SETTINGS is in help; the footer keeps to 80 columns.
    bind(Action::Settings, &[ch('S'), plain(KeyCode::F(9))], None),
    // STATUS is in help; the footer keeps to 80 columns.
    bind(Action::Status, &[ch('w')], None),
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

/// The fields a preset asks for when it is chosen (Jira's project key and issue type).
const PRESET_FIELDS: &[Binding] = &[
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
        Action::Activate,
        &[plain(KeyCode::Enter)],
        Some("next, then create"),
    )
    .says("next field; on the last, open the editor with these values"),
    bind(Action::Back, &[plain(KeyCode::Esc)], Some("back")).says("back to the types"),
    bind(Action::Help, &[plain(KeyCode::F(1))], Some("help")),
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
    // The AUTHENTICATION pane's button and help line name it; the footer keeps to 80
    // columns. No letter: someone typing on, who did not see the focus move from a
    // text box to a button, saved and started an authorization with an `a`.
    bind(Action::Authorize, &[plain(KeyCode::F(8))], None)
        .says("save, then AUTHORIZE on a phone or laptop"),
    bind(Action::RemoveRow, &[ctrl('d')], None),
    // `e` too, but only on the content sample itself (see `Editor::handle`): on any
    // other slot a typed `e` opened $EDITOR.
    bind(
        Action::ExternalEditor,
        &[ctrl('e'), plain(KeyCode::F(4))],
        None,
    )
    .says("open the content sample in $EDITOR (also e on the content sample)"),
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
    // Only where the report refused a certificate that pinning would trust.
    bind(Action::TrustCertificate, &[ch('t')], Some("trust cert")),
    CANCEL_OR_BACK.says("cancel the run; once it has ended, back"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

const STATUS: &[Binding] = &[
    SCROLL_UP,
    SCROLL_DOWN,
    PAGE_UP,
    PAGE_DOWN,
    bind(
        Action::Reload,
        &[ch('r'), plain(KeyCode::F(5))],
        Some("refresh"),
    )
    .says("read the status again (it also follows the queue by itself)"),
    bind(Action::Back, &[plain(KeyCode::Esc), ch('q')], Some("back")),
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
    // The screen's own hint line names it; the footer keeps to 80 columns.
    bind(Action::CheckCallback, &[ch('k')], None),
    CANCEL_OR_BACK.says("cancel the authorization; once it has ended, back to the list"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

/// The device grant's AUTHORIZE: nothing to paste and no callback to check.
const AUTHORIZE_DEVICE: &[Binding] = &[
    bind(Action::PrintUrl, &[ch('u')], Some("print URL"))
        .says("print the verification URL unbroken, outside the full screen"),
    bind(Action::CopyUrl, &[ch('c')], Some("copy"))
        .says("copy the verification URL (OSC 52: sent to the terminal clipboard)"),
    bind(Action::NextRendering, &[ch('r')], Some("QR style")),
    CANCEL_OR_BACK.says("cancel the authorization; once it has ended, back to the list"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

/// AUTHORIZE once it has ended: the footer offered paste, print, copy and QR style,
/// which did nothing or printed the URL of a closed flow.
const AUTHORIZE_ENDED: &[Binding] = &[
    bind(Action::Back, &[plain(KeyCode::Esc), ch('q')], Some("back"))
        .says("back to the list (a there authorizes again)"),
    HELP_KEY,
    INTERRUPT,
    REDRAW,
];

/// The device grant's, ended without an authorization: a new code may be asked for.
const AUTHORIZE_DEVICE_ENDED: &[Binding] = &[
    bind(Action::StartAgain, &[ch('s')], Some("new code")),
    bind(Action::Back, &[plain(KeyCode::Esc), ch('q')], Some("back")).says("back to the list"),
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
    .says("apply the text filter (at least 3 characters, or empty to clear it)"),
    bind(Action::ClearFilter, &[plain(KeyCode::Esc)], Some("clear"))
        .says("close the box and clear the text filter"),
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

/// The appliance's settings: a form of text boxes, saved together.
const SETTINGS: &[Binding] = &[
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
        Action::Save,
        &[ctrl('s'), plain(KeyCode::F(2))],
        Some("save"),
    )
    .says("save every changed setting (none when one is refused)"),
    bind(Action::Reveal, &[ctrl('r')], None).says("show or mask the proxy's password"),
    bind(
        Action::CheckCallback,
        &[plain(KeyCode::F(3)), ctrl('t')],
        Some("check callback"),
    )
    .says("check the callback URL as saved: start the listener and request it as the provider's redirect would"),
    bind(
        Action::Leave,
        &[plain(KeyCode::Esc), plain(KeyCode::F(10))],
        Some("close"),
    )
    .says("close SETTINGS (asks first when there are unsaved edits)"),
    bind(Action::Help, &[plain(KeyCode::F(1))], Some("help")),
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
        KeyContext::PresetFields => PRESET_FIELDS,
        KeyContext::Editor => EDITOR,
        KeyContext::Dialog => DIALOG,
        KeyContext::Help => HELP,
        KeyContext::Verify => VERIFY,
        KeyContext::Authorize => AUTHORIZE,
        KeyContext::AuthorizePaste => AUTHORIZE_PASTE,
        KeyContext::AuthorizeSite => AUTHORIZE_SITE,
        KeyContext::AuthorizeDevice => AUTHORIZE_DEVICE,
        KeyContext::AuthorizeEnded => AUTHORIZE_ENDED,
        KeyContext::AuthorizeDeviceEnded => AUTHORIZE_DEVICE_ENDED,
        KeyContext::Logs => LOGS,
        KeyContext::LogsText => LOGS_TEXT,
        KeyContext::LogsDetail => LOGS_DETAIL,
        KeyContext::Settings => SETTINGS,
        KeyContext::Status => STATUS,
    }
}

/// The text boxes' tables that apply in a context besides its own: keys its table
/// does not take go to the box.
pub fn typing(context: KeyContext) -> &'static [&'static [Binding]] {
    match context {
        KeyContext::Filter
        | KeyContext::AuthorizePaste
        | KeyContext::LogsText
        | KeyContext::PresetFields
        | KeyContext::Settings => &[TEXT_BOX],
        KeyContext::Editor => &[TEXT_BOX, TEXT_AREA],
        KeyContext::List
        | KeyContext::Chooser
        | KeyContext::Dialog
        | KeyContext::Help
        | KeyContext::Verify
        | KeyContext::Authorize
        | KeyContext::AuthorizeDevice
        | KeyContext::AuthorizeEnded
        | KeyContext::AuthorizeDeviceEnded
        | KeyContext::AuthorizeSite
        | KeyContext::Logs
        | KeyContext::LogsDetail
        | KeyContext::Status => &[],
    }
}
