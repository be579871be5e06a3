//! The hookconsole binary as a person runs it in these tests, and the phone that
//! follows the start link `authorize` prints.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

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

/// `hookconsole authorize` running, its start link printed, the phone not yet there
/// (or, pasting, its authorize URL printed and the redirect not typed in yet).
pub struct Authorizing {
    pub child: Child,
    /// The start link, or with `--paste` the full authorize URL.
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
        if let Some(descriptors) = descriptors {
            limit_resources(&mut command, &[(libc::RLIMIT_NOFILE, descriptors)]);
        }
        command.stdin(Stdio::null());
        Authorizing::launch(command, args, "Open on a phone").await
    }

    /// Starts `hookconsole authorize NAME --paste` and waits for the full authorize URL
    /// it prints, for a browser elsewhere.
    pub async fn start_paste(home: &Path, name: &str) -> Authorizing {
        let mut command = hookconsole(home);
        command.args(["authorize", name, "--paste"]);
        command.stdin(Stdio::piped());
        Authorizing::launch(command, &[], "Full authorize URL").await
    }

    /// Runs `command` and waits for the line after the one starting with `marker`.
    async fn launch(mut command: Command, args: &[&str], marker: &'static str) -> Authorizing {
        if !args.contains(&"--qr") {
            command.args(["--qr", "none"]);
        }
        let mut child = command
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
                if all.last().is_some_and(|l| l.starts_with(marker)) {
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
        .unwrap_or_else(|_| panic!("no line after `{marker}` is printed"));
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
        // Written after the token is stored, before the command ends (its runtime,
        // and the page's connection with it, go when it does).
        let text = page.text().await.unwrap();
        assert!(text.contains("The appliance has its token"), "{text}");
        self.finish().await
    }

    /// The person types in `redirected`, the URL the browser was sent back to; gives
    /// the command's exit and what it printed.
    pub async fn finish_by_paste(mut self, redirected: &str) -> (Output, String) {
        let mut stdin = self.child.stdin.take().expect("started with --paste");
        writeln!(stdin, "{redirected}").unwrap();
        drop(stdin);
        self.finish().await
    }

    /// Stops the command unfinished.
    pub fn cancel(mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
        self.reader.join().unwrap();
    }

    async fn finish(self) -> (Output, String) {
        let child = self.child;
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        (output, self.reader.join().unwrap())
    }
}
