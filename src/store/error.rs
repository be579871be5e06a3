use std::fmt;
use std::path::PathBuf;

use crate::model::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}{}", path.display(), refusal_hint(path, source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not what hookconsole writes: bad YAML, an unknown or mistyped field.
    /// The file is left as it is.
    #[error("{}{}: {message}", path.display(), Position(*line, *column))]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    /// The file parses but an integration in it is not valid.
    #[error("{}{}: integration `{}`: {}", path.display(), Position(*line, None), excerpt(name), join(errors))]
    InvalidInFile {
        path: PathBuf,
        line: Option<usize>,
        name: String,
        errors: Vec<FieldError>,
    },
    /// What the caller asked to save is not valid; nothing was written.
    #[error("{}", join(.0))]
    Invalid(Vec<FieldError>),
    /// One of hookconsole's own files is a symbolic link: not followed.
    #[error(
        "{}: is a symbolic link, which hookconsole does not follow for its own files (in \
         the service user's home a link could make root read another file); put the \
         file itself there",
        path.display()
    )]
    Link { path: PathBuf },
    /// Not a regular file: a device, a FIFO, a directory, a socket.
    #[error("{}: is {kind}, not a regular file; give a file (or - for standard input)", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{}: is larger than {}, more than hookconsole reads from such a file", path.display(), human_size(*limit))]
    TooLarge { path: PathBuf, limit: u64 },
    /// The integrations file exists but holds nothing: hookconsole never writes it so.
    #[error(
        "{}: {} (hookconsole always writes a `schema:` line, even with no \
         integrations): it was emptied or replaced by something else. Put back a copy \
         you trust (an export, a backup), or remove the file to start with no \
         integrations",
        path.display(),
        if *only_comments { "holds only comments" } else { "is empty" }
    )]
    Empty { path: PathBuf, only_comments: bool },
    #[error("no integration named `{0}`")]
    NotFound(String),
    /// Another session changed the file since this one read it.
    #[error("{0}; reload to see the other change, then edit again")]
    Conflict(String),
}

impl StoreError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    /// A YAML error of `path`, its position in front as compilers print it, and no
    /// more of the file's content than [`without_file_content`] leaves.
    pub fn yaml(path: &std::path::Path, error: &serde_yaml::Error) -> Self {
        let location = error.location();
        StoreError::Parse {
            path: path.to_path_buf(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message: without_file_content(&strip_location(&error.to_string())),
        }
    }

    /// Whether the error is about what a file holds or is (bad YAML, an invalid
    /// integration, a link, a device, too large, empty) rather than an operation that
    /// failed: the CLI's exit status 2.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            StoreError::Parse { .. }
                | StoreError::InvalidInFile { .. }
                | StoreError::Invalid(_)
                | StoreError::Link { .. }
                | StoreError::NotRegular { .. }
                | StoreError::TooLarge { .. }
                | StoreError::Empty { .. }
        )
    }

    /// The file the error is about, when it names one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            StoreError::Io { path, .. }
            | StoreError::Parse { path, .. }
            | StoreError::InvalidInFile { path, .. }
            | StoreError::Link { path }
            | StoreError::NotRegular { path, .. }
            | StoreError::TooLarge { path, .. }
            | StoreError::Empty { path, .. } => Some(path),
            StoreError::Invalid(_) | StoreError::NotFound(_) | StoreError::Conflict(_) => None,
        }
    }

    /// The message with the file named by its name alone, for a line that shows the
    /// file's whole path elsewhere (the console's title): the line, the column and
    /// what is wrong keep the room.
    pub fn with_file_name(&self) -> String {
        let text = self.to_string();
        match self.path().and_then(|path| Some((path, path.file_name()?))) {
            Some((path, name)) => {
                text.replacen(&path.display().to_string(), &name.to_string_lossy(), 1)
            }
            None => text,
        }
    }

    /// The field errors, when the error is about fields the person can fix.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            StoreError::Invalid(errors) | StoreError::InvalidInFile { errors, .. } => errors,
            _ => &[],
        }
    }
}

/// For a refused access to the packaged installation, who may use it and how else.
fn refusal_hint(path: &std::path::Path, source: &std::io::Error) -> &'static str {
    if source.kind() == std::io::ErrorKind::PermissionDenied {
        super::locations::permission_hint(path)
    } else {
        ""
    }
}

