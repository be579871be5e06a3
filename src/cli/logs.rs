//! `logs [NAME] [--failed] [--since …] [--grep TEXT] [--json] [--follow]`: the attempt
//! log, oldest of the shown page first, as table lines or JSON lines.

use std::io::Write;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{CliError, CliResult};
use crate::home::Home;
use crate::store::queue::{AttemptRow, LogFilter, LogOutcome, now_ms};
use crate::store::{Locations, Queue};

const FOLLOW_POLL: Duration = Duration::from_millis(500);

pub struct LogsArgs {
    pub name: Option<String>,
    pub failed: bool,
    pub since: Option<String>,
    pub grep: Option<String>,
    pub limit: usize,
    pub json: bool,
    pub follow: bool,
}

pub fn logs(locations: &Locations, args: LogsArgs) -> CliResult {
    let since_ms = args.since.as_deref().map(parse_since).transpose()?;
    let queue = Queue::open(&locations.queue_database()).map_err(anyhow::Error::from)?;
    let integration = match &args.name {
        Some(name) => Some(logged_name(locations, &queue, name)?),
        None => None,
    };
    let filter = LogFilter {
        integration,
        outcome: args.failed.then_some(LogOutcome::Failed),
        text: args.grep.clone(),
        since_ms,
    };
    let page = queue
        .log_page(&filter, None, args.limit.max(1))
        .map_err(anyhow::Error::from)?;
    let mut last = page.rows.first().map(|row| row.id).unwrap_or(0);
    if page.rows.is_empty() && args.follow {
        last = queue.last_attempt_id().map_err(anyhow::Error::from)?;
    }
    // A reader that went away (`| head`) ends the command quietly; any other write
    // error (a full disk) is a failure, not a log silently cut short.
    let mut out = std::io::stdout().lock();
    for row in page.rows.iter().rev() {
        print(&mut out, row, args.json)?;
    }
    if page.rows.is_empty() && !args.json && !args.follow {
        writeln!(out, "no attempts logged").map_err(super::output_error)?;
    }
    if !args.follow {
        return Ok(());
    }
    loop {
        out.flush().map_err(super::output_error)?;
        std::thread::sleep(FOLLOW_POLL);
        let rows = queue
            .log_after(&filter, last, 1000)
            .map_err(anyhow::Error::from)?;
        for row in &rows {
            last = row.id;
            print(&mut out, row, args.json)?;
        }
    }
}

/// The name `logs NAME` filters by: the integration's as the integrations file spells
/// it (names match without regard to case), or one only the log still has (an
/// integration removed since). Any other name is unknown, as for every command; when
/// the integrations file cannot be read, the log is still shown.
fn logged_name(locations: &Locations, queue: &Queue, name: &str) -> Result<String, CliError> {
    let Ok(catalog) = Home::new(locations).catalog() else {
        return Ok(name.to_string());
    };
    if let Some(integration) = catalog.get(name) {
        return Ok(integration.name.clone());
    }
    let only_name = LogFilter {
        integration: Some(name.to_string()),
        ..LogFilter::default()
    };
    let logged = queue
        .log_page(&only_name, None, 1)
        .map_err(anyhow::Error::from)?;
    if logged.rows.is_empty() {
        return Err(CliError::unknown_integration(name));
    }
    Ok(name.to_string())
}

fn print(out: &mut impl Write, row: &AttemptRow, json: bool) -> std::io::Result<()> {
    let written = if json {
        let text = serde_json::to_string(row).map_err(std::io::Error::other)?;
        writeln!(out, "{text}")
    } else {
        writeln!(out, "{}", line(row))
    };
    written.map_err(super::output_error)
}

/// One attempt as a table line: time, #id, integration, event, n/max, outcome, class,
/// status, duration, next retry, summary.
pub fn line(row: &AttemptRow) -> String {
    let status = row
        .status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".into());
    let next = row
        .next_retry_ms
        .map(|at| format!(" next {}", clock(at)))
        .unwrap_or_default();
    format!(
        "{} #{:<6} {:<16} {} {:<18} {}/{} {:<9} {:<18} {:>3} {:>6} ms{} {}",
        stamp(row.at_ms),
        row.id,
        row.integration,
        row.event_id,
        row.event_type,
        row.attempt,
        row.max_attempts,
        row.outcome,
        row.error_class.as_deref().unwrap_or("-"),
        status,
        row.duration_ms,
        next,
        sanitize(&row.summary),
    )
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn stamp(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(format).ok())
        .unwrap_or_else(|| ms.to_string())
}

fn clock(ms: i64) -> String {
    let format = time::macros::format_description!("[hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(format).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// `30s`, `15m`, `2h`, `3d` ago, or an RFC 3339 time.
fn parse_since(text: &str) -> Result<i64, CliError> {
    let text = text.trim();
    let units = [
        ('s', 1_000),
        ('m', 60_000),
        ('h', 3_600_000),
        ('d', 86_400_000),
    ];
    for (unit, ms) in units {
        if let Some(number) = text.strip_suffix(unit)
            && let Ok(number) = number.parse::<i64>()
        {
            return Ok(now_ms() - number * ms);
        }
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|at| (at.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            CliError::input(format!(
                "--since: `{text}` is not 30s, 15m, 2h, 3d or an RFC 3339 time"
            ))
        })
}
