//! Styles by role. The colour theme uses only the 8 background and 16 foreground
//! colours of the Linux console; the monochrome theme (NO_COLOR) uses `Color::Reset`
//! with bold and reverse, so that selection stays visible (CONSOLE.md, "Colour").

use ratatui::style::{Color, Modifier, Style};

use super::profile::Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub text: Style,
    pub primary: Style,
    pub success: Style,
    pub warning: Style,
    pub error: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selection: Style,
    pub hint: Style,
    pub label: Style,
    pub input: Style,
    pub input_focused: Style,
    pub button: Style,
    pub button_focused: Style,
    pub title: Style,
}

impl Theme {
    pub fn for_profile(profile: Profile) -> Theme {
        if profile.color {
            Theme::colour()
        } else {
            Theme::monochrome()
        }
    }

    fn colour() -> Theme {
        let plain = Style::new().fg(Color::Reset).bg(Color::Reset);
        Theme {
            text: plain,
            primary: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            success: plain.fg(Color::Green),
            warning: plain.fg(Color::Yellow),
            error: plain.fg(Color::LightRed).add_modifier(Modifier::BOLD),
            border: plain.fg(Color::Gray),
            border_focused: plain.fg(Color::Cyan),
            selection: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            hint: plain.fg(Color::Gray),
            label: plain,
            input: plain.fg(Color::White),
            input_focused: Style::new().fg(Color::Black).bg(Color::Gray),
            button: plain,
            button_focused: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            title: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
        }
    }

    fn monochrome() -> Theme {
        let plain = Style::new().fg(Color::Reset).bg(Color::Reset);
        let bold = plain.add_modifier(Modifier::BOLD);
        let reversed = plain.add_modifier(Modifier::REVERSED);
        Theme {
            text: plain,
            primary: bold,
            success: plain,
            warning: bold,
            error: bold,
            border: plain,
            border_focused: bold,
            selection: reversed,
            hint: plain,
            label: plain,
            input: plain.add_modifier(Modifier::UNDERLINED),
            input_focused: reversed,
            button: plain,
            button_focused: reversed.add_modifier(Modifier::BOLD),
            title: bold,
        }
    }
}
