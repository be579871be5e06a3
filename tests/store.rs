//! The store on real files in temp dirs: parse errors that name file, line and field;
//! files never overwritten when they do not parse; stale saves refused; modes.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use hookconsole::model::{Field, HttpMethod, Integration};
use hookconsole::store::{IntegrationStore, StoreError, parse_document, to_document};
use tempfile::TempDir;

use support::{bytes, expired_certificate, full_basic, full_oauth, minimal};

fn store_in(dir: &TempDir) -> IntegrationStore {
    IntegrationStore::new(dir.path().join("integrations.yaml"))
}

/// A store over a file holding `text`.
fn store_with(text: &str) -> (TempDir, IntegrationStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    fs::write(store.path(), text).unwrap();
    (dir, store)
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Loads `text` and returns the error as a person reads it.
#[track_caller]
fn load_error(text: &str) -> (PathBuf, StoreError, String) {
    let (dir, store) = store_with(text);
    let error = store.load().expect_err("the file should be refused");
    let message = error.to_string();
    let path = store.path().to_path_buf();
    assert!(
        message.starts_with(&path.display().to_string()),
        "`{message}` does not name the file"
    );
    // Every refused file is left exactly as it was, whatever the writer tries.
    let before = bytes(&path);
    assert!(store.put(None, minimal("New")).is_err());
    assert!(store.remove("a", None).is_err());
    assert!(store.modify(|_| Ok(())).is_err());
    assert_eq!(
        bytes(&path),
        before,
        "a file that failed to load was overwritten"
    );
    drop(dir);
    (path, error, message)
}

#[track_caller]
fn assert_line(error: &StoreError, path: &Path, line: usize) {
    let shown = error.to_string();
    let prefix = format!("{}:{line}", path.display());
    assert!(
        shown.starts_with(&format!("{prefix}:")),
        "`{shown}` does not start with `{prefix}:`"
    );
}

const ONE: &str = "schema: 1
integrations:
- name: Jira
  url: https://jira.example.com/hook
";

// --- Reading and writing ---------------------------------------------------------------

#[test]
fn no_file_is_an_empty_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = store_in(&dir).load().unwrap();
    assert!(catalog.integrations.is_empty());
    assert!(entries(dir.path()).is_empty(), "a read must not write");
}

#[test]
fn every_field_round_trips_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let mut oauth = full_oauth("Jira OAuth");
    oauth.certificate = Some(expired_certificate());
    let basic = full_basic("Jira");
    store.put(None, basic.clone()).unwrap();
    let saved = store.put(None, oauth.clone()).unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded.integrations, [basic, oauth]);
    assert_eq!(
        loaded, saved,
        "the catalog a save returns is what the file holds"
    );
    let text = fs::read_to_string(store.path()).unwrap();
    assert!(text.contains("schema: 2\n"), "{text}");
}

#[test]
fn file_is_0600_in_a_0700_directory_and_no_temp_file_lingers() {
    let base = tempfile::tempdir().unwrap();
    let home = base.path().join("home").join("hookconsole");
    let store = IntegrationStore::new(home.join("integrations.yaml"));
    store.put(None, minimal("a")).unwrap();
    store.put(None, minimal("b")).unwrap();
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(
        entries(&home),
        ["integrations.yaml", "integrations.yaml.lock"]
    );
    assert_eq!(mode(&home.join("integrations.yaml.lock")), 0o600);
}

#[test]
fn a_loose_file_mode_is_tightened_on_the_next_save() {
    let (dir, store) = store_with(ONE);
    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
    store.put(None, minimal("b")).unwrap();
    assert_eq!(mode(store.path()), 0o600);
    drop(dir);
}

#[test]
fn temp_file_of_a_killed_writer_is_removed_by_the_next_save() {
    let (dir, store) = store_with(ONE);
    let leftover = dir.path().join(".integrations.yaml.Ab12Cd.tmp");
    fs::write(&leftover, "schema: 1\nintegrations:\n- name: half").unwrap();
    store.put(None, minimal("b")).unwrap();
    assert!(!leftover.exists());
    assert_eq!(
        entries(dir.path()),
        ["integrations.yaml", "integrations.yaml.lock"]
    );
}

