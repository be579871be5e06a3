use std::process::ExitCode;

use clap::Parser;
use hookconsole::cli::{self, Cli};

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    match cli.command.take() {
        Some(command) => cli::run(cli, command),
        None => {
            eprintln!("The full-screen console is not built yet; see `hookconsole --help`.");
            ExitCode::from(1)
        }
    }
}
