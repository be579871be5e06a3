//! A home with one integration, `jira`, and the `hookconsole` binary run on it: what
//! the queue and template CLI tests share.

use assert_cmd::Command;
use hookconsole::model::Integration;
use hookconsole::store::{IntegrationStore, Locations};

/// A temporary home holding the integration `jira` at `url`, as `edit` leaves it.
pub fn home_with_jira(
    url: &str,
    edit: impl FnOnce(&mut Integration),
) -> (tempfile::TempDir, Locations) {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    let mut integration = Integration::new("jira", url);
    edit(&mut integration);
    IntegrationStore::new(locations.integrations_file())
        .put(None, integration)
        .unwrap();
    (dir, locations)
}

/// `hookconsole` with `dir` as its home.
pub fn cli(dir: &tempfile::TempDir) -> Command {
    let mut command = Command::cargo_bin("hookconsole").unwrap();
    command.env("HOOKCONSOLE_HOME", dir.path());
    command
}

/// What `hookconsole ARGS` prints on standard output; it must succeed.
pub fn stdout_of(dir: &tempfile::TempDir, args: &[&str]) -> String {
    let output = cli(dir)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).unwrap()
}

/// What `command` prints on standard error; it must end with exit status `code`.
pub fn stderr_of(command: &mut Command, code: i32) -> String {
    let output = command.assert().code(code).get_output().stderr.clone();
    String::from_utf8(output).unwrap()
}
