//! The real terminal: raw mode, alternate screen and bracketed paste while the TUI is
//! up, restored by a guard on every way out (return, error, panic); the size a serial
//! line reports as 0x0 taken as COLUMNS x LINES or 80x24; the external editor.

use std::io::{self, Stdout, Write};
use std::process::Command;

use crossterm::cursor::{MoveTo, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::hyperlink::LinkingBackend;
use super::profile::Profile;

pub type Screen = Terminal<LinkingBackend<CrosstermBackend<Stdout>>>;

/// Holds the terminal in TUI mode; dropping it gives the terminal back.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    pub fn enter(profile: Profile) -> io::Result<TerminalGuard> {
        install_panic_hook();
        if !profile.color {
            // NO_COLOR makes crossterm turn colour changes into attribute resets, which
            // drop reverse video; the monochrome theme only uses Reset colours.
            crossterm::style::force_color_output(true);
        }
        enable_raw_mode()?;
        let guard = TerminalGuard { _private: () };
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            Clear(ClearType::All)
        )?;
        Ok(guard)
    }

    /// The ratatui terminal, with a fixed 80x24 (or COLUMNS x LINES) viewport when the
    /// terminal reports no size.
    pub fn screen(&self) -> io::Result<Screen> {
        let backend = LinkingBackend::new(CrosstermBackend::new(io::stdout()));
        let reported = crossterm::terminal::size().unwrap_or((0, 0));
        let env = |name: &str| std::env::var(name).ok();
        let viewport = match unknown_size_fallback(reported, env("COLUMNS"), env("LINES")) {
            Some(area) => Viewport::Fixed(area),
            None => Viewport::Fullscreen,
        };
        Terminal::with_options(backend, TerminalOptions { viewport })
    }

    /// Gives the terminal to another program (the external editor) and takes it back.
    pub fn suspended<T>(&self, run: impl FnOnce() -> T) -> io::Result<T> {
        restore();
        let result = run();
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            Clear(ClearType::All)
        )?;
        Ok(result)
    }
}

/// A terminal that reports 0x0 (a serial line) has an unknown size: COLUMNS x LINES
/// when set, else 80x24. `None` when the reported size is real.
pub fn unknown_size_fallback(
    reported: (u16, u16),
    columns: Option<String>,
    lines: Option<String>,
) -> Option<Rect> {
    if reported.0 > 0 && reported.1 > 0 {
        return None;
    }
    let parse = |value: Option<String>, default: u16| {
        value
            .and_then(|v| v.trim().parse().ok())
            .filter(|&v: &u16| v > 0)
            .unwrap_or(default)
    };
    Some(Rect::new(0, 0, parse(columns, 80), parse(lines, 24)))
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back. The screen is cleared first: where the alternate screen
/// works that clears only it, and the Linux console, which has none, is left clean.
fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, Clear(ClearType::All), MoveTo(0, 0));
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!(%info, "panic");
        previous(info);
    }));
}

/// Why editing the content sample in another program gave no text back.
#[derive(Debug, thiserror::Error)]
pub enum ExternalEditError {
    #[error("cannot create a temporary file: {0}")]
    TemporaryFile(#[source] std::io::Error),
    #[error("cannot write the temporary file: {0}")]
    Write(#[source] std::io::Error),
    #[error("cannot start `{editor}`: {source}")]
    Start {
        editor: String,
        source: std::io::Error,
    },
    #[error("`{editor}` exited with {status}; the content sample is unchanged")]
    Failed {
        editor: String,
        status: std::process::ExitStatus,
    },
    #[error("cannot read the edited text back: {0}")]
    ReadBack(#[source] std::io::Error),
}

/// Runs $VISUAL, else $EDITOR, else vi on `text` in a temporary file, through the
/// shell as git does (so `EDITOR="code --wait"` works), and returns the new text.
pub fn edit_externally(text: &str) -> Result<String, ExternalEditError> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    let trimmed = text.trim_start();
    let suffix = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        ".json"
    } else {
        ".txt"
    };
    let mut file = tempfile::Builder::new()
        .prefix("hookconsole-content-sample-")
        .suffix(suffix)
        .tempfile()
        .map_err(ExternalEditError::TemporaryFile)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(ExternalEditError::Write)?;
    let path = file.path().to_path_buf();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .map_err(|source| ExternalEditError::Start {
            editor: editor.clone(),
            source,
        })?;
    if !status.success() {
        return Err(ExternalEditError::Failed { editor, status });
    }
    std::fs::read_to_string(&path).map_err(ExternalEditError::ReadBack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_size_is_taken_as_80x24_or_the_environment() {
        assert_eq!(unknown_size_fallback((120, 40), None, None), None);
        assert_eq!(
            unknown_size_fallback((0, 0), None, None),
            Some(Rect::new(0, 0, 80, 24))
        );
        assert_eq!(
            unknown_size_fallback((0, 0), Some("132".into()), Some("x".into())),
            Some(Rect::new(0, 0, 132, 24))
        );
    }
}