#[test]
fn concurrent_writers_each_keep_their_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("integrations.yaml");
    std::thread::scope(|scope| {
        for writer in 0..4 {
            let store = IntegrationStore::new(&path);
            scope.spawn(move || {
                for n in 0..5 {
                    store.put(None, minimal(&format!("w{writer}-{n}"))).unwrap();
                }
            });
        }
    });
    assert_eq!(
        IntegrationStore::new(&path)
            .load()
            .unwrap()
            .integrations
            .len(),
        20
    );
}

// --- Files that do not parse ------------------------------------------------------------

#[test]
fn malformed_yaml_names_file_and_line() {
    let text = "schema: 1\nintegrations:\n- name: Jira\n  url: [https://x\n  retry_interval: 60\n";
    let (path, error, message) = load_error(text);
    assert!(
        matches!(error, StoreError::Parse { line: Some(_), .. }),
        "{error:?}"
    );
    let StoreError::Parse {
        line: Some(line), ..
    } = error
    else {
        unreachable!()
    };
    assert!((4..=6).contains(&line), "line {line}: {message}");
    assert!(
        message.starts_with(&format!("{}:{line}:", path.display())),
        "{message}"
    );

    let (path, error, _) = load_error("schema: 1\nintegrations:\n  - name: a\n - name: b\n");
    assert_line(&error, &path, 4);
}

#[test]
fn unknown_top_level_field_is_refused_by_name() {
    let (path, error, message) = load_error("schema: 1\ncolour: red\nintegrations: []\n");
    assert_line(&error, &path, 2);
    assert!(message.contains("unknown field `colour`"), "{message}");
}

#[test]
fn unknown_field_in_an_integration_is_refused_by_name() {
    let text = format!("{ONE}  retry_intervall: 30\n");
    let (path, error, message) = load_error(&text);
    assert_line(&error, &path, 5);
    assert!(
        message.contains("unknown field `retry_intervall`"),
        "{message}"
    );
}

#[test]
fn unknown_field_in_the_oauth_block_is_refused_by_name() {
    let text = format!(
        "{ONE}  authentication:
    type: oauth
    client_id: id
    client_secret: s
    token_url: https://auth.example.com/token
    authorize_url: https://auth.example.com/authorize
    redirect_uri: https://elsewhere.example.com/
"
    );
    let (path, error, message) = load_error(&text);
    assert!(
        message.contains("unknown field `redirect_uri`"),
        "{message}"
    );
    assert_line(&error, &path, 11);
}

#[test]
fn unknown_field_in_the_basic_block_is_refused_by_name() {
    let text = format!(
        "{ONE}  authentication:\n    type: basic\n    username: u\n    password: p\n    realm: x\n"
    );
    let (path, error, message) = load_error(&text);
    assert!(message.contains("unknown field `realm`"), "{message}");
    assert_line(&error, &path, 9);
}

#[test]
fn fields_of_no_authentication_are_refused() {
    let text = format!("{ONE}  authentication:\n    type: none\n    username: u\n");
    let (path, error, message) = load_error(&text);
    assert!(message.contains("unknown field `username`"), "{message}");
    assert_line(&error, &path, 7);
}

#[test]
fn unknown_field_in_a_header_is_refused_by_name() {
    let text =
        format!("{ONE}  http_headers:\n  - name: X-Team\n    value: ops\n    secret: true\n");
    let (path, error, message) = load_error(&text);
    assert!(message.contains("unknown field `secret`"), "{message}");
    assert_line(&error, &path, 8);
}

#[test]
fn mistyped_values_name_the_field_and_line() {
    for (line, field, value) in [
        (5, "retry_interval", "abc"),
        (5, "retry_interval", "-1"),
        (5, "http_method", "FOO"),
        (5, "enabled", "maybe"),
    ] {
        let text = format!("{ONE}  {field}: {value}\n");
        let (path, error, message) = load_error(&text);
        assert_line(&error, &path, line);
        assert!(message.contains(field), "{message}");
    }
}

