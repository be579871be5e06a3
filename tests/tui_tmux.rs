//! End to end through a real terminal: tmux runs the built binary at 80x24 on a
//! temporary home; keys create an integration, save it and quit; `hookconsole list
//! --json` then shows it; VERIFY against a loopback receiver shows its report. Skipped
//! (with a message) only where tmux is not installed.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod qr_support;
mod support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hookconsole");

/// A tmux server of our own (its own socket), killed on drop, even when a check fails.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket]);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("tmux runs")
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    fn type_text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", &self.session, "-l", text])
                .status
                .success()
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// The screen with its colours (SGR sequences), as tmux holds it.
    fn screen_with_colours(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-e", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    fn resize(&self, width: u16, height: u16) {
        let (width, height) = (width.to_string(), height.to_string());
        let resized = self.run(&[
            "resize-window",
            "-t",
            &self.session,
            "-x",
            &width,
            "-y",
            &height,
        ]);
        assert!(
            resized.status.success(),
            "{}",
            String::from_utf8_lossy(&resized.stderr)
        );
    }

    /// Waits until `done` holds for the screen; returns that screen.
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        self.wait_for_colours(what, |_| true, done).0
    }

    /// Waits until `done` holds for the screen as text and `done_colours` for it with
    /// its colours (a frame may be caught half written); returns both.
    fn wait_for_colours(
        &self,
        what: &str,
        done_colours: impl Fn(&str) -> bool,
        done: impl Fn(&str) -> bool,
    ) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            let mut coloured = String::new();
            if done(&screen) {
                coloured = self.screen_with_colours();
                if done_colours(&coloured) {
                    return (screen, coloured);
                }
            }
            assert!(
                Instant::now() < deadline,
                "{what} never happened; the screen:\n{screen}\nwith colours:\n{coloured}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "`{text}` never appeared; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_until_gone(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self
            .run(&["has-session", "-t", &self.session])
            .status
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "the program did not quit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
    }
}

fn tmux_installed() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Starts the TUI on `home_path` in a tmux server of its own, at 80x24.
fn start(home_path: &str, name: &str) -> Tmux {
    start_with(home_path, name, "LANG=C.UTF-8", "", (80, 24))
}

/// Starts the TUI with `environment` (`NAME=value …`, after the locale and NO_COLOR
/// are cleared) and `flags`, at `size`.
fn start_with(
    home_path: &str,
    name: &str,
    environment: &str,
    flags: &str,
    (width, height): (u16, u16),
) -> Tmux {
    let tmux = Tmux {
        socket: format!("hookconsole-test-{}-{name}", std::process::id()),
        session: "e2e".into(),
    };
    let program = format!(
        "env -u NO_COLOR -u LC_ALL -u LC_CTYPE {environment} HOOKCONSOLE_HOME='{home_path}' \
         '{BIN}' {flags} tui"
    );
    let (width, height) = (width.to_string(), height.to_string());
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        &tmux.session,
        "-x",
        &width,
        "-y",
        &height,
        &program,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux
}

#[test]
fn create_save_and_quit_in_a_real_terminal() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let tmux = start(&home_path, "create");
    tmux.wait_for("No integrations yet");
    tmux.send(&["n"]);
    tmux.wait_for("choose the type");
    tmux.send(&["Enter"]);
    tmux.wait_for("New Webhook integration");
    tmux.type_text("E2E hook");
    tmux.send(&["Tab"]);
    tmux.type_text("not a url");
    tmux.send(&["Tab"]);
    // Bad input: the error shows under the URL, and Ctrl-S saves nothing.
    tmux.wait_for("Error: `not a url` is not an absolute URL");
    tmux.send(&["C-s"]);
    tmux.wait_for("1 field needs attention");
    tmux.send(&["C-u"]);
    tmux.type_text("https://hooks.example.test/e2e");
    tmux.send(&["Tab", "C-u"]);
    tmux.type_text("90");
    tmux.send(&["C-s"]);
    tmux.wait_for("Saved `E2E hook`");
    tmux.send(&["Escape"]);
    let list = tmux.wait_for("Integrations (1)");
    assert!(list.contains("hooks.example.test"), "{list}");
    tmux.send(&["q"]);
    tmux.wait_until_gone();

    let output = Command::new(BIN)
        .args(["--home", &home_path, "list", "--json"])
        .output()
        .expect("list runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let first = &listed[0];
    assert_eq!(first["name"], "E2E hook");
    assert_eq!(first["url"], "https://hooks.example.test/e2e");
    assert_eq!(first["retry_interval"], 90);
}

