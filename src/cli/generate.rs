//! Shell completions and the manual page, made from the clap definitions at run time,
//! so they describe exactly the command line this binary parses. The packages run the
//! built binary to produce them; nothing generated is kept in the source tree.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;
use roff::{Roff, bold, roman};

use super::args::{Cli, EXIT_STATUS, Operation};
use super::{CliError, CliResult};
use crate::store::{PACKAGED_DATA_DIR, PACKAGED_SETTINGS_FILE};

const BIN: &str = "hookconsole";

/// One of clap_mangen's `Man::render_*_section` methods.
type RenderSection = fn(&Man, &mut dyn Write) -> io::Result<()>;

/// Whether `operation` only prints something made from the definitions: it needs no
/// home, and must not start a log file in one (the package build runs it).
pub fn is_generator(operation: &Operation) -> bool {
    matches!(operation, Operation::Completions { .. } | Operation::Man)
}

/// `hookconsole completions SHELL`: the completion script on standard output.
pub fn completions(shell: Shell) -> CliResult {
    print(&completion_script(shell))
}

/// `hookconsole man`: the manual page (roff) on standard output.
pub fn manual_page() -> CliResult {
    print(&manual_page_roff()?)
}

fn print(bytes: &[u8]) -> CliResult {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|error| {
            CliError::Failed(
                anyhow::Error::new(super::output_error(error)).context("standard output"),
            )
        })
}

pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    script
}

/// One self-contained page: the top-level synopsis and options, then every command
/// with its own synopsis, description and options (clap_mangen's own subcommand list
/// would point at one page per command, which the packages do not ship), then the
/// files, the environment and the exit status.
pub fn manual_page_roff() -> io::Result<Vec<u8>> {
    let definition = Cli::command();
    let man = Man::new(definition.clone()).manual("hookconsole manual");
    let mut page = Vec::new();
    // The title comes with roff's apostrophe preamble, which the page needs once.
    man.render_title(&mut page)?;
    let opening: [RenderSection; 4] = [
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ];
    for render in opening {
        append_without_preamble(&man, render, &mut page)?;
    }
    commands_section(&definition, &mut page)?;
    page.extend_from_slice(closing_sections().as_bytes());
    append_without_preamble(&man, Man::render_version_section, &mut page)?;
    Ok(page)
}

/// Every section clap_mangen renders on its own starts with roff's apostrophe
/// preamble (two lines defining `Aq`); the page has it once, from the title.
fn append_without_preamble(man: &Man, render: RenderSection, page: &mut Vec<u8>) -> io::Result<()> {
    let mut section = Vec::new();
    render(man, &mut section)?;
    for line in String::from_utf8_lossy(&section).lines() {
        if !is_preamble(line) {
            page.extend_from_slice(line.as_bytes());
            page.push(b'\n');
        }
    }
    Ok(())
}

fn is_preamble(line: &str) -> bool {
    line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq")
}

/// `.SH COMMANDS`, one `.SS` per command. The commands come from the definition before
/// clap builds it, so the global flags are not repeated under every command (they are
/// in OPTIONS above) and clap's implicit `help` command is left out.
fn commands_section(definition: &clap::Command, page: &mut Vec<u8>) -> io::Result<()> {
    let mut heading = Roff::new();
    heading.control("SH", ["COMMANDS"]);
    page.extend_from_slice(heading.to_roff().as_bytes());
    for command in definition.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = format!("{BIN} {}", command.get_name());
        let mut title = Roff::new();
        title.control("SS", [name.as_str()]);
        page.extend_from_slice(title.to_roff().as_bytes());
        let man = Man::new(
            command
                .clone()
                .bin_name(&name)
                .display_name(&name)
                .disable_help_flag(true),
        );
        let parts: [RenderSection; 3] = [
            Man::render_synopsis_section,
            Man::render_description_section,
            Man::render_options_section,
        ];
        for render in parts {
            let mut rendered = Vec::new();
            render(&man, &mut rendered)?;
            let body = section_body(&rendered);
            if !body.is_empty() {
                // A paragraph each: without their `.SH` lines the synopsis and the
                // description would run on as one line.
                page.extend_from_slice(b".PP\n");
                page.extend_from_slice(body.as_bytes());
            }
        }
    }
    Ok(())
}

/// A section clap_mangen rendered on its own, without what precedes its body: roff's
/// apostrophe preamble (already at the top of the page) and the `.SH` line (the
/// command's `.SS` stands for it).
fn section_body(rendered: &[u8]) -> String {
    let text = String::from_utf8_lossy(rendered);
    let mut lines = text.lines();
    let mut body = String::new();
    if lines.by_ref().any(|line| line.starts_with(".SH")) {
        for line in lines {
            body.push_str(line);
            body.push('\n');
        }
    }
    body
}

