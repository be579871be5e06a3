//! The terminal profile: which glyphs the screen may use and whether it may colour
//! them. Detected as CONSOLE.md says (NO_COLOR, locale, Linux console by ioctl or by
//! TERM, serial line or a basic TERM), overridden by `--rich`, `--console`, `--ascii`
//! and `--no-color`.

use std::fmt;

use ratatui::symbols::border;
use ratatui::widgets::BorderType;

/// The glyph repertoire the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Glyphs {
    /// A UTF-8 terminal emulator (SSH, tmux): box drawing with rounded corners.
    Rich,
    /// The Linux text console: only what Debian's Lat15 font has (single-line boxes,
    /// full block; no half blocks, no rounded corners, no check marks, no braille).
    Console,
    /// Serial lines, vt220, non-UTF-8 locales: printable ASCII only.
    Ascii,
}

/// What the screen may use: glyphs and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    pub glyphs: Glyphs,
    pub color: bool,
    /// The font has the half blocks ▀ ▄ (for QR codes): always in a terminal
    /// emulator; on the Linux console only when its Unicode map says so (RHEL's
    /// eurlatgr has them, Debian's Lat15 does not).
    pub half_blocks: bool,
}

/// The overrides of the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProfileChoice {
    pub ascii: bool,
    pub console: bool,
    pub rich: bool,
    pub no_color: bool,
}

/// What detection looks at, gathered once so that detection itself is pure.
#[derive(Debug, Clone, Default)]
pub struct TerminalFacts {
    pub no_color: bool,
    pub utf8_locale: bool,
    /// The terminal is a Linux virtual console (the KDGKBTYPE ioctl succeeds).
    pub linux_console: bool,
    /// TERM says the Linux console (`linux`, `linux-16color`…): over SSH from the
    /// console, or where the ioctl cannot reach it, this is the only sign.
    pub linux_term: bool,
    /// On the Linux console: its font maps U+2580 and U+2584.
    pub console_half_blocks: bool,
    pub serial_or_basic: bool,
    /// TERM names a terminal without colour (vt100, vt102, vt220, dumb).
    pub monochrome_term: bool,
}

impl TerminalFacts {
    pub fn gather() -> TerminalFacts {
        let tty = std::fs::read_link("/proc/self/fd/0")
            .map(|path| path.to_string_lossy().into_owned())
            .unwrap_or_default();
        let serial_tty = ["/dev/ttyS", "/dev/ttyUSB", "/dev/ttyAMA", "/dev/ttyACM"]
            .iter()
            .any(|prefix| tty.starts_with(prefix));
        let mut facts = TerminalFacts::from_environment(|name| std::env::var(name).ok());
        facts.serial_or_basic |= serial_tty;
        facts.linux_console = is_linux_virtual_console();
        facts.console_half_blocks = console_font_has_half_blocks();
        facts
    }

    /// What the environment variables say (NO_COLOR, the locale, TERM); `variable`
    /// looks one up. The ioctls and the tty's name are for `gather`.
    pub fn from_environment(variable: impl Fn(&str) -> Option<String>) -> TerminalFacts {
        let env = |name: &str| variable(name).filter(|value| !value.is_empty());
        // The first of these that is set decides, as setlocale does.
        let locale = env("LC_ALL")
            .or_else(|| env("LC_CTYPE"))
            .or_else(|| env("LANG"))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let term = env("TERM").unwrap_or_default();
        TerminalFacts {
            no_color: env("NO_COLOR").is_some(),
            utf8_locale: locale.contains("utf-8") || locale.contains("utf8"),
            linux_term: term.starts_with("linux"),
            serial_or_basic: matches!(term.as_str(), "vt100" | "vt102" | "vt220" | "ansi" | "dumb"),
            monochrome_term: matches!(term.as_str(), "vt100" | "vt102" | "vt220" | "dumb"),
            ..TerminalFacts::default()
        }
    }
}

/// The terminal the screen is drawn on: stdout, else stdin (the TUI needs both to be
/// terminals, but they may be different ones).
fn terminal_descriptors() -> [libc::c_int; 2] {
    [libc::STDOUT_FILENO, libc::STDIN_FILENO]
}