#[test]
fn verify_from_the_tui_shows_the_report() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let receiver = runtime.block_on(oauth_support::TestServer::start(|request| {
        let authorized = request.header("authorization") == Some("Basic dXNlcjpwYXNz");
        oauth_support::Response::json(
            if authorized { 201 } else { 401 },
            serde_json::json!({"key": "TEST-7"}),
        )
    }));
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let added = Command::new(BIN)
        .args(["--home", &home_path, "add", "--name", "Receiver", "--url"])
        .arg(receiver.url("/rest/api/2/issue"))
        .args([
            "--auth",
            "basic",
            "--username",
            "user",
            "--password",
            "pass",
        ])
        .output()
        .expect("add runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let tmux = start(&home_path, "verify");
    tmux.wait_for("Integrations (1)");
    tmux.send(&["v"]);
    let report = tmux.wait_for("DELIVERED 201");
    assert!(report.contains("VERIFY Receiver"), "{report}");
    assert!(report.contains("Authorization: ********"), "{report}");
    assert!(
        !report.contains("dXNlcjpwYXNz"),
        "the credential is redacted: {report}"
    );
    tmux.send(&["Escape"]);
    let list = tmux.wait_for("Integrations (1)");
    assert!(
        list.contains("DELIVERED 201"),
        "the list shows the last result: {list}"
    );
    tmux.send(&["q"]);
    tmux.wait_until_gone();
}

