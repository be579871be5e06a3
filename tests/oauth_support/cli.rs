//! The hookconsole binary as a person runs it in these tests, and the phone that
//! follows the start link `authorize` prints.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Output, Stdio};

use super::provider::phone;
use crate::support::{cli, hookconsole, limit_resources, unused_port};

pub fn run(home: &Path, args: &[&str]) -> Output {
    hookconsole(home).args(args).output().unwrap()
}

/// Runs `args` with `input` on standard input (a secret the command prompts for).
pub fn run_with_input(home: &Path, args: &[&str], input: &str) -> Output {
    cli(home).args(args).write_stdin(input).output().unwrap()
}

/// Points the callback listener at a free loopback port.
pub fn listen_on_loopback(home: &Path) {
    let port = unused_port().port();
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
    Authorizing::start(home, name, args, None)
        .await
        .finish_by_phone()
        .await
}

/// `hookconsole authorize` running, its start link printed, the phone not yet there.
pub struct Authorizing {
    pub child: Child,
    pub link: String,
    reader: std::thread::JoinHandle<String>,
}

impl Authorizing {
    /// Starts `hookconsole authorize NAME ARGS…` (with at most `descriptors` open files,
    /// when given) and waits for the start link it prints.
    pub async fn start(
        home: &Path,
        name: &str,
        args: &[&str],
        descriptors: Option<u64>,
    ) -> Authorizing {
        let mut command = hookconsole(home);
        command.args(["authorize", name]).args(args);
        if !args.contains(&"--qr") {
            command.args(["--qr", "none"]);
        }
        if let Some(descriptors) = descriptors {
            limit_resources(&mut command, &[(libc::RLIMIT_NOFILE, descriptors)]);
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
        Authorizing {
            child,
            link,
            reader,
        }
    }

    /// The phone opens the start link; gives the command's exit and what it printed.
    pub async fn finish_by_phone(self) -> (Output, String) {
        let page = phone().get(&self.link).send().await.unwrap();
        assert_eq!(page.status(), 200, "the phone lands on the listener's page");
        let child = self.child;
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        (output, self.reader.join().unwrap())
    }
}
