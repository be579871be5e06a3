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
    #[error("{}{}: integration `{name}`: {}", path.display(), Position(*line, None), join(errors))]
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
    #[error("{}: is larger than {}, more than hookconsole reads from such a file", path.display(), super::read::human_size(*limit))]
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

    /// A YAML error of `path`, its position in front as compilers print it.
    pub fn yaml(path: &std::path::Path, error: &serde_yaml::Error) -> Self {
        let location = error.location();
        StoreError::Parse {
            path: path.to_path_buf(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message: strip_location(&error.to_string()),
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
