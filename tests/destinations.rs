//! Link-local and cloud-metadata destinations, and credentials over plain HTTP, as the
//! CLI and the worker meet them: refused by `add`/`set` (numeric host forms
//! normalised first) unless `allow_link_local_destinations` is set, refused again at
//! delivery; credentials to a plain http:// host other than this machine only warned
//! about.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookconsole::delivery::{Credential, DeliveryRequest, Failure, Stage, send};
use hookconsole::http::{HttpOptions, Resolver, build_client};
use hookconsole::model::{Authentication, DestinationPolicy, Integration, Secret};
use hookconsole::store::queue::{LogFilter, NewEvent};
use hookconsole::store::{Locations, Queue};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use support::{cli, stderr_of, stdout_of};

/// The message stamp of the requests built here (what VERIFY and deliveries add).
const STAMP: hookconsole::delivery::WebhookStamp = hookconsole::delivery::WebhookStamp {
    id: "evt_test",
    timestamp: 1_700_000_000,
};

fn new_home() -> (tempfile::TempDir, Locations) {
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::in_home(dir.path());
    (dir, locations)
}

fn add_args(url: &str) -> Vec<&str> {
    vec!["add", "--name", "hook", "--url", url]
}

/// Metadata services and link-local addresses, literally and in the numeric forms
/// an attacker would use (hex, a single decimal number, octal, IPv4-mapped IPv6).
const REFUSED: [&str; 13] = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/",
    "http://metadata.goog/computeMetadata/v1/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://168.63.129.16/machine?comp=goalstate",
    "http://0xa9fea9fe/latest/meta-data/",
    "http://2852039166/latest/meta-data/",
    "http://0251.0376.0251.0376/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://[fe80::1]:8080/hook",
    "https://169.254.10.20/hook",
];

#[test]
fn add_refuses_link_local_and_metadata_destinations() {
    let (dir, locations) = new_home();
    for url in REFUSED {
        let stderr = stderr_of(cli(&dir).args(add_args(url)), 2);
        assert!(stderr.contains("URL: "), "{url}: {stderr}");
        assert!(
            stderr.contains("link-local") || stderr.contains("metadata"),
            "{url}: {stderr}"
        );
        assert!(
            stderr.contains("allow_link_local_destinations"),
            "{url}: says how to allow it: {stderr}"
        );
    }
    assert!(!locations.integrations_file().exists());
}

#[test]
fn numeric_forms_of_loopback_and_private_addresses_stay_allowed() {
    for url in [
        "http://2130706433:9/hook",
        "http://0x7f000001:9/hook",
        "http://127.1:9/hook",
        "http://[::1]:9/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.20:8080/hook",
        "http://[fd00::5]/hook",
    ] {
        let (dir, _locations) = new_home();
        stdout_of(&dir, &add_args(url));
    }
}

#[test]
fn set_and_the_oauth_urls_are_checked_too() {
    let (dir, _locations) = support::home_with_jira("https://jira.example.com/", |_| {});
    let stderr = stderr_of(
        cli(&dir).args(["set", "jira", "url=http://169.254.169.254/latest/"]),
        2,
    );
    assert!(stderr.contains("URL: "), "{stderr}");
    let stderr = stderr_of(
        cli(&dir).args([
            "add",
            "--name",
            "oauth",
            "--url",
            "https://hooks.example.com/in",
            "--client-id",
            "id",
            "--client-secret",
            "secret",
            "--token-url",
            "https://169.254.169.254/token",
            "--authorize-url",
            "https://login.example.com/authorize",
            "--revocation-url",
            "https://metadata.google.internal/revoke",
        ]),
        2,
    );
    assert!(stderr.contains("Token URL: "), "{stderr}");
    assert!(stderr.contains("Revocation URL: "), "{stderr}");
}

#[test]
fn the_setting_allows_link_local_destinations() {
    let (dir, _locations) = new_home();
    stdout_of(&dir, &["settings", "allow_link_local_destinations=true"]);
    stdout_of(&dir, &add_args("http://169.254.169.254/latest/meta-data/"));
    let settings = stdout_of(&dir, &["settings"]);
    assert!(
        settings.contains("allow_link_local_destinations"),
        "{settings}"
    );
}

