//! One contract for every command: a name no integration has is exit 2 with the same
//! words everywhere, errors are JSON on standard error with `--json`, an export made
//! without secrets says at once everything it lacks, and commands printed as hints are
//! quoted for the shell.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::path::Path;

use hookconsole::model::Integration;
use hookconsole::store::{IntegrationStore, Locations};
use serde_json::Value;
use support::{cli, full_basic, full_oauth, home_with_jira, stdout_of};

const MISSING: &str = "Missing one";

/// What a command printed on standard error and the status it ended with.
fn run(home: &Path, args: &[&str], stdin: &str) -> (i32, String) {
    let output = cli(home).args(args).write_stdin(stdin).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (output.status.code().expect("exited, not killed"), stderr)
}

/// Standard error as the one JSON object `--json` promises.
fn json_error(stderr: &str) -> Value {
    serde_json::from_str(stderr.trim())
        .unwrap_or_else(|error| panic!("not one JSON object ({error}): {stderr}"))
}

#[test]
fn an_unknown_integration_is_exit_2_with_the_same_words_from_every_command() {
    let (dir, _locations) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    let batch_line = format!("{{\"integration\": \"{MISSING}\", \"type\": \"scan.finished\"}}\n");
    // (arguments, standard input, whether the command takes --json, the error's prefix)
    let commands: [(&[&str], &str, bool, &str); 13] = [
        (&["show", MISSING], "", true, ""),
        (&["set", MISSING, "enabled=no"], "", false, ""),
        (&["remove", MISSING], "", false, ""),
        (&["verify", MISSING], "", true, ""),
        (&["authorize", MISSING, "--paste"], "", true, ""),
        (&["token", MISSING], "", true, ""),
        (&["sites", MISSING], "", true, ""),
        (&["send", MISSING, "--event", "scan.finished"], "", true, ""),
        (&["send", "--batch"], &batch_line, true, "batch line 1: "),
        (&["logs", MISSING], "", true, ""),
        (
            &["replay", "evt_1", "--integration", MISSING],
            "",
            false,
            "",
        ),
        (&["export", MISSING], "", true, ""),
        (&["token", MISSING, "--forget"], "", true, ""),
    ];
    let message = format!("no integration named `{MISSING}`");
    for (args, stdin, takes_json, prefix) in commands {
        let (status, stderr) = run(dir.path(), args, stdin);
        assert_eq!(status, 2, "{args:?}: {stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert_eq!(first, format!("error: {prefix}{message}"), "{args:?}");
        assert!(
            stderr.contains("hint: `hookconsole list` lists the integrations"),
            "{args:?}: {stderr}"
        );
        if takes_json {
            let args = [args, &["--json"]].concat();
            let (status, stderr) = run(dir.path(), &args, stdin);
            assert_eq!(status, 2, "{args:?}: {stderr}");
            let error = json_error(&stderr);
            assert_eq!(error["error"], format!("{prefix}{message}"), "{args:?}");
            assert_eq!(error["field"], "name", "{args:?}");
            assert!(
                error["hint"].as_str().unwrap().contains("hookconsole list"),
                "{args:?}: {error}"
            );
            assert_eq!(error["errors"].as_array().unwrap().len(), 1, "{args:?}");
        }
    }
    // The batch's answer for the line on standard output says the same.
    let output = cli(dir.path())
        .args(["send", "--batch", "--json"])
        .write_stdin(batch_line)
        .output()
        .unwrap();
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["ok"], false);
    assert_eq!(answer["line"], 1);
    assert_eq!(answer["error"], message);
    assert_eq!(answer["field"], "name");

    // A name that differs only in case is the integration's, for logs as for the rest.
    let (status, stderr) = run(dir.path(), &["logs", "JIRA"], "");
    assert_eq!(status, 0, "{stderr}");
}