#[test]
fn unknown_api_type_in_the_file_is_refused() {
    let text = format!(
        "{ONE}  authentication:
    type: oauth
    client_id: id
    client_secret: s
    token_url: https://auth.example.com/token
    authorize_url: https://auth.example.com/authorize
    api_type: application/xml
"
    );
    let (_, _, message) = load_error(&text);
    assert!(message.contains("application/xml"), "{message}");
}

#[test]
fn unknown_schema_version_is_refused() {
    let (path, error, message) =
        load_error("# written by a newer hookconsole\nschema: 9\nintegrations: []\n");
    assert_line(&error, &path, 2);
    assert!(message.contains("schema 9 is not known"), "{message}");
    let (_, _, message) = load_error("integrations: []\n");
    assert!(message.contains("schema"), "{message}");
}

#[test]
fn invalid_integration_in_the_file_names_file_line_and_field() {
    let text = "schema: 1
integrations:
- name: Jira
  url: https://jira.example.com/hook
- name: Teams
  url: https://teams.example.com/hook
  retry_interval: 0
  http_method: GET
";
    let (path, error, message) = load_error(text);
    assert_line(&error, &path, 7);
    assert!(message.contains("integration `Teams`"), "{message}");
    assert!(
        message.contains("Retry Interval: must be between 1 and 86400"),
        "{message}"
    );
    assert_eq!(error.field_errors()[0].field, Field::RetryInterval);
}

#[test]
fn every_error_of_the_bad_integration_is_given() {
    let text = "schema: 1
integrations:
- name: Teams
  url: ftp://teams.example.com/hook
  http_headers:
  - name: Bad Name
    value: x
  content_sample: '{oops'
  authentication:
    type: basic
    username: 'a:b'
";
    let (path, error, message) = load_error(text);
    assert_line(&error, &path, 4);
    let fields: Vec<Field> = error.field_errors().iter().map(|e| e.field).collect();
    // The bad header is not among them: header problems do not stop a file from
    // loading, they hold the integration's deliveries (tests/framing_headers.rs).
    assert_eq!(
        fields,
        [
            Field::Url,
            Field::ContentSample,
            Field::Username,
            Field::Password
        ],
        "{message}"
    );
}

#[test]
fn duplicate_names_in_the_file_are_refused_without_regard_to_case() {
    let text = format!("{ONE}- name: JIRA\n  url: https://other.example.com/\n");
    let (path, error, message) = load_error(&text);
    assert_line(&error, &path, 5);
    assert!(
        message.contains("Name: an integration named `Jira` already exists"),
        "{message}"
    );
}

/// A file large enough to be read and checked on several threads (5,000 entries, each
/// four lines after the three of the head) with `entry` written in place of entry `at`.
fn large_file(entries: usize, changes: &[(usize, &str)]) -> String {
    let mut text = String::from("# hookconsole webhook integrations.\nschema: 2\nintegrations:\n");
    for index in 0..entries {
        match changes.iter().find(|(at, _)| *at == index) {
            Some((_, entry)) => text.push_str(entry),
            None => text.push_str(&format!(
                "- name: hook {index}\n  url: https://host{index}.example.com/hook\n  \
                 content_sample: '{{\"n\": {index}}}'\n  retry_interval: 60\n"
            )),
        }
    }
    text
}

/// The line of entry `index` in [`large_file`] (when the entries before it are four
/// lines each).
fn line_of_entry(index: usize) -> usize {
    4 + 4 * index
}

#[test]
fn a_large_file_reads_as_the_whole_document_reads_it() {
    let text = large_file(5_000, &[]);
    let (_dir, store) = store_with(&text);
    let loaded = store.load().unwrap().integrations;
    // The schema after the entries: a layout not cut into entries, read whole.
    let head = "# hookconsole webhook integrations.\nschema: 2\n";
    let reordered = format!("{}schema: 2\n", text.replacen(head, "", 1));
    let whole = parse_document(Path::new("whole"), &reordered).unwrap();
    assert_eq!(loaded, whole);
    assert_eq!(loaded.len(), 5_000);
    for (index, integration) in loaded.iter().enumerate() {
        assert_eq!(integration.name, format!("hook {index}"));
        assert_eq!(integration.content_sample, format!("{{\"n\": {index}}}"));
    }
}

