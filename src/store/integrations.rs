//! The integrations file: one YAML document with a schema version. Reads never write;
//! a file that does not parse or validate is reported (file, line, field) and left
//! alone; every save re-reads the file under the lock and refuses to overwrite a
//! change it did not see.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::atomic::{FileLock, write_atomic};
use super::error::{StoreError, strip_location, without_file_content};
use super::read::{DOCUMENT_LIMIT, read_own_file};
use super::yaml_limits::check_nesting;
use crate::model::{
    DestinationPolicy, FieldError, Integration, Validation, check_unique_name, names_match,
    validate_stored, validate_with,
};
use crate::parallel;

mod entries;

/// 2: content samples are templates. A schema 1 file is read by keeping its samples
/// literal (see [`literal_sample`]), and written back as schema 2.
pub const SCHEMA_VERSION: u32 = 2;
const FILE_MODE: u32 = 0o600;
const HEADER: &str = "# hookconsole webhook integrations. Written by hookconsole; edits by hand are\n\
# checked on the next read (a file that does not parse is never overwritten).\n";

/// What the file held when it was read: a save based on it succeeds only while the
/// file still holds exactly this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision(Option<[u8; 32]>);

impl Revision {
    fn of(bytes: Option<&[u8]>) -> Revision {
        Revision(bytes.map(|bytes| Sha256::digest(bytes).into()))
    }
}

/// The integrations as read, with the revision they were read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub integrations: Vec<Integration>,
    pub revision: Revision,
}

impl Catalog {
    pub fn get(&self, name: &str) -> Option<&Integration> {
        self.integrations
            .iter()
            .find(|integration| names_match(&integration.name, name))
    }

    /// Whether an integration is stored under exactly `name`: the queue keys events by
    /// the stored spelling, so another spelling's events are no integration's.
    pub fn holds_exactly(&self, name: &str) -> bool {
        self.get(name).is_some_and(|found| found.name == name)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileContents {
    schema: u32,
    #[serde(default)]
    integrations: Vec<Integration>,
}

#[derive(Debug, Clone)]
pub struct IntegrationStore {
    path: PathBuf,
    /// What a saved integration may send to (the setting
    /// `allow_link_local_destinations`).
    destinations: DestinationPolicy,
}

impl IntegrationStore {
    /// A store that refuses to save link-local and metadata destinations.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            destinations: DestinationPolicy::STRICT,
        }
    }

