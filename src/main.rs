use std::process::ExitCode;

use clap::Parser as _;
use hookconsole::cli::{self, Cli, Command};
use hookconsole::tui::{self, ProfileChoice};

/// The worker allocates and frees a few dozen small buffers per delivery (request,
/// headers, the answer, the log row); glibc's malloc took about a sixth of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A command line clap refuses is bad input too: with --json, JSON like the
        // other errors (help and --version print as they are).
        Err(error) if error.use_stderr() && std::env::args().any(|arg| arg == "--json") => {
            return cli::report_usage_error(&error);
        }
        Err(error) => error.exit(),
    };
    match cli.command.take() {
        None | Some(Command::Tui) => console(&cli),
        Some(Command::Operation(operation)) => cli::run(cli, operation),
    }
}

/// The full-screen console. It catches the termination signals itself (a token
/// refresh in flight is stored before it ends), so none are deferred here.
fn console(cli: &Cli) -> ExitCode {
    let process = hookconsole::home::start_process(cli.home.as_deref(), true);
    let choice = ProfileChoice {
        ascii: cli.ascii,
        console: cli.console,
        rich: cli.rich,
        no_color: cli.no_color,
    };
    match tui::run(&process.locations, choice) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", cli::failure_text(&error));
            ExitCode::from(1)
        }
    }
}
