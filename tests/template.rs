//! Payload templates, layer 1: variables, JSON escaping, errors with line and column.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use hookconsole::template::{
    Appliance, Escaping, Event, Failure, TemplateError, parse_and_render, render, render_with,
    sample_event,
};
use serde_json::{Value, json};
use time::macros::datetime;

fn event(fields: Value) -> Event {
    let Value::Object(fields) = fields else {
        panic!("fields must be an object")
    };
    Event {
        id: "evt_019bc0f5a68000000000000000aa".into(),
        event_type: "finding.created".into(),
        // Not UTC: the template sees the time in UTC.
        time: datetime!(2026-03-01 10:15:30 +01:00),
        fields,
    }
}

fn appliance() -> Appliance {
    Appliance::new("hiab01.example.com")
}

#[test]
fn all_four_kinds_of_variables_are_there() {
    let event = event(json!({
        "finding": {"name": "Weak TLS", "severity": "high", "host": "10.0.0.9", "cvss": 7.5},
        "scan": {"name": "Nightly"}
    }));
    let text = render(
        "{{ event.id }} {{ event.type }} {{ event.time }} on {{ appliance.name }}: \
         {{ finding.name }} ({{ finding.severity }}, {{ finding.cvss }}) at {{ finding.host }} \
         by {{ scan.name }}",
        &event,
        &appliance(),
    )
    .expect("renders");
    assert_eq!(
        text,
        "evt_019bc0f5a68000000000000000aa finding.created 2026-03-01T09:15:30Z on \
         hiab01.example.com: Weak TLS (high, 7.5) at 10.0.0.9 by Nightly"
    );
}

#[test]
fn event_and_appliance_are_reserved_and_win_over_fields() {
    let event = event(json!({
        "event": {"type": "spoofed", "id": "x"},
        "appliance": {"name": "spoofed"},
        "finding": {"name": "n"}
    }));
    let text = render(
        "{{ event.type }}|{{ appliance.name }}|{{ finding.name }}",
        &event,
        &appliance(),
    )
    .expect("renders");
    assert_eq!(text, "finding.created|hiab01.example.com|n");
}

#[test]
fn json_templates_escape_strings_and_stay_valid_json() {
    let name = "Apache \"Log4Shell\" in O'Reilly's café \\ C:\\temp\nsecond line\ttab \u{1}";
    let event = event(json!({
        "finding": {"name": name, "severity": "critical", "cvss": 10.0, "port": 443, "fixed": false, "note": null}
    }));
    let template = r#"{
  "summary": "{{ finding.name }}",
  "labels": ["{{ finding.severity }}", "{{ appliance.name }}"],
  "cvss": {{ finding.cvss }},
  "port": {{ finding.port }},
  "fixed": {{ finding.fixed }},
  "note": {{ finding.note }},
  "finding": {{ finding | tojson }}
}"#;
    let text = render(template, &event, &appliance()).expect("renders");
    let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|error| {
        panic!("not JSON ({error}):\n{text}");
    });
    assert_eq!(parsed["summary"], name);
    assert_eq!(parsed["labels"], json!(["critical", "hiab01.example.com"]));
    assert_eq!(parsed["cvss"], json!(10.0));
    assert_eq!(parsed["port"], json!(443));
    assert_eq!(parsed["fixed"], json!(false));
    assert_eq!(parsed["note"], Value::Null);
    assert_eq!(parsed["finding"]["name"], name);
    // Unicode is kept as it is, not as \u escapes; the newline is escaped.
    assert!(text.contains("café"), "{text}");
    assert!(text.contains(r"\nsecond line"), "{text}");
    assert!(!text.contains("line\nsecond"), "{text}");
}

#[test]
fn the_sample_event_renders_into_valid_json() {
    let sample = sample_event();
    let name = sample.fields["finding"]["name"]
        .as_str()
        .expect("a name")
        .to_string();
    assert!(name.contains('"') && name.contains('\'') && !name.is_ascii());
    let text = render(
        "[{\"text\": \"{{ finding.name }} on {{ finding.host }}\"}]",
        sample,
        &appliance(),
    )
    .expect("renders");
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(
        parsed[0]["text"],
        format!(
            "{name} on {}",
            sample.fields["finding"]["host"].as_str().unwrap()
        )
    );
}

#[test]
fn plain_templates_print_values_as_they_are() {
    let event = event(json!({"finding": {"name": "a \"b\" \\ c\nd"}}));
    let text = render("Finding: {{ finding.name }}!", &event, &appliance()).expect("renders");
    assert_eq!(text, "Finding: a \"b\" \\ c\nd!");
}

