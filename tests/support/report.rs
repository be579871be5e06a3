//! Verify helpers: an integration with a JSON sample, quick options, the outcome.

use std::time::Duration;

use hookconsole::delivery::{
    Failure, NoTokens, Outcome, Stage, VerifyReport, report_lines, verify,
};
use hookconsole::http::{HttpOptions, ProxyRules};
use hookconsole::model::Integration;
use tokio_util::sync::CancellationToken;

pub const SAMPLE: &str = r#"{"event":"scan finished","findings":3}"#;

pub fn integration(url: &str) -> Integration {
    let mut integration = Integration::new("receiver", url);
    integration.content_sample = SAMPLE.into();
    integration
}

pub fn options() -> HttpOptions {
    HttpOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        proxy: ProxyRules::direct(),
        ..HttpOptions::default()
    }
}

pub async fn run(integration: &Integration) -> VerifyReport {
    run_with(integration, &options()).await
}

pub async fn run_with(integration: &Integration, options: &HttpOptions) -> VerifyReport {
    verify(
        integration,
        options,
        &hookconsole::template::Appliance::new("hiab-test"),
        &NoTokens,
        CancellationToken::new(),
    )
    .await
}

/// The failure class and stage, or a panic showing the whole report.
pub fn failure(report: &VerifyReport) -> (Failure, Stage, String) {
    match &report.outcome {
        Outcome::NotDelivered {
            failure,
            stage,
            advice,
            ..
        } => (failure.clone(), *stage, advice.clone()),
        other => panic!("expected a failure, got {other:?}\n{}", text(report)),
    }
}

pub fn text(report: &VerifyReport) -> String {
    report_lines(report).join("\n")
}

pub fn assert_delivered(report: &VerifyReport) {
    assert!(report.delivered(), "{}", text(report));
}

/// A log sink for `tracing`, to read back what was logged.
#[derive(Clone, Default)]
pub struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLog {
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
