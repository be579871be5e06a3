//! Every preset's content sample renders, for a finding and for an event without one,
//! into the JSON its receiver expects: a Jira API v2 issue, a Teams Adaptive Card.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use hookconsole::model::{presets, validate};
use hookconsole::template::{Appliance, Event, render, sample_event};

fn scan_finished() -> Event {
    let mut fields = serde_json::Map::new();
    fields.insert(
        "scan".into(),
        serde_json::json!({"name": "Nightly \"internal\" scan"}),
    );
    Event {
        id: "evt_1".into(),
        event_type: "scan.finished".into(),
        time: time::OffsetDateTime::UNIX_EPOCH,
        fields,
    }
}

fn rendered(key: &str, event: &Event) -> serde_json::Value {
    let preset = presets().iter().find(|p| p.key == key).unwrap();
    let text = render(
        &preset.with_defaults().content_sample,
        event,
        &Appliance::new("hiab-1"),
    )
    .unwrap_or_else(|error| panic!("{key}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{key}: {error}\n{text}"))
}

#[test]
fn every_preset_sample_is_valid_for_its_own_fields() {
    for preset in presets() {
        let mut integration = preset.with_defaults();
        integration.name = "x".into();
        let report = validate(&integration, time::OffsetDateTime::now_utc());
        let sample_errors: Vec<_> = report
            .errors
            .iter()
            .filter(|e| e.field == hookconsole::model::Field::ContentSample)
            .collect();
        assert!(
            sample_errors.is_empty(),
            "{}: {sample_errors:?}",
            preset.key
        );
        let warnings: Vec<_> = report
            .warnings
            .iter()
            .filter(|e| e.field == hookconsole::model::Field::ContentSample)
            .collect();
        // The generic preset has no sample: the person writes one (or the scanner
        // sends each event's payload), and saving says what an empty one means.
        if integration.content_sample.trim().is_empty() {
            assert_eq!(warnings.len(), 1, "{}: {warnings:?}", preset.key);
            assert!(warnings[0].message.starts_with("is empty"), "{warnings:?}");
        } else {
            assert!(warnings.is_empty(), "{}: {warnings:?}", preset.key);
        }
    }
}

#[test]
fn the_jira_sample_is_an_api_v2_issue() {
    let finding = rendered("jira-cloud", sample_event());
    let fields = &finding["fields"];
    assert_eq!(fields["project"]["key"], "TEST");
    assert_eq!(fields["issuetype"]["name"], "Task");
    assert_eq!(
        fields["summary"],
        "hiab-1: finding.created: Apache Log4j \"Log4Shell\" RCE on O'Reilly's café portal"
    );
    let description = fields["description"].as_str().unwrap();
    assert!(
        description.contains("Severity: critical\nHost: 10.0.4.17"),
        "{description}"
    );

    // Jira refuses a summary with a line break or over 255 characters.
    let mut long = sample_event().clone();
    long.fields["finding"]["name"] = serde_json::json!(format!("two\nlines {}", "x".repeat(400)));
    let summary = rendered("jira-cloud", &long)["fields"]["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !summary.contains('\n') && summary.chars().count() <= 255,
        "{summary}"
    );
    assert!(summary.contains("two lines xxx"), "{summary}");

    let scan = rendered("jira-cloud", &scan_finished());
    assert_eq!(scan["fields"]["summary"], "hiab-1: scan.finished");
}

#[test]
fn the_teams_sample_is_an_adaptive_card_message() {
    let finding = rendered("microsoft-teams", sample_event());
    assert_eq!(finding["type"], "message");
    let attachment = &finding["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    let facts = card["body"][1]["facts"].as_array().unwrap();
    let titles: Vec<_> = facts.iter().map(|f| f["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Event", "Time", "Finding", "Severity", "Host"]);
    assert_eq!(
        facts[2]["value"],
        "Apache Log4j \"Log4Shell\" RCE on O'Reilly's café portal"
    );

    let scan = rendered("microsoft-teams", &scan_finished());
    let facts = scan["attachments"][0]["content"]["body"][1]["facts"]
        .as_array()
        .unwrap();
    assert_eq!(facts.len(), 2, "no finding facts without a finding");
}