fn closing_sections() -> String {
    let mut roff = Roff::new();
    roff.control("SH", ["FILES"]);
    let files = [
        (
            PACKAGED_DATA_DIR.to_owned(),
            "The home of the packaged installation: integrations.yaml, tokens.yaml (0600), \
             deliveries.sqlite3 (the delivery queue and attempt log), worker.sock, \
             logs/hookconsole.log. Owned by the hookconsole service user; root and that user \
             use it by default.",
        ),
        (
            PACKAGED_SETTINGS_FILE.to_owned(),
            "The appliance settings of the packaged installation (hostname, callback \
             listener, timeouts, proxy). It holds no secrets.",
        ),
        (
            "~/.local/share/hookconsole".to_owned(),
            "The home when there is no packaged installation; settings.yaml sits in it.",
        ),
    ];
    for (path, what) in files {
        roff.control("TP", []);
        roff.text([bold(path)]);
        roff.text([roman(what)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    let variables = [
        (
            "HOOKCONSOLE_HOME",
            "The home directory, as --home gives it.",
        ),
        (
            "HOOKCONSOLE_LOG",
            "The log level or filter (default info); the log is never written to the terminal.",
        ),
        ("NO_COLOR", "The full-screen console uses no colours."),
    ];
    for (variable, what) in variables {
        roff.control("TP", []);
        roff.text([bold(variable)]);
        roff.text([roman(what)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for paragraph in EXIT_STATUS.split("\n\n") {
        roff.control("PP", []);
        roff.text([roman(paragraph)]);
    }
    roff.to_roff()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command_names() -> Vec<String> {
        Cli::command()
            .get_subcommands()
            .map(|command| command.get_name().to_owned())
            .collect()
    }

    #[test]
    fn every_shell_completes_every_command() {
        let names = command_names();
        assert!(names.len() > 15, "{names:?}");
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8(completion_script(shell)).unwrap();
            for name in &names {
                assert!(script.contains(name.as_str()), "{shell}: no `{name}`");
            }
        }
    }

    #[test]
    fn completions_know_the_flags_of_a_command() {
        let script = String::from_utf8(completion_script(Shell::Bash)).unwrap();
        for flag in [
            "--with-secrets",
            "--client-authentication",
            "--follow",
            "--home",
        ] {
            assert!(script.contains(flag), "no {flag}");
        }
    }

    #[test]
    fn the_manual_page_has_a_subsection_per_command_with_its_options() {
        let page = String::from_utf8(manual_page_roff().unwrap()).unwrap();
        for name in command_names() {
            assert!(
                page.contains(&format!(".SS \"hookconsole {name}\"")),
                "no subsection for {name}"
            );
        }
        // Options of commands, in roff's escaped form.
        for flag in [r"\-\-with\-secrets", r"\-\-revocation\-url", r"\-\-since"] {
            assert!(page.contains(flag), "no {flag}");
        }
        // The global flags are documented once, above, not under every command.
        let commands = &page[page.find(".SH COMMANDS").unwrap()..page.find(".SH FILES").unwrap()];
        assert!(!commands.contains(r"\-\-home"), "{commands}");
        assert!(page.contains(r"\fB\-\-home"));
    }

    #[test]
    fn the_manual_page_is_one_page_with_one_preamble() {
        let page = String::from_utf8(manual_page_roff().unwrap()).unwrap();
        assert!(page.starts_with(".ie"), "{}", &page[..80]);
        assert_eq!(page.matches(".TH ").count(), 1);
        assert_eq!(page.matches(".ie \\n(.g").count(), 1);
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "COMMANDS",
            "FILES",
        ] {
            assert!(page.contains(&format!(".SH {section}\n")), "no {section}");
        }
        assert!(page.contains(PACKAGED_SETTINGS_FILE));
        assert!(
            !page.contains("hookconsole-list(1)"),
            "points at missing pages"
        );
    }

    #[test]
    fn the_manual_page_and_help_give_the_exit_statuses_and_the_json_error_shape() {
        let page = String::from_utf8(manual_page_roff().unwrap()).unwrap();
        let status = &page[page.find(".SH \"EXIT STATUS\"").unwrap()..];
        for text in ["2 bad input", "a name no integration has", "\"field\": "] {
            assert!(status.contains(text), "no {text} in {status}");
        }
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("\"hint\""), "{help}");
    }

    #[test]
    fn only_the_two_generators_skip_the_home() {
        assert!(is_generator(&Operation::Man));
        assert!(is_generator(&Operation::Completions { shell: Shell::Zsh }));
        assert!(!is_generator(&Operation::Worker));
    }
}