#[test]
fn json_errors_name_the_field_at_fault_and_failures_are_json_too() {
    let (dir, _locations) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    let args = [
        "send",
        "jira",
        "--event",
        "scan.finished",
        "--fields",
        "/nonexistent/fields.json",
        "--json",
    ];
    let (status, stderr) = run(dir.path(), &args, "");
    assert_eq!(status, 2, "{stderr}");
    let error = json_error(&stderr);
    assert_eq!(error["field"], "--fields", "{error}");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/fields.json"),
        "{error}"
    );
    // A file that is there but not JSON, a template that does not render, an empty
    // event type: each names the flag that gave it.
    let not_json = dir.path().join("fields.txt");
    std::fs::write(&not_json, "{\"finding\":").unwrap();
    let payload = dir.path().join("payload.txt");
    std::fs::write(&payload, "{{ oops").unwrap();
    for (flags, field) in [
        (
            vec!["--event", "t", "--fields", not_json.to_str().unwrap()],
            "--fields",
        ),
        (
            vec!["--event", "t", "--file", payload.to_str().unwrap()],
            "--file",
        ),
        (vec!["--event", " "], "--event"),
    ] {
        let args = [&["send", "jira", "--json"][..], &flags].concat();
        let (status, stderr) = run(dir.path(), &args, "");
        assert_eq!(status, 2, "{stderr}");
        assert_eq!(json_error(&stderr)["field"], field, "{flags:?}: {stderr}");
    }

    // Nothing listens on port 9: the operation fails (exit 1), with no field to blame.
    let (status, stderr) = run(dir.path(), &["verify", "jira", "--json"], "");
    assert_eq!(status, 1, "{stderr}");
    let error = json_error(&stderr);
    assert!(
        error["error"].as_str().unwrap().contains("not delivered"),
        "{error}"
    );
    assert!(error.get("field").is_none(), "{error}");

    // A command line clap refuses is JSON too, naming the argument at fault.
    let (status, stderr) = run(dir.path(), &["logs", "--limit", "many", "--json"], "");
    assert_eq!(status, 2, "{stderr}");
    let error = json_error(&stderr);
    assert_eq!(error["field"], "--limit <N>", "{error}");
    assert!(
        error["error"].as_str().unwrap().contains("'many'"),
        "{error}"
    );
    let (status, stderr) = run(dir.path(), &["show", "--json"], "");
    assert_eq!(status, 2, "{stderr}");
    assert_eq!(json_error(&stderr)["field"], "<NAME>");
    // The OAuth commands on an integration without OAuth blame its Authentication.
    for command in ["token", "sites", "authorize"] {
        let (status, stderr) = run(dir.path(), &[command, "jira", "--json"], "");
        assert_eq!(status, 2, "{command}: {stderr}");
        assert_eq!(json_error(&stderr)["field"], "authentication", "{command}");
    }

    // Without --json the same failure is a plain line.
    let (status, stderr) = run(dir.path(), &["verify", "jira"], "");
    assert_eq!(status, 1);
    assert!(stderr.starts_with("error: "), "{stderr}");
}

fn home_holding(integrations: Vec<Integration>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = IntegrationStore::new(Locations::in_home(dir.path()).integrations_file());
    for integration in integrations {
        store.put(None, integration).unwrap();
    }
    dir
}

#[test]
fn an_export_without_secrets_imported_elsewhere_is_disabled_naming_every_secret_it_lacks() {
    let mut teams = full_basic("Teams");
    teams.url = "https://hooks.example.com/workflows/1?sig=s3cr3t".into();
    let source = home_holding(vec![
        full_oauth("Jira mock"),
        teams,
        Integration::new("Plain", "https://plain.example.com/"),
    ]);
    let export = source.path().join("export.yaml");
    std::fs::write(&export, stdout_of(source.path(), &["export"])).unwrap();
    let export = export.to_str().unwrap();

    let target = tempfile::tempdir().unwrap();
    let output = cli(target.path())
        .args(["import", export])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Both integrations that lack secrets, every secret of each, in one go, and how to
    // give them; the one without secrets is imported as it was.
    assert!(stdout.contains("imported: 3 added"), "{stdout}");
    assert!(
        stdout.contains(
            "`Jira mock` is disabled: the export left out Client Secret. Set them \
             (`hookconsole set 'Jira mock' KEY…`"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "`Teams` is disabled: the export left out Password, URL (the value of `sig`), \
             HTTP Headers (the value of X-Api-Key)."
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("`hookconsole set Teams enabled=yes`"),
        "{stdout}"
    );
    assert!(stdout.contains("--with-secrets"), "{stdout}");
    assert!(!stdout.contains("`Plain`"), "{stdout}");
    assert!(
        stderr.contains("(integration `Teams`) Password: is not set"),
        "{stderr}"
    );
    let listed = stdout_of(target.path(), &["list"]);
    let enabled = |name: &str| {
        let row = listed.lines().find(|line| line.starts_with(name)).unwrap();
        row.trim_end().ends_with("yes")
    };
    assert!(
        !enabled("Jira mock") && !enabled("Teams") && enabled("Plain"),
        "{listed}"
    );

    // VERIFY says what is missing rather than send without it.
    let verify = cli(target.path())
        .args(["verify", "Teams"])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(1));
    let report = String::from_utf8(verify.stdout).unwrap();
    assert!(
        report.contains("it lacks secrets an export left out: Password"),
        "{report}"
    );

    // Enabling asks for every missing secret at once; given them, it is enabled.
    let (status, stderr) = run(target.path(), &["set", "Teams", "enabled=yes"], "");
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("error: Password: is required"), "{stderr}");
    assert!(stderr.contains("the value of `sig`"), "{stderr}");
    let (status, stderr) = run(
        target.path(),
        &[
            "set",
            "Teams",
            "password",
            "url=https://hooks.example.com/workflows/1?sig=s3cr3t",
            "enabled=yes",
        ],
        "hunter2\n",
    );
    assert_eq!(status, 0, "{stderr}");

    // Where the integrations are, the stored secrets fill the gaps: nothing disabled.
    let out = stdout_of(source.path(), &["import", export]);
    assert!(!out.contains("is disabled"), "{out}");
    // And an export with its secrets imports enabled anywhere.
    let with_secrets = stdout_of(source.path(), &["export", "--with-secrets"]);
    let other = tempfile::tempdir().unwrap();
    let full = other.path().join("full.yaml");
    std::fs::write(&full, with_secrets).unwrap();
    let out = stdout_of(other.path(), &["import", full.to_str().unwrap()]);
    assert!(
        out.contains("3 added") && !out.contains("is disabled"),
        "{out}"
    );
}

