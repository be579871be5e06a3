//! Reading a secret without putting it on the command line: a prompt without echo on
//! a terminal, else one line of standard input.

use std::io::{BufRead, IsTerminal};

pub fn read_secret(label: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(format!("{label}: "))?;
        return Ok(value);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