#[test]
fn authorize_on_a_phone_then_verify_with_the_bearer_token() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    use oauth_support::provider::{Provider, SECRET, Style, phone};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let _entered = runtime.enter();
    let provider = runtime.block_on(Provider::start(Style::StrictJson, 3600));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let receiver = runtime.block_on(oauth_support::TestServer::start(move |request| {
        let bearer = request.header("authorization").unwrap_or("").to_string();
        let ok = bearer.starts_with("Bearer access-");
        record.lock().unwrap().push(bearer);
        oauth_support::Response::json(
            if ok { 201 } else { 401 },
            serde_json::json!({"key": "TEST-9"}),
        )
    }));
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let settings = provider.settings(Style::StrictJson);
    let mut add = Command::new(BIN);
    add.args(["--home", &home_path, "add", "--name", "Jira", "--url"])
        .arg(receiver.url("/rest/api/2/issue"))
        .args(["--auth", "oauth", "--client-id", &settings.client_id])
        .args(["--client-secret", SECRET, "--api-type", "application/json"])
        .args([
            "--token-url",
            &settings.token_url,
            "--authorize-url",
            &settings.authorize_url,
        ]);
    let added = add.output().expect("add runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let set = Command::new(BIN)
        .args(["--home", &home_path, "settings"])
        .arg(format!("callback_url=http://127.0.0.1:{port}/portal/oauth"))
        .arg(format!("callback_bind=127.0.0.1:{port}"))
        .output()
        .expect("settings runs");
    assert!(set.status.success());

    let tmux = start(&home_path, "authorize");
    tmux.wait_for("not authorized");
    tmux.send(&["a"]);
    let screen = tmux.wait_for("/PORTAL/OAUTH/S/");
    assert!(
        screen.contains("Waiting for the provider's redirect"),
        "{screen}"
    );
    assert!(!screen.contains(SECRET));
    // The links are OSC 8 hyperlinks in this (rich) profile: tmux 3.3 drops them and
    // tmux 3.4 keeps them out of the text, so the text is whole, with no stray bytes
    // of the escape sequences (`]8;id=…`) on screen, also with colours captured.
    let coloured = tmux.screen_with_colours();
    for shown in [&screen, &coloured] {
        assert!(
            !shown.contains("8;id=") && !shown.contains("]8;;"),
            "{shown}"
        );
    }
    // The bottom row holds the link whole: "Open: HTTP://…".
    let link = screen
        .lines()
        .find_map(|line| line.split("Open: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the start link is on screen")
        .to_string();
    // The phone: start link -> provider -> the listener on the appliance.
    let page = runtime
        .block_on(async { phone().get(&link).send().await?.text().await })
        .expect("the phone gets a page");
    assert!(
        page.contains("The appliance has its token"),
        "{link}: {page}\n{screen}"
    );
    tmux.wait_for("Authorized");
    tmux.send(&["Escape"]);
    tmux.wait_for("authorized");
    // The AUTHENTICATION pane shows the status as the portal does, without a token.
    tmux.send(&["Enter"]);
    tmux.wait_for("Edit Webhook integration `Jira`");
    tmux.send(&["C-n"]);
    let pane = tmux.wait_for("authorized (expires in");
    assert!(pane.contains("refresh token yes"), "{pane}");
    tmux.send(&["Escape"]);
    tmux.wait_for("Integrations (1)");
    tmux.send(&["v"]);
    let report = tmux.wait_for("DELIVERED 201");
    assert!(!report.contains("access-"), "no token on screen: {report}");
    assert!(
        seen.lock()
            .unwrap()
            .last()
            .unwrap()
            .starts_with("Bearer access-")
    );
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_until_gone();
}

/// SIGTERM while VERIFY waits for a token refresh: the TUI quits, but only after the
/// rotated refresh token is stored (the provider has already replaced the old one).
#[test]
fn sigterm_during_a_refresh_quits_after_the_new_token_is_stored() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    use hookconsole::model::Secret;
    use hookconsole::store::{Authorization, Locations, TokenSet, TokenStore};
    use oauth_support::provider::{Provider, SECRET, Style};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let _entered = runtime.enter();
    let provider = runtime.block_on(Provider::start(Style::StrictJson, 3600));
    {
        let mut state = provider.state.lock().unwrap();
        state.seed_refresh_token("refresh-seed");
        state.answer_delay = Duration::from_millis(1500);
    }
    let receiver = runtime.block_on(oauth_support::TestServer::start(|_| {
        oauth_support::Response::json(201, serde_json::json!({"key": "TEST-9"}))
    }));
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let settings = provider.settings(Style::StrictJson);
    let added = Command::new(BIN)
        .args(["--home", &home_path, "add", "--name", "Jira", "--url"])
        .arg(receiver.url("/rest/api/2/issue"))
        .args(["--auth", "oauth", "--client-id", &settings.client_id])
        .args(["--client-secret", SECRET, "--api-type", "application/json"])
        .args(["--token-url", &settings.token_url])
        .args(["--authorize-url", &settings.authorize_url])
        .output()
        .expect("add runs");
    assert!(added.status.success(), "{added:?}");
    let store = TokenStore::new(Locations::in_home(home.path()).tokens_file());
    let expired = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    store
        .set(
            "Jira",
            Authorization::Authorized {
                tokens: TokenSet {
                    expires_at: Some(expired),
                    ..TokenSet::bearer(
                        Secret::new("expired-access"),
                        Some(Secret::new("refresh-seed")),
                        None,
                        Vec::new(),
                    )
                },
            },
        )
        .unwrap();

    let tmux = start(&home_path, "sigterm");
    tmux.wait_for("Integrations (1)");
    let pid: libc::pid_t = String::from_utf8_lossy(
        &tmux
            .run(&["list-panes", "-t", &tmux.session, "-F", "#{pane_pid}"])
            .stdout,
    )
    .trim()
    .parse()
    .expect("the pane's process id");
    tmux.send(&["v"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while provider.token_requests() == 0 {
        assert!(Instant::now() < deadline, "no refresh:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill has no memory-safety preconditions; the pane's process is alive
    // until it quits, which it has not been asked to before.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    tmux.wait_until_gone();
    let latest = provider
        .state
        .lock()
        .unwrap()
        .grant("refresh-seed")
        .unwrap()
        .latest
        .clone();
    let stored = store.get("Jira").unwrap().unwrap();
    assert_eq!(
        stored
            .tokens()
            .and_then(|t| t.refresh_token.as_ref())
            .map(Secret::expose),
        Some(latest.as_str()),
        "the rotated refresh token is stored"
    );
}

#[test]
fn logs_follow_retries_until_delivered_then_detail_and_replay() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // The receiver fails the first two attempts, then accepts.
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let receiver = runtime.block_on(oauth_support::TestServer::start(move |_| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        oauth_support::Response::json(if n < 2 { 503 } else { 200 }, serde_json::json!({}))
    }));
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let mut hook = hookconsole::model::Integration::new("Receiver", receiver.url("/hook"));
    hook.retry_interval = 1;
    let locations = hookconsole::store::Locations::in_home(home.path());
    hookconsole::store::IntegrationStore::new(locations.integrations_file())
        .put(None, hook)
        .expect("integration saved");

    let tmux = start(&home_path, "logs");
    tmux.wait_for("Integrations (1)");
    tmux.send(&["L"]);
    tmux.wait_for("No deliveries logged yet");
    let sent = Command::new(BIN)
        .args([
            "--home",
            &home_path,
            "send",
            "Receiver",
            "--event",
            "scan.finished",
        ])
        .output()
        .expect("send runs");
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let mut worker = Command::new(BIN)
        .args(["--home", &home_path, "worker"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("worker starts");
    // Live updates: the failed attempts, then the delivery, appear without a key.
    let screen = tmux.wait_for("delivered");
    let _ = worker.kill();
    let _ = worker.wait();
    assert!(screen.contains("retry server_error"), "{screen}");
    assert!(screen.contains("3/"), "{screen}");
    // The sparkline counts them (read again when new attempts arrive).
    let screen = tmux.wait_for("1 in 1h");
    assert!(screen.contains("2 in 1h"), "{screen}");
    tmux.send(&["Enter"]);
    tmux.wait_for("Request (secrets redacted)");
    tmux.send(&["Escape"]);
    tmux.wait_for("Enter detail");
    tmux.send(&["p"]);
    tmux.wait_for("Replay delivery");
    tmux.send(&["Right"]);
    tmux.send(&["Enter"]);
    tmux.wait_for("queued again for");
    tmux.send(&["Escape"]);
    tmux.wait_for("Integrations (1)");
    tmux.send(&["q"]);
    tmux.wait_until_gone();
}

/// `hookconsole --home HOME add --name NAME --url URL`, as another process.
fn add_by_cli(home_path: &str, name: &str) {
    let output = Command::new(BIN)
        .args(["--home", home_path, "add", "--name", name])
        .args(["--url", "https://hooks.example.test/added"])
        .output()
        .expect("add runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_list_follows_an_integration_added_by_the_cli() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    add_by_cli(&home_path, "Monitoring");
    add_by_cli(&home_path, "Ticketing");
    let tmux = start(&home_path, "follow");
    tmux.wait_for("Integrations (2)");
    tmux.send(&["End"]);
    // Sorted first, while the console runs: the rows move, the selection does not.
    add_by_cli(&home_path, "Alerts archive");
    let screen = tmux.wait_for("Integrations (3)");
    assert!(screen.contains("Alerts archive"), "{screen}");
    tmux.send(&["Enter"]);
    tmux.wait_for("integration `Ticketing`");
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_until_gone();
}

#[test]
fn settings_saved_then_the_callback_url_checked_in_a_real_terminal() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let port = support::unused_port().port();
    let tmux = start(&home_path, "settings");
    tmux.wait_for("No integrations yet");
    tmux.send(&["S"]);
    tmux.wait_for("> Hostname");
    // Callback URL, then the listener's address: both on a loopback port.
    tmux.send(&["Down", "Down"]);
    tmux.type_text("https://127.0.0.1:nope/portal/oauth");
    tmux.send(&["C-s"]);
    tmux.wait_for("Error: callback_url:");
    tmux.wait_for("Not saved: 1 setting to fix first");
    tmux.send(&["C-u"]);
    tmux.type_text(&format!("https://127.0.0.1:{port}/portal/oauth"));
    tmux.send(&["Down"]);
    tmux.type_text(&format!("127.0.0.1:{port}"));
    tmux.send(&["C-s"]);
    tmux.wait_for("Settings saved");
    tmux.wait_for(&format!(
        "to register: https://127.0.0.1:{port}/portal/oauth"
    ));
    tmux.send(&["F3"]);
    let screen = tmux.wait_for("The callback URL works");
    assert!(screen.contains("WORKS (200)"), "{screen}");
    tmux.send(&["Enter"]);
    tmux.send(&["Escape"]);
    tmux.wait_for("No integrations yet");
    tmux.send(&["q"]);
    tmux.wait_until_gone();

    let output = Command::new(BIN)
        .args(["--home", &home_path, "settings"])
        .output()
        .expect("settings runs");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains(&format!("callback_bind  127.0.0.1:{port}")),
        "{shown}"
    );
}

/// The profile the help screen names, for a terminal started with `environment`
/// (and `flags`).
fn profile_shown(name: &str, environment: &str, flags: &str) -> String {
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let tmux = start_with(&home_path, name, environment, flags, (80, 24));
    tmux.wait_for("No integrations yet");
    tmux.send(&["?"]);
    let help = tmux.wait_for("Terminal profile: ");
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_until_gone();
    help.lines()
        .find_map(|line| line.split("Terminal profile: ").nth(1))
        .map(|rest| {
            rest.split(['\u{2502}', '|'])
                .next()
                .unwrap_or(rest)
                .trim()
                .to_string()
        })
        .expect("the profile line")
}

/// TERM=linux is the Linux console's, also where no ioctl can tell (SSH from the
/// console, stdin not the console): the console profile, plain borders. vt220 and
/// a C locale are ASCII; `--console` asks for the console profile anywhere.
#[test]
fn term_and_locale_choose_the_profile() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let cases = [
        (
            "linux",
            "LANG=C.UTF-8 TERM=linux",
            "",
            "console (Linux console font), colour",
        ),
        (
            "linux16",
            "LANG=C.UTF-8 TERM=linux-16color",
            "",
            "console (Linux console font), colour",
        ),
        (
            "xterm",
            "LANG=C.UTF-8 TERM=xterm-256color",
            "",
            "rich (Unicode), colour",
        ),
        (
            "vt220",
            "LANG=C.UTF-8 TERM=vt220",
            "",
            "basic (ASCII), no colour",
        ),
        (
            "clocale",
            "LANG=C TERM=xterm-256color",
            "",
            "basic (ASCII), colour",
        ),
        (
            "flag",
            "LANG=C.UTF-8 TERM=xterm-256color",
            "--console",
            "console (Linux console font), colour",
        ),
    ];
    for (name, environment, flags, expected) in cases {
        assert_eq!(
            profile_shown(name, environment, flags),
            expected,
            "{environment} {flags}"
        );
    }
    // The console profile's borders are the font's: no rounded corners.
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let tmux = start_with(
        &home_path,
        "linuxborders",
        "LANG=C.UTF-8 TERM=linux",
        "",
        (80, 24),
    );
    let screen = tmux.wait_for("No integrations yet");
    assert!(
        screen.contains('\u{250c}') && !screen.contains('\u{256d}'),
        "{screen}"
    );
    tmux.send(&["q"]);
    tmux.wait_until_gone();
}

/// A home with one OAuth integration, `Jira`, whose callback listener takes a free
/// loopback port (the authorize and token URLs are never reached).
fn oauth_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let added = Command::new(BIN)
        .args(["--home", &home_path, "add", "--name", "Jira"])
        .args(["--url", "https://jira.example.test/rest/api/2/issue"])
        .args(["--auth", "oauth", "--client-id", "client"])
        .args(["--client-secret", "client-secret-value"])
        .args(["--api-type", "application/json"])
        .args(["--token-url", "https://auth.example.test/oauth/token"])
        .args(["--authorize-url", "https://auth.example.test/authorize"])
        .output()
        .expect("add runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let set = Command::new(BIN)
        .args(["--home", &home_path, "settings"])
        .arg(format!("callback_url=http://127.0.0.1:{port}/portal/oauth"))
        .arg(format!("callback_bind=127.0.0.1:{port}"))
        .output()
        .expect("settings runs");
    assert!(set.status.success());
    home
}

/// On the console and ASCII profiles the start link's QR code does not fit 80x24: the
/// screen says the size it needs. At exactly that size the code is drawn and decodes
/// to the start link shown below it; a row or a column less, the request is back.
#[test]
fn the_qr_code_decodes_at_exactly_its_stated_size() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    for (name, environment) in [
        ("qrconsole", "LANG=C.UTF-8 TERM=linux"),
        ("qrascii", "LANG=C TERM=vt220"),
    ] {
        let home = oauth_home();
        let home_path = home.path().to_str().expect("utf-8 path").to_string();
        let tmux = start_with(&home_path, name, environment, "", (80, 24));
        tmux.wait_for("not authorized");
        tmux.send(&["a"]);
        let screen = tmux.wait_until("the size request", |screen| {
            qr_support::stated_size(screen).is_some() && screen.contains("/PORTAL/OAUTH/S/")
        });
        let (width, height) = qr_support::stated_size(&screen).expect("a size request");
        let link = screen
            .lines()
            .find_map(|line| line.split("Open: ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the start link is on screen")
            .to_string();

        tmux.resize(width, height);
        let decodes = |coloured: &str| {
            qr_support::try_decode(&qr_support::Screen::from_tmux(coloured)).as_deref()
                == Some(link.as_str())
        };
        tmux.wait_for_colours(
            &format!("{environment}: the code decoding at {width}x{height}"),
            decodes,
            |screen| qr_support::stated_size(screen).is_none(),
        );

        for (w, h) in [(width - 1, height), (width, height - 1)] {
            tmux.resize(w, h);
            let no_code = |coloured: &str| {
                qr_support::modules(&qr_support::Screen::from_tmux(coloured)).is_none()
            };
            tmux.wait_for_colours(
                &format!("{environment}: at {w}x{h}, the request for {width}x{height}"),
                no_code,
                |screen| qr_support::stated_size(screen) == Some((width, height)),
            );
        }
        tmux.send(&["Escape"]);
        tmux.wait_for("Cancelled");
        tmux.send(&["Escape"]);
        tmux.send(&["q"]);
        tmux.wait_until_gone();
    }
}

/// At 60x20 the screen asks for a larger terminal, and keys that would act on what it
/// hides do nothing: the edits survive Esc Right Right Enter (which, seen, discards
/// them); Ctrl-C still asks, and the question waits for the full screen.
#[test]
fn keys_do_not_act_behind_the_enlarge_the_terminal_screen() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let tmux = start(&home_path, "too-small");
    tmux.wait_for("No integrations yet");
    tmux.send(&["n"]);
    tmux.wait_for("choose the type");
    tmux.send(&["Enter"]);
    tmux.wait_for("New Webhook integration");
    tmux.type_text("Draft");
    tmux.wait_for("Draft");
    tmux.resize(60, 20);
    tmux.wait_for("Enlarge the terminal to 80x24 (it is 60x20 now)");
    // One key at a time, as a person types them: an Esc in the same read as the
    // next key's sequence would arrive as Alt and that key.
    for key in ["Escape", "Right", "Right", "Enter"] {
        tmux.send(&[key]);
        std::thread::sleep(Duration::from_millis(300));
    }
    // Keys are read in order: once Ctrl-C's question is waiting, the others were read.
    tmux.send(&["C-c"]);
    tmux.wait_for("A question is waiting");
    tmux.resize(80, 24);
    let screen = tmux.wait_for("Quit with unsaved edits?");
    assert!(screen.contains("New Webhook integration"), "{screen}");
    tmux.send(&["Escape"]);
    let screen = tmux.wait_until("the question closed", |screen| {
        !screen.contains("Quit with unsaved edits?")
    });
    assert!(screen.contains("Draft"), "the edits are kept:\n{screen}");
    assert!(screen.contains("New Webhook integration"), "{screen}");
    tmux.send(&["C-c"]);
    tmux.wait_for("Quit with unsaved edits?");
    tmux.send(&["Right", "Right", "Enter"]);
    tmux.wait_until_gone();
}

/// The value of the `Signing secret` row of `screen`, when it shows one.
fn shown_signing_secret(screen: &str) -> Option<String> {
    let line = screen
        .lines()
        .find(|line| line.contains("Signing secret"))?;
    support::signing_secret_in(line)
}

#[test]
fn signing_on_rotation_and_off_in_a_real_terminal() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    support::stdout_of(
        home.path(),
        &[
            "add",
            "--name",
            "Receiver",
            "--url",
            "https://hooks.example.test/in",
        ],
    );
    let stored = || {
        let locations = hookconsole::store::Locations::in_home(home.path());
        hookconsole::store::IntegrationStore::new(locations.integrations_file())
            .load()
            .expect("loads")
            .integrations[0]
            .signing
            .clone()
    };
    let tmux = start(&home_path, "signing");
    tmux.wait_for("Integrations (1)");
    tmux.send(&["Enter"]);
    tmux.wait_for("Edit Webhook integration");
    for _ in 0..5 {
        tmux.send(&["Tab"]);
    }
    tmux.wait_for("Standard Webhooks signature");
    tmux.send(&["Space"]);
    let screen = tmux.wait_for("Signing secret");
    assert!(screen.contains("< on >"), "{screen}");
    assert!(!screen.contains("whsec_"), "masked until asked: {screen}");
    tmux.send(&["C-r"]);
    let revealed = tmux.wait_for("whsec_");
    let first = shown_signing_secret(&revealed).expect("the secret, revealed");
    tmux.send(&["C-r"]);
    tmux.send(&["C-s"]);
    tmux.wait_for("Saved `Receiver`");
    let signing = stored().expect("signing on");
    assert_eq!(signing.secret.expose(), first);

    tmux.send(&["Right"]);
    tmux.wait_for("rotate: new secret");
    tmux.send(&["C-s"]);
    // Saved, the choice reads on again; the old secret's overlap stays shown.
    tmux.wait_until("rotation saved", |screen| {
        screen.contains("< on >") && screen.contains("signs too until")
    });
    let rotated = stored().expect("still on");
    assert_ne!(rotated.secret, signing.secret);
    assert_eq!(rotated.previous.expect("kept").secret, signing.secret);

    tmux.send(&["Left"]);
    tmux.wait_for("< off >");
    tmux.send(&["C-s"]);
    // The editor's own word that the save came back, not only the file: an Esc
    // before it asks about unsaved edits (seen under a loaded machine).
    tmux.wait_until("saved off", |screen| {
        !screen.contains("Signing secret") && screen.contains("no unsaved changes")
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while stored().is_some() {
        assert!(Instant::now() < deadline, "signing still on in the file");
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.send(&["Escape"]);
    tmux.wait_for("Integrations (1)");
    tmux.send(&["q"]);
    tmux.wait_until_gone();
    let file = std::fs::read_to_string(home.path().join("integrations.yaml")).unwrap();
    assert!(!file.contains("whsec_"), "{file}");
}

#[test]
fn client_credentials_chosen_in_the_editor_then_verify_fetches_the_token() {
    use oauth_support::client_credentials::{
        Body, CLIENT_ID, CLIENT_SECRET, ClientAuth, TokenEndpoint,
    };
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let endpoint = runtime.block_on(TokenEndpoint::start(Body::Form, ClientAuth::Basic));
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let tmux = start(&home_path, "grant");
    tmux.wait_for("No integrations yet");
    tmux.send(&["n"]);
    tmux.wait_for("choose the type");
    tmux.send(&["Enter"]);
    tmux.wait_for("New Webhook integration");
    tmux.type_text("Machine");
    tmux.send(&["Tab"]);
    tmux.type_text(&endpoint.hook_url());
    tmux.send(&["C-n", "Right", "Right", "Tab"]);
    tmux.wait_for("< Authorization code >");
    tmux.send(&["Right"]);
    let pane = tmux.wait_for("< Client credentials >");
    assert!(
        pane.contains("none yet: fetched when first needed"),
        "{pane}"
    );
    assert!(!pane.contains("Callback URL"), "{pane}");
    tmux.send(&["Tab"]);
    tmux.type_text(CLIENT_ID);
    tmux.send(&["Tab"]);
    tmux.type_text(CLIENT_SECRET);
    tmux.send(&["Tab"]);
    tmux.type_text(&endpoint.token_url());
    let typed = tmux.wait_for("Token parameters");
    assert!(!typed.contains(CLIENT_SECRET), "masked: {typed}");
    assert!(!typed.contains("[ Authorize ]"), "{typed}");
    tmux.send(&["C-s"]);
    tmux.wait_for("Saved `Machine`");
    tmux.send(&["Escape"]);
    let list = tmux.wait_for("Integrations (1)");
    assert!(list.contains("token on use"), "{list}");
    tmux.send(&["v"]);
    let report = tmux.wait_for("DELIVERED 202");
    assert!(report.contains("a new token"), "{report}");
    assert!(!report.contains("cc-access-"), "{report}");
    assert_eq!(endpoint.token_requests(), 1);
    tmux.send(&["Escape"]);
    tmux.wait_for("Integrations (1)");
    tmux.send(&["q"]);
    tmux.wait_until_gone();
}

/// The device grant's AUTHORIZE in a real terminal at 80x24: the code grouped, the QR
/// code decoding to the complete verification URI, and the session authorized once the
/// provider approves.
#[test]
fn device_code_shown_and_its_qr_code_decoding_at_80x24_then_authorized() {
    use oauth_support::device::{CLIENT_ID, DeviceProvider, Poll};
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let provider = runtime.block_on(DeviceProvider::start(
        1,
        &[Poll::Pending, Poll::Pending, Poll::Pending],
        Poll::Approve,
    ));
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    let added = Command::new(BIN)
        .args(["--home", &home_path, "add", "--name", "Graph"])
        .args(["--url", &provider.server.url("/hook")])
        .args(["--grant", "device-code", "--client-id", CLIENT_ID])
        .args(["--token-url", &provider.server.url("/token")])
        .args([
            "--device-authorization-url",
            &provider.server.url("/device"),
        ])
        .args(["--client-authentication", "body"])
        .output()
        .expect("add runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let complete = format!("{}?user_code=WDJBMJHT", provider.verification_uri());

    let tmux = start(&home_path, "device");
    tmux.wait_for("Integrations (1)");
    tmux.send(&["a"]);
    let screen = tmux.wait_for("W D J B - M J H T");
    assert!(screen.contains(&provider.verification_uri()), "{screen}");
    let decodes = |coloured: &str| {
        qr_support::try_decode(&qr_support::Screen::from_tmux(coloured)).as_deref()
            == Some(complete.as_str())
    };
    tmux.wait_for_colours("the QR code decoding", decodes, |_| true);
    tmux.wait_for("Authorized");
    tmux.send(&["Escape"]);
    tmux.wait_for("Integrations (1)");
    tmux.send(&["q"]);
    tmux.wait_until_gone();
    let status = Command::new(BIN)
        .args(["--home", &home_path, "token", "Graph"])
        .output()
        .expect("token runs");
    assert!(
        String::from_utf8_lossy(&status.stdout).starts_with("authorized"),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
}

#[test]
fn the_status_line_follows_a_worker_started_beside_the_console_at_80x24() {
    if !tmux_installed() {
        println!("SKIPPED: tmux is not on PATH (CI installs it)");
        return;
    }
    // A short home, so that its start command fits the 80 columns whatever TMPDIR is.
    let home = tempfile::Builder::new()
        .prefix("hc")
        .tempdir_in("/tmp")
        .expect("temp home");
    let home_path = home.path().to_str().expect("utf-8 path").to_string();
    add_by_cli(&home_path, "Ticketing");
    let tmux = start(&home_path, "worker-line");
    tmux.wait_for("Integrations (1)");
    let stopped = format!("worker NOT RUNNING, 0 waiting: hookconsole --home {home_path} worker");
    let screen = tmux.wait_until("the status line says how to start the worker", |screen| {
        screen
            .lines()
            .next()
            .is_some_and(|title| title.contains(&stopped))
    });
    assert_eq!(
        screen.matches("NOT RUNNING").count(),
        1,
        "said once, not again in the list's border: {screen}"
    );

    let worker = support::WorkerProcess::start(home.path(), &[]);
    let screen = tmux.wait_until("the status line says the worker runs", |screen| {
        screen
            .lines()
            .next()
            .is_some_and(|title| title.ends_with("worker running, 0 waiting"))
    });
    assert!(
        screen.starts_with(" hookconsole │ webhook integrations"),
        "{screen}"
    );
    tmux.send(&["w"]);
    tmux.wait_for("STATUS (as hookconsole status)");
    let screen = tmux.wait_for(&format!("Worker    running, pid {}", worker.pid()));
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|title| title.ends_with("worker running, 0 waiting")),
        "the line stays on STATUS: {screen}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_for("Integrations (1)");
    tmux.send(&["q"]);
    tmux.wait_until_gone();
    worker.stop();
}