#[test]
fn hints_quote_names_for_the_shell() {
    let dir = home_holding(vec![Integration::new(
        "Jira mock",
        "https://hooks.example.com/x",
    )]);
    let out = stdout_of(dir.path(), &["set", "Jira mock", "signing=on"]);
    assert!(
        out.contains("`hookconsole export 'Jira mock' --with-secrets` shows it again"),
        "{out}"
    );
}

#[test]
fn a_damaged_queue_is_named_once_with_what_to_do() {
    let (dir, locations) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    std::fs::write(locations.queue_database(), [0x5a_u8; 4096]).unwrap();
    for command in [&["status"][..], &["logs"][..]] {
        let (status, stderr) = run(dir.path(), command, "");
        assert_eq!(status, 1, "{command:?}: {stderr}");
        assert_eq!(
            stderr.matches("not a database").count(),
            1,
            "said once, not again for each cause: {stderr}"
        );
        assert!(stderr.contains("deliveries.sqlite3"), "{stderr}");
        assert!(stderr.contains("move the file aside"), "{stderr}");
        let json = [command, &["--json"][..]].concat();
        let (status, stderr) = run(dir.path(), &json, "");
        assert_eq!(status, 1, "{json:?}: {stderr}");
        let error = json_error(&stderr);
        assert_eq!(
            error["error"]
                .as_str()
                .unwrap()
                .matches("not a database")
                .count(),
            1,
            "{stderr}"
        );
    }
}

#[test]
fn a_worker_that_cannot_take_its_lock_names_the_file() {
    let (dir, locations) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    // A directory where the lock goes: opening it fails, as a lock of root's does for
    // a user who forgot sudo.
    let lock = locations.data_dir.join("worker.lock");
    std::fs::create_dir(&lock).unwrap();
    let (status, stderr) = run(dir.path(), &["worker"], "");
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("error: {}: ", lock.display())),
        "the error names the lock, not only the OS's words: {stderr}"
    );
}

#[test]
fn a_settings_file_that_does_not_parse_is_exit_2_from_status_and_the_worker_too() {
    let (dir, locations) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    std::fs::write(
        locations.data_dir.join("settings.yaml"),
        "retention_days: [oops\n",
    )
    .unwrap();
    for command in [
        &["settings"][..],
        &["status"],
        &["status", "--json"],
        &["worker"],
    ] {
        let (status, stderr) = run(dir.path(), command, "");
        assert_eq!(status, 2, "{command:?}: {stderr}");
        assert!(stderr.contains("settings.yaml:1:"), "{command:?}: {stderr}");
    }
}