#[test]
fn credentials_over_plain_http_to_another_host_are_warned_about() {
    let (dir, _locations) = new_home();
    let basic = |url: &str, name: &str| {
        let output = cli(&dir)
            .args([
                "add",
                "--name",
                name,
                "--url",
                url,
                "--username",
                "svc",
                "--password",
                "basic-password-value",
            ])
            .assert()
            .code(0)
            .get_output()
            .stderr
            .clone();
        String::from_utf8(output).unwrap()
    };
    let stderr = basic("http://receiver.example.com/hook", "plain");
    assert!(stderr.contains("warning: "), "{stderr}");
    assert!(stderr.contains("plain http://"), "{stderr}");
    assert!(stderr.contains("Basic"), "{stderr}");
    assert!(!stderr.contains("basic-password-value"), "{stderr}");
    for (url, name) in [
        ("https://receiver.example.com/hook", "tls"),
        ("http://127.0.0.1:9/hook", "loopback"),
    ] {
        let stderr = basic(url, name);
        assert!(!stderr.contains("plain http"), "{stderr}");
    }

    let output = cli(&dir)
        .args([
            "add",
            "--name",
            "header",
            "--url",
            "http://10.0.0.8/hook",
            "--header",
            "Authorization: Bearer header-token-value",
        ])
        .assert()
        .code(0)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(output).unwrap();
    assert!(stderr.contains("warning: "), "{stderr}");
    assert!(stderr.contains("Authorization"), "{stderr}");
    assert!(!stderr.contains("header-token-value"), "{stderr}");

    let output = cli(&dir)
        .args(["set", "tls", "url=http://receiver.example.com/hook"])
        .assert()
        .code(0)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(output).unwrap();
    assert!(stderr.contains("plain http://"), "{stderr}");
}

fn write_file(locations: &Locations, url: &str) {
    let text =
        format!("schema: 2\nintegrations:\n- name: hook\n  url: {url}\n  retry_interval: 1\n");
    fs::write(locations.integrations_file(), text).unwrap();
}

/// A file that names a metadata address (by hand, or before the setting was turned
/// off) loads, but nothing is sent there: the worker holds the events with the reason,
/// `list` marks the integration, VERIFY refuses it as invalid input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_metadata_url_holds_its_events_and_verify_refuses_it() {
    let (dir, locations) = new_home();
    write_file(&locations, "http://[::ffff:a9fe:a9fe]:9/latest/meta-data/");
    let stderr = stderr_of(cli(&dir).args(["verify", "hook"]), 2);
    assert!(stderr.contains("URL: "), "{stderr}");
    assert!(stderr.contains("169.254.169.254"), "{stderr}");
    let list = stdout_of(&dir, &["list"]);
    assert!(list.contains("! hook"), "{list}");
    let show = stdout_of(&dir, &["show", "hook"]);
    assert!(
        show.contains(
            "deliveries are held: invalid configuration: URL: goes to ::ffff:169.254.169.254"
        ),
        "{show}"
    );

    let mut queue = Queue::open(&locations.queue_database()).unwrap();
    queue
        .enqueue(&[NewEvent {
            id: None,
            integration: "hook".into(),
            event_type: "scan.finished".into(),
            payload: "{}".into(),
            fingerprint: None,
        }])
        .unwrap();
    let worker = support::start_worker(&locations, false);
    let start = Instant::now();
    while !queue
        .counts()
        .unwrap()
        .iter()
        .any(|(state, count)| state == "held" && *count == 1)
    {
        assert!(start.elapsed() < Duration::from_secs(10), "not held");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    worker.stop().await;
    let rows = queue
        .log_page(&LogFilter::default(), None, 10)
        .unwrap()
        .rows;
    assert!(rows.is_empty(), "no attempt was made");

    // Where the setting allows it, the same file is delivered to (not tried here: it
    // is not a loopback address); `list` no longer marks it.
    stdout_of(&dir, &["settings", "allow_link_local_destinations=yes"]);
    let list = stdout_of(&dir, &["list"]);
    assert!(!list.contains('!'), "{list}");
}

