//! How a command fails, the one place that decides its exit status and how the person
//! reads it: `error: …` lines (and `hint: …`) on standard error, or with `--json` one
//! JSON object there, `{"error", "field", "hint", "errors"}`.

use std::process::ExitCode;

use serde_json::{Value, json};

use crate::home::ForgetError;
use crate::model::{FieldError, shell_command};
use crate::store::StoreError;

/// How a command failed, which decides the exit status.
#[derive(Debug)]
pub enum CliError {
    /// The person's input is wrong (a flag, a file, a name nothing has): exit 2, every
    /// problem on stderr.
    Input(Vec<Problem>),
    /// Anything else: exit 1.
    Failed(anyhow::Error),
}

/// One thing wrong with the input: what, the field or flag at fault when there is one,
/// and what to do when there is more to say than the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub field: Option<String>,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            field: None,
            hint: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `{"error", "field", "hint"}`, the last two when there are.
    pub fn json(&self) -> Value {
        let mut object = json!({ "error": self.message });
        if let Some(field) = &self.field {
            object["field"] = json!(field);
        }
        if let Some(hint) = &self.hint {
            object["hint"] = json!(hint);
        }
        object
    }
}

impl From<&FieldError> for Problem {
    fn from(error: &FieldError) -> Self {
        Problem::new(error.to_string()).with_field(error.field.key())
    }
}

impl CliError {
    pub fn input(message: impl Into<String>) -> Self {
        CliError::Input(vec![Problem::new(message)])
    }

    pub fn fields(errors: &[FieldError]) -> Self {
        CliError::Input(errors.iter().map(Problem::from).collect())
    }

    /// `name` is no integration's: the same status and words from every command.
    pub fn unknown_integration(name: &str) -> Self {
        CliError::Input(vec![unknown_integration(name)])
    }
}

/// The problem of a name no integration has, for a command or a line of a batch.
pub fn unknown_integration(name: &str) -> Problem {
    Problem::new(StoreError::NotFound(name.into()).to_string())
        .with_field("name")
        .with_hint(format!(
            "`{}` lists the integrations (names are matched without regard to case)",
            shell_command(&["hookconsole", "list"])
        ))
}

impl From<StoreError> for CliError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(name) => CliError::unknown_integration(&name),
            StoreError::Invalid(errors) => CliError::fields(&errors),
            // A file that does not parse, is a link, a device or too large is bad
            // input like a bad flag, whether the person named it or it is in the home.
            other if other.is_bad_input() => {
                let field = other.field_errors().first().map(|e| e.field.key());
                let problem = Problem::new(other.to_string());
                CliError::Input(vec![match field {
                    Some(field) => problem.with_field(field),
                    None => problem,
                }])
            }
            other => CliError::Failed(other.into()),
        }
    }
}

impl From<ForgetError> for CliError {
    fn from(error: ForgetError) -> Self {
        match error {
            // A settings or token file that cannot be read: that file's error.
            ForgetError::Store(error) => error.into(),
            // The same file met while deleting: the same answer as reading it (a broken
            // tokens.yaml was exit 2 for `token NAME` and 1 for `token NAME --forget`).
            ForgetError::Failed(crate::oauth::OAuthError::Store(error)) => error.into(),
            ForgetError::Failed(reason) => CliError::Failed(anyhow::anyhow!(reason)),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> Self {
        CliError::Failed(error)
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::Failed(error.into())
    }
}

/// A command line clap refused, given with `--json`: its message as a JSON error, exit
/// 2, the argument at fault as the field when clap names one.
pub fn report_usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue};
    // The message is the paragraph before clap's usage lines.
    let rendered = error.to_string();
    let lines: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = lines.join(" ");
    let message = joined.trim_start_matches("error: ");
    let mut problem = Problem::new(message).with_hint(
        "`hookconsole help` lists the commands; `hookconsole COMMAND --help` the arguments of one",
    );
    match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(argument)) => problem = problem.with_field(argument.clone()),
        Some(ContextValue::Strings(arguments)) if arguments.len() == 1 => {
            problem = problem.with_field(arguments[0].clone());
        }
        _ => {}
    }
    report(CliError::Input(vec![problem]), true)
}

/// Prints `error` on standard error, as text or as JSON, and gives the exit status.
pub fn report(error: CliError, json: bool) -> ExitCode {
    let (problems, status) = match error {
        CliError::Input(problems) => (problems, 2),
        CliError::Failed(error) => (vec![Problem::new(failure_text(&error))], 1),
    };
    if json {
        eprintln!("{}", json_document(&problems));
    } else {
        for problem in &problems {
            eprintln!("error: {}", terminal_safe(&problem.message));
            if let Some(hint) = &problem.hint {
                eprintln!("hint: {}", terminal_safe(hint));
            }
        }
    }
    ExitCode::from(status)
}

/// A message that quotes what was given (a value, a line of a file, a provider's
/// words) with its control characters escaped, line breaks kept: an escape sequence
/// in a value must not reach the terminal of whoever runs the command.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// One object whatever the count: the first problem's `error` and `field` and the
/// first hint at the top, for the common case of one; every problem in `errors`.
fn json_document(problems: &[Problem]) -> Value {
    let mut document = problems
        .first()
        .map(Problem::json)
        .unwrap_or_else(|| json!({ "error": "failed" }));
    if let Some(hint) = problems.iter().find_map(|p| p.hint.as_ref()) {
        document["hint"] = json!(hint);
    }
    if problems.len() > 1 {
        let all: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        document["error"] = json!(all.join("; "));
        // Several fields may be at fault: each problem names its own.
        if let Some(object) = document.as_object_mut() {
            object.remove("field");
        }
    }
    document["errors"] = problems.iter().map(Problem::json).collect();
    document
}

/// A failure and its causes, each said once: our errors put their source's words in
/// their own (`the delivery queue PATH: file is not a database`), so a cause whose words
/// are already there, and what lies under it, add nothing (anyhow's `{:#}` gave
/// `…: file is not a database: file is not a database: Error code 26: file is not a
/// database`). A cause with words of its own is added after a colon.
pub fn failure_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let words = cause.to_string();
        if text.contains(&words) {
            break;
        }
        text.push_str(": ");
        text.push_str(&words);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the delivery queue /q: {source}")]
    struct Wrapping {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_words_is_not_said_again() {
        let io = std::io::Error::other("file is not a database");
        let error = anyhow::Error::new(Wrapping { source: io });
        assert_eq!(
            failure_text(&error),
            "the delivery queue /q: file is not a database"
        );
        let error = anyhow::Error::new(std::io::Error::other("refused")).context("sending");
        assert_eq!(failure_text(&error), "sending: refused");
    }

    #[test]
    fn one_problem_is_at_the_top_and_in_the_list() {
        let document = json_document(&[Problem::new("URL: is required")
            .with_field("url")
            .with_hint("give --url")]);
        assert_eq!(document["error"], "URL: is required");
        assert_eq!(document["field"], "url");
        assert_eq!(document["hint"], "give --url");
        assert_eq!(document["errors"][0]["field"], "url");
    }

    #[test]
    fn several_problems_are_joined_and_each_keeps_its_field() {
        let document = json_document(&[
            Problem::new("URL: is required").with_field("url"),
            Problem::new("Name: is required").with_field("name"),
        ]);
        assert_eq!(document["error"], "URL: is required; Name: is required");
        assert!(document.get("field").is_none());
        assert_eq!(document["errors"][1]["field"], "name");
    }
}
