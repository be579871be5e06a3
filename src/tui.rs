//! The full-screen console (ratatui + crossterm): the only module that knows a
//! terminal exists. One file per view or widget; each view handles the keys of its
//! table (`action`) and returns a request. `App` routes keys to the view that has
//! them, keeps the popups, and turns requests and background messages into moves
//! between screens and effects; `runtime` runs the loop and carries the effects out
//! by kind: store work (`task`), background tasks (`background`), the terminal, quit.

mod action;
mod advice;
mod app;
mod authorize;
mod background;
mod chooser;
mod dialog;
mod editor;
mod form;
mod help;
mod hyperlink;
pub(crate) mod list;
mod logs;
mod message;
mod profile;
mod qr_code;
mod runtime;
mod settings;
mod status;
mod table;
mod task;
mod terminal;
mod text;
mod text_input;
mod theme;
mod title;
mod ui;
mod verify;
mod watch;

pub use action::{Action, Binding, KeyContext, action_for, bindings, footer};
pub use app::{AfterSave, App, AppPaths, Effect, Message, Popup, SaveOrigin, SaveRequest, Screen};
pub use app::{MIN_HEIGHT, MIN_WIDTH};
pub use authorize::{AuthorizeId, AuthorizeView, QrTarget};
pub use dialog::{Answer, Dialog, Question};
pub use editor::{Editor, Pane, Slot};
pub use help::entries as help_entries;
pub use hyperlink::{Hyperlink, LinkingBackend};
pub use logs::{LogQuery, LogsView, OutcomeFilter};
pub use message::{AuthorizeInput, StoreWork, TaskWork, TerminalWork};
pub use profile::{Glyphs, Profile, ProfileChoice, TerminalFacts, in_lat15};
pub use settings::{SettingsRequest, SettingsView};
pub use task::{Stores, perform};
pub use terminal::ExternalEditError;
pub use ui::RenderedFrame;
pub use verify::{VerifyId, VerifyState, VerifyView};

use crate::store::Locations;

/// Opens the TUI on `locations` until the person quits.
pub fn run(locations: &Locations, choice: ProfileChoice) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        anyhow::bail!(
            "the full-screen console needs a terminal; for scripts use the commands \
             (`hookconsole --help`), e.g. `hookconsole list`"
        );
    }
    let profile = Profile::detect(choice);
    let runtime = crate::home::runtime()?;
    let result = runtime.block_on(runtime::run(locations.clone(), profile));
    // A token refresh still waiting for its answer (a VERIFY, the site step) is stored
    // before the runtime drops its task: the provider may have rotated the refresh
    // token already. The terminal is restored by now.
    if crate::oauth::token_requests_in_flight() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "hookconsole: storing the token the provider is sending, then stopping"
        );
        runtime.block_on(crate::oauth::token_requests_settled());
    }
    result
}
