//! Proxy credentials (issue 15, item 8): `settings proxy=http://user:pw@host:port` keeps
//! the credentials with the other secrets (a 0600 file in the home), not in the
//! group-readable settings file; `settings` shows them masked; deliveries and VERIFY
//! still authenticate to the proxy with them.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::Engine;
use hookconsole::model::Integration;
use support::*;

const PASSWORD: &str = "pw-PROXY-7f3a";

/// Every file under `dir` whose bytes hold `secret`, with its mode.
fn files_holding(dir: &Path, secret: &str) -> Vec<(String, u32)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, secret));
        } else if std::fs::read(&path)
            .unwrap()
            .windows(secret.len())
            .any(|window| window == secret.as_bytes())
        {
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            found.push((path.file_name().unwrap().to_string_lossy().into(), mode));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_credentials_are_kept_0600_shown_masked_and_used() {
    let home = tempfile::tempdir().unwrap();
    let receiver = http_server(answer(200)).await;
    let via = relay(receiver.addr).await;
    let document =
        hookconsole::store::to_document(&[Integration::new("r", "http://receiver.example/hook")])
            .unwrap();
    std::fs::write(home.path().join("integrations.yaml"), document).unwrap();

    let proxy = format!("http://squid:{PASSWORD}@{}", via.addr);
    let set = output_async(home.path(), &["settings", &format!("proxy={proxy}")]).await;
    let shown = String::from_utf8_lossy(&set.stdout).to_string();
    assert!(set.status.success(), "{set:?}");
    let masked = format!("squid:********@{}", via.addr);
    assert!(shown.contains(&masked), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    let settings = std::fs::read_to_string(home.path().join("settings.yaml")).unwrap();
    assert!(!settings.contains(PASSWORD), "{settings}");
    assert!(settings.contains(&via.addr.to_string()), "{settings}");
    let holders = files_holding(home.path(), PASSWORD);
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_eq!(holders[0].1, 0o600, "{holders:?}");

    let listed = output_async(home.path(), &["settings"]).await;
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.contains(&masked) && !listed.contains(PASSWORD),
        "{listed}"
    );

    // VERIFY goes through the proxy with the credentials.
    let verify = output_async(home.path(), &["verify", "r"]).await;
    let report = String::from_utf8_lossy(&verify.stdout).to_string();
    assert_eq!(verify.status.code(), Some(0), "{report}");
    assert!(!report.contains(PASSWORD), "{report}");
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("squid:{PASSWORD}"))
    );
    assert_eq!(
        receiver.received()[0].header("proxy-authorization"),
        Some(expected.as_str())
    );
    let log = std::fs::read_to_string(home.path().join("logs/hookconsole.log")).unwrap();
    assert!(!log.contains(PASSWORD), "{log}");

    // Another proxy without credentials: the old ones go.
    let direct = output_async(home.path(), &["settings", "proxy=none"]).await;
    assert!(direct.status.success(), "{direct:?}");
    assert_eq!(files_holding(home.path(), PASSWORD), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_an_older_version_wrote_into_settings_are_masked_and_moved() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("settings.yaml"),
        format!("proxy: http://squid:{PASSWORD}@proxy.example.com:3128\n"),
    )
    .unwrap();
    let listed = output_async(home.path(), &["settings"]).await;
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.contains("squid:********@proxy.example.com:3128") && !listed.contains(PASSWORD),
        "{listed}"
    );
    // The next change of any setting moves them out of settings.yaml.
    let set = output_async(home.path(), &["settings", "connect_timeout=5"]).await;
    assert!(set.status.success(), "{set:?}");
    let holders = files_holding(home.path(), PASSWORD);
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_ne!(holders[0].0, "settings.yaml");
    assert_eq!(holders[0].1, 0o600);
    let listed = output_async(home.path(), &["settings"]).await;
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.contains("squid:********@proxy.example.com:3128"),
        "{listed}"
    );
}