/// KDGKBTYPE succeeds only on a Linux virtual console.
fn is_linux_virtual_console() -> bool {
    terminal_descriptors()
        .into_iter()
        .any(is_linux_virtual_console_fd)
}

fn is_linux_virtual_console_fd(fd: libc::c_int) -> bool {
    const KDGKBTYPE: libc::c_ulong = 0x4B33;
    let mut kind: libc::c_char = 0;
    // SAFETY: KDGKBTYPE writes one byte into `kind`, which lives for the call; on any
    // other file it fails with ENOTTY/EINVAL and writes nothing.
    let result = unsafe { libc::ioctl(fd, KDGKBTYPE as _, &mut kind) };
    result == 0
}

/// Asks the Linux console's Unicode map (GIO_UNIMAP) whether the loaded font has the
/// upper and lower half blocks. False anywhere else, or when the console will not say.
fn console_font_has_half_blocks() -> bool {
    const GIO_UNIMAP: libc::c_ulong = 0x4B66;
    #[repr(C)]
    struct UniPair {
        unicode: libc::c_ushort,
        fontpos: libc::c_ushort,
    }
    #[repr(C)]
    struct UniMapDesc {
        entry_ct: libc::c_ushort,
        entries: *mut UniPair,
    }
    let Some(fd) = terminal_descriptors()
        .into_iter()
        .find(|fd| is_linux_virtual_console_fd(*fd))
    else {
        return false;
    };
    // A console font maps at most a few thousand code points; 8192 is ample.
    let mut entries: Vec<UniPair> = (0..8192)
        .map(|_| UniPair {
            unicode: 0,
            fontpos: 0,
        })
        .collect();
    let mut desc = UniMapDesc {
        entry_ct: 8192,
        entries: entries.as_mut_ptr(),
    };
    // SAFETY: GIO_UNIMAP writes at most `entry_ct` pairs into `entries`, which holds
    // that many and lives for the call, and sets `entry_ct` to the number written.
    let result = unsafe { libc::ioctl(fd, GIO_UNIMAP as _, &mut desc) };
    if result != 0 {
        return false;
    }
    let found = &entries[..usize::from(desc.entry_ct).min(entries.len())];
    let has = |code: u16| found.iter().any(|pair| pair.unicode == code);
    has(0x2580) && has(0x2584)
}

impl Profile {
    pub const RICH: Profile = Profile {
        glyphs: Glyphs::Rich,
        color: true,
        half_blocks: true,
    };
    pub const CONSOLE: Profile = Profile {
        glyphs: Glyphs::Console,
        color: true,
        half_blocks: false,
    };
    pub const ASCII: Profile = Profile {
        glyphs: Glyphs::Ascii,
        color: true,
        half_blocks: false,
    };
    pub const NO_COLOR: Profile = Profile {
        glyphs: Glyphs::Rich,
        color: false,
        half_blocks: true,
    };

    /// The profile for this terminal and command line.
    pub fn detect(choice: ProfileChoice) -> Profile {
        Profile::from_facts(&TerminalFacts::gather(), choice)
    }

    /// Detection in CONSOLE.md's order, then the overrides.
    pub fn from_facts(facts: &TerminalFacts, choice: ProfileChoice) -> Profile {
        let glyphs = if !facts.utf8_locale {
            Glyphs::Ascii
        } else if facts.linux_console || facts.linux_term {
            Glyphs::Console
        } else if facts.serial_or_basic {
            Glyphs::Ascii
        } else {
            Glyphs::Rich
        };
        let glyphs = if choice.ascii {
            Glyphs::Ascii
        } else if choice.console {
            Glyphs::Console
        } else if choice.rich {
            Glyphs::Rich
        } else {
            glyphs
        };
        Profile {
            glyphs,
            color: !(facts.no_color || facts.monochrome_term || choice.no_color),
            half_blocks: match glyphs {
                Glyphs::Rich => true,
                // Only the console itself can say (GIO_UNIMAP); over SSH, assume
                // Debian's Lat15, which has none.
                Glyphs::Console => facts.console_half_blocks,
                Glyphs::Ascii => false,
            },
        }
    }

