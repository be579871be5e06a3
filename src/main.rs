use std::process::ExitCode;

use clap::Parser;
use hookconsole::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let command = cli.command.take().unwrap_or(Command::Tui);
    cli::run(cli, command)
}
