//! Styles by role. Text is in the terminal's own foreground, whatever its background
//! (many SSH clients and PuTTY's light schemes are dark on white): emphasis is carried
//! by bold, dim, underline and reverse video, and colour only marks a role (error,
//! success, warning, focus) in a colour that reads on light and dark alike, or as a
//! pinned foreground-and-background pair. Only the 8 background and 16 foreground
//! colours of the Linux console are used. The monochrome theme (NO_COLOR) uses
//! `Color::Reset` with bold and reverse, so that selection stays visible (CONSOLE.md,
//! "Colour").

use ratatui::style::{Color, Modifier, Style};

use super::profile::{Glyphs, Profile};

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
    /// What ends a text cut short ([`Profile::ellipsis`]).
    pub ellipsis: &'static str,
}

impl Theme {
    pub fn for_profile(profile: Profile) -> Theme {
        let theme = if profile.color {
            Theme::colour(profile)
        } else {
            Theme::monochrome()
        };
        Theme {
            ellipsis: profile.ellipsis(),
            ..theme
        }
    }

    /// `text` in at most `columns`, its cut marked ([`super::text::fit`]).
    pub fn fit(&self, text: &str, columns: usize) -> String {
        super::text::fit(text, columns, self.ellipsis)
    }

    /// The monochrome theme's emphasis, with colour for the roles: red errors, green
    /// success, magenta warnings (yellow vanishes on white), cyan focus.
    fn colour(profile: Profile) -> Theme {
        let plain = Style::new().fg(Color::Reset).bg(Color::Reset);
        let bold = plain.add_modifier(Modifier::BOLD);
        // The Linux console shows dim text in dark grey on its black background:
        // hints stay in the plain foreground there.
        let hint = if profile.glyphs == Glyphs::Console {
            plain
        } else {
            plain.add_modifier(Modifier::DIM)
        };
        let focus_bar = Style::new()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD);
        Theme {
            text: plain,
            primary: bold,
            success: bold.fg(Color::Green),
            warning: bold.fg(Color::Magenta),
            error: bold.fg(Color::Red),
            border: plain,
            border_focused: plain.fg(Color::Cyan),
            selection: focus_bar,
            hint,
            label: plain,
            input: plain.add_modifier(Modifier::UNDERLINED),
            input_focused: Style::new().fg(Color::Black).bg(Color::Gray),
            button: plain,
            button_focused: focus_bar,
            title: bold,
            ellipsis: profile.ellipsis(),
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
            ellipsis: Profile::NO_COLOR.ellipsis(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// White, light grey and the near-white bright colours, which vanish on a light
    /// background.
    fn light(color: Option<Color>) -> bool {
        matches!(
            color,
            Some(Color::White | Color::Gray | Color::LightYellow | Color::LightCyan)
        )
    }

    #[test]
    fn no_role_is_light_text_on_the_terminals_background() {
        for profile in [
            Profile::RICH,
            Profile::CONSOLE,
            Profile::ASCII,
            Profile::NO_COLOR,
        ] {
            let theme = Theme::for_profile(profile);
            let roles = [
                theme.text,
                theme.primary,
                theme.success,
                theme.warning,
                theme.error,
                theme.border,
                theme.border_focused,
                theme.selection,
                theme.hint,
                theme.label,
                theme.input,
                theme.input_focused,
                theme.button,
                theme.button_focused,
                theme.title,
            ];
            for style in roles {
                let own_background = !matches!(style.bg, None | Some(Color::Reset));
                assert!(own_background || !light(style.fg), "{profile:?}: {style:?}");
            }
            // No role relies on colour alone: errors, warnings, success and emphasis
            // are bold, so they stand out where the colours do not.
            for style in [theme.error, theme.warning, theme.success, theme.primary] {
                assert!(
                    style.add_modifier.contains(Modifier::BOLD) || !profile.color,
                    "{profile:?}: {style:?}"
                );
            }
        }
    }
}