    pub fn border_type(self) -> BorderType {
        match self.glyphs {
            Glyphs::Rich => BorderType::Rounded,
            Glyphs::Console | Glyphs::Ascii => BorderType::Plain,
        }
    }

    /// Borders as a set, for widgets that take one (ASCII has its own).
    pub fn border_set(self) -> border::Set<'static> {
        match self.glyphs {
            Glyphs::Rich => border::ROUNDED,
            Glyphs::Console => border::PLAIN,
            Glyphs::Ascii => ASCII_BORDER,
        }
    }

    /// Between tabs and between footer hints.
    pub fn separator(self) -> &'static str {
        match self.glyphs {
            Glyphs::Rich | Glyphs::Console => "\u{2502}",
            Glyphs::Ascii => "|",
        }
    }

    /// A horizontal rule character.
    pub fn rule(self) -> &'static str {
        match self.glyphs {
            Glyphs::Rich | Glyphs::Console => "\u{2500}",
            Glyphs::Ascii => "-",
        }
    }

    /// Whether links are sent as OSC 8 hyperlinks: terminal emulators show them or
    /// ignore them; the Linux console drops them, and a serial terminal or an old
    /// emulator behind the ASCII profile might print them.
    pub fn hyperlinks(self) -> bool {
        self.glyphs == Glyphs::Rich
    }

    /// What ends a text cut short: "…" where the font has it, else "~" (Lat15 has no
    /// ellipsis), one column like "…", so that columns keep their widths in every
    /// profile and a cut word keeps its letters.
    pub fn ellipsis(self) -> &'static str {
        match self.glyphs {
            Glyphs::Rich => "\u{2026}",
            Glyphs::Console | Glyphs::Ascii => "~",
        }
    }
}

impl Profile {
    /// Whether the terminal can show `symbol` (one cell's text).
    /// Bar heights for a sparkline, lowest first: eighth blocks where the font has
    /// them; the console (Lat15) and ASCII make do with three levels.
    pub fn spark_levels(self) -> &'static [char] {
        match self.glyphs {
            Glyphs::Rich => &[
                '\u{2581}', '\u{2582}', '\u{2583}', '\u{2584}', '\u{2585}', '\u{2586}', '\u{2587}',
                '\u{2588}',
            ],
            Glyphs::Console => &['.', ':', '\u{2588}'],
            Glyphs::Ascii => &['.', ':', '#'],
        }
    }

    pub fn can_show(self, symbol: &str) -> bool {
        match self.glyphs {
            Glyphs::Rich => true,
            Glyphs::Console => symbol
                .chars()
                .all(|c| in_lat15(c) || (self.half_blocks && matches!(c, '\u{2580}' | '\u{2584}'))),
            Glyphs::Ascii => symbol.chars().all(|c| c == ' ' || c.is_ascii_graphic()),
        }
    }

    /// Replaces what the terminal cannot show (text from the integrations file, say)
    /// with `?`, so that the console never shows a blank diamond and a serial line
    /// never gets a byte it cannot print.
    pub fn sanitize(self, buffer: &mut ratatui::buffer::Buffer) {
        if self.glyphs == Glyphs::Rich {
            return;
        }
        for cell in &mut buffer.content {
            if !self.can_show(cell.symbol()) {
                cell.set_symbol("?");
            }
        }
    }
}

/// In Debian's default console font (Lat15): ASCII, Latin-1, the single-line box
/// drawing characters and the full block. Not the half blocks, rounded corners,
/// check marks or braille.
pub fn in_lat15(c: char) -> bool {
    c == ' '
        || c.is_ascii_graphic()
        || ('\u{a0}'..='\u{ff}').contains(&c)
        || "\u{2500}\u{2502}\u{250c}\u{2510}\u{2514}\u{2518}\u{251c}\u{2524}\u{252c}\u{2534}\u{253c}\u{2588}\u{20ac}"
            .contains(c)
}

pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let glyphs = match self.glyphs {
            Glyphs::Rich => "rich (Unicode)",
            Glyphs::Console => "console (Linux console font)",
            Glyphs::Ascii => "basic (ASCII)",
        };
        let color = if self.color { "colour" } else { "no colour" };
        write!(f, "{glyphs}, {color}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> TerminalFacts {
        TerminalFacts {
            utf8_locale: true,
            ..TerminalFacts::default()
        }
    }

    #[test]
    fn detection_follows_console_md_order() {
        let none = ProfileChoice::default();
        assert_eq!(Profile::from_facts(&facts(), none), Profile::RICH);
        let console = TerminalFacts {
            linux_console: true,
            ..facts()
        };
        assert_eq!(Profile::from_facts(&console, none), Profile::CONSOLE);
        let serial = TerminalFacts {
            serial_or_basic: true,
            ..facts()
        };
        assert_eq!(Profile::from_facts(&serial, none), Profile::ASCII);
        let latin1 = TerminalFacts {
            utf8_locale: false,
            linux_console: true,
            ..facts()
        };
        assert_eq!(Profile::from_facts(&latin1, none).glyphs, Glyphs::Ascii);
        let no_color = TerminalFacts {
            no_color: true,
            ..facts()
        };
        assert_eq!(Profile::from_facts(&no_color, none), Profile::NO_COLOR);
        let vt220 = TerminalFacts {
            serial_or_basic: true,
            monochrome_term: true,
            ..facts()
        };
        let basic = Profile::from_facts(&vt220, none);
        assert_eq!((basic.glyphs, basic.color), (Glyphs::Ascii, false));
    }

    fn from_env(pairs: &[(&str, &str)]) -> Profile {
        let facts = TerminalFacts::from_environment(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        });
        Profile::from_facts(&facts, ProfileChoice::default())
    }

    #[test]
    fn term_linux_is_the_console_without_the_ioctl() {
        for term in ["linux", "linux-16color", "linux-m1"] {
            let profile = from_env(&[("TERM", term), ("LANG", "en_US.UTF-8")]);
            assert_eq!(profile, Profile::CONSOLE, "{term}");
        }
        // A non-UTF-8 locale comes first: the console then gets ASCII.
        let latin1 = from_env(&[("TERM", "linux"), ("LANG", "de_DE.ISO-8859-1")]);
        assert_eq!(latin1.glyphs, Glyphs::Ascii);
    }

    #[test]
    fn basic_terms_and_c_locales_are_ascii() {
        for term in ["vt100", "vt220", "dumb", "ansi"] {
            let profile = from_env(&[("TERM", term), ("LANG", "C.UTF-8")]);
            assert_eq!(profile.glyphs, Glyphs::Ascii, "{term}");
            assert_eq!(profile.color, term == "ansi", "{term}: colour");
        }
        for locale in [
            ("LANG", "C"),
            ("LANG", "POSIX"),
            ("LC_ALL", "C"),
            ("LANG", ""),
        ] {
            let profile = from_env(&[("TERM", "xterm-256color"), locale]);
            assert_eq!(profile.glyphs, Glyphs::Ascii, "{locale:?}");
        }
        // LC_ALL wins over LANG, LC_CTYPE too.
        let profile = from_env(&[
            ("TERM", "xterm-256color"),
            ("LANG", "C"),
            ("LC_CTYPE", "en_GB.utf8"),
        ]);
        assert_eq!(profile, Profile::RICH);
        let profile = from_env(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")]);
        assert_eq!(profile.glyphs, Glyphs::Ascii);
    }

    #[test]
    fn console_override() {
        let console = ProfileChoice {
            console: true,
            ..ProfileChoice::default()
        };
        assert_eq!(Profile::from_facts(&facts(), console), Profile::CONSOLE);
        let real_console = TerminalFacts {
            linux_console: true,
            console_half_blocks: true,
            ..facts()
        };
        assert!(Profile::from_facts(&real_console, console).half_blocks);
    }

    #[test]
    fn overrides_win() {
        let ascii = ProfileChoice {
            ascii: true,
            ..ProfileChoice::default()
        };
        assert_eq!(Profile::from_facts(&facts(), ascii).glyphs, Glyphs::Ascii);
        let rich = ProfileChoice {
            rich: true,
            no_color: true,
            ..ProfileChoice::default()
        };
        let serial = TerminalFacts {
            serial_or_basic: true,
            ..facts()
        };
        assert_eq!(Profile::from_facts(&serial, rich), Profile::NO_COLOR);
    }
}
