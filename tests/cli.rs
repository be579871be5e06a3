//! The CLI as a person runs it: the real binary, a temp home, the messages on stderr
//! and the exit status (0 ok, 2 invalid input, 1 anything else).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use hookconsole::model::{Authentication, Integration, parse_pem};
use hookconsole::store::IntegrationStore;
use serde_json::Value;
use tempfile::TempDir;

use support::{
    binary, bytes, certificate, cli, expired_certificate, full_basic, hookconsole,
    valid_certificate,
};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit status\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    fn ok(&self) -> &Self {
        self.code(0)
    }

    #[track_caller]
    fn stderr_has(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks `{text}`:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    fn stdout_has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks `{text}`:\n{}",
            self.stdout
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("{error}: not JSON:\n{}", self.stdout))
    }
}

/// A fresh home directory, and a directory beside it for the files commands read.
struct Home {
    dir: TempDir,
    files: TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
            files: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn integrations_file(&self) -> PathBuf {
        self.path().join("integrations.yaml")
    }

    fn store(&self) -> IntegrationStore {
        IntegrationStore::new(self.integrations_file())
    }

    /// Writes a file outside the home and returns its path as text.
    fn file(&self, name: &str, contents: &str) -> String {
        let path = self.files.path().join(name);
        fs::write(&path, contents).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let output = cli(self.path())
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Adds a minimal integration.
    fn add(&self, name: &str) {
        self.run(&[
            "add",
            "--name",
            name,
            "--url",
            "https://hooks.example.com/in",
        ])
        .ok();
    }

    fn stored(&self, name: &str) -> Integration {
        self.store()
            .load()
            .unwrap()
            .get(name)
            .cloned()
            .expect("stored")
    }
}

const BASIC_PASSWORD: &str = "basic-password-value";
const HEADER_SECRET: &str = "header-secret-value";
const CLIENT_SECRET: &str = "oauth-client-secret-value";

/// `add` with a flag for every field of a Basic integration, the password on stdin.
fn add_full_basic(home: &Home) -> (String, String) {
    let pem = valid_certificate();
    let sample = "{\n  \"fields\": {\"summary\": \"$TITLE\"}\n}\n";
    let certificate = home.file("cert.pem", &pem);
    let content = home.file("sample.json", sample);
    home.run_with_stdin(
        &[
            "add",
            "--name",
            "Jira",
            "--url",
            "https://jira.example.com:8443/rest/api/2/issue",
            "--retry-interval",
            "300",
            "--http-method",
            "put",
            "--header",
            "Content-Type: application/json",
            "--header",
            "X-Team: ops",
            "--header",
            "X-Team: sec",
            "--header",
            &format!("X-Api-Key: {HEADER_SECRET}"),
            "--certificate",
            &certificate,
            "--content-sample",
            &content,
            "--disabled",
            "--username",
            "svc-hiab",
        ],
        &format!("{BASIC_PASSWORD}\n"),
    )
    .ok()
    .stdout_has("added Jira");
    (pem, sample.to_string())
}

fn add_full_oauth(home: &Home) {
    home.run_with_stdin(
        &[
            "add",
            "--name",
            "Jira OAuth",
            "--url",
            "https://api.atlassian.com/ex/jira/1/rest",
            "--auth",
            "oauth",
            "--client-id",
            "client-id-value",
            "--token-url",
            "https://auth.atlassian.com/oauth/token",
            "--authorize-url",
            "https://auth.atlassian.com/authorize",
            "--audience",
            "api.atlassian.com",
            "--scope",
            "write:jira-work offline_access",
            "--api-type",
            "application/json",
            "--client-authentication",
            "basic",
        ],
        &format!("{CLIENT_SECRET}\n"),
    )
    .ok();
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in [BASIC_PASSWORD, HEADER_SECRET, CLIENT_SECRET] {
        assert!(!text.contains(secret), "`{secret}` leaked:\n{text}");
    }
}

// --- add, list, show -------------------------------------------------------------------

#[test]
fn add_then_list_json_round_trips_every_field() {
    let home = Home::new();
    let (pem, sample) = add_full_basic(&home);
    add_full_oauth(&home);
    let run = home.run(&["list", "--json"]);
    run.ok();
    assert_no_secret(&run.stdout);
    let list = run.json();
    let basic = &list[0];
    assert_eq!(basic["name"], "Jira");
    assert_eq!(
        basic["url"],
        "https://jira.example.com:8443/rest/api/2/issue"
    );
    assert_eq!(basic["retry_interval"], 300);
    assert_eq!(basic["http_method"], "PUT");
    assert_eq!(basic["effective_http_method"], "PUT");
    let headers: Vec<(String, String)> = basic["http_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap().into(),
                h["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("Content-Type", "application/json"),
        ("X-Team", "ops"),
        ("X-Team", "sec"),
        ("X-Api-Key", "********"),
    ]
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .to_vec();
    assert_eq!(headers, expected);
    assert_eq!(basic["certificate"], pem.as_str());
    let summary = &parse_pem(&pem).unwrap()[0];
    assert_eq!(
        basic["certificate_summary"][0]["sha256_fingerprint"],
        summary.sha256_fingerprint
    );
    assert_eq!(basic["certificate_summary"][0]["subject"], summary.subject);
    assert_eq!(basic["content_sample"], sample.as_str());
    assert_eq!(basic["enabled"], false);
    assert_eq!(basic["authentication"]["type"], "basic");
    assert_eq!(basic["authentication"]["username"], "svc-hiab");
    assert_eq!(basic["authentication"]["password_set"], true);

    let oauth = &list[1];
    assert_eq!(oauth["name"], "Jira OAuth");
    assert_eq!(oauth["http_method"], "", "empty, meaning POST");
    assert_eq!(oauth["effective_http_method"], "POST");
    assert_eq!(oauth["retry_interval"], 60);
    assert_eq!(oauth["enabled"], true);
    let auth = &oauth["authentication"];
    assert_eq!(auth["type"], "oauth");
    assert_eq!(auth["client_id"], "client-id-value");
    assert_eq!(auth["client_secret_set"], true);
    assert_eq!(auth["token_url"], "https://auth.atlassian.com/oauth/token");
    assert_eq!(
        auth["authorize_url"],
        "https://auth.atlassian.com/authorize"
    );
    assert_eq!(auth["audience"], "api.atlassian.com");
    assert_eq!(auth["scope"], "write:jira-work offline_access");
    assert_eq!(auth["api_type"], "application/json");
    assert_eq!(auth["client_authentication"], "basic");

    // The secrets went where they belong, and nowhere else.
    let stored = home.stored("Jira");
    let Authentication::Basic { password, .. } = &stored.authentication else {
        panic!()
    };
    assert_eq!(password.expose(), BASIC_PASSWORD);
    assert_eq!(stored.http_headers[3].value, HEADER_SECRET);
    let Authentication::OAuth(settings) = &home.stored("jira oauth").authentication else {
        panic!()
    };
    assert_eq!(settings.client_secret.expose(), CLIENT_SECRET);
    let log = fs::read_to_string(home.path().join("logs/hookconsole.log")).unwrap_or_default();
    assert_no_secret(&log);
}

#[test]
fn list_without_integrations_says_how_to_add_one() {
    let home = Home::new();
    home.run(&["list"]).ok().stdout_has("No integrations yet");
    home.add("Teams");
    home.run(&["list"])
        .ok()
        .stdout_has("Teams")
        .stdout_has("hooks.example.com");
    home.run(&["list", "--json"]).ok();
}

#[test]
fn show_masks_secrets() {
    let home = Home::new();
    add_full_basic(&home);
    add_full_oauth(&home);
    for name in ["jira", "JIRA OAUTH"] {
        let run = home.run(&["show", name]);
        run.ok().stdout_has("********");
        assert_no_secret(&run.stdout);
        let run = home.run(&["show", name, "--json"]);
        run.ok();
        assert_no_secret(&run.stdout);
    }
    home.run(&["show", "jira"])
        .stdout_has("X-Api-Key: ********")
        .stdout_has("SHA-256 ")
        .stdout_has("svc-hiab");
    home.run(&["show", "nothing"])
        .code(2)
        .stderr_has("no integration named `nothing`");
}

#[test]
fn cli_files_are_0600_in_a_0700_home() {
    let base = tempfile::tempdir().unwrap();
    let home = base.path().join("new-home");
    cli(&home)
        .args(["add", "--name", "a", "--url", "https://a.example.com/"])
        .assert()
        .success();
    let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(&home.join("integrations.yaml")), 0o600);
}

#[test]
fn home_comes_from_the_environment_too() {
    let home = Home::new();
    Command::from_std(binary())
        .env("HOOKCONSOLE_HOME", home.path())
        .args(["add", "--name", "env", "--url", "https://a.example.com/"])
        .assert()
        .success();
    assert_eq!(home.stored("env").name, "env");
}

// --- add refused ----------------------------------------------------------------------

#[test]
fn add_reports_every_invalid_field_at_once() {
    let home = Home::new();
    let content = home.file("bad.json", "{\"summary\": }");
    let run = home.run(&[
        "add",
        "--name",
        "",
        "--url",
        "ftp://files.example.com/",
        "--retry-interval",
        "86401",
        "--header",
        "Bad Name: x",
        "--content-sample",
        &content,
    ]);
    run.code(2)
        .stderr_has("error: Name: is required")
        .stderr_has("error: URL: must start with http:// or https://, not ftp://")
        .stderr_has("error: Retry Interval: must be between 1 and 86400 seconds, not 86401")
        .stderr_has("error: HTTP Headers: row 1: `Bad Name` is not a valid header name")
        .stderr_has("error: Content Sample: is not valid JSON at line 1 column 13");
    assert!(!home.integrations_file().exists());
}

#[test]
fn add_reports_unparsable_values_together_with_invalid_ones() {
    let home = Home::new();
    let run = home.run(&[
        "add",
        "--name",
        "Jira",
        "--url",
        "jira.example.com",
        "--retry-interval",
        "abc",
        "--http-method",
        "FOO",
    ]);
    run.code(2)
        .stderr_has("error: Retry Interval: `abc` is not a whole number of seconds")
        .stderr_has("error: HTTP Method: `FOO` is not one of GET, POST, PUT, PATCH, DELETE")
        .stderr_has("error: URL: `jira.example.com` is not an absolute URL");
}

/// `header=` gives the whole list of headers: what it leaves out, a secret header
/// too, is named as removed (by name only), not dropped in silence.
#[test]
fn set_header_names_the_headers_it_removes() {
    let home = Home::new();
    add_full_basic(&home);
    let run = home.run(&[
        "set",
        "Jira",
        "header=Content-Type: application/json",
        "header=X-Team: ops",
    ]);
    run.ok()
        .stdout_has("updated Jira")
        .stdout_has("headers removed: X-Api-Key (header= gives the whole list");
    assert!(!run.stdout.contains(HEADER_SECRET), "{}", run.stdout);
    // Nothing removed, nothing said.
    home.run(&["set", "Jira", "retry_interval=60"])
        .ok()
        .stdout_has("updated Jira");
    assert!(
        !home
            .run(&["set", "Jira", "retry_interval=61"])
            .stdout
            .contains("removed")
    );
}

#[test]
fn a_retry_interval_too_large_for_a_number_is_out_of_range() {
    let home = Home::new();
    home.add("Jira");
    for value in ["4294967297", "99999999999999999999"] {
        home.run(&["set", "Jira", &format!("retry_interval={value}")])
            .code(2)
            .stderr_has(&format!(
                "`{value}` is out of range: give 1 to 86400 seconds"
            ));
    }
}

#[test]
fn add_refuses_a_header_value_with_a_line_break() {
    let home = Home::new();
    home.run(&[
        "add",
        "--name",
        "Jira",
        "--url",
        "https://jira.example.com/",
        "--header",
        "X-Note: a\r\nX-Injected: yes",
    ])
    .code(2)
    .stderr_has("HTTP Headers: row 1: the value of `X-Note` contains a line break");
    home.run(&[
        "add",
        "--name",
        "Jira",
        "--url",
        "https://jira.example.com/",
        "--header",
        "X-Note: a\nX-Injected: yes",
    ])
    .code(2)
    .stderr_has("HTTP Headers: row 1");
    assert!(!home.integrations_file().exists());
}

#[test]
fn add_basic_without_a_password_is_refused() {
    let home = Home::new();
    home.run(&[
        "add",
        "--name",
        "Jira",
        "--url",
        "https://jira.example.com/",
        "--username",
        "a:b",
    ])
    .code(2)
    .stderr_has("error: Password: is required for Basic authentication")
    .stderr_has("error: Username: must not contain `:`");
}

#[test]
fn add_oauth_reports_every_missing_field() {
    let home = Home::new();
    home.run(&[
        "add",
        "--name",
        "Jira",
        "--url",
        "https://jira.example.com/",
        "--auth",
        "oauth",
        "--token-url",
        "http://auth.example.com/token",
        "--api-type",
        "xml",
        "--client-authentication",
        "header",
    ])
    .code(2)
    .stderr_has("error: Client ID: is required for OAuth")
    .stderr_has("error: Client Secret: is required for OAuth")
    .stderr_has("error: Token URL: must use https://")
    .stderr_has("error: Authorize URL: is required for OAuth")
    .stderr_has("error: OAuth API type: `xml` is not")
    .stderr_has("error: Client authentication: `header` is not body or basic");
}

#[test]
fn add_oauth_on_loopback_http_is_accepted() {
    let home = Home::new();
    home.run_with_stdin(
        &[
            "add",
            "--name",
            "Local",
            "--url",
            "http://127.0.0.1:9000/hook",
            "--http-method",
            "",
            "--client-id",
            "id",
            "--token-url",
            "http://127.0.0.1:9000/token",
            "--authorize-url",
            "http://localhost:9000/authorize",
        ],
        "secret\n",
    )
    .ok();
    let run = home.run(&["show", "local", "--json"]);
    assert_eq!(run.json()["effective_http_method"], "POST");
    assert_eq!(
        run.json()["authentication"]["api_type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        run.json()["authentication"]["effective_client_authentication"],
        "basic"
    );
}

#[test]
fn add_refuses_a_duplicate_name_without_regard_to_case() {
    let home = Home::new();
    home.add("Jira Cloud");
    let before = bytes(&home.integrations_file());
    home.run(&[
        "add",
        "--name",
        "JIRA CLOUD",
        "--url",
        "https://x.example.com/",
    ])
    .code(2)
    .stderr_has("error: Name: an integration named `Jira Cloud` already exists");
    assert_eq!(bytes(&home.integrations_file()), before);
}

#[test]
fn add_checks_the_certificate() {
    let home = Home::new();
    let add = |name: &str, pem: &str| {
        let file = home.file(&format!("{name}.pem"), pem);
        home.run(&[
            "add",
            "--name",
            name,
            "--url",
            "https://x.example.com/",
            "--certificate",
            &file,
        ])
    };
    add("text", "just text")
        .code(2)
        .stderr_has("error: Certificate: is not PEM");
    let key = certificate("k.example.com", 2020, 2090).key_pem;
    add("key", &key)
        .code(2)
        .stderr_has("error: Certificate: PEM block 1 is a private key");
    add("expired", &expired_certificate())
        .ok()
        .stderr_has("warning: Certificate: certificate 1")
        .stderr_has("expired on 2012-01-01");
    home.run(&["show", "expired"])
        .ok()
        .stdout_has("warning: Certificate:");
    let missing = home.path().join("no-such.pem");
    home.run(&[
        "add",
        "--name",
        "x",
        "--url",
        "https://x.example.com/",
        "--certificate",
        &missing.to_string_lossy(),
    ])
    .code(2)
    .stderr_has("no-such.pem");
}

#[test]
fn add_needs_name_and_url_or_a_file() {
    let home = Home::new();
    home.run(&["add", "--url", "https://x.example.com/"])
        .code(2)
        .stderr_has("--name");
    home.run(&["frobnicate"]).code(2);
    // A file that cannot be read is named with its flag.
    home.run(&[
        "add",
        "--name",
        "X",
        "--url",
        "https://x.example.com/",
        "--content-sample",
        "/no/such/sample.json",
    ])
    .code(2)
    .stderr_has("--content-sample /no/such/sample.json: No such file");
}

#[test]
fn add_from_file_reads_one_integration_or_a_document() {
    let home = Home::new();
    let single = home.file(
        "one.yaml",
        "name: One\nurl: https://one.example.com/\nhttp_method: GET\n",
    );
    home.run(&["add", "--from-file", &single])
        .ok()
        .stdout_has("added One");
    let bad = home.file(
        "bad.yaml",
        "schema: 1\nintegrations:\n- name: Two\n  url: https://two.example.com/\n- name: Three\n  url: https://three.example.com/\n  retry_interval: 0\n",
    );
    home.run(&["add", "--from-file", &bad])
        .code(2)
        .stderr_has(&format!("{bad}:7: integration `Three`: Retry Interval"));
    assert!(
        home.store().load().unwrap().get("Two").is_none(),
        "all or nothing"
    );
    let unknown = home.file(
        "unknown.yaml",
        "name: Four\nurl: https://4.example.com/\ncolour: red\n",
    );
    home.run(&["add", "--from-file", &unknown])
        .code(2)
        .stderr_has(&format!("{unknown}:3:"))
        .stderr_has("unknown field `colour`");
}

// --- set ------------------------------------------------------------------------------

#[test]
fn set_changes_several_fields() {
    let home = Home::new();
    home.add("Jira");
    home.run(&[
        "set",
        "jira",
        "url=https://new.example.com/hook",
        "retry_interval=120",
        "http_method=get",
        "header=X-A: 1",
        "header=X-A: 2",
        "enabled=no",
        "name=Jira Cloud",
    ])
    .ok()
    .stdout_has("updated Jira Cloud");
    let stored = home.stored("Jira Cloud");
    assert_eq!(stored.url, "https://new.example.com/hook");
    assert_eq!(stored.retry_interval, 120);
    assert_eq!(stored.effective_method().as_str(), "GET");
    assert_eq!(stored.http_headers.len(), 2);
    assert!(!stored.enabled);
    home.run(&["set", "Jira Cloud", "http_method=", "header="])
        .ok();
    let stored = home.stored("Jira Cloud");
    assert_eq!(stored.http_method, None);
    assert!(stored.http_headers.is_empty());
}

#[test]
fn set_reports_a_bad_key_and_every_bad_value() {
    let home = Home::new();
    home.add("Jira");
    let before = bytes(&home.integrations_file());
    home.run(&[
        "set",
        "Jira",
        "colour=red",
        "retry_interval=0",
        "url=/relative",
        "http_method=FOO",
    ])
    .code(2)
    .stderr_has("error: `colour` is not a field")
    .stderr_has("error: HTTP Method: `FOO`")
    .stderr_has("error: Retry Interval: must be between 1 and 86400")
    .stderr_has("error: URL: `/relative` is not an absolute URL");
    home.run(&["set", "Jira", "enabled=maybe", "authentication=kerberos"])
        .code(2)
        .stderr_has("error: Enabled: `maybe` is not yes or no")
        .stderr_has("error: Authentication: `kerberos` is not one of none, basic, oauth");
    home.run(&["set", "Jira", "url"])
        .code(2)
        .stderr_has("URL: give a value, as in url=VALUE");
    // The last of two would win unseen; `header` adds a row each time.
    home.run(&[
        "set",
        "Jira",
        "url=https://a.example.com/",
        "URL=https://b.example.com/",
    ])
    .code(2)
    .stderr_has("error: `url` is given twice: give each field once");
    // `:` typed for `=`: the value, a password here, is not repeated.
    let typo = home.run(&["set", "Jira", "password:hunter2"]);
    typo.code(2).stderr_has("`password…` is not a field");
    assert!(!typo.stderr.contains("hunter2"), "{}", typo.stderr);
    for pair in [
        ["header=X-C: 1", "http_headers=X-D: 2"],
        ["http_headers=X-E: 5", "header=X-F: 6"],
    ] {
        home.run(&[&["set", "Jira"][..], &pair].concat())
            .code(2)
            .stderr_has("`header` and `http_headers` both give the HTTP Headers");
    }
    assert_eq!(bytes(&home.integrations_file()), before);
    home.run(&["set", "Nothing", "url=https://x.example.com/"])
        .code(2)
        .stderr_has("no integration named `Nothing`");
}

#[test]
fn set_reads_a_secret_field_from_stdin() {
    let home = Home::new();
    home.add("Jira");
    home.run_with_stdin(
        &[
            "set",
            "Jira",
            "authentication=basic",
            "username=svc",
            "password",
        ],
        "from-stdin\n",
    )
    .ok();
    let Authentication::Basic { username, password } = home.stored("Jira").authentication else {
        panic!("not basic")
    };
    assert_eq!(
        (username.as_str(), password.expose()),
        ("svc", "from-stdin")
    );
    // Switching to OAuth without its fields is refused with every missing one.
    home.run(&["set", "Jira", "authentication=oauth"])
        .code(2)
        .stderr_has("Client ID: is required")
        .stderr_has("Client Secret: is required");
}

#[test]
fn set_reads_a_certificate_from_a_file() {
    let home = Home::new();
    home.add("Jira");
    let pem = valid_certificate();
    let file = home.file("cert.pem", &pem);
    home.run(&["set", "Jira", &format!("certificate=@{file}")])
        .ok();
    assert_eq!(
        home.stored("Jira").certificate.as_deref(),
        Some(pem.as_str())
    );
    home.run(&["show", "Jira"])
        .stdout_has("CN=jira.example.com")
        .stdout_has(&parse_pem(&pem).unwrap()[0].sha256_fingerprint);
    let text = home.file("text.pem", "not pem");
    home.run(&["set", "Jira", &format!("certificate=@{text}")])
        .code(2)
        .stderr_has("Certificate: is not PEM");
    home.run(&["set", "Jira", "certificate=@/no/such/file.pem"])
        .code(2);
    home.run(&["set", "Jira", "certificate="]).ok();
    assert_eq!(home.stored("Jira").certificate, None);
}

#[test]
fn set_refuses_a_name_taken_by_another_integration() {
    let home = Home::new();
    home.add("Jira");
    home.add("Teams");
    home.run(&["set", "Teams", "name=JIRA"])
        .code(2)
        .stderr_has("Name: an integration named `Jira` already exists");
}

// --- remove ---------------------------------------------------------------------------

#[test]
fn remove_takes_the_integration_away() {
    let home = Home::new();
    home.add("Jira");
    home.add("Teams");
    home.run(&["remove", "JIRA"])
        .ok()
        .stdout_has("removed Jira");
    let names = stored_names(&home);
    assert_eq!(names, ["Teams"]);
    home.run(&["remove", "Jira"])
        .code(2)
        .stderr_has("no integration named `Jira`");
}

/// The names in the home's integrations file, in its order.
fn stored_names(home: &Home) -> Vec<String> {
    home.store()
        .load()
        .unwrap()
        .integrations
        .into_iter()
        .map(|i| i.name)
        .collect()
}

#[test]
fn remove_forgets_the_authorization() {
    // Its grant would stay valid, and the tokens would pass to the next integration of
    // that name. No Revocation URL here: the person is told to revoke it themselves.
    use hookconsole::model::Secret;
    use hookconsole::store::{Authorization, TokenSet, TokenStore};
    let home = Home::new();
    add_full_oauth(&home);
    let tokens = TokenStore::new(home.path().join("tokens.yaml"));
    let authorized = Authorization::Authorized {
        tokens: TokenSet::bearer(Secret::new("access-1"), None, None, Vec::new()),
    };
    tokens.set("Jira OAuth", authorized).unwrap();
    home.run(&["remove", "Jira OAuth"])
        .ok()
        .stdout_has("removed Jira OAuth")
        .stdout_has("Forgot the authorization of `Jira OAuth` (no Revocation URL");
    assert_eq!(tokens.get("Jira OAuth").unwrap(), None);
}

/// `authorize --paste` has no listener: with standard input at its end before any
/// line (a script's `</dev/null`), nothing can ever come, and it says so at once
/// instead of waiting out the timeout.
#[test]
fn authorize_paste_with_nothing_on_standard_input_ends_at_once() {
    let home = Home::new();
    add_full_oauth(&home);
    home.run_with_stdin(
        &[
            "authorize",
            "Jira OAuth",
            "--paste",
            "--qr",
            "none",
            "--timeout",
            "60",
        ],
        "",
    )
    .code(1)
    .stderr_has("standard input ended")
    .stderr_has("Cancelled");
}

#[test]
fn remove_with_an_unreadable_token_store_removes_nothing() {
    // It removed the integration and failed on the tokens, which then stayed for the
    // next integration of that name to use.
    let home = Home::new();
    add_full_oauth(&home);
    std::fs::write(home.path().join("tokens.yaml"), "status: BROKEN\n").unwrap();
    home.run(&["remove", "Jira OAuth"])
        .code(2)
        .stderr_has("tokens.yaml");
    // Reading it and forgetting through it are the same bad file: exit 2 both.
    for args in [
        &["token", "Jira OAuth"][..],
        &["token", "Jira OAuth", "--forget"],
    ] {
        home.run(args).code(2).stderr_has("move it aside");
    }
    let names = stored_names(&home);
    assert_eq!(names, ["Jira OAuth"]);
}

// --- export and import ----------------------------------------------------------------

#[test]
fn export_leaves_secrets_out_unless_asked() {
    let home = Home::new();
    add_full_basic(&home);
    add_full_oauth(&home);
    for args in [&["export"][..], &["export", "--json"], &["export", "Jira"]] {
        let run = home.run(args);
        run.ok().stdout_has("svc-hiab");
        assert_no_secret(&run.stdout);
    }
    let run = home.run(&["export", "--with-secrets"]);
    run.ok();
    for secret in [BASIC_PASSWORD, HEADER_SECRET, CLIENT_SECRET] {
        assert!(
            run.stdout.contains(secret),
            "{secret} missing from --with-secrets"
        );
    }
    let json = home.run(&["export", "--json", "--with-secrets"]).json();
    assert_eq!(
        json["integrations"][1]["authentication"]["client_secret"],
        CLIENT_SECRET
    );
}

#[test]
fn import_of_an_export_restores_everything_and_keeps_stored_secrets() {
    let home = Home::new();
    add_full_basic(&home);
    add_full_oauth(&home);
    let before = home.store().load().unwrap().integrations;
    let export = home.run(&["export"]).stdout.clone();
    let file = home.file("export.yaml", &export);
    home.run(&[
        "set",
        "Jira",
        "retry_interval=5",
        "header=X-Api-Key: changed",
    ])
    .ok();
    home.run(&["set", "Jira OAuth", "scope=read"]).ok();
    home.run(&["import", &file])
        .ok()
        .stdout_has("imported: 0 added, 2 updated, 0 removed");
    let after = home.store().load().unwrap().integrations;
    // Everything as exported; the header secret is the one stored when imported.
    let mut expected = before.clone();
    expected[0].http_headers = vec![
        expected[0].http_headers[0].clone(),
        expected[0].http_headers[1].clone(),
        expected[0].http_headers[2].clone(),
        hookconsole::model::Header::new("X-Api-Key", "changed"),
    ];
    assert_eq!(after, expected);

    // Into an empty home, an export with secrets restores them all.
    let with_secrets = home.run(&["export", "--with-secrets"]).stdout.clone();
    let other = Home::new();
    let file = other.file("all.yaml", &with_secrets);
    other.run(&["import", &file]).ok().stdout_has("2 added");
    assert_eq!(other.store().load().unwrap().integrations, after);
    // Without secrets, the Basic one cannot send there: imported disabled, and said so.
    let third = Home::new();
    let file = third.file("bare.yaml", &export);
    third
        .run(&["import", &file])
        .ok()
        .stdout_has("`Jira` is disabled: the export left out Password");
    assert!(!third.store().load().unwrap().integrations[0].enabled);
}

#[test]
fn import_is_all_or_nothing() {
    let home = Home::new();
    home.add("Keep");
    let before = bytes(&home.integrations_file());
    let file = home.file(
        "import.yaml",
        "schema: 1
integrations:
- name: Good
  url: https://good.example.com/
- name: Bad
  url: https://bad.example.com/
  http_headers:
  - name: X-Note
    value: \"a\\r\\nb\"
- name: Worse
  url: ftp://worse.example.com/
",
    );
    // Every bad integration at once, each at its line.
    home.run(&["import", &file])
        .code(2)
        .stderr_has(&format!("{file}:7: integration `Bad`: HTTP Headers: row 1"))
        .stderr_has("line break")
        .stderr_has(&format!("{file}:11: integration `Worse`: URL"));
    assert_eq!(bytes(&home.integrations_file()), before);
    home.run(&["import", "--replace", &file]).code(2);
    assert_eq!(bytes(&home.integrations_file()), before);
}

#[test]
fn import_of_malformed_yaml_names_the_file_and_line() {
    let home = Home::new();
    let file = home.file(
        "broken.yaml",
        "schema: 1\nintegrations:\n- name: a\n  url: \"unterminated\n",
    );
    home.run(&["import", &file])
        .code(2)
        .stderr_has(&format!("{file}:"));
    let file = home.file("future.yaml", "schema: 7\nintegrations: []\n");
    home.run(&["import", &file])
        .code(2)
        .stderr_has(&format!("{file}:1:"))
        .stderr_has("schema 7");
    home.run(&["import", "/no/such/file.yaml"])
        .code(2)
        .stderr_has("/no/such/file.yaml");
}

#[test]
fn import_replace_removes_what_the_file_does_not_hold() {
    let home = Home::new();
    home.add("Old");
    home.add("Kept");
    let file = home.file(
        "new.yaml",
        "schema: 1\nintegrations:\n- name: kept\n  url: https://kept.example.com/\n- name: New\n  url: https://new.example.com/\n",
    );
    home.run(&["import", "--replace", &file])
        .ok()
        .stdout_has("imported: 1 added, 1 updated, 1 removed");
    let names = stored_names(&home);
    assert_eq!(names, ["kept", "New"]);
}

#[test]
fn import_of_an_empty_file_changes_nothing_even_with_replace() {
    let home = Home::new();
    home.add("Kept");
    let empty = home.file("empty.yaml", "");
    let comments = home.file("comments.yaml", "# cut short\n\n---\n");
    for args in [
        vec!["import", "--replace", empty.as_str()],
        vec!["import", "--replace", comments.as_str()],
        vec!["import", empty.as_str()],
    ] {
        home.run(&args).code(2).stderr_has("is empty");
    }
    home.run_with_stdin(&["import", "--replace", "-"], "\n")
        .code(2)
        .stderr_has("<stdin>: is empty");
    assert_eq!(home.store().load().unwrap().integrations.len(), 1);
    // Saying so in the document still removes them all.
    let none = home.file("none.yaml", "schema: 1\nintegrations: []\n");
    home.run(&["import", "--replace", &none])
        .ok()
        .stdout_has("imported: 0 added, 0 updated, 1 removed");
}

#[test]
fn import_from_stdin() {
    let home = Home::new();
    home.run_with_stdin(
        &["import", "-"],
        "schema: 1\nintegrations:\n- name: In\n  url: https://in.example.com/\n  retry_interval: 0\n",
    )
    .code(2)
    .stderr_has("<stdin>:5: integration `In`: Retry Interval");
}

// --- a broken integrations file ---------------------------------------------------------

#[test]
fn a_broken_integrations_file_is_reported_and_never_overwritten() {
    let home = Home::new();
    let broken =
        "schema: 1\nintegrations:\n- name: Jira\n  url: https://jira.example.com/\n  colour: red\n";
    fs::write(home.integrations_file(), broken).unwrap();
    let path = home.integrations_file().display().to_string();
    for args in [
        &["add", "--name", "New", "--url", "https://new.example.com/"][..],
        &["set", "Jira", "retry_interval=5"],
        &["remove", "Jira"],
        &["list"],
    ] {
        // A broken file is bad input, like a bad flag: exit 2.
        home.run(args)
            .code(2)
            .stderr_has(&format!("{path}:5:"))
            .stderr_has("unknown field `colour`");
    }
    let file = home.file("ok.yaml", "schema: 1\nintegrations: []\n");
    home.run(&["import", "--replace", &file]).code(2);
    assert_eq!(
        fs::read_to_string(home.integrations_file()).unwrap(),
        broken
    );
}

// --- callback URL and settings -----------------------------------------------------------

#[test]
fn callback_url_follows_the_hostname_then_the_ip_address() {
    let home = Home::new();
    home.run(&["settings", "hostname=HIAB.Example.com"]).ok();
    home.run(&["callback-url"])
        .ok()
        .stdout_has("https://hiab.example.com/portal/oauth\n");
    home.run(&["settings", "hostname=-", "ip_address=192.0.2.7"])
        .ok();
    let run = home.run(&["callback-url"]);
    assert_eq!(run.stdout, "https://192.0.2.7/portal/oauth\n");
    home.run(&["settings", "ip_address=2001:db8::7"]).ok();
    assert_eq!(
        home.run(&["callback-url"]).stdout,
        "https://[2001:db8::7]/portal/oauth\n"
    );
    home.run(&[
        "settings",
        "callback_url=http://127.0.0.1:8080/portal/oauth",
    ])
    .ok();
    assert_eq!(
        home.run(&["callback-url"]).stdout,
        "http://127.0.0.1:8080/portal/oauth\n"
    );
    home.run(&["settings"])
        .ok()
        .stdout_has("(none: the IP address is used)");
}

#[test]
fn bad_settings_are_refused_and_change_nothing() {
    let home = Home::new();
    home.run(&["settings", "hostname=hiab.example.com"]).ok();
    let settings = home.path().join("settings.yaml");
    let before = bytes(&settings);
    home.run(&[
        "settings",
        "ip_address=1.2.3",
        "hostname=bad host",
        "colour=red",
    ])
    .code(2)
    .stderr_has("ip_address: `1.2.3`")
    .stderr_has("hostname: `bad host`")
    .stderr_has("`colour` is not a setting");
    home.run(&["settings", "hostname"])
        .code(2)
        .stderr_has("is not KEY=VALUE");
    // `:` typed for `=`: the value, which may hold a password, is not repeated.
    let typo = home.run(&["settings", "proxy:http://user:s3cret@127.0.0.1:3128"]);
    typo.code(2).stderr_has("`proxy…` is not KEY=VALUE");
    assert!(!typo.stderr.contains("s3cret"), "{}", typo.stderr);
    home.run(&["settings", "concurrency=4", " concurrency=8"])
        .code(2)
        .stderr_has("`concurrency` is given twice: give each setting once");
    // With --json, the refusal names the setting; what was saved reads back as JSON.
    home.run(&["settings", "--json", "concurrency=0"])
        .code(2)
        .stderr_has("\"field\":\"concurrency\"");
    assert_eq!(bytes(&settings), before);
    let shown = home.run(&["settings", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&shown.ok().stdout).unwrap();
    assert_eq!(shown["stored"]["hostname"], "hiab.example.com", "{shown}");
    assert_eq!(
        shown["effective"]["callback_url"],
        "https://hiab.example.com/portal/oauth"
    );
    assert_eq!(shown["effective"]["max_attempts"], 10, "{shown}");
    for key in [
        "callback_bind",
        "callback_certificate",
        "callback_key",
        "proxy",
    ] {
        assert!(shown["effective"].get(key).is_some(), "{key}: {shown}");
    }
    assert_eq!(bytes(&settings), before);
    fs::write(&settings, "hostname: [\n").unwrap();
    home.run(&["callback-url"])
        .code(2)
        .stderr_has(&format!("{}:", settings.display()));
}

#[test]
fn full_basic_fixture_matches_what_add_stores() {
    // The model fixture and the CLI agree on what "every field" is.
    let home = Home::new();
    add_full_basic(&home);
    let mut expected = full_basic("Jira");
    let stored = home.stored("Jira");
    expected.certificate = stored.certificate.clone();
    assert_eq!(stored, expected);
}

#[test]
fn concurrent_processes_each_keep_their_integration() {
    let home = Home::new();
    let children: Vec<_> = (0..8)
        .map(|n| {
            hookconsole(home.path())
                .args([
                    "add",
                    "--name",
                    &format!("p{n}"),
                    "--url",
                    "https://p.example.com/",
                ])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let mut names: Vec<String> = home
        .store()
        .load()
        .unwrap()
        .integrations
        .into_iter()
        .map(|i| i.name)
        .collect();
    names.sort();
    assert_eq!(names, (0..8).map(|n| format!("p{n}")).collect::<Vec<_>>());
}

// --- output nobody reads -----------------------------------------------------------------

/// `hookconsole settings | grep -q …` and `hookconsole logs | head`: the reader goes
/// away before the command has written everything. That ends the command quietly with
/// status 0, as `head` and `grep -q` expect, instead of a panic on stderr.
#[test]
fn a_closed_pipe_ends_quietly_and_a_failed_write_is_an_error() {
    let home = Home::new();
    home.add("piped");
    let commands: [&[&str]; 8] = [
        &["settings"],
        &["list"],
        &["list", "--json"],
        &["show", "piped"],
        &["export"],
        &["logs"],
        &["completions", "bash"],
        &["man"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        // Closed before the command starts, so its very first write finds no reader.
        drop(reader);
        let output = hookconsole(home.path())
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} said on stderr: {stderr}");
    }
    // Output that cannot be written for another reason is a failure, named.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    for args in [&["settings"][..], &["list"], &["logs"], &["export"]] {
        let output = hookconsole(home.path())
            .args(args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("writing standard output"),
            "{args:?}: {stderr}"
        );
    }
}
