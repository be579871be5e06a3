use std::process::ExitCode;

use clap::Parser;
use hookconsole::cli::{self, Cli, Command};

/// The worker allocates and frees a few dozen small buffers per delivery (request,
/// headers, the answer, the log row); glibc's malloc took about a sixth of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let command = cli.command.take().unwrap_or(Command::Tui);
    cli::run(cli, command)
}
