//! The integrations file read a few entries at a time. serde_yaml gathers all of a
//! document's events before it deserializes any of them, so reading 10,000
//! integrations as one document held some 60 MB of events at once. The file as
//! hookconsole writes it (comments, a `schema:` line, `integrations:`, then entries
//! that each begin with `- ` in the first column) is cut where its entries begin and
//! read in groups of a few dozen entries, on as many threads as the machine has cores
//! (`crate::parallel`), so only a few groups' events exist at a time.
//!
//! This is only a faster way to the same answer: a document of any other layout, or one
//! with a group that does not read apart (an alias to another group's anchor, a quoted
//! text that runs over an entry's start, nesting past the bound), gets `None`, and the caller reads the whole
//! document, which also gives every error its line and column.

use super::super::yaml_limits::too_deep;
use super::FileContents;
use crate::model::Integration;
use crate::parallel;

/// Entries given to the YAML reader at once: each call has a cost of its own (a
/// reader and its buffers set up), and a few dozen entries' events are still small.
const ENTRIES_PER_READ: usize = 32;

/// The document's integrations, read a few entries at a time, or `None` when this
/// document is not laid out so that its entries can be read apart.
pub(super) fn read_by_entry(text: &str) -> Option<FileContents> {
    let (schema, starts) = split(text)?;
    // Entries read apart can be read at once, on every core. The first chunk's vector
    // has room for all, so that the others move into it without a second copy of the
    // whole list existing at once (some 4 MB for 10,000).
    let chunks = parallel::map_chunks(&starts, |first, chunk| {
        let end = starts
            .get(first + chunk.len())
            .copied()
            .unwrap_or(text.len());
        let room = if first == 0 {
            starts.len()
        } else {
            chunk.len()
        };
        read_entries(text, chunk, end, room)
    });
    let mut chunks = chunks.into_iter();
    let mut integrations = chunks.next()??;
    for chunk in chunks {
        integrations.append(&mut chunk?);
    }
    Some(FileContents {
        schema,
        integrations,
    })
}

/// The entries that begin at `starts`, the last ending at `end`: each group of
/// [`ENTRIES_PER_READ`] read as one sequence that must hold exactly that many.
fn read_entries(text: &str, starts: &[usize], end: usize, room: usize) -> Option<Vec<Integration>> {
    let mut integrations = Vec::with_capacity(room);
    for (number, group) in starts.chunks(ENTRIES_PER_READ).enumerate() {
        let group_end = starts
            .get((number + 1) * ENTRIES_PER_READ)
            .copied()
            .unwrap_or(end);
        let group_text = &text[group[0]..group_end];
        // The reader's time grows with the square of the nesting: checked before it
        // reads (a group too deep is left to the whole document's check, which says
        // where).
        if too_deep(group_text).is_some() {
            return None;
        }
        let mut read: Vec<Integration> = serde_yaml::from_str(group_text).ok()?;
        if read.len() != group.len() {
            return None;
        }
        integrations.append(&mut read);
    }
    Some(integrations)
}

/// The schema and where each entry begins, when the document is a head of comments,
/// `schema: N` and `integrations:` (in that order), then at least one entry, and nothing
/// in the first column but entries, comments and blank lines. Comments and blank lines
/// before the first entry belong to none.
fn split(text: &str) -> Option<(u32, Vec<usize>)> {
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
    Some((schema, starts))
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
        let (schema, starts) = split(DOCUMENT).unwrap();
        let ends = starts.iter().skip(1).copied().chain([DOCUMENT.len()]);
        let entries: Vec<&str> = starts
            .iter()
            .zip(ends)
            .map(|(&s, e)| &DOCUMENT[s..e])
            .collect();
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
            "schema: 2\nintegrations:\n- name: a\n  url: \"https://a.example/\n- b\"\n",
        ] {
            assert!(read_by_entry(text).is_none(), "{text:?}");
        }
    }

    /// Entries are read in groups: an alias to an anchor of the same group reads as the
    /// whole document reads it; one to another group's anchor is left to the whole
    /// document, as is a group nested past the bound (whose check says where).
    #[test]
    fn groups_read_what_the_whole_document_reads_or_leave_it() {
        let entry = |name: usize| format!("- name: e{name}\n  url: https://a.example/\n");
        let head = "schema: 2\nintegrations:\n- &a {name: a, url: 'https://a.example/'}\n";
        let near = format!("{head}- *a\n");
        let whole: FileContents = serde_yaml::from_str(&near).unwrap();
        assert_eq!(
            read_by_entry(&near).unwrap().integrations,
            whole.integrations
        );

        let fillers: String = (0..ENTRIES_PER_READ).map(entry).collect();
        assert!(read_by_entry(&format!("{head}{fillers}- *a\n")).is_none());

        let deep = format!("- name: [{}]\n", "[".repeat(70) + &"]".repeat(70));
        assert!(read_by_entry(&format!("{head}{deep}")).is_none());
    }
}