/// Read on several threads, the error is still the first in the file's order: an
/// invalid integration late in the file and a duplicate later still are not reported
/// before an earlier invalid one, and each is found where it is.
#[test]
fn in_a_large_file_the_first_problem_in_the_files_order_is_reported() {
    let bad_url = |name: &str| {
        format!("- name: {name}\n  url: ftp://x\n  content_sample: ''\n  retry_interval: 60\n")
    };
    let duplicate = "- name: HOOK 3\n  url: https://dup.example.com/\n  content_sample: 'x'\n  retry_interval: 60\n";
    // Invalid ones near the end of each thread's share, and one near the start.
    let late = bad_url("late");
    let early = bad_url("early");
    // The line is the first bad field's: the URL one line into the entry, the name on
    // the entry's first.
    for (changes, expected_line, expected_name) in [
        (
            vec![(4_990, late.as_str())],
            line_of_entry(4_990) + 1,
            "late",
        ),
        (
            vec![(4_990, late.as_str()), (2_600, duplicate)],
            line_of_entry(2_600),
            "HOOK 3",
        ),
        (
            vec![
                (4_990, late.as_str()),
                (2_600, duplicate),
                (1_200, early.as_str()),
            ],
            line_of_entry(1_200) + 1,
            "early",
        ),
    ] {
        let text = large_file(5_000, &changes);
        let (path, error, message) = load_error(&text);
        assert_line(&error, &path, expected_line);
        assert!(
            message.contains(&format!("`{expected_name}`")),
            "{expected_name}: {message}"
        );
    }
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    fs::write(
        store.path(),
        b"schema: 1\nintegrations:\n- name: \xff\xfe\n",
    )
    .unwrap();
    let message = store.load().unwrap_err().to_string();
    assert!(message.contains("UTF-8"), "{message}");
    assert!(store.put(None, minimal("a")).is_err());
}

#[test]
fn an_empty_file_is_not_an_empty_catalog() {
    // hookconsole never writes one: something emptied it, and a save must not go over it.
    for (text, words) in [
        ("", "is empty"),
        ("\n  \n", "is empty"),
        ("# nothing yet\n\n", "holds only comments"),
    ] {
        let (_dir, store) = store_with(text);
        let error = store.load().unwrap_err();
        assert!(matches!(error, StoreError::Empty { .. }), "{error}");
        assert!(error.to_string().contains(words), "{error}");
        assert!(store.put(None, minimal("a")).is_err());
        assert_eq!(fs::read_to_string(store.path()).unwrap(), text);
    }
}

#[test]
fn parse_document_takes_a_single_integration_too() {
    let text = "name: Jira\nurl: https://jira.example.com/hook\nhttp_method: ''\n";
    let integrations = parse_document(Path::new("jira.yaml"), text).unwrap();
    assert_eq!(
        integrations,
        [Integration::new("Jira", "https://jira.example.com/hook")]
    );
    assert_eq!(integrations[0].effective_method(), HttpMethod::Post);
    let error =
        parse_document(Path::new("jira.yaml"), "name: Jira\nurl: x\nport: 1\n").unwrap_err();
    assert!(error.to_string().starts_with("jira.yaml:3:"), "{error}");
}

// --- Saves refused ---------------------------------------------------------------------

#[test]
fn invalid_integration_is_not_saved_and_every_error_is_given() {
    let (dir, store) = store_with(ONE);
    let before = bytes(store.path());
    let mut bad = Integration::new("", "relative/path");
    bad.retry_interval = 86_401;
    let error = store.put(None, bad).unwrap_err();
    let fields: Vec<Field> = error.field_errors().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [Field::Name, Field::Url, Field::RetryInterval],
        "{error}"
    );
    assert_eq!(bytes(store.path()), before);
    drop(dir);
}