struct Position(Option<usize>, Option<usize>);

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (Some(line), Some(column)) => write!(f, ":{line}:{column}"),
            (Some(line), None) => write!(f, ":{line}"),
            _ => Ok(()),
        }
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// serde_yaml ends its messages with " at line L column C"; the position is printed in
/// front instead.
pub(crate) fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message.to_string(),
    }
}

/// A size as people read it: `64 MiB`, `512 KiB`, `100 bytes`.
fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The longest excerpt of a file's content an error message quotes.
const EXCERPT_CHARS: usize = 40;

/// `text` as an error may quote it: at most [`EXCERPT_CHARS`] characters, control
/// characters escaped, so that a file read by mistake (`/etc/shadow`) shows no more
/// than a fragment of one line.
pub(crate) fn excerpt(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .flat_map(|c| {
            let escape = c.is_control();
            let escaped: Vec<char> = if escape {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

/// A serde_yaml message with the file's content taken out of it. A string value it
/// quotes (`invalid type: string "hunter2", expected u32`) is left out: the message
/// names the key, not the value. Other quoted text (an unknown key, an unknown
/// variant, a method) is kept only when it reads as a name ([`as_name`]).
pub(crate) fn without_file_content(message: &str) -> String {
    let message = message.replace(
        "recursion limit exceeded",
        "nests deeper than hookconsole reads",
    );
    let mut shown = String::with_capacity(message.len().min(512));
    let mut rest = message.as_str();
    loop {
        let string_value = rest.find("string \"");
        let quoted = rest.find('`');
        match (string_value, quoted) {
            (Some(at), other) if other.is_none_or(|quote| at < quote) => {
                shown.push_str(&rest[..at]);
                shown.push_str("a string");
                rest = skip_debug_string(&rest[at + "string ".len()..]);
            }
            (_, Some(at)) => {
                shown.push_str(&rest[..=at]);
                let inside = &rest[at + 1..];
                let end = inside.find('`').unwrap_or(inside.len());
                shown.push_str(as_name(&inside[..end]));
                rest = &inside[end..];
                if let Some(after) = rest.strip_prefix('`') {
                    shown.push('`');
                    rest = after;
                }
            }
            _ => {
                shown.push_str(rest);
                break;
            }
        }
    }
    shown
}

/// `text` when it reads as a name a person typed for a key or a choice (`colour`,
/// `kerberos`, `application/json`): short, letters, digits and `_-./+`. Anything else
/// (the first line of /etc/shadow read as a key) is `…`: the position says where.
fn as_name(text: &str) -> &str {
    let name_like = text.chars().count() <= EXCERPT_CHARS
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '+'));
    if name_like { text } else { "…" }
}

/// `text` after the string literal it starts with (as `{:?}` writes one: quotes,
/// backslash escapes).
fn skip_debug_string(text: &str) -> &str {
    let mut chars = text.char_indices().skip(1);
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return &text[at + 1..],
            _ => {}
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_left_out_and_keys_cut_short() {
        assert_eq!(
            without_file_content(
                "integrations[0].retry_interval: invalid type: string \"hun\\\"ter2\", expected u32"
            ),
            "integrations[0].retry_interval: invalid type: a string, expected u32"
        );
        let key = "root:$6$salt$hash:19000:0:99999:7:::";
        let shown = without_file_content(&format!("unknown field `{key}`, expected `schema`"));
        assert_eq!(shown, "unknown field `…`, expected `schema`");
        let long = "k".repeat(41);
        let shown = without_file_content(&format!("unknown field `{long}`, expected `schema`"));
        assert_eq!(shown, "unknown field `…`, expected `schema`");
        assert_eq!(excerpt("a\nb"), "a\\nb");
        assert_eq!(excerpt(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
        assert_eq!(
            without_file_content("invalid type: string \"a\nb\", expected struct FileContents"),
            "invalid type: a string, expected struct FileContents"
        );
        assert_eq!(
            without_file_content("unknown variant `kerb`, expected one of `none`, `basic`"),
            "unknown variant `kerb`, expected one of `none`, `basic`"
        );
    }
}