    /// The same store, saving under the settings' destination policy.
    pub fn with_destinations(mut self, destinations: DestinationPolicy) -> Self {
        self.destinations = destinations;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file; no file yet is an empty catalog. A file that is there but
    /// empty, or only comments, is an error: hookconsole never writes one, so it was
    /// emptied by something else, and treating it as "no integrations" would let the
    /// next save write over what could still be recovered.
    /// An integration that is unsafe
    /// to send (see [`validate_stored`]) is read all the same: it holds its deliveries.
    pub fn load(&self) -> Result<Catalog, StoreError> {
        let bytes = read_own_file(&self.path, DOCUMENT_LIMIT)?;
        let integrations = match &bytes {
            Some(bytes) => parse(&self.path, bytes)?,
            None => Vec::new(),
        };
        Ok(Catalog {
            integrations,
            revision: Revision::of(bytes.as_deref()),
        })
    }

    /// Adds `integration` (`original` is `None`) or replaces `original` with it. Refused
    /// when `original` is no longer what the file holds, when the name is taken, or when
    /// the integration is not valid. Other integrations are kept as the file has them.
    pub fn put(
        &self,
        original: Option<&Integration>,
        integration: Integration,
    ) -> Result<Catalog, StoreError> {
        self.modify(|integrations| {
            let position = match original {
                None => None,
                Some(original) => Some(find_unchanged(integrations, original)?),
            };
            let others = integrations
                .iter()
                .enumerate()
                .filter(|(index, _)| Some(*index) != position)
                .map(|(_, other)| other.name.as_str());
            let mut errors =
                validate_with(&integration, OffsetDateTime::now_utc(), self.destinations).errors;
            errors.extend(check_unique_name(&integration.name, others));
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
            match position {
                Some(index) => integrations[index] = integration,
                None => integrations.push(integration),
            }
            Ok(())
        })
    }

    /// Removes `name`. With `expected`, only while the file still holds that version.
    pub fn remove(
        &self,
        name: &str,
        expected: Option<&Integration>,
    ) -> Result<Catalog, StoreError> {
        self.modify(|integrations| {
            let index = match expected {
                Some(expected) => find_unchanged(integrations, expected)?,
                None => integrations
                    .iter()
                    .position(|integration| names_match(&integration.name, name))
                    .ok_or_else(|| StoreError::NotFound(name.to_string()))?,
            };
            integrations.remove(index);
            Ok(())
        })
    }

    /// Replaces the whole list, as read at `based_on`. Every integration is validated
    /// first; nothing is written unless all are valid and the file is unchanged.
    pub fn replace_all(
        &self,
        based_on: Revision,
        integrations: Vec<Integration>,
    ) -> Result<Catalog, StoreError> {
        let _lock = FileLock::acquire(&self.path)?;
        let current = self.load()?;
        if current.revision != based_on {
            return Err(StoreError::Conflict(format!(
                "{} was changed by another session",
                self.path.display()
            )));
        }
        check_all(&integrations, &current.integrations, self.destinations)?;
        self.write(&integrations)
    }

    /// Read, change, write under the lock: the change sees the file as it is now.
    pub fn modify(
        &self,
        change: impl FnOnce(&mut Vec<Integration>) -> Result<(), StoreError>,
    ) -> Result<Catalog, StoreError> {
        let _lock = FileLock::acquire(&self.path)?;
        let loaded = self.load()?.integrations;
        let mut integrations = loaded.clone();
        change(&mut integrations)?;
        check_all(&integrations, &loaded, self.destinations)?;
        self.write(&integrations)
    }

    fn write(&self, integrations: &[Integration]) -> Result<Catalog, StoreError> {
        let bytes = to_document(integrations)
            .map_err(|message| StoreError::Parse {
                path: self.path.clone(),
                line: None,
                column: None,
                message,
            })?
            .into_bytes();
        write_atomic(&self.path, &bytes, FILE_MODE)?;
        tracing::info!(path = %self.path.display(), count = integrations.len(), "integrations saved");
        Ok(Catalog {
            integrations: integrations.to_vec(),
            revision: Revision::of(Some(&bytes)),
        })
    }
}

/// The integrations as a document in the file's format (what `export` prints).
pub fn to_document(integrations: &[Integration]) -> Result<String, String> {
    let contents = FileContents {
        schema: SCHEMA_VERSION,
        integrations: integrations.to_vec(),
    };
    serde_yaml::to_string(&contents)
        .map(|yaml| format!("{HEADER}{yaml}"))
        .map_err(|error| format!("cannot be written as YAML: {error}"))
}

fn find_unchanged(
    integrations: &[Integration],
    original: &Integration,
) -> Result<usize, StoreError> {
    let index = integrations
        .iter()
        .position(|integration| names_match(&integration.name, &original.name))
        .ok_or_else(|| {
            StoreError::Conflict(format!(
                "integration `{}` was removed or renamed by another session",
                original.name
            ))
        })?;
    if &integrations[index] != original {
        return Err(StoreError::Conflict(format!(
            "integration `{}` was changed by another session",
            original.name
        )));
    }
    Ok(index)
}

/// Every integration valid and every name unique: the invariant of the file.
/// `unchanged` is what the file held when read, which `load` has just validated: an
/// integration found there as it is skips validation (certificate and JSON parsing),
/// so saving one of 10,000 does not validate the other 9,999 twice, and one that
/// holds its deliveries does not stop the others from being saved.
fn check_all(
    integrations: &[Integration],
    unchanged: &[Integration],
    destinations: DestinationPolicy,
) -> Result<(), StoreError> {
    let now = OffsetDateTime::now_utc();
    let already_valid: std::collections::HashMap<&str, &Integration> = unchanged
        .iter()
        .map(|integration| (integration.name.as_str(), integration))
        .collect();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (index, integration) in integrations.iter().enumerate() {
        if already_valid.get(integration.name.as_str()) == Some(&integration) {
            errors.extend(earlier_duplicate(&mut seen, integrations, index));
            continue;
        }
        errors.extend(
            validate_with(integration, now, destinations)
                .errors
                .into_iter()
                .map(|mut error| {
                    error.message =
                        format!("(integration `{}`) {}", integration.name, error.message);
                    error
                }),
        );
        errors.extend(earlier_duplicate(&mut seen, integrations, index));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

/// The error for `integrations[index]` when an earlier one has the same name. `seen`
/// holds the names so far as `names_match` compares them, so that a file of n
/// integrations is checked in O(n), not O(n^2) (10,000 took seconds).
fn earlier_duplicate(
    seen: &mut HashSet<String>,
    integrations: &[Integration],
    index: usize,
) -> Option<FieldError> {
    let name = &integrations[index].name;
    if seen.insert(name.trim().to_lowercase()) {
        return None;
    }
    check_unique_name(
        name,
        integrations[..index]
            .iter()
            .map(|other| other.name.as_str()),
    )
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Integration>, StoreError> {
    let text = std::str::from_utf8(bytes).map_err(|error| StoreError::Parse {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message: format!("is not UTF-8 text ({error})"),
    })?;
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    if lines.all(|line| line.starts_with('#')) {
        return Err(StoreError::Empty {
            path: path.to_path_buf(),
            only_comments: !text.trim().is_empty(),
        });
    }
    let integrations = parse_document(path, text)?;
    check_entries(path, text, &integrations, |integration, now| {
        validate_stored(integration, now)
    })?;
    Ok(integrations)
}

/// Parses an integrations document (the file's format, which `export` also writes)
/// without validating the integrations. A document that is a single integration
/// mapping, as `add --from-file` takes, is accepted too.
pub fn parse_document(path: &Path, text: &str) -> Result<Vec<Integration>, StoreError> {
    let parse_error = |error: serde_yaml::Error| {
        let location = error.location();
        let message = strip_location(&error.to_string());
        let (line, column) = match location {
            Some(location) => match refine_line(text, location.line(), &message) {
                Some(line) => (Some(line), None),
                None => (Some(location.line()), Some(location.column())),
            },
            None => (None, None),
        };
        StoreError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: without_file_content(&message),
        }
    };
    // The file as hookconsole writes it is read entry by entry; another document of the
    // file's shape in one pass, straight into the types. Only a document that is not
    // that shape (a single integration, an empty one, a mistake) is read a second time
    // as a `Value`, to tell which it is and to word its error.
    // Reading by entry checks each group's nesting itself, on the threads that read.
    let contents = match entries::read_by_entry(text) {
        Some(contents) => contents,
        None => {
            check_nesting(path, text)?;
            match serde_yaml::from_str::<FileContents>(text) {
                Ok(contents) => contents,
                Err(error) => return parse_other_document(text, error, parse_error),
            }
        }
    };
    contents_of_schema(path, text, contents)
}

/// A document that does not parse as the file's shape: a single integration mapping,
/// an empty document, or an error to report with its line.
/// `typed_error` is why it did not parse as the file's shape; a syntax error is
/// reported as the `Value` parse finds it, first.
fn parse_other_document(
    text: &str,
    typed_error: serde_yaml::Error,
    parse_error: impl Fn(serde_yaml::Error) -> StoreError,
) -> Result<Vec<Integration>, StoreError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(&parse_error)?;
    let is_single = value
        .as_mapping()
        .is_some_and(|mapping| !mapping.contains_key("schema") && mapping.contains_key("name"));
    if is_single {
        return serde_yaml::from_str::<Integration>(text)
            .map(|integration| vec![integration])
            .map_err(parse_error);
    }
    if value.is_null() {
        return Ok(Vec::new());
    }
    Err(parse_error(typed_error))
}

/// The integrations of a document in the file's shape, of a schema this version reads.
fn contents_of_schema(
    path: &Path,
    text: &str,
    mut contents: FileContents,
) -> Result<Vec<Integration>, StoreError> {
    if contents.schema == 1 {
        for integration in &mut contents.integrations {
            integration.content_sample = literal_sample(&integration.content_sample);
        }
        contents.schema = SCHEMA_VERSION;
    }
    if contents.schema != SCHEMA_VERSION {
        return Err(StoreError::Parse {
            path: path.to_path_buf(),
            line: line_of(text, "schema:"),
            column: None,
            message: format!(
                "schema {} is not known to this hookconsole (it reads schema {SCHEMA_VERSION}); \
                 was the file written by a newer version?",
                contents.schema
            ),
        });
    }
    Ok(contents.integrations)
}

/// A content sample written before samples were templates, to be sent as it was:
/// where it holds template syntax, it is wrapped in a raw block.
fn literal_sample(sample: &str) -> String {
    if crate::template::has_tags(sample) && !sample.contains("endraw") {
        format!("{{% raw %}}{sample}{{% endraw %}}")
    } else {
        sample.to_string()
    }
}

/// Validates the integrations parsed from `text`, a file given to `import` or `add`,
/// as a save would: every bad one, each with the line of its first bad field, so that
/// one round of fixing is enough (loading stops at the first). A valid file gives each
/// integration's warnings, in order, so that callers need not validate it again.
pub fn check_document(
    path: &Path,
    text: &str,
    integrations: &[Integration],
    destinations: DestinationPolicy,
) -> Result<Vec<Vec<FieldError>>, Vec<StoreError>> {
    let now = OffsetDateTime::now_utc();
    // Validation is most of the work: on every core, as loading does it.
    let validations: Vec<Validation> = parallel::map_chunks(integrations, |_, chunk| {
        chunk
            .iter()
            .map(|integration| validate_with(integration, now, destinations))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let mut seen = HashSet::new();
    let mut invalid = Vec::new();
    let mut warnings = Vec::with_capacity(integrations.len());
    for (index, (integration, validation)) in integrations.iter().zip(validations).enumerate() {
        let duplicate = earlier_duplicate(&mut seen, integrations, index);
        match validation.errors.first().or(duplicate.as_ref()) {
            Some(first) => invalid.push(StoreError::InvalidInFile {
                path: path.to_path_buf(),
                line: locate_field(text, index, first.field.key()),
                name: integration.name.clone(),
                errors: validation.errors.into_iter().chain(duplicate).collect(),
            }),
            None => warnings.push(validation.warnings),
        }
    }
    if invalid.is_empty() {
        Ok(warnings)
    } else {
        Err(invalid)
    }
}

fn check_entries(
    path: &Path,
    text: &str,
    integrations: &[Integration],
    validate: impl Fn(&Integration, OffsetDateTime) -> Validation + Sync,
) -> Result<(), StoreError> {
    let now = OffsetDateTime::now_utc();
    // Validation (templates rendered, URLs parsed) is most of a large file's reading:
    // done on every core, then names checked in order up to the first invalid one.
    let mut first_invalid = parallel::find_first(integrations, |integration| {
        let errors = validate(integration, now).errors;
        (!errors.is_empty()).then_some(errors)
    });
    let mut seen = HashSet::new();
    for (index, integration) in integrations.iter().enumerate() {
        let errors = match first_invalid.take_if(|(invalid, _)| *invalid == index) {
            Some((_, errors)) => errors,
            None => Vec::new(),
        };
        let duplicate = earlier_duplicate(&mut seen, integrations, index);
        if let Some(first) = errors.first().or(duplicate.as_ref()) {
            let line = locate_field(text, index, first.field.key());
            return Err(StoreError::InvalidInFile {
                path: path.to_path_buf(),
                line,
                name: integration.name.clone(),
                errors: errors.into_iter().chain(duplicate).collect(),
            });
        }
    }
    Ok(())
}

/// serde_yaml loses positions inside the `authentication:` block (serde reads an
/// internally tagged enum into a buffer first) and reports an unknown field there at
/// the start of the enclosing integration. When the message names an unknown field,
/// this finds the line of that key within the mapping that starts at `line`.
fn refine_line(text: &str, line: usize, message: &str) -> Option<usize> {
    let key = message.split_once("unknown field `")?.1.split_once('`')?.0;
    let lines: Vec<&str> = text.lines().collect();
    let start = *lines.get(line.checked_sub(1)?)?;
    if key_on_line(start, key) {
        return None;
    }
    let indent = |line: &str| line.len() - line.trim_start().len();
    // An entry `- name: …` ends at the next line indented no deeper than its dash; a
    // plain mapping at the next line indented less than its first key.
    let ends = |next: &str| {
        if start.trim_start().starts_with("- ") {
            indent(next) <= indent(start)
        } else {
            indent(next) < indent(start)
        }
    };
    lines
        .iter()
        .enumerate()
        .skip(line)
        .filter(|(_, next)| !next.trim().is_empty() && !next.trim_start().starts_with('#'))
        .take_while(|(_, next)| !ends(next))
        .find(|(_, next)| key_on_line(next, key))
        .map(|(number, _)| number + 1)
}

fn line_of(text: &str, prefix: &str) -> Option<usize> {
    text.lines()
        .position(|line| line.trim_start().starts_with(prefix))
        .map(|index| index + 1)
}

/// The line of `key` inside the `index`-th entry of the `integrations:` list, for
/// errors found after parsing (serde keeps no positions for values). Falls back to
/// the entry's first line.
fn locate_field(text: &str, index: usize, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|line| line.trim_end() == "integrations:")
    else {
        // A single integration mapping: the whole text is the entry.
        return (index == 0).then(|| {
            lines
                .iter()
                .position(|line| key_on_line(line, key))
                .unwrap_or(0)
                + 1
        });
    };
    let mut entry_indent = None;
    let mut entries = Vec::new();
    for (number, line) in lines.iter().enumerate().skip(start + 1) {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body.starts_with("- ") || body == "-" {
            let wanted = *entry_indent.get_or_insert(indent);
            if indent == wanted {
                entries.push(number);
                continue;
            }
        }
        if indent == 0 {
            break;
        }
    }
    let first = *entries.get(index)?;
    let end = entries.get(index + 1).copied().unwrap_or(lines.len());
    let found = (first..end).find(|&number| key_on_line(lines[number], key));
    Some(found.unwrap_or(first) + 1)
}

fn key_on_line(line: &str, key: &str) -> bool {
    let body = line.trim_start().trim_start_matches("- ");
    body.starts_with(key) && body[key.len()..].trim_start().starts_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_field_finds_key_within_the_right_entry() {
        let text = "schema: 1\nintegrations:\n- name: a\n  url: x\n- name: b\n  retry_interval: 0\n  url: y\n";
        assert_eq!(locate_field(text, 1, "url"), Some(7));
        assert_eq!(locate_field(text, 0, "url"), Some(4));
        assert_eq!(locate_field(text, 1, "name"), Some(5));
        assert_eq!(locate_field(text, 1, "certificate"), Some(5));
        assert_eq!(locate_field(text, 2, "url"), None);
    }
}