#[test]
fn duplicate_name_is_refused_without_regard_to_case() {
    let (_dir, store) = store_with(ONE);
    let error = store.put(None, minimal(" jira ".trim())).unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "Name: an integration named `Jira` already exists"
    );
    // Renaming another integration onto a taken name is refused the same way.
    let teams = minimal("Teams");
    store.put(None, teams.clone()).unwrap();
    let renamed = Integration {
        name: "JIRA".into(),
        ..teams.clone()
    };
    assert!(store.put(Some(&teams), renamed).is_err());
    // Changing the case of its own name is not a duplicate.
    let renamed = Integration {
        name: "TEAMS".into(),
        ..teams.clone()
    };
    store.put(Some(&teams), renamed).unwrap();
}

#[test]
fn two_saves_based_on_the_same_copy_the_second_is_refused() {
    let (_dir, store) = store_with(ONE);
    let original = store.load().unwrap().get("Jira").unwrap().clone();
    let mut first = original.clone();
    first.retry_interval = 120;
    let mut second = original.clone();
    second.url = "https://second.example.com/".into();
    store.put(Some(&original), first.clone()).unwrap();
    let before = bytes(store.path());
    let error = store.put(Some(&original), second).unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("`Jira` was changed by another session"),
        "{error}"
    );
    assert_eq!(bytes(store.path()), before);
    assert_eq!(store.load().unwrap().integrations, [first]);
}

#[test]
fn save_of_an_integration_removed_meanwhile_is_refused() {
    let (_dir, store) = store_with(ONE);
    let original = store.load().unwrap().get("Jira").unwrap().clone();
    store.remove("jira", None).unwrap();
    let error = store.put(Some(&original), original.clone()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("was removed or renamed by another session"),
        "{error}"
    );
    assert!(store.load().unwrap().integrations.is_empty());
}

#[test]
fn stale_remove_is_refused() {
    let (_dir, store) = store_with(ONE);
    let original = store.load().unwrap().get("Jira").unwrap().clone();
    let changed = Integration {
        retry_interval: 5,
        ..original.clone()
    };
    store.put(Some(&original), changed).unwrap();
    let error = store.remove("Jira", Some(&original)).unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.load().unwrap().integrations.len(), 1);
    let error = store.remove("nothing", None).unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error:?}");
}

#[test]
fn other_sessions_edits_to_other_integrations_are_kept() {
    let (_dir, store) = store_with(ONE);
    store.put(None, minimal("Teams")).unwrap();
    // Two sessions read the same file.
    let mine = store.load().unwrap();
    let theirs = store.load().unwrap();
    // The other session changes Teams and adds Slack.
    let their_teams = theirs.get("Teams").unwrap().clone();
    let changed_teams = Integration {
        retry_interval: 999,
        ..their_teams.clone()
    };
    store
        .put(Some(&their_teams), changed_teams.clone())
        .unwrap();
    store.put(None, minimal("Slack")).unwrap();
    // This session saves Jira from its older copy: accepted, their edits kept.
    let my_jira = mine.get("Jira").unwrap().clone();
    let changed_jira = Integration {
        http_method: Some(HttpMethod::Get),
        ..my_jira.clone()
    };
    store.put(Some(&my_jira), changed_jira.clone()).unwrap();
    let now = store.load().unwrap();
    assert_eq!(
        now.integrations,
        [changed_jira, changed_teams, minimal("Slack")]
    );
}

#[test]
fn replace_all_on_an_old_revision_is_refused() {
    let (_dir, store) = store_with(ONE);
    let old = store.load().unwrap();
    store.put(None, minimal("Teams")).unwrap();
    let before = bytes(store.path());
    let error = store
        .replace_all(old.revision, vec![minimal("Only")])
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert!(
        error.to_string().contains("was changed by another session"),
        "{error}"
    );
    assert_eq!(bytes(store.path()), before);
    let current = store.load().unwrap();
    store
        .replace_all(current.revision, vec![minimal("Only")])
        .unwrap();
    assert_eq!(store.load().unwrap().integrations, [minimal("Only")]);
}