#[test]
fn a_json_content_type_makes_any_template_json() {
    let event = event(json!({"finding": {"name": "say \"hi\""}}));
    let escaping = Escaping::detect("\"{{ finding.name }}\"", true);
    assert_eq!(escaping, Escaping::Json);
    let text =
        render_with("\"{{ finding.name }}\"", &event, &appliance(), escaping).expect("renders");
    assert_eq!(
        serde_json::from_str::<String>(&text).expect("a JSON string"),
        "say \"hi\""
    );
    assert_eq!(Escaping::detect("  \n [1]", false), Escaping::Json);
    assert_eq!(Escaping::detect("text {{ x }}", false), Escaping::Plain);
    // A template that starts with a tag is not a JSON object.
    assert_eq!(Escaping::detect(" {{ x }} y", false), Escaping::Plain);
    assert_eq!(
        Escaping::detect("{% if x %}{}{% endif %}", false),
        Escaping::Plain
    );
    assert_eq!(Escaping::detect("{# c #}", true), Escaping::Json);
}

#[test]
fn a_missing_variable_is_an_error_naming_it_with_line_and_column() {
    let event = event(json!({"finding": {"name": "n"}}));
    let template = "{\n  \"a\": 1,\n  \"summary\": \"{{ finding.nmae }}\"\n}";
    let error = render(template, &event, &appliance()).expect_err("undefined");
    assert_eq!(error.line, 3);
    // The column of `finding.nmae` itself, after `  "summary": "{{ `.
    assert_eq!(error.column, 18, "{error}");
    assert!(!error.syntax);
    assert!(
        error.message.contains("undefined") && error.message.contains("finding.nmae"),
        "{}",
        error.message
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("line 3, column {}: ", error.column)),
        "{error}"
    );
}

#[test]
fn a_missing_top_level_variable_is_an_error_too() {
    let event = event(json!({}));
    let error = render("x\n  {{ scan.name }}", &event, &appliance()).expect_err("undefined");
    assert_eq!((error.line, error.column), (2, 6));
    assert!(error.message.contains("scan"), "{}", error.message);
}

#[test]
fn testing_a_missing_variable_is_allowed() {
    let event = event(json!({"scan": {"name": "Nightly"}}));
    let template = "{% if finding %}{{ finding.name }}{% else %}no finding{% endif %} \
                    {% if scan.name %}{{ scan.name }}{% endif %}";
    let text = render(template, &event, &appliance()).expect("renders");
    assert_eq!(text, "no finding Nightly");
    // A missing field of an existing object takes a default; a missing object is
    // still an error when one of its fields is printed.
    let text = render("{{ scan.id | default('none') }}", &event, &appliance());
    assert_eq!(text.as_deref(), Ok("none"));
    let error = render("{{ finding.name | default('none') }}", &event, &appliance())
        .expect_err("finding is missing");
    assert!(error.message.contains("`finding`"), "{error}");
}

/// Why `template` does not parse, told apart from a failure to render.
#[track_caller]
fn parse_error(template: &str) -> TemplateError {
    match parse_and_render(template, sample_event(), &appliance(), Escaping::Plain) {
        Err(Failure::Parse(error)) => error,
        other => panic!("{template:?} should not parse: {other:?}"),
    }
}

#[test]
fn a_template_that_parses_and_does_not_render_is_told_apart() {
    let failure = parse_and_render(
        "{{ findng.name }}",
        sample_event(),
        &appliance(),
        Escaping::Plain,
    );
    match failure {
        Err(Failure::Render(error)) => assert!(!error.syntax && error.message.contains("findng")),
        other => panic!("a render failure: {other:?}"),
    }
}

#[test]
fn a_syntax_error_has_its_line_and_column() {
    let template = "{\n  \"summary\": \"{{ finding.name }\"\n}";
    let error = parse_error(template);
    assert!(error.syntax);
    assert_eq!(error.line, 2);
    assert!(
        error.message.starts_with("syntax error"),
        "{}",
        error.message
    );
    // At the `}` that should have been `}}`.
    assert_eq!(error.column, 31, "{error}");
    let rendered = render(template, sample_event(), &appliance()).expect_err("same error");
    assert_eq!(rendered, error);

    let error = parse_error("ok\n{% if x %}never closed");
    assert!(error.syntax);
    assert_eq!(error.line, 2, "{error}");
}

#[test]
fn a_template_without_tags_renders_to_itself() {
    let text = "{\"plain\": \"json with a } and a { inside\"}";
    assert_eq!(
        render(text, sample_event(), &appliance()).expect("renders"),
        text
    );
    assert_eq!(
        render("", sample_event(), &appliance()).expect("renders"),
        ""
    );
    let with_newline = "{\"a\": 1}\n";
    assert_eq!(
        render(with_newline, sample_event(), &appliance()).expect("renders"),
        with_newline
    );
}
