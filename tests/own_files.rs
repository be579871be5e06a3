//! The files hookconsole reads (issue 15, items 9 and 11), through the binary: its own
//! files are never read through a symbolic link; a file a person names must be a
//! regular file within a size bound; no error quotes more than a short excerpt of a
//! file; a broken integrations file is bad input (exit 2) with file, line and column;
//! a missing, an empty and a comments-only file are told apart; nesting is bounded.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use hookconsole::store::Locations;
use support::{cli, home_with_jira, stderr_of, stdout_of};

/// Lines like /etc/shadow's, each with something no error may show.
fn shadow_like() -> String {
    (0..40)
        .map(|n| format!("user{n}:$6$salt$HASHVALUE{n}:19000:0:99999:7:::\n"))
        .collect()
}

fn assert_no_content(stderr: &str) {
    assert!(
        !stderr.contains("HASHVALUE1") && !stderr.contains("user2:"),
        "{stderr}"
    );
    assert!(stderr.len() < 600, "{} bytes:\n{stderr}", stderr.len());
}

#[test]
fn own_files_that_are_links_are_refused_without_reading_them() {
    let (dir, locations) = home_with_jira("https://hooks.example.com/in", |_| {});
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("shadow");
    std::fs::write(&secret, shadow_like()).unwrap();

    let integrations = locations.integrations_file();
    std::fs::remove_file(&integrations).unwrap();
    symlink(&secret, &integrations).unwrap();
    for args in [&["list"][..], &["show", "jira"], &["export"]] {
        let stderr = stderr_of(cli(&dir).args(args), 2);
        assert!(stderr.contains("integrations.yaml"), "{stderr}");
        assert!(stderr.contains("symbolic link"), "{stderr}");
        assert_no_content(&stderr);
    }
    // A save does not replace the link either.
    let stderr = stderr_of(
        cli(&dir).args(["add", "--name", "b", "--url", "https://b.example/"]),
        2,
    );
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(
        std::fs::symlink_metadata(&integrations)
            .unwrap()
            .is_symlink()
    );
    std::fs::remove_file(&integrations).unwrap();

    symlink(&secret, dir.path().join("settings.yaml")).unwrap();
    let stderr = stderr_of(cli(&dir).args(["settings"]), 2);
    assert!(stderr.contains("settings.yaml") && stderr.contains("symbolic link"));
    assert_no_content(&stderr);
    std::fs::remove_file(dir.path().join("settings.yaml")).unwrap();

    symlink(&secret, locations.tokens_file()).unwrap();
    let stderr = stderr_of(
        cli(&dir)
            .args(["add", "--name", "c", "--url", "https://c.example/"])
            .arg("--disabled"),
        0,
    );
    assert!(!stderr.contains("error"), "{stderr}");
    let stderr = stderr_of(cli(&dir).args(["remove", "c"]), 2);
    assert!(
        stderr.contains("tokens.yaml") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert_no_content(&stderr);
    std::fs::remove_file(locations.tokens_file()).unwrap();

    // A lock file too: said as a link, not "too many levels of symbolic links".
    let lock = dir.path().join("integrations.yaml.lock");
    let _ = std::fs::remove_file(&lock);
    symlink(&secret, &lock).unwrap();
    let stderr = stderr_of(
        cli(&dir).args(["add", "--name", "d", "--url", "https://d.example/"]),
        2,
    );
    assert!(
        stderr.contains("integrations.yaml.lock") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert!(!stderr.contains("os error"), "{stderr}");
}

#[test]
fn the_queue_database_is_not_opened_through_a_link() {
    let (dir, locations) = home_with_jira("https://hooks.example.com/in", |_| {});
    let outside = tempfile::tempdir().unwrap();
    let other = outside.path().join("other.sqlite3");
    hookconsole::store::Queue::open(&other).unwrap();
    symlink(&other, locations.queue_database()).unwrap();
    let stderr = stderr_of(cli(&dir).args(["logs"]), 1);
    assert!(
        stderr.contains("deliveries.sqlite3") && stderr.contains("symbolic link"),
        "{stderr}"
    );
}

#[test]
fn a_named_file_is_quoted_by_excerpt_only() {
    let (dir, _locations) = home_with_jira("https://hooks.example.com/in", |_| {});
    let outside = tempfile::tempdir().unwrap();
    let passwd = outside.path().join("passwd");
    std::fs::write(&passwd, shadow_like()).unwrap();
    // A link the person names is followed: it is their choice.
    let link = outside.path().join("link.yaml");
    symlink(&passwd, &link).unwrap();
    for file in [&passwd, &link] {
        let stderr = stderr_of(cli(&dir).args(["import"]).arg(file), 2);
        assert!(
            stderr.contains(&format!("{}:1:", file.display())),
            "{stderr}"
        );
        assert_no_content(&stderr);
    }
    // A key that is not a field is named by a short excerpt; a value not at all.
    let long_key = format!("x{}", "k".repeat(300));
    let document = outside.path().join("doc.yaml");
    std::fs::write(
        &document,
        format!(
            "schema: 2\nintegrations:\n- name: a\n  url: https://a.example/\n  {long_key}: 1\n"
        ),
    )
    .unwrap();
    let stderr = stderr_of(cli(&dir).args(["import"]).arg(&document), 2);
    assert!(
        stderr.contains(&format!("{}:5:", document.display())),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field `…`"), "{stderr}");
    assert!(!stderr.contains("xkkkk"), "{stderr}");
    std::fs::write(
        &document,
        "schema: 2\nintegrations:\n- name: a\n  url: https://a.example/\n  retry_interval: hunter2-secret\n",
    )
    .unwrap();
    let stderr = stderr_of(cli(&dir).args(["import"]).arg(&document), 2);
    assert!(stderr.contains("retry_interval"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn named_files_must_be_regular_and_within_bounds() {
    let (dir, _locations) = home_with_jira("https://hooks.example.com/in", |_| {});
    // Each of these read forever before.
    for args in [
        &["set", "jira", "content_sample=@/dev/urandom"][..],
        &["set", "jira", "certificate=@/dev/zero"],
        &["import", "/dev/urandom"],
        &[
            "add",
            "--name",
            "b",
            "--url",
            "https://b.example/",
            "--content-sample",
            "/dev/urandom",
        ],
    ] {
        let stderr = stderr_of(cli(&dir).args(args).timeout(Duration::from_secs(30)), 2);
        assert!(
            stderr.contains("is a character device"),
            "{args:?}: {stderr}"
        );
    }
    let outside = tempfile::tempdir().unwrap();
    let fifo = outside.path().join("fifo");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let stderr = stderr_of(
        cli(&dir)
            .args(["set", "jira"])
            .arg(format!("content_sample=@{}", fifo.display()))
            .timeout(Duration::from_secs(30)),
        2,
    );
    assert!(stderr.contains("FIFO"), "{stderr}");
    let big = outside.path().join("big.json");
    std::fs::write(&big, vec![b' '; 1024 * 1024 + 1]).unwrap();
    let stderr = stderr_of(
        cli(&dir)
            .args(["set", "jira"])
            .arg(format!("content_sample=@{}", big.display())),
        2,
    );
    assert!(stderr.contains("larger than 1 MiB"), "{stderr}");
}

/// `hookconsole list` on a home whose integrations file holds `text`.
fn list_with(text: &[u8]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(Locations::in_home(dir.path()).integrations_file(), text).unwrap();
    let output = cli(&dir)
        .arg("list")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

#[test]
fn missing_empty_and_comments_only_files_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    assert!(stdout_of(&dir, &["list"]).contains("No integrations yet"));
    let (code, _, stderr) = list_with(b"");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("integrations.yaml: is empty"), "{stderr}");
    let (code, _, stderr) = list_with(b"# hookconsole webhook integrations\n\n# nothing\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("integrations.yaml: holds only comments"),
        "{stderr}"
    );
    assert!(stderr.contains("remove the file"), "{stderr}");
}

#[test]
fn a_broken_integrations_file_is_bad_input_with_its_line_and_column() {
    let (code, _, stderr) = list_with(b"schema: 2\nintegrations:\n- name: a\n  url: [x\n");
    assert_eq!(code, 2, "{stderr}");
    let position = stderr.split("integrations.yaml:").nth(1).unwrap_or("");
    let numbers: Vec<&str> = position.split(':').take(2).collect();
    assert!(
        numbers.len() == 2 && numbers.iter().all(|n| n.parse::<u32>().is_ok()),
        "no line and column: {stderr}"
    );
}

#[test]
fn deep_nesting_and_a_huge_file_are_refused_with_a_clear_message() {
    // 200 KB of `{a: {a: …`: 14-18 s of scanning per command before.
    let deep = format!(
        "schema: 2\nintegrations: {}x{}\n",
        "{a: ".repeat(50_000),
        "}".repeat(50_000)
    );
    let (code, _, stderr) = list_with(deep.as_bytes());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("integrations.yaml:2:"), "{stderr}");
    assert!(stderr.contains("more than 64 deep"), "{stderr}");

    // The same inside an entry of the file as hookconsole writes it, which is read a
    // few entries at a time: the group is checked before it is read.
    let in_entry = format!(
        "schema: 2\nintegrations:\n- name: a\n  url: https://a.example/\n\
         - name: b\n  http_headers: {}x{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let (code, _, stderr) = list_with(in_entry.as_bytes());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("integrations.yaml:6:"), "{stderr}");
    assert!(stderr.contains("more than 64 deep"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let file = Locations::in_home(dir.path()).integrations_file();
    let huge = std::fs::File::create(&file).unwrap();
    huge.set_len(65 * 1024 * 1024).unwrap();
    let stderr = stderr_of(cli(&dir).arg("list"), 2);
    assert!(stderr.contains("larger than 64 MiB"), "{stderr}");
    assert!(Path::new(&file).exists());
}

/// Everything under `path` given to `uid`.
fn give_to(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            give_to(&entry.unwrap().path(), uid);
        }
    }
}

/// `hookconsole --home DIR ARGS` under a process limit that lets it start no thread
/// (`ulimit -u` reached). Root is not held by the limit, so as root the child runs as
/// `nobody`, the home given to it.
fn without_threads(dir: &Path, args: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt as _;
    const NOBODY: u32 = 65534;
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        give_to(dir, NOBODY);
    }
    let mut command = support::hookconsole(dir);
    command.args(args);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if root && (libc::setgid(NOBODY) != 0 || libc::setuid(NOBODY) != 0) {
                return Err(std::io::Error::last_os_error());
            }
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::setrlimit(libc::RLIMIT_NPROC, &none) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

/// With no thread to be had, a command that needs none still works (its log goes off;
/// it panicked before), and reading many integrations, which shares the work between
/// threads, does it on one; one that needs threads (VERIFY) says so, exit 1, where
/// tokio panicked.
#[test]
fn commands_work_or_say_why_when_no_thread_can_be_started() {
    let (dir, locations) = home_with_jira("https://jira.example.com/hook", |_| {});
    let many: Vec<_> = (0..1_200)
        .map(|n| hookconsole::model::Integration::new(format!("hook {n}"), "https://h.example/x"))
        .collect();
    hookconsole::store::IntegrationStore::new(locations.integrations_file())
        .modify(|stored| {
            *stored = many;
            Ok(())
        })
        .unwrap();
    let output = without_threads(dir.path(), &["list", "--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1_200), "{stderr}");

    let output = without_threads(dir.path(), &["verify", "hook 1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("threads") && stderr.contains("ulimit -u"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The site step (a request on a one-thread runtime whose store work needs tokio's
    // blocking pool) panicked in spawn_blocking.
    let mut oauth = support::full_oauth("oauth hook");
    if let hookconsole::model::Authentication::OAuth(settings) = &mut oauth.authentication {
        settings.sites_url = "https://api.atlassian.com/oauth/token/accessible-resources".into();
        settings.site_url = "https://api.atlassian.com/ex/jira/{id}/rest/api/2/issue".into();
    }
    hookconsole::store::IntegrationStore::new(locations.integrations_file())
        .put(None, oauth)
        .unwrap();
    let output = without_threads(dir.path(), &["sites", "oauth hook"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot start the 1 thread this command needs")
            && stderr.contains("ulimit -u"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Removing an integration that holds tokens revokes them on a one-thread runtime
    // (tokio panicked in spawn_blocking there too): the tokens are forgotten here all
    // the same, and the provider was not asked, which the person is told.
    let tokens = hookconsole::store::TokenStore::new(locations.tokens_file());
    tokens
        .set(
            "oauth hook",
            hookconsole::store::Authorization::Authorized {
                tokens: hookconsole::store::TokenSet::bearer(
                    hookconsole::model::Secret::new("access-1"),
                    Some(hookconsole::model::Secret::new("refresh-1")),
                    None,
                    Vec::new(),
                ),
            },
        )
        .unwrap();
    let output = without_threads(dir.path(), &["remove", "oauth hook"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("Forgot the authorization of `oauth hook`")
            && stdout.contains("it was not asked: cannot start the 1 thread"),
        "{stdout}{stderr}"
    );
    assert_eq!(tokens.get("oauth hook").unwrap(), None);
    assert!(!stdout.contains("refresh-1") && !stderr.contains("refresh-1"));

    // The worker starts threads of its own (the queue writer first): it says so too,
    // instead of `Resource temporarily unavailable (os error 11)` alone.
    let output = without_threads(dir.path(), &["worker"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot start the worker's threads") && stderr.contains("ulimit -u"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !dir.path().join("worker.sock").exists(),
        "the socket file is removed"
    );
}