#[test]
fn replace_all_from_no_file_is_refused_once_someone_wrote_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let empty = store.load().unwrap();
    store.put(None, minimal("First")).unwrap();
    let error = store.replace_all(empty.revision, vec![]).unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
}

#[test]
fn replace_all_writes_nothing_unless_every_integration_is_valid() {
    let (_dir, store) = store_with(ONE);
    let before = bytes(store.path());
    let catalog = store.load().unwrap();
    let error = store
        .replace_all(
            catalog.revision,
            vec![minimal("ok"), minimal(""), minimal("OK")],
        )
        .unwrap_err();
    let fields: Vec<Field> = error.field_errors().iter().map(|e| e.field).collect();
    assert_eq!(fields, [Field::Name, Field::Name], "{error}");
    assert_eq!(bytes(store.path()), before);
}

#[test]
fn to_document_is_what_the_store_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let integrations = vec![full_basic("a"), full_oauth("b")];
    let catalog = store.load().unwrap();
    store
        .replace_all(catalog.revision, integrations.clone())
        .unwrap();
    assert_eq!(
        fs::read_to_string(store.path()).unwrap(),
        to_document(&integrations).unwrap()
    );
}

#[test]
fn unknown_field_in_a_single_integration_document_names_its_line() {
    let text = "name: Jira
url: https://jira.example.com/
authentication:
  type: basic
  username: u
  password: p
  domain: CORP
";
    let error = parse_document(Path::new("jira.yaml"), text).unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("jira.yaml:7: "), "{message}");
    assert!(message.contains("unknown field `domain`"), "{message}");
}

/// A schema 1 file predates templates: its samples are read as literal text (a
/// sample with `{{` in it is not a template error), and a save writes schema 2.
#[test]
fn a_schema_1_file_keeps_its_samples_literal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("integrations.yaml");
    fs::write(
        &path,
        "schema: 1\nintegrations:\n- name: a\n  url: https://a.example.com/\n  content_sample: 'price {{ oops'\n- name: b\n  url: https://b.example.com/\n  content_sample: '{\"x\": 1}'\n",
    )
    .unwrap();
    let store = IntegrationStore::new(&path);
    let loaded = store.load().unwrap();
    let a = loaded.get("a").unwrap();
    let rendered = hookconsole::template::render(
        &a.content_sample,
        hookconsole::template::sample_event(),
        &hookconsole::template::Appliance::new("h"),
    )
    .unwrap();
    assert_eq!(rendered, "price {{ oops");
    assert_eq!(loaded.get("b").unwrap().content_sample, "{\"x\": 1}");
    store.put(Some(a), a.clone()).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("schema: 2\n"), "{text}");
    assert_eq!(store.load().unwrap().get("a").unwrap(), a);
}

/// A link planted where the lock file goes (the service user owns the packaged home)
/// is refused: a save must not chmod, chown or write through it to another file.
#[test]
fn a_planted_link_as_lock_file_is_refused_and_its_target_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    fs::write(&victim, "root's file\n").unwrap();
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o644)).unwrap();
    let home = dir.path().join("home");
    fs::create_dir(&home).unwrap();
    let path = home.join("integrations.yaml");
    std::os::unix::fs::symlink(&victim, home.join("integrations.yaml.lock")).unwrap();
    let store = IntegrationStore::new(&path);
    let error = store.put(None, minimal("a")).unwrap_err().to_string();
    assert!(error.contains("integrations.yaml.lock"), "{error}");
    let meta = fs::metadata(&victim).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o644);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "root's file\n");
    // A hard link is refused the same way.
    fs::remove_file(home.join("integrations.yaml.lock")).unwrap();
    fs::hard_link(&victim, home.join("integrations.yaml.lock")).unwrap();
    assert!(store.put(None, minimal("a")).is_err());
    assert_eq!(
        fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
        0o644
    );
}