/// A value edited by hand is held to the bounds `settings KEY=VALUE` keeps:
/// `concurrency: 0` let the worker start and never deliver.
#[test]
fn a_settings_file_out_of_bounds_is_refused_naming_its_line() {
    let (dir, locations) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    for (text, line, key) in [
        ("concurrency: 0\n", 1, "concurrency"),
        ("hostname: hiab\nmax_attempts: 0\n", 2, "max_attempts"),
        ("connect_timeout: 0\n", 1, "connect_timeout"),
    ] {
        std::fs::write(locations.data_dir.join("settings.yaml"), text).unwrap();
        for command in [&["settings"][..], &["worker"]] {
            let (status, stderr) = run(dir.path(), command, "");
            assert_eq!(status, 2, "{command:?}: {stderr}");
            assert!(
                stderr.contains(&format!("settings.yaml:{line}:1: {key}: `0`")),
                "{command:?}: {stderr}"
            );
        }
    }
}

#[test]
fn a_home_that_is_a_file_is_the_flags_fault() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-home");
    std::fs::write(&file, "").unwrap();
    for args in [&["list"][..], &["status", "--json"]] {
        let output = support::cli(&file).args(args).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("is not a directory"), "{stderr}");
        assert!(stderr.contains("--home"), "{stderr}");
    }
}

/// An empty `--home` (an unset variable in a script) wrote into the current
/// directory; a `--limit` past what the log can count failed as an operation (exit 1).
#[test]
fn an_empty_home_and_a_limit_out_of_range_are_the_flags_fault() {
    let cwd = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut empty_home = assert_cmd::Command::cargo_bin("hookconsole").unwrap();
    let output = empty_home
        .current_dir(cwd.path())
        .env_remove("HOOKCONSOLE_HOME")
        .args([
            "--home",
            "",
            "add",
            "--name",
            "x",
            "--url",
            "http://127.0.0.1/",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--home") && stderr.contains("is empty"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "nothing written"
    );
    for limit in ["9223372036854775808", "0", "1x"] {
        let output = support::cli(home.path())
            .args(["logs", "--json", "--limit", limit])
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{limit}: {stderr}");
        assert_eq!(json_error(&stderr)["field"], "--limit <N>", "{stderr}");
    }
}

#[test]
fn a_commands_help_lists_its_own_options_before_the_global_ones() {
    let dir = tempfile::tempdir().unwrap();
    let help = stdout_of(dir.path(), &["add", "--help"]);
    let at = |text: &str| help.find(text).unwrap_or_else(|| panic!("{text}: {help}"));
    assert!(at("--name") < at("Global options:"), "{help}");
    assert!(at("--client-secret") < at("Global options:"), "{help}");
    assert!(at("Global options:") < at("--console"), "{help}");
}

/// The commands that change integrations answer a script too: with --json, one JSON
/// object on standard output when done (warnings in it, not on standard error) and
/// the error object on standard error when not.
#[test]
fn add_set_import_and_remove_answer_in_json() {
    let (dir, _locations) = home_with_jira("http://127.0.0.1:9/hook", |_| {});
    let done = |args: &[&str]| -> Value {
        let output = cli(dir.path()).args(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.stderr.is_empty(), "{args:?}: a warning on stderr");
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let added = done(&[
        "add",
        "--json",
        "--name",
        "Teams",
        "--url",
        "https://t.example/x",
    ]);
    assert_eq!(added["added"], serde_json::json!(["Teams"]), "{added}");
    assert!(added["warnings"].as_array().is_some(), "{added}");
    let updated = done(&["set", "Teams", "--json", "signing=on"]);
    assert_eq!(updated["updated"], "Teams", "{updated}");
    assert!(
        updated["signing_secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_"),
        "the one time it is shown: {updated}"
    );
    let exported = stdout_of(&dir, &["export", "Teams", "--with-secrets"]);
    let file = dir.path().join("teams.yaml");
    std::fs::write(&file, exported).unwrap();
    let imported = done(&["import", "--json", file.to_str().unwrap()]);
    assert_eq!(imported["updated"], 1, "{imported}");
    let removed = done(&["remove", "--json", "Teams"]);
    assert_eq!(removed["removed"], "Teams", "{removed}");
    for args in [
        &[
            "add",
            "--json",
            "--name",
            "jira",
            "--url",
            "https://j.example/",
        ][..],
        &["set", "Teams", "--json", "url=https://x.example/"],
        &["remove", "--json", "Teams"],
        &["import", "--json", "/nonexistent/file.yaml"],
    ] {
        let (status, stderr) = run(dir.path(), args, "");
        assert_eq!(status, 2, "{args:?}: {stderr}");
        assert!(
            json_error(&stderr)["error"].is_string(),
            "{args:?}: {stderr}"
        );
    }
}
