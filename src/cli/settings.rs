//! `callback-url` and `settings`.

use super::{CliError, CliResult, Problem, quoted_key};
use crate::home::{Home, SettingsChangeError};
use crate::model::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, SettingError, Settings};
use crate::store::{MachineIdentity, SettingsStore, callback_url as rule};

pub fn callback_url(home: &Home) -> CliResult {
    say!("{}", home.callback_url()?)?;
    Ok(())
}

pub fn settings(home: &Home, changes: &[String], json: bool) -> CliResult {
    let store = home.settings_store();
    let settings = if changes.is_empty() {
        store.load()?
    } else {
        let mut pairs = Vec::new();
        for change in changes {
            let (key, value) = change.split_once('=').ok_or_else(|| {
                CliError::input(format!("{} is not KEY=VALUE", quoted_key(change)))
            })?;
            let key = key.trim().to_string();
            if pairs.iter().any(|(given, _)| *given == key) {
                // The last would win unseen.
                return Err(CliError::Input(vec![
                    Problem::new(format!("`{key}` is given twice: give each setting once"))
                        .with_field(key),
                ]));
            }
            pairs.push((key, value.to_string()));
        }
        home.change_settings(&pairs).map_err(|error| match error {
            SettingsChangeError::Invalid(refused) => {
                let problem = |error: &SettingError| {
                    Problem::new(error.to_string()).with_field(error.key.clone())
                };
                CliError::Input(refused.iter().map(problem).collect())
            }
            SettingsChangeError::Store(error) => error.into(),
        })?
    };
    if json {
        super::output::print_json(&settings_json(&settings, store))?;
    } else {
        print_settings(&settings, store)?;
    }
    Ok(())
}

/// `settings --json`: the file, what it holds (`stored`: a key left out is unset),
/// and what is in effect, defaults included.
fn settings_json(settings: &Settings, store: &SettingsStore) -> serde_json::Value {
    let machine = MachineIdentity::detect();
    serde_json::json!({
        "file": store.path(),
        "stored": settings,
        "proxy_credentials_file": settings
            .proxy_credentials
            .as_ref()
            .map(|_| store.credentials_path()),
        "effective": {
            "hostname": match &settings.hostname {
                Some(name) if name.is_empty() => None,
                Some(name) => Some(name.clone()),
                None => machine.hostname.clone(),
            },
            "ip_address": settings.ip_address.or(machine.primary_ip),
            "callback_url": rule(settings, &machine),
            // null: the default, as `settings` words it (all addresses on the callback
            // URL's port; a self-signed certificate; the proxy environment variables).
            "callback_bind": settings.callback_bind,
            "callback_certificate": settings.callback_certificate,
            "callback_key": settings.callback_key,
            "proxy": settings.shown_proxy(),
            "connect_timeout": settings.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            "request_timeout": settings.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            "max_attempts": settings.effective_max_attempts(),
            "retention_days": settings.effective_retention_days(),
            "retention_rows": settings.effective_retention_rows(),
            "concurrency": settings.effective_concurrency(),
            "concurrency_per_integration": settings.effective_concurrency_per_integration(),
            "socket_max_connections": settings.effective_socket_max_connections(),
            "socket_max_line_bytes": settings.effective_socket_max_line_bytes(),
            "socket_idle_timeout": settings.effective_socket_idle_timeout(),
            "allow_link_local_destinations":
                settings.allow_link_local_destinations.unwrap_or(false),
        },
    })
}

fn print_settings(settings: &Settings, store: &SettingsStore) -> std::io::Result<()> {
    let machine = MachineIdentity::detect();
    let shown = |value: Option<String>, default: String| match value {
        Some(value) => value,
        None => format!("(default: {default})"),
    };
    say!("settings file  {}", store.path().display())?;
    say!(
        "hostname       {}",
        match &settings.hostname {
            Some(name) if name.is_empty() => "(none: the IP address is used)".to_string(),
            other => shown(
                other.clone(),
                machine.hostname.clone().unwrap_or_else(|| "none".into())
            ),
        }
    )?;
    say!(
        "ip_address     {}",
        shown(
            settings.ip_address.map(|ip| ip.to_string()),
            machine
                .primary_ip
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "none found".into())
        )
    )?;
    say!("callback_url   {}", rule(settings, &machine))?;
    say!(
        "callback_bind  {}",
        shown(
            settings.callback_bind.clone(),
            "all addresses, the callback URL's port".into()
        )
    )?;
    say!(
        "callback_certificate {}",
        shown(
            settings
                .callback_certificate
                .as_ref()
                .map(|p| p.display().to_string()),
            "self-signed, made on first use".into()
        )
    )?;
    say!(
        "callback_key   {}",
        shown(
            settings
                .callback_key
                .as_ref()
                .map(|p| p.display().to_string()),
            "with the self-signed certificate".into()
        )
    )?;
    say!(
        "connect_timeout {}",
        shown(
            settings.connect_timeout.map(|s| format!("{s} s")),
            format!("{DEFAULT_CONNECT_TIMEOUT} s")
        )
    )?;
    say!(
        "request_timeout {}",
        shown(
            settings.request_timeout.map(|s| format!("{s} s")),
            format!("{DEFAULT_REQUEST_TIMEOUT} s")
        )
    )?;
    say!(
        "proxy          {}",
        shown(
            settings.shown_proxy(),
            "HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment".into()
        )
    )?;
    if settings.proxy_credentials.is_some() {
        say!(
            "               (its user name and password are kept in {}, mode 0600)",
            store.credentials_path().display()
        )?;
    }
    let numbers = [
        (
            "max_attempts",
            settings.max_attempts.map(u64::from),
            settings.effective_max_attempts().into(),
        ),
        (
            "retention_days",
            settings.retention_days.map(u64::from),
            settings.effective_retention_days().into(),
        ),
        (
            "retention_rows",
            settings.retention_rows,
            settings.effective_retention_rows(),
        ),
        (
            "concurrency",
            settings.concurrency.map(u64::from),
            settings.effective_concurrency().into(),
        ),
        (
            "concurrency_per_integration",
            settings.concurrency_per_integration.map(u64::from),
            settings.effective_concurrency_per_integration().into(),
        ),
        (
            "socket_max_connections",
            settings.socket_max_connections.map(u64::from),
            settings.effective_socket_max_connections().into(),
        ),
        (
            "socket_max_line_bytes",
            settings.socket_max_line_bytes.map(u64::from),
            settings.effective_socket_max_line_bytes().into(),
        ),
    ];
    for (key, value, effective) in numbers {
        say!(
            "{key} {}",
            shown(value.map(|v| v.to_string()), effective.to_string())
        )?;
    }
    say!(
        "socket_idle_timeout {}",
        shown(
            settings.socket_idle_timeout.map(|s| format!("{s} s")),
            format!("{} s", settings.effective_socket_idle_timeout())
        )
    )?;
    say!(
        "allow_link_local_destinations {}",
        shown(
            settings
                .allow_link_local_destinations
                .map(|allowed| allowed.to_string()),
            "false: link-local and cloud metadata destinations are refused".into()
        )
    )?;
    Ok(())
}
