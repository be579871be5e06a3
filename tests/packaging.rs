//! What the packages rely on: the manual page and completions come from the binary
//! without touching a home, and files root creates in the packaged layout stay usable
//! by the service user that owns it.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use hookconsole::store::{FileLock, Queue, create_private_dir, write_atomic};
use support::cli;

/// Ownership by number: no such user needs to exist.
const SERVICE_UID: u32 = 64_123;
const SERVICE_GID: u32 = 64_124;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn owner(path: &Path) -> (u32, u32) {
    let metadata = fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    (metadata.uid(), metadata.gid())
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn the_manual_page_is_roff_and_makes_no_home() {
    let temp = tempfile::tempdir().unwrap();
    let home = temp.path().join("never-made");
    let output = cli(&home).arg("man").output().unwrap();
    assert!(output.status.success());
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH hookconsole 1"), "{}", &page[..200]);
    for command in ["worker", "authorize", "completions", "man"] {
        assert!(
            page.contains(&format!(".SS \"hookconsole {command}\"")),
            "{command}"
        );
    }
    assert!(!home.exists(), "`man` made the home (or its log)");
}

#[test]
fn completions_for_the_three_packaged_shells_make_no_home() {
    let temp = tempfile::tempdir().unwrap();
    let home = temp.path().join("never-made");
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef hookconsole"),
        ("fish", "complete -c hookconsole"),
    ] {
        let output = cli(&home).args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        assert!(script.contains("callback-url"), "{shell}");
    }
    assert!(!home.exists());
    cli(&home).args(["completions", "tcsh"]).assert().code(2);
}

/// `sudo hookconsole add …`, the TUI opening LOGS, a first `authorize`: root writes
/// in /var/lib/hookconsole, which the service user owns. Every file and directory it
/// makes there must end up the service user's, or the worker cannot open it.
#[test]
fn files_root_makes_in_a_home_of_the_service_user_are_that_users() {
    if !is_root() {
        eprintln!("skipped: only root hands files to another user");
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let home = temp.path().join("hookconsole");
    fs::create_dir(&home).unwrap();
    std::os::unix::fs::chown(&home, Some(SERVICE_UID), Some(SERVICE_GID)).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();

    let integrations = home.join("integrations.yaml");
    let lock = FileLock::acquire(&integrations).unwrap();
    write_atomic(&integrations, b"schema_version: 1\n", 0o600).unwrap();
    create_private_dir(&home.join("logs/archive")).unwrap();
    let queue_file = home.join("deliveries.sqlite3");
    let queue = Queue::open(&queue_file).unwrap();

    let service = (SERVICE_UID, SERVICE_GID);
    let expected = [
        ("integrations.yaml", 0o600),
        ("integrations.yaml.lock", 0o600),
        ("logs", 0o700),
        ("logs/archive", 0o700),
        ("deliveries.sqlite3", 0o600),
        // WAL mode: these exist while a connection is open.
        ("deliveries.sqlite3-wal", 0o600),
        ("deliveries.sqlite3-shm", 0o600),
    ];
    for (name, file_mode) in expected {
        let path = home.join(name);
        assert_eq!(owner(&path), service, "{name}");
        assert_eq!(mode(&path), file_mode, "{name}");
    }
    drop(queue);
    drop(lock);
}

/// /etc/hookconsole is root's with group hookconsole: `hookconsole settings …` as root
/// keeps the settings file readable by the worker through that group.
#[test]
fn a_file_root_rewrites_in_a_group_owned_directory_keeps_that_group() {
    if !is_root() {
        eprintln!("skipped: only root hands files to another group");
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let etc = temp.path().join("etc-hookconsole");
    fs::create_dir(&etc).unwrap();
    std::os::unix::fs::chown(&etc, Some(0), Some(SERVICE_GID)).unwrap();
    let settings = etc.join("settings.yaml");
    write_atomic(&settings, b"{}\n", 0o640).unwrap();
    write_atomic(&settings, b"hostname: hiab\n", 0o640).unwrap();
    assert_eq!(owner(&settings), (0, SERVICE_GID));
    assert_eq!(mode(&settings), 0o640);
}

/// A home that is root's own (a root user's private home, `--home /root/x`) is left
/// alone: nothing is handed to anyone.
#[test]
fn files_in_roots_own_directory_stay_roots() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("tokens.yaml");
    write_atomic(&file, b"{}\n", 0o600).unwrap();
    assert_eq!(owner(&file), (0, 0));
}

/// The worker's unit raises the descriptor limit above systemd's default soft 1,024
/// (socket clients and deliveries each take one) and turns core dumps off (they
/// would hold every secret the worker loaded). `packaging/check.sh` checks the same in
/// the installed unit.
#[test]
fn the_worker_unit_sets_descriptor_and_core_limits() {
    let unit = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/systemd/hookconsole-worker.service"),
    )
    .unwrap();
    let value = |key: &str| {
        unit.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("the unit sets no {key}"))
            .trim()
            .to_string()
    };
    let descriptors: u64 = value("LimitNOFILE")
        .split(':')
        .next()
        .and_then(|soft| soft.parse().ok())
        .expect("LimitNOFILE is a number");
    assert!(descriptors >= 4096, "LimitNOFILE={descriptors}");
    assert_eq!(value("LimitCORE"), "0");
}
