//! The hookconsole binary as a person runs it in these tests, and the phone that
//! follows the start link `authorize` prints.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::provider::phone;

pub fn hookconsole(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookconsole"));
    command.arg("--home").arg(home);
    command
}

pub fn run(home: &Path, args: &[&str]) -> Output {
    hookconsole(home)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs `args` with `input` on standard input (a secret the command prompts for).
pub fn run_with_input(home: &Path, args: &[&str], input: &str) -> Output {
    let mut child = hookconsole(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Points the callback listener at a free loopback port.
pub fn listen_on_loopback(home: &Path) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let set = run(
        home,
        &[
            "settings",
            &format!("callback_url=http://127.0.0.1:{port}/portal/oauth"),
            &format!("callback_bind=127.0.0.1:{port}"),
        ],
    );
    assert!(set.status.success(), "{set:?}");
}

/// `hookconsole authorize NAME ARGS…` with a phone that opens the printed start link.
/// Gives the command's exit, everything it printed, and its standard error.
pub async fn authorize_by_phone(home: &Path, name: &str, args: &[&str]) -> (Output, String) {
    let mut command = hookconsole(home);
    command.args(["authorize", name]).args(args);
    if !args.contains(&"--qr") {
        command.args(["--qr", "none"]);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (link_tx, link_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all: Vec<String> = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if all.last().is_some_and(|l| l.starts_with("Open on a phone")) {
                let _ = link_tx.send(line.trim().to_string());
            }
            all.push(line);
        }
        all.join("\n")
    });
    let link = tokio::task::spawn_blocking(move || {
        link_rx.recv_timeout(std::time::Duration::from_secs(20))
    })
    .await
    .unwrap()
    .expect("the start link is printed");
    let page = phone().get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200, "the phone lands on the listener's page");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    (output, reader.join().unwrap())
}
