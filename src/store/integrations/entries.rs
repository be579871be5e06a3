//! The integrations file read one entry at a time. serde_yaml gathers all of a
//! document's events before it deserializes any of them, so reading 10,000
//! integrations as one document held some 60 MB of events at once. The file as
//! hookconsole writes it (comments, a `schema:` line, `integrations:`, then entries
//! that each begin with `- ` in the first column) is cut where its entries begin and
//! each entry is read alone, so only one entry's events exist at a time.
//!
//! This is only a faster way to the same answer: a document of any other layout, or one
//! with an entry that does not read alone (an alias to another entry's anchor, a quoted
//! text that runs over an entry's start), gets `None`, and the caller reads the whole
//! document, which also gives every error its line and column.

use super::FileContents;
use crate::model::Integration;

/// The document's integrations, read entry by entry, or `None` when this document is
/// not laid out so that its entries can be read alone.
pub(super) fn read_by_entry(text: &str) -> Option<FileContents> {
    let (schema, entries) = split(text)?;
    let mut integrations = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut read: Vec<Integration> = serde_yaml::from_str(entry).ok()?;
        if read.len() != 1 {
            return None;
        }
        integrations.append(&mut read);
    }
    Some(FileContents {
        schema,
        integrations,
    })
}

/// The schema and the text of each entry, when the document is a head of comments,
/// `schema: N` and `integrations:` (in that order), then at least one entry, and nothing
/// in the first column but entries, comments and blank lines. Comments and blank lines
/// before the first entry belong to none.
fn split(text: &str) -> Option<(u32, Vec<&str>)> {
    let mut schema = None;
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n');
    // The head, up to `integrations:`.
    loop {
        let line = lines.next()?;
        offset += line.len();
        let body = line.trim_end();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body == "integrations:" {
            break;
        }
        let digits = body.strip_prefix("schema: ")?;
        if schema.is_some() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        schema = Some(digits.parse().ok()?);
    }
    let schema = schema?;
    // The entries: each from a line that begins `- ` (or is `-`) to the next.
    let mut starts = Vec::new();
    for line in lines {
        let first = line.as_bytes().first().copied();
        match first {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'#') | None => {}
            Some(b'-') if matches!(line.as_bytes().get(1), Some(b' ' | b'\n' | b'\r')) => {
                starts.push(offset);
            }
            Some(_) => return None,
        }
        offset += line.len();
    }
    // A file without entries is small: the whole document says what it holds.
    if starts.is_empty() {
        return None;
    }
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    let entries = starts
        .iter()
        .zip(ends)
        .map(|(&start, end)| &text[start..end])
        .collect();
    Some((schema, entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = "# hookconsole webhook integrations.\n\
        schema: 2\n\
        integrations:\n\
        - name: a\n  url: https://a.example/\n  content_sample: |\n    {\"a\": 1}\n\n    - not an entry\n\
        # a comment between entries\n\
        - name: b\n  url: https://b.example/\n";

    #[test]
    fn entries_are_cut_where_they_begin_in_the_first_column() {
        let (schema, entries) = split(DOCUMENT).unwrap();
        assert_eq!(schema, 2);
        assert_eq!(entries.len(), 2);
        assert!(entries[0].starts_with("- name: a\n"));
        assert!(entries[0].contains("- not an entry"));
        assert!(entries[1].starts_with("- name: b\n"));
    }

    #[test]
    fn reading_by_entry_gives_what_the_whole_document_gives() {
        let whole: FileContents = serde_yaml::from_str(DOCUMENT).unwrap();
        let by_entry = read_by_entry(DOCUMENT).unwrap();
        assert_eq!(by_entry.schema, whole.schema);
        assert_eq!(by_entry.integrations, whole.integrations);
    }

    /// What hookconsole writes is what this reads: a multi-line sample, headers and
    /// authentication included.
    #[test]
    fn the_file_as_written_is_read_by_entry() {
        use crate::model::{Authentication, Secret};
        let mut first = Integration::new("first", "https://a.example/hook");
        first.content_sample = "{\n  \"a\": 1,\n- \"b\": \"{{ finding.name }}\"\n}\n".into();
        let mut second = Integration::new("second", "https://b.example/hook");
        second.authentication = Authentication::Basic {
            username: "scanner".into(),
            password: Secret::new("pw"),
        };
        let text = super::super::to_document(&[first, second]).unwrap();
        let whole: FileContents = serde_yaml::from_str(&text).unwrap();
        let by_entry = read_by_entry(&text).expect("read by entry");
        assert_eq!(by_entry.integrations, whole.integrations);
        assert_eq!(by_entry.integrations.len(), 2);
    }

    #[test]
    fn other_layouts_are_left_to_the_whole_document() {
        for text in [
            "integrations:\n- name: a\n  url: https://a.example/\n",
            "schema: 2\nschema: 2\nintegrations:\n",
            "schema: 2\nintegrations:\n- name: a\n  url: https://a.example/\nextra: 1\n",
            "schema: 2\nintegrations: []\n",
            "schema: 2\nintegrations:\n# none yet\n",
            "schema: 2\nintegrations:\n- name: a\n  url: https://a.example/\n---\n",
            "schema: 2\nintegrations:\n- &a {name: a, url: 'https://a.example/'}\n- *a\n",
            "schema: 2\nintegrations:\n- name: a\n  url: \"https://a.example/\n- b\"\n",
        ] {
            assert!(read_by_entry(text).is_none(), "{text:?}");
        }
    }
}