/// Answers for names the test makes up, as a DNS server would: the destination check
/// runs on what a name resolves to, and these names resolve where the test says.
struct TestNames(Vec<(&'static str, IpAddr)>);

impl Resolve for TestNames {
    fn resolve(&self, name: Name) -> Resolving {
        let found = self
            .0
            .iter()
            .find(|(known, _)| *known == name.as_str())
            .map(|(_, ip)| *ip);
        Box::pin(async move {
            let ip = found.ok_or("no such name")?;
            let addresses: Addrs = Box::new(std::iter::once(SocketAddr::new(ip, 0)));
            Ok(addresses)
        })
    }
}

fn options_resolving_test_names() -> HttpOptions {
    let names = TestNames(vec![
        ("receiver.test", "127.0.0.1".parse().unwrap()),
        ("metadata.test", "169.254.169.254".parse().unwrap()),
        ("mapped.test", "::ffff:169.254.169.254".parse().unwrap()),
        ("link.test", "fe80::1".parse().unwrap()),
    ]);
    HttpOptions {
        resolver: Resolver::custom(Arc::new(names)),
        ..support::options()
    }
}

/// The name is looked up through the hook: `receiver.test` is delivered only because
/// the hook resolved it; names that resolve to metadata or link-local addresses are
/// refused before any connection.
#[tokio::test]
async fn a_delivery_to_a_name_that_resolves_to_a_refused_address_is_refused() {
    let server = support::receiver(support::always(200), false).await;
    let port = server.addr.port();
    let options = options_resolving_test_names();
    let send = |host: &str| {
        let integration = Integration::new("hook", format!("http://{host}:{port}/hook"));
        let options = options.clone();
        async move {
            let client = build_client(&integration, &options).unwrap();
            let request =
                DeliveryRequest::build(&integration, "{}", &Credential::None, STAMP).unwrap();
            send(&client, &request).await
        }
    };
    let delivered = send("receiver.test").await.unwrap();
    assert_eq!(delivered.status, 200);
    assert_eq!(server.requests(), 1);
    for (host, address) in [
        ("metadata.test", "169.254.169.254"),
        ("mapped.test", "::ffff:169.254.169.254"),
        ("link.test", "fe80::1"),
    ] {
        let refused = send(host).await.unwrap_err();
        assert_eq!(
            (refused.failure, refused.stage),
            (Failure::DestinationRefused, Stage::Resolve),
            "{host}: {}",
            refused.summary
        );
        assert!(
            refused.summary.starts_with(&format!(
                "destination refused: `{host}` resolves to {address}"
            )),
            "{}",
            refused.summary
        );
    }
    let unknown = send("nowhere.test").await.unwrap_err();
    assert_eq!(
        (unknown.failure, unknown.stage),
        (Failure::Dns, Stage::Resolve),
        "{}",
        unknown.summary
    );
    assert!(
        unknown.summary.contains("no such name"),
        "{}",
        unknown.summary
    );
    assert_eq!(server.requests(), 1, "nothing else reached a receiver");
}

/// VERIFY resolves by itself (to time the stage) through the same resolver, shows
/// where the name led, and refuses it there.
#[tokio::test]
async fn verify_refuses_a_name_that_resolves_to_a_metadata_address() {
    let server = support::receiver(support::always(200), false).await;
    let port = server.addr.port();
    let options = options_resolving_test_names();
    let hook = support::integration(&format!("http://metadata.test:{port}/hook"));
    let report = support::run_with(&hook, &options).await;
    let (failure, stage, advice) = support::failure(&report);
    assert_eq!(
        (failure, stage),
        (Failure::DestinationRefused, Stage::Resolve)
    );
    assert!(advice.contains("allow_link_local_destinations"), "{advice}");
    let resolve = report.resolve.as_ref().unwrap();
    assert_eq!(
        resolve.addresses,
        ["169.254.169.254".parse::<IpAddr>().unwrap()]
    );
    assert!(report.connect.is_none(), "no connection was tried");
    let text = support::text(&report);
    assert!(
        text.contains("destination refused: `metadata.test`"),
        "{text}"
    );

    let fine = support::integration(&format!("http://receiver.test:{port}/hook"));
    support::assert_delivered(&support::run_with(&fine, &options).await);
    assert_eq!(server.requests(), 1);
}

/// Through the system's resolver too: `localhost` is looked up by the guarded resolver
/// and delivered (loopback is allowed).
#[tokio::test]
async fn names_resolved_by_the_system_still_reach_loopback_receivers() {
    let server = support::receiver(support::always(200), false).await;
    let hook = Integration::new(
        "hook",
        format!("http://localhost:{}/hook", server.addr.port()),
    );
    let client = build_client(&hook, &HttpOptions::default()).unwrap();
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None, STAMP).unwrap();
    assert_eq!(send(&client, &request).await.unwrap().status, 200);
}

/// A literal address is never resolved: the client is not even built for it.
#[test]
fn no_client_is_built_for_a_literal_metadata_address() {
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://metadata.google.internal/",
    ] {
        let hook = Integration::new("hook", url);
        let error = build_client(&hook, &HttpOptions::default()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("destination refused: the URL goes to"),
            "{url}: {error}"
        );
    }
    let allowed = HttpOptions {
        destinations: DestinationPolicy {
            allow_link_local: true,
        },
        ..HttpOptions::default()
    };
    let hook = Integration::new("hook", "http://169.254.169.254/latest/meta-data/");
    assert!(build_client(&hook, &allowed).is_ok());
}

/// VERIFY's report warns when credentials go over plain HTTP to a host other than this
/// machine, and still delivers.
#[tokio::test]
async fn verify_warns_about_credentials_over_plain_http() {
    let server = support::receiver(support::always(200), false).await;
    let options = options_resolving_test_names();
    let mut hook =
        support::integration(&format!("http://receiver.test:{}/hook", server.addr.port()));
    hook.authentication = Authentication::Basic {
        username: "svc".into(),
        password: Secret::new("basic-password-value"),
    };
    let report = support::run_with(&hook, &options).await;
    support::assert_delivered(&report);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let text = support::text(&report);
    assert!(
        text.contains("warning   URL: sends the Basic authentication credentials over plain http:// to receiver.test"),
        "{text}"
    );
    assert!(!text.contains("basic-password-value"), "{text}");
}
