//! A bound on how deeply a YAML file nests flow collections (`[ ]`, `{ }`), checked
//! before serde_yaml sees it. The YAML scanner serde_yaml uses takes time quadratic in
//! that depth (200 KB of `{a: {a: …` took 18 s per command), and serde_yaml's own
//! recursion limit applies only after the whole file is scanned. hookconsole's files
//! nest a few levels; anything past the bound is refused with its line and column.

use std::path::Path;

use super::error::StoreError;

/// Far more than any file hookconsole reads needs (its own nest three or four deep).
pub const MAX_FLOW_DEPTH: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Comment,
}

/// Refuses `text` when its flow collections nest deeper than [`MAX_FLOW_DEPTH`]. Quoted
/// scalars, comments and block scalars (`|`, `>`) are skipped, so a JSON content
/// sample inside them counts for nothing; a `[` inside a plain scalar (`a[1]`) does not
/// open a collection.
pub fn check_nesting(path: &Path, text: &str) -> Result<(), StoreError> {
    match too_deep(text) {
        None => Ok(()),
        Some((line, column)) => Err(StoreError::Parse {
            path: path.to_path_buf(),
            line: Some(line),
            column: Some(column),
            message: format!(
                "nests `[ ]` and `{{ }}` more than {MAX_FLOW_DEPTH} deep, more than hookconsole \
                 reads"
            ),
        }),
    }
}

/// The 1-based line and column (in characters) where `text` first nests deeper than
/// [`MAX_FLOW_DEPTH`], if it does.
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut state = State::Plain;
    let mut depth = 0usize;
    // Whether a `[`, `{`, quote or block indicator here would begin a node.
    let mut node_start = true;
    // In a block scalar: the indentation of the line that introduced it.
    let mut block_scalar: Option<usize> = None;
    for (index, line) in text.split('\n').enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = block_scalar {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        if state == State::Comment {
            state = State::Plain;
        }
        if state == State::Plain {
            node_start = true;
        }
        let mut chars = line.char_indices().peekable();
        let mut previous = ' ';
        while let Some((at, c)) = chars.next() {
            match state {
                State::Comment => break,
                State::SingleQuoted => {
                    if c == '\'' {
                        if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                            chars.next();
                        } else {
                            state = State::Plain;
                            node_start = false;
                        }
                    }
                }
                State::DoubleQuoted => match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => {
                        state = State::Plain;
                        node_start = false;
                    }
                    _ => {}
                },
                State::Plain => match c {
                    '#' if previous.is_whitespace() => state = State::Comment,
                    ' ' | '\t' | '\r' => {}
                    '[' | '{' if node_start || depth > 0 => {
                        depth += 1;
                        if depth > MAX_FLOW_DEPTH {
                            return Some((index + 1, line[..at].chars().count() + 1));
                        }
                        node_start = true;
                    }
                    ']' | '}' if depth > 0 => {
                        depth -= 1;
                        node_start = false;
                    }
                    ',' if depth > 0 => node_start = true,
                    '\'' if node_start => state = State::SingleQuoted,
                    '"' if node_start => state = State::DoubleQuoted,
                    '|' | '>' if node_start && depth == 0 => {
                        block_scalar = Some(indent);
                        break;
                    }
                    '&' | '!' if node_start => {
                        // An anchor or a tag before the node: skip its name.
                        while chars.next_if(|(_, next)| !next.is_whitespace()).is_some() {}
                    }
                    '-' | '?' | ':'
                        if chars.peek().is_none_or(|(_, next)| next.is_whitespace())
                            || (c == ':' && depth > 0) =>
                    {
                        node_start = true;
                    }
                    _ => node_start = false,
                },
            }
            previous = c;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error(text: &str) -> Option<String> {
        check_nesting(Path::new("f.yaml"), text)
            .err()
            .map(|error| error.to_string())
    }

    #[test]
    fn deep_flow_nesting_is_refused_at_its_line_and_column() {
        let deep = format!("a: 1\nb: {}x{}\n", "{a: ".repeat(100), "}".repeat(100));
        let error = depth_error(&deep).unwrap();
        assert!(error.starts_with("f.yaml:2:"), "{error}");
        assert!(error.contains("more than 64 deep"), "{error}");
        let deep = format!("- {}\n", "[".repeat(65));
        assert!(depth_error(&deep).is_some());
        let fine = format!("- {}{}\n", "[".repeat(64), "]".repeat(64));
        assert_eq!(depth_error(&fine), None);
    }

    #[test]
    fn brackets_in_scalars_and_comments_do_not_count() {
        let brackets = "[".repeat(100);
        for text in [
            format!("a: '{brackets}'\n"),
            format!("a: \"{brackets}\\\" {brackets}\"\n"),
            format!("a: x{brackets}\n"),
            format!("a: 1 # {brackets}\n"),
            format!("a: |-\n  {brackets}\n  more\nb: 1\n"),
            format!("- a: >\n    {brackets}\n\n    x\n- b\n"),
            format!("a: 'it''s {brackets}'\n"),
        ] {
            assert_eq!(depth_error(&text), None, "{text}");
        }
        // After a block scalar ends, nesting counts again.
        let after = format!("a: |\n  {brackets}\nb: {brackets}\n");
        assert!(depth_error(&after).unwrap().starts_with("f.yaml:3:"));
    }

    #[test]
    fn an_exported_document_passes() {
        let mut integration = crate::model::Integration::new("a", "https://h.example/x");
        integration.content_sample = "{\"a\": [[[[1]]]], \"b\": {\"c\": {\"d\": 1}}}".into();
        let document = super::super::to_document(&[integration.clone(), integration]).unwrap();
        assert_eq!(depth_error(&document), None);
    }
}
